"""scripts/run_notebook.py: which notebooks a chapter name selects (a chapter may come in parts)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("run_notebook", ROOT / "scripts" / "run_notebook.py")
run_notebook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_notebook)


def test_a_chapter_number_selects_every_part():
    names = [p.name for p in run_notebook.resolve_all("04")]
    assert names == ["04_fixes.ipynb", "04b_fixes_compared.ipynb"]
    assert [p.name for p in run_notebook.resolve_all("04b")] == ["04b_fixes_compared.ipynb"]
    assert [p.name for p in run_notebook.resolve_all("03")] == ["03_dead_neurons.ipynb"]
