"""One plot style for the whole course: colour-blind-safe colours *and* distinct line styles.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); every series
also gets its own line style and marker, so figures read in greyscale too. Call :func:`use_style`
once per notebook; use :func:`style` for the keyword arguments of a named series.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["OKABE_ITO", "SERIES", "figure_to_png", "style", "use_style"]

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
