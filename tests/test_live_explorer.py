"""Live explorers (issue 14): the same frame_explorer call recomputes in a live session."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dying_relu import widgets  # noqa: E402
from dying_relu.widgets import FrameExplorer, LiveExplorer, Range, frame_explorer  # noqa: E402

CALLS: list[dict] = []


def draw(lr: float, act: str) -> plt.Figure:
    CALLS.append({"lr": lr, "act": act})
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, lr])
    ax.set_title(act)
    return fig


def describe(lr: float, act: str) -> str:
    return f"A line of slope {lr:g} for {act}."


CONTROLS = {"lr": [0.1, 1.0], "act": ["relu", "tanh"]}


def make(**kw) -> LiveExplorer:
    return frame_explorer(draw, CONTROLS, describe=describe, live={"lr": Range(0.01, 3.0, log=True)},
                          labels={"lr": "learning rate"}, start={"lr": 1.0}, **kw)


def test_static_unless_live(monkeypatch):
    monkeypatch.setenv("DYING_RELU_LIVE", "0")
    ex = make()
    assert isinstance(ex, FrameExplorer)
    monkeypatch.setenv("DYING_RELU_LIVE", "1")
    CALLS.clear()
    ex = make()
    assert isinstance(ex, LiveExplorer)
    assert CALLS == [{"lr": 1.0, "act": "relu"}]  # one frame drawn, not the grid
    assert "dr-live" in ex._dom_classes and "dr-explorer" in ex._dom_classes


def test_recomputes_off_grid_value_and_moves_controls():
    ex = make(live_mode=True)
    CALLS.clear()
    seconds = ex.update(lr=0.37)
    assert CALLS == [{"lr": 0.37, "act": "relu"}]  # one draw, with the value itself
    assert seconds > 0 and ex.last_seconds == seconds
    assert ex.values == {"lr": 0.37, "act": "relu"}
    slider = ex._controls["lr"]
    assert isinstance(slider, W.FloatLogSlider) and math.isclose(slider.value, 0.37)
    assert 'alt="A line of slope 0.37 for relu."' in ex.frame.value
    assert "computed in" in ex.status.value and "0.37" in ex.status.value


def test_moving_a_control_redraws():
    ex = make(live_mode=True)
    CALLS.clear()
    ex._controls["act"].value = "tanh"
    assert CALLS == [{"lr": 1.0, "act": "tanh"}]
    assert ex.values["act"] == "tanh" and "for tanh" in ex.frame.value
    ex._controls["lr"].value = 2.5
    assert CALLS[-1] == {"lr": 2.5, "act": "tanh"}


def test_bad_values_are_refused_clearly():
    ex = make(live_mode=True)
    with pytest.raises(ValueError, match="outside the explorer's range 0.01 to 3"):
        ex.update(lr=10.0)
    with pytest.raises(ValueError, match="not one of"):
        ex.update(act="gelu")
    with pytest.raises(ValueError, match="Unknown explorer parameter"):
        ex.update(depth=3)
    with pytest.raises(ValueError, match="not controls"):
        frame_explorer(draw, CONTROLS, live={"depth": Range(1, 5)}, live_mode=True)
    with pytest.raises(ValueError, match="outside its live Range"):
        frame_explorer(draw, CONTROLS, live={"lr": Range(0.5, 3.0)}, start={"lr": 0.1}, live_mode=True)


def test_error_in_draw_is_shown_and_raised():
    def broken(lr: float, act: str) -> plt.Figure:
        if lr > 2:
            raise RuntimeError("diverged")
        return draw(lr, act)

    ex = frame_explorer(broken, CONTROLS, live={"lr": Range(0.01, 3.0)}, live_mode=True)
    with pytest.raises(RuntimeError):
        ex.update(lr=2.5)
    assert "Could not compute" in ex.status.value and "diverged" in ex.status.value
    assert ex.values["lr"] == 0.1  # the frame shown is still the old one


@pytest.mark.parametrize("rng, cls", [(Range(1, 20), W.IntSlider), (Range(0.0, 1.0), W.FloatSlider),
                                      (Range(1e-3, 1.0, log=True), W.FloatLogSlider),
                                      (Range(2, 10, step=2), W.IntSlider)])
def test_range_sliders(rng, cls):
    slider = rng.slider(rng.hi, "x")
    assert isinstance(slider, cls) and slider.continuous_update is False


@pytest.mark.parametrize("args, match", [((1.0, 1.0), "lo < hi"), ((0.0, 1.0, None, True), "lo > 0"),
                                         ((0.0, float("nan")), "finite"), ((0.0, 1.0, -1.0), "positive")])
def test_range_refuses_bad_ends(args, match):
    with pytest.raises(ValueError, match=match):
        Range(*args)


def test_range_contains():
    assert Range(1, 5).contains(3) and not Range(1, 5).contains(3.5) and not Range(1, 5).contains(True)
    assert Range(0.0, 1.0).contains(0.25) and not Range(0.0, 1.0).contains(float("nan"))


def test_module_exports():
    assert {"Range", "LiveExplorer"} <= set(widgets.__all__)


def test_live_draw_draws_the_live_frames():
    """With ``live_draw`` (a kept figure's PNG) the live explorer uses it for every update and
    never calls ``draw``; the static book still draws with ``draw``."""
    from dying_relu.plots import figure_to_png

    pngs: list[dict] = []

    def live_draw(lr: float, act: str) -> bytes:
        pngs.append({"lr": lr, "act": act})
        return figure_to_png(draw(lr, act), dpi=40)

    ex = make(live_mode=True, live_draw=live_draw)
    CALLS.clear()
    pngs.clear()
    ex.update(lr=0.42, act="tanh")
    assert pngs == [{"lr": 0.42, "act": "tanh"}]
    assert CALLS == [{"lr": 0.42, "act": "tanh"}]  # only through live_draw's own call
    assert "data:image/png;base64," in ex.frame.value and "slope 0.42 for tanh" in ex.frame.value
    static = make(live_mode=False, live_draw=live_draw)
    assert isinstance(static, FrameExplorer) and len(pngs) == 1  # the book's frames come from draw
