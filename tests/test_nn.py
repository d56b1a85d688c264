"""The network: finite-difference gradient checks, caches, and clear errors for bad input."""

import numpy as np
import pytest

from dying_relu import MLP, activations, losses
from dying_relu.gradcheck import network_gradient_error, numeric_grad, relative_error

ACTS = ["relu", "leaky_relu", "elu", "sigmoid", "tanh", activations.get("leaky_relu", alpha=0.2)]


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
@pytest.mark.parametrize("act", ACTS, ids=str)
def test_backward_matches_finite_differences(act, loss, rng):
    sizes = [3, 5, 4, 3]
    net = MLP(sizes, act, bias=0.1, seed=3)
    X = rng.normal(size=(6, 3))
    if loss == "mse":
        y = rng.normal(size=(6, 3))
    else:
        y = rng.integers(0, 3, 6)
    # keep pre-activations away from the kink so the function is differentiable there
    net.forward(X)
    assert all(np.min(np.abs(layer.z)) > 1e-4 for layer in net.hidden)
    errors = network_gradient_error(net, X, y, loss)
    assert max(errors) < 1e-6, f"relative errors per parameter array: {errors}"


def test_input_gradient_and_cached_quantities(rng):
    net = MLP([2, 4, 3], "relu", seed=0)
    X = rng.normal(size=(5, 2))
    y = rng.integers(0, 3, 5)
    net.loss_and_grad(X, y)
    layer = net.layers[0]
    np.testing.assert_allclose(layer.z, X @ layer.W + layer.b)
    np.testing.assert_allclose(layer.h, np.maximum(layer.z, 0))
    np.testing.assert_allclose(layer.dz, layer.dh * (layer.z > 0))
    np.testing.assert_allclose(layer.dW, X.T @ layer.dz)
    # a unit that is negative on every example gets exactly zero gradient: the dying mechanism
    net.layers[0].b[:] = [-100, 0, 0, 0]
    net.loss_and_grad(X, y)
    assert np.all(net.layers[0].dW[:, 0] == 0) and net.layers[0].db[0] == 0


def test_forward_returns_a_copy(rng):
    net = MLP([2, 3, 2], "relu")
    X = rng.normal(size=(4, 2))
    a = net.forward(X)
    b = net.forward(2 * X)
    assert not np.shares_memory(a, b)
    assert not np.allclose(a, b)


def test_structure_and_state(rng):
    net = MLP([2, 8, 8, 3], ["relu", "tanh"], bias=[0.1, 0.0, 0.0], seed=0)
    assert net.depth == 2 and len(net.hidden) == 2
    assert [lay.activation.name for lay in net.layers] == ["relu", "tanh", "identity"]
    assert np.all(net.layers[0].b == 0.1)
    assert net.n_params == 2 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3
    saved = net.state()
    net.layers[0].W += 1
    net.load_state(saved)
    np.testing.assert_array_equal(net.layers[0].W, saved[0])
    assert "2-8-8-3" in repr(net)
    assert len(net.pre_activations(rng.normal(size=(3, 2)))) == 2


def test_seed_reproducible_and_default_inits():
    a, b = MLP([4, 50, 2], "relu", seed=7), MLP([4, 50, 2], "relu", seed=7)
    np.testing.assert_array_equal(a.layers[0].W, b.layers[0].W)
    wide = MLP([1000, 1000, 2], "relu", seed=0)
    assert wide.layers[0].W.var() == pytest.approx(2 / 1000, rel=0.02)  # He for relu
    tanh_net = MLP([1000, 1000, 2], "tanh", seed=0)
    assert tanh_net.layers[0].W.var() == pytest.approx(2 / 2000, rel=0.02)  # Glorot for tanh
    scaled = MLP([1000, 1000, 2], "relu", init=1.0, seed=0)
    assert scaled.layers[0].W.var() == pytest.approx(1 / 1000, rel=0.02)


def test_float32_network(rng):
    net = MLP([3, 6, 2], "relu", dtype=np.float32)
    out = net.forward(rng.normal(size=(4, 3)))  # float64 input is converted
    assert out.dtype == np.float32
    net.loss_and_grad(rng.normal(size=(4, 3)), np.array([0, 1, 1, 0]))
    assert all(g.dtype == np.float32 for g in net.grads())


@pytest.mark.parametrize(
    "sizes,match",
    [([2, 0, 3], "positive integer"), ([2, -4, 3], "positive integer"), ([3], "at least")],
)
def test_bad_widths(sizes, match):
    with pytest.raises(ValueError, match=match):
        MLP(sizes)


def test_bad_activation_name_lists_known():
    with pytest.raises(ValueError, match="Known activations"):
        MLP([2, 3, 2], "reLU")
    with pytest.raises(ValueError, match="2 activation values for 1 layers"):
        MLP([2, 3, 2], ["relu", "tanh"])


def test_wrong_input_shape(rng):
    net = MLP([2, 3, 2])
    with pytest.raises(ValueError, match=r"Expected input of shape \(n_examples, 2\), got \(5, 3\)"):
        net.forward(rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="reshape"):
        net.forward(rng.normal(size=(2, 2, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_inputs(bad, rng):
    net = MLP([2, 3, 2])
    X = rng.normal(size=(4, 2))
    X[1, 0] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.forward(X)


def test_backward_before_forward_and_wrong_shape():
    net = MLP([2, 3, 2])
    with pytest.raises(RuntimeError, match="forward"):
        net.backward(np.zeros((1, 2)))
    net.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="last forward pass"):
        net.backward(np.zeros((3, 2)))


def test_loss_errors():
    with pytest.raises(ValueError, match="integer class labels"):
        losses.softmax_cross_entropy(np.zeros((3, 2)), np.zeros((3, 2), int))
    with pytest.raises(ValueError, match=r"in \[0, 2\)"):
        losses.softmax_cross_entropy(np.zeros((3, 2)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="Known losses"):
        losses.get("hinge")
    with pytest.raises(ValueError, match="does not match"):
        losses.mse(np.zeros((3, 2)), np.zeros((3, 3)))


def test_cross_entropy_is_stable_for_huge_logits():
    loss, grad = losses.softmax_cross_entropy(np.array([[1e4, -1e4], [0.0, 0.0]]), np.array([0, 0]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert loss == pytest.approx(np.log(2) / 2)


def test_gradcheck_detects_a_wrong_backward_pass(rng):
    net = MLP([3, 4, 2], "relu", bias=0.1, seed=0)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, 5)
    assert max(network_gradient_error(net, X, y)) < 1e-6
    p = np.array([1.0, -2.0])
    num = numeric_grad(lambda: float(np.sum(p**3)), p)
    assert relative_error(num, 3 * p**2) < 1e-8
    assert relative_error(num, 2 * p**2) > 0.1  # a wrong derivative is caught
