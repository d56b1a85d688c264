"""_ext/merged_streams.py: MyST-NB's nb_merge_streams must not repeat printed text in the executed
notebook (the cause of Chapter 3's weight-decay solution printing its last line twice).

A unit test of the wrapped merge, then a mini-book built twice with the course's setting
(``nb_merge_streams: true``, inline execution as the chapters): a cell that prints, waits past
ipykernel's flush interval and prints again sends two stream messages; without the extension the
executed copy repeats the second, with it the copy holds each line once and the page shows one
block (about 10 s per build).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import merged_streams  # noqa: E402


def _streams(*texts):
    return [nbformat.v4.new_output("stream", name="stdout", text=t) for t in texts]


def test_merge_leaves_the_cells_outputs_alone():
    from myst_nb.core import render
    from myst_nb.core.utils import coalesce_streams

    outputs = _streams("first line\n", "last line\n")
    before = json.loads(json.dumps(outputs))
    merged = merged_streams.merge_copies(outputs, coalesce_streams)
    assert [o["text"] for o in merged] == ["first line\nlast line\n"]
    assert json.loads(json.dumps(outputs)) == before  # nothing appended to the first output
    # MyST-NB's own merge changes the first output in place (the bug the extension works around)
    raw = _streams("first line\n", "last line\n")
    coalesce_streams(raw)
    assert raw[0]["text"] == "first line\nlast line\n" and raw[1]["text"] == "last line\n"
    assert merged_streams.install() and merged_streams.install()  # idempotent
    assert render.coalesce_streams.merges_copies


CELL = textwrap.dedent("""\
    import sys, time
    print("first line")
    sys.stdout.flush()  # sent on its own, as after a long computation
    time.sleep(0.5)
    print("last line")""")


def _book(book: Path, extension: bool) -> Path:
    book.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["mystnb"] = {"execution_mode": "inline"}  # as the chapters (either mode has the bug)
    nb.cells = [nbformat.v4.new_markdown_cell("# Two streams"), nbformat.v4.new_code_cell(CELL)]
    nbformat.write(nb, book / "streams.ipynb")
    (book / "_toc.yml").write_text("format: jb-book\nroot: streams\n")
    ext = f"\n  local_extensions:\n    merged_streams: {ROOT / '_ext'}" if extension else ""
    (book / "_config.yml").write_text(
        "title: Streams\nexecute:\n  execute_notebooks: force\n"
        f"sphinx:{ext}\n  config:\n    nb_execution_raise_on_error: true\n    nb_merge_streams: true\n")
    jb = Path(sys.executable).with_name("jupyter-book")
    if not jb.exists():
        pytest.skip("jupyter-book is not installed next to this Python")
    run = subprocess.run([str(jb), "build", str(book), "-W", "-n"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return book / "_build"


def _executed_text(build: Path) -> str:
    nb = json.loads((build / "jupyter_execute" / "streams.ipynb").read_text())
    return "".join("".join(o["text"]) for o in nb["cells"][1]["outputs"] if o["output_type"] == "stream")


def test_executed_copy_holds_each_printed_line_once(tmp_path):
    without = _book(tmp_path / "plain", extension=False)
    assert _executed_text(without) == "first line\nlast line\nlast line\n"  # MyST-NB 1.4's bug
    fixed = _book(tmp_path / "fixed", extension=True)
    assert _executed_text(fixed) == "first line\nlast line\n"
    page = (fixed / "html" / "streams.html").read_text()
    assert page.count("first line\nlast line") == 1  # one output block on the page
