"""The table of bad inputs: what a careless user can pass, and what the library says back (issue 11).

One row per case: an id, the call, the exception or warning class expected, and a fragment of the
message (a regular expression, matched case-insensitively) that tells the user what to do. Add a
row whenever you add a check. Cases that need more than one call (the last mini-batch of one, the
running statistics left alone by the diagnostics, ...) have their own tests below the table.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import pytest

from dying_relu import MLP, SGD, Adam, Momentum, data, diagnostics, fit, optim, seeding, stats
from dying_relu import activations as A
from dying_relu import gradients as G
from dying_relu import init as I  # noqa: N812
from dying_relu.blas import blas_threads, pin_threads
from dying_relu.nn import BatchNorm, LayerNorm, Residual
from dying_relu.train import LossBlowupWarning, evaluate

X, Y = data.spirals(40, seed=0)
XR = np.linspace(-1, 1, 20)[:, None]


def _net(**kw) -> MLP:
    return MLP([2, 8, 3], seed=0, **kw)


def _yr_nan() -> np.ndarray:
    y = np.sin(XR[:, 0])
    y[3] = np.nan
    return y


def _born_dead(width=2, X=XR, **kw):
    return diagnostics.born_dead_first_layer(width, 3, 10, X, np.random.default_rng(0), **kw)


def _step(params, grads):
    return SGD(0.1).step(params, grads)


def _bn_one_example():
    net = _net(batchnorm=True)
    net.forward(X[:1])


def _blowup():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow noise, not ours
        warnings.simplefilter("always", LossBlowupWarning)
        fit(MLP([2, 32, 32, 3], seed=0), *data.spirals(300, seed=0), optimizer=SGD(1e6), epochs=3)


def _bad_init(fan_in, fan_out, rng, dtype=np.float64):
    return np.zeros((fan_out, fan_in))


def _bad_bias(fan_out, rng, dtype=np.float64):
    return np.zeros(fan_out + 1)


def _offset(value: str) -> Callable[[], object]:
    def call():
        import os

        old = os.environ.get(seeding.ENV)
        os.environ[seeding.ENV] = value
        try:
            seeding.rng(0)
        finally:
            if old is None:
                del os.environ[seeding.ENV]
            else:
                os.environ[seeding.ENV] = old

    return call


# id, call, expected exception or warning class, message fragment (regex)
CASES: list[tuple[str, Callable[[], object], type[BaseException], str]] = [
    # --- building a network
    ("mlp-bool-width", lambda: MLP([2, True, 3]), TypeError, "widths must be integers.*keyword"),
    ("mlp-zero-width", lambda: MLP([2, 0, 3]), ValueError, "positive integer"),
    ("mlp-float-width", lambda: MLP([2, 3.5, 3]), ValueError, "positive integer"),
    ("mlp-one-size", lambda: MLP([2]), ValueError, "at least an input and an output"),
    ("mlp-bn-no-hidden", lambda: MLP([2, 3], batchnorm=True), ValueError, "needs a hidden layer"),
    ("mlp-bn-list-length", lambda: MLP([2, 8, 3], batchnorm=[True, False]), ValueError, "give one or 1"),
    ("mlp-bn-and-norm", lambda: MLP([2, 8, 3], batchnorm=True, norm="batch"), ValueError, "not both"),
    ("mlp-unknown-norm", lambda: MLP([2, 8, 3], norm="group"), ValueError,
     "unknown normalisation.*batch, layer"),
    ("mlp-layernorm-width-one", lambda: MLP([2, 1, 3], norm="layer"), ValueError,
     "2 or more units.*widen the layer"),
    ("layernorm-width-one", lambda: LayerNorm(1, np.float64), ValueError, "2 or more units"),
    ("layernorm-eps-zero", lambda: LayerNorm(4, np.float64, eps=0.0), ValueError,
     "eps must be a finite number > 0"),
    ("mlp-residual-no-hidden", lambda: MLP([2, 3], residual=True), ValueError, "needs a hidden layer"),
    ("mlp-residual-no-square-layer", lambda: MLP([2, 8, 3], residual=True), ValueError,
     "no hidden layer.*equal input and output widths.*drop the flag"),
    ("mlp-residual-flag-on-unequal-widths", lambda: MLP([2, 8, 8, 3], residual=[True, True]), ValueError,
     r"hidden layer 0 \(2 -> 8\).*set its flag to False"),
    ("mlp-residual-list-length", lambda: MLP([2, 8, 8, 3], residual=[True]), ValueError, "give one or 2"),
    ("residual-not-square", lambda: Residual(np.zeros((3, 4)), np.zeros(4), A.get("relu")), ValueError,
     "needs as many outputs as inputs"),
    ("mlp-int-dtype", lambda: MLP([2, 8, 3], dtype=np.int32), ValueError, "float32 or float64"),
    ("mlp-unknown-activation", lambda: MLP([2, 8, 3], "rleu"), ValueError, "relu"),
    ("mlp-unknown-init", lambda: MLP([2, 8, 3], init="kaiming"), ValueError, "known:.*he"),
    ("mlp-init-wrong-shape", lambda: MLP([2, 8, 3], init=_bad_init), ValueError, r"expected \(2, 8\)"),
    ("mlp-bias-wrong-shape", lambda: MLP([2, 8, 3], bias=_bad_bias), ValueError, r"shape \(8,\)"),
    ("mlp-bias-nan", lambda: MLP([2, 8, 3], bias=float("nan")), ValueError, "must be finite"),
    ("mlp-seed-float", lambda: MLP([2, 8, 3], seed=1.5), TypeError, "seed must be an integer"),
    ("bn-momentum", lambda: BatchNorm(4, np.float64, momentum=1.5), ValueError,
     r"momentum must be in \[0, 1\]"),
    ("bn-eps-zero", lambda: BatchNorm(4, np.float64, eps=0.0), ValueError, "eps must be a finite number > 0"),
    # --- running a network
    ("forward-wrong-width", lambda: _net().forward(np.zeros((4, 3))), ValueError, "reshape your data"),
    ("forward-nan-input", lambda: _net().forward(np.full((4, 2), np.nan)), ValueError, "nan_to_num"),
    ("bn-batch-of-one", _bn_one_example, ValueError, "more than 1 example per batch.*net.eval"),
    ("backward-before-forward", lambda: _net().backward(np.zeros((4, 3))), RuntimeError, "forward"),
    ("load-state-length", lambda: _net().load_state([np.zeros(1)]), ValueError, "state has 1 arrays"),
    # --- training
    ("fit-zero-examples", lambda: fit(_net(), X[:0], Y[:0], optimizer=SGD(0.1)), ValueError, "0 examples"),
    ("evaluate-zero-examples", lambda: evaluate(_net(), X[:0], Y[:0]), ValueError, "0 examples"),
    ("fit-nan-target", lambda: fit(MLP([1, 4, 1]), XR, _yr_nan(), optimizer=SGD(0.1), loss="mse"),
     ValueError, "targets y contain 1 NaN.*not a learning-rate problem"),
    ("fit-inf-target", lambda: fit(MLP([1, 4, 1]), XR, np.full(20, np.inf), optimizer=SGD(0.1), loss="mse"),
     ValueError, "targets y contain 20 NaN or infinite"),
    ("evaluate-nan-target", lambda: evaluate(MLP([1, 4, 1]), XR, _yr_nan(), "mse"), ValueError, "targets y"),
    ("fit-nan-validation", lambda: fit(MLP([1, 4, 1]), XR, np.sin(XR[:, 0]), optimizer=SGD(0.1), loss="mse",
                                       validation=(XR, _yr_nan())), ValueError, "validation set"),
    ("fit-length-mismatch", lambda: fit(_net(), X, Y[:-1], optimizer=SGD(0.1)), ValueError, "must match"),
    ("fit-float-labels", lambda: fit(_net(), X, Y.astype(float), optimizer=SGD(0.1)), ValueError,
     "must be integers"),
    ("fit-label-range", lambda: fit(_net(), X, Y + 5, optimizer=SGD(0.1)), ValueError, r"lie in \[0, 3\)"),
    ("fit-one-hot", lambda: fit(_net(), X, np.eye(3)[Y], optimizer=SGD(0.1)), ValueError, "not one-hot"),
    ("fit-bn-batch-size-one", lambda: fit(_net(batchnorm=True), X, Y, optimizer=SGD(0.05), batch_size=1),
     ValueError, "at least 2 examples per mini-batch.*batch_size >= 2"),
    ("fit-bn-one-example", lambda: fit(_net(batchnorm=True), X[:1], Y[:1], optimizer=SGD(0.05)),
     ValueError, "at least 2 examples"),
    ("fit-name-without-lr", lambda: fit(_net(), X, Y, optimizer="adam"), ValueError, "give a learning rate"),
    ("fit-lr-with-instance", lambda: fit(_net(), X, Y, optimizer=SGD(0.1), lr=0.1), ValueError, "only with"),
    ("fit-negative-epochs", lambda: fit(_net(), X, Y, optimizer=SGD(0.1), epochs=-1), ValueError, "epochs"),
    ("fit-zero-batch", lambda: fit(_net(), X, Y, optimizer=SGD(0.1), batch_size=0), ValueError, "batch_size"),
    ("fit-bad-divergence-mode", lambda: fit(_net(), X, Y, optimizer=SGD(0.1), on_divergence="ignore"),
     ValueError, "'raise' or 'stop'"),
    ("fit-bad-blowup", lambda: fit(_net(), X, Y, optimizer=SGD(0.1), blowup=0.5), ValueError, "blowup"),
    ("fit-loss-blows-up", _blowup, LossBlowupWarning, "grew from .* lower the learning rate"),
    ("unknown-loss", lambda: fit(_net(), X, Y, optimizer=SGD(0.1), loss="hinge"), ValueError, "known losses"),
    # --- optimisers
    ("sgd-lr-zero", lambda: SGD(0.0), ValueError, "lr must be a finite number > 0"),
    ("sgd-lr-nan", lambda: SGD(float("nan")), ValueError, "lr must be a finite number > 0"),
    ("adam-eps-zero", lambda: Adam(eps=0.0), ValueError, "eps must be a finite number > 0"),
    ("adam-eps-negative", lambda: Adam(eps=-1e-8), ValueError, "eps must be a finite number > 0"),
    ("adam-eps-nan", lambda: Adam(eps=float("nan")), ValueError, "eps must be a finite number > 0"),
    ("adam-beta1-one", lambda: Adam(beta1=1.0), ValueError, r"beta1 must be in \[0, 1\)"),
    ("momentum-beta-one", lambda: Momentum(0.1, beta=1.0), ValueError, r"beta must be in \[0, 1\)"),
    ("weight-decay-nan", lambda: SGD(0.1, weight_decay=float("nan")), ValueError, "finite number >= 0"),
    ("weight-decay-inf", lambda: Adam(weight_decay=float("inf")), ValueError, "finite number >= 0"),
    ("weight-decay-negative", lambda: Momentum(0.1, weight_decay=-0.1), ValueError, "finite number >= 0"),
    ("step-wrong-shape", lambda: _step([np.zeros((2, 3))], [np.zeros(3)]), ValueError,
     r"shape \(3,\) but its parameter has shape \(2, 3\).*broadcast"),
    ("step-length-mismatch", lambda: _step([np.zeros(3), np.zeros(2)], [np.zeros(3)]), ValueError,
     "2 parameters and 1 gradients"),
    ("unknown-optimizer", lambda: optim.get("rmsprop", lr=0.1), ValueError, "known:.*adamw"),
    # --- initialisers, statistics, BLAS, seeds
    ("init-negative-scale", lambda: I.get(-1.0), ValueError, "finite number >= 0"),
    ("rai-bad-beta", lambda: I.RAI(a=0.0), ValueError, "a > 0 and b > 0"),
    ("rai-fan-in-zero", lambda: I.rai_matrix(0, 3, np.random.default_rng(0)), ValueError, ">= 1"),
    ("rai-bias-alone", lambda: I.RAI().bias(3, np.random.default_rng(0)), RuntimeError,
     "init=rai.init, bias=rai.bias"),
    ("born-dead-bad-init", lambda: _born_dead(init="glorot"), ValueError, "'he', 'rai'"),
    ("born-dead-rai-bias-std", lambda: _born_dead(init="rai", bias_std=0.1), ValueError,
     "bias_std is for init='he'"),
    ("born-dead-width-zero", lambda: _born_dead(width=0), ValueError, "width must be an integer >= 1"),
    ("born-dead-no-points", lambda: _born_dead(X=XR[:0]), ValueError, "n_examples >= 1"),
    ("verdict-one-seed", lambda: stats.paired_verdict([0.5], [0.4]), ValueError, "length >= 2"),
    ("verdict-shape-mismatch", lambda: stats.paired_verdict([0.5, 0.6], [0.4]), ValueError, "same length"),
    ("t-critical-df-zero", lambda: stats.t_critical(0), ValueError, "df must be >= 1"),
    ("explorer-scale-zero", lambda: G.explorer_data(5, 0.0), ValueError, "finite number > 0.*He"),
    ("explorer-depth-float", lambda: G.compute(2.5, "relu", 2.0), ValueError, "positive integer"),
    ("blas-zero-threads", lambda: pin_threads(0), ValueError, "integer >= 1"),
    ("blas-threads-float", lambda: blas_threads(1.5).__enter__(), ValueError, "integer >= 1"),
    ("seed-offset-not-int", _offset("ten"), ValueError, "not an integer"),
    ("activation-bad-param", lambda: A.get("relu", alpha=0.1), ValueError, "no parameter"),
]


@pytest.mark.parametrize("call,expected,fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(call, expected, fragment):
    if issubclass(expected, Warning):
        with pytest.warns(expected) as record:
            call()
        assert any(re.search(fragment, str(w.message), re.I | re.S) for w in record), \
            [str(w.message) for w in record]
    else:
        with pytest.raises(expected) as info:
            call()
        assert re.search(fragment, str(info.value), re.I | re.S), str(info.value)


def test_the_table_is_large_and_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) >= 30 and len(set(ids)) == len(ids)


# ---------------------------------------------------------------------------------------------
# Cases that need more than one call
# ---------------------------------------------------------------------------------------------


def test_last_minibatch_of_one_joins_the_previous_one():
    """33 examples, batch_size 32: one step of 33 per epoch, never a batch of one (whose variance
    0 would pull the running variance down to about 0.63 of its true value)."""
    X33, y33 = data.spirals(33, seed=0)
    net = MLP([2, 8, 3], batchnorm=True, seed=0)
    sizes = []
    hist = fit(net, X33, y33, optimizer=SGD(0.05), epochs=2, batch_size=32, seed=0,
               on_step=lambda n, s: sizes.append(n.layers[0].x.shape[0]))
    assert sizes == [33, 33] and len(hist.steps["loss"]) == 2
    # without batch normalisation nothing changes: a last batch of one is a step like any other
    plain = fit(MLP([2, 8, 3], seed=0), X33, y33, optimizer=SGD(0.05), epochs=1, batch_size=32, seed=0)
    assert len(plain.steps["loss"]) == 2


def test_batch_of_one_in_eval_mode_is_fine():
    net = MLP([2, 8, 3], batchnorm=True, seed=0).eval()
    assert net.forward(X[:1]).shape == (1, 3)


def test_dead_mask_leaves_running_statistics_alone():
    net = MLP([2, 8, 8, 3], batchnorm=True, seed=0)
    before = [a.copy() for a in net.state()]
    masks = diagnostics.dead_mask(net, X)  # training mode: batch statistics of X
    freq = diagnostics.activation_frequency(net, X)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.state(), strict=True))
    assert len(masks) == len(freq) == 2 and net.training
    net.forward(X)  # an ordinary training-mode pass still updates them
    assert not np.array_equal(before[-1], net.state()[-1])
    # and the flag is restored after an exception inside the block
    with pytest.raises(ValueError), net.frozen_statistics():
        net.forward(X[:1])
    assert all(m.update_running for layer in net.layers for m in layer.modules
               if hasattr(m, "update_running"))


def test_blowup_is_recorded_without_a_warning_when_stopping():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("error", LossBlowupWarning)
        hist = fit(MLP([2, 32, 32, 3], seed=0), *data.spirals(300, seed=0), optimizer=SGD(1e6),
                   epochs=3, on_divergence="stop")
    assert hist.blew_up and "lower the learning rate" in hist.message.lower() and "BLEW UP" in repr(hist)
    healthy = fit(_net(), X, Y, optimizer=SGD(0.1), epochs=3)
    assert not healthy.blew_up and healthy.message == ""
    off = fit(MLP([2, 32, 32, 3], seed=0), *data.spirals(300, seed=0), optimizer=SGD(1e6), epochs=2,
              on_divergence="stop", blowup=None)
    assert not off.blew_up


def test_nan_targets_no_longer_blamed_on_the_learning_rate():
    with pytest.raises(ValueError) as info:
        fit(MLP([1, 4, 1]), XR, _yr_nan(), optimizer=SGD(0.1), loss="mse")
    assert "learning rate" not in str(info.value).replace("not a learning-rate problem", "")


def test_adamw_is_adam_with_decoupled_decay():
    assert isinstance(optim.get("adamw", lr=1e-3), optim.AdamW)
    assert optim.get("adamw", lr=1e-3).weight_decay == 0.01
    a, b = MLP([2, 8, 3], seed=0), MLP([2, 8, 3], seed=0)
    fit(a, X, Y, optimizer=Adam(1e-2, weight_decay=0.05), epochs=2)
    fit(b, X, Y, optimizer=optim.AdamW(1e-2, weight_decay=0.05), epochs=2)
    assert all(np.array_equal(p, q) for p, q in zip(a.params(), b.params(), strict=True))


def test_weight_decay_skips_every_one_dimensional_parameter():
    net = MLP([2, 4, 3], "prelu", batchnorm=True, seed=0)
    params = net.params()
    # 1-D: b, gamma, beta, alpha of the hidden layer, b of the output layer
    assert {p.ndim for p in params} == {1, 2} and sum(p.ndim == 1 for p in params) == 5
    before = [p.copy() for p in params]
    SGD(0.1, weight_decay=0.5).step(params, [np.zeros_like(p) for p in params])  # zero gradients
    for p, q in zip(params, before, strict=True):
        assert np.array_equal(p, q) == (p.ndim == 1)


def test_looking_at_a_batchnorm_net_does_not_change_it():
    """pre_activations, hidden_outputs and evaluate in training mode leave the running statistics
    alone, and evaluate never feeds a chunk of one example to batch normalisation."""
    net = MLP([2, 8, 8, 3], batchnorm=True, seed=0)
    before = [a.copy() for a in net.state()]
    net.pre_activations(X)
    net.hidden_outputs(X)
    loss, acc = evaluate(net, X[:11], Y[:11], batch_size=5)  # chunks 5, 5 + 1
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert all(np.array_equal(a, b) for a, b in zip(before, net.state(), strict=True))
    assert evaluate(net.eval(), X[:11], Y[:11], batch_size=5)[0] == pytest.approx(
        evaluate(net, X[:11], Y[:11])[0], rel=1e-12)
