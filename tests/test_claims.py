"""The claims helper (dying_relu.claims): records, reports, and fails loudly only in strict mode."""

from __future__ import annotations

import json

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
    c.between("a_b", "half | of *it* (see [1])", 0.5, 0, 1)
    bundle = c.table_bundle()
    assert '<table class="claims-table">' in bundle["text/html"]
    md = bundle["text/markdown"].splitlines()
    assert md[0].startswith("| claim |") and md[1] == "|---|---|---|---|---|"
    assert len(md) == 3 and md[2].count(" | ") == 4  # the cell's own | is escaped
    assert r"half \| of \*it\* \(see \[1\]\)" in md[2] and r"a\_b" in md[2]
    assert bundle["text/plain"] == "<table of 1 claims>"


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
