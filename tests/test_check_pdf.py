"""scripts/check_pdf.py: the claims-table check finds a table that runs off the page.

The PDF is stood in for by the words pdftotext would give (``check_pdf.Word``: page, box, text).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_pdf", ROOT / "scripts" / "check_pdf.py")
check_pdf = importlib.util.module_from_spec(spec)
sys.modules["check_pdf"] = check_pdf  # its dataclass looks its module up there
spec.loader.exec_module(check_pdf)
Word = check_pdf.Word

LEFT = 98.0  # the claim column's left edge
RIGHT = 540.0  # the text block's right edge: where the prose ends
ROWS = [
    ["relu-he-trains", "ReLU with He trains.", "0.97", "at least 0.9", "held"],
    ["costliest-activation-share", "GELU costs most.", "1.3 times", "at least 1.2", "NOT HELD"],
]


def line(y: float, *cells: tuple[float, str], page: int = 1) -> list[Word]:
    """One line of words: (x, text) pairs, each word 5 pt a letter wide."""
    return [Word(page, x, y, x + 5 * len(t), t) for x, t in cells]


def prose(y: float, page: int = 1) -> list[Word]:
    """A justified line of prose, from the left margin to the right one."""
    return line(y, (72, "Prose"), (RIGHT - 35, "before."), page=page)


def header(y: float, page: int = 1) -> list[Word]:
    return line(y, (LEFT, "claim"), (140, "what"), (170, "the"), (190, "text"), (215, "says"),
                (320, "measured"), (400, "needs"), (480, "result"), page=page)


def fitting_table(page: int = 1) -> list[Word]:
    """The two rows set in wrapping columns: the second key breaks after a hyphen."""
    return (
        prose(100, page) + header(120, page)
        + line(140, (LEFT, "relu-he-"), (140, "ReLU"), (170, "with"), (320, "0.97"), (400, "at"),
               (480, "held"), page=page)
        + line(150, (LEFT, "trains"), (140, "He"), (160, "trains."), (400, "least"), page=page)
        + line(160, (LEFT, "costliest-"), (140, "GELU"), (320, "1.3"), (400, "at"), (480, "NOT"),
               page=page)
        + line(170, (LEFT, "activation-"), (140, "costs"), (320, "times"), (480, "HELD"), page=page)
        + line(180, (LEFT, "share"), (140, "most."), page=page)
    )


def test_a_table_that_fits_passes():
    assert check_pdf.claims_table_problems(fitting_table(), [("Ch", ROWS)]) == []


def test_a_table_whose_result_column_is_off_the_page_fails():
    # `l` columns: one line per row, the sentence so long that measured, needs and result lie
    # beyond the page (pdftotext drops them)
    words = prose(100) + header(120)[:6] \
        + line(140, (LEFT, "relu-he-trains"), (160, "ReLU"), (500, "with")) \
        + line(150, (LEFT, "costliest-activation-share"), (210, "GELU"), (500, "costs"))
    problems = check_pdf.claims_table_problems(words, [("Ch 5", ROWS)])
    assert len(problems) == 1 and "claims table of 'Ch 5' (pages 1-1) does not fit" in problems[0]
    assert "2 of 2 rows incomplete" in problems[0]
    assert "row 'relu-he-trains' (page 1) ends in 'with', not its result 'held'" in problems[0]


def test_a_result_past_the_right_margin_fails():
    words = fitting_table()
    words = [Word(w.page, w.x0 + 60, w.y0, w.x1 + 60, w.text) if w.text == "held" else w for w in words]
    words += prose(60, page=2) + prose(60, page=3)  # the margin: where most pages' prose ends
    problems = check_pdf.claims_table_problems(words, [("Ch", ROWS)])
    assert len(problems) == 1 and "row 'relu-he-trains' (page 1) runs 18 pt past the right margin" \
        in problems[0]


def test_a_missing_table_or_row_is_named():
    problems = check_pdf.claims_table_problems(prose(100), [("Ch", ROWS)])
    assert problems == ["claims table of 'Ch' not found (no 'claim | what the text says' header)"]
    three = ROWS + [["born-dead-rate", "s", "m", "n", "held"]]
    problems = check_pdf.claims_table_problems(fitting_table(), [("Ch", three)])
    assert "1 of 3 rows incomplete, e.g. row 'born-dead-rate' not found" in problems[0]


def test_rows_lost_off_the_bottom_are_not_looked_for_pages_later():
    # a table set in one block (tabulary) taller than its page: its last row is not on the next
    # page, and the same key at the left edge of a later page does not count
    one = ROWS[:1] + [["dead-share", "s", "m", "n", "held"]]
    words = fitting_table()[:-11] + prose(60, page=2) + prose(60, page=3) \
        + line(80, (LEFT, "dead-share"), (140, "s"), (480, "held"), page=3)
    problems = check_pdf.claims_table_problems(words, [("Ch", one)])
    assert problems and "1 of 2 rows incomplete, e.g. row 'dead-share' not found" in problems[0]


def test_tables_are_found_in_book_order_across_pages():
    later = [["dead-share", "s", "m", "n", "held"]]
    words = fitting_table(page=1) + prose(40, page=2) + header(60, page=2) \
        + line(80, (LEFT, "dead-share"), (140, "s"), (480, "held"), page=2)
    assert check_pdf.claims_table_problems(words, [("Ch 1", ROWS), ("Ch 2", later)]) == []
    # the second table's rows are not looked for in the first table
    problems = check_pdf.claims_table_problems(fitting_table(), [("Ch 1", ROWS), ("Ch 2", ROWS)])
    assert problems == ["claims table of 'Ch 2' not found (no 'claim | what the text says' header)"]


def test_the_expected_rows_come_from_the_html_table():
    parser = check_pdf._CellParser()
    parser.feed('<table class="claims-table"><caption>c</caption><thead><tr><th scope="col">claim'
                "</th></tr></thead><tbody><tr><td>a-b</td><td>x &lt; 1 &amp; y</td></tr></tbody>")
    assert [r for r in parser.rows if r] == [["a-b", "x < 1 & y"]]


TEX = "\n".join([
    r"\begin{tabular}{ll}", "a & b", r"\end{tabular}",                    # lines 1-3: not a claims table
    r"\begin{longtable}{\X{13}{100}\X{39}{100}}", "claim", "&", "what the text says", r"\\",
    "cell", r"\end{longtable}",                                           # lines 4-10
])


def test_overfull_cells_of_a_claims_table_are_found_in_the_latex_log():
    assert check_pdf.claims_table_spans(TEX) == [(4, 10)]
    log = ("Overfull \\hbox (10.10254pt too wide) in paragraph at lines 9--9\n"
           "Overfull \\hbox (2.5pt too wide) in paragraph at lines 9--9\n"       # within tolerance
           "Overfull \\hbox (50.0pt too wide) in paragraph at lines 2--2\n")     # not a claims table
    assert check_pdf.overfull_problems(TEX, log, ["Ch 5"]) == [
        "claims table of 'Ch 5' (.tex lines 4-10): 1 overfull lines, up to 10 pt wider than their column"]
    assert check_pdf.overfull_problems(TEX, "Overfull \\hbox (695.7pt too wide) in alignment at lines "
                                       "4--8\n", ["Ch 5"])[0].endswith("up to 696 pt wider than their column")
    assert check_pdf.overfull_problems(TEX, "", ["Ch 5"]) == []
