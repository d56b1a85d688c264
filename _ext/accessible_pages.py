"""Local Sphinx extension: ARIA fixes in the HTML that Sphinx and MyST-NB write (issue 15).

axe-core (tests/browser) found, in markup that no page source controls:

- MyST-NB's folded code cells: ``<summary aria-label="Toggle hidden content">`` around the visible
  text "Show code cell source". The label hides the visible text from the accessible name
  (rule label-content-name-mismatch, WCAG 2.5.3): the label is dropped, so the name is the text.
- Sphinx's bibliography: ``<div role="list">`` whose entries have ``role="doc-biblioentry"``,
  a deprecated role that is not a list item (rules aria-required-children, critical, and
  aria-deprecated-role): the entries become ``role="listitem"``.

The page body is rewritten in ``html-page-context``, before the theme's template renders it.
Registered in _config.yml under sphinx: local_extensions.
"""

from __future__ import annotations

import re
from typing import Any

# (pattern, replacement, what it fixes); each pattern matches markup exactly as written by the
# pinned Sphinx 7.4 / MyST-NB 1.4.
REWRITES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>",
     "folded cell: accessible name = visible text"),
    (re.compile(r'(<div class="citation" id="[^"]*") role="doc-biblioentry"'), r'\1 role="listitem"',
     "bibliography entries: list items of the citation list"),
]


def fix_body(body: str) -> str:
    """The page body with every rewrite of :data:`REWRITES` applied."""
    for pattern, replacement, _ in REWRITES:
        body = pattern.sub(replacement, body)
    return body


def _fix_page(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if isinstance(context.get("body"), str):
        context["body"] = fix_body(context["body"])


def setup(app: Any) -> dict[str, Any]:
    """Sphinx entry point."""
    app.connect("html-page-context", _fix_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
