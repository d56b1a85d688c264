"""Batch normalisation in ``MLP(..., batchnorm=True)`` (Chapter 4): gradients, statistics, modes,
learning, and what it does (and does not do) for dead units."""

from __future__ import annotations

import numpy as np
import pytest

from dying_relu import MLP, SGD, data, diagnostics, fit
from dying_relu import fixes as F
from dying_relu.gradcheck import network_gradient_error, numeric_grad
from dying_relu.train import evaluate


def _bn_net(seed: int = 1, sizes=(2, 7, 5, 3), activation="relu", batchnorm=True) -> MLP:
    net = MLP(list(sizes), activation, batchnorm=batchnorm, seed=seed)
    rng = np.random.default_rng(seed)
    for layer in net.hidden:  # move gamma and beta away from their start, so the check sees them
        if layer.batchnorm:
            layer.gamma[:] = rng.uniform(0.5, 1.5, layer.fan_out)
            layer.beta[:] = rng.uniform(-0.5, 0.5, layer.fan_out)
    return net


def _param_names(net: MLP) -> list[tuple[int, str]]:
    names = []
    for i, layer in enumerate(net.layers):
        for name in ("W", "b", "alpha", "gamma", "beta"):
            if getattr(layer, name) is not None:
                names.append((i, name))
    return names


@pytest.mark.parametrize("activation,batchnorm", [("relu", True), ("tanh", True), ("elu", [True, False])])
def test_gradient_check_training_mode(activation, batchnorm):
    X, y = data.spirals(48, seed=0)
    net = _bn_net(activation=activation, batchnorm=batchnorm)
    assert net.training
    names = _param_names(net)
    assert len(names) == len(net.params()) == len(net.grads())
    errors = network_gradient_error(net, X, y)
    net.loss_and_grad(X, y)
    for (i, name), err, p, g in zip(names, errors, net.params(), net.grads(), strict=True):
        if name == "b" and net.layers[i].batchnorm:
            # the batch mean removes b: its true gradient is 0, so compare absolutely
            num = numeric_grad(lambda: net.loss_and_grad(X, y), p)
            net.loss_and_grad(X, y)
            assert np.abs(g).max() < 1e-12 and np.abs(num).max() < 1e-8
        else:
            assert err < 1e-6, (i, name, err)
    # gamma and beta of every normalised layer are among the parameters
    n_bn = sum(layer.batchnorm for layer in net.layers)
    assert sum(n in ("gamma", "beta") for _, n in names) == 2 * n_bn > 0


def test_gradient_check_eval_mode():
    X, y = data.spirals(48, seed=0)
    net = _bn_net()
    fit(net, X, y, optimizer=SGD(0.1), epochs=2, batch_size=16, seed=0)  # non-trivial running stats
    net.eval()
    assert max(network_gradient_error(net, X, y)) < 1e-6


def test_forward_statistics_training_mode():
    X, _ = data.spirals(200, seed=3)
    net = MLP([2, 16, 16, 3], "relu", batchnorm=True, bias=-2.0, seed=0)
    for layer in net.hidden:
        layer.gamma[:] = 2.0
        layer.beta[:] = 0.5
    net.forward(X)
    for layer in net.hidden:
        assert np.allclose(layer.xhat.mean(axis=0), 0, atol=1e-12)
        assert np.allclose(layer.xhat.var(axis=0), layer.u.var(axis=0) / (layer.u.var(axis=0) + 1e-5))
        assert np.allclose(layer.xhat.var(axis=0), 1, atol=1e-3)
        assert np.allclose(layer.z, 2.0 * layer.xhat + 0.5)  # z (into the activation) after gamma, beta
        assert np.allclose(layer.u, layer.x @ layer.W + layer.b)
        assert np.array_equal(layer.h, np.maximum(layer.z, 0))


def test_running_statistics_and_eval_mode():
    X, _ = data.spirals(100, seed=0)
    net = MLP([2, 8, 3], "relu", batchnorm=True, seed=0)
    layer = net.layers[0]
    u = X @ layer.W + layer.b
    net.forward(X)
    assert np.allclose(layer.running_mean, 0.1 * u.mean(axis=0))
    assert np.allclose(layer.running_var, 0.9 + 0.1 * u.var(axis=0, ddof=1))
    net.forward(X)
    assert np.allclose(layer.running_mean, 0.19 * u.mean(axis=0))
    # evaluation mode: running statistics, no update, no dependence on the rest of the batch
    layer.running_mean[:] = np.arange(8) * 0.1
    layer.running_var[:] = np.linspace(0.5, 2, 8)
    before = (layer.running_mean.copy(), layer.running_var.copy())
    out_all = net.eval().forward(X)
    expected = (u - before[0]) / np.sqrt(before[1] + 1e-5) * layer.gamma + layer.beta
    assert np.allclose(layer.z, expected)
    assert np.array_equal(layer.running_mean, before[0]) and np.array_equal(layer.running_var, before[1])
    assert np.allclose(net.forward(X[:1]), out_all[:1])  # one example alone: same output
    assert not net.training
    net.train()
    assert not np.allclose(net.forward(X[:5]), out_all[:5])  # batch statistics of 5 examples differ
    # state() carries the running statistics
    saved = net.state()
    net.forward(X[:7])
    net.load_state(saved)
    assert np.array_equal(layer.running_mean, saved[-2]) and np.array_equal(layer.running_var, saved[-1])


def test_fit_steps_with_batch_statistics_and_evaluates_with_running_statistics():
    X, y = data.spirals(120, seed=0)
    net = MLP([2, 8, 3], "relu", batchnorm=True, seed=0)
    modes = []

    def hook(net, epoch):
        modes.append(net.training)
        mean = net.layers[0].running_mean.copy()
        net.forward(X)  # the hook's own pass must not move the running statistics
        assert np.array_equal(mean, net.layers[0].running_mean)
        return None

    steps = []
    hist = fit(net, X, y, optimizer=SGD(0.1), epochs=2, batch_size=40, seed=0, on_epoch=hook,
               on_step=lambda net, step: steps.append(net.training))
    assert modes == [False] * 3 and steps == [False] * 6
    assert net.training  # left in the mode it was in
    # the recorded loss is the loss with the running statistics
    net.eval()
    assert evaluate(net, X, y)[0] == pytest.approx(hist.loss[-1], rel=1e-12)
    # steps used batch statistics: the running mean moved by momentum 0.1 per step (6 steps)
    assert not np.allclose(net.layers[0].running_mean, 0)


def test_without_batchnorm_nothing_changes():
    X, y = data.spirals(90, seed=0)
    a = MLP([2, 8, 8, 3], "relu", seed=0)
    b = MLP([2, 8, 8, 3], "relu", seed=0, batchnorm=False)
    b.eval()
    ha = fit(a, X, y, optimizer=SGD(0.2), epochs=2, batch_size=16, seed=1)
    hb = fit(b, X, y, optimizer=SGD(0.2), epochs=2, batch_size=16, seed=1)
    assert ha.loss == hb.loss and len(a.params()) == 6 and repr(a) == "MLP(2-8-8-3, relu, float64)"
    assert all(np.array_equal(p, q) for p, q in zip(a.params(), b.params(), strict=True))
    with pytest.raises(ValueError, match="batchnorm"):
        MLP([2, 8, 3], batchnorm=[True, False])


def test_batchnorm_net_learns_spirals():
    split = F.SETTINGS[0].load()
    net = MLP([2, 64, 64, 3], "relu", batchnorm=True, seed=0, dtype=np.float32)
    hist = fit(net, split.X_train, split.y_train, optimizer=SGD(0.1), epochs=20, seed=0)
    assert hist.accuracy[-1] > 0.9
    assert np.mean(net.eval().predict(split.X_test) == split.y_test) > 0.85


def test_batchnorm_recentres_a_unit_with_a_large_negative_bias():
    X, y = data.moons(400, seed=0)
    plain = MLP([2, 8, 8, 2], "relu", seed=0)
    plain.layers[0].b[0] = -20.0
    normed = MLP([2, 8, 8, 2], "relu", seed=0, batchnorm=True)
    normed.layers[0].b[0] = -20.0
    assert diagnostics.dead_mask(plain, X)[0][0]  # dead without normalisation
    assert not diagnostics.dead_mask(normed, X)[0][0]  # alive with batch statistics
    fit(plain, X, y, optimizer=SGD(0.3), epochs=5, seed=0)
    fit(normed, X, y, optimizer=SGD(0.3), epochs=5, seed=0)
    assert diagnostics.dead_mask(plain, X)[0][0]  # still dead: no gradient ever reached it
    normed.eval()
    assert not diagnostics.dead_mask(normed, X)[0][0]  # alive with the running statistics too
    assert np.mean(normed.layers[0].z[:, 0] > 0) > 0.2


def test_caveat_a_negative_beta_kills_a_normalised_unit_for_good():
    """Normalisation re-centres u, but beta shifts z again: beta below -gamma * max(xhat) leaves
    the unit at z <= 0 on every example of every batch, where it gets no gradient, gamma and beta
    included (the high-learning-rate runs of Chapter 4 kill a few units exactly like this)."""
    X, y = data.moons(400, seed=0)
    net = MLP([2, 8, 8, 2], "relu", seed=0, batchnorm=True)
    layer = net.layers[0]
    layer.beta[0] = -10.0  # xhat of 400 examples stays far below 10 standard deviations
    assert diagnostics.dead_mask(net, X)[0][0]
    net.loss_and_grad(X, y)
    assert layer.dgamma[0] == 0 and layer.dbeta[0] == 0 and not layer.dW[:, 0].any()
    fit(net, X, y, optimizer=SGD(0.3), epochs=5, seed=0)
    assert layer.beta[0] == -10.0 and layer.gamma[0] == 1.0
    net.train()
    assert diagnostics.dead_mask(net, X)[0][0]
    net.eval()
    assert diagnostics.dead_mask(net, X)[0][0]


def test_batchnorm_fix_in_the_comparison():
    fix = F.get_fix("relu_bn")
    assert fix is F.BATCHNORM and fix not in F.FIXES
    setting = F.Setting("tiny", "tiny", "spirals", (16, 16), 0.3, 3, bias_shift=-1.0, n=300)
    run = F.train_run(setting, fix, 0)
    relu = F.train_run(setting, F.get_fix("relu"), 0)
    assert run.never_active.shape == (4,) and 0 <= run.test_accuracy <= 1
    # at epoch 0 the running statistics are still (0, 1): the net is the plain ReLU net
    assert run.never_active[0] == relu.never_active[0] > 0.3
    assert run.never_active[-1] < relu.never_active[-1]
    assert relu.batchnorm is None and len(run.batchnorm["gamma"]) == 2
    dead = np.concatenate(run.batchnorm["dead_running"]).mean()
    assert dead == pytest.approx(run.never_active[-1])
    net = fix.build([2, 16, 3], 0)
    assert net.layers[0].batchnorm and not net.layers[1].batchnorm
    assert F.fix_style("relu_bn")["color"] != F.fix_style("relu")["color"] and F.fix_hatch("relu_bn")
