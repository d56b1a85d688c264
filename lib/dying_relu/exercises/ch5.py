"""Checkers for the exercises of Chapter 5 ("Dying ReLU today").

Each checker calls the learner's function on a few probes, compares with the library's reference
and names the typical mistake when there is one:

- :func:`check_effectively_dead`: the effectively-dead mask of one layer from its pre-activations
  (the core of :func:`dying_relu.diagnostics.effectively_dead_mask`);
- :func:`check_torch_gain`: the variance of PyTorch's default ``nn.Linear`` weights and the factor
  by which a ReLU layer with them multiplies the mean square pre-activation (1/6);
- :func:`check_skippable_share`: the share of an MLP's multiply-adds that multiply an exact zero
  (:func:`dying_relu.today.skippable_share`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import activations as _act
from ..today import skippable_share
from . import Feedback

__all__ = ["check_effectively_dead", "check_skippable_share", "check_torch_gain"]


def _call(fn: Callable, *args):
    """``(result, None)``, or ``(None, Feedback)`` naming the exception the learner's code raised."""
    try:
        return fn(*args), None
    except Exception as exc:  # the learner's code may fail in any way
        return None, Feedback(False, f"your function raised {type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------------------------
# effectively dead
# ---------------------------------------------------------------------------------------------


def _reference_effectively_dead(
    Z: np.ndarray, act: _act.Activation, threshold: float
) -> np.ndarray:
    rel = np.abs(act.grad(Z)) / _act.max_abs_grad(act)
    return np.all(rel < threshold, axis=0)


def _probe_layer() -> np.ndarray:
    """Pre-activations ``(200, 7)`` with known answers for SELU at threshold 1e-3: unit 0 far left
    everywhere (dead), unit 1 far left but positive on one example (alive), unit 2 ordinary, unit 3
    at z about -7.2 (dead by the relative threshold, alive by an absolute 1e-3), unit 4 far left on
    all but one example which sits just left of 0 (alive), unit 5 at exactly 0 on every example,
    unit 6 at z about -5.5 (a relative slope of about 4e-3: alive at 1e-3, dead at 1e-2)."""
    rng = np.random.default_rng(5)
    n = 200
    Z = np.empty((n, 7))
    Z[:, 0] = -30 + rng.standard_normal(n)
    Z[:, 1] = -30 + rng.standard_normal(n)
    Z[7, 1] = 0.5
    Z[:, 2] = rng.standard_normal(n)
    Z[:, 3] = -7.2 + 0.01 * rng.standard_normal(n)
    Z[:, 4] = -30 + rng.standard_normal(n)
    Z[11, 4] = -0.5
    Z[:, 5] = 0.0
    Z[:, 6] = -5.5 + 0.01 * rng.standard_normal(n)
    return Z


def check_effectively_dead(
    user_fn: Callable[[np.ndarray, _act.Activation, float], np.ndarray],
) -> Feedback:
    """Check a learner's ``effectively_dead(Z, act, threshold)``.

    ``Z`` has shape ``(n_examples, width)``; the answer is a boolean array ``(width,)``, True where
    ``|f'(z)| < threshold * max|f'|`` on *every* example (``max|f'|`` from
    :func:`dying_relu.activations.max_abs_grad`). Probed with SELU (largest slope about 1.76, so an
    absolute threshold gives a different answer) and with ReLU (where it must equal "never positive").
    """
    act = _act.get("selu")
    Z = _probe_layer()
    want = _reference_effectively_dead(Z, act, 1e-3)
    got, err = _call(user_fn, Z.copy(), act, 1e-3)
    if err is not None:
        return err
    got = np.asarray(got)
    if got.shape == (Z.shape[0],):
        return Feedback(
            False,
            f"your function returns one value per example, shape {got.shape}; a unit is "
            f"dead or not over all examples: reduce over axis 0, giving shape ({Z.shape[1]},).",
        )
    if got.shape != want.shape:
        return Feedback(
            False, f"expected one boolean per unit, shape {want.shape}; got shape {got.shape}."
        )
    if got.dtype != np.bool_:
        return Feedback(False, f"return booleans (True = effectively dead), got dtype {got.dtype}.")
    if np.array_equal(got, np.all(Z <= 0, axis=0)):
        return Feedback(
            False,
            "your mask is 'never positive' (z <= 0 everywhere). A SELU unit at z = -0.5 still has "
            "a slope of about 1.07: test the slope |f'(z)| against the threshold, not the sign of z.",
        )
    rel_any = np.any(np.abs(act.grad(Z)) / _act.max_abs_grad(act) < 1e-3, axis=0)
    if np.array_equal(got, rel_any):
        return Feedback(
            False,
            "a unit counts only if its slope is tiny on *every* example (np.all over axis 0); "
            "yours flags units that are tiny on *some* example, which is ordinary sparsity.",
        )
    absolute = np.all(np.abs(act.grad(Z)) < 1e-3, axis=0)
    if np.array_equal(got, absolute) and not np.array_equal(absolute, want):
        return Feedback(
            False,
            "the threshold is relative to the activation's largest slope: compare "
            "|f'(z)| / A.max_abs_grad(act) with it (for SELU max|f'| is about 1.76, so an "
            "absolute threshold flags the unit sitting at z = -7.2).",
        )
    on_output = np.all(np.abs(act(Z)) / _act.max_abs_grad(act) < 1e-3, axis=0)
    if np.array_equal(got, on_output):
        return Feedback(
            False, "you tested the output f(z); 'effectively dead' is about the gradient, |f'(z)|."
        )
    if not np.array_equal(got, want):
        return Feedback(
            False,
            f"for SELU at threshold 1e-3 the dead units are {np.flatnonzero(want).tolist()}; "
            f"yours are {np.flatnonzero(got).tolist()}.",
        )
    relu = _act.get("relu")
    got_relu, err = _call(user_fn, Z.copy(), relu, 1e-3)
    if err is not None:
        return err
    if not np.array_equal(np.asarray(got_relu), np.all(Z <= 0, axis=0)):
        return Feedback(
            False,
            "for ReLU, 'effectively dead' must equal 'never positive' (its slope is exactly 0 or 1); "
            "check that you use the activation passed in, act.grad(Z).",
        )
    return Feedback(
        True, "your mask matches diagnostics' effectively-dead test, for SELU and for ReLU."
    )


# ---------------------------------------------------------------------------------------------
# PyTorch's default initialisation
# ---------------------------------------------------------------------------------------------


def check_torch_gain(
    uniform_variance: Callable[[float], float],
    relu_layer_gain: Callable[[float, int], float],
) -> Feedback:
    """Check ``uniform_variance(bound)`` (the variance of ``U(-bound, bound)``, ``bound**2 / 3``)
    and ``relu_layer_gain(weight_variance, fan_in)`` (the factor ``fan_in * Var[W] / 2`` by which a
    zero-bias ReLU layer multiplies ``E[z^2]``); then that PyTorch's default gives 1/6."""
    for b in (0.1, 0.5, 2.0):
        got, err = _call(uniform_variance, b)
        if err is not None:
            return err
        got = float(got)
        if np.isclose(got, b * b / 3):
            continue
        if np.isclose(got, b * b / 12):
            return Feedback(
                False,
                "b**2 / 12 is the variance of a uniform on an interval of length b; "
                "U(-b, b) has length 2 b: (2 b)**2 / 12 = b**2 / 3.",
            )
        if np.isclose(got, b / np.sqrt(3)):
            return Feedback(
                False, "that is the standard deviation, b / sqrt(3); return the variance, b**2 / 3."
            )
        if np.isclose(got, 4 * b * b / 3):
            return Feedback(
                False,
                "(2 b)**2 / 3 uses the interval's length where the half-width belongs: "
                "Var U(-b, b) = b**2 / 3.",
            )
        if not np.isclose(got, b * b / 3):
            return Feedback(
                False, f"uniform_variance({b}) should be {b * b / 3:.4g}, got {got:.4g}."
            )
    for var, fan_in in ((2 / 64, 64), (1 / (3 * 256), 256)):
        got, err = _call(relu_layer_gain, var, fan_in)
        if err is not None:
            return err
        got = float(got)
        want = fan_in * var / 2
        if np.isclose(got, want):
            continue
        if np.isclose(got, fan_in * var):
            return Feedback(
                False,
                "fan_in * Var[W] is the factor for a linear layer; ReLU keeps only the positive "
                "half of a symmetric z, E[relu(z)^2] = E[z^2] / 2: divide by 2.",
            )
        if np.isclose(got, var / 2):
            return Feedback(
                False, "each of the fan_in inputs contributes Var[W] E[a^2]: multiply by fan_in."
            )
        if np.isclose(got, np.sqrt(want)):
            return Feedback(
                False,
                "that is the factor for the standard deviation of z; the question asks for E[z^2].",
            )
        if not np.isclose(got, want):
            return Feedback(
                False, f"relu_layer_gain({var:.4g}, {fan_in}) should be {want:.4g}, got {got:.4g}."
            )
    fan_in = 128
    gain = float(relu_layer_gain(float(uniform_variance(1 / np.sqrt(fan_in))), fan_in))
    return Feedback(
        True,
        f"PyTorch's default gives a factor {gain:.4f} = 1/6 per layer (He's gives 1): "
        f"after 10 layers E[z^2] is {gain**9:.1e} of the first layer's.",
    )


# ---------------------------------------------------------------------------------------------
# skippable multiply-adds
# ---------------------------------------------------------------------------------------------


def check_skippable_share(user_fn: Callable[[list[int], list[float]], float]) -> Feedback:
    """Check ``skippable_share(sizes, zero_fractions)`` against :func:`dying_relu.today.skippable_share`."""
    cases = [
        ([64, 128, 128, 10], [0.5, 0.8]),
        ([100, 50, 400, 10], [0.9, 0.2]),
        ([8, 8, 8], [0.25]),
    ]
    for sizes, zf in cases:
        want = skippable_share(sizes, zf)
        got, err = _call(user_fn, list(sizes), list(zf))
        if err is not None:
            return err
        got = float(got)
        if np.isclose(got, want):
            continue
        macs = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        if np.isclose(got, float(np.mean(zf))):
            return Feedback(
                False,
                "the mean of the zero fractions treats every layer alike; weight each by the "
                "multiply-adds of the layer it feeds, sizes[l+1] * sizes[l+2].",
            )
        if len(zf) > 1 and np.isclose(
            got, sum(p * m for p, m in zip(zf, macs[:-1], strict=False)) / sum(macs)
        ):
            return Feedback(
                False,
                "a hidden layer's zeros save work in the *next* layer (they are its inputs), "
                "not in the layer that produced them: pair zero_fractions[l] with macs[l + 1].",
            )
        if np.isclose(got, sum(p * m for p, m in zip(zf, macs[1:], strict=True)) / sum(macs[1:])):
            return Feedback(
                False,
                "the first layer's multiply-adds count in the total too (its input, the data, "
                "is dense, so none of them can be skipped).",
            )
        if not np.isclose(got, want):
            return Feedback(
                False,
                f"for sizes {sizes} and zero fractions {zf} the share is {want:.4f}, got {got:.4f}.",
            )
    return Feedback(True, "your share matches today.skippable_share on every probe.")
