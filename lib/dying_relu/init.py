"""Weight and bias initialisers (introduced in Chapter 1, studied in Chapter 2).

A weight initialiser is a function ``init(fan_in, fan_out, rng, dtype) -> W`` returning an array of
shape ``(fan_in, fan_out)``. Use :func:`get` to turn a name (``"he"``, ``"glorot"``, ...) or a
variance scale (a float ``s`` meaning ``Var[W] = s / fan_in``) into one.

- He (Kaiming) normal: ``Var[W] = 2 / fan_in`` keeps the variance of ReLU pre-activations constant
  through depth (He et al. 2015).
- Glorot (Xavier) normal: ``Var[W] = 2 / (fan_in + fan_out)`` suits tanh and sigmoid (Glorot and
  Bengio 2010).
- PyTorch's default for ``nn.Linear`` (Chapter 5), ``"torch_default"``: ``kaiming_uniform_(a=sqrt(5))``,
  i.e. ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, a variance of ``1 / (3 fan_in)``, a sixth of He's;
  its biases are drawn from the same uniform (:func:`torch_default_bias`).
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
    "torch_default",
    "torch_default_bias",
    "torch_default_biases",
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


def torch_default(
    fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """PyTorch's default ``nn.Linear`` weights: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    That is what ``kaiming_uniform_(W, a=sqrt(5))`` draws: bound ``sqrt(6 / ((1 + a^2) fan_in))
    = 1 / sqrt(fan_in)``, variance ``1 / (3 fan_in)``, a sixth of He's ``2 / fan_in``. Shape
    ``(fan_in, fan_out)`` (PyTorch stores the transpose, ``(out_features, in_features)``).
    """
    _check_fans(fan_in, fan_out)
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)


def torch_default_bias(fan_in: int) -> Callable[[int, np.random.Generator, np.dtype], np.ndarray]:
    """A bias initialiser like PyTorch's ``nn.Linear``: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    The bias depends on the layer's ``fan_in``, which ``MLP``'s bias initialisers do not receive;
    use :func:`torch_default_biases` for a whole network.
    """
    fan_in = int(fan_in)
    if fan_in < 1:
        raise ValueError(f"fan_in must be >= 1, got {fan_in}.")
    bound = 1.0 / np.sqrt(fan_in)

    def init(fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        return rng.uniform(-bound, bound, int(fan_out)).astype(dtype)

    init.__name__ = f"torch_default_bias({fan_in})"
    return init


def torch_default_biases(sizes: list[int] | tuple[int, ...]) -> list:
    """One :func:`torch_default_bias` per layer of ``MLP(sizes)``, for a network initialised as
    PyTorch would: ``MLP(sizes, init="torch_default", bias=init.torch_default_biases(sizes))``."""
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {sizes}.")
    return [torch_default_bias(f) for f in sizes[:-1]]


_NAMED: dict[str, WeightInit] = {
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "glorot": glorot_normal,
    "glorot_normal": glorot_normal,
    "glorot_uniform": glorot_uniform,
    "xavier": glorot_normal,
    "lecun": lecun_normal,
    "torch_default": torch_default,
}


def get(spec: str | float | WeightInit) -> WeightInit:
    """Turn a name, a variance scale or a function into a weight initialiser.

    Args:
        spec: one of ``"he"``, ``"he_uniform"``, ``"glorot"``, ``"glorot_uniform"``, ``"lecun"``,
            ``"torch_default"``;
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
