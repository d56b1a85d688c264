"""Finite-difference gradient checks (used by the tests; handy when you write a layer yourself).

A backward pass written by hand is only trustworthy once it agrees with the slope measured
numerically: nudge one parameter by +-eps, re-evaluate the loss, and divide. The library's tests
run these checks for every activation and for the whole network.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import losses as _losses
from .nn import MLP

__all__ = ["module_gradient_error", "network_gradient_error", "numeric_grad", "relative_error"]


def numeric_grad(f: Callable[[], float], p: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to the array ``p``.

    ``p`` is changed in place one element at a time (and restored), so ``f`` must read it.
    Returns an array shaped like ``p``. Use float64: float32 has too few digits for this.
    """
    g = np.zeros_like(p)
    it = np.nditer(p, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = p[i]
        p[i] = old + eps
        up = f()
        p[i] = old - eps
        down = f()
        p[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max|a - b| / (max|a| + max|b|)``, a scale-free distance between two gradients."""
    return float(np.abs(a - b).max() / max(1e-12, np.abs(a).max() + np.abs(b).max()))


def network_gradient_error(
    net: MLP, X: np.ndarray, y: np.ndarray, loss: str = "cross_entropy", eps: float = 1e-6
) -> list[float]:
    """Relative error between ``net``'s backward pass and finite differences, per parameter array.

    Returns one number per array of ``net.params()``; below about 1e-6 means the backward pass is
    right (away from kinks such as ReLU's at 0).
    """
    loss_fn = _losses.get(loss)
    net.loss_and_grad(X, y, loss)
    analytic = [g.copy() for g in net.grads()]

    def f() -> float:
        return loss_fn(net.forward(X), y)[0]

    return [
        relative_error(numeric_grad(f, p, eps), g)
        for p, g in zip(net.params(), analytic, strict=True)
    ]


def module_gradient_error(
    module, x: np.ndarray, rng: np.random.Generator, eps: float = 1e-6
) -> tuple[np.ndarray, list[float]]:
    """Relative errors of one layer module's backward pass (``dying_relu.nn``), against finite
    differences, for the loss ``sum(out * R)`` with a fixed random ``R`` drawn from ``rng``.

    Returns ``(out, errors)``: the output of the first forward pass (the module's own array, not
    a copy) and one relative error for ``x`` followed by one per array of ``module.params()``;
    below about 1e-6 means the backward pass is right (away from kinks).
    """
    out = module.forward(x)
    R = rng.standard_normal(out.shape)
    dx = module.backward(R.copy()).copy()
    grads = [g.copy() for g in module.grads()]

    def loss() -> float:
        return float(np.sum(module.forward(x) * R))

    errors = [relative_error(numeric_grad(loss, x, eps), dx)]
    for p, g in zip(module.params(), grads, strict=True):
        errors.append(relative_error(numeric_grad(loss, p, eps), g))
    return out, errors
