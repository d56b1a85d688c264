"""Checkers for the exercises of Chapter 3 (dead neurons).

- :func:`check_dead_fraction`: a learner's ``dead_fraction(Z)`` for one layer's pre-activations
  ``Z (n_examples, width)``: the fraction of units that are dead (``z <= 0`` on every example).
- :func:`check_born_dead_width_one`: a learner's formula for the probability that a width-1 ReLU
  network with zero biases is born dead on a symmetric 1-D domain, as a function of its depth.

Each returns a :class:`~dying_relu.exercises.Feedback` that names the typical mistake it found.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import Feedback

__all__ = ["check_born_dead_width_one", "check_dead_fraction", "dead_fraction_probe"]


def _reference_dead_fraction(Z: np.ndarray) -> float:
    return float(np.mean(~np.any(Z > 0, axis=0)))


def dead_fraction_probe() -> np.ndarray:
    """The probe layer ``Z (6 examples, 8 units)`` the checker uses first.

    Units 0-2 are dead: 0 is negative everywhere, 1 has a maximum of exactly 0, 2 is exactly 0
    everywhere (a ReLU passes nothing either way). Unit 3 is positive on one example only (alive:
    rare, but not dead). Units 4-7 are ordinary. Example 5 is inactive in every unit.
    """
    return np.array(
        [
            [-1.0, 0.0, 0.0, -0.5, 0.3, -0.2, 1.2, 0.4],
            [-0.3, -0.4, 0.0, -1.0, -0.1, 0.7, 0.5, -0.2],
            [-2.0, 0.0, 0.0, 0.8, 0.9, 0.1, -0.3, 0.6],
            [-0.1, -1.2, 0.0, -0.2, -0.6, 0.2, 0.4, 1.1],
            [-0.7, -0.3, 0.0, -0.3, 0.5, -0.9, 0.8, 0.3],
            [-0.4, -0.1, 0.0, -0.6, -0.2, -0.1, -0.5, -0.7],
        ]
    )


def _mistakes(Z: np.ndarray) -> list[tuple[float, str]]:
    """Values that typical wrong answers give on ``Z``, with what to tell the learner."""
    return [
        (
            float(np.mean(np.all(Z < 0, axis=0))),
            "you test z < 0, so a unit whose pre-activation reaches exactly 0 (but never more) "
            "counts as alive. relu(0) = 0 and relu'(0) = 0 in this course: such a unit passes no "
            "gradient either. Dead means z <= 0 on every example (equivalently: not any z > 0).",
        ),
        (
            float(np.mean(np.all(Z <= 0, axis=1))),
            "you reduced over the wrong axis: that is the fraction of examples on which every "
            "unit is inactive. Rows are examples and columns are units, so test each column "
            "over all rows (axis=0).",
        ),
        (
            float(np.mean(Z <= 0)),
            "that is the fraction of inactive (unit, example) pairs: ordinary sparsity, not "
            "death. A unit is dead only when it is inactive on every example.",
        ),
        (
            float(np.mean(np.any(Z <= 0, axis=0))),
            "that is the fraction of units inactive on at least one example, which almost every "
            "healthy ReLU unit is. Dead means inactive on all examples.",
        ),
        (
            float(np.mean(np.any(Z > 0, axis=0))),
            "that is the fraction of units that are alive; the question asks for the dead ones.",
        ),
        (
            float(np.sum(np.all(Z <= 0, axis=0))),
            "that is the number of dead units; divide by the layer's width to get a fraction.",
        ),
    ]


def check_dead_fraction(user_fn: Callable[[np.ndarray], float]) -> Feedback:
    """Check ``user_fn(Z) -> float``: the fraction of dead units in a layer.

    ``Z`` has shape ``(n_examples, width)``: one row per example, one column per unit. Checks, in
    order: it runs and returns one number (not one per unit or per example); it leaves ``Z``
    unchanged; it is right on a probe layer built to expose the typical mistakes (``< 0`` for
    ``<= 0``, the wrong axis, sparsity instead of death, alive instead of dead, a count instead
    of a fraction); it is right on random layers of several shapes, including a single example.
    """
    what = "your dead_fraction"
    Z = dead_fraction_probe()
    Z_in = Z.copy()
    try:
        out = user_fn(Z_in)
    except Exception as exc:  # the learner's code may fail in any way
        return Feedback(False, f"{what} raised {type(exc).__name__}: {exc}")
    if not np.array_equal(Z_in, Z):
        return Feedback(False, f"{what} changed Z in place. Compute into a new array instead.")
    arr = np.asarray(out)
    if arr.ndim > 0 and arr.size > 1:
        if arr.shape == (Z.shape[1],):
            return Feedback(
                False,
                f"{what} returned one value per unit (shape {arr.shape}): that is a dead mask. "
                "Return a single number, the fraction of units that are dead (np.mean of the mask).",
            )
        if arr.shape == (Z.shape[0],):
            return Feedback(
                False,
                f"{what} returned one value per example (shape {arr.shape}). Death is a property "
                "of a unit over all examples: reduce over the examples (axis=0), then average "
                "over units.",
            )
        return Feedback(False, f"{what} returned an array of shape {arr.shape}; return one number.")
    try:
        value = float(arr)
    except (TypeError, ValueError):
        return Feedback(False, f"{what} returned {type(out).__name__}, not a number.")
    want = _reference_dead_fraction(Z)
    if not np.isclose(value, want):
        for wrong, message in _mistakes(Z):
            if np.isclose(value, wrong):
                return Feedback(False, f"{what} gives {value:.4g} on the probe layer: {message}")
        return Feedback(
            False,
            f"{what} gives {value:.4g} on a probe layer where 3 of 8 units are dead (expected "
            f"{want:.4g}). Units 0-2 never have z > 0 (unit 1 reaches exactly 0, unit 2 is 0 "
            "everywhere); unit 3 is positive on a single example, so it is alive.",
        )
    rng = np.random.default_rng(3)
    for shape in [(1, 5), (40, 1), (200, 64), (7, 30)]:
        Zr = rng.normal(size=shape) - rng.uniform(0, 3, size=shape[1])
        Zr[:, rng.random(shape[1]) < 0.2] = 0.0
        try:
            got = float(np.asarray(user_fn(Zr.copy())))
        except Exception as exc:
            return Feedback(False, f"{what} failed on Z of shape {shape}: {type(exc).__name__}: {exc}")
        if not np.isclose(got, _reference_dead_fraction(Zr)):
            return Feedback(
                False,
                f"{what} is right on the probe layer but gives {got:.4g} on a random layer of "
                f"shape {shape}, expected {_reference_dead_fraction(Zr):.4g}. Does it assume a "
                "fixed number of examples or units?",
            )
    return Feedback(
        True,
        f"{what} counts a unit as dead exactly when z <= 0 on every example, on every layer we "
        "tried (including a single example, and units that sit at exactly 0).",
    )


def check_born_dead_width_one(user_fn: Callable[[int], float]) -> Feedback:
    """Check ``user_fn(depth) -> probability`` that a width-1 ReLU network (zero biases,
    symmetric weights, inputs on both sides of 0) is born dead, for depths 1 to 12.

    The answer is ``1 - 2 ** -(depth - 1)``: the first unit is always active on one side of 0,
    and each later unit survives exactly when its weight is positive (probability 1/2).
    """
    what = "your formula"
    depths = np.arange(1, 13)
    try:
        got = np.array([float(user_fn(int(d))) for d in depths])
    except Exception as exc:
        return Feedback(False, f"{what} raised {type(exc).__name__}: {exc}")
    want = 1 - 2.0 ** -(depths - 1)
    if np.allclose(got, want):
        return Feedback(True, f"{what} gives 1 - 2^-(L-1): 0 at depth 1, 1/2 at depth 2, "
                              f"{want[9]:.4f} at depth 10.")
    if np.allclose(got, 1 - 2.0**-depths):
        return Feedback(False, f"{what} gives 1 - 2^-L, one layer too many. With zero bias, can "
                               "the first unit be dead when the inputs lie on both sides of 0?")
    if np.allclose(got, 2.0 ** -(depths - 1)):
        return Feedback(False, f"{what} gives the probability of being alive, not of being born "
                               "dead.")
    if np.allclose(got, 2.0**-depths) or np.allclose(got, 1 - 2.0 ** -(depths - 1) / 2):
        return Feedback(False, f"{what} is off by a factor of 2 somewhere: check depth 1 "
                               "(probability 0) and depth 2 (probability 1/2).")
    k = int(np.argmax(np.abs(got - want)))
    return Feedback(False, f"{what} gives {got[k]:.4g} at depth {depths[k]}, expected "
                           f"{want[k]:.4g}. Start from depth 1 and 2 and look for the pattern.")
