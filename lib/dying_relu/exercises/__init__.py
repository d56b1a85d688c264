"""Automatic checks for the exercises, with feedback a learner can act on.

A checker returns a :class:`Feedback`: truthy when the answer is right, and printing one short
message either way. Chapter-specific checkers live in ``exercises/chNN.py``; the generic
:func:`check_elementwise` below diagnoses the typical mistakes in an activation or a derivative:
wrong shape or dtype, a changed input, the wrong sign, the wrong slope on the negative side, and
the wrong value at exactly zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Feedback", "check_elementwise"]


@dataclass(frozen=True)
class Feedback:
    """The result of a check: ``ok`` and a message for the learner."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return ("Correct! " if self.ok else "Not yet: ") + self.message

    def _repr_markdown_(self) -> str:
        mark = "**Correct!**" if self.ok else "**Not yet:**"
        return f"{mark} {self.message}"


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def check_elementwise(
    user_fn: Callable[[np.ndarray], np.ndarray],
    reference_fn: Callable[[np.ndarray], np.ndarray],
    what: str,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> Feedback:
    """Compare an elementwise function written by a learner with the library's reference.

    Args:
        user_fn: the learner's function, called as ``user_fn(x)``.
        reference_fn: the correct function.
        what: how to name it in messages, e.g. ``"your leaky_relu_grad"``.

    Checks, in order: it runs; shape and dtype are kept (float32 and float64, 1-D and 2-D); the
    input is not modified; the value at exactly 0; the positive side; the negative side (sign,
    then slope); large inputs (+-1e4) give finite values.
    """
    probes = {
        "positive inputs": np.array([0.25, 0.5, 1.0, 2.0, 3.0]),
        "negative inputs": np.array([-3.0, -2.0, -1.0, -0.5, -0.25]),
    }
    x = np.linspace(-3, 3, 13)
    try:
        x_in = x.copy()
        out = user_fn(x_in)
    except Exception as exc:  # the learner's code may fail in any way
        return Feedback(False, f"{what} raised {type(exc).__name__}: {exc}")
    if not isinstance(out, np.ndarray):
        return Feedback(
            False,
            f"{what} returned {type(out).__name__}, not a numpy array. Use numpy operations "
            "(np.maximum, np.where, np.exp, ...) rather than Python's max/if on single numbers.",
        )
    if not np.array_equal(x_in, x):
        return Feedback(
            False, f"{what} changed its input array in place. Compute into a new array instead."
        )
    for shape in [(13,), (3, 4)]:
        for dtype in (np.float64, np.float32):
            xs = np.linspace(-3, 3, int(np.prod(shape))).reshape(shape).astype(dtype)
            try:
                o = np.asarray(user_fn(xs))
            except Exception as exc:
                return Feedback(False, f"{what} failed on a {dtype.__name__} array of shape "
                                       f"{shape}: {type(exc).__name__}: {exc}")
            if o.shape != shape:
                return Feedback(
                    False,
                    f"{what} returned shape {o.shape} for an input of shape {shape}: an "
                    "elementwise function must keep the shape (no sum, mean or flatten).",
                )
            if o.dtype != dtype:
                return Feedback(
                    False,
                    f"{what} turned {np.dtype(dtype).name} input into {o.dtype}. Keep the input's "
                    "dtype (e.g. multiply by x.dtype.type(alpha), or use np.where with x).",
                )
    zero = np.array([0.0])
    got0, want0 = float(np.asarray(user_fn(zero.copy()))[0]), float(reference_fn(zero)[0])
    for side, xs in probes.items():
        got, want = np.asarray(user_fn(xs.copy()), float), reference_fn(xs)
        if np.allclose(got, want, rtol=rtol, atol=atol):
            continue
        where = int(np.argmax(np.abs(got - want)))
        detail = f"at x = {_fmt(xs[where])} it gives {_fmt(got[where])}, expected {_fmt(want[where])}"
        if np.allclose(got, -want, rtol=rtol, atol=atol):
            return Feedback(False, f"{what} has the wrong sign on the {side} ({detail}).")
        nz = np.abs(want) > atol
        if side == "negative inputs" and np.any(nz):
            ratio = got[nz] / want[nz]
            if np.allclose(got[nz], 0, atol=atol):
                return Feedback(
                    False,
                    f"{what} is zero on the negative side ({detail}), but it should not be: "
                    "check the branch you use for x < 0.",
                )
            if np.allclose(ratio, ratio[0], rtol=1e-3):
                return Feedback(
                    False,
                    f"{what} has the right shape of curve but the wrong scale on the negative "
                    f"side: it is {_fmt(ratio[0])} times the expected value ({detail}). "
                    "Check the slope / alpha you use for x < 0.",
                )
        return Feedback(False, f"{what} is wrong on the {side}: {detail}.")
    if not np.isclose(got0, want0, rtol=rtol, atol=atol):
        return Feedback(
            False,
            f"{what} is right away from zero but gives {_fmt(got0)} at exactly x = 0, expected "
            f"{_fmt(want0)}. This course follows PyTorch: at 0 take the negative side's value "
            "(use x > 0, not x >= 0).",
        )
    big = np.array([-1e4, 1e4])
    with np.errstate(all="raise", under="ignore"):  # underflow to 0 is harmless
        try:
            ob = np.asarray(user_fn(big.copy()), float)
        except FloatingPointError as exc:
            return Feedback(
                False,
                f"{what} overflows for large inputs ({exc}). Avoid exp of large positive "
                "numbers, e.g. apply exp only to min(x, 0).",
            )
    if not np.all(np.isfinite(ob)):
        return Feedback(False, f"{what} gives non-finite values at x = +-1e4: {ob}.")
    return Feedback(True, f"{what} matches the reference everywhere we checked, including x = 0.")
