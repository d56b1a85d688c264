"""Random generators for every experiment, with a seed offset for testing claims.

Every seeded generator in the library (weights, data, mini-batch order, Monte Carlo draws) comes
from :func:`rng`. With the environment variable ``DYING_RELU_SEED_OFFSET`` unset (or ``0``) it is
exactly ``numpy.random.default_rng(seed)``. Set to an integer ``k``, it shifts *every* seed by
``k``: the whole course then runs on other seeds, which is how the numeric-profile matrix checks
that a claim does not hold only for the seeds the text happened to pick (``make matrix``)::

    DYING_RELU_SEED_OFFSET=1000 make nbval

The offset is for testing. Library tests run without it (``make unit`` unsets it), because they
compare against hand-computed references drawn from fixed seeds.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["ENV", "offset", "rng", "shifted"]

ENV = "DYING_RELU_SEED_OFFSET"
_MOD = 2**63  # numpy seeds must be non-negative: any integer offset is taken modulo 2**63


def offset() -> int:
    """The seed offset from ``DYING_RELU_SEED_OFFSET`` (0 when unset or empty).

    Raises:
        ValueError: when the variable is set to something that is not an integer.
    """
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return 0
    try:
        return int(raw)
    except ValueError:
        raise ValueError(
            f"{ENV}={raw!r} is not an integer. Set it to a whole number such as 1000 "
            f"(every experiment's seeds are shifted by it), or unset it."
        ) from None


def shifted(seed: int) -> int:
    """``seed`` shifted by the offset (a valid numpy seed for any integer offset)."""
    k = offset()
    return int(seed) if k == 0 else (int(seed) + k) % _MOD


def rng(seed: int | None = None, generator: np.random.Generator | None = None) -> np.random.Generator:
    """A generator for ``seed`` (shifted by the offset), or ``generator`` itself if given.

    ``seed=None`` gives fresh, unseeded entropy (the offset does not apply).
    """
    if generator is not None:
        return generator
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer or None, got {seed!r} ({type(seed).__name__}).")
    return np.random.default_rng(shifted(seed))
