"""Chapter 2's exercise checkers: correct answers pass, typical wrong answers get a specific message."""

import numpy as np
import pytest

from dying_relu import SGD
from dying_relu import activations as A
from dying_relu.exercises import Feedback, ch2

# ---------------------------------------------------------------------------------------------
# check_sigmoid_grad
# ---------------------------------------------------------------------------------------------


def _s(x):
    return A.sigmoid(x)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: _s(x) * (1 - _s(x)),
        A.sigmoid_grad,
        lambda x: np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2,
    ],
    ids=["s(1-s)", "library", "exp(-|x|) form"],
)
def test_sigmoid_grad_correct_answers_pass(fn):
    fb = ch2.check_sigmoid_grad(fn)
    assert isinstance(fb, Feedback) and fb.ok, fb.message
    assert "1/4" in fb.message and repr(fb).startswith("Correct!")


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (lambda x: _s(x), "sigmoid itself"),
        (lambda x: _s(x) * (1 + _s(x)), "s * (1 + s)"),
        (lambda x: 1 - _s(x) ** 2, "tanh rule"),
        (lambda x: 1 / (1 + np.exp(-x)) * (1 - 1 / (1 + np.exp(-x))), "overflows"),
        (lambda x: 0.25 * _s(x) * (1 - _s(x)), "wrong on the positive"),
        (lambda x: (_s(x) * (1 - _s(x))).astype(np.float64), "float32"),
        (lambda x: float(np.sum(_s(x) * (1 - _s(x)))), "not a numpy array"),
        (lambda x: np.log(x), "fails at x = -1e4"),
        (lambda x: x.nonexistent, "raised AttributeError"),
    ],
    ids=["sigmoid", "s(1+s)", "tanh-rule", "naive-overflow", "scaled", "dtype", "scalar", "nan",
         "crash"],
)
def test_sigmoid_grad_wrong_answers_get_specific_feedback(fn, expected):
    with np.errstate(all="ignore"):
        fb = ch2.check_sigmoid_grad(fn)
    assert not fb.ok
    assert expected in fb.message, fb.message


# ---------------------------------------------------------------------------------------------
# check_grad_norms
# ---------------------------------------------------------------------------------------------


def good(net, X, y):
    net.loss_and_grad(X, y)
    return [np.linalg.norm(layer.dW) for layer in net.layers]


def good_loop(net, X, y):
    """Another correct way: explicit sum of squares, returning a numpy array."""
    net.loss_and_grad(X, y, "cross_entropy")
    return np.array([np.sqrt(np.sum(layer.dW * layer.dW)) for layer in net.layers])


def stale(net, X, y):
    return [np.linalg.norm(layer.dW) for layer in net.layers]


def hidden_only(net, X, y):
    net.loss_and_grad(X, y)
    return [np.linalg.norm(layer.dW) for layer in net.hidden]


def squared(net, X, y):
    net.loss_and_grad(X, y)
    return [np.sum(layer.dW**2) for layer in net.layers]


def reversed_order(net, X, y):
    return good(net, X, y)[::-1]


def weights(net, X, y):
    net.loss_and_grad(X, y)
    return [np.linalg.norm(layer.W) for layer in net.layers]


def deltas(net, X, y):
    net.loss_and_grad(X, y)
    return [np.linalg.norm(layer.dz) for layer in net.layers]


def with_bias(net, X, y):
    net.loss_and_grad(X, y)
    return [np.sqrt(np.sum(layer.dW**2) + np.sum(layer.db**2)) for layer in net.layers]


def mean_abs(net, X, y):
    net.loss_and_grad(X, y)
    return [np.mean(np.abs(layer.dW)) for layer in net.layers]


def rms(net, X, y):
    net.loss_and_grad(X, y)
    return [np.sqrt(np.mean(layer.dW**2)) for layer in net.layers]


def takes_a_step(net, X, y):
    out = good(net, X, y)
    SGD(0.1).step(net)
    return out


def wrong_loss(net, X, y):
    net.loss_and_grad(X, np.eye(net.sizes[-1])[y], "mse")
    return [np.linalg.norm(layer.dW) for layer in net.layers]


def matrix(net, X, y):
    return np.array([good(net, X, y)] * 2)


def crashes(net, X, y):
    return [np.linalg.norm(layer.dw) for layer in net.layers]


@pytest.mark.parametrize("fn", [good, good_loop])
def test_grad_norms_correct_answers_pass(fn):
    fb = ch2.check_grad_norms(fn)
    assert fb.ok, fb.message


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (stale, "never computed"),
        (hidden_only, "skipped the output layer"),
        (squared, "squared norms"),
        (reversed_order, "reversed"),
        (weights, "weights W"),
        (deltas, "dz = dL/dz"),
        (with_bias, "bias gradient"),
        (mean_abs, "mean |dW|"),
        (rms, "root mean square"),
        (takes_a_step, "changed the network's weights"),
        (wrong_loss, "cross-entropy"),
        (matrix, "shape (2, 4)"),
        (crashes, "AttributeError"),
    ],
)
def test_grad_norms_wrong_answers_get_specific_feedback(fn, expected):
    fb = ch2.check_grad_norms(fn)
    assert not fb.ok
    assert expected in fb.message, fb.message


# ---------------------------------------------------------------------------------------------
# check_variance_scale
# ---------------------------------------------------------------------------------------------


def test_variance_scale_correct_answer_passes():
    assert ch2.check_variance_scale(lambda a: 2 / (1 + a**2)).ok
    assert ch2.check_variance_scale(lambda a: 2.0 / (1.0 + a * a)).ok


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (lambda a: 2.0, "does not depend on alpha"),
        (lambda a: 2 / (1 + a), "alpha enters squared"),
        (lambda a: 1 / (1 + a**2), "factor 2"),
        (lambda a: (1 + a**2) / 2, "not its inverse"),
        (lambda a: 2 * (1 + a**2), "inverted"),
        (lambda a: 2 / (1 + a**3), "for alpha = 0.5"),
        (lambda a: 1 / a, "ZeroDivisionError"),
    ],
)
def test_variance_scale_wrong_answers_get_specific_feedback(fn, expected):
    fb = ch2.check_variance_scale(fn)
    assert not fb.ok
    assert expected in fb.message, fb.message


def test_the_correct_scale_really_preserves_leaky_relu_variance():
    """The checker's answer agrees with the library's theory (closed form) and with quadrature."""
    from dying_relu import gradients as G

    for alpha in (0.01, 0.1, 0.3):
        act = A.get("leaky_relu", alpha=alpha)
        s = 2 / (1 + alpha**2)
        np.testing.assert_allclose(G.preact_theory(1.0, 6, act, s), np.full(6, s))
        quad = s * G.gaussian_expectation(lambda z, a=act: np.square(a(z)), 1.0)
        assert quad == pytest.approx(1.0, rel=2e-3)
