"""A real JupyterLab, driven in headless Chromium: what a live learner sees (issue 14).

The test starts ``jupyter lab`` on 127.0.0.1 in a temporary folder holding trusted copies (as
`make lab` makes them), opens a notebook, runs every cell (Run > Run All Cells), waits for the
kernel to be idle, saves, and checks:

- run_all: every cell ran, no error output, kernel idle (the saved file is read too);
- no_raw_myst: no ``{glue``, ``{eval}``, ``:label:``, ``{exercise}``, ``{solution`` text visible;
- solution_folded: a solution's code and prose are not visible, and its code did not run;
- live_number: a computed number in the prose shows the value of the learner's run.

On the fixture (converted by scripts/convert_live.py) every check must pass; the kernel runs with
FIXTURE_SCALE=3, so the live root is 4.2426 where the book shows 1.4142. On chapter 1 the same
checks run on the chapter as it is; those listed in tests/lab/pending_chapter1.txt are expected to
fail (the chapter is not converted yet), and a listed check that passes fails the test, so the list
shrinks as the chapter adopts the mechanisms. Chapter 1's Run All takes minutes: it runs only with
LAB_FULL=1 (otherwise run_all counts as pending and is not checked). Screenshots go to
_build/screenshots/lab_*.png.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BIN, ROOT, SHOTS, start_lab, stop_lab

HERE = Path(__file__).resolve().parent
PENDING_FILE = HERE / "pending_chapter1.txt"
CHAPTER1 = ROOT / "chapters" / "01_relu_fast_and_cheap.ipynb"
RAW_MYST = ("{glue", "{eval}", ":label:", "{exercise}", "{solution", ":class: dropdown")
RUN_TIMEOUT_S = 40


def trusted_copy(src: Path, folder: Path) -> Path:
    """Copy a notebook into ``folder`` and `jupyter trust` it, as `make lab` does."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import workspace

    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / src.name
    workspace.learner_copy(src, dest)
    subprocess.run([str(BIN / "jupyter"), "trust", str(dest)], check=True, capture_output=True)
    return dest


def open_notebook(browser, lab, name: str):
    """A new page with the notebook open and its kernel ready."""
    page = browser.new_page(viewport={"width": 1280, "height": 2400})
    page.goto(lab.open_url(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=30_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the kernel started for the notebook, and idle
        kernels = lab.api("kernels")
        if kernels and all(k["execution_state"] == "idle" for k in kernels):
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"no idle kernel within 60 s: {lab.api('kernels')}")
    page.wait_for_timeout(1000)  # the page learns of the kernel after the server
    return page


def run_all(page, lab, timeout_s: float) -> None:
    """Run > Run All Cells, then wait until the kernel is idle and the last cell has run."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.get_by_role("menuitem", name="Run All Cells").first.click()
    deadline = time.monotonic() + timeout_s
    time.sleep(1.0)
    while time.monotonic() < deadline:
        busy = any(k["execution_state"] != "idle" for k in lab.api("kernels"))
        pending = page.locator(".jp-InputPrompt:text-is('[*]:')").count()
        if not busy and pending == 0:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"Run All did not finish within {timeout_s} s")
    page.wait_for_timeout(1500)  # the markdown cells' inline expressions come back after the code


def dialog_text(page) -> str | None:
    """The text of an open JupyterLab dialog, if any."""
    dialog = page.locator(".jp-Dialog")
    return dialog.first.inner_text() if dialog.count() else None


def save(page) -> None:
    """File > Save (by its command) and wait; a dialog in the way is a failure, with its text."""
    text = dialog_text(page)
    assert text is None, f"a dialog is open: {text!r}"
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1500)


def visible_text(page) -> str:
    """The notebook's visible text (innerText skips what is hidden)."""
    return page.locator(".jp-Notebook").first.inner_text()


def prose_text(page) -> str:
    """The visible text of the markdown cells only."""
    return "\n".join(page.locator(".jp-MarkdownCell").all_inner_texts())


def checks(page, lab, nb_path: Path, *, live_value: str | None, solution_marks: list[str],
           ran: bool) -> dict[str, str | None]:
    """Each check's failure message, or None where it passes."""
    text, prose = visible_text(page), prose_text(page)
    result: dict[str, str | None] = {}
    if ran:
        saved = json.loads(nb_path.read_text())
        errors = [
            o.get("ename", "") for c in saved["cells"] for o in c.get("outputs", [])
            if o.get("output_type") == "error"
        ]
        unrun = [i for i, c in enumerate(saved["cells"])
                 if c["cell_type"] == "code" and c["source"] and c.get("execution_count") is None]
        shown_errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        problems = []
        if errors:
            problems.append(f"error outputs: {errors}")
        if unrun:
            problems.append(f"code cells not run: {unrun}")
        if shown_errors.count():
            problems.append(f"{shown_errors.count()} stderr/error outputs shown")
        result["run_all"] = "; ".join(problems) or None
    raw = sorted({r for r in RAW_MYST if r in prose})
    result["no_raw_myst"] = f"raw MyST visible: {raw}" if raw else None
    visible_marks = [m for m in solution_marks if m in text]
    result["solution_folded"] = f"solution text visible: {visible_marks}" if visible_marks else None
    if live_value is not None:
        result["live_number"] = None if live_value in prose else f"live value {live_value!r} not in the prose"
    return result


@pytest.fixture
def lab_folder(tmp_path):
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder


def test_fixture_live(browser, lab_folder, tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import convert_live

    conv = tmp_path / "converted"
    assert convert_live.main(["--out", str(conv), str(HERE / "fixtures" / "glue_fixture.ipynb")]) == 0
    nb = trusted_copy(conv / "glue_fixture.ipynb", lab_folder)
    lab = start_lab(lab_folder, env={"FIXTURE_SCALE": "3"})
    try:
        page = open_notebook(browser, lab, nb.name)
        # make reset's guard sees the open notebook through `jupyter server list` and /api/sessions
        import workspace

        assert nb.resolve() in [path for _, path in workspace.open_sessions()]
        run_all(page, lab, RUN_TIMEOUT_S)
        save(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "lab_fixture.png"), full_page=True)
        found = checks(
            page, lab, nb, live_value="The scaled root is 4.2426, the share is 75% and the count is 7.",
            solution_marks=["FIXTURE-SOLUTION-RAN", "FIXTURE-PLAIN-SOLUTION", "answer = 2 * root"],
            ran=True,
        )
        failed = {k: v for k, v in found.items() if v}
        assert not failed, failed
        # Known gap (pending): prose cells inside a gated solution stay visible live, because
        # JupyterLab with jupyterlab-myst ignores source_hidden on markdown cells. When this
        # starts to hold, turn it into a plain check.
        assert "FIXTURE-SOLUTION-PROSE" in visible_text(page), "solution prose is folded now: check it"
        # exercises render as boxes, {term}/{ref} as links, math typeset
        assert page.locator(".jp-MarkdownCell aside, .jp-MarkdownCell .myst-exercise, "
                            ".jp-MarkdownCell [class*='exercise']").count() >= 1
        assert page.locator(".jp-MarkdownCell .katex, .jp-MarkdownCell mjx-container").count() >= 1
        # the solution waits for the learner: its button is there, and pressing it runs the code
        button = page.get_by_role("button", name="Show the solution's output")
        assert button.count() == 1
        saved = json.loads(nb.read_text())
        sol = next(c for c in saved["cells"] if "".join(c["source"]).startswith("%%solution"))
        assert "FIXTURE-SOLUTION-RAN" not in json.dumps(sol["outputs"])
        button.click()
        page.wait_for_selector("text=FIXTURE-SOLUTION-RAN 8.4853", timeout=10_000)
        page.screenshot(path=str(SHOTS / "lab_fixture_solution.png"), full_page=True)
    finally:
        stop_lab(lab)


def read_pending() -> set[str]:
    """Check names listed in pending_chapter1.txt (one a line, # comments)."""
    lines = PENDING_FILE.read_text().splitlines()
    return {ln.split("#", 1)[0].strip() for ln in lines} - {""}


def test_chapter1_pending(browser, lab_folder):
    pending = read_pending()
    full = os.environ.get("LAB_FULL") == "1"
    nb = trusted_copy(CHAPTER1, lab_folder)
    lab = start_lab(lab_folder)
    try:
        page = open_notebook(browser, lab, nb.name)
        if full:
            run_all(page, lab, 900)
            save(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "lab_chapter1.png"), full_page=False)
        found = checks(page, lab, nb, live_value=None,
                       solution_marks=["def relu_grad(x):", "The two fractions are the same"], ran=full)
        # a number in the prose: chapter 1's first glued number must be shown, not its key
        prose = prose_text(page)
        found["live_number"] = None if "ch1_" not in prose else "glue keys (ch1_...) visible in the prose"
    finally:
        stop_lab(lab)
    unexpected_fail = {k: v for k, v in found.items() if v and k not in pending}
    now_passing = sorted(k for k, v in found.items() if v is None and k in pending)
    assert not unexpected_fail, f"checks failing on chapter 1 that are not pending: {unexpected_fail}"
    assert not now_passing, (
        f"pending checks now pass on chapter 1: remove {now_passing} from {PENDING_FILE.name}"
    )
    print("chapter 1 still pending:", {k: v for k, v in found.items() if v})
