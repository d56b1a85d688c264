"""Chapter 5's library pieces: effectively dead, never positive, tau-dormant, ReDo, permuted digits."""

import numpy as np
import pytest

from dying_relu import MLP, Adam, Momentum, data, diagnostics, fit, init, redo
from dying_relu import activations as A


def killed_net(act="relu", dead=(1, 4), seed=0, **kw):
    """A 4-8-6-3 network whose layer-1 units ``dead`` have a bias of -1e3: never positive on any
    input of moderate size (the truth is known by construction)."""
    net = MLP([4, 8, 6, 3], act, seed=seed, **kw)
    net.layers[0].b[list(dead)] = -1e3
    return net


@pytest.fixture
def X(rng):
    return rng.normal(size=(500, 4))


# ---------------------------------------------------------------------------------------------
# the three masks
# ---------------------------------------------------------------------------------------------


def test_never_positive_matches_dead_mask_and_does_not_depend_on_chunking(X):
    net = killed_net()
    expected = diagnostics.dead_mask(net, X)
    for bs in (1, 7, 64, 10_000):
        got = diagnostics.never_positive_mask(net, X, batch_size=bs)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)
    assert np.flatnonzero(expected[0]).tolist() == [1, 4]


def test_whole_data_set_not_one_batch(X):
    """A unit positive only on the last examples is alive over the data set, dead on a batch."""
    net = MLP([4, 5, 3], "relu", seed=0)
    net.layers[0].W[:, 2] = [1.0, 0, 0, 0]
    net.layers[0].b[2] = -3.5  # positive only where x_0 > 3.5
    X = X.copy()
    X[:, 0] = np.clip(X[:, 0], -3, 3)
    X[-1, 0] = 4.0
    assert diagnostics.never_positive_mask(net, X[:256])[0][2]
    assert not diagnostics.never_positive_mask(net, X, batch_size=256)[0][2]
    st = diagnostics.unit_stats(net, X, batch_size=100)[0]
    assert st.n_examples == 500 and st.positive_count[2] == 1


def test_unit_stats_by_hand(X):
    net = killed_net("gelu")
    stats = diagnostics.unit_stats(net, X, batch_size=33)
    net.forward(X)
    for st, layer in zip(stats, net.hidden, strict=True):
        z, h = layer.z, layer.h
        np.testing.assert_array_equal(st.positive_count, (z > 0).sum(axis=0))
        np.testing.assert_array_equal(st.nonzero_count, (h != 0).sum(axis=0))
        np.testing.assert_allclose(st.mean_abs_h, np.abs(h).mean(axis=0), rtol=1e-12)
        rel = np.abs(A.gelu_grad(z)).max(axis=0) / A.max_abs_grad("gelu")
        np.testing.assert_allclose(st.max_rel_grad, rel, rtol=1e-12)
        np.testing.assert_allclose(st.dormant_scores().mean(), 1.0)


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "elu", "gelu", "silu", "mish", "selu", "softplus"])
def test_effectively_dead_finds_the_killed_units(act, X):
    net = killed_net(act)
    eff = diagnostics.effectively_dead_mask(net, X)
    assert np.flatnonzero(eff[0]).tolist() == ([] if act == "leaky_relu" else [1, 4])
    assert not eff[1].any()
    never = diagnostics.never_positive_mask(net, X)
    assert np.flatnonzero(never[0]).tolist() == [1, 4]  # for every activation
    if act == "relu":
        for a, b in zip(eff, never, strict=True):
            np.testing.assert_array_equal(a, b)


def test_effectively_dead_threshold_is_relative_and_checked(X):
    net = MLP([4, 6, 3], "gelu", seed=0)
    net.layers[0].b[:] = -3.0  # |gelu'(z)| small but not below 1e-3 of the maximum everywhere
    W0 = net.layers[0].W
    W0[:] = 0  # z = -3 exactly: gelu'(-3) = Phi(-3) - 3 phi(-3) = -0.0119
    rel = abs(float(A.gelu_grad(np.array([-3.0]))[0])) / A.max_abs_grad("gelu")
    assert diagnostics.effectively_dead_mask(net, X, threshold=rel * 1.01)[0].all()
    assert not diagnostics.effectively_dead_mask(net, X, threshold=rel * 0.99)[0].any()
    for bad in (0, -1, 2):
        with pytest.raises(ValueError, match=r"fraction of the activation's largest slope"):
            diagnostics.effectively_dead_mask(net, X, threshold=bad)


def test_prelu_layers_use_their_own_slopes(X):
    net = killed_net("prelu")
    net.layers[0].alpha[1] = 0.0  # a PReLU unit whose slope learned to 0 is dead like a ReLU
    eff = diagnostics.effectively_dead_mask(net, X)[0]
    assert np.flatnonzero(eff).tolist() == [1]


def test_tau_dormant(X):
    net = killed_net()
    scores = diagnostics.dormant_scores(net, X)
    assert scores[0][1] == 0 and scores[0][4] == 0
    np.testing.assert_allclose([s.mean() for s in scores], 1.0)
    zero = diagnostics.dormant_mask(net, X, tau=0.0)
    assert np.flatnonzero(zero[0]).tolist() == [1, 4]
    # a unit with a small but non-zero output is dormant for a larger tau only
    net.layers[0].b[1] = 0.0
    net.layers[0].W[:, 1] *= 1e-3
    s = diagnostics.dormant_scores(net, X)[0][1]
    assert 0 < s < 0.01
    assert diagnostics.dormant_mask(net, X, tau=0.025)[0][1]
    assert not diagnostics.dormant_mask(net, X, tau=0.0)[0][1]
    with pytest.raises(ValueError, match="tau must be"):
        diagnostics.dormant_mask(net, X, tau=-0.1)
    # a layer that outputs nothing at all: every unit dormant, no division by zero
    net.layers[1].b[:] = -1e4
    assert diagnostics.dormant_mask(net, X, tau=0.0)[1].all()


def test_stats_restore_mode_and_reject_bad_input(X):
    net = MLP([4, 8, 3], "relu", seed=0, batchnorm=True)
    rm = net.layers[0].running_mean.copy()
    diagnostics.unit_stats(net, X, batch_size=50)
    assert net.training  # restored
    np.testing.assert_array_equal(net.layers[0].running_mean, rm)  # eval mode: stats untouched
    net.eval()
    diagnostics.unit_stats(net, X)
    assert not net.training
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        diagnostics.unit_stats(net, bad)
    with pytest.raises(ValueError, match="shape"):
        diagnostics.unit_stats(net, X[:, :3])
    with pytest.raises(ValueError, match="at least one example"):
        diagnostics.unit_stats(net, X[:0])
    with pytest.raises(ValueError, match="batch_size"):
        diagnostics.unit_stats(net, X, batch_size=0)


# ---------------------------------------------------------------------------------------------
# ReDo
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", ["relu", "gelu", "silu"])
def test_redo_keeps_the_output_and_revives(act, X):
    net = killed_net(act)
    net.layers[1].b[[0, 5]] = -1e3  # and two dead units in layer 2
    masks = diagnostics.never_positive_mask(net, X)
    assert [np.flatnonzero(m).tolist() for m in masks] == [[1, 4], [0, 5]]
    before = net.forward(X)
    W0 = net.layers[0].W.copy()
    counts = redo.redo(net, masks, seed=3)
    assert counts == [2, 2]
    np.testing.assert_array_equal(net.forward(X), before)  # exactly the same function
    assert not any(m.any() for m in diagnostics.never_positive_mask(net, X))  # alive again
    assert np.all(net.layers[0].b[[1, 4]] == 0)
    assert np.all(net.layers[1].W[[1, 4], :] == 0) and np.all(net.layers[2].W[[0, 5], :] == 0)
    keep = [0, 2, 3, 5, 6, 7]
    np.testing.assert_array_equal(net.layers[0].W[:, keep], W0[:, keep])  # others untouched
    assert not np.array_equal(net.layers[0].W[:, [1, 4]], W0[:, [1, 4]])
    # the new weights have the initialiser's scale (He: variance 2 / fan_in)
    big = MLP([400, 300, 3], act, seed=0)
    m = np.zeros(300, bool)
    m[:150] = True
    redo.redo(big, [m], seed=1)
    assert np.var(big.layers[0].W[:, m]) == pytest.approx(2 / 400, rel=0.05)


def test_redo_on_prelu_removes_the_constant_output_of_never_positive_units(X):
    """A never-positive PReLU unit still outputs alpha * z: ReDo's zeroed outgoing weights remove
    that (constant-ish) contribution, so the function changes, unlike for units whose output is 0."""
    net = MLP([4, 8, 3], "prelu", seed=0)
    net.layers[0].b[[1, 4]] = -5.0
    before = net.forward(X)
    redo.redo(net, diagnostics.never_positive_mask(net, X), seed=0)
    assert net.layers[0].alpha[1] == 0.25
    assert not np.allclose(net.forward(X), before)


def test_redo_resets_optimizer_state_and_units_learn_again(X, rng):
    y = rng.integers(0, 3, len(X))
    net = killed_net()
    for opt in (Adam(1e-2), Momentum(0.05)):
        net = killed_net()
        fit(net, X, y, optimizer=opt, epochs=2, batch_size=50, seed=0)
        masks = diagnostics.never_positive_mask(net, X)
        assert masks[0][[1, 4]].all()
        redo.redo(net, masks, optimizer=opt, seed=0)
        for arr in opt._state[0]:  # W0
            assert np.all(arr[:, [1, 4]] == 0) and np.any(arr[:, [0, 2]] != 0)
        for arr in opt._state[1]:  # b0
            assert np.all(arr[[1, 4]] == 0)
        for arr in opt._state[2]:  # W1, the outgoing rows
            assert np.all(arr[[1, 4], :] == 0)
        fit(net, X, y, optimizer=opt, epochs=1, batch_size=50, seed=1)
        assert np.any(net.layers[1].W[[1, 4], :] != 0)  # outgoing weights learn again
        assert not diagnostics.never_positive_mask(net, X)[0][[1, 4]].any()


def test_redo_batchnorm_and_errors(X):
    net = killed_net(batchnorm=True)
    net.layers[0].beta[[1, 4]] = -50.0
    net.eval()
    before = net.forward(X)
    redo.redo(net, diagnostics.never_positive_mask(net, X), seed=0)
    np.testing.assert_array_equal(net.forward(X), before)
    assert net.layers[0].beta[1] == 0 and net.layers[0].gamma[1] == 1
    with pytest.raises(ValueError, match="one boolean array per hidden layer"):
        redo.redo(net, [np.zeros(8, bool)])
    with pytest.raises(ValueError, match="boolean array of shape"):
        redo.redo(net, [np.zeros(8), np.zeros(6, bool)])


def test_redo_dormant_counts(X):
    net = killed_net()
    assert redo.redo_dormant(net, X, tau=0.0, seed=0) == [2, 0]
    assert redo.redo_dormant(net, X, tau=0.0, seed=0) == [0, 0]


def test_optimizer_reset_state_whole_and_missing():
    opt = Adam(1e-2)
    p, g = [np.ones((3, 2))], [np.ones((3, 2))]
    opt.reset_state(0)  # no state yet: nothing to do
    opt.step(p, g)
    opt.reset_state(0, (slice(None), np.array([True, False])))
    m, v = opt._state[0]
    assert np.all(m[:, 0] == 0) and np.all(m[:, 1] != 0) and np.all(v[:, 0] == 0)
    opt.reset_state(0)
    assert not np.any(opt._state[0][0])


# ---------------------------------------------------------------------------------------------
# permuted digits
# ---------------------------------------------------------------------------------------------


def test_permuted_digits_tasks():
    base = data.digits()
    tasks = data.permuted_tasks(4, base=base, seed=5)
    np.testing.assert_array_equal(tasks[0].X_train, base.X_train)
    for k, t in enumerate(tasks):
        perm = data.task_permutation(k, seed=5)
        assert sorted(perm.tolist()) == list(range(64))
        np.testing.assert_array_equal(t.X_train, base.X_train[:, perm])
        np.testing.assert_array_equal(t.X_test, base.X_test[:, perm])
        np.testing.assert_array_equal(t.y_train, base.y_train)
        np.testing.assert_array_equal(data.permuted_digits(k, base=base, seed=5).X_test, t.X_test)
    assert len({tuple(data.task_permutation(k, seed=5)) for k in range(1, 4)}) == 3
    assert not np.array_equal(data.task_permutation(1, seed=5), data.task_permutation(1, seed=6))
    # identical draws from an explicit generator
    g = np.random.default_rng(5)
    np.testing.assert_array_equal(data.task_permutation(2, rng=g), data.task_permutation(2, seed=5))
    with pytest.raises(ValueError, match="task must be an integer >= 0"):
        data.task_permutation(-1)
    with pytest.raises(ValueError, match="n_tasks"):
        data.permuted_tasks(0)


def test_permutation_goes_through_the_seed_offset(monkeypatch):
    a = data.task_permutation(1, seed=0)
    monkeypatch.setenv("DYING_RELU_SEED_OFFSET", "1000")
    b = data.task_permutation(1, seed=0)
    monkeypatch.delenv("DYING_RELU_SEED_OFFSET")
    np.testing.assert_array_equal(b, data.task_permutation(1, seed=1000))
    assert not np.array_equal(a, b)


def test_every_task_is_learnable():
    tasks = data.permuted_tasks(3, seed=0)
    for t in tasks[1:]:
        net = MLP([64, 32, 10], "relu", seed=0, dtype=np.float32)
        fit(net, t.X_train, t.y_train, optimizer=Adam(1e-2), epochs=8, batch_size=64, seed=0)
        assert np.mean(net.predict(t.X_test) == t.y_test) > 0.9


# ---------------------------------------------------------------------------------------------
# PyTorch's default initialisation in numpy (compared with PyTorch itself in test_torch_adapter.py)
# ---------------------------------------------------------------------------------------------


def test_torch_default_init_moments():
    rng = np.random.default_rng(0)
    W = init.get("torch_default")(300, 400, rng, np.float32)
    assert W.shape == (300, 400) and W.dtype == np.float32
    assert np.abs(W).max() <= 1 / np.sqrt(300)
    assert np.var(W) == pytest.approx(1 / (3 * 300), rel=0.02)  # a sixth of He's 2 / 300
    b = init.torch_default_bias(300)(400, rng, np.float64)
    assert b.shape == (400,) and np.abs(b).max() <= 1 / np.sqrt(300)
    sizes = [64, 128, 10]
    net = MLP(sizes, "relu", init="torch_default", bias=init.torch_default_biases(sizes), seed=0)
    assert np.abs(net.layers[1].b).max() <= 1 / np.sqrt(128) and np.any(net.layers[1].b != 0)
    with pytest.raises(ValueError, match="fan_in"):
        init.torch_default_bias(0)
