"""Layer normalisation and residual connections (Chapter 5, issue 13 item 2): gradient checks of
the modules and of whole networks, numerics, modes, and the views the chapters read."""

from __future__ import annotations

import numpy as np
import pytest

from dying_relu import MLP, SGD, data, diagnostics, fit, nn
from dying_relu.gradcheck import module_gradient_error, network_gradient_error, numeric_grad, relative_error


def _check_module(module, x, rng):
    """Gradient check of one module (``gradcheck.module_gradient_error``); returns its output."""
    out, errors = module_gradient_error(module, x, rng)
    assert max(errors) < 1e-6, errors
    return out


def _perturb_affine(net: MLP, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    for layer in net.hidden:
        if layer.gamma is not None:
            layer.gamma[:] = rng.uniform(0.5, 1.5, layer.fan_out)
            layer.beta[:] = rng.uniform(-0.5, 0.5, layer.fan_out)


# ---------------------------------------------------------------------------------------------
# LayerNorm
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("training", [True, False])
def test_layernorm_module_gradient(training, rng):
    mod = nn.LayerNorm(5, np.float64)
    mod.gamma[:] = rng.uniform(0.5, 1.5, 5)
    mod.beta[:] = rng.uniform(-0.5, 0.5, 5)
    mod.training = training
    out = _check_module(mod, rng.standard_normal((4, 5)) * 3 + 2, rng)
    assert out.shape == (4, 5) and mod.params() == [mod.gamma, mod.beta] and mod.buffers() == []
    assert mod.min_batch == 1


def test_layernorm_forward_is_per_example(rng):
    u = rng.standard_normal((6, 8)) * 4 - 3
    mod = nn.LayerNorm(8, np.float64)
    mod.gamma[:] = 2.0
    mod.beta[:] = 0.5
    z = mod.forward(u).copy()
    xhat = (u - u.mean(1, keepdims=True)) / np.sqrt(u.var(1, keepdims=True) + 1e-5)
    assert np.allclose(z, 2 * xhat + 0.5)
    assert np.allclose(mod.xhat.mean(axis=1), 0, atol=1e-12)
    assert np.allclose(mod.xhat.var(axis=1), 1, atol=1e-3)
    # each example alone gives the same row: no batch statistics, eval mode the same
    for i in range(6):
        assert np.allclose(mod.forward(u[i:i + 1]), z[i:i + 1], rtol=0, atol=1e-13)
    mod.training = False
    assert np.array_equal(mod.forward(u), z)


def test_layernorm_constant_rows_and_width_one():
    mod = nn.LayerNorm(4, np.float64)
    mod.beta[:] = [0.1, -0.2, 0.3, 0.0]
    u = np.array([[3.0, 3.0, 3.0, 3.0], [0.0, 0.0, 0.0, 0.0], [1e8, 1e8, 1e8, 1e8]])
    z = mod.forward(u)
    assert np.all(np.isfinite(z)) and np.allclose(z, mod.beta)
    du = mod.backward(np.ones_like(u))
    assert np.all(np.isfinite(du)) and np.all(np.isfinite(mod.dgamma))
    with np.errstate(all="raise"):  # float32 at large scale: no overflow, no NaN
        m32 = nn.LayerNorm(3, np.float32)
        z32 = m32.forward(np.array([[1e4, -1e4, 0.0], [5.0, 5.0, 5.0]], np.float32))
        assert z32.dtype == np.float32 and np.all(np.isfinite(z32))
    with pytest.raises(ValueError, match="2 or more units.*Widen the layer"):
        nn.LayerNorm(1, np.float64)
    with pytest.raises(ValueError, match="2 or more units"):
        MLP([2, 1, 3], norm="layer")


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "gelu"])
def test_layernorm_network_gradient(activation):
    X, y = data.spirals(40, seed=0)
    net = MLP([2, 7, 5, 3], activation, norm="layer", seed=2)
    _perturb_affine(net)
    assert [type(layer.norm).__name__ for layer in net.hidden] == ["LayerNorm", "LayerNorm"]
    # W, b, gamma, beta per hidden layer, then the output layer's W, b
    assert len(net.params()) == 4 * 2 + 2
    errors = network_gradient_error(net, X, y)
    assert max(errors) < 1e-6, errors
    net.eval()  # the same computation in evaluation mode
    assert max(network_gradient_error(net, X, y)) < 1e-6


def test_layernorm_trains_with_a_batch_of_one():
    X, y = data.spirals(30, seed=0)
    net = MLP([2, 8, 3], norm="layer", seed=0)
    assert net.min_batch == 1
    hist = fit(net, X, y, optimizer=SGD(0.05), epochs=2, batch_size=1, seed=0)
    assert np.all(np.isfinite(hist.loss)) and len(hist.steps["loss"]) == 60
    out = net.forward(X)
    assert np.allclose(net.forward(X[3:4]), out[3:4], rtol=0, atol=1e-12)


def test_layernorm_net_learns_spirals():
    X, y = data.spirals(300, seed=0)
    net = MLP([2, 32, 32, 3], "relu", norm="layer", seed=0, dtype=np.float32)
    hist = fit(net, X, y, optimizer=SGD(0.1), epochs=40, seed=0)
    assert hist.accuracy[-1] > 0.85


def test_weight_decay_skips_layernorm_parameters():
    net = MLP([2, 4, 3], norm="layer", seed=0)
    params = net.params()
    assert sum(p.ndim == 1 for p in params) == 4  # b, gamma, beta, output b
    before = [p.copy() for p in params]
    SGD(0.1, weight_decay=0.5).step(params, [np.zeros_like(p) for p in params])
    for p, q in zip(params, before, strict=True):
        assert np.array_equal(p, q) == (p.ndim == 1)


def test_layernorm_dead_mask_reads_the_post_norm_z():
    """A unit is dead when its post-norm z <= 0 on every example: beta far below -gamma * max(xhat)
    kills it (max |xhat| <= sqrt(units - 1)), whatever W and b do."""
    X, y = data.moons(200, seed=0)
    net = MLP([2, 8, 8, 2], "relu", norm="layer", seed=0)
    layer = net.layers[0]
    assert not diagnostics.dead_mask(net, X)[0][0]
    layer.b[0] = -50.0  # a large negative bias before the norm: z is not simply u
    assert np.array_equal(diagnostics.dead_mask(net, X)[0], ~np.any(layer.z > 0, axis=0))
    layer.b[0] = 0.0
    layer.beta[0] = -10.0
    assert diagnostics.dead_mask(net, X)[0][0]
    net.loss_and_grad(X, y)
    assert layer.dgamma[0] == 0 and layer.dbeta[0] == 0
    assert np.array_equal(layer.z, layer.norm.out) and layer.u is layer.linear.out


# ---------------------------------------------------------------------------------------------
# Residual connections
# ---------------------------------------------------------------------------------------------


def test_residual_module_gradient(rng):
    block = nn.Residual(rng.standard_normal((4, 4)) * 0.5, rng.standard_normal(4) * 0.1,
                        nn._act.get("tanh"))
    x = rng.standard_normal((5, 4))
    out = block.forward(x).copy()
    assert np.allclose(out, x + np.tanh(x @ block.W + block.b))
    R = rng.standard_normal(out.shape)
    dx = block.backward(R.copy()).copy()
    grads = [g.copy() for g in block.grads()]

    def loss() -> float:
        return float(np.sum(block.forward(x) * R))

    assert relative_error(numeric_grad(loss, x), dx) < 1e-6
    for p, g in zip(block.params(), grads, strict=True):
        assert relative_error(numeric_grad(loss, p), g) < 1e-6
    assert block.backward(R, need_dx=False) is None


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "gelu"])
@pytest.mark.parametrize("norm", [None, "layer", "batch"])
def test_residual_network_gradient(activation, norm):
    X, y = data.spirals(40, seed=0)
    net = MLP([2, 6, 6, 6, 3], activation, residual=True, norm=norm, seed=3)
    _perturb_affine(net)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Dense", "Residual", "Residual", "Dense"]
    names = [(i, n) for i, layer in enumerate(net.layers) for n in ("W", "b", "gamma", "beta")
             if getattr(layer, n) is not None]
    errors = network_gradient_error(net, X, y)
    assert len(errors) == len(names)
    for (i, name), err in zip(names, errors, strict=True):
        if norm == "batch" and name == "b" and i < 3:
            continue  # the batch mean removes b: its gradient is 0 (tests/test_batchnorm.py)
        assert err < 1e-6, (i, name, err)


def test_residual_views_keep_their_meaning():
    X, y = data.spirals(30, seed=0)
    net = MLP([2, 5, 5, 3], "relu", residual=True, seed=0)
    first, block, out = net.layers
    net.loss_and_grad(X, y)
    assert not first.residual and block.residual and not out.residual
    assert block.x is first.out and first.out is first.h  # a plain layer's output is h
    assert out.x is block.out
    assert np.array_equal(block.z, block.x @ block.W + block.b)
    assert np.array_equal(block.h, np.maximum(block.z, 0))  # h: the activation's output
    assert np.array_equal(block.out, block.x + block.h)  # out: the block output
    assert np.array_equal(block.dW, block.x.T @ block.dz)
    assert np.array_equal(block.dz, block.dh * (block.z > 0))
    assert np.array_equal(diagnostics.dead_mask(net, X)[1], ~np.any(block.z > 0, axis=0))
    assert [h.shape for h in net.hidden_outputs(X)] == [(30, 5), (30, 5)]
    assert repr(net) == "MLP(2-5-5-3, relu, residual, float64)"
    # writing a view writes the inner module
    W = block.W
    block.W += 1
    assert block.W is W and block.linear.W is W and "W" not in block.__dict__
    # copy and state
    c = net.copy()
    assert np.array_equal(c.forward(X), net.forward(X))


def test_a_dead_residual_layer_passes_its_input_through():
    """With every unit of a block dead (z <= 0 everywhere), the block is the identity: the net is
    not collapsed, and gradients still reach the layers before it."""
    X, y = data.moons(100, seed=0)
    plain = MLP([2, 3, 3, 3, 2], "relu", seed=0)
    res = MLP([2, 3, 3, 3, 2], "relu", seed=0, residual=True)
    for net in (plain, res):
        net.layers[1].b[:] = -100.0
    assert diagnostics.dead_mask(plain, X)[1].all() and diagnostics.dead_mask(res, X)[1].all()
    assert np.ptp(plain.forward(X), axis=0).max() == 0  # constant output
    assert np.ptp(res.forward(X), axis=0).max() > 0
    res.loss_and_grad(X, y)
    plain.loss_and_grad(X, y)
    assert not plain.layers[0].dW.any() and res.layers[0].dW.any()
    assert np.array_equal(res.layers[1].out, res.layers[1].x)


def test_residual_width_rules():
    net = MLP([2, 4, 4, 6, 6, 3], residual=True, seed=0)
    assert [layer.residual for layer in net.layers] == [False, True, False, True, False]
    with pytest.raises(ValueError, match=r"hidden layer 0 \(2 -> 4\).*equal input and output widths"):
        MLP([2, 4, 4, 3], residual=[True, True])
    with pytest.raises(ValueError, match="no hidden layer .* equal input and output widths"):
        MLP([2, 8, 3], residual=True)
    with pytest.raises(ValueError, match="needs a hidden layer"):
        MLP([2, 3], residual=True)
    with pytest.raises(ValueError, match="needs as many outputs as inputs"):
        nn.Residual(np.zeros((3, 4)), np.zeros(4), nn._act.get("relu"))


def test_existing_networks_are_unchanged():
    X, y = data.spirals(90, seed=0)
    a = MLP([2, 8, 8, 3], "relu", seed=0)
    b = MLP([2, 8, 8, 3], "relu", seed=0, residual=False)
    ha = fit(a, X, y, optimizer=SGD(0.2), epochs=2, batch_size=16, seed=1)
    hb = fit(b, X, y, optimizer=SGD(0.2), epochs=2, batch_size=16, seed=1)
    assert ha.loss == hb.loss and all(type(layer) is nn.Dense for layer in b.layers)
    assert all(np.array_equal(p, q) for p, q in zip(a.params(), b.params(), strict=True))
    # a residual net draws the same initial weights as the plain one
    r = MLP([2, 8, 8, 3], "relu", seed=0, residual=True)
    c = MLP([2, 8, 8, 3], "relu", seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(r.params(), c.params(), strict=True))


def test_layernorm_removes_a_bias_shift_common_to_all_units():
    """Chapter 4's negative-bias setting shifts every hidden bias by the same amount: the row mean
    removes it exactly, so a layer-normalised net is not killed by it (unlike a plain one)."""
    X, _ = data.spirals(100, seed=0)
    a = MLP([2, 16, 16, 3], norm="layer", seed=0)
    b = MLP([2, 16, 16, 3], norm="layer", seed=0, bias=[-1.0, -1.0, 0.0])
    assert np.allclose(a.forward(X), b.forward(X), rtol=0, atol=1e-9)
    plain = MLP([2, 16, 16, 3], seed=0, bias=[-1.0, -1.0, 0.0])
    assert diagnostics.network_dead_fraction(plain, X) > diagnostics.network_dead_fraction(b, X)
