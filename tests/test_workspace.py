"""scripts/workspace.py: the learner's copies for `make lab` and `make reset`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import workspace  # noqa: E402


@pytest.fixture
def chapters(tmp_path, monkeypatch):
    folder = tmp_path / "chapters"
    folder.mkdir()
    nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for name in ("01_relu_fast", "02_one_sided", "03_dead_neurons", "04_fixes"):
        (folder / f"{name}.ipynb").write_text(json.dumps(nb))
    monkeypatch.setattr(workspace, "CHAPTERS", folder)
    monkeypatch.setattr(workspace, "ROOT", tmp_path)
    monkeypatch.setattr(workspace, "trust", lambda nb: None)
    return folder


@pytest.mark.parametrize("spec", ["3", "03", "03_dead", "dead", "dead_neurons"])
def test_match_chapter(chapters, spec):
    assert workspace.match_chapter(spec, chapters).name == "03_dead_neurons.ipynb"


@pytest.mark.parametrize("spec", ["9", "0", "zzz"])
def test_match_chapter_refuses(chapters, spec):
    with pytest.raises(SystemExit, match="must name exactly one chapter.*03_dead_neurons"):
        workspace.match_chapter(spec, chapters)


def test_reset_keeps_old_copy(chapters, tmp_path, monkeypatch):
    monkeypatch.setattr(workspace, "open_sessions", lambda: [])
    ws = tmp_path / "workspace"
    ws.mkdir()
    (ws / "03_dead_neurons.ipynb").write_text("my work")
    assert workspace.reset("3", ws) == 0
    backups = list(ws.glob("03_dead_neurons.bak-*.ipynb"))
    assert len(backups) == 1 and backups[0].read_text() == "my work"
    assert json.loads((ws / "03_dead_neurons.ipynb").read_text())["nbformat"] == 4


def test_reset_refuses_when_open(chapters, tmp_path, monkeypatch, capsys):
    ws = tmp_path / "workspace"
    ws.mkdir()
    (ws / "03_dead_neurons.ipynb").write_text("my work")
    monkeypatch.setattr(workspace, "open_sessions",
                        lambda: [("http://127.0.0.1:8888/", (ws / "03_dead_neurons.ipynb").resolve())])
    assert workspace.reset("03", ws) == 1
    assert "Close its tab first" in capsys.readouterr().err
    assert (ws / "03_dead_neurons.ipynb").read_text() == "my work"


def test_prepare_copies_trusts_and_writes_settings(chapters, tmp_path, monkeypatch):
    trusted = []
    monkeypatch.setattr(workspace, "trust", trusted.append)
    ws = tmp_path / "workspace"
    ws.mkdir()
    (ws / "01_relu_fast.ipynb").write_text("mine")
    workspace.prepare(ws)
    assert (ws / "01_relu_fast.ipynb").read_text() == "mine"
    assert len(trusted) == 4
    settings = ws / ".jupyterlab-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    assert json.loads(settings.read_text())["fetchNews"] == "false"


def test_trust_really_trusts(tmp_path):
    import nbformat
    from nbformat.sign import NotebookNotary

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "<b>x</b>"})]))
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    workspace.trust(path)
    assert NotebookNotary().check_signature(nbformat.read(path, as_version=4))


def test_learner_copy_leaves_solution_results_out(tmp_path):
    """A learner's copy shows no solution's results before the learner asks for them."""
    nb = {"cells": [
        {"cell_type": "code", "source": "%%solution ex-1\nprint(42)", "metadata": {},
         "execution_count": 3, "outputs": [{"output_type": "stream", "name": "stdout", "text": "42\n"}]},
        {"cell_type": "code", "source": ["x = 1\n"], "metadata": {}, "execution_count": 4,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "kept\n"}]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    src, dest = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    src.write_text(json.dumps(nb))
    workspace.learner_copy(src, dest)
    cells = json.loads(dest.read_text())["cells"]
    assert cells[0]["outputs"] == [] and cells[0]["execution_count"] is None
    assert cells[0]["source"] == "%%solution ex-1\nprint(42)"
    assert cells[1]["outputs"][0]["text"] == "kept\n" and cells[1]["execution_count"] == 4


def test_learner_copy_numbers_the_parts_of_a_solution(tmp_path):
    """A solution in several cells: each part's line says which it is (the live kernel then knows
    what to run first, whatever order the cells run in); a one-cell solution keeps its line."""
    code = lambda s: {"cell_type": "code", "source": s, "metadata": {}, "execution_count": 1,  # noqa: E731
                      "outputs": []}
    nb = {"cells": [
        code("%%solution ex-1\nprint(1)"),
        code(["%%solution ex-2\n", "a = 1\n"]),
        {"cell_type": "markdown", "source": "Between the parts.", "metadata": {}},
        code("%%solution ex-2 (part 7 of 9)\nb = a + 1"),
        code("%%solution ex-2\nc = b + 1"),
        code("x = 1"),
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    src, dest = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    src.write_text(json.dumps(nb))
    workspace.learner_copy(src, dest)
    cells = json.loads(dest.read_text())["cells"]
    assert cells[0]["source"] == "%%solution ex-1\nprint(1)"
    assert cells[1]["source"] == "%%solution ex-2 (part 1 of 3)\na = 1\n"
    assert cells[3]["source"] == "%%solution ex-2 (part 2 of 3)\nb = a + 1"
    assert cells[4]["source"] == "%%solution ex-2 (part 3 of 3)\nc = b + 1"
    assert cells[5]["source"] == "x = 1"
    again = json.loads(dest.read_text())
    assert workspace.number_solution_parts(again["cells"]) == 3 and again["cells"] == cells


def test_live_markdown_keeps_the_screen_edition():
    text = ("Intro.\n\n```{only} html\nMove the slider.\n```\n\n"
            "```{only} latex\nThe figure shows lr 1.\n```\n\n"
            ":::{only} html\nColon fence.\n:::\n\nEnd {eval}`V[\"x\"]`.\n")
    out = workspace.live_markdown(text)
    assert "{only}" not in out and "The figure shows" not in out
    assert "Move the slider." in out and "Colon fence." in out and out.endswith('End {eval}`V["x"]`.\n')
    assert "\n\n\n" not in out


def test_learner_copy_reads_like_the_screen(tmp_path):
    src, dest = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    nb = {"cells": [{"cell_type": "markdown", "metadata": {},
                     "source": ["A\n", "```{only} latex\n", "print\n", "```\n",
                                "```{only} html\n", "screen\n", "```\n"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    src.write_text(json.dumps(nb))
    workspace.learner_copy(src, dest)
    assert json.loads(dest.read_text())["cells"][0]["source"] == "A\nscreen\n"


def test_live_markdown_drops_the_solution_end_marker():
    text = "\n:::{admonition} Discussion\n:class: dropdown\n\nWhy.\n:::\n\n```{solution-end}\n```"
    out = workspace.live_markdown(text)
    assert "solution-end" not in out and out.rstrip().endswith(":::") and "Why." in out


def test_learner_copy_folds_what_the_book_hides(tmp_path):
    def code(tags):
        return {"cell_type": "code", "metadata": {"tags": tags}, "source": "x = 1", "outputs": [],
                "execution_count": None}

    src, dest = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    nb = {"cells": [code(["remove-input", "remove-output"]), code(["hide-input"]), code([]),
                    code(["remove-cell"])], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    src.write_text(json.dumps(nb))
    workspace.learner_copy(src, dest)
    meta = [c["metadata"].get("jupyter") for c in json.loads(dest.read_text())["cells"]]
    assert meta == [{"source_hidden": True, "outputs_hidden": True}, {"source_hidden": True}, None,
                    {"source_hidden": True, "outputs_hidden": True}]
