"""Checkers for the exercises of Chapter 1 ("ReLU: fast and cheap").

- :func:`check_relu` and :func:`check_relu_grad`: a learner's ReLU and its derivative, elementwise
  (shape, dtype, no mutation, the value at exactly 0, large inputs), with hints for the usual
  slips: Python's ``max`` on an array, ``x >= 0``, booleans instead of numbers.
- :func:`check_relu_backward`: the backward rule ``dL/dz = g * (z > 0)``, with feedback on the
  typical wrong versions (forgetting ``g``, multiplying by the output instead of the derivative,
  gating on the gradient's sign).

Each returns a :class:`~dying_relu.exercises.Feedback` (truthy when correct; it prints as
"Correct! ..." or "Not yet: ...").
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import activations as _act
from . import Feedback, check_elementwise

__all__ = ["check_relu", "check_relu_backward", "check_relu_grad"]

_PY_MAX_HINT = (
    " Hint: Python's max() and `if x > 0` work on one number at a time; on an array use "
    "numpy's elementwise np.maximum(x, 0) (or x * (x > 0))."
)


def _with_hints(fb: Feedback) -> Feedback:
    if not fb.ok and ("truth value of an array" in fb.message or "ambiguous" in fb.message):
        return Feedback(False, fb.message + _PY_MAX_HINT)
    return fb


def _bool_output(user_fn: Callable, what: str, fix: str) -> Feedback | None:
    x = np.linspace(-2, 2, 9)
    try:
        out = user_fn(x.copy())
    except Exception:  # reported by check_elementwise with the full message
        return None
    if isinstance(out, np.ndarray) and out.dtype == np.bool_:
        return Feedback(
            False,
            f"{what} returns booleans (True/False), not numbers of the input's dtype. {fix}",
        )
    return None


def check_relu(user_fn: Callable[[np.ndarray], np.ndarray]) -> Feedback:
    """Check a learner's ``relu(x)`` against :func:`dying_relu.activations.relu`."""
    bad = _bool_output(
        user_fn, "your relu", "The mask x > 0 says where to keep x; keep it with x * (x > 0)."
    )
    return bad if bad is not None else _with_hints(check_elementwise(user_fn, _act.relu, "your relu"))


def check_relu_grad(user_fn: Callable[[np.ndarray], np.ndarray]) -> Feedback:
    """Check a learner's ``relu_grad(x)`` (1 where x > 0, else 0; 0 at exactly 0)."""
    bad = _bool_output(
        user_fn, "your relu_grad", "The mask x > 0 is the right idea; make it numbers with "
        "(x > 0).astype(x.dtype)."
    )
    if bad is not None:
        return bad
    return _with_hints(check_elementwise(user_fn, _act.relu_grad, "your relu_grad"))


def _reference_backward(g: np.ndarray, x: np.ndarray) -> np.ndarray:
    return g * (x > 0)


def check_relu_backward(user_fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Feedback:
    """Check a learner's ``relu_backward(g, z)``: the gradient ``dL/dz`` given ``g = dL/dh``.

    ``z`` is the pre-activation and ``h = relu(z)``; the answer is ``g * (z > 0)``, same shape
    and dtype as ``g``, leaving ``g`` and ``z`` unchanged.
    """
    what = "your relu_backward"
    rng = np.random.default_rng(7)
    # z holds both signs and exact zeros; g holds both signs, independent of z
    z = rng.normal(size=(4, 5))
    z[0, :2] = 0.0
    g = rng.normal(size=(4, 5))
    g[0, :2] = [0.7, -0.4]  # nonzero upstream gradient where z == 0
    g_in, z_in = g.copy(), z.copy()
    try:
        out = user_fn(g_in, z_in)
    except Exception as exc:  # the learner's code may fail in any way
        return _with_hints(Feedback(False, f"{what} raised {type(exc).__name__}: {exc}"))
    if not isinstance(out, np.ndarray):
        return Feedback(False, f"{what} returned {type(out).__name__}, not a numpy array.")
    if not (np.array_equal(g_in, g) and np.array_equal(z_in, z)):
        return Feedback(False, f"{what} changed g or z in place. Return a new array instead "
                               "(the network still needs z for other gradients).")
    if out.shape != g.shape:
        return Feedback(False, f"{what} returned shape {out.shape} for g and z of shape "
                               f"{g.shape}: the gradient has one entry per pre-activation "
                               "(no sum or mean here).")
    want = _reference_backward(g, z)
    if np.allclose(out, want):
        for dtype in (np.float32, np.float64):
            o = np.asarray(user_fn(g.astype(dtype), z.astype(dtype)))
            if o.dtype != dtype:
                return Feedback(False, f"{what} turned {np.dtype(dtype).name} inputs into "
                                       f"{o.dtype}. Keep g's dtype: g * (z > 0) does.")
        return Feedback(True, f"{what} passes the gradient where z > 0 and blocks it elsewhere, "
                              "including at z = 0. This one line is the dying-ReLU mechanism.")
    diagnoses = [
        ((z > 0).astype(float), "returns the derivative relu'(z) alone: multiply it by the "
                                "upstream gradient g (chain rule: dL/dz = dL/dh * dh/dz)."),
        (g * np.maximum(z, 0), "multiplies g by relu(z), the unit's output. Multiply by the "
                               "derivative instead: 1 where z > 0, else 0."),
        (g * (g > 0), "gates on the sign of g (or applies relu to g). Whether gradient passes "
                      "depends on the unit's input z (was it active?), not on the gradient."),
        (g, "passes g through unchanged, as a linear unit would. ReLU blocks the gradient where "
            "z <= 0."),
        (g * (z >= 0), "is right except at exactly z = 0, where it passes the gradient. This "
                       "course follows PyTorch: use z > 0, so relu'(0) = 0."),
        (g * (z < 0), "has the gate the wrong way round: gradient must pass where z > 0."),
    ]
    for wrong, message in diagnoses:
        if out.shape == wrong.shape and np.allclose(out, wrong):
            return Feedback(False, f"{what} {message}")
    where = np.unravel_index(int(np.argmax(np.abs(out - want))), g.shape)
    return Feedback(
        False,
        f"{what} is wrong: at g = {g[where]:.3g}, z = {z[where]:.3g} it gives {out[where]:.3g}, "
        f"expected {want[where]:.3g}. The rule is dL/dz = g where z > 0, else 0.",
    )
