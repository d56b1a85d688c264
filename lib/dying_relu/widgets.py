"""Explorers that work live in Jupyter *and* in the static HTML book.

The pattern (see ``shared/TOOLCHAIN.md``): precompute one figure per slider stop, put the PNGs in an
``ipywidgets.Stack`` and link the slider to the stack's ``selected_index`` with ``jslink``. The link
runs in the browser, so the explorer keeps working in the built book with no kernel: moving the
slider switches to a figure that was computed for exactly that setting (nothing is frozen or
faked). With two controls, an outer stack selects on the first and each inner stack on the second.

Keep the computation in a pure function (``compute(**params) -> data``) that tests can call for
every control value and time; the explorer only draws.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt

from .plots import figure_to_png

__all__ = ["frame_explorer", "render_frames"]


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def render_frames(
    draw: Callable[..., plt.Figure],
    controls: dict[str, Sequence[Any]],
    dpi: int = 80,
) -> dict[tuple, bytes]:
    """Call ``draw(**params)`` for every combination of control values; return PNG bytes by tuple."""
    names = list(controls)
    frames = {}
    for combo in itertools.product(*(controls[n] for n in names)):
        fig = draw(**dict(zip(names, combo, strict=True)))
        frames[combo] = figure_to_png(fig, dpi=dpi)
    return frames


def _slider(name: str, values: Sequence[Any], label: str | None, start: int) -> W.IntSlider:
    """An integer slider over positions 0..len-1 whose readout shows the real value."""
    # A SelectionSlider cannot be jslinked to an index, so an IntSlider drives the stack and a
    # small label beside it shows the value it stands for (linked in the browser too).
    return W.IntSlider(
        value=start,
        min=0,
        max=len(values) - 1,
        step=1,
        description=label or name,
        readout=False,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=W.Layout(width="320px"),
    )


def _value_labels(slider: W.IntSlider, values: Sequence[Any]) -> W.Stack:
    labels = W.Stack([W.Label(_fmt(v)) for v in values], selected_index=slider.value)
    W.jslink((slider, "value"), (labels, "selected_index"))
    return labels


def frame_explorer(
    draw: Callable[..., plt.Figure],
    controls: dict[str, Sequence[Any]],
    *,
    labels: dict[str, str] | None = None,
    start: dict[str, Any] | None = None,
    dpi: int = 80,
    width: str = "640px",
) -> W.VBox:
    """An explorer over one or two controls built from precomputed frames.

    Args:
        draw: ``draw(**params) -> Figure``, called once per combination of control values.
        controls: ordered mapping ``name -> list of values`` (one or two controls).
        labels: optional slider descriptions by control name.
        start: initial value per control (default: the first value).
        dpi: resolution of the frames.
        width: CSS width of the displayed images.

    Returns:
        A ``VBox`` with the sliders and the image stack; works without a kernel once displayed.
    """
    names = list(controls)
    if not 1 <= len(names) <= 2:
        raise ValueError(f"frame_explorer takes one or two controls, got {len(names)}.")
    for name in names:
        if len(controls[name]) < 1:
            raise ValueError(f"Control {name!r} has no values.")
    labels = labels or {}
    start = start or {}
    idx = {n: list(controls[n]).index(start[n]) if n in start else 0 for n in names}
    frames = render_frames(draw, controls, dpi=dpi)

    def image(combo: tuple) -> W.Image:
        return W.Image(value=frames[combo], format="png", layout=W.Layout(width=width))

    sliders = {n: _slider(n, controls[n], labels.get(n), idx[n]) for n in names}
    rows = [W.HBox([sliders[n], _value_labels(sliders[n], controls[n])]) for n in names]
    first = names[0]
    if len(names) == 1:
        stack = W.Stack([image((v,)) for v in controls[first]], selected_index=idx[first])
        W.jslink((sliders[first], "value"), (stack, "selected_index"))
    else:
        second = names[1]
        inner = []
        for a in controls[first]:
            s = W.Stack([image((a, b)) for b in controls[second]], selected_index=idx[second])
            W.jslink((sliders[second], "value"), (s, "selected_index"))
            inner.append(s)
        stack = W.Stack(inner, selected_index=idx[first])
        W.jslink((sliders[first], "value"), (stack, "selected_index"))
    return W.VBox([*rows, stack])
