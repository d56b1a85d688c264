"""Issue 7's activation targets, measured: every ratio with its median, spread and PASS/FAIL.

    .venv/bin/python benchmarks/activation_targets.py            # 1e7 float32, 21 rounds
    .venv/bin/python benchmarks/activation_targets.py --clock cpu --rounds 41

Targets (float32 arrays of 1e7 elements, all timed interleaved in one process):

- ``relu(x, out=buf)``      <= 1.2x  ``np.copyto(dst, x)`` (the memory-bandwidth limit)
- ``relu(x, out=buf)``      <= 1.05x ``np.maximum(x, 0, out=buf)``
- ``relu(x)`` (allocating)  <= 1.1x  ``np.maximum(x, 0)``
- relu backward             <= 1.1x  ``np.multiply(g, x > 0, out=buf)``

Then the cost of every activation, derivative and backward rule as a ratio to a copy, and the
per-element comparisons Chapter 1 quotes (tanh, sigmoid, ELU relative to ReLU).

Method: each round calls every function once, in an order rotated from round to round; a ratio
is taken within a round (so drift of a loaded machine cancels) and summarised by its median and
interquartile range over rounds. ``--clock wall`` (default) times with ``time.perf_counter``;
``--clock cpu`` with the calling thread's CPU time, which is steadier when other processes share
the cores (numpy's elementwise functions run on one thread, so the two agree on an idle machine).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

import numpy as np

from dying_relu import activations as A

TARGETS = [
    # (label, numerator, denominator, limit)
    ("relu(x, out=buf) / np.copyto(dst, x)", "relu_out", "copy", 1.2),
    ("relu(x, out=buf) / np.maximum(x, 0, out=buf)", "relu_out", "np_max_out", 1.05),
    ("relu(x) / np.maximum(x, 0)  [both allocate]", "relu_alloc", "np_max_alloc", 1.1),
    ("relu backward / np.multiply(g, x > 0, out=buf)", "relu_backward", "np_mul_mask", 1.1),
]
CLAIMS = [
    # Chapter 1 quotes these per-element costs relative to ReLU (forward, float32).
    ("tanh / relu", "tanh_out", "relu_out", 1.1, 1.4),
    ("sigmoid / relu", "sigmoid_out", "relu_out", 2.5, 5.0),
    ("elu / relu", "elu_out", "relu_out", 5.0, 10.0),
]
NAMES = ["relu", "leaky_relu", "elu", "sigmoid", "tanh"]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    py = platform.python_version()
    return f"{cpu}, {os.cpu_count()} logical cores, Python {py}, numpy {np.__version__}"


def load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def functions(n: int, dtype: np.dtype, seed: int = 0) -> dict[str, Callable[[], object]]:
    """Zero-argument callables for every timed operation, on arrays of ``n`` elements."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n, dtype=np.float32).astype(dtype)
    g = rng.standard_normal(n, dtype=np.float32).astype(dtype)
    buf = np.empty_like(x)
    dst = np.empty_like(x)
    f = {
        "copy": lambda: np.copyto(dst, x),
        "np_max_out": lambda: np.maximum(x, 0, out=buf),
        "np_max_alloc": lambda: np.maximum(x, 0),
        "relu_alloc": lambda: A.relu(x),
        "np_mul_mask": lambda: np.multiply(g, x > 0, out=buf),
    }
    for name in NAMES:
        act = A.get(name)
        y = act(x)
        f[f"{name}_out"] = lambda act=act: act(x, out=buf)
        f[f"{name}_grad"] = lambda act=act: act.grad(x, out=buf)
        f[f"{name}_backward"] = lambda act=act, y=y: act.backward(g, x, y, out=buf)
    return f


def measure(funcs: dict[str, Callable[[], object]], rounds: int, clock: str) -> dict[str, np.ndarray]:
    """Seconds per call, shape (rounds,), per name; interleaved with a rotating order."""
    timer = time.thread_time if clock == "cpu" else time.perf_counter
    names = list(funcs)
    for name in names:  # warm-up: page faults, caches, lazy allocations
        funcs[name]()
    times = {name: np.empty(rounds) for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            start = timer()
            funcs[name]()
            times[name][r] = timer() - start
    return times


def ratio(times: dict[str, np.ndarray], a: str, b: str) -> tuple[float, float, float]:
    """Median and interquartile range of the per-round ratio time[a] / time[b]."""
    r = times[a] / times[b]
    q25, med, q75 = np.percentile(r, [25, 50, 75])
    return float(med), float(q25), float(q75)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=float, default=1e7, help="elements per array (default 1e7)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--rounds", type=int, default=21, help="interleaved rounds (default 21)")
    p.add_argument("--clock", default="wall", choices=["wall", "cpu"])
    p.add_argument("--strict", action="store_true", help="exit with status 1 if a target fails")
    args = p.parse_args(argv)
    n = int(args.n)

    print(f"Machine: {machine()}")
    print(f"Arrays: {n:.3g} x {args.dtype}; {args.rounds} rounds, {args.clock} clock; "
          f"load average before: {load()}")
    times = measure(functions(n, np.dtype(args.dtype)), args.rounds, args.clock)
    copy_ms = np.median(times["copy"]) * 1e3
    gbs = 2 * n * np.dtype(args.dtype).itemsize / np.median(times["copy"]) / 1e9
    print(f"np.copyto: {copy_ms:.2f} ms median ({gbs:.1f} GB/s read + write); "
          f"load average after: {load()}\n")

    print("Issue 7 targets (ratio: median [q25, q75] over rounds)")
    failed = 0
    for label, a, b, limit in TARGETS:
        med, q25, q75 = ratio(times, a, b)
        ok = med <= limit
        failed += not ok
        print(f"  {'PASS' if ok else 'FAIL'}  {label:50s} {med:5.2f} [{q25:.2f}, {q75:.2f}]  "
              f"target <= {limit}")

    print("\nCost relative to a copy (median [q25, q75]); forward and derivative write into out=")
    print(f"  {'':12s} {'forward':>18s} {'derivative':>18s} {'backward g*f(x)':>18s}")
    for name in NAMES:
        cells = []
        for kind in ("out", "grad", "backward"):
            med, q25, q75 = ratio(times, f"{name}_{kind}", "copy")
            cells.append(f"{med:5.2f} [{q25:.2f},{q75:.2f}]")
        print(f"  {name:12s} " + " ".join(f"{c:>18s}" for c in cells))
    med, q25, q75 = ratio(times, "np_max_out", "copy")
    print(f"  (numpy's own np.maximum(x, 0, out=buf): {med:.2f} [{q25:.2f}, {q75:.2f}] x copy)")

    print("\nChapter 1's per-element claims, forward relative to relu (informational)")
    for label, a, b, lo, hi in CLAIMS:
        med, q25, q75 = ratio(times, a, b)
        where = "inside" if lo <= med <= hi else "OUTSIDE"
        print(f"  {label:16s} {med:5.2f} [{q25:.2f}, {q75:.2f}]  {where} the quoted {lo}-{hi}x")
    print(f"\n{len(TARGETS) - failed} of {len(TARGETS)} targets met.")
    return 1 if (failed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
