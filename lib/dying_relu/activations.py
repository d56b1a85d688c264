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
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return x  # the common case, without asarray's and issubdtype's call overhead
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
# Speed (issue 7). Every formula is applied exactly as written below, element by element, so the
# results are bit for bit those of the plain numpy expressions (tests/test_performance_invariants.py
# checks it). Two things make it fast:
# - max(x, 0) and min(x, 0) are taken against an array of zeros instead of the scalar 0: numpy's
#   SIMD loops for maximum/minimum want two contiguous operands; with a scalar operand a slower
#   loop runs (on 1e7 float32, np.maximum(x, 0) takes about 1.5x a memory copy, against zeros
#   about 1.0x; on a 256 x 256 layer, 22 us -> 8 us);
# - on large arrays, formulas of several steps run block by block (_BLOCK elements at a time)
#   with temporaries of one block, so intermediate results stay in the CPU caches instead of
#   making extra passes over main memory (on 1e7 float32: ELU about 7x a copy -> 3.5x, leaky ReLU
#   2x -> 1.5x, the sigmoid's and tanh's derivatives about 40% faster). Measured on this
#   project's machines, blocking pays from about 2 million elements (_LARGE) where the arrays no
#   longer fit in the caches; below that the plain expressions are faster (less per-call
#   overhead). ELU blocks from one block up, as its max/min then run against the zeros.
#   Inputs that are not contiguous, that partly overlap the output, or that mix dtypes or
#   shapes take the plain expressions.
# ---------------------------------------------------------------------------------------------

_BLOCK = 1 << 18  # elements per block: 1 MB of float32, 2 MB of float64 (stays in L2/L3)
_LARGE = 1 << 21  # arrays larger than this are processed block by block
_ZEROS: dict[np.dtype, np.ndarray] = {}


def _zeros(dtype: np.dtype, n: int) -> np.ndarray:
    """A read-only 1-D array of ``n`` zeros of ``dtype`` (cached)."""
    z = _ZEROS.get(dtype)
    if z is None or len(z) < n:
        z = np.zeros(max(n, _BLOCK), dtype)
        z.flags.writeable = False
        _ZEROS[dtype] = z
    return z[:n]


def _zero_like(a: Any) -> np.ndarray | int:
    """The zero to compare ``a`` with: zeros shaped like ``a`` for a float array of at most one
    block (numpy's fast loop), else the scalar 0. Both give the same values, bit for bit."""
    if type(a) is not np.ndarray or a.dtype.kind != "f" or not 0 < a.size <= _BLOCK:
        return 0
    order = "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    return _zeros(a.dtype, a.size).reshape(a.shape, order=order)


def _flat(out: np.ndarray, *inputs: Any, above: int | None = None) -> list[np.ndarray] | None:
    """1-D views ``[out, *inputs]`` in memory order for the blocked path, or None.

    Only for arrays of more than ``above`` elements (default ``_LARGE``; never fewer than one
    block). Applies when all are numpy arrays of one shape and one native floating dtype,
    contiguous in the same order (C or Fortran), and no input overlaps ``out`` unless it *is*
    ``out`` (in place).
    """
    dt = out.dtype
    if out.size <= max(_LARGE if above is None else above, _BLOCK):
        return None
    if dt.kind != "f" or not dt.isnative:
        return None
    for a in inputs:
        if type(a) is not np.ndarray or a.dtype != dt or a.shape != out.shape:
            return None
    arrays = (out, *inputs)
    if all(a.flags.c_contiguous for a in arrays):
        flats = [a.reshape(-1) for a in arrays]
    elif all(a.flags.f_contiguous for a in arrays):
        flats = [a.T.reshape(-1) for a in arrays]
    else:
        return None
    o = flats[0]
    for a in flats[1:]:
        if np.may_share_memory(a, o) and (
            a.__array_interface__["data"][0] != o.__array_interface__["data"][0]
        ):
            return None
    return flats


def _blocked(kernel: Callable, flats: list[np.ndarray], temporaries: tuple = ()) -> None:
    """Run ``kernel(out_block, *input_blocks, *temporaries)`` over blocks of ``_BLOCK`` elements.

    ``temporaries`` lists the dtype of each scratch array (None: the output's dtype). A kernel must
    read its inputs before it writes the output block (which may be an input, in place).
    """
    out, *inputs = flats
    n = out.size
    size = min(n, _BLOCK)
    tmps = [np.empty(size, out.dtype if t is None else t) for t in temporaries]
    for start in range(0, n, size):
        stop = min(start + size, n)
        k = stop - start
        kernel(out[start:stop], *(a[start:stop] for a in inputs), *(t[:k] for t in tmps))


def _backward_out(g: Any, x: Any, out: np.ndarray | None, above: int | None = None) -> np.ndarray | None:
    """The output of a blocked backward rule: ``out``, or a new array like ``g``; None when the
    blocked path cannot apply (small or non-array input)."""
    if type(x) is not np.ndarray or x.size <= max(_LARGE if above is None else above, _BLOCK):
        return None
    if out is not None:
        return out
    return np.empty_like(g) if type(g) is np.ndarray else None


# ---------------------------------------------------------------------------------------------
# ReLU: max(x, 0).  One comparison per element; memory-bound.
# ---------------------------------------------------------------------------------------------


def relu(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """ReLU, ``max(x, 0)``: pass the input on if it is above zero, otherwise output zero."""
    x = _as_float(x)
    if out is None:
        if x.ndim == 0:
            return np.maximum(x, 0)
        out = np.empty_like(x)
    else:
        _out(x, out)
    flats = _flat(out, x, above=_BLOCK)
    if flats is None:
        return np.maximum(x, _zero_like(x), out=out)
    # rows of _BLOCK elements against one row of zeros, then the remainder
    o, xf = flats
    n = o.size
    whole = n - n % _BLOCK
    rows = (-1, _BLOCK)
    np.maximum(xf[:whole].reshape(rows), _zeros(o.dtype, _BLOCK), out=o[:whole].reshape(rows))
    if n > whole:
        np.maximum(xf[whole:], _zeros(o.dtype, n - whole), out=o[whole:])
    return out


def relu_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of ReLU: 1 where ``x > 0``, else 0 (0 at exactly 0)."""
    x = _as_float(x)
    out = _out(x, out)
    np.greater(x, 0, out=out)
    return out


def _relu_backward_kernel(o, gb, xb, mask):
    np.greater(xb, 0, out=mask)
    np.multiply(gb, mask, out=o)


def _relu_backward(g, x, y, out=None):
    # g * (x > 0); on large arrays the mask is made one block at a time (it stays in the cache)
    res = _backward_out(g, x, out)
    flats = None if res is None else _flat(res, g, x)
    if flats is None:
        return np.multiply(g, x > 0, out=out)
    _blocked(_relu_backward_kernel, flats, (np.bool_,))
    return res


# ---------------------------------------------------------------------------------------------
# Leaky ReLU: x for x > 0, alpha * x otherwise.
# ---------------------------------------------------------------------------------------------


def leaky_relu(x: np.ndarray, *, alpha: float = 0.01, out: np.ndarray | None = None) -> np.ndarray:
    """Leaky ReLU: ``x`` if ``x > 0`` else ``alpha * x``. For ``alpha <= 1`` this is ``max(x, a x)``."""
    x = _as_float(x)
    alpha = _check_alpha(alpha, "leaky_relu")
    out = _out(x, out)
    a = x.dtype.type(alpha)
    pick = np.maximum if alpha <= 1 else np.minimum
    flats = _flat(out, x)
    if flats is None:
        scaled = x * a if np.may_share_memory(out, x) else np.multiply(x, a, out=out)
        return pick(x, scaled, out=out)

    def kernel(o, xb, scaled):
        np.multiply(xb, a, out=scaled)
        pick(xb, scaled, out=o)

    _blocked(kernel, flats, (None,))
    return out


def leaky_relu_grad(
    x: np.ndarray, *, alpha: float = 0.01, out: np.ndarray | None = None
) -> np.ndarray:
    """Derivative of Leaky ReLU: 1 where ``x > 0``, else ``alpha`` (``alpha`` at exactly 0)."""
    x = _as_float(x)
    alpha = _check_alpha(alpha, "leaky_relu_grad")
    out = _out(x, out)
    t = x.dtype.type

    def kernel(o, xb, mask):
        np.greater(xb, 0, out=mask)
        np.multiply(mask, t(1 - alpha), out=o)
        o += t(alpha)

    flats = _flat(out, x)
    if flats is None:
        kernel(out, x, np.empty(x.shape, np.bool_))
    else:
        _blocked(kernel, flats, (np.bool_,))
    return out


def _make_leaky_backward(alpha: float):
    def kernel(o, gb, xb, mask, slope):
        t = o.dtype.type
        np.greater(xb, 0, out=mask)
        np.multiply(mask, t(1 - alpha), out=slope)
        slope += t(alpha)
        np.multiply(gb, slope, out=o)

    def backward(g, x, y, out=None):
        # g * ((x > 0) * (1 - alpha) + alpha)
        res = _backward_out(g, x, out)
        flats = None if res is None else _flat(res, g, x)
        if flats is None:
            t = x.dtype.type
            slope = np.multiply(x > 0, t(1 - alpha))
            slope += t(alpha)
            return np.multiply(g, slope, out=out)
        _blocked(kernel, flats, (np.bool_, None))
        return res

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
    a = x.dtype.type(alpha)

    def kernel(o, xb, neg, zero):
        np.minimum(xb, zero, out=neg)
        np.expm1(neg, out=neg)
        neg *= a
        np.maximum(xb, zero, out=o)
        o += neg

    flats = _flat(out, x, above=_BLOCK)
    if flats is None:
        kernel(out, x, np.empty_like(x), _zero_like(x))
    else:
        _blocked(lambda o, xb, neg: kernel(o, xb, neg, _zeros(o.dtype, len(o))), flats, (None,))
    return out


def elu_grad(x: np.ndarray, *, alpha: float = 1.0, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of ELU: 1 where ``x > 0``, else ``alpha * exp(x)`` (``alpha`` at exactly 0)."""
    x = _as_float(x)
    alpha = _check_alpha(alpha, "elu_grad")
    out = _out(x, out)
    a = x.dtype.type(alpha)

    def kernel(o, xb, mask, e, zero):
        np.greater(xb, 0, out=mask)  # first: out may be x itself
        np.minimum(xb, zero, out=e)
        np.exp(e, out=e)
        e *= a  # alpha * exp(min(x, 0)); equals alpha where x > 0
        # where x > 0 add (1 - e) to turn alpha into 1
        np.subtract(1, e, out=o)
        o *= mask
        o += e

    flats = _flat(out, x, above=_BLOCK)
    if flats is None:
        kernel(out, x, np.empty(x.shape, np.bool_), np.empty_like(x), _zero_like(x))
    else:
        _blocked(lambda o, xb, m, e: kernel(o, xb, m, e, _zeros(o.dtype, len(o))), flats,
                 (np.bool_, None))
    return out


def _make_elu_backward(alpha: float):
    def kernel(o, gb, xb, yb, mask, slope, step):
        t = o.dtype.type
        np.minimum(yb, _zeros(o.dtype, len(o)), out=slope)
        slope += t(alpha)
        np.greater(xb, 0, out=mask)
        np.multiply(mask, t(1 - alpha), out=step)
        slope += step
        np.multiply(gb, slope, out=o)

    def backward(g, x, y, out=None):
        # f'(x) = 1 for x > 0, alpha * exp(x) = y + alpha for x <= 0; branch-free:
        # g * (min(y, 0) + alpha + (x > 0) * (1 - alpha))
        res = _backward_out(g, x, out, above=_BLOCK)
        flats = None if res is None else _flat(res, g, x, y, above=_BLOCK)
        if flats is None:
            t = x.dtype.type
            slope = np.minimum(y, _zero_like(y))
            slope += t(alpha)
            slope += np.multiply(x > 0, t(1 - alpha))
            return np.multiply(g, slope, out=out)
        _blocked(kernel, flats, (np.bool_, None, None))
        return res

    return backward


# ---------------------------------------------------------------------------------------------
# Sigmoid: 1 / (1 + exp(-x)).  For x < -88 (float32) or -709 (float64) exp(-x) overflows to inf
# and 1 / (1 + inf) = 0 is the correctly rounded answer, so the overflow is expected and silenced
# locally; every other formula we tried was either slower or less accurate in the tails.
# ---------------------------------------------------------------------------------------------


def _sigmoid_kernel(o, xb):
    np.negative(xb, out=o)
    np.exp(o, out=o)
    o += 1
    np.divide(1, o, out=o)  # = np.reciprocal(o) bit for bit, but numpy's divide is SIMD (2x faster)


def sigmoid(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, values in (0, 1)."""
    x = _as_float(x)
    out = _out(x, out)
    flats = _flat(out, x)
    with np.errstate(over="ignore"):
        if flats is None:
            _sigmoid_kernel(out, x)
        else:
            _blocked(_sigmoid_kernel, flats)
    return out


def _sigmoid_grad_kernel(o, xb, e):
    np.abs(xb, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.add(e, 1, out=o)
    np.square(o, out=o)
    np.divide(e, o, out=o)


def sigmoid_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of the sigmoid, ``s (1 - s)``, at most 1/4 (at ``x = 0``).

    Computed as ``e / (1 + e)**2`` with ``e = exp(-|x|)``, accurate in both tails.
    """
    x = _as_float(x)
    out = _out(x, out)
    flats = _flat(out, x)
    if flats is None:
        _sigmoid_grad_kernel(out, x, np.empty_like(x))
    else:
        _blocked(_sigmoid_grad_kernel, flats, (None,))
    return out


def _sigmoid_backward_kernel(o, gb, yb, slope):
    np.subtract(1, yb, out=slope)
    slope *= yb
    np.multiply(gb, slope, out=o)


def _sigmoid_backward(g, x, y, out=None):
    # g * ((1 - y) * y)
    res = _backward_out(g, y, out)
    flats = None if res is None else _flat(res, g, y)
    if flats is None:
        slope = np.subtract(1, y)
        slope *= y
        return np.multiply(g, slope, out=out)
    _blocked(_sigmoid_backward_kernel, flats, (None,))
    return res


# ---------------------------------------------------------------------------------------------
# tanh.  numpy's tanh is vectorised (SIMD) and stable.
# ---------------------------------------------------------------------------------------------


def tanh(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Hyperbolic tangent, values in (-1, 1)."""
    x = _as_float(x)
    if out is not None:
        _out(x, out)
    return np.tanh(x, out=out)


def _tanh_grad_kernel(o, xb, e):
    np.abs(xb, out=e)
    e *= -2
    np.exp(e, out=e)
    np.add(e, 1, out=o)
    np.square(o, out=o)
    np.divide(e, o, out=o)
    o *= 4


def tanh_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of tanh, ``1 - tanh(x)**2``, at most 1 (at ``x = 0``).

    Computed as ``4 e / (1 + e)**2`` with ``e = exp(-2|x|)``, accurate in both tails.
    """
    x = _as_float(x)
    out = _out(x, out)
    flats = _flat(out, x)
    if flats is None:
        _tanh_grad_kernel(out, x, np.empty_like(x))
    else:
        _blocked(_tanh_grad_kernel, flats, (None,))
    return out


def _tanh_backward_kernel(o, gb, yb, slope):
    np.square(yb, out=slope)
    np.subtract(1, slope, out=slope)
    np.multiply(gb, slope, out=o)


def _tanh_backward(g, x, y, out=None):
    # g * (1 - y**2)
    res = _backward_out(g, y, out)
    flats = None if res is None else _flat(res, g, y)
    if flats is None:
        slope = np.square(y)
        np.subtract(1, slope, out=slope)
        return np.multiply(g, slope, out=out)
    _blocked(_tanh_backward_kernel, flats, (None,))
    return res


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
# PReLU (He et al. 2015; Chapter 4). As a plain function it is a Leaky ReLU with slope ``alpha``
# (0.25, He et al.'s starting value); inside a network (``nn.Dense``) every unit learns its own slope.
register(
    "prelu",
    leaky_relu,
    leaky_relu_grad,
    lambda alpha: _make_leaky_backward(alpha),
    {"alpha": 0.25},
)
