"""Accessibility checks of the built book's pages, shared by tests/browser/test_book_in_browser.py.

- :func:`run_axe` injects axe-core (fetched from npm at set-up by scripts/fetch_test_assets.sh into
  _testassets/, never from a CDN) into an open Playwright page and runs it under the WCAG 2.2 AA
  rule tags; :func:`record` keeps every violation (all impacts) in a report next to the
  screenshots (_build/screenshots/axe-report.json and axe-report.txt).
- :func:`images_without_alt_text` lists the ``<img>`` of a page whose text alternative is missing
  or not meaningful (empty, a file path, a hash).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "_testassets" / "axe-core" / "axe.min.js"
REPORT_DIR = ROOT / "_build" / "screenshots"
PENDING_ALT = Path(__file__).with_name("alt_text_pending.txt")

# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe-core's tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")

RUN_AXE_JS = """async tags => {
    const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']});
    return r.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                                  summary: (n.failureSummary || '').slice(0, 500)}))
    }));
}"""


def axe_available() -> bool:
    """Whether scripts/fetch_test_assets.sh has put axe-core in _testassets/."""
    return AXE_JS.exists()


def run_axe(page: Any) -> list[dict]:
    """Run axe-core on the page as it is now; return its violations (every impact)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
        # require.js is on widget pages: axe-core then also registers as an AMD module, but it
        # always sets window.axe too.
        page.wait_for_function("() => typeof window.axe !== 'undefined'")
    return page.evaluate(RUN_AXE_JS, WCAG_TAGS)


def axe_version() -> str | None:
    """The fetched axe-core's version (from its package.json)."""
    meta = AXE_JS.with_name("package.json")
    return json.loads(meta.read_text())["version"] if meta.exists() else None


def failing(violations: list[dict]) -> list[dict]:
    """The violations that fail the suite: impact serious or critical."""
    return [v for v in violations if v.get("impact") in FAILING_IMPACTS]


def describe(violations: list[dict], limit: int = 3) -> str:
    """Readable lines: rule, impact, help, and the first few offending elements."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} elements) {v['helpUrl']}")
        for n in v["nodes"][:limit]:
            lines.append(f"      {n['target']}: {n['html'][:160]}")
    return "\n  ".join(lines)


def record(docname: str, state: str, violations: list[dict], screenshot: Path | None = None) -> None:
    """Add one page's axe result to the report in _build/screenshots/ (JSON and text), rewriting
    both files so that the report is complete even if the run stops early."""
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    path = REPORT_DIR / "axe-report.json"
    try:
        report = json.loads(path.read_text()) if path.exists() else {}
    except json.JSONDecodeError:
        report = {}
    report["axe"] = axe_version()
    report["tags"] = WCAG_TAGS
    pages = report.setdefault("pages", {})
    pages[f"{docname} [{state}]"] = {
        "screenshot": screenshot.name if screenshot else None,
        "violations": violations,
    }
    path.write_text(json.dumps(report, indent=1))
    (REPORT_DIR / "axe-report.txt").write_text(summary_text(report))


def counts(report: dict) -> dict[tuple[str, str], int]:
    """Number of offending elements by (rule, impact) over every page and state in a report."""
    out: dict[tuple[str, str], int] = {}
    for page in report.get("pages", {}).values():
        for v in page["violations"]:
            key = (v["id"], v["impact"])
            out[key] = out.get(key, 0) + len(v["nodes"])
    return out


def summary_text(report: dict) -> str:
    """The text report: totals by rule and impact, then every page's violations."""
    lines = [f"axe-core {report.get('axe')} on the built book, tags {', '.join(report.get('tags', []))}",
             "offending elements by rule and impact (all pages and states):"]
    for (rule, impact), n in sorted(counts(report).items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(f"  {impact:<9} {rule:<28} {n}")
    if not counts(report):
        lines.append("  none")
    for name, page in sorted(report.get("pages", {}).items()):
        shot = f" (screenshot {page['screenshot']})" if page.get("screenshot") else ""
        lines.append(f"\n{name}{shot}: {len(page['violations'])} rules violated")
        if page["violations"]:
            lines.append("  " + describe(page["violations"], limit=5))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- alt text
# A text alternative that only names a file or a hash says nothing: MyST-NB's default alt is the
# image's path (../_images/<sha256>.png).
_NOT_MEANINGFUL = [
    re.compile(r"\.(png|jpe?g|gif|svg|webp)\b", re.IGNORECASE),  # a file name
    re.compile(r"_images/|/_static/|^\.\.?/"),  # a path
    re.compile(r"\b[0-9a-f]{16,}\b", re.IGNORECASE),  # a hash
    re.compile(r"^\s*(image|figure|img|picture|plot|graph|chart|untitled)\s*\d*\s*$", re.IGNORECASE),
]

IMAGES_JS = """() => [...document.querySelectorAll('img')].map(img => ({
        src: (img.getAttribute('src') || '').slice(0, 100),
        alt: img.getAttribute('alt'),
        label: img.getAttribute('aria-label'),
        role: img.getAttribute('role'),
        frame: !!img.closest('.widget-subarea'),
        generic: img.classList.contains('dr-generic-alt'),
    }))"""


def meaningful(text: str | None) -> bool:
    """Whether a text alternative says something: at least two words, not a path, file name or hash."""
    if text is None:
        return False
    text = text.strip()
    if len(text.split()) < 2:
        return False
    return not any(p.search(text) for p in _NOT_MEANINGFUL)


def images_without_alt_text(page: Any) -> list[str]:
    """Every ``<img>`` on the page (explorer frames included, hidden ones too) whose text
    alternative is missing or not meaningful, or (explorer frames) only the generic description
    ``frame_explorer`` writes without ``describe=``. Decorative images (``alt=""`` with
    ``role="presentation"``/``"none"``) are accepted."""
    bad = []
    for img in page.evaluate(IMAGES_JS):
        if img["alt"] == "" and img["role"] in ("presentation", "none"):
            continue
        kind = "explorer frame" if img["frame"] else "figure"
        name = img["alt"] or img["label"]
        if not meaningful(name):
            bad.append(f"{kind} {img['src']!r}: alt={img['alt']!r}")
        elif img["generic"]:
            bad.append(f"{kind} with the generic description {name!r} (no describe= given)")
    return bad


def pending_alt_pages() -> list[str]:
    """Pages listed in tests/browser/alt_text_pending.txt (not yet converted to meaningful alt text)."""
    if not PENDING_ALT.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in PENDING_ALT.read_text().splitlines())
    return [line for line in lines if line]
