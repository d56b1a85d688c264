"""The built book (_build/html), checked in headless Chromium and statically.

Run after `make book` (`make test` does both):  .venv/bin/python -m pytest tests/browser

Every page listed in _toc.yml is loaded once over http://127.0.0.1 (a server started here) and
checked for: no console errors, no failed or 4xx/5xx requests, no request to any other host (all
such requests are blocked and reported), math typeset by MathJax, every image loaded, every
solution folded and revealed by its toggle, every widget explorer (slider + Stack of images)
switching its image when the slider moves, and sidebar links to every page. A screenshot of each
page goes to _build/screenshots/. The static tests (no browser) check that internal links resolve
and that no page loads a script or stylesheet from the internet.

Needs Debian's chromium (apt-get install -y chromium) driven by Playwright for Python (never run
`playwright install`). Without chromium or a built book the tests are skipped with the reason;
with REQUIRE_BROWSER=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import functools
import html.parser
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
# TOOLCHAIN.md: without the background-networking flags Chromium keeps trying to reach the internet.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1, so this is a failure, not a skip)")
    pytest.skip(reason)


def _require_book() -> None:
    if not (BUILD / "index.html").exists():
        _unavailable(f"the book is not built ({BUILD.relative_to(ROOT)}/index.html missing): run `make book`")


def _require_chromium() -> None:
    if CHROMIUM is None:
        _unavailable("browser tests SKIPPED: `chromium` not found on PATH (apt-get install -y chromium)")


# ----------------------------------------------------------------------------- pages from _toc.yml
def toc_docnames() -> list[str]:
    """Every document in _toc.yml (root first), without suffix, e.g. 'chapters/01_relu...'."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                names.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [re.sub(r"\.(md|ipynb|rst)$", "", n) for n in names]


PAGES = toc_docnames()


def html_path(docname: str) -> str:
    return f"{docname}.html"


# ----------------------------------------------------------------------------- fixtures
class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="module")
def base_url():
    _require_book()
    handler = functools.partial(_QuietHandler, directory=str(BUILD))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """One page loaded in the browser, with everything it logged and requested."""

    docname: str
    url: str
    page: object
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
            + [f"request to another host (blocked): {m}" for m in self.blocked_requests]
        )


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https", "ws") and parts.hostname == "127.0.0.1"


def open_page(context, url: str, docname: str) -> Visit:
    page = context.new_page()
    visit = Visit(docname=docname, url=url, page=page)

    def on_route(route):
        request_url = route.request.url
        if _is_local(request_url) or urlsplit(request_url).scheme == "file":
            route.continue_()
        else:
            visit.blocked_requests.append(request_url)
            route.abort("blockedbyclient")

    page.route("**/*", on_route)
    page.on(
        "console",
        lambda m: (
            m.type == "error" and visit.console_errors.append(f"{m.text} ({m.location.get('url', '')})")
        ),
    )
    page.on("pageerror", lambda e: visit.console_errors.append(f"uncaught: {e}"))
    page.on(
        "requestfailed",
        lambda r: (
            r.url not in visit.blocked_requests and visit.failed_requests.append(f"{r.url} ({r.failure})")
        ),
    )
    page.on(
        "response", lambda r: r.status >= 400 and visit.failed_requests.append(f"{r.url} (HTTP {r.status})")
    )
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, wait_until="load")
    settle(page)
    return visit


def settle(page) -> None:
    """Wait for MathJax to finish typesetting and for every embedded widget to render."""
    if page.locator(".math").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if n_views:
        page.wait_for_function("n => document.querySelectorAll('.widget-subarea').length >= n", arg=n_views)
    page.wait_for_load_state("networkidle")


@pytest.fixture(scope="module")
def visits(browser, base_url):
    """Lazily load each page once; the tests below share the loaded pages (fast)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    cache: dict[str, Visit] = {}

    def get(docname: str) -> Visit:
        if docname not in cache:
            target = BUILD / html_path(docname)
            if not target.exists():
                pytest.fail(f"{docname} is in _toc.yml but {target.relative_to(ROOT)} was not built")
            cache[docname] = open_page(context, urljoin(base_url, html_path(docname)), docname)
            SHOTS.mkdir(parents=True, exist_ok=True)
            shot = SHOTS / (docname.replace("/", "__") + ".png")
            cache[docname].page.screenshot(path=str(shot), full_page=True)
        return cache[docname]

    yield get
    context.close()


# ----------------------------------------------------------------------------- per-page tests
@pytest.mark.parametrize("docname", PAGES)
def test_math_is_typeset(visits, docname):
    page = visits(docname).page
    untypeset = page.evaluate(
        """() => [...document.querySelectorAll('.math')]
                .filter(el => !el.querySelector('mjx-container'))
                .map(el => el.textContent.trim().slice(0, 80))"""
    )
    assert not untypeset, f"math left as raw TeX (not typeset by MathJax): {untypeset}"
    errors = page.evaluate(
        """() => [...document.querySelectorAll('mjx-merror')]
                .map(e => e.getAttribute('data-mjx-error') || e.textContent)"""
    )
    assert not errors, f"MathJax errors: {errors}"
    # Raw TeX outside code: math that the Markdown parser did not recognise (e.g. a missing blank
    # line around $$...$$), left in the page as text.
    text = page.evaluate(
        """() => { const main = (document.querySelector('main') || document.body).cloneNode(true);
                   main.querySelectorAll('pre, code, script, style, textarea, .highlight, mjx-container')
                       .forEach(e => e.remove());
                   return main.textContent; }"""
    )
    raw = sorted({m for m in re.findall(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{", text)})
    assert not raw, f"raw TeX delimiters in the visible text of {docname}: {raw}"


@pytest.mark.parametrize("docname", PAGES)
def test_images_load(visits, docname):
    page = visits(docname).page
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    broken = page.evaluate(
        """() => [...document.images].filter(i => i.naturalWidth === 0)
                .map(i => i.currentSrc || i.src || i.outerHTML.slice(0, 120))"""
    )
    assert not broken, f"images that did not load on {docname}: {broken}"


@pytest.mark.parametrize("docname", PAGES)
def test_solutions_are_folded_and_toggle_open(visits, docname):
    page = visits(docname).page
    unfolded = page.evaluate(
        """() => [...document.querySelectorAll('div.solution')]
                .filter(s => !s.classList.contains('toggle')).map(s => s.id)"""
    )
    assert not unfolded, f"solutions not folded away (use `:class: dropdown` on each solution): {unfolded}"
    toggles = page.locator("div.toggle")  # sphinx-togglebutton: solutions and other dropdowns
    for i in range(toggles.count()):
        box = toggles.nth(i)
        box.scroll_into_view_if_needed()
        label = box.get_attribute("id") or f"dropdown #{i}"
        content = box.locator(":scope > :not(.admonition-title)").first
        assert "toggle-hidden" in (box.get_attribute("class") or ""), f"{label} is not folded at first"
        assert not content.is_visible(), f"{label}: content visible before clicking"
        box.locator("button.toggle-button").first.click()
        content.wait_for(state="visible", timeout=5_000)
        assert content.inner_text().strip(), f"{label}: opened but empty"
    details = page.locator("details")  # myst-nb hide-input cells, sphinx-design dropdowns
    for i in range(details.count()):
        d = details.nth(i)
        if d.evaluate("d => d.open"):
            continue
        d.locator("summary").first.click()
        assert d.evaluate("d => d.open"), f"<details> #{i} on {docname} did not open"


# One explorer = a widget output holding a slider and an image (an ipywidgets Stack of Images,
# jslinked to an IntSlider). In the static book, moving the slider must switch the image.
IMAGE_DIGEST_JS = """async sub => {
    const img = [...sub.querySelectorAll('img.widget-image')].find(i => i.offsetParent !== null);
    if (!img) return null;
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let h = 2166136261;  // FNV-1a
    for (const b of bytes) { h ^= b; h = Math.imul(h, 16777619) >>> 0; }
    return `${bytes.length}:${h}`;
}"""


@pytest.mark.parametrize("docname", PAGES)
def test_widget_explorers_respond_to_the_slider(visits, docname):
    page = visits(docname).page
    n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if not n_views:
        return  # nothing to check on this page
    rendered = page.locator(".widget-subarea")
    assert rendered.count() >= n_views, "some widgets did not render (widget scripts or state missing?)"
    explorers = page.locator(".widget-subarea:has(.noUi-handle):has(img.widget-image)")
    if not explorers.count():
        pytest.skip(f"{docname} has widgets but no slider + image explorer")
    for i in range(explorers.count()):
        sub = explorers.nth(i)
        sub.scroll_into_view_if_needed()
        handle = sub.locator(".noUi-handle").first
        before_value = handle.get_attribute("aria-valuenow")
        before_image = sub.evaluate(IMAGE_DIGEST_JS)
        assert before_image, f"explorer #{i} on {docname}: no visible image"
        at_max = float(before_value) >= float(handle.get_attribute("aria-valuemax"))
        handle.focus()
        handle.press("ArrowLeft" if at_max else "ArrowRight")
        page.wait_for_function(
            "([h, v]) => h.getAttribute('aria-valuenow') !== v", arg=[handle.element_handle(), before_value]
        )
        # poll from Python: wait_for_function does not await an async predicate
        deadline = time.monotonic() + 5
        after_image = before_image
        while after_image == before_image and time.monotonic() < deadline:
            page.wait_for_timeout(100)
            after_image = sub.evaluate(IMAGE_DIGEST_JS)
        assert after_image and after_image != before_image, (
            f"explorer #{i} on {docname}: the slider moved but the image did not change "
            "(is the Stack jslinked to the slider, and is the widget state saved?)"
        )


@pytest.mark.parametrize("docname", PAGES)
def test_widget_icon_fonts_are_served(visits, docname):
    page = visits(docname).page
    if not page.locator(".widget-subarea").count():
        return  # no widgets on this page
    # Load the widget manager's icon fonts explicitly: a wrong path shows up as a failed request
    # (checked in test_no_console_errors_or_bad_requests) and as fonts not loaded here.
    loaded = page.evaluate(
        """async () => {
            const faces = await Promise.all([
                document.fonts.load('900 16px "Font Awesome 5 Free"'),
                document.fonts.load('400 16px "Font Awesome 5 Brands"')]);
            return faces.map(f => f.length);
        }"""
    )
    assert all(n > 0 for n in loaded), f"widget icon fonts did not load on {docname}: {loaded}"


@pytest.mark.parametrize("docname", PAGES)
def test_sidebar_links_reach_every_page(visits, docname):
    visit = visits(docname)
    hrefs = visit.page.evaluate(
        """() => [...document.querySelectorAll('nav.bd-docs-nav a[href], .navbar-brand[href]')]
                .map(a => a.href)"""
    )
    reached = {urlsplit(h).path.lstrip("/") for h in hrefs}
    missing = [
        d for d in PAGES if html_path(d) not in reached and not (d == PAGES[0] and "index.html" in reached)
    ]
    assert not missing, f"sidebar of {docname} has no link to: {missing}"


# Defined last so that it also sees errors caused by the interactions above.
@pytest.mark.parametrize("docname", PAGES)
def test_no_console_errors_or_bad_requests(visits, docname):
    problems = visits(docname).problems()
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


def test_chapter_works_from_file_url(browser):
    """Opened straight from disk (file://), a chapter still typesets math and shows its widgets."""
    _require_book()
    chapters = [d for d in PAGES if d.startswith("chapters/")]
    if not chapters:
        pytest.skip("no chapters in _toc.yml")
    with_widgets = [
        d for d in chapters if "widget-view+json" in (BUILD / html_path(d)).read_text(encoding="utf-8")
    ]
    docname = (with_widgets or chapters)[0]
    context = browser.new_context()
    try:
        visit = open_page(context, (BUILD / html_path(docname)).as_uri(), docname)
        assert not visit.blocked_requests, f"requests leaving the machine: {visit.blocked_requests}"
        if visit.page.locator(".math").count():
            assert visit.page.locator(".math mjx-container").count(), "math not typeset from file://"
        if with_widgets:
            assert visit.page.locator(".widget-subarea img.widget-image").count(), (
                "widgets not shown from file://"
            )
        assert not visit.console_errors, f"console errors from file://: {visit.console_errors}"
    finally:
        context.close()


# ----------------------------------------------------------------------------- static checks
class _LinkParser(html.parser.HTMLParser):
    ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "source": "src", "iframe": "src"}

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, dict]] = []  # (tag, url, attrs)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        key = self.ATTRS.get(tag)
        if key and attrs.get(key):
            self.links.append((tag, attrs[key], attrs))


@functools.cache
def parse_html(path: Path) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def built_pages() -> list[Path]:
    _require_book()
    return sorted(p for p in BUILD.rglob("*.html") if "_static" not in p.parts)


def test_internal_links_resolve():
    broken = []
    for page in built_pages():
        for tag, url, _ in parse_html(page).links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue  # external (a plain link to a paper is fine) or data:/mailto:/javascript:
            if not parts.path:
                target = page
            else:
                target = (page.parent / unquote(parts.path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
            rel = page.relative_to(BUILD)
            if not target.exists():
                broken.append(f"{rel}: <{tag}> {url} -> missing file")
            elif tag == "a" and parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in parse_html(target).ids:
                    broken.append(f"{rel}: <a> {url} -> no id '{parts.fragment}' in target")
    assert not broken, "broken internal links:\n  " + "\n  ".join(broken)


EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


def test_no_page_loads_scripts_or_stylesheets_from_the_internet():
    offenders = []
    for page in built_pages():
        for tag, url, attrs in parse_html(page).links:
            rel = (attrs.get("rel") or "").lower()
            loads = tag in ("script", "img", "source", "iframe") or (
                tag == "link" and any(r in rel for r in ("stylesheet", "preload", "modulepreload", "icon"))
            )
            if loads and EXTERNAL.match(url):
                offenders.append(f"{page.relative_to(BUILD)}: <{tag}> {url}")
    for css in BUILD.rglob("*.css"):
        for url in re.findall(
            r"(?:@import\s+|url\()\s*[\"']?((?:https?:)?//[^\"')\s]+)",
            css.read_text(encoding="utf-8", errors="replace"),
        ):
            offenders.append(f"{css.relative_to(BUILD)}: {url}")
    assert not offenders, "resources loaded from the internet:\n  " + "\n  ".join(offenders)
