"""The dead-neuron lab in a real JupyterLab, driven in headless Chromium (issue 14).

The fixture notebook (fixtures/dead_neuron_lab.ipynb) holds the one cell a chapter holds. Under a
live kernel (started by the test's JupyterLab, so ``live.is_live()`` is true by itself) the test
runs it and checks that

- the lab renders: its controls have accessible names, the frame is an image with alt text, and
  the line that recreates the setting is shown;
- Train (pressed from the keyboard) starts training: the status text and the frame change while
  it trains;
- Stop stops: the status says so, and nothing changes any more afterwards;
- Kill unit kills the chosen unit, Reinitialise dead units recycles the dead ones (the status
  says so).

Screenshots: _build/screenshots/lab_dead_neuron_{ready,training,stopped,killed}.png.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from conftest import SHOTS, start_lab, stop_lab
from test_lab import open_notebook, run_all, trusted_copy

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "dead_neuron_lab.ipynb"
LINE = ('DeadNeuronLab(data="spirals", depth=3, width=16, activation="relu", init="he", bias=0.0, '
        'optimizer="sgd", lr=1.0, seed=0)')
STEP = re.compile(r"step (\d+), epoch (\d+): loss ")


@pytest.fixture
def lab_folder(tmp_path):
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder


def status(page) -> str:
    return page.locator(".dr-lab-status").first.inner_text()


def frame_src(page) -> str:
    return page.locator(".dr-lab-frame img").first.get_attribute("src") or ""


def step_of(text: str) -> int:
    m = STEP.search(text)
    assert m, f"no step count in the status {text!r}"
    return int(m.group(1))


def wait_for(predicate, timeout_s: float, what: str, page) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{what} within {timeout_s} s; status: {status(page)!r}")


def test_dead_neuron_lab_trains_and_stops(browser, lab_folder):
    nb = trusted_copy(FIXTURE, lab_folder)
    lab = start_lab(lab_folder)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page = open_notebook(browser, lab, nb.name)
        run_all(page, lab, 120)
        page.wait_for_selector(".dr-lab .dr-lab-frame img", timeout=60_000)
        # the lab renders, with names for every control and alt text on the frame
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                            ).count() == 0
        assert LINE in page.locator(".dr-lab-line").first.inner_text()
        for role, name in (("combobox", "data set"), ("combobox", "activation"),
                           ("combobox", "initialisation"), ("combobox", "optimiser"),
                           ("spinbutton", "depth"), ("spinbutton", "width"),
                           ("spinbutton", "bias shift"), ("spinbutton", "learning rate"),
                           ("spinbutton", "seed"), ("spinbutton", "layer"), ("spinbutton", "unit"),
                           ("button", "Train"), ("button", "Stop"), ("button", "Kill unit"),
                           ("button", "Reinitialise dead units"), ("button", "Reset")):
            assert page.get_by_role(role, name=name, exact=True).count() == 1, (role, name)
        alt = page.locator(".dr-lab-frame img").first.get_attribute("alt")
        assert alt.startswith("Dead-neuron lab after 0 steps (0 epochs) on spirals"), alt
        assert step_of(status(page)) == 0
        page.locator(".dr-lab").first.screenshot(path=str(SHOTS / "lab_dead_neuron_ready.png"))

        # Train, from the keyboard: the status and the frame change while it trains
        first_src = frame_src(page)
        page.get_by_role("button", name="Train", exact=True).focus()
        page.keyboard.press("Enter")
        wait_for(lambda: step_of(status(page)) > 0, 60, "no training step shown", page)
        seen = {step_of(status(page))}
        wait_for(lambda: step_of(status(page)) not in seen, 60, "the status did not update again", page)
        assert frame_src(page) != first_src, "the frame did not change while training"
        assert page.get_by_role("button", name="Train", exact=True).is_disabled()
        assert page.get_by_role("spinbutton", name="depth", exact=True).is_disabled()
        page.locator(".dr-lab").first.screenshot(path=str(SHOTS / "lab_dead_neuron_training.png"))

        # Stop: the status says so, and nothing changes afterwards
        page.get_by_role("button", name="Stop", exact=True).click()
        wait_for(lambda: "(stopped)" in status(page), 30, "Stop was not confirmed", page)
        stopped, src = status(page), frame_src(page)
        page.wait_for_timeout(3000)
        assert status(page) == stopped and frame_src(page) == src, "the lab changed after Stop"
        assert not page.get_by_role("button", name="Train", exact=True).is_disabled()
        assert page.get_by_role("button", name="Stop", exact=True).is_disabled()
        page.locator(".dr-lab").first.screenshot(path=str(SHOTS / "lab_dead_neuron_stopped.png"))

        # Kill unit 2 of layer 1
        page.get_by_role("spinbutton", name="unit", exact=True).fill("2")
        page.keyboard.press("Tab")
        page.get_by_role("button", name="Kill unit", exact=True).click()
        wait_for(lambda: "layer 1, unit 2" in status(page), 30, "Kill unit had no effect", page)
        assert step_of(status(page)) == step_of(stopped)
        page.locator(".dr-lab").first.screenshot(path=str(SHOTS / "lab_dead_neuron_killed.png"))

        # Reinitialise dead units (ReDo), from the keyboard
        page.get_by_role("button", name="Reinitialise dead units", exact=True).focus()
        page.keyboard.press("Space")
        wait_for(lambda: "reinitialised" in status(page), 30, "Reinitialise had no effect", page)
    finally:
        stop_lab(lab)
