"""dying_relu.live (values for {eval}, the %%solution magic) and scripts/convert_live.py."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from dying_relu import live

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "lab" / "fixtures" / "glue_fixture.ipynb"


def _converter():
    spec = importlib.util.spec_from_file_location("convert_live", ROOT / "scripts" / "convert_live.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- values
def test_values_format_like_glue_text():
    v = live.Values()
    v["share"] = 0.1234
    v["n"] = 7
    v["x"] = 1.5
    assert repr(v["share:.1%"]) == "12.3%"
    assert repr(v["share:.2f"]) == "0.12"
    assert repr(v["n"]) == "7"
    assert repr(v["n:d"]) == "7"
    assert repr(v["x"]) == "1.5"
    assert repr(v["x:+.2f"]) == "+1.50"
    assert v.raw("share") == 0.1234
    # text/plain without quotes, whatever the renderer does with strings
    assert repr(live.fmt(0.5, ".0%")) == "50%"


def test_values_missing_key_says_what_to_do(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("DYING_RELU_LIVE", raising=False)
    v = live.Values()
    v["a"] = 1
    with pytest.raises(KeyError, match="run the code cells above first.*glued so far: a"):
        v["b:.2f"]


def test_values_missing_key_live_reads_a_placeholder(monkeypatch):
    """Live, a number not computed yet reads as a placeholder in the sentence, not an error."""
    monkeypatch.setenv("DYING_RELU_LIVE", "1")
    v = live.Values()
    assert repr(v["b:.2f"]) == live.PLACEHOLDER
    assert "run the code above" in live.PLACEHOLDER
    v["b"] = 0.5
    assert repr(v["b:.2f"]) == "0.50"


def test_glue_keeps_value_and_glues(monkeypatch):
    calls = []
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: calls.append((a, k)))
    live.glue("fx_test_key", 0.25, display=False)
    assert repr(live.V["fx_test_key:.0%"]) == "25%"
    assert calls == [(("fx_test_key", 0.25), {"display": False})]
    del live.V["fx_test_key"]


# ----------------------------------------------------------------------------- is_live
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"JPY_SESSION_NAME": "/tmp/nb.ipynb"}, True),
        ({"JPY_SESSION_NAME": "/tmp/nb.ipynb", "DYING_RELU_LIVE": "0"}, False),
        ({"DYING_RELU_LIVE": "1"}, True),
        ({"DYING_RELU_LIVE": ""}, False),
    ],
)
def test_is_live(monkeypatch, env, expected):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("DYING_RELU_LIVE", raising=False)
    for k, val in env.items():
        monkeypatch.setenv(k, val)
    assert live.is_live() is expected


# ----------------------------------------------------------------------------- the magic
@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell()
    live.register(sh)
    yield sh
    live.reveal_solutions(False)


def test_solution_runs_when_not_live(shell, monkeypatch, capsys):
    monkeypatch.setenv("DYING_RELU_LIVE", "0")
    shell.run_cell("root = 2")
    result = shell.run_cell("%%solution ex-1\nanswer = 2 * root\nprint('ran', answer)")
    assert result.success
    assert shell.user_ns["answer"] == 4
    assert "ran 4" in capsys.readouterr().out


def test_solution_waits_when_live_and_runs_on_click(shell, monkeypatch, capsys):
    monkeypatch.setenv("DYING_RELU_LIVE", "1")
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    shell.run_cell("root = 3")
    result = shell.run_cell("%%solution ex-1\nanswer = 2 * root\nprint('ran', answer)")
    assert result.success
    assert "answer" not in shell.user_ns
    assert "ran" not in capsys.readouterr().out
    (box,) = shown
    note, button, _out = box.children
    assert "ex-1" in note.value and "%reveal_solutions" in note.value
    button.click()
    assert shell.user_ns["answer"] == 6
    assert button.disabled


def test_reveal_solutions_lets_them_run(shell, monkeypatch):
    monkeypatch.setenv("DYING_RELU_LIVE", "1")
    shell.run_cell("%reveal_solutions")
    shell.run_cell("%%solution ex-1\nanswer = 5")
    assert shell.user_ns["answer"] == 5
    shell.run_cell("%reveal_solutions off")
    shell.run_cell("%%solution ex-1\nanswer = 7")
    assert shell.user_ns["answer"] == 5


def test_solution_error_fails_the_cell(shell, monkeypatch):
    monkeypatch.setenv("DYING_RELU_LIVE", "0")
    result = shell.run_cell("%%solution ex-1\n1 / 0")
    assert not result.success
    assert isinstance(result.error_in_exec, live.SolutionError)


# ----------------------------------------------------------------------------- the converter
def test_convert_fixture():
    conv = _converter()
    nb = json.loads(FIXTURE.read_text())
    out, report = conv.convert_notebook(copy.deepcopy(nb))
    text = json.dumps(out)
    assert "{glue:text}" not in text
    assert report.glue_roles == 5 and report.imports == 1 and report.solution_cells == 1
    cells = out["cells"]
    assert cells[1]["source"].endswith(conv.IMPORT_NEW)
    assert conv.IMPORT_NEW.startswith("from dying_relu.live import V, glue  # noqa: F401")
    assert '{eval}`V[\\"fx_root:.4f\\"]`' in text
    solution = cells[6]
    assert solution["source"].startswith("%%solution fx-ex\n")
    assert solution["metadata"]["jupyter"]["source_hidden"] is True
    assert cells[7]["metadata"]["jupyter"]["source_hidden"] is True  # prose inside the solution
    # ... whose first line (shown in JupyterLab's folded placeholder) gives nothing away, and
    # whose prose is in a folded admonition (running a markdown cell unfolds the cell itself)
    assert cells[7]["source"].startswith("\n") and not cells[6]["source"].startswith("\n")
    assert cells[7]["source"].lstrip().startswith(":::{admonition} Discussion\n:class: dropdown")
    prose_end = cells[7]["source"].index(":::\n", 10)
    assert cells[7]["source"].index("FIXTURE-SOLUTION-PROSE") < prose_end
    assert cells[7]["source"].index("{solution-end}") > prose_end
    # the solution-start cell itself, the exercise and the cells after the solution stay open
    for i in (4, 5, 8, 9):
        assert "source_hidden" not in cells[i]["metadata"].get("jupyter", {}), i
    assert out["metadata"]["mystnb"] == {"execution_mode": "inline"}
    again, _ = conv.convert_notebook(copy.deepcopy(out))
    assert again == out


def test_convert_keeps_cross_notebook_and_md_glue():
    conv = _converter()
    report = conv.Report()
    text = "a {glue:text}`03_dead.ipynb::k:.0%` b {glue:md}`verdict` c {glue}`n`"
    new = conv.convert_markdown(text, report)
    assert "{glue:text}`03_dead.ipynb::k:.0%`" in new and "{glue:md}`verdict`" in new
    assert '{eval}`V["n"]`' in new
    assert report.glue_roles == 1 and len(report.kept) == 2


def test_convert_check_mode(tmp_path):
    conv = _converter()
    nb = tmp_path / FIXTURE.name
    nb.write_text(FIXTURE.read_text())
    assert conv.main(["--check", str(nb)]) == 1
    assert conv.main([str(nb)]) == 0
    assert conv.main(["--check", str(nb)]) == 0


def test_convert_shows_removed_glue_cells_an_eval_needs():
    """MyST-NB inline mode runs a removed cell only when it reaches the next shown code cell: an
    {eval} just after a removed glue cell would read nothing. Such cells become remove-input +
    remove-output (run in order, show nothing); the others stay removed."""
    conv = _converter()
    md = lambda s: {"cell_type": "markdown", "metadata": {}, "source": s}  # noqa: E731
    code = lambda s, tags: {"cell_type": "code", "metadata": {"tags": tags}, "source": s,  # noqa: E731
                            "outputs": [], "execution_count": None}
    nb = {"metadata": {}, "cells": [
        code("glue('a', 1)", ["remove-cell", "nbval-ignore-output"]),
        md("A is {glue:text}`a`."),
        code("glue('b', 2)", ["remove-cell"]),
        code("print(1)", []),
        md("B is {glue:text}`b`."),
        code("glue('c', 3)", ["remove-cell"]),
        md("No number here."),
    ]}
    out, report = conv.convert_notebook(nb)
    tags = [c["metadata"].get("tags") for c in out["cells"]]
    assert tags[0] == ["remove-input", "remove-output", "nbval-ignore-output"]
    assert tags[2] == ["remove-cell"] and tags[5] == ["remove-cell"]
    assert report.unhidden == 1
    again, _ = conv.convert_notebook(copy.deepcopy(out))
    assert again == out
