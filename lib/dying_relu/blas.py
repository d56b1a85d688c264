"""BLAS thread control: the one place where the course decides how many threads numpy's BLAS uses.

Introduced in Chapter 4 and used by every chapter and experiment. The course's networks are small:
on them one BLAS thread is the fastest, and on a machine shared by several busy processes a matrix
product split over 2 threads waits for the slower thread and can take ten times longer. Two ways
to ask for it:

- :func:`blas_threads` ``(n)``, a context manager: ``n`` threads inside the ``with`` block, the
  previous setting restored after it (what the experiment functions use);
- :func:`pin_threads` ``(n)``: ``n`` threads from now on (what a chapter's hidden set-up cell
  calls once, after importing the library; unlike ``OPENBLAS_NUM_THREADS`` it works after numpy
  has been imported).

Both talk to OpenBLAS's own ``openblas_set_num_threads`` (found among the loaded libraries,
through ``ctypes``); where numpy uses another BLAS they change nothing and say so (they return or
yield False). :func:`thread_count` reads the current setting (None when unknown).

The thread count is part of the numeric profile: for large enough products OpenBLAS may sum in
another order with another number of threads, so the last bits of a result can change (measured:
a 700x300 by 300x500 float64 product differs by 4e-14). Pin the threads once, in the chapter's
set-up cell, and keep the number fixed; the experiment functions that pin inside their own body
(Chapter 4's) use one thread too.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
from collections.abc import Iterator

__all__ = ["blas_threads", "pin_threads", "thread_count"]


def _check_n(n: int) -> int:
    if isinstance(n, bool) or int(n) != n or int(n) < 1:
        raise ValueError(f"The number of BLAS threads must be an integer >= 1, got {n!r}.")
    return int(n)


@functools.lru_cache(maxsize=1)
def _openblas() -> tuple[object, object, object]:
    """``(library, get_num_threads, set_num_threads)`` of the loaded OpenBLAS, or three Nones."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        return None, None, None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_", ""):
            for suffix in ("64_", ""):
                get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
                set_ = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
                if get is not None and set_ is not None:
                    set_.argtypes = [ctypes.c_int]
                    return lib, get, set_
    return None, None, None


def thread_count() -> int | None:
    """OpenBLAS's current number of threads, or None where OpenBLAS is not found."""
    lib, get, _ = _openblas()
    return None if lib is None else int(get())


def pin_threads(n: int = 1) -> bool:
    """Use ``n`` BLAS threads from now on; returns whether that was possible (OpenBLAS found)."""
    n = _check_n(n)
    lib, _, set_ = _openblas()
    if lib is None:
        return False
    set_(n)
    return True


@contextlib.contextmanager
def blas_threads(n: int = 1) -> Iterator[bool]:
    """Temporarily limit numpy's OpenBLAS to ``n`` threads; yields whether that was possible.

    The previous setting is restored on leaving the block (also after an exception). Does nothing
    (and yields False) where OpenBLAS is not available.
    """
    n = _check_n(n)
    lib, get, set_ = _openblas()
    if lib is None:
        yield False
        return
    old = int(get())
    set_(n)
    try:
        yield True
    finally:
        set_(old)
