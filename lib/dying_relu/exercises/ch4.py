"""Checkers for the exercises of Chapter 4 ("The fixes").

``check_elu(elu)`` and ``check_elu_grad(elu_grad)`` check a learner's ELU and its derivative,
``elu(x, alpha=1.0)`` and ``elu_grad(x, alpha=1.0)``, against the library's
:func:`~dying_relu.activations.elu` and :func:`~dying_relu.activations.elu_grad`. Both are checked
at ``alpha = 1`` and at ``alpha = 0.5``: at ``alpha = 1`` the derivative is 1 on *both* sides of 0,
so only another alpha reveals a derivative that ignores alpha or takes the wrong side at 0.
Messages say where the answer goes wrong (which input, what it gave, what was expected).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from .. import activations as _act
from . import Feedback, check_elementwise

__all__ = ["check_elu", "check_elu_grad"]

_ALPHAS = (1.0, 0.5)


def _accepts_alpha(fn: Callable, what: str) -> Feedback | None:
    try:
        fn(np.array([-1.0, 1.0]), alpha=0.5)
    except TypeError as exc:
        return Feedback(False, f"{what} must accept a keyword argument alpha, e.g. "
                               f"def {what.split()[-1]}(x, alpha=1.0): ...  ({exc})")
    except Exception:  # any other failure is reported by the detailed checks
        return None
    return None


def _tolerate_underflow(fn: Callable, alpha: float) -> Callable:
    """``fn(x, alpha=alpha)`` with floating-point *underflow* ignored.

    ``exp(-1e4)`` underflows to 0.0, which is the right answer: a correct ELU written with
    ``np.exp(np.minimum(x, 0)) - 1`` must not be failed for it. Overflow still raises (the checker
    looks for ``exp`` of large positive numbers).
    """

    def wrapped(x: np.ndarray) -> np.ndarray:
        with np.errstate(under="ignore"):
            return fn(x, alpha=alpha)

    return wrapped


def _check(user: Callable, reference: Callable, what: str) -> Feedback:
    bad = _accepts_alpha(user, what)
    if bad is not None:
        return bad
    for alpha in _ALPHAS:
        fb = check_elementwise(
            _tolerate_underflow(user, alpha),
            functools.partial(reference, alpha=alpha),
            f"{what} (alpha={alpha:g})",
        )
        if not fb:
            if alpha != 1.0:
                # right at alpha = 1 but wrong here: almost always alpha is ignored somewhere
                fb = Feedback(False, fb.message + " It was right with alpha = 1: check where alpha "
                                                  "enters your formula.")
            return fb
    return Feedback(True, f"{what} matches the reference for alpha = 1 and 0.5, including x = 0 "
                          "and inputs of +-1e4.")


def check_elu(user_elu: Callable[..., np.ndarray]) -> Feedback:
    """Check ``user_elu(x, alpha=1.0)``: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return _check(user_elu, _act.elu, "your elu")


def check_elu_grad(user_elu_grad: Callable[..., np.ndarray]) -> Feedback:
    """Check ``user_elu_grad(x, alpha=1.0)``: 1 for ``x > 0``, ``alpha * exp(x)`` otherwise
    (``alpha`` at exactly 0, the negative side's value, as everywhere in this course)."""
    return _check(user_elu_grad, _act.elu_grad, "your elu_grad")
