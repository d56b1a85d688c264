"""Checkers for the exercises of Chapter 2 ("The one-sided vanishing gradient").

Each checker calls the learner's function on a few probes, compares with the library's reference
and names the typical mistake when there is one:

- :func:`check_sigmoid_grad`: the sigmoid's derivative ``s (1 - s)`` and its bound 1/4;
- :func:`check_grad_norms`: measuring ``||dW||`` for every layer of a network (the core of
  :func:`dying_relu.gradients.layer_stats`);
- :func:`check_variance_scale`: the weight-variance scale that keeps Leaky-ReLU pre-activations at
  constant variance, ``2 / (1 + alpha**2)`` (He et al. 2015).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import activations as _act
from ..gradients import layer_stats
from ..nn import MLP
from . import Feedback, check_elementwise

__all__ = ["check_grad_norms", "check_sigmoid_grad", "check_variance_scale"]


def _fmt(v: float) -> str:
    return f"{v:.4g}"


# ---------------------------------------------------------------------------------------------
# sigmoid' and its bound
# ---------------------------------------------------------------------------------------------


def check_sigmoid_grad(user_fn: Callable[[np.ndarray], np.ndarray]) -> Feedback:
    """Check a learner's ``sigmoid_grad(x)``: values, shape and dtype, and the bound ``<= 1/4``.

    The values are compared with :func:`dying_relu.activations.sigmoid_grad` (shape, dtype, the
    value at 0, both sides, no overflow at +-1e4); then the maximum over a fine grid must be 1/4,
    reached at ``x = 0``.
    """
    x = np.linspace(-3, 3, 13)
    try:
        got = np.asarray(user_fn(x.copy()), dtype=float)
    except Exception as exc:  # the learner's code may fail in any way
        return Feedback(False, f"your sigmoid_grad raised {type(exc).__name__}: {exc}")
    if got.shape == x.shape:
        s = _act.sigmoid(x)
        if np.allclose(got, s, rtol=1e-6):
            return Feedback(False, "your sigmoid_grad returns the sigmoid itself, not its derivative "
                                   "s * (1 - s).")
        if np.allclose(got, s * (1 + s), rtol=1e-6):
            return Feedback(False, "your sigmoid_grad computes s * (1 + s); the derivative of "
                                   "1 / (1 + exp(-x)) is s * (1 - s).")
        if np.allclose(got, 1 - s * s, rtol=1e-6):
            return Feedback(False, "your sigmoid_grad computes 1 - s**2, the tanh rule; for the "
                                   "sigmoid it is s * (1 - s).")
    with np.errstate(over="raise", invalid="raise", under="ignore"):
        try:
            big = np.asarray(user_fn(np.array([-1e4, 1e4])), dtype=float)
        except FloatingPointError as exc:
            if "overflow" not in str(exc):
                return Feedback(False, f"your sigmoid_grad fails at x = -1e4 or 1e4 ({exc}).")
            return Feedback(False, f"your sigmoid_grad overflows for large |x| ({exc}); the result "
                                   "may still be right, but numpy warns. Use the stable "
                                   "dying_relu.activations.sigmoid, or write it with exp(-|x|).")
    if not np.all(np.isfinite(big)):
        return Feedback(False, f"your sigmoid_grad gives {big} at x = -1e4 and 1e4; expected 0 and 0.")

    def quiet_underflow(z: np.ndarray) -> np.ndarray:
        # exp(-1e4) underflowing to 0 is harmless and correct; only overflow is a mistake
        with np.errstate(under="ignore"):
            return user_fn(z)

    basic = check_elementwise(quiet_underflow, _act.sigmoid_grad, "your sigmoid_grad")
    if not basic:
        return basic
    grid = np.linspace(-10, 10, 200_001)  # step 1e-4, contains 0 exactly
    values = np.asarray(user_fn(grid.copy()), dtype=float)
    peak = float(values.max())
    where = float(grid[int(values.argmax())])
    if abs(peak - 0.25) > 1e-9 or abs(where) > 1e-3:
        return Feedback(False, f"your sigmoid_grad peaks at {_fmt(peak)} (x = {_fmt(where)}); "
                               "expected 1/4 at x = 0.")
    return Feedback(
        True,
        "your sigmoid_grad matches the reference, and its largest value on [-10, 10] is "
        f"{peak:.6f} = 1/4, at x = {abs(where):.1f}.",
    )


# ---------------------------------------------------------------------------------------------
# per-layer gradient norms
# ---------------------------------------------------------------------------------------------


def _probe_nets() -> list[tuple[str, MLP, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(2024)
    X = rng.standard_normal((40, 5))
    y = rng.integers(0, 3, 40)
    return [
        ("a ReLU net 5-8-8-8-3", MLP([5, 8, 8, 8, 3], "relu", seed=1), X, y),
        ("a sigmoid net 5-6-7-3", MLP([5, 6, 7, 3], "sigmoid", seed=2), X, y),
    ]


def check_grad_norms(user_fn: Callable[[MLP, np.ndarray, np.ndarray], np.ndarray]) -> Feedback:
    """Check ``grad_norms(net, X, y)``: the Frobenius norm ``||dW||`` of every layer's weight
    gradient (cross-entropy loss), input layer first, output layer included.

    The reference is :attr:`dying_relu.gradients.LayerStats.weight_grad_norm`. Diagnosed mistakes:
    a crash, wrong length (hidden layers only), stale gradients (no backward pass), squared norms,
    reversed order, norms of ``W`` or of ``dz`` instead of ``dW``, the bias folded in, a mean or
    RMS instead of the norm, and weights changed by the function.
    """
    for name, net, X, y in _probe_nets():
        before = net.state()
        try:
            got = np.asarray(user_fn(net, X.copy(), y.copy()), dtype=float)
        except Exception as exc:
            return Feedback(False, f"grad_norms raised {type(exc).__name__}: {exc}")
        if any(not np.array_equal(a, b) for a, b in zip(before, net.state(), strict=True)):
            return Feedback(False, "grad_norms changed the network's weights. Measure only: call "
                                   "net.loss_and_grad(X, y), which computes gradients and updates "
                                   "nothing, and do not take an optimiser step.")
        ref_net = net.copy()
        ref = layer_stats(ref_net, X, y)
        want = ref.weight_grad_norm
        n = len(net.layers)
        if got.ndim != 1:
            return Feedback(False, f"grad_norms returned an array of shape {got.shape}; return one "
                                   f"number per layer, shape ({n},).")
        if len(got) != n:
            hint = (" It looks like you skipped the output layer: net.layers includes it, "
                    "net.hidden does not." if len(got) == n - 1 else "")
            return Feedback(False, f"for {name} grad_norms returned {len(got)} values; the network "
                                   f"has {n} layers (hidden + output).{hint}")
        if np.allclose(got, want, rtol=1e-6, atol=1e-12):
            continue
        if np.allclose(got, 0):
            return Feedback(False, "grad_norms returned zeros: the gradients were never computed. "
                                   "Run net.loss_and_grad(X, y) before reading layer.dW.")
        checks = [
            (want**2, "you returned squared norms: take the square root (np.linalg.norm does)."),
            (want[::-1], "the order is reversed: index 0 must be the first layer (next to the "
                         "input), as in net.layers."),
            (ref.weight_norm, "these are the norms of the weights W, not of their gradients dW."),
            (np.array([np.linalg.norm(L.dz) for L in ref_net.layers]),
             "these are the norms of dz = dL/dz (the back-propagated signal), not of the weight "
             "gradients dW = x.T @ dz."),
            (np.sqrt(want**2 + ref.bias_grad_norm**2),
             "you folded the bias gradient db in: measure the weight gradient dW only."),
            (np.array([np.mean(np.abs(L.dW)) for L in ref_net.layers]),
             "you returned the mean |dW|; the norm is sqrt(sum(dW**2)), np.linalg.norm(layer.dW)."),
            (np.array([np.sqrt(np.mean(L.dW**2)) for L in ref_net.layers]),
             "you returned the root mean square of dW; the norm is sqrt(sum(dW**2)) "
             "(no division by the number of entries)."),
        ]
        for wrong, message in checks:
            if np.allclose(got, wrong, rtol=1e-6, atol=1e-12):
                return Feedback(False, message)
        i = int(np.argmax(np.abs(got - want) / np.maximum(want, 1e-300)))
        return Feedback(False, f"for {name}, layer {i + 1}: you give {_fmt(got[i])}, expected "
                               f"{_fmt(want[i])} (the cross-entropy loss, np.linalg.norm(layer.dW)).")
    return Feedback(True, "grad_norms gives ||dW|| for every layer, input side first, on a ReLU and "
                          "a sigmoid network.")


# ---------------------------------------------------------------------------------------------
# the variance-preserving scale for Leaky ReLU
# ---------------------------------------------------------------------------------------------


def check_variance_scale(user_fn: Callable[[float], float]) -> Feedback:
    """Check ``preserving_scale(alpha)``: the ``s`` in ``Var[W] = s / fan_in`` that keeps the
    pre-activation variance of a Leaky ReLU (negative slope ``alpha``) network constant.

    Answer: ``E[leaky(z)**2] = (1 + alpha**2) q / 2`` for ``z ~ N(0, q)``, so
    ``s = 2 / (1 + alpha**2)`` (He et al. 2015, who write it for PReLU).
    """
    alphas = np.array([0.0, 0.01, 0.1, 0.25, 0.5, 1.0])
    try:
        got = np.array([float(user_fn(float(a))) for a in alphas])
    except Exception as exc:
        return Feedback(False, f"preserving_scale raised {type(exc).__name__}: {exc}")
    want = 2 / (1 + alphas**2)
    if np.allclose(got, want, rtol=1e-6):
        return Feedback(True, "s = 2 / (1 + alpha**2): 2 for ReLU (He), 1 for alpha = 1 (a linear "
                              "network), and just under 2 for the usual small slopes.")
    mistakes = [
        (np.full_like(alphas, 2.0), "your scale does not depend on alpha. He's 2 is right for "
                                    "alpha = 0 only: the negative side now passes alpha * z."),
        (2 / (1 + alphas), "close: the negative half contributes E[(alpha z)**2] = alpha**2 q / 2, "
                           "so alpha enters squared."),
        (1 / (1 + alphas**2), "off by a factor 2: E[leaky(z)**2] = (1 + alpha**2) q / 2, and "
                              "s must undo that whole factor."),
        ((1 + alphas**2) / 2, "this is the factor by which the variance shrinks, not its inverse: "
                              "s must multiply it back to 1."),
        (2 * (1 + alphas**2), "inverted: a larger alpha passes more signal, so it needs a smaller s."),
    ]
    for wrong, message in mistakes:
        if np.allclose(got, wrong, rtol=1e-6):
            return Feedback(False, message)
    i = int(np.argmax(np.abs(got - want)))
    return Feedback(False, f"for alpha = {alphas[i]:g} you give {_fmt(got[i])}, expected "
                           f"{_fmt(want[i])}. Hint: compute E[leaky(z)**2] for z ~ N(0, q) one "
                           "side at a time.")
