"""The live mechanisms in the static book: a converted fixture built by Jupyter Book, HTML checked.

The fixture (tests/lab/fixtures/glue_fixture.ipynb, written like a chapter) is converted by
scripts/convert_live.py and built in a temporary mini-book with the course's settings and
the book's ``execute_notebooks: force``: the converted notebook asks for inline execution (what
{eval} needs) in its own metadata, as a converted chapter will. Warnings are errors. One build,
about 50-90 s on a busy machine; ``python tests/lab/minibook.py force|inline NB`` times a mode.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import minibook  # noqa: E402

ROOT = minibook.ROOT


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("livebook")
    conv = tmp / "converted"
    sys.path.insert(0, str(ROOT / "scripts"))
    import convert_live

    assert convert_live.main(["--out", str(conv), str(minibook.FIXTURES / "glue_fixture.ipynb")]) == 0
    book = minibook.make_book(tmp / "book", [conv / "glue_fixture.ipynb"], mode="force")
    result, seconds = minibook.build(book)
    print(f"mini-book built in {seconds:.1f} s")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return book / "_build"


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "", html)  # inline tags (spans around numbers) join their text
    return re.sub(r"\s+", " ", __import__("html").unescape(text))


def test_eval_numbers_in_html(built):
    page = (built / "html" / "chapters" / "glue_fixture.html").read_text()
    text = _text(page)
    assert "The scaled root is 1.4142, the share is 25% and the count is 7." in text
    assert "After the solutions: 1.41." in text
    for raw in ("{eval}", 'V["', "{glue", ":label:", "{exercise}", "solution-start"):
        assert raw not in text, raw


def test_solution_runs_in_the_book_and_is_folded(built):
    page = (built / "html" / "chapters" / "glue_fixture.html").read_text()
    assert "FIXTURE-SOLUTION-RAN 2.8284" in page
    # sphinx-exercise's dropdown: the solution body sits in a folded <details>/toggle container
    start = page.index("FIXTURE-SOLUTION-RAN")
    assert "dropdown" in page[max(0, start - 6000):start]


def test_executed_copy_for_nbreplay(built):
    nb = json.loads((built / "jupyter_execute" / "chapters" / "glue_fixture.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    sol = [c for c in code if "".join(c["source"]).startswith("%%solution")]
    assert len(sol) == 4
    outs = ["".join("".join(o.get("text", "")) for o in c["outputs"]) for c in sol]
    assert "FIXTURE-SOLUTION-RAN 2.8284" in outs[0]
    # the book runs a solution in three cells in order, each once, its output under each cell
    assert outs[1:] == ["FIXTURE-PART1-RAN 2.4142 (run 1)\n", "FIXTURE-PART2-RAN 4.8284\n",
                        "FIXTURE-PART3-RAN 7.2426\n"]
    assert all(o["output_type"] != "error" for c in nb["cells"] for o in c.get("outputs", []))
