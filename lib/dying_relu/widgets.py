"""Explorers that work live in Jupyter *and* in the static HTML book.

The pattern (see ``shared/TOOLCHAIN.md``): precompute one figure per slider stop, put the PNGs in an
``ipywidgets.Stack`` and link the slider to the stack's ``selected_index`` with ``jslink``. The link
runs in the browser, so the explorer keeps working in the built book with no kernel: moving the
slider switches to a figure that was computed for exactly that setting (nothing is frozen or
faked). With two controls, an outer stack selects on the first and each inner stack on the second.

Keep the computation in a pure function (``compute(**params) -> data``) that tests can call for
every control value and time; the explorer only draws.

Every reader (issue 15): each frame is an ``<img>`` with its own alt text (``describe(**params)``,
shown to screen readers and announced when the slider moves: the frames sit in an ``aria-live``
region), and the explorer prints: its mime bundle also holds the default frame as ``image/png``
with a caption saying what the sliders would change, which the PDF (LaTeX builder) shows instead of
the widget. See :func:`frame_explorer`.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt

from .plots import figure_to_png

__all__ = ["FrameExplorer", "frame_explorer", "frame_html", "render_frames"]

# CSS classes the book's widget shim (scripts/web/widgets-config.js) and tests look for.
EXPLORER_CLASS = "dr-explorer"  # the whole explorer: sliders get accessible names and values
FRAMES_CLASS = "dr-frames"  # the Stack of frames: made an aria-live region
VALUE_CLASS = "dr-value"  # the Stack of value labels beside a slider: the slider's aria-valuetext
GENERIC_CLASS = "dr-generic-alt"  # a frame whose alt text is the generic default (no describe=)


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
    labels.add_class(VALUE_CLASS)
    W.jslink((slider, "value"), (labels, "selected_index"))
    return labels


def _setting(names: Sequence[str], labels: dict[str, str], combo: Sequence[Any]) -> str:
    return ", ".join(f"{labels.get(n, n)} {_fmt(v)}" for n, v in zip(names, combo, strict=True))


def frame_html(png: bytes, alt: str, width: str = "640px", generic: bool = False) -> str:
    """One explorer frame: an ``<img>`` of the PNG (a data URI) with its alt text.

    ipywidgets' ``Image`` cannot carry alt text (its ``tooltip`` even breaks its view in the HTML
    manager), so frames are ``HTML`` widgets holding an ``<img>``; they show the same in
    JupyterLab and in the static book. ``generic`` marks a frame whose alt text is only the
    generic default, which the browser tests report."""
    cls = f' class="{GENERIC_CLASS}"' if generic else ""
    b64 = base64.b64encode(png).decode("ascii")
    return (
        f'<img{cls} src="data:image/png;base64,{b64}" alt="{html.escape(" ".join(alt.split()))}" '
        f'style="width: {html.escape(width)}; max-width: 100%; height: auto">'
    )


class FrameExplorer(W.VBox):
    """A :func:`frame_explorer`: a ``VBox`` (sliders, frames) that also prints.

    Its mime bundle adds the default frame as ``image/png``, with alt text and a caption in the
    output metadata (read by the book's ``_ext/accessible_figures.py``). MyST-NB's render priority
    picks the widget view for HTML and ``image/png`` for LaTeX, so the PDF shows the default
    frame as a captioned figure instead of the widget's text repr; JupyterLab shows the widget.
    """

    def __init__(self, children: Sequence[W.Widget], print_png: bytes, print_alt: str,
                 print_caption: str, **kwargs: Any) -> None:
        super().__init__(children, **kwargs)
        self.print_png = print_png
        self.print_alt = print_alt
        self.print_caption = print_caption

    def __repr__(self) -> str:
        # The plain-text form of a VBox, as in the notebooks' committed outputs (compared by nbval).
        return "VBox" + super().__repr__()[len(type(self).__name__):]

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        data = super()._repr_mimebundle_(**kwargs)
        data["image/png"] = base64.b64encode(self.print_png).decode("ascii")
        return data, {"image/png": {"alt": self.print_alt, "caption": self.print_caption}}


def _print_caption(names: Sequence[str], controls: dict[str, Sequence[Any]], labels: dict[str, str],
                   combo: Sequence[Any], caption: str | None) -> str:
    def values(n: str) -> str:
        vals = list(controls[n])
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals) and len(vals) > 6:
            return f"{_fmt(vals[0])} to {_fmt(vals[-1])}, {len(vals)} values"
        return ", ".join(_fmt(v) for v in vals)

    ranges = [f"{labels.get(n, n)} ({values(n)})" for n in names]
    sliders = "a slider changes " if len(names) == 1 else "sliders change "
    auto = (f"Explorer shown at {_setting(names, labels, combo)}. In the HTML book and in JupyterLab, "
            f"{sliders}{' and '.join(ranges)}.")
    return f"{caption.strip()} {auto}" if caption else auto


def frame_explorer(
    draw: Callable[..., plt.Figure],
    controls: dict[str, Sequence[Any]],
    *,
    labels: dict[str, str] | None = None,
    start: dict[str, Any] | None = None,
    dpi: int = 80,
    width: str = "640px",
    describe: Callable[..., str] | None = None,
    caption: str | None = None,
    print_dpi: int = 150,
) -> FrameExplorer:
    """An explorer over one or two controls built from precomputed frames.

    Args:
        draw: ``draw(**params) -> Figure``, called once per combination of control values.
        controls: ordered mapping ``name -> list of values`` (one or two controls).
        labels: optional slider descriptions by control name.
        start: initial value per control (default: the first value).
        dpi: resolution of the frames.
        width: CSS width of the displayed images.
        describe: ``describe(**params) -> str``, the alt text of the frame for those values: what
            it shows and what to see, with its numbers (screen readers read it, and announce it
            when the slider moves). Default: a generic text naming the setting only, which the
            browser tests report as not meaningful.
        caption: printed edition: the start of the caption under the default frame (the PDF shows
            that frame instead of the widget); a sentence naming the setting shown and what each
            slider would change is appended.
        print_dpi: resolution of the printed default frame.

    Returns:
        A :class:`FrameExplorer` (a ``VBox``) with the sliders and the frames; works without a
        kernel once displayed, and prints its default frame.
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
    default = tuple(controls[n][idx[n]] for n in names)
    frames: dict[tuple, bytes] = {}
    alts: dict[tuple, str] = {}
    print_png = b""
    for combo in itertools.product(*(controls[n] for n in names)):
        params = dict(zip(names, combo, strict=True))
        fig = draw(**params)
        if combo == default:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=print_dpi, bbox_inches="tight", metadata={"Software": None})
            print_png = buf.getvalue()
        frames[combo] = figure_to_png(fig, dpi=dpi)
        generic = f"Explorer frame for {_setting(names, labels, combo)}."
        alts[combo] = describe(**params) if describe else generic

    def image(combo: tuple) -> W.HTML:
        return W.HTML(frame_html(frames[combo], alts[combo], width, generic=describe is None))

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
    stack.add_class(FRAMES_CLASS)
    explorer = FrameExplorer(
        [*rows, stack],
        print_png=print_png,
        print_alt=alts[default],
        print_caption=_print_caption(names, controls, labels, default, caption),
    )
    explorer.add_class(EXPLORER_CLASS)
    return explorer
