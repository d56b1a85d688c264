#!/usr/bin/env python3
"""How long each explorer update and the chapters' Monte Carlo helpers take (a benchmark, not a test).

The explorers' pure ``compute`` functions must be fast enough to redraw live (the budget: 0.3 s per
update for the cheap ones; issue 14), and chapter 3's born-dead Monte Carlo must stay cheap. These
are wall-clock figures, so they belong here and not in ``make test`` (a loaded machine would fail a
timed test for no fault of the code). Each figure is the best of ``--repeats`` runs per setting,
then the worst setting; BLAS runs on one thread, as the chapters do.

    .venv/bin/python benchmarks/explorers.py            # PASS/FAIL per figure, exit 0
    .venv/bin/python benchmarks/explorers.py --strict   # exit 1 on any FAIL
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from dying_relu import dying, fixes, plots, speed, today  # noqa: E402
from dying_relu import gradients as G  # noqa: E402


def best_of(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def worst_setting(calls: list[Callable[[], object]], repeats: int) -> float:
    calls[0]()  # warm-up (data loading, caches)
    return max(best_of(c, repeats) for c in calls)


def live_updates(explorer: object, settings: list[dict], repeats: int) -> float:
    """The worst over ``settings`` of the best of ``repeats`` live updates (``LiveExplorer.update``).

    Build the explorer with ``live_mode=True``; include values off the precomputed grid."""
    return worst_setting([lambda s=s: explorer.update(**s) for s in settings], repeats)


def _ch5_live_explorer() -> object:
    """Chapter 5's explorer as a live session builds it (same draw: today + plots.draw_data_mean)."""
    from dying_relu.widgets import Range, frame_explorer

    def frame_and_title(ratio: float, centred: str) -> tuple[dict, str]:
        res = today.data_mean_frame(float(ratio), centred == "centred")
        return res, f"mean / spread = {ratio:g}, {centred}: {res['dead']:.0%} dead"

    kept = plots.DataMeanFigure(dpi=72)
    return frame_explorer(lambda ratio, centred: plots.draw_data_mean(*frame_and_title(ratio, centred)),
                          {"ratio": [0, 1, 2, 4, 8, 16, 32], "centred": ["not centred", "centred"]},
                          start={"ratio": 8, "centred": "not centred"}, dpi=72,
                          live={"ratio": Range(0.0, 32.0, step=0.1)}, live_mode=True,
                          live_draw=lambda ratio, centred: kept.png(*frame_and_title(ratio, centred)))


def ch1_live_explorer() -> tuple[object, speed.RaceResult]:
    """Chapter 1's explorer as a live session builds it: the race's set-up (5 seeds, 80 epochs),
    a draw like the chapter's (``speed.compute``, then one curve per seed and ReLU's in grey)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dying_relu.widgets import Range, frame_explorer

    # only the reference cell is precomputed here (ReLU at its best lr): every other is a miss
    race = speed.convergence_race(("relu",), lrs=(0.1,), seeds=(0, 1, 2, 3, 4), target=0.10,
                                  epochs=80, momentum=0.9)

    def draw(activation: str, lr: float) -> plt.Figure:
        d = speed.compute(race, activation, float(f"{lr:.3g}"))
        fig, ax = plt.subplots(figsize=(7, 3.4))
        for curve in d["reference"]:
            ax.plot(d["epochs"], curve, color="#aaaaaa", linewidth=2.5)
        for curve in d["curves"]:
            ax.plot(d["epochs"], curve, linewidth=1.4)
        ax.set(xlim=(0, 80), ylim=(0, 0.8))
        return fig

    explorer = frame_explorer(draw, {"activation": ["relu", "tanh", "sigmoid"], "lr": [0.1]},
                              start={"activation": "relu", "lr": 0.1}, dpi=80,
                              live={"lr": Range(0.01, 3.0, log=True)}, live_mode=True)
    return explorer, race


def ch1_live_update_times() -> tuple[list[float], float]:
    """Seconds of chapter 1's live updates at learning rates off the race's grid (each a cache
    miss: the five seeds are trained), and of one cached redraw."""
    explorer, race = ch1_live_explorer()
    settings = [("relu", 0.05), ("relu", 0.2), ("relu", 2.0), ("tanh", 0.05), ("tanh", 0.2),
                ("tanh", 2.0), ("sigmoid", 0.5), ("sigmoid", 0.02)]
    misses = [explorer.update(activation=a, lr=lr) for a, lr in settings]
    cached = min(explorer.update(activation="relu", lr=0.1) for _ in range(3))
    return misses, cached


def _ch3_live_explorer() -> object:
    """Chapter 3's explorer as a live session builds it (the notebook's ``live=`` ranges)."""
    import matplotlib

    matplotlib.use("Agg")
    from dying_relu import plots
    from dying_relu.widgets import Range, frame_explorer

    plots.use_style()
    kept = plots.DeadExplorerFigure(dpi=75)
    return frame_explorer(lambda lr, bias: plots.draw_explorer(dying.compute(lr=lr, bias=bias)),
                          {"lr": [0.3, 1.0, 1.5, 2.0], "bias": [-1.0, -0.5, 0.0, 0.25]},
                          start={"lr": 1.5, "bias": 0.0}, dpi=75, live_mode=True,
                          live={"lr": Range(0.1, 3.0, log=True), "bias": Range(-1.5, 0.5, step=0.05)},
                          live_draw=lambda lr, bias: kept.png(dying.compute(lr=lr, bias=bias)))


#: Chapter 2's live settings: three of the book's frames and seven values off its grid. Each is
#: a new (depth, scale), so every update computes (explorer_data caches per setting).
CH2_LIVE_SETTINGS = [(5, 0.5), (10, 1.0), (20, 4.0), (7, 0.37), (13, 2.9), (23, 1.41), (30, 16.0),
                     (30, 0.25), (1, 0.25), (17, 5.5)]


def ch2_live_update_seconds() -> list[float]:
    """Seconds of each ``LiveExplorer.update`` of chapter 2's explorer, built as the chapter builds
    it, over :data:`CH2_LIVE_SETTINGS` (one update each: a learner's first visit of a value)."""
    import matplotlib

    matplotlib.use("Agg")
    from dying_relu import plots
    from dying_relu.widgets import Range, frame_explorer

    explorer = frame_explorer(
        plots.draw_gradient_explorer,
        {"depth": list(G.EXPLORER_DEPTHS), "scale": list(G.EXPLORER_SCALES)},
        live={"depth": Range(*G.EXPLORER_DEPTH_RANGE), "scale": Range(*G.EXPLORER_SCALE_RANGE, log=True)},
        start={"depth": 15, "scale": 2.0}, dpi=72, describe=plots.describe_gradient_explorer,
        live_mode=True, live_draw=plots.GradientExplorerFigure(dpi=72).png,
    )
    return [explorer.update(depth=d, scale=s) for d, s in CH2_LIVE_SETTINGS]


def ch4_live_update(repeats: int) -> float:
    """Chapter 4's explorer in a live session (``live=``): the worst of the best-of-``repeats``
    updates to strengths off the precomputed grid (each a cache miss: 3 training runs at the high
    learning rate) plus the two-panel figure, as the chapter draws it (median and range)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dying_relu import widgets

    def draw(fix: str, strength: float) -> plt.Figure:
        d = fixes.compute(fix, strength, setting="highlr")
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.1), dpi=75)
        for ax, name in zip(axes, ("never_active", "loss"), strict=True):
            ax.plot(d["epochs"], np.nanmedian(d[f"baseline_{name}"], axis=0), color="grey", ls=":")
            ax.fill_between(d["epochs"], np.nanmin(d[name], axis=0), np.nanmax(d[name], axis=0), alpha=0.2)
            ax.plot(d["epochs"], np.nanmedian(d[name], axis=0))
        axes[1].set_yscale("log")
        return fig

    controls = {"fix": list(fixes.EXPLORER_FAMILIES), "strength": list(fixes.EXPLORER_VALUES)}
    explorer = widgets.frame_explorer(draw, controls, start={"fix": "leaky ReLU", "strength": 0.1},
                                      live={"strength": widgets.Range(*fixes.EXPLORER_RANGE)},
                                      live_mode=True)
    values = iter(np.linspace(0.41, 0.49, 9 * repeats))  # never seen: every update trains
    return worst_setting([lambda f=f: explorer.update(fix=f, strength=float(next(values)))
                          for f in fixes.EXPLORER_FAMILIES], repeats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strict", action="store_true", help="exit 1 if any figure is over budget")
    args = parser.parse_args(argv)
    r = args.repeats
    rows: list[tuple[str, float, float]] = []

    rows.append((
        "ch2 gradients.compute, worst of depth x activation x scale",
        worst_setting([lambda d=d, a=a, s=s: G.compute(d, a, s)
                       for d in (5, 10, 15, 20) for a in ("sigmoid", "tanh", "relu")
                       for s in (0.5, 1.0, 2.0, 4.0)], r),
        0.3,
    ))
    ch2_live = ch2_live_update_seconds()
    n_off = sum((d, s) not in [(a, b) for a in G.EXPLORER_DEPTHS for b in G.EXPLORER_SCALES]
                for d, s in CH2_LIVE_SETTINGS)
    rows.append((f"ch2 live update, median of {len(ch2_live)} settings ({n_off} off the grid)",
                 float(np.median(ch2_live)), 0.3))
    rows.append((f"ch2 live update, max of the same {len(ch2_live)}", max(ch2_live), 0.3))
    rows.append((
        "ch3 dying.compute, worst of lr x bias",
        worst_setting([lambda lr=lr, b=b: dying.compute(lr, b)
                       for lr in (0.1, 0.5, 1.0, 2.0) for b in (-1.0, -0.5, 0.0, 0.2)], r),
        0.3,
    ))
    rows.append((
        "ch3 live explorer update (dying.compute + figure), worst of 4 off-grid settings",
        live_updates(_ch3_live_explorer(), [{"lr": 0.13, "bias": -1.35}, {"lr": 0.77, "bias": -0.35},
                                            {"lr": 1.9, "bias": -0.05}, {"lr": 2.9, "bias": 0.45}], r),
        0.3,
    ))
    start = time.perf_counter()
    for family in fixes.EXPLORER_FAMILIES:
        for value in fixes.EXPLORER_VALUES:
            fixes.compute(family, value, setting="negbias")
    first = time.perf_counter() - start
    rows.append(("ch4 fixes.compute, every control value once (uncached)", first, 30.0))
    rows.append(("ch4 fixes.compute, one cached update",
                 best_of(lambda: fixes.compute("ELU", 0.3, setting="negbias"), r), 0.3))
    # a live slider's value between the frames: 3 training runs on a cache miss
    miss = iter(np.linspace(0.02, 0.08, 3 * r + 3))
    rows.append(("ch4 fixes.compute, one uncached live update (new value, highlr)",
                 best_of(lambda: fixes.compute("leaky ReLU", float(next(miss)), setting="highlr"), r),
                 0.3))
    rows.append(("ch4 live explorer update (new strength: 3 training runs + figure)",
                 ch4_live_update(r), 0.3))
    rows.append(("ch3 born-dead Monte Carlo, 4 widths x 10 depths x 4000 nets",
                 best_of(lambda: dying.born_dead_probability([2, 3, 5, 10], np.arange(1, 11),
                                                             n_nets=4000), r), 1.0))
    race = speed.convergence_race(("relu", "tanh"), lrs=(0.1, 0.3), seeds=(0, 1), target=0.1,
                                  epochs=20)
    rows.append(("ch1 speed.compute on a small race, worst setting",
                 worst_setting([lambda a=a, lr=lr: speed.compute(race, a, lr)
                                for a in race.activations for lr in race.lrs], r), 0.3))

    rows.append(("ch5 today.data_mean_frame, worst of ratio x centring (off the grid)",
                 worst_setting([lambda r=r, c=c: today.data_mean_frame(r, c)
                                for r in (0.0, 3.7, 12.25, 32.0) for c in (False, True)], r), 0.3))
    rows.append(("ch5 live explorer update (LiveExplorer.update: frame + PNG), worst setting",
                 live_updates(_ch5_live_explorer(),
                              [{"ratio": v, "centred": c} for v in (0.0, 3.7, 12.25, 32.0)
                               for c in ("not centred", "centred")], r), 0.3))
    # Chapter 1's explorer trains five networks for a learning rate off its grid: not a cheap
    # explorer (a setting that never reaches the target trains 5 x 80 epochs); its budget is the
    # "Computing..." wait a learner accepts, a cached redraw keeps the 0.3 s budget.
    misses, cached = ch1_live_update_times()
    rows.append(("ch1 live update off the grid (trains 5 seeds), median of 8", float(np.median(misses)),
                 3.0))
    rows.append(("ch1 live update off the grid (trains 5 seeds), worst of 8", max(misses), 15.0))
    rows.append(("ch1 live update on the grid (cached), best of 3", cached, 0.3))

    failed = 0
    print(f"{'figure':<64} {'seconds':>9} {'budget':>8}  verdict")
    for name, seconds, budget in rows:
        ok = seconds <= budget
        failed += not ok
        print(f"{name:<64} {seconds:9.3f} {budget:8.2f}  {'PASS' if ok else 'FAIL'}")
    print(f"load average now: {os.getloadavg()[0]:.2f} (figures from a loaded machine are upper bounds)")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
