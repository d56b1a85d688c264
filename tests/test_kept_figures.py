"""Figures kept between live frames (issue 14): blitted frames are the frames a full redraw gives.

:class:`dying_relu.plots.KeptFigure` redraws only what changes over a kept picture of the axes;
chapters 2 and 3's live explorers (:class:`~dying_relu.plots.GradientExplorerFigure`,
:class:`~dying_relu.plots.DeadExplorerFigure`) and the lab use it. If the kept picture were reused
when it should not be (axes changed) or something dynamic were left out, the blitted frame would
differ from a full redraw of the same state: that is what is checked, pixel by pixel.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from dying_relu import dying, plots  # noqa: E402


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), float)


def assert_same_picture(a: bytes, b: bytes) -> None:
    """Equal up to anti-aliasing at a few edges (a blitted artist is drawn over the picture once,
    where a full redraw composites it with what is under it in the same pass)."""
    pa, pb = pixels(a), pixels(b)
    assert pa.shape == pb.shape
    assert (np.abs(pa - pb).max(axis=2) > 60).mean() < 0.002


# (depth, scale): the book's axes, then deeper (the x axis grows), then back to the book's
GRADIENT_FRAMES = [(15, 2.0), (10, 0.5), (20, 4.0), (23, 1.41), (7, 0.37), (30, 16.0), (5, 1.0)]


def test_gradient_frames_blitted_equal_full_redraws():
    kept = plots.GradientExplorerFigure(dpi=60)
    redraws = []
    for depth, scale in GRADIENT_FRAMES:
        live = kept.png(depth, scale)
        redraws.append(kept.kept.full_redraws)
        full = plots.GradientExplorerFigure(dpi=60, blit=False)
        assert_same_picture(live, full.png(depth, scale))
        # the frame shows this setting: the title and one curve per activation with depth + 1 points
        assert kept.ax.get_title() == f"depth {depth}, Var[W] = {scale:.3g} / fan_in"
        assert all(len(line.get_xdata()) == depth + 1 for line in kept.lines.values())
    # the kept picture is reused while the axes stay (the book's grid) and redrawn when they change
    assert redraws[:3] == [1, 1, 1]
    assert redraws[3] == 2 and redraws[-1] > redraws[-2]


def test_dead_explorer_frames_blitted_equal_full_redraws():
    kept = plots.DeadExplorerFigure(dpi=60)
    for lr, bias in [(1.5, 0.0), (0.77, -0.35), (2.9, 0.45), (0.13, -1.35)]:
        r = dying.compute(lr, bias)
        live = kept.png(r)
        assert_same_picture(live, plots.DeadExplorerFigure(dpi=60, blit=False).png(r))
        assert kept.ax.get_title() == f"SGD lr = {lr:g}, initial bias = {bias:g}"
        n_dead = int(r["dead"].sum())
        assert kept.ax_mic.get_title().startswith(f"layer 1 after training: {n_dead}/16 dead")
    assert kept.kept.full_redraws == 1  # same data set and epochs: the axes never change


def test_an_artist_no_longer_dynamic_is_drawn_into_a_new_picture():
    fig = plots.KeptFigure(figsize=(2, 1.5), dpi=50)
    ax = fig.fig.subplots()
    ax.set(xlim=(0, 1), ylim=(0, 1))
    (line,) = ax.plot([0, 1], [0, 1])
    fig.png([line])
    assert fig.full_redraws == 1
    line.set_ydata([1, 0])
    blank = fig.png([])  # the line is now part of the picture: it must still be seen
    assert fig.full_redraws == 2
    full = plots.KeptFigure(figsize=(2, 1.5), dpi=50, blit=False)
    ax2 = full.fig.subplots()
    ax2.set(xlim=(0, 1), ylim=(0, 1))
    ax2.plot([0, 1], [1, 0])
    assert_same_picture(blank, full.png())


@pytest.mark.parametrize("make", [lambda: plots.draw_gradient_explorer(15, 2.0),
                                  lambda: plots.draw_explorer(dying.compute(1.5, 0.0))])
def test_book_frames_come_from_the_same_figures(make):
    """The static book's frames are drawn by the same classes (one drawing code for both)."""
    fig = make()
    assert fig.canvas.__class__.__name__ == "FigureCanvasAgg"
    assert plots.figure_to_png(fig, dpi=40).startswith(b"\x89PNG")


def test_data_mean_frames_blitted_equal_full_redraws():
    from dying_relu import today

    kept = plots.DataMeanFigure(dpi=60)
    for ratio, centred in [(8.0, False), (0.0, False), (32.0, False), (3.7, True), (12.25, False)]:
        frame = today.data_mean_frame(ratio, centred)
        title = f"mean / spread = {ratio:g}: {frame['dead']:.0%} dead"
        live = kept.png(frame, title)
        assert_same_picture(live, plots.DataMeanFigure(dpi=60, blit=False).png(frame, title))
        heights = [b.get_height() for b in (*kept.inner, *kept.dead, *kept.linear)]
        assert sum(heights) == len(frame["active"])  # every unit in exactly one bar
        assert kept.dead[0].get_height() == np.sum(np.asarray(frame["active"]) == 0)
    assert kept.kept.full_redraws == 1
