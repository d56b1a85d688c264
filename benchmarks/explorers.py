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

    def draw(ratio: float, centred: str):
        res = today.data_mean_frame(float(ratio), centred == "centred")
        return plots.draw_data_mean(res, f"mean / spread = {ratio:g}, {centred}: {res['dead']:.0%} dead")

    return frame_explorer(draw, {"ratio": [0, 1, 2, 4, 8, 16, 32], "centred": ["not centred", "centred"]},
                          start={"ratio": 8, "centred": "not centred"}, dpi=72,
                          live={"ratio": Range(0.0, 32.0, step=0.1)}, live_mode=True)


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
    rows.append((
        "ch3 dying.compute, worst of lr x bias",
        worst_setting([lambda lr=lr, b=b: dying.compute(lr, b)
                       for lr in (0.1, 0.5, 1.0, 2.0) for b in (-1.0, -0.5, 0.0, 0.2)], r),
        0.3,
    ))
    start = time.perf_counter()
    for family, levels in fixes.EXPLORER_LEVELS.items():
        for level in range(len(levels)):
            fixes.compute(family, level, setting="negbias")
    first = time.perf_counter() - start
    rows.append(("ch4 fixes.compute, every control value once (uncached)", first, 30.0))
    rows.append(("ch4 fixes.compute, one cached update",
                 best_of(lambda: fixes.compute("ELU", 3, setting="negbias"), r), 0.3))
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
