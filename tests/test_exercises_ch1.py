"""The Chapter 1 checkers accept correct answers and explain the typical wrong ones."""

import numpy as np
import pytest

from dying_relu.exercises import Feedback, ch1


def _mutating_relu(x):
    x[x < 0] = 0
    return x


RELU_RIGHT = [
    lambda x: np.maximum(x, 0),
    lambda x: x * (x > 0),
    lambda x: np.where(x > 0, x, 0.0),
    lambda x: np.clip(x, 0, None),
]

RELU_WRONG = [
    (lambda x: max(x, 0), "np.maximum"),  # Python's max on an array
    (lambda x: np.abs(x), "negative inputs"),
    (lambda x: np.maximum(x, 0.1 * x), "negative inputs"),
    (lambda x: np.maximum(x, 0).ravel(), "shape"),
    (lambda x: np.maximum(x, 0).astype(np.float64), "float32"),
    (_mutating_relu, "changed its input"),
    (lambda x: x > 0, "booleans"),
    (lambda x: np.minimum(x, 0), "wrong"),
]


@pytest.mark.parametrize("fn", RELU_RIGHT)
def test_check_relu_accepts_correct_answers(fn):
    fb = ch1.check_relu(fn)
    assert isinstance(fb, Feedback) and fb.ok, fb.message
    assert repr(fb).startswith("Correct!")


@pytest.mark.parametrize(("fn", "hint"), RELU_WRONG)
def test_check_relu_explains_wrong_answers(fn, hint):
    fb = ch1.check_relu(fn)
    assert not fb.ok
    assert hint in fb.message
    assert repr(fb).startswith("Not yet:")


GRAD_RIGHT = [
    lambda x: (x > 0).astype(x.dtype),
    lambda x: np.greater(x, 0).astype(x.dtype),
    lambda x: np.where(x > 0, np.ones_like(x), np.zeros_like(x)),
    lambda x: np.heaviside(x, 0.0).astype(x.dtype),
]

GRAD_WRONG = [
    (lambda x: (x >= 0).astype(x.dtype), "exactly x = 0"),
    (lambda x: x > 0, "booleans"),
    (lambda x: (x > 0) * 1.0, "float32"),
    (lambda x: 1.0 if x > 0 else 0.0, "np.maximum"),
    (lambda x: np.maximum(x, 0), "positive inputs"),  # returned relu, not its derivative
    (lambda x: (x < 0).astype(x.dtype), "wrong"),
    (lambda x: np.sum(x > 0), "not a numpy array"),
]


@pytest.mark.parametrize("fn", GRAD_RIGHT)
def test_check_relu_grad_accepts_correct_answers(fn):
    fb = ch1.check_relu_grad(fn)
    assert fb.ok, fb.message


@pytest.mark.parametrize(("fn", "hint"), GRAD_WRONG)
def test_check_relu_grad_explains_wrong_answers(fn, hint):
    fb = ch1.check_relu_grad(fn)
    assert not fb.ok
    assert hint in fb.message


BACKWARD_RIGHT = [
    lambda g, z: g * (z > 0),
    lambda g, z: np.where(z > 0, g, 0.0),
    lambda g, z: np.multiply(g, z > 0),
    lambda g, z: g * (z > 0).astype(g.dtype),
]


def _mutating_backward(g, z):
    g *= z > 0
    return g


BACKWARD_WRONG = [
    (lambda g, z: (z > 0).astype(g.dtype), "multiply it by the upstream gradient"),
    (lambda g, z: g * np.maximum(z, 0), "relu(z), the unit's output"),
    (lambda g, z: g * (g > 0), "sign of g"),
    (lambda g, z: np.maximum(g, 0), "sign of g"),
    (lambda g, z: g.copy(), "unchanged"),
    (lambda g, z: g * (z >= 0), "exactly z = 0"),
    (lambda g, z: g * (z < 0), "wrong way round"),
    (_mutating_backward, "in place"),
    (lambda g, z: (g * (z > 0)).sum(axis=0), "shape"),
    (lambda g, z: (g * (z > 0)).astype(np.float64), "float32"),
    (lambda g, z: g if z > 0 else 0 * g, "np.maximum"),
    (lambda g, z: 2 * g * (z > 0), "dL/dz = g where z > 0"),
    (lambda g, z: list(g * (z > 0)), "not a numpy array"),
]


@pytest.mark.parametrize("fn", BACKWARD_RIGHT)
def test_check_relu_backward_accepts_correct_answers(fn):
    fb = ch1.check_relu_backward(fn)
    assert fb.ok, fb.message
    assert "dying-ReLU mechanism" in fb.message


@pytest.mark.parametrize(("fn", "hint"), BACKWARD_WRONG)
def test_check_relu_backward_explains_wrong_answers(fn, hint):
    fb = ch1.check_relu_backward(fn)
    assert not fb.ok
    assert hint in fb.message, fb.message


def test_backward_checker_leaves_learners_arrays_alone():
    seen = []

    def spy(g, z):
        seen.append((g.copy(), z.copy()))
        return g * (z > 0)

    assert ch1.check_relu_backward(spy)
    g, z = seen[0]
    assert g.shape == z.shape == (4, 5)
    assert np.any(z == 0) and np.all(g[z == 0] != 0)  # probes the value at exactly zero
    assert np.any(z > 0) and np.any(z < 0)
