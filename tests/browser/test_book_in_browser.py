"""The built book (_build/html), checked in headless Chromium and statically.

Run after `make book` (`make test` does both):  .venv/bin/python -m pytest tests/browser

Every page listed in _toc.yml is loaded once over http://127.0.0.1 (a server started here; all pages
start loading at once, each in its own tab of one browser) and checked for: no console errors, no
failed or 4xx/5xx requests, no request to any other host (all such requests are blocked and
reported), math typeset by MathJax, every image loaded, every solution folded and revealed by its
toggle, every widget explorer (slider + Stack of images) switching its image when the slider moved
by keyboard (every chapter page must have at least one such explorer, issue 6), and sidebar links to
every page. Every page is also opened straight from disk (file://) in an offline browser context
with every non-file request blocked, and must show typeset math, every figure and working explorers
there too. Accessibility (issue 15): axe-core (WCAG 2.2 A/AA rule tags; fetched from npm at
set-up, injected from _testassets/) finds no serious or critical violation on any page, as loaded
and after every explorer slider moved (report of every violation: _build/screenshots/axe-report.*),
and every <img> has meaningful alt text (pages in alt_text_pending.txt: expected to fail for now).
A screenshot of each page goes to _build/screenshots/. The static tests (no browser)
check that internal links resolve and that no page loads a script or stylesheet from the internet.

Needs Debian's chromium (apt-get install -y chromium) driven by Playwright for Python (never run
`playwright install`). Without chromium or a built book the tests are skipped with the reason;
with REQUIRE_BROWSER=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import functools
import html.parser
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import axe_check
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


@pytest.fixture(scope="session")
def base_url():
    _require_book()
    handler = functools.partial(_QuietHandler, directory=str(BUILD))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session (starting it costs about a second)."""
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
    ready: bool = False
    error: str | None = None

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


def start_page(context, url: str, docname: str, allow_file: bool = True) -> Visit:
    """Open a tab and start loading ``url`` without waiting for it (see ``finish_loading``).
    Every request that leaves the machine is blocked and recorded."""
    page = context.new_page()
    visit = Visit(docname=docname, url=url, page=page)

    def on_route(route):
        request_url = route.request.url
        scheme = urlsplit(request_url).scheme
        if scheme in ("data", "blob", "about") or (allow_file and scheme == "file") or (
            scheme != "file" and _is_local(request_url)
        ):
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
    try:
        page.goto(url, wait_until="commit")
    except Exception as exc:  # reported by the tests that use this page
        visit.error = f"could not open {url}: {exc}"
    return visit


def finish_loading(visit: Visit, screenshot: Path | None = None) -> Visit:
    """Bring the tab to the front, wait until it has loaded and settled, optionally screenshot it.

    Bringing the tab to the front matters: Chromium does not run animation frames in background
    tabs, so every Playwright click there (which waits for the element to be stable over two
    frames) and every lumino widget render would stall for about a second."""
    if visit.error:
        pytest.fail(visit.error)
    visit.page.bring_to_front()
    if not visit.ready:
        try:
            visit.page.wait_for_load_state("load")
            settle(visit.page)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                visit.page.screenshot(path=str(screenshot), full_page=True)
        except Exception as exc:
            visit.error = f"{visit.docname} did not load and settle: {exc}"
            pytest.fail(visit.error)
        visit.ready = True
    return visit


def settle(page) -> None:
    """Wait (on events, no fixed sleeps) for MathJax to finish typesetting, every embedded widget
    to render, every image (lazy ones included) to load, the fonts and the network to go idle."""
    if page.locator(".math").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if n_views:
        page.wait_for_function("n => document.querySelectorAll('.widget-subarea').length >= n", arg=n_views)
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")


@pytest.fixture(scope="session")
def visits(browser, base_url):
    """Each page of _toc.yml loaded once over http and shared by the tests below. All the pages
    start loading at the first request, each in its own tab, so they load while earlier ones are
    being tested."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    cache: dict[str, Visit] = {}

    def get(docname: str) -> Visit:
        if not cache:
            for name in PAGES:
                if not (BUILD / html_path(name)).exists():
                    continue
                cache[name] = start_page(context, urljoin(base_url, html_path(name)), name, allow_file=False)
        if docname not in cache:
            pytest.fail(f"{docname} is in _toc.yml but {html_path(docname)} was not built")
        return finish_loading(cache[docname], SHOTS / (docname.replace("/", "__") + ".png"))

    yield get
    context.close()


@pytest.fixture(scope="session")
def file_visits(browser):
    """Each page opened straight from disk (file://) with networking off: the context is offline
    and every request that is not to a file (or data:/blob:) is blocked and recorded."""
    _require_book()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    cache: dict[str, Visit] = {}

    def get(docname: str) -> Visit:
        if not cache:
            for name in PAGES:
                if (BUILD / html_path(name)).exists():
                    cache[name] = start_page(context, (BUILD / html_path(name)).as_uri(), name)
        if docname not in cache:
            pytest.fail(f"{docname} is in _toc.yml but {html_path(docname)} was not built")
        return finish_loading(cache[docname])

    yield get
    context.close()


# ----------------------------------------------------------------------------- checks (one page)
def check_math(page, docname: str) -> None:
    n_math = page.locator(".math").count()
    untypeset = page.evaluate(
        """() => [...document.querySelectorAll('.math')]
                .filter(el => !el.querySelector('mjx-container'))
                .map(el => el.textContent.trim().slice(0, 80))"""
    )
    assert not untypeset, f"math left as raw TeX on {docname} (not typeset by MathJax): {untypeset}"
    if n_math:
        assert page.locator(".math mjx-container").count() >= n_math, f"math not typeset on {docname}"
    errors = page.evaluate(
        """() => [...document.querySelectorAll('mjx-merror')]
                .map(e => e.getAttribute('data-mjx-error') || e.textContent)"""
    )
    assert not errors, f"MathJax errors on {docname}: {errors}"
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


def check_images(page, docname: str) -> None:
    """Every <img> loaded, and as many as the built HTML file has (none missing from the page)."""
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    broken = page.evaluate(
        """() => [...document.images].filter(i => i.naturalWidth === 0)
                .map(i => i.currentSrc || i.src || i.outerHTML.slice(0, 120))"""
    )
    assert not broken, f"images that did not load on {docname}: {broken}"
    in_html = sum(1 for tag, _, _ in parse_html(BUILD / html_path(docname)).links if tag == "img")
    shown = page.evaluate("() => document.querySelectorAll('img:not(.widget-image)').length")
    assert shown >= in_html, f"{docname}: the HTML has {in_html} <img>, the page shows {shown}"


# One explorer = a widget output holding a slider and an image (an ipywidgets Stack of frames,
# jslinked to an IntSlider; a frame is an HTML widget showing an <img alt=...>, as
# dying_relu.widgets.frame_explorer makes them, or an ipywidgets Image). In the static book, moving
# the slider must switch the image.
EXPLORER_SELECTOR = ".widget-subarea:has(.noUi-handle):has(.widget-html-content img, img.widget-image)"
VISIBLE_IMAGE_JS = """sub => {
    const img = [...sub.querySelectorAll('.widget-html-content img, img.widget-image')]
        .find(i => i.offsetParent !== null);
    return img ? img.src : null;
}"""
IMAGE_DIGEST_JS = """async sub => {
    const img = [...sub.querySelectorAll('.widget-html-content img, img.widget-image')]
        .find(i => i.offsetParent !== null);
    if (!img) return null;
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let h = 2166136261;  // FNV-1a
    for (const b of bytes) { h ^= b; h = Math.imul(h, 16777619) >>> 0; }
    return `${bytes.length}:${h}`;
}"""


def slider_stack_links(docname: str) -> int:
    """How many jslinks in the page's saved widget state tie an IntSlider's value to the
    selected_index of a Stack that holds images (Image widgets, or HTML widgets showing an
    <img>, directly or in nested Stacks)."""
    text = (BUILD / html_path(docname)).read_text(encoding="utf-8")
    states = re.findall(
        r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', text, re.S
    )
    models: dict[str, dict] = {}
    for raw in states:
        for model_id, model in json.loads(raw).get("state", {}).items():
            models[model_id] = model

    def ref(value) -> str:
        return value[len("IPY_MODEL_"):] if isinstance(value, str) and value.startswith("IPY_MODEL_") else ""

    def holds_images(model_id: str, depth: int = 0) -> bool:
        model = models.get(model_id, {})
        if model.get("model_name") == "ImageModel":
            return True
        if model.get("model_name") == "HTMLModel" and "<img" in str(model.get("state", {}).get("value")):
            return True
        children = model.get("state", {}).get("children", [])
        return depth < 4 and any(holds_images(ref(c), depth + 1) for c in children)

    count = 0
    for model in models.values():
        if model.get("model_name") not in ("LinkModel", "DirectionalLinkModel"):
            continue
        ends = [model["state"].get("source", []), model["state"].get("target", [])]
        kinds = {
            (models.get(ref(e[0]), {}).get("model_name"), e[1]) for e in ends if len(e) == 2
        }
        stack = [ref(e[0]) for e in ends if len(e) == 2 and e[1] == "selected_index"]
        if ("IntSliderModel", "value") in kinds and ("StackModel", "selected_index") in kinds:
            count += any(holds_images(s) for s in stack)
    return count


def check_explorers(page, docname: str, required: bool) -> int:
    """Every slider + image explorer on the page switches its image when its slider is moved with
    the keyboard. ``required``: the page must have at least one (every chapter page must).
    Returns the number of explorers checked."""
    n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    explorers = page.locator(EXPLORER_SELECTOR)
    if required:
        assert n_views, (
            f"{docname} has no widget: every chapter needs at least one explorer that works in the "
            "static book (dying_relu.widgets.frame_explorer), issue 6"
        )
        assert slider_stack_links(docname) >= 1, (
            f"{docname}: no IntSlider jslinked to a Stack of Images in the saved widget state "
            "(use dying_relu.widgets.frame_explorer and save the notebook with its widget state)"
        )
    if not n_views:
        return 0
    assert page.locator(".widget-subarea").count() >= n_views, (
        f"some widgets on {docname} did not render (widget scripts or saved state missing?)"
    )
    if required:
        assert explorers.count() >= 1, f"{docname} shows no slider + image explorer"
    for i in range(explorers.count()):
        sub = explorers.nth(i)
        sub.scroll_into_view_if_needed()
        handle = sub.locator(".noUi-handle").first
        before_value = handle.get_attribute("aria-valuenow")
        before_src = sub.evaluate(VISIBLE_IMAGE_JS)
        before_image = sub.evaluate(IMAGE_DIGEST_JS)
        assert before_image, f"explorer #{i} on {docname}: no visible image"
        at_max = float(before_value) >= float(handle.get_attribute("aria-valuemax"))
        handle.focus()
        handle.press("ArrowLeft" if at_max else "ArrowRight")
        page.wait_for_function(
            "([h, v]) => h.getAttribute('aria-valuenow') !== v", arg=[handle.element_handle(), before_value]
        )
        # The Stack replaces its shown child: wait for a different visible <img>, then compare bytes.
        try:
            page.wait_for_function(
                f"([sub, src]) => ({VISIBLE_IMAGE_JS})(sub) !== src",
                arg=[sub.element_handle(), before_src],
                timeout=5_000,
            )
        except Exception:
            pass  # reported just below
        after_image = sub.evaluate(IMAGE_DIGEST_JS)
        assert after_image and after_image != before_image, (
            f"explorer #{i} on {docname}: the slider moved but the image did not change "
            "(is the Stack jslinked to the slider, and is the widget state saved?)"
        )
    return explorers.count()


def is_chapter(docname: str) -> bool:
    return docname.startswith("chapters/")


# ----------------------------------------------------------------------------- per-page tests
def test_toc_lists_chapters():
    assert any(is_chapter(d) for d in PAGES), "no chapters/ file in _toc.yml"


@pytest.mark.parametrize("docname", PAGES)
def test_math_is_typeset(visits, docname):
    check_math(visits(docname).page, docname)


@pytest.mark.parametrize("docname", PAGES)
def test_images_load(visits, docname):
    check_images(visits(docname).page, docname)


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


def move_every_slider(page, docname: str) -> int:
    """Move every explorer slider on the page one step by keyboard (right, or left at the end) and
    wait until its explorer shows another frame. Returns the number of sliders moved."""
    explorers = page.locator(EXPLORER_SELECTOR)
    moved = 0
    for i in range(explorers.count()):
        sub = explorers.nth(i)
        handles = sub.locator(".noUi-handle")
        for j in range(handles.count()):
            handle = handles.nth(j)
            handle.scroll_into_view_if_needed()
            before_value = handle.get_attribute("aria-valuenow")
            before_src = sub.evaluate(VISIBLE_IMAGE_JS)
            at_max = float(before_value) >= float(handle.get_attribute("aria-valuemax"))
            handle.focus()
            handle.press("ArrowLeft" if at_max else "ArrowRight")
            page.wait_for_function(
                "([h, v]) => h.getAttribute('aria-valuenow') !== v",
                arg=[handle.element_handle(), before_value],
            )
            page.wait_for_function(
                f"([sub, src]) => ({VISIBLE_IMAGE_JS})(sub) !== src", arg=[sub.element_handle(), before_src]
            )
            moved += 1
    page.evaluate("() => [...document.images].every(i => i.complete)")
    return moved


def _require_axe() -> None:
    if not axe_check.axe_available():
        _unavailable(
            f"axe-core missing ({axe_check.AXE_JS.relative_to(ROOT)}): run scripts/fetch_test_assets.sh "
            "(`make venv` does)"
        )


@pytest.mark.parametrize("docname", PAGES)
def test_no_serious_or_critical_accessibility_violations(visits, docname):
    """Issue 15: axe-core (WCAG 2.0-2.2, A and AA rules) finds no violation of impact serious or
    critical, on the page as loaded (solutions opened by the test above) and, on pages with
    explorers, again after every slider has moved to a second position. Every violation (all
    impacts) goes to _build/screenshots/axe-report.{json,txt}."""
    _require_axe()
    visit = visits(docname)
    page = visit.page
    stem = docname.replace("/", "__")
    found = {}
    violations = axe_check.run_axe(page)
    axe_check.record(docname, "loaded", violations, SHOTS / f"{stem}.png")
    found["as loaded"] = axe_check.failing(violations)
    if page.locator(EXPLORER_SELECTOR).count():
        move_every_slider(page, docname)
        violations = axe_check.run_axe(page)
        # The screenshot comes after axe: a full-page screenshot resizes the viewport, and the
        # theme re-decides which code blocks scroll (and are focusable) only 300 ms after a resize.
        shot = SHOTS / f"{stem}__sliders-moved.png"
        try:  # the screenshot is for the report: a slow machine must not fail the check
            page.screenshot(path=str(shot), full_page=True, timeout=60_000)
        except Exception:
            shot = None
        axe_check.record(docname, "sliders moved", violations, shot)
        found["after moving the sliders"] = axe_check.failing(violations)
    problems = [f"{state}:\n  {axe_check.describe(v)}" for state, v in found.items() if v]
    assert not problems, (
        f"{docname}: serious or critical accessibility violations (full report: "
        f"_build/screenshots/axe-report.txt)\n" + "\n".join(problems)
    )


ALT_TEXT_HELP = (
    "give every figure a text alternative that says what it shows and what to see in it: end the "
    "plotting cell with `plots.show(fig, alt=f\"...\")` instead of `plt.show()` (numbers computed in "
    "the f-string are fine; `caption=` adds a visible caption), and pass "
    "`describe=lambda **params: f\"...\"` to `widgets.frame_explorer` so that every explorer frame "
    "says what it shows; re-run the notebook (make notebook NB=..). See README, Contributing."
)


@pytest.mark.parametrize("docname", PAGES)
def test_every_image_has_meaningful_alt_text(visits, docname):
    """Issue 15: no <img> (figure or explorer frame) without meaningful alt text (missing, empty,
    a file path or a hash, or an explorer's generic per-frame description). Pages listed in
    tests/browser/alt_text_pending.txt are not converted yet: there the test is an expected
    failure, and it fails once the page is clean, so that the page is taken off the list."""
    visit = visits(docname)
    bad = axe_check.images_without_alt_text(visit.page)
    pending = docname in axe_check.pending_alt_pages()
    if pending and bad:
        pytest.xfail(
            f"{docname} is listed in alt_text_pending.txt: {len(bad)} images without meaningful alt text"
        )
    if pending:
        pytest.fail(
            f"{docname} now has meaningful alt text on every image: remove it from "
            "tests/browser/alt_text_pending.txt"
        )
    assert not bad, (
        f"{docname}: {len(bad)} images without meaningful alt text:\n  " + "\n  ".join(bad[:12])
        + f"\nTo fix: {ALT_TEXT_HELP}"
    )


def test_alt_text_pending_list_names_pages_of_the_book():
    unknown = [d for d in axe_check.pending_alt_pages() if d not in PAGES]
    assert not unknown, f"tests/browser/alt_text_pending.txt lists pages that are not in _toc.yml: {unknown}"


@pytest.mark.parametrize("docname", PAGES)
def test_widget_explorers_respond_to_the_slider(visits, docname):
    """Issue 6: at least one explorer per chapter really works in the static book; every explorer
    on any page must work."""
    check_explorers(visits(docname).page, docname, required=is_chapter(docname))


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


# Defined after the interactions above so that it also sees errors they caused.
@pytest.mark.parametrize("docname", PAGES)
def test_no_console_errors_or_bad_requests(visits, docname):
    visit = visits(docname)
    visit.page.wait_for_load_state("networkidle")
    problems = visit.problems()
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("docname", PAGES)
def test_page_works_from_disk_offline(file_visits, docname):
    """Issue 6: the built HTML opened from disk (file://) with networking off shows typeset math,
    every figure and working explorers, and asks for nothing outside the book."""
    visit = file_visits(docname)
    check_math(visit.page, docname)
    check_images(visit.page, docname)
    check_explorers(visit.page, docname, required=is_chapter(docname))
    visit.page.wait_for_load_state("networkidle")
    blocked = visit.blocked_requests
    assert not blocked, f"{docname} from file:// asked the network for: {blocked}"
    problems = visit.console_errors + visit.failed_requests
    assert not problems, f"{docname} from file://:\n  " + "\n  ".join(problems)


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
