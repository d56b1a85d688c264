"""Chapter 5's exercise checkers: correct answers pass, typical wrong answers get a specific message."""

import numpy as np
import pytest

from dying_relu import activations as A
from dying_relu.exercises import Feedback, ch5

# ---------------------------------------------------------------------------------------------
# check_effectively_dead
# ---------------------------------------------------------------------------------------------


def _rel(Z, act):
    return np.abs(act.grad(Z)) / A.max_abs_grad(act)


def test_effectively_dead_correct_answer_passes():
    fb = ch5.check_effectively_dead(lambda Z, act, t=1e-3: np.all(_rel(Z, act) < t, axis=0))
    assert isinstance(fb, Feedback) and fb.ok, fb.message


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (lambda Z, act, t: np.all(Z <= 0, axis=0), "never positive"),
        (lambda Z, act, t: np.any(_rel(Z, act) < t, axis=0), "*every* example"),
        (lambda Z, act, t: np.all(np.abs(act.grad(Z)) < t, axis=0), "relative"),
        (lambda Z, act, t: np.all(np.abs(act(Z)) / A.max_abs_grad(act) < t, axis=0), "output f(z)"),
        (lambda Z, act, t: np.all(_rel(Z, act) < t, axis=1), "axis 0"),
        (lambda Z, act, t: np.all(_rel(Z, act) < t, axis=0).astype(int), "booleans"),
        (lambda Z, act, t: np.all(_rel(Z, act) < t), "shape"),
        (lambda Z, act, t: np.all(_rel(Z, act) < 10 * t, axis=0), "dead units are"),
        (lambda Z, act, t: np.all(_rel(Z, A.get("selu")) < t, axis=0), "activation passed in"),
        (lambda Z, act, t: 1 / 0, "ZeroDivisionError"),
    ],
    ids=["sign", "any", "absolute", "output", "axis", "ints", "scalar", "threshold", "fixed-act", "raises"],
)
def test_effectively_dead_typical_mistakes(fn, expected):
    fb = ch5.check_effectively_dead(fn)
    assert not fb.ok
    assert expected in fb.message, fb.message


# ---------------------------------------------------------------------------------------------
# check_torch_gain
# ---------------------------------------------------------------------------------------------


def test_torch_gain_correct_answer_passes():
    fb = ch5.check_torch_gain(lambda b: b**2 / 3, lambda v, n: n * v / 2)
    assert fb.ok, fb.message
    assert "0.1667" in fb.message and "1/6" in fb.message


@pytest.mark.parametrize(
    ("var", "gain", "expected"),
    [
        (lambda b: b**2 / 12, lambda v, n: n * v / 2, "length 2 b"),
        (lambda b: b / np.sqrt(3), lambda v, n: n * v / 2, "standard deviation"),
        (lambda b: 4 * b**2 / 3, lambda v, n: n * v / 2, "half-width"),
        (lambda b: b**2, lambda v, n: n * v / 2, "should be"),
        (lambda b: b**2 / 3, lambda v, n: n * v, "divide by 2"),
        (lambda b: b**2 / 3, lambda v, n: v / 2, "multiply by fan_in"),
        (lambda b: b**2 / 3, lambda v, n: np.sqrt(n * v / 2), "standard deviation of z"),
        (lambda b: b**2 / 3, lambda v, n: n * v / 3, "should be"),
    ],
    ids=["b2/12", "std", "(2b)2/3", "b2", "no-half", "no-fan-in", "sqrt", "wrong"],
)
def test_torch_gain_typical_mistakes(var, gain, expected):
    fb = ch5.check_torch_gain(var, gain)
    assert not fb.ok
    assert expected in fb.message, fb.message


# ---------------------------------------------------------------------------------------------
# check_skippable_share
# ---------------------------------------------------------------------------------------------


def _dot(zf, macs):
    return sum(p * k for p, k in zip(zf, macs, strict=False))


def _macs(sizes):
    return [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False)]


def test_skippable_share_correct_answer_passes():
    def share(sizes, zf):
        m = _macs(sizes)
        return sum(p * k for p, k in zip(zf, m[1:], strict=False)) / sum(m)

    assert ch5.check_skippable_share(share).ok


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (lambda sizes, zf: float(np.mean(zf)), "mean of the zero fractions"),
        (lambda sizes, zf: _dot(zf, _macs(sizes)[:-1]) / sum(_macs(sizes)), "*next* layer"),
        (lambda sizes, zf: _dot(zf, _macs(sizes)[1:]) / sum(_macs(sizes)[1:]), "first layer's multiply-adds"),
        (lambda sizes, zf: 0.5, "the share is"),
        (lambda sizes, zf: None + 1, "TypeError"),
    ],
    ids=["mean", "own-layer", "no-first-layer", "constant", "raises"],
)
def test_skippable_share_typical_mistakes(fn, expected):
    fb = ch5.check_skippable_share(fn)
    assert not fb.ok
    assert expected in fb.message, fb.message
