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

Live learners (issue 14): with ``live={name: Range(lo, hi, ...)}`` the same call, in a kernel a
learner drives (:func:`dying_relu.live.is_live`), returns a :class:`LiveExplorer` instead: continuous
sliders over those ranges (and a menu for each control left out of ``live``) that call
``draw(**values)`` with the values themselves, any value in the range, not only the grid. A status
line says "Computing..." while it works and how long the frame took; :meth:`LiveExplorer.update`
does the same from code and returns the seconds (``benchmarks/explorers.py`` times it). In the book
build and under nbval nothing changes: the precomputed frames above.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import math
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt

from .live import is_live
from .plots import figure_to_png

__all__ = ["FrameExplorer", "LiveExplorer", "Range", "frame_explorer", "frame_html", "render_frames"]

# CSS classes the book's widget shim (scripts/web/widgets-config.js) and tests look for.
EXPLORER_CLASS = "dr-explorer"  # the whole explorer: sliders get accessible names and values
FRAMES_CLASS = "dr-frames"  # the Stack of frames: made an aria-live region
VALUE_CLASS = "dr-value"  # the Stack of value labels beside a slider: the slider's aria-valuetext
GENERIC_CLASS = "dr-generic-alt"  # a frame whose alt text is the generic default (no describe=)
LIVE_CLASS = "dr-live"  # a live explorer (JupyterLab): the lab tests look for it
STATUS_CLASS = "dr-status"  # its status line ("Computing...", then the time the frame took)


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
    live: dict[str, Range] | None = None,
    live_mode: bool | None = None,
    live_draw: Callable[..., bytes] | None = None,
) -> FrameExplorer | LiveExplorer:
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
        live: for a live session, the continuous :class:`Range` of each numeric control (``draw``
            and ``describe`` must then accept any value in it); controls left out become menus of
            their values.
        live_mode: ``True``/``False`` force a :class:`LiveExplorer` / the precomputed frames;
            default: live when ``live`` is given and :func:`dying_relu.live.is_live` says so.
        live_draw: for a live session, ``live_draw(**params) -> PNG bytes`` draws a frame instead
            of ``draw`` and a PNG export: a figure kept between updates that redraws only what
            changes (:class:`dying_relu.plots.KeptFigure`, e.g.
            :class:`dying_relu.plots.GradientExplorerFigure`), which must show what ``draw`` shows.

    Returns:
        A :class:`FrameExplorer` (a ``VBox``) with the sliders and the frames; works without a
        kernel once displayed, and prints its default frame. In a live session (see ``live``), a
        :class:`LiveExplorer`, which recomputes.
    """
    names = list(controls)
    if not 1 <= len(names) <= 2:
        raise ValueError(f"frame_explorer takes one or two controls, got {len(names)}.")
    for name in names:
        if len(controls[name]) < 1:
            raise ValueError(f"Control {name!r} has no values.")
    labels = labels or {}
    start = start or {}
    unknown = sorted(set(live or {}) - set(names))
    if unknown:
        raise ValueError(f"live= names {unknown} that are not controls ({names}).")
    if live_mode is None:
        live_mode = bool(live) and is_live()
    if live_mode:
        return _live_explorer(draw, controls, live or {}, labels, start, describe, dpi, width,
                              live_draw)
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


# ----------------------------------------------------------------------------- live explorers
@dataclass(frozen=True)
class Range:
    """The values a live slider offers: ``lo`` to ``hi`` (inclusive), in steps of ``step``.

    ``log=True`` spaces the slider logarithmically (``lo`` > 0; ``step`` is then in decades, default
    0.01). Integer ``lo``, ``hi`` and ``step`` (or no step) make an integer slider.
    """

    lo: float
    hi: float
    step: float | None = None
    log: bool = False

    def __post_init__(self) -> None:
        for name in ("lo", "hi"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ValueError(f"Range.{name} must be a finite number, got {v!r}.")
        if not self.lo < self.hi:
            raise ValueError(f"Range needs lo < hi, got lo={self.lo!r}, hi={self.hi!r}.")
        if self.log and self.lo <= 0:
            raise ValueError(f"A log Range needs lo > 0, got lo={self.lo!r}: use a linear Range.")
        if self.step is not None and not (math.isfinite(self.step) and self.step > 0):
            raise ValueError(f"Range.step must be a positive number or None, got {self.step!r}.")

    @property
    def integer(self) -> bool:
        """True when the slider takes whole numbers only."""
        ints = all(isinstance(v, numbers.Integral) for v in (self.lo, self.hi))
        return ints and not self.log and (self.step is None or float(self.step).is_integer())

    def contains(self, value: Any) -> bool:
        """Whether ``value`` is a number the slider can take (within its ends)."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return False
        return self.lo <= value <= self.hi and (not self.integer or float(value).is_integer())

    def slider(self, value: float, description: str) -> W.ValueWidget:
        """An ipywidgets slider over the range, at ``value``, updating on release (and per key press)."""
        common = dict(description=description, continuous_update=False,
                      style={"description_width": "initial"}, layout=W.Layout(width="420px"))
        if self.integer:
            return W.IntSlider(value=int(value), min=int(self.lo), max=int(self.hi),
                               step=int(self.step or 1), **common)
        if self.log:
            return W.FloatLogSlider(value=value, base=10, min=math.log10(self.lo), max=math.log10(self.hi),
                                    step=self.step or 0.01, readout_format=".3g", **common)
        step = self.step or (self.hi - self.lo) / 200
        return W.FloatSlider(value=value, min=self.lo, max=self.hi, step=step, readout_format=".3g", **common)


class LiveExplorer(W.VBox):
    """A :func:`frame_explorer` in a live session: controls that recompute the frame with ``draw``.

    Children: one control per parameter (a slider over its :class:`Range`, or a menu of the
    precomputed values), a status line (``aria-live``: "Computing..." while ``draw`` runs, then what
    was drawn and how long it took), and the frame (an ``<img>`` with ``describe(**values)`` as alt
    text). :attr:`values` holds the parameters of the frame shown, :attr:`last_seconds` the time of
    the last update.
    """

    def __init__(self, draw: Callable[..., plt.Figure], controls: dict[str, W.ValueWidget],
                 ranges: dict[str, Range], labels: dict[str, str], describe: Callable[..., str] | None,
                 dpi: int, width: str, live_draw: Callable[..., bytes] | None = None) -> None:
        self._draw = draw
        self._live_draw = live_draw
        self._controls = controls
        self._ranges = ranges
        self._labels = labels
        self._describe = describe
        self._dpi = dpi
        self._width = width
        self.status = W.HTML(value="")
        self.status.add_class(STATUS_CLASS)
        self.frame = W.HTML(value="")
        self.frame.add_class(FRAMES_CLASS)
        self.values: dict[str, Any] = {n: c.value for n, c in controls.items()}
        self.last_seconds = float("nan")
        note = W.HTML(value="<small>Live: every control recomputes the figure with the course library "
                      "(any value in the slider's range; the book shows precomputed values).</small>")
        super().__init__([*controls.values(), self.status, self.frame, note])
        self.add_class(EXPLORER_CLASS)
        self.add_class(LIVE_CLASS)
        self.update(**self.values)
        for control in controls.values():
            control.observe(self._on_change, names="value")

    def _on_change(self, _change: dict) -> None:
        try:
            self.update(**{n: c.value for n, c in self._controls.items()})
        except Exception:  # noqa: BLE001 - the status line already says what went wrong
            pass

    def _set_status(self, text: str) -> None:
        self.status.value = f'<div role="status" aria-live="polite">{html.escape(text)}</div>'

    def update(self, **values: Any) -> float:
        """Draw the frame for ``values`` (all parameters, or some: the rest keep their values).

        Moves the controls to match without drawing twice, shows the frame and returns the seconds
        it took (``draw`` and the PNG). Raises ``ValueError`` for an unknown parameter or a value
        outside its range; an error inside ``draw`` is shown in the status line and re-raised.
        """
        unknown = sorted(set(values) - set(self._controls))
        if unknown:
            raise ValueError(f"Unknown explorer parameter(s) {unknown}; "
                             f"this explorer has {list(self._controls)}.")
        params = {**self.values, **values}
        for name, value in values.items():
            rng = self._ranges.get(name)
            if rng is not None and not rng.contains(value):
                label = self._labels.get(name, name)
                raise ValueError(f"{label} = {value!r} is outside the explorer's range "
                                 f"{rng.lo:g} to {rng.hi:g}; pick a value inside it.")
            if rng is None and value not in list(self._controls[name].options_values):
                raise ValueError(f"{self._labels.get(name, name)} = {value!r} is not one of "
                                 f"{list(self._controls[name].options_values)}.")
        setting = _setting(list(params), self._labels, list(params.values()))
        self._set_status(f"Computing… ({setting})")
        start = time.perf_counter()
        try:
            if self._live_draw is not None:
                png = self._live_draw(**params)
            else:
                png = figure_to_png(self._draw(**params), dpi=self._dpi)
            alt = self._describe(**params) if self._describe else f"Explorer frame for {setting}."
        except Exception as exc:
            self._set_status(f"Could not compute {setting}: {exc}")
            raise
        seconds = time.perf_counter() - start
        self.frame.value = frame_html(png, alt, self._width, generic=self._describe is None)
        self.values = params
        self.last_seconds = seconds
        for name, value in values.items():  # move the controls without a second draw
            control = self._controls[name]
            if control.value != value:
                control.unobserve(self._on_change, names="value")
                try:
                    control.value = value
                finally:
                    control.observe(self._on_change, names="value")
        self._set_status(f"Shown: {setting} (computed in {seconds:.2f} s).")
        return seconds


class _Menu(W.Dropdown):
    """A dropdown over a control's precomputed values that remembers them (for validation)."""

    @property
    def options_values(self) -> list[Any]:
        return [v for _, v in self.options]


def _live_explorer(draw: Callable[..., plt.Figure], controls: dict[str, Sequence[Any]],
                   live: dict[str, Range], labels: dict[str, str], start: dict[str, Any],
                   describe: Callable[..., str] | None, dpi: int, width: str,
                   live_draw: Callable[..., bytes] | None = None) -> LiveExplorer:
    widgets: dict[str, W.ValueWidget] = {}
    for name in controls:
        value = start.get(name, controls[name][0])
        label = labels.get(name, name)
        if name in live:
            if not live[name].contains(value):
                raise ValueError(f"The start value {value!r} of {label} is outside its live Range "
                                 f"{live[name].lo:g} to {live[name].hi:g}.")
            widgets[name] = live[name].slider(value, label)
        else:
            widgets[name] = _Menu(options=[(_fmt(v), v) for v in controls[name]], value=value,
                                  description=label, style={"description_width": "initial"})
    return LiveExplorer(draw, widgets, live, labels, describe, dpi, width, live_draw)
