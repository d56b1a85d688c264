"""tests/nbreplay.py: nbval's comparison over executed copies finds what nbval would find."""

from __future__ import annotations

import itertools
import json

import nbformat

pytest_plugins = ["pytester"]
_runs = itertools.count()


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    for source, outputs, tags in cells:
        cell = nbformat.v4.new_code_cell(source, execution_count=1, outputs=outputs)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def glued(name, value):
    return nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": value},
        metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    )


def run(pytester, committed, executed=None, glue=None):
    """Replay ``executed`` (None: no build at all) against ``committed``; (exit code, output)."""
    root = pytester.path / f"run{next(_runs)}"
    (root / "chapters").mkdir(parents=True)
    nbformat.write(committed, root / "chapters" / "nb.ipynb")
    if executed is not None:
        (root / "built" / "chapters").mkdir(parents=True)
        nbformat.write(executed, root / "built" / "chapters" / "nb.ipynb")
        if glue is not None:
            (root / "built" / "chapters" / "nb.glue.json").write_text(json.dumps(glue))
    result = pytester.runpytest_inprocess(
        "-p", "tests.nbreplay", f"--nbreplay={root / 'built'}", "-q", "-p", "no:cacheprovider",
        f"--rootdir={root}", str(root / "chapters" / "nb.ipynb"),
    )
    return int(result.ret), "\n".join(result.outlines + result.errlines)


def glue_entry(name, value):
    return {name: {"output_type": "display_data", "data": {"text/plain": value},
                   "metadata": {"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}}}}


def test_equal_outputs_pass(pytester):
    nb = notebook([("print(1)", [stream("1\n")], None)])
    code, out = run(pytester, nb, nb)
    assert code == 0, out


def test_a_different_output_fails_unless_the_cell_is_covered_by_claims(pytester):
    executed = notebook([("print(x)", [stream("0.96\n")], None)])
    code, out = run(pytester, notebook([("print(x)", [stream("0.97\n")], None)]), executed)
    assert code == 1 and "Cell outputs differ" in out, out
    ignored = notebook([("print(x)", [stream("0.97\n")], ["nbval-ignore-output"])])
    code, out = run(pytester, ignored, executed)
    assert code == 0, out


def test_glued_values_are_compared_from_the_glue_file(pytester):
    committed = notebook([("glue('a', x)", [glued("a", "0.5")], None)])
    executed = notebook([("glue('a', x)", [], None)])
    code, out = run(pytester, committed, executed, glue_entry("a", "0.5"))
    assert code == 0, out
    code, out = run(pytester, committed, executed, glue_entry("a", "0.25"))
    assert code == 1 and "0.25" in out, out


def test_errors_and_stale_copies_fail(pytester):
    committed = notebook([("1/0", [], None)])
    err = nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                 traceback=["boom"])
    code, out = run(pytester, committed, notebook([("1/0", [err], None)]))
    assert code == 1 and "exception" in out, out
    code, out = run(pytester, committed, notebook([("2/0", [], None)]))
    assert code == 1 and "does not match" in out, out


def test_missing_build_says_what_to_do(pytester):
    code, out = run(pytester, notebook([("1", [], None)]))
    assert code != 0 and "make book" in out, out
