"""Layers as modules (issue 11): each module's backward matches finite differences on its own, a
Dense layer shows the views the chapters read, and a new layer kind is a class, not a branch."""

from __future__ import annotations

import numpy as np
import pytest

from dying_relu import MLP, SGD, data, fit, nn
from dying_relu import activations as A
from dying_relu.gradcheck import module_gradient_error, network_gradient_error


def _check_module(module, x, rng):
    """Gradient check of one module (``gradcheck.module_gradient_error``); returns its output."""
    out, errors = module_gradient_error(module, x, rng)
    assert max(errors) < 1e-6, errors
    return out


def test_linear_module(rng):
    mod = nn.Linear(rng.standard_normal((3, 4)), rng.standard_normal(4))
    out = _check_module(mod, rng.standard_normal((5, 3)), rng)
    assert out.shape == (5, 4) and mod.params()[0] is mod.W and mod.grads()[1] is mod.db
    assert mod.backward(np.ones((5, 4)), need_dx=False) is None


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_module(training, rng):
    mod = nn.BatchNorm(4, np.float64)
    mod.gamma[:] = rng.uniform(0.5, 1.5, 4)
    mod.beta[:] = rng.uniform(-0.5, 0.5, 4)
    mod.running_mean[:] = rng.standard_normal(4)
    mod.running_var[:] = rng.uniform(0.5, 2, 4)
    mod.training = training
    mod.update_running = False  # the check calls forward many times
    _check_module(mod, rng.standard_normal((6, 4)) * 2 + 1, rng)
    assert mod.buffers() == [mod.running_mean, mod.running_var] and mod.min_batch == 2


@pytest.mark.parametrize("name", ["tanh", "elu", "sigmoid", "leaky_relu", "identity"])
def test_activation_module(name, rng):
    mod = nn.ActivationLayer(A.get(name), 4, np.float64)
    x = rng.standard_normal((5, 4))
    x[np.abs(x) < 0.05] = 0.3  # away from kinks
    out = _check_module(mod, x, rng)
    if name == "identity":
        assert out is x  # h is the very array z


def test_prelu_module(rng):
    mod = nn.PReLU(A.get("prelu", alpha=0.3), 4, np.float64)
    mod.alpha[:] = [0.1, -0.2, 0.5, 1.3]
    x = rng.standard_normal((6, 4))
    x[np.abs(x) < 0.05] = -0.4
    _check_module(mod, x, rng)
    assert mod.param_names == ("alpha",)


def test_dense_views_are_the_modules_arrays(rng):
    X, y = data.spirals(30, seed=0)
    net = MLP([2, 5, 4, 3], ["relu", "prelu"], batchnorm=[True, False], seed=0)
    net.loss_and_grad(X, y)
    first, second, out = net.layers
    assert [type(m).__name__ for m in first.modules] == ["Linear", "BatchNorm", "ActivationLayer"]
    assert [type(m).__name__ for m in second.modules] == ["Linear", "PReLU"]
    assert first.x.shape == (30, 2) and second.x is first.h
    assert first.u is first.linear.out and first.z is first.norm.out and first.h is first.act.out
    assert second.u is None and second.z is second.linear.out and second.gamma is None
    assert out.h is out.z and out.is_linear and out.alpha is None
    assert first.alpha is None and second.alpha is second.act.alpha and first.du is first.norm.du
    for layer in net.layers:  # every view the chapters read
        for name in ("W", "b", "x", "z", "h", "dz", "dh", "dW", "db"):
            assert getattr(layer, name) is not None, name
    # writing a view writes the module that owns it
    W = first.W
    first.W += 1
    assert first.W is W and first.linear.W is W
    first.gamma = np.full(5, 2.0)
    assert first.norm.gamma is first.gamma and "gamma" not in first.__dict__
    first.training = False
    assert not any(m.training for m in first.modules)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        first.nope  # noqa: B018
    # state and copy go through the modules
    saved = net.state()
    copy = net.copy()
    assert all(np.array_equal(p, q) for p, q in zip(saved, copy.state(), strict=True))


class _Center(nn.Module):
    """A toy normalisation for the extensibility test: subtract each example's mean over units,
    then scale by a learned ``g`` (units,)."""

    param_names = ("g",)
    grad_names = ("dg",)

    def __init__(self, units: int, dtype: np.dtype) -> None:
        super().__init__()
        self.g = np.linspace(0.5, 1.5, units).astype(dtype)
        self.dg = np.zeros_like(self.g)

    def forward(self, u):
        self.x = u
        self.c = u - u.mean(axis=1, keepdims=True)
        self.out = self.c * self.g
        return self.out

    def backward(self, d_out, need_dx=True):
        np.sum(d_out * self.c, axis=0, out=self.dg)
        dc = d_out * self.g
        return dc - dc.mean(axis=1, keepdims=True)


def test_a_new_normalisation_is_a_class_and_a_registry_entry(monkeypatch):
    """Chapter 5's layer normalisation went in like this: no change to Dense or MLP."""
    monkeypatch.setitem(nn.NORMS, "center", _Center)
    X, y = data.spirals(40, seed=0)
    net = MLP([2, 6, 5, 3], "tanh", norm="center", seed=0)
    assert [type(layer.norm).__name__ for layer in net.hidden] == ["_Center", "_Center"]
    assert len(net.params()) == 3 * 2 + 2 and net.hidden[0].g is net.hidden[0].norm.g
    assert max(network_gradient_error(net, X, y)) < 1e-6
    fit(net, X, y, optimizer=SGD(0.1), epochs=2, batch_size=8)  # trains end to end
    with pytest.raises(ValueError, match="known: batch, center, layer"):
        MLP([2, 6, 3], norm="group")


class _Residual:
    """A toy residual block ``h = x + f(x)`` around a square Dense layer: a layer of another shape
    only needs forward, backward, params, grads, buffers, training and the views."""

    def __init__(self, inner: nn.Dense) -> None:
        self.inner = inner

    def forward(self, x):
        self.out = self.inner.forward(x) + x
        return self.out

    def backward(self, dh, need_dx=True):
        return self.inner.backward(dh, True) + dh

    def params(self):
        return self.inner.params()

    def grads(self):
        return self.inner.grads()

    def buffers(self):
        return self.inner.buffers()

    @property
    def training(self):
        return self.inner.training

    @training.setter
    def training(self, mode):
        self.inner.training = mode

    @property
    def z(self):
        return self.inner.z


def test_a_new_block_shape_composes_with_mlp():
    X, y = data.spirals(40, seed=0)
    net = MLP([2, 6, 6, 3], "tanh", seed=0)
    net.layers[1] = _Residual(net.layers[1])
    assert max(network_gradient_error(net, X, y)) < 1e-6
    assert len(net.pre_activations(X)) == 2


def test_norm_argument_is_batchnorm():
    X, y = data.spirals(60, seed=0)
    a = MLP([2, 8, 3], batchnorm=True, seed=0)
    b = MLP([2, 8, 3], norm="batch", seed=0)
    c = MLP([2, 8, 8, 3], norm=["batch", None], seed=0)
    assert c.layers[0].batchnorm and not c.layers[1].batchnorm
    ha = fit(a, X, y, optimizer=SGD(0.1), epochs=2)
    hb = fit(b, X, y, optimizer=SGD(0.1), epochs=2)
    assert ha.loss == hb.loss
