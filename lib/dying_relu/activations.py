"""Activation functions and their derivatives (introduced in Chapter 1).

Every function takes an array ``x`` of any shape and returns an array of the same shape and
floating dtype (integer input is promoted to float64). Each accepts ``out=``, a preallocated array
of the same shape and dtype to write into, which is then also returned.

The derivative at exactly 0 takes the value of the *negative* side, as PyTorch does:
``relu_grad(0) == 0``, ``leaky_relu_grad(0) == alpha``, ``elu_grad(0) == alpha``.

Modern activations (Chapter 5): ``gelu`` (exact, ``x Phi(x)``; ``approximate="tanh"`` for the tanh
form), ``silu`` (Swish, ``x sigmoid(x)``), ``mish`` (``x tanh(softplus(x))``), ``selu`` (scaled ELU
with Klambauer et al.'s constants) and ``softplus`` (``log(1 + exp(x))``). They have no exactly-zero
gradient, but for large negative inputs it is tiny: see ``diagnostics.effectively_dead_mask``.
numpy has no ``erf``, so :func:`erf`, :func:`erfc` and :func:`norm_cdf` here implement W. J. Cody's
rational Chebyshev approximations (Math. Comp. 23, 1969), accurate to about 1e-15 relative in
float64 (tested against ``math.erf``/``math.erfc`` on a grid).

The formulas are numerically stable: finite results and no floating-point warnings for inputs up
to +-1e4 in float32 and float64 (with numpy's default error handling; underflow to 0, which numpy
ignores by default, is the correctly rounded result in the far tails).

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
    "erf",
    "erfc",
    "gelu",
    "gelu_grad",
    "get",
    "identity",
    "identity_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "max_abs_grad",
    "mish",
    "mish_grad",
    "norm_cdf",
    "register",
    "relu",
    "relu_grad",
    "selu",
    "selu_grad",
    "sigmoid",
    "sigmoid_grad",
    "silu",
    "silu_grad",
    "softplus",
    "softplus_grad",
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
# Modern activations (Chapter 5): GELU, SiLU, Mish, SELU, softplus.
#
# Shared machinery: each function is a kernel ``kernel(o, *input_blocks, *scratch)`` run either on
# the whole array (small or awkward inputs) or block by block (large contiguous arrays, see the
# speed notes above). A kernel computes into its scratch arrays and writes ``o`` last, so ``out=``
# may be the input itself. Coefficients are Python floats, so float32 input is computed in float32.
# ---------------------------------------------------------------------------------------------


def _apply(kernel: Callable, out: np.ndarray, inputs: tuple, temporaries: tuple) -> np.ndarray:
    """Run ``kernel(out, *inputs, *scratch)`` whole or block by block; return ``out``.

    ``temporaries`` lists the dtype of each scratch array (None: the output's dtype); scratch
    arrays have the shape of the last input (``x``).
    """
    flats = _flat(out, *inputs)
    if flats is None:
        shape = np.shape(inputs[-1])
        tmps = [np.empty(shape, out.dtype if t is None else t) for t in temporaries]
        kernel(out, *inputs, *tmps)
    else:
        _blocked(kernel, flats, temporaries)
    return out


def _backward_buffer(g: Any, x: np.ndarray, out: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``(g, out)`` for a backward rule: ``g`` as an array, ``out`` validated or allocated."""
    g = np.asarray(g)
    if out is None:
        out = np.empty(np.broadcast_shapes(g.shape, x.shape), np.result_type(g.dtype, x.dtype))
    return g, out


def _horner(coefs: tuple[float, ...], y: np.ndarray, out: np.ndarray, monic: bool = False) -> np.ndarray:
    """``out = c0 y^k + c1 y^(k-1) + ... + ck`` (``monic``: a leading 1 before ``c0``)."""
    if monic:
        np.add(y, coefs[0], out=out)
        rest = coefs[1:]
    else:
        np.multiply(y, coefs[0], out=out)
        out += coefs[1]
        rest = coefs[2:]
    for c in rest:
        out *= y
        out += c
    return out


# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
# the coefficient sets of Netlib's specfun CALERF, written highest degree first for _horner.
# Region 1, |u| <= 0.46875:  erf(u) = u * A(u^2) / B(u^2)
_CODY_A = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
           3.77485237685302021e02, 3.20937758913846947e03)
_CODY_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
           2.84423683343917062e03)  # monic
# Region 2, 0.46875 < u <= 4:  erfc(u) = exp(-u^2) * C(u) / D(u)
_CODY_C = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
           6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
           1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_CODY_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)  # monic
# Region 3, u > 4, z = 1/u^2:  erfc(u) = exp(-u^2) / u * (1/sqrt(pi) - z P(z) / Q(z))
_CODY_P = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
           1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_CODY_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)  # monic
_CODY_THRESH = 0.46875
_INV_SQRT_PI = 0.56418958354775628695
_SQRT1_2 = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794


def _cody(u, e, erfc_out, erf_small, small, t, num, den) -> None:
    """For ``u >= 0`` and ``e = exp(-u^2)``: ``erfc_out = erfc(u)`` everywhere, ``erf_small =
    erf(min(u, 0.46875))`` (accurate where ``small = u <= 0.46875``, which it also fills).

    Every region is evaluated on ``u`` clipped to its interval (no overflow, no division by 0)
    and the right one is selected; region 3 (``u > 4``, rare for pre-activations) on its
    elements only.
    """
    # region 1 (erf near 0)
    np.minimum(u, _CODY_THRESH, out=t)
    np.multiply(t, t, out=den)  # den holds z = t^2 for a moment
    _horner(_CODY_A, den, num)
    num *= t
    np.copyto(t, den)
    _horner(_CODY_B, t, den, monic=True)
    np.divide(num, den, out=erf_small)
    # region 2 (erfc(u) / exp(-u^2) is a rational in u)
    np.clip(u, _CODY_THRESH, 4.0, out=t)
    _horner(_CODY_C, t, num)
    _horner(_CODY_D, t, den, monic=True)
    np.divide(num, den, out=erfc_out)
    erfc_out *= e
    # region 3 (asymptotic), only where u > 4
    np.greater(u, 4.0, out=small)
    if small.any():
        ub = u[small]
        z = 1.0 / (ub * ub)
        r = z * _horner(_CODY_P, z, np.empty_like(z)) / _horner(_CODY_Q, z, np.empty_like(z), monic=True)
        erfc_out[small] = e[small] * ((_INV_SQRT_PI - r) / ub)
    # region 1 selected arithmetically (a masked ufunc loop is about 30x slower on random masks):
    # erfc_out += small * ((1 - erf_small) - erfc_out). Where small, both terms lie in [0.5, 1], so
    # the difference is exact (Sterbenz) and the sum gives 1 - erf_small exactly; elsewhere + 0.
    np.less_equal(u, _CODY_THRESH, out=small)
    np.subtract(1.0, erf_small, out=t)
    t -= erfc_out
    t *= small
    erfc_out += t


def _erf_kernel(o, xb, u, e, ec, es, small, t, num, den) -> None:
    np.abs(xb, out=u)
    np.square(u, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    _cody(u, e, ec, es, small, t, num, den)
    # erf(|x|) = 1 - erfc(|x|) outside region 1; then restore the sign
    np.subtract(1.0, ec, out=ec)
    np.copyto(ec, es, where=small)
    np.copysign(ec, xb, out=o)


def _erfc_kernel(o, xb, u, e, ec, es, small, t, num, den) -> None:
    np.abs(xb, out=u)
    np.square(u, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    _cody(u, e, ec, es, small, t, num, den)
    np.less(xb, 0, out=small)
    np.subtract(2.0, ec, out=ec, where=small)  # erfc(-u) = 2 - erfc(u)
    np.copyto(o, ec)


_ERF_TEMPS = (None, None, None, None, np.bool_, None, None, None)


def erf(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """The error function ``erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt``, values in [-1, 1].

    numpy has none, so this is W. J. Cody's rational Chebyshev approximation (1969), vectorised:
    maximum relative error about 2e-16 in float64 against ``math.erf`` on a grid over [-8, 8]
    (``tests/test_modern_activations.py``); in float32 it is computed in float32 (about 1e-7).
    """
    x = _as_float(x)
    out = _out(x, out)
    with np.errstate(under="ignore"):
        return _apply(_erf_kernel, out, (x,), _ERF_TEMPS)


def erfc(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """The complementary error function ``1 - erf(x)``, accurate also where it is tiny (``x`` up
    to about 26.5 in float64, where it underflows to 0): relative error about 1e-15 in float64
    against ``math.erfc``. Same method as :func:`erf`."""
    x = _as_float(x)
    out = _out(x, out)
    with np.errstate(under="ignore"):
        return _apply(_erfc_kernel, out, (x,), _ERF_TEMPS)


def _norm_cdf_parts(xb, cdf, e, u, es, small, t, num, den) -> None:
    """``cdf = Phi(x)`` (standard normal CDF, accurate in both tails) and ``e = exp(-x^2 / 2)``."""
    np.abs(xb, out=u)
    u *= _SQRT1_2
    np.square(u, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    _cody(u, e, cdf, es, small, t, num, den)
    cdf *= 0.5  # Phi(-|x|) = erfc(|x| / sqrt 2) / 2: no cancellation in the left tail
    # Phi(x) = 1 - Phi(-x) for x > 0, selected arithmetically: cdf += (x > 0) * (1 - 2 cdf)
    np.greater(xb, 0, out=small)
    np.multiply(cdf, -2.0, out=t)
    t += 1.0
    t *= small
    cdf += t


_CDF_TEMPS = (None, None, None, None, np.bool_, None, None, None)


def norm_cdf(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """The standard normal CDF ``Phi(x) = (1 + erf(x / sqrt 2)) / 2``, computed as
    ``erfc(-x / sqrt 2) / 2`` so that the left tail keeps its relative accuracy (about 1e-15 in
    float64; ``Phi(-30)`` is 4.9e-198, not 0)."""
    x = _as_float(x)
    out = _out(x, out)

    def kernel(o, xb, cdf, *rest):
        _norm_cdf_parts(xb, cdf, *rest)
        np.copyto(o, cdf)

    with np.errstate(under="ignore"):
        return _apply(kernel, out, (x,), _CDF_TEMPS)


# -- GELU (Hendrycks and Gimpel 2016): x Phi(x); its derivative Phi(x) + x phi(x). -------------
# tanh form (as in BERT / GPT-2 and PyTorch's approximate="tanh"):
#   0.5 x (1 + tanh(k (x + 0.044715 x^3))),  k = sqrt(2 / pi),
# written as x * sigmoid(2 k (x + 0.044715 x^3)), the same function without 1 + tanh's cancellation
# in the left tail.

_GELU_K = 0.79788456080286535588  # sqrt(2 / pi)
_GELU_C = 0.044715
_GELU_FORMS = ("none", "tanh")


def _check_approximate(approximate: str) -> str:
    if approximate not in _GELU_FORMS:
        raise ValueError(
            f"gelu: approximate must be 'none' (the exact x * Phi(x)) or 'tanh' (the tanh "
            f"approximation), as in PyTorch; got {approximate!r}."
        )
    return approximate


def _gelu_exact_kernel(o, xb, cdf, *rest):
    _norm_cdf_parts(xb, cdf, *rest)
    np.multiply(xb, cdf, out=o)


def _gelu_exact_grad_kernel(o, xb, cdf, e, *rest):
    _norm_cdf_parts(xb, cdf, e, *rest)
    e *= xb
    e *= _INV_SQRT_2PI  # x phi(x)
    np.add(cdf, e, out=o)


def _gelu_tanh_arg(xb, a):
    """``a = 2 k (x + 0.044715 x^3)``."""
    np.square(xb, out=a)
    a *= _GELU_C
    a += 1.0
    a *= xb
    a *= 2 * _GELU_K


def _gelu_tanh_kernel(o, xb, a):
    _gelu_tanh_arg(xb, a)
    _sigmoid_kernel(a, a)
    np.multiply(xb, a, out=o)


def _gelu_tanh_grad_kernel(o, xb, a, s, d):
    # d/dx [x s(a)] = s(a) + x s(a) (1 - s(a)) a'(x),  a' = 2 k (1 + 3 * 0.044715 x^2)
    _gelu_tanh_arg(xb, a)
    _sigmoid_grad_kernel(s, a, d)  # s(a)(1 - s(a)), accurate in both tails
    _sigmoid_kernel(a, a)
    np.square(xb, out=d)
    d *= 3 * _GELU_C
    d += 1.0
    d *= 2 * _GELU_K
    d *= xb
    d *= s
    np.add(a, d, out=o)


def gelu(x: np.ndarray, *, approximate: str = "none", out: np.ndarray | None = None) -> np.ndarray:
    """GELU, ``x * Phi(x)`` with ``Phi`` the standard normal CDF (Hendrycks and Gimpel 2016).

    ``approximate="tanh"``: ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` (as PyTorch's
    ``approximate="tanh"``), within about 5e-4 of the exact form. The minimum is about -0.17 at
    ``x`` about -0.75.

    Cost: numpy has no ``erf``, so the exact form evaluates two rational functions (Cody's) per
    element: on 1e7 float32 about 40x a memory copy, against about 6x for the tanh form (and 1x
    for ReLU); measured on a loaded 2-core machine, ``benchmarks/activations.py --modern``. That
    is numpy's price, not GELU's: frameworks ship a vectorised erf.
    """
    x = _as_float(x)
    approximate = _check_approximate(approximate)
    out = _out(x, out)
    with np.errstate(over="ignore", under="ignore"):
        if approximate == "tanh":
            return _apply(_gelu_tanh_kernel, out, (x,), (None,))
        return _apply(_gelu_exact_kernel, out, (x,), _CDF_TEMPS)


def gelu_grad(
    x: np.ndarray, *, approximate: str = "none", out: np.ndarray | None = None
) -> np.ndarray:
    """Derivative of GELU: ``Phi(x) + x phi(x)`` (exact form), between about -0.13 and 1.13."""
    x = _as_float(x)
    approximate = _check_approximate(approximate)
    out = _out(x, out)
    with np.errstate(over="ignore", under="ignore"):
        if approximate == "tanh":
            return _apply(_gelu_tanh_grad_kernel, out, (x,), (None, None, None))
        return _apply(_gelu_exact_grad_kernel, out, (x,), _CDF_TEMPS)


def _make_gelu_backward(approximate: str):
    approximate = _check_approximate(approximate)
    grad_kernel = _gelu_tanh_grad_kernel if approximate == "tanh" else _gelu_exact_grad_kernel
    temps = (None, None, None) if approximate == "tanh" else _CDF_TEMPS

    def kernel(o, gb, xb, slope, *rest):
        grad_kernel(slope, xb, *rest)
        np.multiply(gb, slope, out=o)

    def backward(g, x, y, out=None):
        # g * gelu'(x), the slope recomputed from x (y = x Phi(x) does not give Phi cheaply)
        g, res = _backward_buffer(g, x, out)
        with np.errstate(over="ignore", under="ignore"):
            return _apply(kernel, res, (g, x), (None, *temps))

    return backward


# -- SiLU / Swish (Elfwing et al. 2018; Ramachandran et al. 2017): x sigmoid(x). --------------


def _silu_kernel(o, xb, s):
    _sigmoid_kernel(s, xb)
    np.multiply(xb, s, out=o)


def _silu_grad_kernel(o, xb, s, t):
    # s (1 + x (1 - s))
    _sigmoid_kernel(s, xb)
    np.subtract(1.0, s, out=t)
    t *= xb
    t += 1.0
    np.multiply(s, t, out=o)


def silu(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """SiLU (Swish), ``x * sigmoid(x)``; minimum about -0.278 at ``x`` about -1.28."""
    x = _as_float(x)
    out = _out(x, out)
    with np.errstate(over="ignore"):
        return _apply(_silu_kernel, out, (x,), (None,))


def silu_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of SiLU: ``s (1 + x (1 - s))`` with ``s = sigmoid(x)``, between about -0.10
    and 1.10."""
    x = _as_float(x)
    out = _out(x, out)
    with np.errstate(over="ignore"):
        return _apply(_silu_grad_kernel, out, (x,), (None, None))


def _silu_backward(g, x, y, out=None):
    g, res = _backward_buffer(g, x, out)

    def kernel(o, gb, xb, slope, s, t):
        _silu_grad_kernel(slope, xb, s, t)
        np.multiply(gb, slope, out=o)

    with np.errstate(over="ignore"):
        return _apply(kernel, res, (g, x), (None, None, None))


# -- softplus: log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)); derivative sigmoid(x). -----------


def _softplus_kernel(o, xb, e):
    np.abs(xb, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.log1p(e, out=e)
    np.maximum(xb, _zero_like(xb) if type(xb) is np.ndarray else 0, out=o)
    o += e


def softplus(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Softplus, ``log(1 + exp(x))``, a smooth ReLU (values > 0), computed as
    ``max(x, 0) + log1p(exp(-|x|))`` (no overflow, accurate in both tails)."""
    x = _as_float(x)
    out = _out(x, out)
    with np.errstate(under="ignore"):
        return _apply(_softplus_kernel, out, (x,), (None,))


def softplus_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of softplus: ``sigmoid(x)``, in (0, 1)."""
    x = _as_float(x)
    out = _out(x, out)
    with np.errstate(over="ignore"):
        return _apply(lambda o, xb: _sigmoid_kernel(o, xb), out, (x,), ())


def _softplus_backward(g, x, y, out=None):
    # sigmoid(x) = 1 - exp(-y): g * -expm1(-y), one transcendental from the output
    g, res = _backward_buffer(g, y, out)

    def kernel(o, gb, yb, slope):
        np.negative(yb, out=slope)
        np.expm1(slope, out=slope)
        np.negative(slope, out=slope)
        np.multiply(gb, slope, out=o)

    return _apply(kernel, res, (g, y), (None,))


# -- Mish (Misra 2019): x tanh(softplus(x)). --------------------------------------------------
# derivative tanh(sp) + x sigmoid(x) sech^2(sp), sech^2(sp) = 4 e / (1 + e)^2 with e = exp(-2 sp)
# (sp > 0), which keeps its accuracy where tanh(sp) rounds to 1.


def _mish_kernel(o, xb, t, e):
    _softplus_kernel(t, xb, e)
    np.tanh(t, out=t)
    np.multiply(xb, t, out=o)


def _mish_grad_kernel(o, xb, sp, t, s, e):
    _softplus_kernel(sp, xb, e)
    np.tanh(sp, out=t)
    np.multiply(sp, -2.0, out=e)
    np.exp(e, out=e)
    np.add(e, 1.0, out=sp)
    np.square(sp, out=sp)
    np.divide(e, sp, out=sp)
    sp *= 4.0  # sech^2(softplus(x))
    _sigmoid_kernel(s, xb)
    sp *= s
    sp *= xb
    np.add(t, sp, out=o)


def mish(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Mish, ``x * tanh(softplus(x))``; minimum about -0.309 at ``x`` about -1.19."""
    x = _as_float(x)
    out = _out(x, out)
    with np.errstate(under="ignore"):
        return _apply(_mish_kernel, out, (x,), (None, None))


def mish_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of Mish: ``tanh(sp) + x sigmoid(x) sech^2(sp)`` with ``sp = softplus(x)``,
    between about -0.11 and 1.09."""
    x = _as_float(x)
    out = _out(x, out)
    with np.errstate(over="ignore", under="ignore"):
        return _apply(_mish_grad_kernel, out, (x,), (None, None, None, None))


def _mish_backward(g, x, y, out=None):
    g, res = _backward_buffer(g, x, out)

    def kernel(o, gb, xb, slope, *rest):
        _mish_grad_kernel(slope, xb, *rest)
        np.multiply(gb, slope, out=o)

    with np.errstate(over="ignore", under="ignore"):
        return _apply(kernel, res, (g, x), (None, None, None, None, None))


# -- SELU (Klambauer et al. 2017): scale * (x if x > 0 else alpha (exp(x) - 1)). ---------------
# The constants make the fixed point of the activations' mean and variance (0, 1) for LeCun-normal
# weights (use MLP(..., init="lecun")).

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _selu_kernel(o, xb, neg):
    zero = _zero_like(xb) if type(xb) is np.ndarray else 0
    np.minimum(xb, zero, out=neg)
    np.expm1(neg, out=neg)
    neg *= SELU_SCALE * SELU_ALPHA
    np.maximum(xb, zero, out=o)
    o *= SELU_SCALE
    o += neg


def _selu_grad_kernel(o, xb, mask, e):
    # scale where x > 0, scale * alpha * exp(x) otherwise (scale * alpha at exactly 0)
    np.greater(xb, 0, out=mask)
    np.minimum(xb, _zero_like(xb) if type(xb) is np.ndarray else 0, out=e)
    np.exp(e, out=e)
    e *= SELU_SCALE * SELU_ALPHA
    np.subtract(SELU_SCALE, e, out=o)
    o *= mask
    o += e


def selu(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """SELU, ``scale * (x if x > 0 else alpha * (exp(x) - 1))`` with Klambauer et al.'s (2017)
    ``alpha = 1.6733`` and ``scale = 1.0507`` (:data:`SELU_ALPHA`, :data:`SELU_SCALE`)."""
    x = _as_float(x)
    out = _out(x, out)
    return _apply(_selu_kernel, out, (x,), (None,))


def selu_grad(x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of SELU: ``scale`` where ``x > 0``, else ``scale * alpha * exp(x)`` (at most
    ``scale * alpha``, about 1.758, just left of 0)."""
    x = _as_float(x)
    out = _out(x, out)
    return _apply(_selu_grad_kernel, out, (x,), (np.bool_, None))


def _selu_backward(g, x, y, out=None):
    g, res = _backward_buffer(g, x, out)

    def kernel(o, gb, xb, slope, mask, e):
        _selu_grad_kernel(slope, xb, mask, e)
        np.multiply(gb, slope, out=o)

    return _apply(kernel, res, (g, x), (None, np.bool_, None))


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
        inner = ", ".join(f"{k}={v}" if isinstance(v, str) else f"{k}={v:g}" for k, v in self.params.items())
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


def get(name: str | Activation, **params: float | str) -> Activation:
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
    # numeric parameters become floats; string-valued ones (gelu's approximate) stay strings
    bound = {**entry.defaults,
             **{k: v if isinstance(entry.defaults[k], str) else float(v) for k, v in params.items()}}
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

# Chapter 5: modern activations. Each has a fused backward rule (g * f'(x)); only softplus gets its
# slope from the output (sigmoid(x) = 1 - exp(-y)); the others recompute it from x.
register(
    "gelu",
    gelu,
    gelu_grad,
    lambda approximate: _make_gelu_backward(approximate),
    {"approximate": "none"},
)
register("silu", silu, silu_grad, lambda: _silu_backward)
register("mish", mish, mish_grad, lambda: _mish_backward)
register("selu", selu, selu_grad, lambda: _selu_backward)
register("softplus", softplus, softplus_grad, lambda: _softplus_backward)
# "swish" is another name for SiLU (Ramachandran et al. 2017, with beta = 1)
register("swish", silu, silu_grad, lambda: _silu_backward)


_MAX_ABS_GRAD: dict[tuple, float] = {}


def max_abs_grad(act: str | Activation, **params: float | str) -> float:
    """The largest ``|f'(x)|`` over the real line (the scale for "effectively dead").

    Measured once per activation and parameters on a float64 grid (step 1e-4 on [-40, 40], plus
    points just either side of 0 for the kinks), which is within 1e-7 of the true supremum for the
    registry's activations: 1 for relu, softplus and tanh, 0.25 for the sigmoid, ``max(1, alpha)``
    for leaky relu and elu, about 1.129 for gelu, 1.100 for silu, 1.089 for mish and
    ``scale * alpha`` (about 1.758) for selu.
    """
    act = get(act, **params)
    key = (act.name, tuple(sorted(act.params.items())))
    if key not in _MAX_ABS_GRAD:
        grid = np.concatenate([np.linspace(-40.0, 40.0, 800_001), [-1e-12, 1e-12]])
        _MAX_ABS_GRAD[key] = float(np.max(np.abs(act.grad(grid))))
    return _MAX_ABS_GRAD[key]
