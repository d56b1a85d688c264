#!/usr/bin/env python3
"""How fast the dead-neuron lab redraws and trains (issue 14; a benchmark, not a test).

The budget: under 0.3 s per redraw on 2 cores for the default setting. Printed, per figure: the
median and the best of ``--repeats`` wall-clock times, and the CPU time of the process (which a
loaded machine inflates less). BLAS runs on one thread, as the chapters do.

- redraw: one frame of the panel, as the lab makes it (keep the figure, update it, draw what
  changed over the cached axes, encode the PNG, wrap it in the ``<img>`` with its alt text), for
  the default setting and the largest one, and a full redraw for comparison;
- training: optimisation steps per second of :meth:`dying_relu.lab.LabRun.advance`, no drawing;
- live loop: the lab's worker (a real :class:`~dying_relu.lab.DeadNeuronLab`, widgets without a
  browser) training for ``--seconds``: steps per second and frames per second as the learner
  gets them, one redraw per epoch (8 steps).

    .venv/bin/python benchmarks/lab.py            # PASS/FAIL per budget, exit 0
    .venv/bin/python benchmarks/lab.py --strict   # exit 1 on any FAIL
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from dying_relu import lab  # noqa: E402
from dying_relu.widgets import frame_html  # noqa: E402


def redraw_times(config: lab.LabConfig, repeats: int, blit: bool) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``repeats`` redraws after 20 epochs of training."""
    run = lab.LabRun(config)
    for _ in range(20):
        run.advance(1)
    snap = run.snapshot()
    fig = lab.LabFigure(config.depth, blit=blit)
    fig.update(snap)
    frame_html(fig.png(), lab.describe(snap))  # warm-up (fonts, caches, the blitting background)
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fig.update(snap)
        frame_html(fig.png(), lab.describe(snap), width="840px")
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return wall, cpu


def steps_per_second(config: lab.LabConfig, epochs: int) -> tuple[float, float]:
    run = lab.LabRun(config)
    run.advance(1)
    w, c = time.perf_counter(), time.process_time()
    start = run.step
    for _ in range(epochs):
        run.advance(1)
    steps = run.step - start
    return steps / (time.perf_counter() - w), steps / (time.process_time() - c)


def live_loop(seconds: float) -> dict[str, float]:
    obj = lab.DeadNeuronLab(live=True, lr=0.5)  # a healthy run: it trains for the whole time
    frames0, steps0 = obj.frames, obj.run.step
    obj.train()
    w = time.perf_counter()
    time.sleep(seconds)
    obj.stop()
    elapsed = time.perf_counter() - w
    frames = obj.frames - frames0
    return {"steps/s": (obj.run.step - steps0) / elapsed, "frames/s": frames / elapsed,
            "redraw s (median in the loop)": statistics.median(obj.redraw_seconds[1:] or [0.0])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of the live-loop run")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a figure is over budget")
    args = parser.parse_args(argv)
    failed = 0
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores here; a loaded machine gives "
          "upper bounds)")
    print(f"{'redraw (one frame)':<44} {'median s':>9} {'best s':>8} {'cpu s':>7} {'budget':>7}  verdict")
    for name, cfg, blit, budget in (
        ("default: 3 x 16 relu (as the lab draws)", lab.LabConfig(), True, 0.3),
        ("default, full redraw (no blitting)", lab.LabConfig(), False, None),
        ("largest: 8 x 64 relu (as the lab draws)", lab.LabConfig(depth=8, width=64), True, None),
    ):
        wall, cpu = redraw_times(cfg, args.repeats, blit)
        med, best, c = statistics.median(wall), min(wall), statistics.median(cpu)
        verdict = "-" if budget is None else "PASS" if med <= budget else "FAIL"
        failed += verdict == "FAIL"
        print(f"{name:<44} {med:9.3f} {best:8.3f} {c:7.3f} {budget or '':>7}  {verdict}")
    print(f"\n{'training, no drawing':<44} {'steps/s':>9} {'cpu steps/s':>12}")
    for name, cfg in (("default: 3 x 16 relu, sgd", lab.LabConfig()),
                      ("largest: 8 x 64 relu, adam", lab.LabConfig(depth=8, width=64, optimizer="adam",
                                                                     lr=0.001))):
        sps, cps = steps_per_second(cfg, 40)
        print(f"{name:<44} {sps:9.0f} {cps:12.0f}")
    loop = live_loop(args.seconds)
    print(f"\nlive loop, default setting, one frame per epoch ({args.seconds:g} s):")
    for key, value in loop.items():
        print(f"  {key:<36} {value:8.3f}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
