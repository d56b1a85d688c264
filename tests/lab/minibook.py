"""A temporary mini-book around fixture notebooks, built with the course's own Jupyter Book settings.

Used by tests/lab/test_live_book.py (and by hand: ``python tests/lab/minibook.py MODE`` prints the
build time), so the live mechanisms of issue 14 are proved on small notebooks, never on the course.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent

GLOSSARY = """# Glossary

```{glossary}
dead unit
  A ReLU unit whose pre-activation is negative on every input.
```
"""


def book_config(mode: str) -> dict:
    """The course's _config.yml, reduced to one mini-book, with execution ``mode`` (force/inline)."""
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cfg["title"] = "live fixture"
    cfg["execute"]["execute_notebooks"] = mode
    cfg.pop("bibtex_bibfiles", None)
    cfg["html"].pop("favicon", None)
    sphinx_cfg = cfg["sphinx"]["config"]
    # no widget scripts in the mini-book (no _webassets here), no bibliography
    for key in ("html_extra_path", "nb_ipywidgets_js", "bibtex_reference_style", "bibtex_default_style"):
        sphinx_cfg.pop(key, None)
    cfg["sphinx"].pop("local_extensions", None)
    live = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    if "nb_eval_name_regex" in live:
        sphinx_cfg["nb_eval_name_regex"] = live["nb_eval_name_regex"]
    return cfg


def make_book(dest: Path, notebooks: list[Path], mode: str = "inline") -> Path:
    """Lay out a mini-book in ``dest``: intro, the notebooks under chapters/, a glossary."""
    (dest / "chapters").mkdir(parents=True, exist_ok=True)
    for nb in notebooks:
        shutil.copy(nb, dest / "chapters" / nb.name)
    (dest / "intro.md").write_text("# Live fixture book\n\nThe fixture notebooks of issue 14.\n")
    (dest / "glossary.md").write_text(GLOSSARY)
    toc = {
        "format": "jb-book",
        "root": "intro",
        "chapters": [{"file": f"chapters/{nb.stem}"} for nb in notebooks] + [{"file": "glossary"}],
    }
    (dest / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    (dest / "_config.yml").write_text(yaml.safe_dump(book_config(mode), sort_keys=False))
    return dest


def build(book: Path) -> tuple[subprocess.CompletedProcess, float]:
    """``jupyter-book build BOOK -W -n --keep-going --all`` (as `make book`); returns (result, seconds)."""
    t0 = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(book), "-W", "-n", "--keep-going", "--all"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, time.perf_counter() - t0


if __name__ == "__main__":
    import tempfile

    mode = sys.argv[1] if len(sys.argv) > 1 else "inline"
    names = sys.argv[2:] or ["live_fixture.ipynb"]
    with tempfile.TemporaryDirectory() as tmp:
        book = make_book(Path(tmp) / "book", [FIXTURES / n for n in names], mode)
        res, secs = build(book)
        print(res.stdout[-3000:], res.stderr[-3000:])
        print(f"mode {mode}: exit {res.returncode} in {secs:.1f} s")
