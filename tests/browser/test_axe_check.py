"""The accessibility helpers of the browser suite (tests/browser/axe_check.py), without a browser."""

from __future__ import annotations

import sys
from pathlib import Path

import axe_check
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "_ext"))
import accessible_pages  # noqa: E402


@pytest.mark.parametrize(
    "alt",
    [
        None,
        "",
        "   ",
        "figure",
        "Image 3",
        "../_images/0586527c7ae28033bd7bf683cd2a3c9d4da47b3b39e3c5d6c17571b91d8f31d3.png",
        "_images/plot.png",
        "plot.png",
        "0586527c7ae28033bd7bf683cd2a3c9d",
        "relu",  # one word says nothing about what to see
    ],
)
def test_not_meaningful(alt):
    assert not axe_check.meaningful(alt)


@pytest.mark.parametrize(
    "alt",
    [
        "Dead fraction against the learning rate: 2% at 0.1, 61% at 3.",
        "Explorer frame for SGD learning rate 1.5, initial bias 0.",
        "ReLU and its derivative",
    ],
)
def test_meaningful(alt):
    assert axe_check.meaningful(alt)


def test_pending_list_is_readable_and_has_no_duplicates():
    pages = axe_check.pending_alt_pages()
    assert len(pages) == len(set(pages))
    assert all(not p.endswith((".ipynb", ".md", ".html")) for p in pages), "list docnames, no suffix"


def test_summary_counts_elements_by_rule_and_impact():
    report = {"axe": "x", "tags": axe_check.WCAG_TAGS, "pages": {
        "a [loaded]": {"screenshot": None, "violations": [
            {"id": "image-alt", "impact": "critical", "help": "h", "helpUrl": "u",
             "nodes": [{"target": "img", "html": "<img>", "summary": ""}] * 2}]},
        "b [loaded]": {"screenshot": "b.png", "violations": []},
    }}
    assert axe_check.counts(report) == {("image-alt", "critical"): 2}
    text = axe_check.summary_text(report)
    assert "critical  image-alt" in text and "b [loaded] (screenshot b.png): 0 rules violated" in text
    assert axe_check.failing(report["pages"]["a [loaded]"]["violations"])


def test_page_fixes_rewrite_only_the_known_markup():
    body = (
        '<details class="admonition hide"><summary aria-label="Toggle hidden content">\n'
        '<div role="list" class="citation-list">\n<div class="citation" id="id15" role="doc-biblioentry">'
    )
    fixed = accessible_pages.fix_body(body)
    assert "<summary>" in fixed and "aria-label" not in fixed
    assert '<div class="citation" id="id15" role="listitem">' in fixed
    assert accessible_pages.fix_body("<p>nothing to do</p>") == "<p>nothing to do</p>"
