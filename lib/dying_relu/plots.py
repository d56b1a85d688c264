"""One plot style for the whole course: colour-blind-safe colours *and* distinct line styles.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); every series
also gets its own line style and marker, so figures read in greyscale too. Call :func:`use_style`
once per notebook; use :func:`style` for the keyword arguments of a named series.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["OKABE_ITO", "SERIES", "figure_bundle", "figure_to_png", "show", "style", "use_style"]

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
