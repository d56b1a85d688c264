"""Activation functions and their derivatives (introduced in Chapter 1).

Every function takes an array ``x`` of any shape and returns an array of the same shape and
floating dtype (integer input is promoted to float64). Each accepts ``out=``, a preallocated array
of the same shape and dtype to write into, which is then also returned.

The derivative at exactly 0 takes the value of the *negative* side, as PyTorch does:
``relu_grad(0) == 0``, ``leaky_relu_grad(0) == alpha``, ``elu_grad(0) == alpha``.

The formulas are numerically stable: finite results and no floating-point warnings for inputs up
to +-1e4 in float32 and float64.

Besides ``f`` and ``f_grad`` (the local derivative f'(x)), each activation has a *backward* rule
used by the network: given the upstream gradient ``g = dL/dy``, the input ``x`` and the output
``y = f(x)``, return ``dL/dx = g * f'(x)``. For ReLU this is the single line
``g * (x > 0)``: where a unit's input is negative, no gradient passes. That line is the whole
dying-ReLU mechanism.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Activation",
    "available",
    "elu",
    "elu_grad",
    "get",
    "identity",
    "identity_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "register",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
]


def _as_float(x: Any) -> np.ndarray:
    """Return ``x`` as a floating-point array (float input unchanged, anything else float64)."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return x


def _out(x: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """Validate a user-supplied output buffer, or allocate one like ``x``."""
    if out is None:
        return np.empty_like(x)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out= must be a numpy array, got {type(out).__name__}.")
    if out.shape != x.shape or out.dtype != x.dtype:
        raise ValueError(
            f"out= must have the input's shape and dtype: input is {x.shape} {x.dtype}, "
            f"out is {out.shape} {out.dtype}. Allocate it with np.empty_like(x)."
        )
    return out


def _check_alpha(alpha: float, name: str) -> float:
    alpha = float(alpha)
    if not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"{name}: alpha must be a finite number >= 0, got {alpha}.")
    return alpha


# ---------------------------------------------------------------------------------------------
# ReLU: max(x, 0).  One comparison per element; memory-bound.
# ---------------------------------------------------------------------------------------------


def relu(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """ReLU, ``max(x, 0)``: pass the input on if it is above zero, otherwise output zero."""
    x = _as_float(x)
    if out is not None:
        _out(x, out)
    return np.maximum(x, 0, out=out)


def relu_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of ReLU: 1 where ``x > 0``, else 0 (0 at exactly 0)."""
    x = _as_float(x)
    out = _out(x, out)
    np.greater(x, 0, out=out)
    return out


def _relu_backward(g, x, y, out=None):
    return np.multiply(g, x > 0, out=out)


# ---------------------------------------------------------------------------------------------
# Leaky ReLU: x for x > 0, alpha * x otherwise.
# ---------------------------------------------------------------------------------------------


def leaky_relu(x: np.ndarray, *, alpha: float = 0.01, out: np.ndarray | None = None) -> np.ndarray:
    """Leaky ReLU: ``x`` if ``x > 0`` else ``alpha * x``. For ``alpha <= 1`` this is ``max(x, a x)``."""
    x = _as_float(x)
    alpha = _check_alpha(alpha, "leaky_relu")
    out = _out(x, out)
    if np.shares_memory(out, x):
        scaled = x * x.dtype.type(alpha)
    else:
        scaled = np.multiply(x, x.dtype.type(alpha), out=out)
    if alpha <= 1:
        return np.maximum(x, scaled, out=out)
    return np.minimum(x, scaled, out=out)


def leaky_relu_grad(
    x: np.ndarray, *, alpha: float = 0.01, out: np.ndarray | None = None
) -> np.ndarray:
    """Derivative of Leaky ReLU: 1 where ``x > 0``, else ``alpha`` (``alpha`` at exactly 0)."""
    x = _as_float(x)
    alpha = _check_alpha(alpha, "leaky_relu_grad")
    out = _out(x, out)
    mask = x > 0
    np.multiply(mask, x.dtype.type(1 - alpha), out=out)
    out += x.dtype.type(alpha)
    return out


def _make_leaky_backward(alpha: float):
    def backward(g, x, y, out=None):
        slope = np.multiply(x > 0, x.dtype.type(1 - alpha))
        slope += x.dtype.type(alpha)
        return np.multiply(g, slope, out=out)

    return backward


# ---------------------------------------------------------------------------------------------
# ELU: x for x > 0, alpha * (exp(x) - 1) otherwise.  Written branch-free as
#   max(x, 0) + alpha * expm1(min(x, 0)),
# which never evaluates exp of a positive number (no overflow) and avoids np.where.
# ---------------------------------------------------------------------------------------------


def elu(x: np.ndarray, *, alpha: float = 1.0, out: np.ndarray | None = None) -> np.ndarray:
    """ELU: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)`` (Clevert et al. 2015)."""
    x = _as_float(x)
    alpha = _check_alpha(alpha, "elu")
    out = _out(x, out)
    neg = np.minimum(x, 0)
    np.expm1(neg, out=neg)
    neg *= x.dtype.type(alpha)
    np.maximum(x, 0, out=out)
    out += neg
    return out


def elu_grad(x: np.ndarray, *, alpha: float = 1.0, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of ELU: 1 where ``x > 0``, else ``alpha * exp(x)`` (``alpha`` at exactly 0)."""
    x = _as_float(x)
    alpha = _check_alpha(alpha, "elu_grad")
    out = _out(x, out)
    e = np.minimum(x, 0)
    np.exp(e, out=e)
    e *= x.dtype.type(alpha)  # alpha * exp(min(x, 0)); equals alpha where x > 0
    # where x > 0 add (1 - e) to turn alpha into 1
    np.subtract(1, e, out=out)
    out *= x > 0
    out += e
    return out


def _make_elu_backward(alpha: float):
    def backward(g, x, y, out=None):
        # f'(x) = 1 for x > 0, alpha * exp(x) = y + alpha for x <= 0; branch-free:
        slope = np.minimum(y, 0)
        slope += x.dtype.type(alpha)
        slope += np.multiply(x > 0, x.dtype.type(1 - alpha))
        return np.multiply(g, slope, out=out)

    return backward


# ---------------------------------------------------------------------------------------------
# Sigmoid: 1 / (1 + exp(-x)).  For x < -88 (float32) or -709 (float64) exp(-x) overflows to inf
# and 1 / (1 + inf) = 0 is the correctly rounded answer, so the overflow is expected and silenced
# locally; every other formula we tried was either slower or less accurate in the tails.
# ---------------------------------------------------------------------------------------------


def sigmoid(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, values in (0, 1)."""
    x = _as_float(x)
    out = _out(x, out)
    with np.errstate(over="ignore"):
        np.negative(x, out=out)
        np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out


def sigmoid_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of the sigmoid, ``s (1 - s)``, at most 1/4 (at ``x = 0``).

    Computed as ``e / (1 + e)**2`` with ``e = exp(-|x|)``, accurate in both tails.
    """
    x = _as_float(x)
    out = _out(x, out)
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.add(e, 1, out=out)
    np.square(out, out=out)
    np.divide(e, out, out=out)
    return out


def _sigmoid_backward(g, x, y, out=None):
    slope = np.subtract(1, y)
    slope *= y
    return np.multiply(g, slope, out=out)


# ---------------------------------------------------------------------------------------------
# tanh.  numpy's tanh is vectorised (SIMD) and stable.
# ---------------------------------------------------------------------------------------------


def tanh(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Hyperbolic tangent, values in (-1, 1)."""
    x = _as_float(x)
    if out is not None:
        _out(x, out)
    return np.tanh(x, out=out)


def tanh_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of tanh, ``1 - tanh(x)**2``, at most 1 (at ``x = 0``).

    Computed as ``4 e / (1 + e)**2`` with ``e = exp(-2|x|)``, accurate in both tails.
    """
    x = _as_float(x)
    out = _out(x, out)
    e = np.abs(x)
    e *= -2
    np.exp(e, out=e)
    np.add(e, 1, out=out)
    np.square(out, out=out)
    np.divide(e, out, out=out)
    out *= 4
    return out


def _tanh_backward(g, x, y, out=None):
    slope = np.square(y)
    np.subtract(1, slope, out=slope)
    return np.multiply(g, slope, out=out)


# ---------------------------------------------------------------------------------------------
# identity (the output layer of a network)
# ---------------------------------------------------------------------------------------------


def identity(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """The identity ``f(x) = x`` (used for a network's output layer)."""
    x = _as_float(x)
    out = _out(x, out)
    np.copyto(out, x)
    return out


def identity_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of the identity: 1 everywhere."""
    x = _as_float(x)
    out = _out(x, out)
    out.fill(1)
    return out


def _identity_backward(g, x, y, out=None):
    if out is None:
        return g
    np.copyto(out, g)
    return out


# ---------------------------------------------------------------------------------------------
# The registry: get("leaky_relu", alpha=0.1)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """An activation with its parameters bound.

    Attributes:
        name: registry name, e.g. ``"leaky_relu"``.
        params: the bound keyword parameters, e.g. ``{"alpha": 0.1}``.

    Call it like a function (``act(x, out=None)``); ``act.grad(x)`` is the local derivative and
    ``act.backward(g, x, y, out=None)`` returns ``g * f'(x)`` given the output ``y = f(x)``.
    """

    name: str
    params: dict = field(default_factory=dict)
    _forward: Callable = field(default=None, repr=False, compare=False)
    _grad: Callable = field(default=None, repr=False, compare=False)
    _backward: Callable = field(default=None, repr=False, compare=False)

    def __call__(self, x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        return self._forward(x, out=out, **self.params)

    def grad(self, x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        """Local derivative f'(x), same shape and dtype as ``x``."""
        return self._grad(x, out=out, **self.params)

    def backward(
        self, g: np.ndarray, x: np.ndarray, y: np.ndarray, *, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Chain rule through the activation: ``g * f'(x)``, using ``y = f(x)`` when cheaper."""
        return self._backward(g, x, y, out)

    @property
    def label(self) -> str:
        """A short human-readable label such as ``leaky_relu(alpha=0.1)``."""
        if not self.params:
            return self.name
        inner = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.name}({inner})"

    def __repr__(self) -> str:
        return f"Activation({self.label})"


@dataclass(frozen=True)
class _Entry:
    forward: Callable
    grad: Callable
    make_backward: Callable  # (**params) -> backward
    defaults: dict


_REGISTRY: dict[str, _Entry] = {}


def register(
    name: str,
    forward: Callable,
    grad: Callable,
    make_backward: Callable[..., Callable],
    defaults: dict | None = None,
) -> None:
    """Add an activation to the registry.

    Args:
        name: the name ``get`` will accept.
        forward: ``forward(x, *, out=None, **params)``.
        grad: ``grad(x, *, out=None, **params)``, the local derivative.
        make_backward: ``make_backward(**params)`` returning ``backward(g, x, y, out)``.
        defaults: default values of the keyword parameters (e.g. ``{"alpha": 0.01}``).
    """
    _REGISTRY[name] = _Entry(forward, grad, make_backward, dict(defaults or {}))


def available() -> list[str]:
    """Names accepted by :func:`get`, sorted."""
    return sorted(_REGISTRY)


def get(name: str | Activation, **params: float) -> Activation:
    """Look up an activation by name, binding parameters: ``get("leaky_relu", alpha=0.1)``.

    An :class:`Activation` passed in is returned unchanged (so APIs can accept either).

    Raises:
        ValueError: unknown name (the message lists the known ones) or an unknown parameter.
    """
    if isinstance(name, Activation):
        if params:
            raise ValueError("get(): pass parameters with a name, not with an Activation object.")
        return name
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(
            f"Unknown activation {name!r}. Known activations: {', '.join(available())}. "
            "Check the spelling, or add yours with dying_relu.activations.register()."
        )
    entry = _REGISTRY[name]
    unknown = set(params) - set(entry.defaults)
    if unknown:
        allowed = ", ".join(entry.defaults) or "none"
        raise ValueError(
            f"Activation {name!r} has no parameter(s) {', '.join(sorted(unknown))}; "
            f"its parameters are: {allowed}."
        )
    bound = {**entry.defaults, **{k: float(v) for k, v in params.items()}}
    for key, value in bound.items():
        if key == "alpha":
            _check_alpha(value, name)
    return Activation(name, bound, entry.forward, entry.grad, entry.make_backward(**bound))


register("relu", relu, relu_grad, lambda: _relu_backward)
register(
    "leaky_relu",
    leaky_relu,
    leaky_relu_grad,
    lambda alpha: _make_leaky_backward(alpha),
    {"alpha": 0.01},
)
register("elu", elu, elu_grad, lambda alpha: _make_elu_backward(alpha), {"alpha": 1.0})
register("sigmoid", sigmoid, sigmoid_grad, lambda: _sigmoid_backward)
register("tanh", tanh, tanh_grad, lambda: _tanh_backward)
register("identity", identity, identity_grad, lambda: _identity_backward)
