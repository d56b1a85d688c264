"""One plot style for the whole course: colour-blind-safe colours *and* distinct line styles.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); every series
also gets its own line style and marker, so figures read in greyscale too. Call :func:`use_style`
once per notebook; use :func:`style` for the keyword arguments of a named series.

Chapter figures (course tooling: these may use the chapters' experiment modules, never the other
way round; see the layering in README.md):

- Chapter 2: :func:`draw_gradient_explorer` and :func:`describe_gradient_explorer` (the frame of
  the chapter's explorer and its alt text, from :func:`dying_relu.gradients.explorer_data`; any
  depth and weight scale, for the live sliders too).
- Chapter 3: :func:`draw_microscope` (each first-layer unit's active half-plane over 2-D data) and
  :func:`draw_explorer` (the frame of the chapter's explorer, from :func:`dying_relu.dying.compute`).
- Chapter 4: :func:`fix_style` and :func:`fix_hatch`, the line and bar styles of the fixes of
  :data:`dying_relu.fixes.FIXES`.
- Chapter 5: :func:`draw_data_mean` (the frame of the chapter's explorer, from
  :func:`dying_relu.today.data_mean_frame`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from .diagnostics import dead_units

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "OKABE_ITO",
    "SERIES",
    "DataMeanFigure",
    "DeadExplorerFigure",
    "FixExplorerFigure",
    "GradientExplorerFigure",
    "KeptFigure",
    "draw_data_mean",
    "describe_gradient_explorer",
    "draw_explorer",
    "draw_fix_explorer",
    "draw_gradient_explorer",
    "draw_microscope",
    "redraw_microscope",
    "figure_bundle",
    "figure_to_png",
    "fix_hatch",
    "fix_style",
    "show",
    "style",
    "use_style",
]

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# Fixed styles for the series that recur across chapters, so "relu" looks the same everywhere.
SERIES: dict[str, dict] = {
    "relu": {"color": OKABE_ITO["blue"], "linestyle": "-", "marker": "o"},
    "leaky_relu": {"color": OKABE_ITO["bluish_green"], "linestyle": "--", "marker": "s"},
    "elu": {"color": OKABE_ITO["reddish_purple"], "linestyle": "-.", "marker": "D"},
    "sigmoid": {"color": OKABE_ITO["vermillion"], "linestyle": ":", "marker": "^"},
    "tanh": {"color": OKABE_ITO["orange"], "linestyle": (0, (5, 1, 1, 1)), "marker": "v"},
    "prelu": {"color": OKABE_ITO["sky_blue"], "linestyle": (0, (3, 1, 1, 1, 1, 1)), "marker": "P"},
    "identity": {"color": OKABE_ITO["black"], "linestyle": "-", "marker": "x"},
    "copy": {"color": "#777777", "linestyle": "-", "marker": "x"},
    # Chapter 5's smooth activations
    "gelu": {"color": OKABE_ITO["vermillion"], "linestyle": (0, (6, 2)), "marker": "X"},
    "silu": {"color": OKABE_ITO["orange"], "linestyle": (0, (1, 1)), "marker": "*"},
    "mish": {"color": OKABE_ITO["sky_blue"], "linestyle": (0, (4, 1, 1, 1, 1, 1, 1, 1)), "marker": "h"},
    "selu": {"color": OKABE_ITO["black"], "linestyle": (0, (2, 2)), "marker": "d"},
    "softplus": {"color": "#777777", "linestyle": (0, (8, 2, 2, 2)), "marker": "p"},
}

_FALLBACK_COLORS = [OKABE_ITO[k] for k in
                    ("blue", "orange", "bluish_green", "vermillion", "reddish_purple",
                     "sky_blue", "black", "yellow")]
_FALLBACK_STYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)), (0, (3, 1, 1, 1, 1, 1))]
_FALLBACK_MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]


def style(name: str | None = None, index: int = 0, markers: bool = False) -> dict:
    """Matplotlib keyword arguments for a series.

    Args:
        name: a known series ("relu", "tanh", ...; parameters after "(" are ignored) gets its
            fixed style; anything else falls back to the ``index``-th palette entry.
        index: position in the fallback cycle.
        markers: include a marker (useful for plots with few points).
    """
    key = (name or "").split("(")[0]
    if key in SERIES:
        kw = dict(SERIES[key])
    else:
        kw = {
            "color": _FALLBACK_COLORS[index % len(_FALLBACK_COLORS)],
            "linestyle": _FALLBACK_STYLES[index % len(_FALLBACK_STYLES)],
            "marker": _FALLBACK_MARKERS[index % len(_FALLBACK_MARKERS)],
        }
    if not markers:
        kw.pop("marker")
    return kw


def use_style() -> None:
    """Set the course's matplotlib defaults: readable at laptop width, crisp, colour-blind-safe."""
    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.fontsize": 10,
            "legend.frameon": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "lines.linewidth": 2.0,
            "axes.prop_cycle": mpl.cycler(
                color=_FALLBACK_COLORS[:7], linestyle=_FALLBACK_STYLES[:7]
            ),
        }
    )


def figure_to_png(fig: plt.Figure, dpi: int = 100) -> bytes:
    """Render a figure to PNG bytes (for precomputed explorer frames) and close it."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Live frames: a figure kept between frames, redrawn by blitting
# ---------------------------------------------------------------------------------------------


class KeptFigure:
    """A figure kept between the frames of a live view (an explorer, the lab), drawn by blitting.

    A ``matplotlib.figure.Figure`` outside pyplot with its own Agg canvas (safe to draw from a
    worker thread; the canvas's renderer caches text metrics between frames). :meth:`png` draws
    everything except the artists that change from frame to frame (``dynamic``: curves, titles,
    legends) once, keeps that picture, and later only restores it and draws the dynamic artists
    over it. The kept picture is redrawn when anything it shows may have changed: any axes' limits,
    scales, ticks or labels (:meth:`axes_state`), the caller's ``key``, or an artist that was
    dynamic and no longer is. With ``blit=False`` every frame is a full redraw (for comparisons).
    """

    def __init__(self, fig: Figure | None = None, *, figsize: tuple[float, float] = (6.4, 3.3),
                 dpi: int = 80, blit: bool = True) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.fig = Figure(figsize=figsize, dpi=dpi) if fig is None else fig
        canvas = self.fig.canvas
        self.canvas = canvas if isinstance(canvas, FigureCanvasAgg) else FigureCanvasAgg(self.fig)
        self.blit = bool(blit)
        self.background_key: tuple | None = None
        self.full_redraws = 0  # how often the kept picture was (re)drawn: for tests and benchmarks
        self._background = None
        self._animated: list = []

    def axes_state(self) -> tuple:
        """What the kept picture depends on, per axes: limits, scales, tick positions, labels."""
        return tuple((ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
                      tuple(ax.get_xticks()), tuple(ax.get_yticks()), ax.get_xlabel(),
                      ax.get_ylabel()) for ax in self.fig.axes)

    def png(self, dynamic: Sequence = (), key: tuple = ()) -> bytes:
        """PNG bytes of the figure as it is now; ``dynamic``: the artists that change between
        frames (drawn over the kept picture, in z-order); ``key``: anything else the kept picture
        depends on."""
        from PIL import Image

        dynamic = sorted(dynamic, key=lambda a: a.get_zorder())
        if not self.blit:
            self.canvas.draw()
            self.full_redraws += 1
        else:
            ids = {id(a) for a in dynamic}
            # still in the figure but no longer dynamic (removed artists are simply gone)
            dropped = [a for a in self._animated if id(a) not in ids and a.get_figure() is not None]
            for a in dropped:
                a.set_animated(False)
            state = (self.axes_state(), tuple(key))
            if self._background is None or dropped or state != self.background_key:
                for a in dynamic:
                    a.set_animated(True)
                self.canvas.draw()  # everything but the animated artists
                self._background = self.canvas.copy_from_bbox(self.fig.bbox)
                # after the draw: drawing settles the layout (an equal aspect moves the axes' box,
                # and with it the ticks)
                self.background_key = (self.axes_state(), tuple(key))
                self.full_redraws += 1
            else:
                self.canvas.restore_region(self._background)
            renderer = self.canvas.get_renderer()
            for a in dynamic:
                a.set_animated(True)
                a.draw(renderer)
            self._animated = dynamic
        renderer = self.canvas.get_renderer()
        size = (int(renderer.width), int(renderer.height))
        image = Image.frombuffer("RGBA", size, self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        image.convert("RGB").save(buf, format="png", compress_level=3)
        return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Chapter 2: the gradient-profile explorer
# ---------------------------------------------------------------------------------------------

_ACT_NAME = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}


class GradientExplorerFigure:
    """Chapter 2's explorer frame (:func:`draw_gradient_explorer`) kept between frames.

    ``update(depth, scale)`` sets the curves, legend, title and axes for any whole ``depth >= 1``
    and any ``scale > 0``; :meth:`png` draws it, redrawing only the curves, the legend and the
    title while the axes stay the same (every frame of the book's grid shares its axes). The live
    explorer keeps one; :func:`draw_gradient_explorer` draws the book's frames with a fresh one.
    """

    def __init__(self, dpi: int = 72, figsize: tuple[float, float] = (6.4, 3.3), *,
                 blit: bool = True) -> None:
        self.kept = KeptFigure(figsize=figsize, dpi=dpi, blit=blit)
        self.fig = self.kept.fig
        self.ax = ax = self.fig.subplots()
        # fixed margins: a layout engine (or a tight bounding box) costs a second pass per frame
        self.fig.subplots_adjust(left=0.135, right=0.985, bottom=0.155, top=0.9)
        ax.set_yscale("log")
        ax.set_xlabel("layer (1 = next to the input)")
        ax.set_ylabel(r"$\|\partial L / \partial W_l\|$")
        # powers of ten as plain text (10⁻¹⁶), no minor ticks: mathtext tick labels were most of
        # the cost of a live redraw
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(_power_of_ten))
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        self.lines: dict[str, object] = {}
        self.legend = None

    def update(self, depth: int, scale: float) -> Figure:
        """Show ``depth`` hidden layers at ``Var[W] = scale / fan_in``; returns the figure."""
        from .gradients import explorer_data  # tooling may use the experiments

        data = explorer_data(depth, scale)
        ax = self.ax
        if list(self.lines) != list(data):
            for line in self.lines.values():
                line.remove()
            self.lines = {act: ax.plot([], [], label=act, **style(act, markers=True))[0]
                          for act in data}
            self.legend = ax.legend(loc="lower right", fontsize=9)
        for (act, res), text in zip(data.items(), self.legend.get_texts(), strict=True):
            self.lines[act].set_data(res["layer"], res["grad_norm"])
            text.set_text(f"{_ACT_NAME.get(act, act)}: first/last {res['ratio']:.0e}")
        norms = np.concatenate([res["grad_norm"] for res in data.values()])
        norms = norms[np.isfinite(norms) & (norms > 0)]
        low, high = (norms.min(), norms.max()) if norms.size else (1.0, 1.0)
        # the axes change in coarse steps (the x axis ends at layer 21, then 31; the y axis moves
        # by 10^4), so that most live frames share the kept picture of the axes
        top = 10 * int(np.ceil(max(int(depth), 20) / 10)) + 1
        bottom = min(1e-16, 10.0 ** (4 * np.floor(np.log10(low / 3) / 4)))
        ceiling = max(1e4, 10.0 ** (4 * np.ceil(np.log10(high * 3) / 4)))
        ax.set(ylim=(bottom, ceiling), xlim=(0.5, top + 0.5), xticks=[1, *range(5, top + 1, 5)])
        ax.set_title(f"depth {int(depth)}, Var[W] = {scale:.3g} / fan_in", y=1.0)
        return self.fig

    def png(self, depth: int | None = None, scale: float | None = None) -> bytes:
        """PNG bytes of the frame (after ``update(depth, scale)`` when both are given)."""
        if depth is not None and scale is not None:
            self.update(depth, scale)
        return self.kept.png([*self.lines.values(), self.legend, self.ax.title])


def draw_gradient_explorer(depth: int, scale: float) -> Figure:
    """Chapter 2's explorer frame: ``||dL/dW_l||`` of every layer at initialisation, log scale,
    for sigmoid, tanh and ReLU side by side (:func:`dying_relu.gradients.explorer_data`).

    Any whole ``depth >= 1`` and any ``scale > 0`` (``Var[W] = scale / fan_in``): the axes grow
    with the data, and every frame of the book's grid (up to 20 layers, norms within 1e-16 to
    1e4) gets the same axes so that the slider compares like with like. A fresh
    :class:`GradientExplorerFigure` (outside pyplot); the live explorer keeps one.
    """
    return GradientExplorerFigure(dpi=int(mpl.rcParams["figure.dpi"]), blit=False).update(depth, scale)


_SUPERSCRIPT = str.maketrans("-0123456789",
                             "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _power_of_ten(value: float, _pos: object = None) -> str:
    """``10⁻¹⁶`` for an exact power of ten, "" otherwise (a tick label without mathtext)."""
    if not value > 0:
        return ""
    exponent = round(float(np.log10(value)))
    if abs(np.log10(value) - exponent) > 1e-9:
        return ""
    return f"10{str(exponent).translate(_SUPERSCRIPT)}"


def describe_gradient_explorer(depth: int, scale: float) -> str:
    """The alt text of :func:`draw_gradient_explorer`'s frame: what it shows, with each
    activation's first-layer / last-layer ratio (computed once: the data are cached)."""
    from .gradients import explorer_data

    data = explorer_data(depth, scale)
    ratios = ", ".join(f"{_ACT_NAME.get(a, a)} {r['ratio']:.2g}" for a, r in data.items())
    return (
        f"Gradient norm of every layer at initialisation, log scale, for {int(depth)} hidden layers "
        f"and Var[W] = {scale:.3g} / fan_in, sigmoid, tanh and ReLU side by side. First-layer / "
        f"last-layer ratio (below 1: smaller towards the input): {ratios}."
    )


# ---------------------------------------------------------------------------------------------
# Chapter 3: the microscope and the explorer's frame
# ---------------------------------------------------------------------------------------------

_CLASS_MARKERS = ["o", "s", "^", "D", "v"]
_DATA_COLOR = "#8c8c8c"


def _clip_to_box(p0: np.ndarray, d: np.ndarray, lim: float) -> tuple[float, float] | None:
    """Parameters ``(t0, t1)`` of the part of the line ``p0 + t d`` inside ``[-lim, lim]^2``
    (Liang-Barsky), or None if the line misses the box."""
    t0, t1 = -np.inf, np.inf
    for k in range(2):
        if d[k] == 0:
            if abs(p0[k]) > lim:
                return None
            continue
        a, b = (-lim - p0[k]) / d[k], (lim - p0[k]) / d[k]
        t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
    return (t0, t1) if t0 < t1 else None


def draw_microscope(
    ax: plt.Axes,
    W: np.ndarray,
    b: np.ndarray,
    X: np.ndarray,
    y: np.ndarray | None = None,
    *,
    dead: np.ndarray | None = None,
    lim: float | None = None,
    arrow: float = 0.16,
) -> dict[str, int]:
    """Chapter 3's microscope: each first-layer unit's active half-plane ``{x : w.x + b > 0}``
    drawn over 2-D data.

    Each unit is its boundary line ``w.x + b = 0`` with a short arrow pointing into its active
    side; live units are solid blue lines, dead ones (no data point on the active side) dashed
    vermillion. Data points are grey, one marker per class. Arrows are spread along the lines so
    that lines through a common point stay readable.

    Args:
        ax: the axes.  W: ``(2, width)``.  b: ``(width,)``.  X: ``(n, 2)``.  y: labels ``(n,)``.
        dead: dead mask ``(width,)``; computed from ``X`` if not given.
        lim: half-width of the square view (default: the data's extent plus a margin).
        arrow: arrow length as a fraction of ``lim``.

    Returns:
        ``{"dead": ..., "alive": ..., "dead_off_view": ...}`` unit counts (dead units whose
        boundary line misses the view cannot be drawn; they are counted here).
    """
    W = np.asarray(W, float)
    b = np.asarray(b, float)
    if dead is None:
        dead = dead_units(X @ W + b)
    if lim is None:
        lim = float(np.abs(X).max()) * 1.25
    labels = np.zeros(len(X), int) if y is None else np.asarray(y)
    for k in np.unique(labels):
        ax.scatter(*X[labels == k].T, s=9, alpha=0.75, color=_DATA_COLOR,
                   marker=_CLASS_MARKERS[int(k) % len(_CLASS_MARKERS)], linewidths=0, zorder=1)
    off = 0
    width = W.shape[1]
    alive_style = style("relu")
    dead_style = {"color": OKABE_ITO["vermillion"], "linestyle": "--"}
    arrows: list[tuple[float, float, float, float, str]] = []  # x, y, dx, dy, colour
    for j in range(width):
        w, c = W[:, j], b[j]
        norm = np.linalg.norm(w)
        seg = None
        if norm > 0:
            p0 = -c * w / norm**2
            d = np.array([-w[1], w[0]]) / norm
            seg = _clip_to_box(p0, d, lim)
        if seg is None:
            off += int(dead[j])
            continue
        st = dead_style if dead[j] else alive_style
        ends = np.array([p0 + seg[0] * d, p0 + seg[1] * d])
        ax.plot(ends[:, 0], ends[:, 1], lw=1.5 if dead[j] else 1.0, zorder=2, **st)
        # an arrow into the active side, at a different place along each line
        q = p0 + (seg[0] + (0.15 + 0.7 * (j + 0.5) / width) * (seg[1] - seg[0])) * d
        arrows.append((*q, *(arrow * lim * w / norm), st["color"]))
    if arrows:  # one artist for all arrows: much cheaper to draw than one annotation each
        qx, qy, dx, dy, colors = zip(*arrows, strict=True)
        ax.quiver(qx, qy, dx, dy, color=colors, angles="xy", scale_units="xy", scale=1,
                  width=0.008, headwidth=4, headlength=4.5, headaxislength=4, zorder=3)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    n_dead = int(np.sum(dead))
    return {"dead": n_dead, "alive": int(width - n_dead), "dead_off_view": off}


def redraw_microscope(ax: plt.Axes, previous: Sequence, W: np.ndarray, b: np.ndarray, X: np.ndarray,
                      y: np.ndarray | None = None, *, dead: np.ndarray | None = None,
                      title: str = "layer 1") -> list:
    """:func:`draw_microscope` on axes kept between frames (a live explorer, the lab): removes the
    ``previous`` frame's artists (cheaper than ``cla()``: ticks and labels stay), draws this one,
    titles the axes ``"{title}: D/width dead"`` (with the dead units off the view, if any) and
    returns the new artists (the next call's ``previous``)."""
    for artist in previous:
        artist.remove()
    before = {id(a) for a in ax.get_children()}
    info = draw_microscope(ax, W, b, X, y, dead=dead)
    extra = f" ({info['dead_off_view']} off view)" if info["dead_off_view"] else ""
    ax.set_title(f"{title}: {info['dead']}/{len(b)} dead{extra}", fontsize=10, y=1.0)
    return [a for a in ax.get_children() if id(a) not in before]


class DeadExplorerFigure:
    """Chapter 3's explorer frame (:func:`draw_explorer`) kept between frames: the microscope
    after training (left), the dead fraction per hidden layer and the accuracy over epochs (right).

    ``update(result)`` shows one :func:`dying_relu.dying.compute` result; :meth:`png` redraws only
    the microscope's units and data, the curves and the titles while the axes stay the same. The
    live explorer keeps one; :func:`draw_explorer` draws the book's frames with a fresh one.
    """

    def __init__(self, dpi: int = 75, figsize: tuple[float, float] = (8.4, 3.5), *,
                 blit: bool = True) -> None:
        self.kept = KeptFigure(figsize=figsize, dpi=dpi, blit=blit)
        self.fig = self.kept.fig
        self.ax_mic, self.ax = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.3, top=0.9, wspace=0.3)
        self.ax.set_ylim(-0.03, 1.03)
        self.ax.set_xlabel("epoch")
        self.ax.set_ylabel("fraction")
        self.curves: list = []
        self.accuracy = None
        self._mic: list = []

    def update(self, result: dict) -> Figure:
        """Show one :func:`dying_relu.dying.compute` result; returns the figure."""
        self._mic = redraw_microscope(self.ax_mic, self._mic, result["W"], result["b"], result["X"],
                                      result["y"], dead=result["dead"], title="layer 1 after training")
        curve = np.asarray(result["dead_curve"])
        epochs = np.arange(len(curve))
        if len(self.curves) != curve.shape[1]:
            for line in [*self.curves, self.accuracy]:
                if line is not None:
                    line.remove()
            self.curves = [self.ax.plot([], [], label=f"dead, layer {k + 1}",
                                        **style(None, index=k))[0] for k in range(curve.shape[1])]
            (self.accuracy,) = self.ax.plot([], [], label="train accuracy",
                                            color=OKABE_ITO["black"], linestyle=":")
            self.ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8)
        for k, line in enumerate(self.curves):
            line.set_data(epochs, curve[:, k])
        self.accuracy.set_data(epochs, result["accuracy"])
        pad = 0.05 * max(len(curve) - 1, 1)  # matplotlib's default margin
        self.ax.set_xlim(-pad, len(curve) - 1 + pad)
        self.ax.set_title(f"SGD lr = {result['lr']:g}, initial bias = {result['bias']:g}",
                          fontsize=10, y=1.0)
        return self.fig

    def png(self, result: dict | None = None) -> bytes:
        """PNG bytes of the frame (after ``update(result)`` when given)."""
        if result is not None:
            self.update(result)
        dynamic = [*self._mic, *self.curves, self.accuracy, self.ax_mic.title, self.ax.title]
        return self.kept.png(dynamic, key=(len(self.curves),))


def draw_explorer(result: dict, figsize: tuple[float, float] = (8.4, 3.5)) -> Figure:
    """Chapter 3's explorer frame for one :func:`dying_relu.dying.compute` result: the microscope
    after training (left) and the dead fraction per hidden layer and the accuracy over epochs
    (right). A fresh :class:`DeadExplorerFigure` (outside pyplot); the live explorer keeps one."""
    return DeadExplorerFigure(dpi=int(mpl.rcParams["figure.dpi"]), figsize=figsize,
                              blit=False).update(result)


# ---------------------------------------------------------------------------------------------
# Chapter 4: styles of the fixes
# ---------------------------------------------------------------------------------------------


_MEAN_BINS = np.linspace(0, 1, 21)


class DataMeanFigure:
    """Chapter 5's explorer frame (:func:`draw_data_mean`) kept between frames: how often each unit
    of a layer is active, as a histogram.

    ``update(frame, title)`` shows one :func:`dying_relu.today.data_mean_frame` result (its
    ``frame["active"]``, ``(width,)``, holds each unit's share of examples with ``z > 0``): units
    active on no example (dead) and on every example (linear) get their own bars at the two ends,
    the others are binned in steps of 5% of the examples. :meth:`png` redraws only the bars, the
    legend and the title. The live explorer keeps one; :func:`draw_data_mean` draws the book's
    frames with a fresh one.
    """

    def __init__(self, dpi: int = 72, figsize: tuple[float, float] = (6.4, 3.2), *,
                 blit: bool = True) -> None:
        self.kept = KeptFigure(figsize=figsize, dpi=dpi, blit=blit)
        self.fig = self.kept.fig
        self.ax = ax = self.fig.subplots()
        self.fig.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.9)
        ax.set_axisbelow(True)  # the grid under the bars, in the kept picture and a full redraw alike
        ax.set(xlim=(-0.1, 1.1), ylabel="units", xlabel="share of examples on which a unit is active")
        centres, width = (_MEAN_BINS[:-1] + _MEAN_BINS[1:]) / 2, _MEAN_BINS[1] - _MEAN_BINS[0]
        self.inner = ax.bar(centres, np.zeros(len(centres)), width, color=OKABE_ITO["sky_blue"],
                            label="active on some examples")
        self.dead = ax.bar([-0.04], [0], 0.04, color=OKABE_ITO["vermillion"], hatch="///",
                           label="dead (active on none)")
        self.linear = ax.bar([1.04], [0], 0.04, color=OKABE_ITO["black"],
                             label="active on all (linear)")
        self.legend = ax.legend(fontsize=8, loc="upper center")

    def update(self, frame: dict, title: str) -> Figure:
        """Show one :func:`dying_relu.today.data_mean_frame` result under ``title``."""
        active = np.asarray(frame["active"])
        inner = active[(active > 0) & (active < 1)]
        counts, _ = np.histogram(inner, bins=_MEAN_BINS)
        for bar, count in zip(self.inner, counts, strict=True):
            bar.set_height(count)
        self.dead[0].set_height(np.sum(active == 0))
        self.linear[0].set_height(np.sum(active == 1))
        self.ax.set_ylim(0, 560 * active.size / 1024)
        self.ax.set_title(title, y=1.0)
        return self.fig

    def png(self, frame: dict | None = None, title: str | None = None) -> bytes:
        """PNG bytes of the frame (after ``update(frame, title)`` when both are given)."""
        if frame is not None and title is not None:
            self.update(frame, title)
        dynamic = [*self.inner, *self.dead, *self.linear, self.legend, self.ax.title]
        return self.kept.png(dynamic)


def draw_data_mean(frame: dict, title: str, figsize: tuple[float, float] = (6.4, 3.2)) -> Figure:
    """Chapter 5's explorer frame for one :func:`dying_relu.today.data_mean_frame` result, under
    ``title`` (see :class:`DataMeanFigure`; a fresh one, outside pyplot)."""
    return DataMeanFigure(dpi=int(mpl.rcParams["figure.dpi"]), figsize=figsize,
                          blit=False).update(frame, title)


def _fix_key(key_or_label: str) -> str:
    from .fixes import get_fix  # tooling may use the experiments; looked up only for labels

    return get_fix(key_or_label).key


_FIX_STYLES: dict[str, tuple[str, object, str]] = {
    # families share a colour (bias: orange, leaky: green), members differ by line style and marker
    "relu": (OKABE_ITO["blue"], "-", "o"),
    "bias001": (OKABE_ITO["orange"], ":", "v"),
    "bias01": (OKABE_ITO["orange"], "--", "^"),
    "leaky001": (OKABE_ITO["bluish_green"], ":", "s"),
    "leaky01": (OKABE_ITO["bluish_green"], "--", "D"),
    "leaky018": (OKABE_ITO["bluish_green"], "-.", "P"),
    "elu": (OKABE_ITO["reddish_purple"], "-", "D"),
    "prelu": (OKABE_ITO["sky_blue"], (0, (3, 1, 1, 1, 1, 1)), "X"),
    "rai": (OKABE_ITO["black"], (0, (5, 1, 1, 1)), "*"),
    "relu_bn": (OKABE_ITO["vermillion"], "--", "h"),
}


def fix_style(key: str, markers: bool = False) -> dict:
    """Matplotlib keyword arguments (colour, line style, optionally marker) for a fix of
    :data:`dying_relu.fixes.FIXES` (key or label; Chapter 4): colour-blind-safe colours by family,
    distinct line styles within a family."""
    if key not in _FIX_STYLES:
        key = _fix_key(key)
    color, linestyle, marker = _FIX_STYLES[key]
    kw = {"color": color, "linestyle": linestyle}
    if markers:
        kw["marker"] = marker
    return kw


#: The fix whose style stands for each family of Chapter 4's explorer
#: (:data:`dying_relu.fixes.EXPLORER_FAMILIES`).
_FAMILY_STYLE_KEY = {"positive bias": "bias01", "leaky ReLU": "leaky01", "ELU": "elu"}


def _nan_stat(fn, values: np.ndarray) -> np.ndarray:
    """``fn(values, axis=0)`` over seeds, ignoring NaNs (a diverged run stops its curve) silently."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(values, axis=0)


class FixExplorerFigure:
    """Chapter 4's explorer frame (:func:`draw_fix_explorer`) kept between frames: one fix family at
    one strength, :func:`dying_relu.fixes.compute`'s result; never-active fraction (left) and
    training loss (right, log scale) over the epochs, the median over seeds as a line and their
    range as a band, plain ReLU's median dotted grey; the test accuracy in the title.

    :meth:`png` redraws only the curves, bands, legend and title while the axes stay the same (the
    loss axis moves in whole decades). The live explorer keeps one; :func:`draw_fix_explorer`
    draws the book's frames with a fresh one.
    """

    def __init__(self, dpi: int = 75, figsize: tuple[float, float] = (8, 3.1), *,
                 blit: bool = True) -> None:
        self.kept = KeptFigure(figsize=figsize, dpi=dpi, blit=blit)
        self.fig = self.kept.fig
        self.axes = self.fig.subplots(1, 2)
        self.fig.subplots_adjust(left=0.08, right=0.985, bottom=0.16, top=0.86, wspace=0.25)
        ax0, ax1 = self.axes
        ax0.set(ylabel="never-active fraction", ylim=(-0.02, 1.02), xlabel="epoch")
        ax1.set(ylabel="training loss", xlabel="epoch", yscale="log")
        ax1.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax1.yaxis.set_minor_formatter(ticker.NullFormatter())
        self.base = [ax.plot([], [], color="grey", ls=":", label="relu (no fix)")[0] for ax in self.axes]
        self.median = [ax.plot([], [])[0] for ax in self.axes]
        self.bands: list = []
        self.legend = None
        self.title = self.fig.suptitle("", fontsize=11)

    def update(self, d: dict) -> Figure:
        """Show one :func:`dying_relu.fixes.compute` result; returns the figure."""
        st = fix_style(_FAMILY_STYLE_KEY[d["family"]]) if d["value"] else fix_style("relu")
        for band in self.bands:
            band.remove()
        self.bands = []
        epochs = d["epochs"]
        shown = []
        for ax, base, median, name in zip(self.axes, self.base, self.median,
                                          ("never_active", "loss"), strict=True):
            cur = d[name]
            base.set_data(epochs, _nan_stat(np.nanmedian, d[f"baseline_{name}"]))
            self.bands.append(ax.fill_between(epochs, _nan_stat(np.nanmin, cur),
                                              _nan_stat(np.nanmax, cur), color=st["color"], alpha=0.2))
            median.set_data(epochs, _nan_stat(np.nanmedian, cur))
            median.update({**st, "label": d["label"]})
            ax.set_xlim(-0.05 * epochs[-1], 1.05 * epochs[-1])
            shown.append(np.concatenate([np.ravel(cur), np.ravel(d[f"baseline_{name}"])]))
        loss = shown[1][np.isfinite(shown[1]) & (shown[1] > 0)]
        lo, hi = (loss.min(), loss.max()) if loss.size else (0.1, 10.0)
        self.axes[1].set_ylim(10.0 ** np.floor(np.log10(lo)), 10.0 ** np.ceil(np.log10(hi)))
        if self.legend is not None:
            self.legend.remove()
        self.legend = self.axes[0].legend(handles=[self.base[0], self.median[0]], loc="upper left",
                                          fontsize=9)
        a = d["test_accuracy"]
        seeds = ", ".join(f"{x:.2f}" for x in a)
        self.title.set_text(f"{d['label']}: test accuracy {a.mean():.2f} (seeds: {seeds})")
        return self.fig

    def png(self, d: dict | None = None) -> bytes:
        """PNG bytes of the frame (after ``update(d)`` when given)."""
        if d is not None:
            self.update(d)
        dynamic = [*self.base, *self.bands, *self.median, self.legend, self.title]
        return self.kept.png(dynamic)


def draw_fix_explorer(d: dict) -> Figure:
    """Chapter 4's explorer frame for one :func:`dying_relu.fixes.compute` result (see
    :class:`FixExplorerFigure`; a fresh one, outside pyplot)."""
    return FixExplorerFigure(dpi=int(mpl.rcParams["figure.dpi"]), blit=False).update(d)


# Bar hatches: fixes of one family share a colour, so bars need a second cue (and one that survives
# grey-scale printing): within each family every member has its own hatch.
_FIX_HATCHES: dict[str, str] = {
    "relu": "",
    "bias001": "...",
    "bias01": "///",
    "leaky001": "...",
    "leaky01": "///",
    "leaky018": "xxx",
    "elu": "",
    "prelu": "\\\\\\",
    "rai": "++",
    "relu_bn": "\\\\",
}


def fix_hatch(key: str) -> str:
    """Matplotlib hatch pattern for a fix's bars (``ax.bar(..., hatch=fix_hatch(key))``):
    members of a colour family (see :func:`fix_style`) get distinct hatches."""
    if key not in _FIX_HATCHES:
        key = _fix_key(key)
    return _FIX_HATCHES[key]


# ---------------------------------------------------------------------------------------------
# Figures with a text alternative (issue 15)


def figure_bundle(
    fig: plt.Figure, alt: str, caption: str | None = None, dpi: float | None = None
) -> tuple[dict, dict]:
    """The mime bundle ``(data, metadata)`` that :func:`show` displays: the figure as ``image/png``
    (as the inline backend would draw it), ``text/plain`` as the inline backend writes it
    (``<Figure size 700x350 with 1 Axes>``), and the text alternative (and caption) in the output
    metadata, where the book's ``_ext/accessible_figures.py`` reads them."""
    import base64

    from IPython.core.pylabtools import print_figure

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must say what the figure shows (a non-empty string).")
    kw = {"dpi": dpi} if dpi is not None else {}
    png = print_figure(fig, "png", bbox_inches="tight", **kw)
    meta: dict = {"alt": " ".join(alt.split())}
    if caption:
        meta["caption"] = " ".join(caption.split())
    data = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": repr(fig)}
    return data, {"image/png": meta}


def show(fig: plt.Figure | None = None, *, alt: str, caption: str | None = None) -> None:
    """Display a figure with a text alternative (and an optional caption), then close it.

    Use it instead of ``plt.show()`` in a chapter, so that screen-reader users hear what the
    figure shows rather than a file name::

        plots.show(fig, alt=f"Dead fraction against learning rate: it rises from "
                            f"{lo:.0%} at 0.1 to {hi:.0%} at 3.")

    ``alt`` says what the figure shows and what to see in it, with the numbers that matter (an
    f-string is fine: it is computed when the cell runs). ``caption`` (optional, plain text)
    is printed under the figure in the HTML book and in the PDF. In the built HTML the figure's
    ``<img>`` gets ``alt`` (via ``_ext/accessible_figures.py``); the PDF and JupyterLab show the
    same PNG as ``plt.show()`` would.

    Args:
        fig: the figure (default: the current one).
        alt: the text alternative: what the figure shows and its main finding.
        caption: an optional caption, shown to every reader.
    """
    from IPython.display import display

    fig = plt.gcf() if fig is None else fig
    data, metadata = figure_bundle(fig, alt, caption)
    plt.close(fig)
    display(data, metadata=metadata, raw=True)
