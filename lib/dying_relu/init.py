"""Weight and bias initialisers (introduced in Chapter 1, studied in Chapter 2).

A weight initialiser is a function ``init(fan_in, fan_out, rng, dtype) -> W`` returning an array of
shape ``(fan_in, fan_out)``. Use :func:`get` to turn a name (``"he"``, ``"glorot"``, ...) or a
variance scale (a float ``s`` meaning ``Var[W] = s / fan_in``) into one.

- He (Kaiming) normal: ``Var[W] = 2 / fan_in`` keeps the variance of ReLU pre-activations constant
  through depth (He et al. 2015).
- Glorot (Xavier) normal: ``Var[W] = 2 / (fan_in + fan_out)`` suits tanh and sigmoid (Glorot and
  Bengio 2010).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "WeightInit",
    "constant_bias",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "scaled_normal",
]

WeightInit = Callable[[int, int, np.random.Generator, np.dtype], np.ndarray]


def _check_fans(fan_in: int, fan_out: int) -> None:
    if int(fan_in) < 1 or int(fan_out) < 1:
        raise ValueError(f"fan_in and fan_out must be >= 1, got {fan_in} and {fan_out}.")


def scaled_normal(scale: float) -> WeightInit:
    """Gaussian weights with ``Var[W] = scale / fan_in`` (He is ``scale = 2``, LeCun ``scale = 1``)."""
    scale = float(scale)
    if not np.isfinite(scale) or scale < 0:
        raise ValueError(f"A weight variance scale must be a finite number >= 0, got {scale}.")

    def init(fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        _check_fans(fan_in, fan_out)
        std = np.sqrt(scale / fan_in)
        return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)

    init.__name__ = f"scaled_normal({scale:g})"
    return init


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """He normal: ``N(0, 2 / fan_in)``; shape ``(fan_in, fan_out)``."""
    return scaled_normal(2.0)(fan_in, fan_out, rng, dtype)


def lecun_normal(
    fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """LeCun normal: ``N(0, 1 / fan_in)``; half He's variance."""
    return scaled_normal(1.0)(fan_in, fan_out, rng, dtype)


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """He uniform: ``U(-l, l)`` with ``l = sqrt(6 / fan_in)`` (variance ``2 / fan_in``)."""
    _check_fans(fan_in, fan_out)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


def glorot_normal(
    fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """Glorot (Xavier) normal: ``N(0, 2 / (fan_in + fan_out))``."""
    _check_fans(fan_in, fan_out)
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)


def glorot_uniform(
    fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """Glorot (Xavier) uniform: ``U(-l, l)`` with ``l = sqrt(6 / (fan_in + fan_out))``."""
    _check_fans(fan_in, fan_out)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


_NAMED: dict[str, WeightInit] = {
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "glorot": glorot_normal,
    "glorot_normal": glorot_normal,
    "glorot_uniform": glorot_uniform,
    "xavier": glorot_normal,
    "lecun": lecun_normal,
}


def get(spec: str | float | WeightInit) -> WeightInit:
    """Turn a name, a variance scale or a function into a weight initialiser.

    Args:
        spec: one of ``"he"``, ``"he_uniform"``, ``"glorot"``, ``"glorot_uniform"``, ``"lecun"``;
            a float ``s`` for ``Var[W] = s / fan_in``; or a callable
            ``(fan_in, fan_out, rng, dtype) -> W``.
    """
    if callable(spec):
        return spec
    if isinstance(spec, str):
        if spec not in _NAMED:
            raise ValueError(
                f"Unknown weight initialiser {spec!r}. Known: {', '.join(sorted(_NAMED))}, "
                "a float s (variance s / fan_in), or a function (fan_in, fan_out, rng, dtype) -> W."
            )
        return _NAMED[spec]
    if isinstance(spec, int | float | np.floating | np.integer):
        return scaled_normal(float(spec))
    raise TypeError(f"Cannot make a weight initialiser from {spec!r}.")


def constant_bias(value: float) -> Callable[[int, np.random.Generator, np.dtype], np.ndarray]:
    """A bias initialiser returning ``value`` for every unit, e.g. 0.01 or -1.0."""
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"A bias value must be finite, got {value}.")

    def init(fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        return np.full(fan_out, value, dtype=dtype)

    init.__name__ = f"constant_bias({value:g})"
    return init
