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
    live._PARTS.clear()
    yield sh
    live.reveal_solutions(False)
    live._PARTS.clear()


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
    assert button.description == "Show the solution's output"
    button.click()
    assert shell.user_ns["answer"] == 6
    assert button.disabled and button.description == "solution run"
    assert "has run: its output is below" in note.value


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


# ----------------------------------------------------------------------------- solutions in parts
@pytest.fixture
def shown(monkeypatch):
    """The widgets the magic displays (one VBox per waiting part), live."""
    monkeypatch.setenv("DYING_RELU_LIVE", "1")
    boxes = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: boxes.extend(objs))
    return boxes


PARTS = [  # one exercise's solution in three cells: each uses what the one before computes
    "a = 1\nlog.append('part 1')",
    "b = a + 1\nlog.append('part 2')",
    "c = b + 1\nlog.append('part 3')",
]


def run_parts(shell, numbered=True, which=(1, 2, 3)):
    """Run the solution's cells as Run All does (or only some of them); returns their buttons."""
    shell.run_cell("log = []")
    for k in which:
        line = f"ex-3 (part {k} of 3)" if numbered else "ex-3"
        assert shell.run_cell(f"%%solution {line}\n{PARTS[k - 1]}").success
    parts = live._PARTS["ex-3"]
    return {p.number: p.button for p in parts}


def texts(shell):
    return [p.button.description for p in sorted(live._PARTS["ex-3"], key=lambda p: p.number)]


def test_parts_wait_and_say_which_they_are(shell, shown):
    buttons = run_parts(shell)
    assert shell.user_ns["log"] == [] and len(shown) == 3
    assert texts(shell) == [
        "Show the solution's output (part 1 of 3)",
        "Show the solution's output (part 2 of 3; runs part 1 first)",
        "Show the solution's output (part 3 of 3; runs parts 1-2 first)",
    ]
    note = shown[2].children[0].value
    assert "ex-3" in note and "in 3 cells" in note and "earlier ones" in note
    assert not any(b.disabled for b in buttons.values())


def test_last_part_first_runs_every_part_in_order(shell, shown):
    buttons = run_parts(shell)
    buttons[3].click()
    assert shell.user_ns["log"] == ["part 1", "part 2", "part 3"]
    assert shell.user_ns["c"] == 3
    assert texts(shell) == ["part 1 of 3 run (with part 3)", "part 2 of 3 run (with part 3)",
                            "part 3 of 3 run"]
    notes = [p.note.value for p in live._PARTS["ex-3"]]
    assert "part 1 of 3, has run (with part 3): its output is below" in notes[0]
    assert "part 3 of 3, has run: its output is below" in notes[2]
    assert all(b.disabled for b in buttons.values())


def test_out_of_order_presses_run_each_part_once(shell, shown):
    buttons = run_parts(shell)
    buttons[2].click()  # part 2 first: part 1 runs before it
    assert shell.user_ns["log"] == ["part 1", "part 2"]
    assert texts(shell)[2] == "Show the solution's output (part 3 of 3)"  # nothing left to run first
    assert buttons[1].disabled and buttons[2].disabled and not buttons[3].disabled
    buttons[3].click()
    assert shell.user_ns["log"] == ["part 1", "part 2", "part 3"]  # parts 1 and 2 not again
    buttons[1].click()  # disabled in the browser; a click that gets through runs nothing
    assert shell.user_ns["log"] == ["part 1", "part 2", "part 3"]


def test_unnumbered_parts_follow_the_order_their_cells_ran(shell, shown):
    """Cells straight from a chapter (not a learner's copy) carry no part numbers."""
    buttons = run_parts(shell, numbered=False)
    assert texts(shell)[0] == "Show the solution's output (part 1 of 3)"  # updated as parts came
    assert texts(shell)[2].endswith("(part 3 of 3; runs parts 1-2 first)")
    buttons[2].click()
    assert shell.user_ns["log"] == ["part 1", "part 2"]
    # the same cell run again (Run All twice) is the same part, waiting again
    assert shell.run_cell(f"%%solution ex-3\n{PARTS[1]}").success
    assert len(live._PARTS["ex-3"]) == 3
    assert texts(shell)[1] == "Show the solution's output (part 2 of 3)"


def test_a_part_whose_earlier_cells_never_ran_says_so(shell, shown):
    buttons = run_parts(shell, which=(3,))
    buttons[3].click()
    assert shell.user_ns["log"] == [] and not buttons[3].disabled
    note = live._PARTS["ex-3"][0].note.value
    assert "Parts 1-2" in note and "have not run in this kernel" in note
    assert texts(shell) == ["Show the solution's output (part 3 of 3; runs parts 1-2 first)"]
    for k in (1, 2):
        shell.run_cell(f"%%solution ex-3 (part {k} of 3)\n{PARTS[k - 1]}")
    assert "not run in this kernel" not in live._PARTS["ex-3"][0].note.value  # no longer true
    buttons[3].click()
    assert shell.user_ns["log"] == ["part 1", "part 2", "part 3"]


def test_a_failing_earlier_part_stops_the_press(shell, shown):
    shell.run_cell("log = []")
    shell.run_cell("%%solution ex-3 (part 1 of 2)\nlog.append('part 1')\n1 / 0")
    shell.run_cell("%%solution ex-3 (part 2 of 2)\nlog.append('part 2')")
    part1, part2 = live._PARTS["ex-3"]
    part2.button.click()
    assert shell.user_ns["log"] == ["part 1"]
    assert part1.state == "failed" and part2.state == "waiting"
    assert part1.button.description == "part 1 of 2 failed: see the error below"
    assert not part1.button.disabled and not part2.button.disabled
    assert "Part 1 of the solution failed" in part2.note.value
    assert "part 1 of 2, failed: its error is below" in part1.note.value


def test_revealed_part_runs_the_earlier_waiting_parts_first(shell, shown):
    buttons = run_parts(shell, which=(1, 2))
    shell.run_cell("%reveal_solutions")
    assert shell.run_cell(f"%%solution ex-3 (part 3 of 3)\n{PARTS[2]}").success
    assert shell.user_ns["log"] == ["part 1", "part 2", "part 3"]
    assert buttons[1].disabled and [buttons[k].description for k in (1, 2)] == [
        "part 1 of 3 run (with part 3)", "part 2 of 3 run (with part 3)"]
    assert len(shown) == 2  # the revealed part shows no button


def test_not_live_parts_run_in_order_without_bookkeeping(shell, monkeypatch):
    monkeypatch.setenv("DYING_RELU_LIVE", "0")
    shell.run_cell("log = []")
    for k in (1, 2, 3):
        assert shell.run_cell(f"%%solution ex-3\n{PARTS[k - 1]}").success
    assert shell.user_ns["log"] == ["part 1", "part 2", "part 3"]
    assert live._PARTS == {}


# ----------------------------------------------------------------------------- the converter
def test_convert_fixture():
    conv = _converter()
    nb = json.loads(FIXTURE.read_text())
    out, report = conv.convert_notebook(copy.deepcopy(nb))
    text = json.dumps(out)
    assert "{glue:text}" not in text
    assert report.glue_roles == 5 and report.imports == 1 and report.solution_cells == 4
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
    # a solution in three code cells: each under the magic, with the same label
    assert [cells[i]["source"].split("\n", 1)[0] for i in (12, 14, 15)] == ["%%solution fx-ex3"] * 3
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
