"""Initialisers and optimisers."""

import numpy as np
import pytest

from dying_relu import MLP, SGD, Adam, Momentum, init, optim


@pytest.mark.parametrize(
    "name,var",
    [
        ("he", 2 / 400),
        ("he_uniform", 2 / 400),
        ("glorot", 2 / 700),
        ("glorot_uniform", 2 / 700),
        ("lecun", 1 / 400),
        (0.5, 0.5 / 400),
    ],
)
def test_initialiser_variances(name, var, rng):
    W = init.get(name)(400, 300, rng, np.float64)
    assert W.shape == (400, 300)
    assert W.var() == pytest.approx(var, rel=0.02)
    assert abs(W.mean()) < 0.01 * np.sqrt(var) * 10


def test_initialiser_errors():
    with pytest.raises(ValueError, match="Known"):
        init.get("kaiming_magic")
    with pytest.raises(ValueError, match=">= 0"):
        init.get(-1.0)
    with pytest.raises(ValueError, match=">= 1"):
        init.he_normal(0, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="finite"):
        init.constant_bias(float("nan"))


def test_constant_bias():
    b = init.constant_bias(0.1)(5, np.random.default_rng(0), np.float32)
    assert b.dtype == np.float32 and np.allclose(b, 0.1)


def quadratic(p):
    return [p.copy()]  # gradient of 0.5 * ||p||^2


@pytest.mark.parametrize("opt", [SGD(0.1), Momentum(0.05), Momentum(0.05, nesterov=True), Adam(0.05)])
def test_optimisers_minimise_a_quadratic(opt):
    p = np.array([[3.0, -2.0]])
    for _ in range(500):
        opt.step([p], quadratic(p))
    assert np.abs(p).max() < 1e-2, repr(opt)


def test_sgd_step_is_exact_and_weight_decay_skips_biases():
    net = MLP([2, 2, 2], "relu", seed=0)
    W0, b0 = net.layers[0].W.copy(), net.layers[0].b.copy()
    for g in net.grads():
        g[...] = 1.0
    SGD(0.1, weight_decay=0.5).step(net)
    np.testing.assert_allclose(net.layers[0].W, W0 * (1 - 0.05) - 0.1)
    np.testing.assert_allclose(net.layers[0].b, b0 - 0.1)


def test_adam_first_step_is_lr_times_sign():
    p = np.array([1.0, -1.0, 0.5])
    Adam(0.01).step([p], [np.array([3.0, -0.2, 1e-3])])
    np.testing.assert_allclose(p, [0.99, -0.99, 0.49], atol=1e-6)


def test_zero_gradient_means_zero_update_for_every_optimiser():
    for opt in (SGD(0.1), Momentum(0.1), Adam(0.1)):
        p = np.array([1.0, 2.0])
        for _ in range(10):
            opt.step([p], [np.zeros(2)])
        np.testing.assert_array_equal(p, [1.0, 2.0])


def test_optimiser_errors():
    with pytest.raises(ValueError, match="learning rate"):
        SGD(0)
    with pytest.raises(ValueError, match="beta"):
        Momentum(0.1, beta=1.0)
    with pytest.raises(ValueError, match="Known"):
        optim.get("rmsprop", lr=0.1)
