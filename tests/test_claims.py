"""The claims helper (dying_relu.claims): records, reports, and fails loudly only in strict mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dying_relu import claims as C


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv(C.ENV_MODE, raising=False)
    monkeypatch.delenv(C.ENV_REPORT, raising=False)


def held(c: C.Claims, key: str) -> bool:
    return c.claims[key].held


def test_bounds_hold_and_fail_without_raising_by_default():
    c = C.Claims("ch9", "Test")
    c.at_least("a", "x is large", 3.0, 2.0)
    c.at_most("b", "x is small", 3.0, 2.0)
    c.between("c", "x is moderate", 3.0, 1.0, 4.0)
    c.between("d", "nan never holds", float("nan"), 0.0, 1.0)
    c.count("e", "most seeds", 4, 5, at_least=4)
    c.check("f", "yes/no", False, measured="no", expected="yes")
    assert [held(c, k) for k in "abcdef"] == [True, False, True, False, True, False]
    assert c.n_checked == 6 and [x.key for x in c.failed] == ["b", "d", "f"]
    assert c.summary_line().startswith("6 claims checked when this page was built, 3 held.")
    assert "b; d; f" in c.summary_line()


def test_margin_is_relative_distance_to_nearest_bound():
    c = C.Claims("ch9")
    c.between("m", "s", 1.5, 1.0, 3.0)
    assert c.claims["m"].margin == pytest.approx(0.5)
    c.at_most("n", "s", 4.0, 2.0)
    assert c.claims["n"].margin == pytest.approx(-1.0)


def test_strict_mode_raises_with_the_sentence_and_the_distance(monkeypatch):
    monkeypatch.setenv(C.ENV_MODE, "strict")
    c = C.Claims("ch2", "The one-sided vanishing gradient")
    c.at_least("ok", "fine", 1.0, 0.5)
    assert held(c, "ok")
    with pytest.raises(C.ClaimFailed) as err:
        c.at_least("relu-he-trains", "ReLU+He reaches 95%.", 0.6, 0.9, fmt=".2f")
    msg = str(err.value)
    assert "relu-he-trains" in msg and "ch2 (The one-sided vanishing gradient)" in msg
    assert "ReLU+He reaches 95%." in msg and "Measured 0.60" in msg and "at least 0.90" in msg
    assert "off by 0.3" in msg


def test_report_file_lists_every_claim(monkeypatch, tmp_path):
    monkeypatch.setenv(C.ENV_REPORT, str(tmp_path / "native"))
    c = C.Claims("ch4")
    c.at_least("a", "s", 2.0, 1.0)
    c.count("b", "t", 2, 3, at_least=3)
    report = json.loads((tmp_path / "native" / "ch4.json").read_text())
    assert [r["key"] for r in report["claims"]] == ["a", "b"]
    assert report["claims"][1]["held"] is False


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda c: c.between("k", "s", 1.0), "give lo, hi or both"),
        (lambda c: c.between("k", "s", 1.0, 2.0, 1.0), "is above hi"),
        (lambda c: c.count("k", "s", 4, 3, at_least=1), "is not a count"),
        (lambda c: c.at_least("two words", "s", 1.0, 0.0), "one word"),
    ],
)
def test_bad_calls_say_what_to_do(call, match):
    with pytest.raises(ValueError, match=match):
        call(C.Claims("ch9"))


def test_bad_mode_and_bad_chapter(monkeypatch):
    with pytest.raises(ValueError, match="short id"):
        C.Claims("chapter two")
    monkeypatch.setenv(C.ENV_MODE, "loud")
    with pytest.raises(ValueError, match="strict"):
        C.Claims("ch9").at_least("a", "s", 1.0, 0.0)


def test_sequences_must_hold_for_every_element():
    c = C.Claims("ch9")
    c.between("all", "every seed", [0.5, 0.7, 0.9], 0.4, 1.0, fmt=".1f")
    assert held(c, "all") and c.claims["all"].measured == "0.5 to 0.9 (3 values)"
    c.between("one-out", "every seed", [0.5, 1.2], 0.4, 1.0)
    assert not held(c, "one-out") and c.claims["one-out"].value == pytest.approx(1.2)
    c.at_least("nan", "every seed", [1.0, float("nan")], 0.0)
    assert not held(c, "nan")
    with pytest.raises(ValueError, match="no values"):
        c.at_least("empty", "s", [], 0.0)


def test_table_bundle_prints_as_markdown():
    c = C.Claims("ch9")
    c.between("a_b", "half | of *it* (see [1]) & more", 0.5, 0, 1)
    bundle = c.table_bundle()
    assert '<table class="claims-table">' in bundle["text/html"]
    assert f"<caption>{C.CAPTION}</caption>" in bundle["text/html"]
    md = bundle["text/markdown"].splitlines()
    # a pipe table in a {table} directive (widths, longtable) in a {container} named claims-table
    assert md[:5] == ["````{container} claims-table", f"```{{table}} {C.CAPTION}", ":class: longtable",
                      ":widths: " + " ".join(map(str, C.PRINT_WIDTHS)), ""]
    assert md[-2:] == ["```", "````"]
    table = md[5:-2]
    assert table[0].startswith("| claim |") and table[1] == "|---|---|---|---|---|"
    assert len(table) == 3 and table[2].count(" | ") == 4  # the cell's own | is escaped
    assert r"half \| of \*it\* \(see \[1\]\) \& more" in table[2] and r"a\_b" in table[2]
    assert bundle["text/plain"] == "<table of 1 claims>"


def test_print_form_parses_as_a_longtable_with_widths_and_keeps_every_value():
    """Parsed as MyST (the book's nb_render_markdown_format), the Markdown is one table that the
    LaTeX builder sets as a longtable of wrapping columns (classes longtable, colwidths-given),
    and every cell reads back exactly, whatever Markdown, MyST or HTML it contains."""
    from docutils import nodes
    from docutils.core import publish_doctree
    from myst_parser.parsers.docutils_ import Parser

    c = C.Claims("ch9")
    c.between("a-b", r"half | of *it* (see [1]) & $x$, {eval}`V` <b>x</b> ~~s~~ x_1 \ 100% &amp;",
              0.5, 0, 1)
    c.check("not-held", "  two\n lines ", False, measured="no", expected="yes")
    settings = {"myst_enable_extensions": ["dollarmath", "amsmath", "colon_fence", "deflist",
                                           "substitution"],
                "report_level": 2, "halt_level": 2, "warning_stream": False}  # a warning raises
    doc = publish_doctree(c.table_bundle()["text/markdown"], parser=Parser(),
                          settings_overrides=settings)
    assert "claims-table" in doc.next_node(nodes.container)["classes"]
    tables = list(doc.findall(nodes.table))
    assert len(tables) == 1 and {"longtable", "colwidths-given"} <= set(tables[0]["classes"])
    assert tables[0].next_node(nodes.title).astext() == C.CAPTION
    assert [s["colwidth"] for s in tables[0].findall(nodes.colspec)] == list(C.PRINT_WIDTHS)
    rows = [tuple(e.astext() for e in r.findall(nodes.entry)) for r in tables[0].findall(nodes.row)]
    assert rows[0] == ("claim", "what the text says", "measured", "needs", "result")
    assert rows[1:] == [(*c.rows()[0],), ("not-held", "two lines", "no", "yes", "NOT HELD")]


def test_the_book_parses_markdown_outputs_as_myst_and_styles_the_claims_table():
    """The print form needs MyST for Markdown outputs (GFM has no directives: its tables printed as
    `l` columns that ran off the page), and the LaTeX preamble's environment for the container."""
    import yaml

    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "_config.yml").read_text())
    sphinx = config["sphinx"]["config"]
    assert sphinx["nb_render_markdown_format"] == "myst"
    assert r"\newenvironment{sphinxclassclaims-table}" in sphinx["latex_elements"]["preamble"]


def test_a_claim_cell_displays_nothing(capsys):
    """A chapter's claim cell ends with the check: its value must not be shown (JupyterLab showed
    `True` under every bookkeeping cell after Run All). Every check returns None."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell()
    shell.user_ns["C"] = C
    shown = []
    shell.displayhook.write_format_data = lambda data, md=None: shown.append(data)
    cells = [
        'c = C.Claims("ch9")',
        'c.at_least("a", "s", 2.0, 1.0)',
        'c.at_most("b", "s", 2.0, 1.0)',  # a failed claim shows nothing either (recorded)
        'c.between("c", "s", 0.5, 0.0, 1.0)',
        'c.count("d", "s", 3, 3, at_least=3)',
        'c.check("e", "s", True, measured="yes", expected="yes")',
    ]
    for cell in cells:
        result = shell.run_cell(cell)
        assert result.success and result.result is None, cell
    assert shown == [] and capsys.readouterr().out == ""
    c = shell.user_ns["c"]
    assert [held(c, k) for k in "abcde"] == [True, False, True, True, True]
