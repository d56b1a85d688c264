"""Timing with repeats: medians, spread, throughput and a memory-copy baseline (Chapter 1).

Timings vary from run to run and machine to machine, so every figure here is a median over
rounds with its interquartile range, and comparisons are *ratios taken within one round* (the
functions are interleaved), which cancels most of the machine's drift.

The hardware limit for an elementwise operation is a plain memory copy of the same array:
``np.copyto(dst, x)`` reads and writes every byte once. An operation that takes about as long as
the copy is *memory-bound*: its arithmetic is free.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Timing", "compare", "copy_baseline", "cpu_name", "time_call"]


@dataclass(frozen=True)
class Timing:
    """Summary of repeated timings of one function.

    Attributes:
        name: label.  seconds: every round's time per call (s).
        median, q25, q75: statistics of ``seconds`` (s).
        ratio_median, ratio_q25, ratio_q75: time relative to the baseline, per round (1.0 for the
            baseline itself; NaN if there is no baseline).
        nbytes: bytes read + written per call, if known (for throughput).
    """

    name: str
    seconds: np.ndarray
    ratios: np.ndarray
    nbytes: int | None = None

    @property
    def median(self) -> float:
        return float(np.median(self.seconds))

    @property
    def q25(self) -> float:
        return float(np.percentile(self.seconds, 25))

    @property
    def q75(self) -> float:
        return float(np.percentile(self.seconds, 75))

    @property
    def ratio_median(self) -> float:
        return float(np.median(self.ratios))

    @property
    def ratio_q25(self) -> float:
        return float(np.percentile(self.ratios, 25))

    @property
    def ratio_q75(self) -> float:
        return float(np.percentile(self.ratios, 75))

    @property
    def gbytes_per_s(self) -> float:
        """Throughput in GB/s (1e9 bytes), or NaN without ``nbytes``."""
        return float("nan") if self.nbytes is None else self.nbytes / self.median / 1e9

    def ns_per_element(self, n: int) -> float:
        """Median nanoseconds per element for an array of ``n`` elements."""
        return self.median / n * 1e9

    def __repr__(self) -> str:
        return (
            f"Timing({self.name}: median {self.median * 1e3:.3f} ms, "
            f"x{self.ratio_median:.2f} baseline)"
        )


def time_call(fn: Callable[[], object], number: int = 1) -> float:
    """Seconds per call of ``fn()``, averaged over ``number`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def compare(
    funcs: dict[str, Callable[[], object]],
    *,
    baseline: str | None = None,
    rounds: int = 15,
    number: int = 1,
    warmup: int = 1,
    nbytes: dict[str, int] | None = None,
) -> dict[str, Timing]:
    """Time several functions interleaved, round by round, and summarise them.

    Args:
        funcs: name -> zero-argument callable.
        baseline: the name whose time every ratio is relative to (within each round).
        rounds: number of rounds; each round times every function once (``number`` calls).
        warmup: untimed rounds first (page faults, caches, thread pools).
        nbytes: optional bytes moved per call, by name, for GB/s.

    Returns:
        name -> :class:`Timing`, in the order of ``funcs``.
    """
    if baseline is not None and baseline not in funcs:
        raise ValueError(f"baseline {baseline!r} is not one of {list(funcs)}.")
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}.")
    names = list(funcs)
    for _ in range(warmup):
        for name in names:
            funcs[name]()
    times = np.empty((rounds, len(names)))
    for r in range(rounds):
        for j, name in enumerate(names):
            times[r, j] = time_call(funcs[name], number)
    if baseline is None:
        ratios = np.full_like(times, np.nan)
    else:
        ratios = times / times[:, [names.index(baseline)]]
    nbytes = nbytes or {}
    return {
        name: Timing(name, times[:, j].copy(), ratios[:, j].copy(), nbytes.get(name))
        for j, name in enumerate(names)
    }


def copy_baseline(x: np.ndarray) -> tuple[Callable[[], object], int]:
    """A memory copy of ``x`` into a preallocated array, and the bytes it moves (read + write)."""
    dst = np.empty_like(x)

    def copy() -> None:
        np.copyto(dst, x)

    return copy, 2 * x.nbytes


def cpu_name() -> str:
    """The processor's model name (``/proc/cpuinfo`` on Linux), else what ``platform`` says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
