"""Chapter 4's fixes: PReLU in the network (gradient checks, including d alpha), RAI (structure and
second moment), the comparison runner, the paired verdict, knock-out recovery and the explorer."""

import dataclasses

import numpy as np
import pytest

from dying_relu import MLP, SGD, activations, fit, fixes
from dying_relu.fixes import RAI, Fix, Setting
from dying_relu.gradcheck import network_gradient_error


def _check_net_gradients(net, X, y, loss="cross_entropy"):
    errors = network_gradient_error(net, X, y, loss)
    assert max(errors) < 1e-6, f"relative errors per parameter array: {errors}"


# ---------------------------------------------------------------------------------------------
# PReLU
# ---------------------------------------------------------------------------------------------


def test_prelu_is_registered_with_he_starting_slope():
    act = activations.get("prelu")
    assert act.params == {"alpha": 0.25}
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    np.testing.assert_allclose(act(x), [-0.5, -0.125, 0.0, 1.5])
    np.testing.assert_allclose(act.grad(x), [0.25, 0.25, 0.25, 1.0])
    assert "prelu" in activations.available()


@pytest.mark.parametrize("start", [0.0, 0.25, 1.0])
def test_prelu_gradients_match_finite_differences_including_alpha(start, rng):
    net = MLP([3, 5, 4, 3], activations.get("prelu", alpha=start), seed=3)
    X = rng.standard_normal((7, 3))
    y = rng.integers(0, 3, 7)
    _check_net_gradients(net, X, y)


def test_prelu_gradients_with_unusual_learned_slopes(rng):
    # learning can move a slope anywhere: negative, above 1, different per unit
    net = MLP([2, 6, 6, 1], "prelu", seed=1)
    net.layers[0].alpha[:] = [-0.5, 0.0, 0.3, 1.0, 1.7, 0.05]
    net.layers[1].alpha[:] = np.linspace(-1, 2, 6)
    X = rng.standard_normal((9, 2))
    y = rng.standard_normal((9, 1))
    _check_net_gradients(net, X, y, loss="mse")
    # d alpha is exactly sum over the batch of dL/dh * min(z, 0)
    layer = net.layers[1]
    expected = np.sum(layer.dz / np.where(layer.z > 0, 1.0, layer.alpha) * np.minimum(layer.z, 0), axis=0)
    np.testing.assert_allclose(layer.dalpha, expected, rtol=1e-10, atol=1e-12)


def test_prelu_params_and_grads_are_aligned_and_only_for_prelu_layers():
    mixed = MLP([2, 4, 5, 3], ["prelu", "relu"], seed=0)
    shapes = [p.shape for p in mixed.params()]
    assert shapes == [(2, 4), (4,), (4,), (4, 5), (5,), (5, 3), (3,)]
    assert [g.shape for g in mixed.grads()] == shapes
    plain = MLP([2, 4, 5, 3], "relu", seed=0)
    assert len(plain.params()) == 6 and all(layer.alpha is None for layer in plain.layers)
    assert mixed.layers[-1].alpha is None  # the output layer stays linear


def test_prelu_forward_matches_leaky_and_relu():
    X = np.random.default_rng(0).standard_normal((20, 3))
    for start, same in [(0.0, "relu"), (0.1, "leaky_relu")]:
        a = MLP([3, 8, 8, 2], activations.get("prelu", alpha=start), seed=5)
        kw = {} if same == "relu" else {"alpha": start}
        b = MLP([3, 8, 8, 2], activations.get(same, **kw), seed=5)
        np.testing.assert_allclose(a.forward(X), b.forward(X), rtol=1e-12)


def test_prelu_slopes_learn_and_survive_state_and_copy():
    X = np.random.default_rng(1).standard_normal((64, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = MLP([2, 8, 8, 2], "prelu", seed=0)
    start = net.state()
    fit(net, X, y, optimizer=SGD(0.2), epochs=5, batch_size=16)
    assert not np.allclose(net.layers[0].alpha, 0.25)
    learned = net.layers[0].alpha.copy()
    clone = net.copy()
    net.load_state(start)
    np.testing.assert_array_equal(net.layers[0].alpha, 0.25)
    np.testing.assert_array_equal(clone.layers[0].alpha, learned)


def test_prelu_float32_network_keeps_dtype():
    net = MLP([2, 4, 2], "prelu", seed=0, dtype=np.float32)
    assert net.layers[0].alpha.dtype == np.float32
    net.loss_and_grad(np.ones((3, 2), np.float32), np.array([0, 1, 0]))
    assert net.layers[0].dalpha.dtype == np.float32


def test_relu_network_numerics_unchanged():
    rng = np.random.default_rng(2)
    net = MLP([3, 6, 4], "relu", seed=2)
    X = rng.standard_normal((5, 3))
    W0, b0, W1, b1 = net.params()
    expected = np.maximum(X @ W0 + b0, 0) @ W1 + b1
    np.testing.assert_array_equal(net.forward(X), expected)


# ---------------------------------------------------------------------------------------------
# RAI
# ---------------------------------------------------------------------------------------------


def test_beta_moments_and_sigma2():
    assert fixes.beta_moments(2, 1) == pytest.approx((2 / 3, 1 / 2))
    assert fixes.beta_moments(1, 1) == pytest.approx((1 / 2, 1 / 3))
    assert fixes.rai_sigma2(10) == pytest.approx(0.05)
    with pytest.raises(ValueError):
        fixes.beta_moments(0, 1)
    with pytest.raises(ValueError):
        fixes.rai_sigma2(0)


def test_rai_puts_exactly_one_beta_entry_per_unit_uniformly_placed():
    rng = np.random.default_rng(0)
    V = fixes.rai_matrix(3, 20_000, rng, sigma2=0.0)  # Gaussian part switched off
    assert V.shape == (4, 20_000)
    nonzero = V != 0
    assert np.all(nonzero.sum(axis=0) == 1)
    xi = V[nonzero]
    assert np.all((xi > 0) & (xi <= 1))
    # Beta(2, 1): mean 2/3, second moment 1/2 (sample of 20000: standard errors ~0.002)
    assert xi.mean() == pytest.approx(2 / 3, abs=0.01)
    assert np.mean(xi**2) == pytest.approx(0.5, abs=0.01)
    # position uniform over the fan_in + 1 = 4 slots (3 weights and the bias)
    np.testing.assert_allclose(nonzero.mean(axis=1), 0.25, atol=0.015)


def test_rai_second_moment_of_a_units_parameters_is_one():
    rng = np.random.default_rng(1)
    for fan_in in (2, 5, 50):
        V = fixes.rai_matrix(fan_in, 4000, rng)
        sq = np.sum(V**2, axis=0)  # ||v||^2 per unit
        assert sq.mean() == pytest.approx(1.0, abs=0.05)
        assert np.std(V[:-1][V[:-1] < 0]) > 0  # the Gaussian entries are there


def test_rai_signal_second_moment_neither_explodes_nor_vanishes_in_narrow_nets():
    x = np.linspace(-np.sqrt(3), np.sqrt(3), 101)[:, None]
    ratios = []
    for seed in range(200):
        rai = RAI()
        net = MLP([1] + [3] * 20 + [1], "relu", init=rai.init, bias=rai.bias, seed=seed)
        hs = net.hidden_outputs(x)
        ratios.append(np.mean(hs[-1] ** 2) / np.mean(hs[0] ** 2))
    mean_ratio = float(np.mean(ratios))
    assert 0.1 < mean_ratio < 2.0, mean_ratio
    # the design bound: without growth, no network's signal blows up by 20 layers
    assert np.max(ratios) < 50


def test_rai_with_mlp_uses_the_bias_row_and_is_reproducible():
    a = RAI()
    net = MLP([2, 3, 1], "relu", init=a.init, bias=a.bias, seed=4)
    rng = np.random.default_rng(4)
    V0 = fixes.rai_matrix(2, 3, rng)
    V1 = fixes.rai_matrix(3, 1, rng)
    np.testing.assert_array_equal(net.layers[0].W, V0[:-1])
    np.testing.assert_array_equal(net.layers[0].b, V0[-1])
    np.testing.assert_array_equal(net.layers[1].b, V1[-1])
    b = RAI()
    again = MLP([2, 3, 1], "relu", init=b.init, bias=b.bias, seed=4)
    for p, q in zip(net.params(), again.params(), strict=True):
        np.testing.assert_array_equal(p, q)


def test_rai_bias_without_init_raises():
    with pytest.raises(RuntimeError, match="init=rai.init, bias=rai.bias"):
        RAI().bias(3, np.random.default_rng(0))
    with pytest.raises(RuntimeError):
        MLP([2, 3, 1], "relu", bias=RAI().bias)


def test_rai_gradients_match_finite_differences(rng):
    rai = RAI()
    net = MLP([2, 3, 3, 2], "relu", init=rai.init, bias=rai.bias, seed=0)
    X = rng.standard_normal((6, 2))
    y = rng.integers(0, 2, 6)
    _check_net_gradients(net, X, y)


def test_collapse_rate_reproduces_born_dead_and_rai_lowers_it():
    he = fixes.collapse_rate(2, 10, "he", n_nets=1000)
    rai = fixes.collapse_rate(2, 10, "rai", n_nets=1000)
    assert he > 0.85  # Lu et al.: over 90% at width 2, depth 10
    assert rai < 0.5 * he
    assert fixes.collapse_rate(10, 10, "he", n_nets=500) < 0.03
    assert fixes.collapse_rate(2, 10, "he", n_nets=300, seed=1) == fixes.collapse_rate(
        2, 10, "he", n_nets=300, seed=1)
    with pytest.raises(ValueError):
        fixes.collapse_rate(2, 10, "glorot")


# ---------------------------------------------------------------------------------------------
# Fixes, settings, runs
# ---------------------------------------------------------------------------------------------

TINY = Setting("tiny", "tiny", "moons", (8, 8), 0.3, 3, n=200)


def test_fix_build_applies_bias_to_hidden_layers_only():
    f = Fix("b", "b", bias=0.1)
    net = f.build([2, 4, 4, 3], seed=0, bias_shift=-1.0, dtype=np.float64)
    np.testing.assert_allclose(net.layers[0].b, -0.9)
    np.testing.assert_allclose(net.layers[1].b, -0.9)
    np.testing.assert_allclose(net.layers[2].b, 0.0)
    rai_net = Fix("r", "r", init="rai").build([2, 4, 4, 3], seed=0, bias_shift=-1.0, dtype=np.float64)
    plain_rai = Fix("r", "r", init="rai").build([2, 4, 4, 3], seed=0, dtype=np.float64)
    np.testing.assert_allclose(rai_net.layers[0].b, plain_rai.layers[0].b - 1.0)
    with pytest.raises(ValueError):
        Fix("x", "x", init="lsuv").build([2, 3, 2], seed=0)


def test_fix_list_and_lookup():
    keys = [f.key for f in fixes.FIXES]
    assert len(set(keys)) == len(keys) >= 5
    assert fixes.get_fix("leaky 0.1").alpha == 0.1
    assert fixes.get_fix("elu").act().label == "elu(alpha=1)"
    with pytest.raises(KeyError, match="known"):
        fixes.get_fix("selu")
    assert {"highlr", "negbias", "deepnarrow", "digits"} == {s.key for s in fixes.SETTINGS}
    assert fixes.SETTINGS[-1].sizes() == [64, 64, 64, 64, 10]


def test_train_run_records_and_is_deterministic():
    r1 = fixes.train_run(TINY, fixes.get_fix("relu"), seed=0)
    r2 = fixes.train_run(TINY, fixes.get_fix("relu"), seed=0)
    assert r1.loss.shape == r1.never_active.shape == (4,)
    assert r1.never_active_layers.shape == r1.mean_activation.shape == (4, 2)
    assert r1.epoch_time.shape == (3,)
    np.testing.assert_array_equal(r1.loss, r2.loss)
    assert r1.test_accuracy == r2.test_accuracy
    assert 0 <= r1.test_accuracy <= 1 and not r1.diverged
    assert np.all(r1.mean_activation >= 0)  # ReLU outputs are non-negative
    assert r1.alpha is None
    pr = fixes.train_run(TINY, fixes.get_fix("prelu"), seed=0)
    assert [a.shape for a in pr.alpha] == [(8,), (8,)]


def test_train_run_sees_a_fully_negative_network():
    dead = dataclasses.replace(TINY, bias_shift=-50.0)
    r = fixes.train_run(dead, fixes.get_fix("relu"), seed=0)
    np.testing.assert_array_equal(r.never_active, 1.0)  # dead at the start and forever
    e = fixes.train_run(dead, fixes.get_fix("elu"), seed=0)
    assert e.never_active[0] == 1.0
    assert np.all(e.mean_activation[0] < -0.9)  # ELU saturates at -alpha


def test_diverging_run_is_recorded_not_raised():
    wild = dataclasses.replace(TINY, lr=1e6)
    r = fixes.train_run(wild, fixes.get_fix("relu"), seed=0)
    assert r.diverged
    assert np.isnan(r.loss[-1])


def test_paired_verdict_outcomes():
    base = np.array([0.80, 0.82, 0.79, 0.85, 0.81])
    assert fixes.paired_verdict(base + 0.05, base).outcome == "better"
    assert fixes.paired_verdict(base - np.array([0.05, 0.04, 0.06, 0.05, 0.05]), base).outcome == "worse"
    noisy = fixes.paired_verdict(base + np.array([0.1, -0.1, 0.05, -0.04, 0.0]), base)
    assert noisy.outcome == "no difference"  # mean +0.002: below one point of accuracy
    big_but_noisy = fixes.paired_verdict(base + np.array([0.3, -0.1, 0.25, -0.05, 0.1]), base)
    assert big_but_noisy.outcome == "inconclusive"
    assert fixes.paired_verdict(base, base).outcome == "no difference"
    tiny = fixes.paired_verdict(base + np.array([0.002, 0.003, 0.002, 0.002, 0.003]), base)
    assert tiny.outcome == "negligibly better"
    v = fixes.paired_verdict(base + 0.05, base, ("leaky", "relu"))
    assert v.wins == 5 and v.mean == pytest.approx(0.05)
    assert "leaky vs relu: +0.050" in v.sentence()
    with pytest.raises(ValueError):
        fixes.paired_verdict(base, base[:3])
    assert fixes.t_critical(4) == pytest.approx(2.776)
    assert fixes.t_critical(100) == pytest.approx(1.96)


def test_comparison_values_table_and_verdict():
    fx = [fixes.get_fix("relu"), fixes.get_fix("leaky01")]
    c = fixes.run_comparison([TINY], fx, seeds=[0, 1, 2])
    acc = c.values("tiny", "relu")
    assert acc.shape == (3,)
    assert c.curve("tiny", "leaky 0.1", "loss").shape == (3, 4)
    assert c.layer_means("tiny", "relu").shape == (3, 2)
    assert c.summary("tiny", "relu")["mean"] == pytest.approx(acc.mean())
    table = c.table()
    assert "leaky 0.1" in table and "tiny" in table and "±" in table
    assert "[" in c.table("never_active", ".2f", spread="range")
    v = c.verdict("tiny", "leaky01")
    assert v.b == "relu" and v.n == 3
    with pytest.raises(ValueError):
        c.values("tiny", "relu", "speed")
    with pytest.raises(ValueError):
        fixes.run_comparison([TINY], fx, seeds=[0])


def test_blas_threads_restores_the_setting():
    lib, get, _ = fixes._openblas()
    before = get() if lib is not None else None
    with fixes.blas_threads(1) as ok:
        if ok:
            assert get() == 1
    if lib is not None:
        assert get() == before


def test_knockout_relu_never_returns_and_elu_does():
    out = fixes.knockout_recovery([fixes.get_fix("relu"), fixes.get_fix("elu")], seeds=range(4), epochs=20)
    relu = out["relu"]["max_z"]
    assert relu.shape == (4, 21)
    np.testing.assert_allclose(relu, -0.2, atol=1e-12)  # first layer, fixed data: frozen for good
    assert not out["relu"]["recovered"].any()
    assert out["elu"]["recovered"].sum() >= 2


def test_fix_costs_returns_ratios_to_relu():
    t = fixes.fix_costs(n=2**14, rounds=3)
    assert set(t) == {"copy", "relu", "leaky_relu", "elu", "prelu"}
    assert t["relu"].ratio_median == pytest.approx(1.0)
    assert all(v.median > 0 for v in t.values())


def test_explorer_compute_covers_every_control_value():
    """(How long it takes, uncached and cached, is measured by benchmarks/explorers.py.)"""
    for family in fixes.EXPLORER_FAMILIES:
        for value in fixes.EXPLORER_VALUES:
            d = fixes.compute(family, value, setting="negbias")
            assert d["value"] == value
            assert d["loss"].shape == d["never_active"].shape == (3, 21)
            assert d["test_accuracy"].shape == (3,)
            assert d["baseline_loss"].shape == (3, 21)
            if value == 0:
                np.testing.assert_array_equal(d["loss"], d["baseline_loss"])
    hits = fixes._explorer_runs.cache_info().hits
    fixes.compute("ELU", 0.3 + 1e-9, setting="negbias")  # cached: a repeated slider move trains nothing
    assert fixes._explorer_runs.cache_info().hits == hits + 2  # the fix's runs and the baseline's
    assert fixes.compute("leaky ReLU", 0.1, setting="negbias")["label"] == "leaky 0.1"
    with pytest.raises(ValueError):
        fixes.compute("SELU", 0)
    with pytest.raises(ValueError):
        fixes.compute("ELU", 5)
    with pytest.raises(ValueError):
        fixes.compute("ELU", -0.1)


def test_explorer_compute_any_value_in_range():
    """A value between the precomputed frames is trained on a cache miss (live sliders)."""
    d = fixes.compute("leaky ReLU", 0.05, setting="negbias")
    assert d["label"] == "leaky 0.05" and d["value"] == 0.05
    assert np.all(np.isfinite(d["test_accuracy"]))


def test_seed_file_loads_and_judge():
    out = fixes.load_seed_outcomes()
    assert out.n_seeds >= 6 and list(out.seeds[:6]) == list(range(6))
    assert any("make_ch4_seeds.py" in h for h in out.header)
    for s, f in fixes.seed_jobs():
        v = out.values(s.key, f.key)
        assert v.shape == (out.n_seeds,) and np.all((v >= 0) & (v <= 1))
    assert out.values("negbias", "leaky 1/5.5", seeds=[2, 0]).shape == (2,)
    with pytest.raises(KeyError):
        out.values("digits", "relu_bn")
    fam = fixes.judge(out, [("negbias", "leaky018", "relu"), ("digits", "leaky001", "relu")],
                      seeds=range(6), margin=0.01)
    assert len(fam) == 2 and fam[0].a == "negbias leaky 1/5.5" and fam[0].n == 6
    # 6 seeds, Holm over 2: a two-sided p is at least 2/64, times 2 > 0.05: never better or worse
    assert fam[0].outcome == "inconclusive" and fam[0].p_holm > 0.05
    assert fam[1].outcome == "equivalent"  # a one-sided TOST p can be 1/64 (times 2 < 0.05)
    assert np.all(fixes.family_power(fam, 0.05) == 0)  # 6 seeds cannot reach alpha / 2 = 0.025
    assert fixes.family_power(fam, 0.5, n=40, draws=100)[0] > 0.5


def test_seed_file_reports_a_bad_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("# h\nsetting,fix,seed,test_accuracy,never_active,final_loss,diverged\n"
                 "highlr,relu,0,0.5,0.1,1.0,0\nhighlr,relu,1,0.5,0.1,1.0,0\nnegbias,relu,0,0.5,0.1,1,0\n")
    with pytest.raises(ValueError, match="regenerate"):
        fixes.load_seed_outcomes(p)
    p.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="columns"):
        fixes.load_seed_outcomes(p)


def test_fix_styles_are_distinct_and_init_layer_stats():
    styles = [tuple(map(str, fixes.fix_style(f.key, markers=True).values())) for f in fixes.FIXES]
    assert len(set(styles)) == len(styles)
    assert fixes.fix_style("leaky 0.1") == fixes.fix_style("leaky01")
    # within a colour family every member has its own hatch, so bars are told apart without colour
    families: dict[str, list[str]] = {}
    for f in fixes.FIXES:
        families.setdefault(fixes.fix_style(f.key)["color"], []).append(fixes.fix_hatch(f.key))
    for hatches in families.values():
        assert len(set(hatches)) == len(hatches)
    assert fixes.fix_hatch("relu + bias 0.1") == fixes.fix_hatch("bias01") != fixes.fix_hatch("bias001")
    X = np.random.default_rng(0).standard_normal((50, 4))
    r = fixes.init_layer_stats(fixes.get_fix("relu"), [4, 8, 8, 8, 2], X, seeds=range(3))
    m = r["mean"]
    assert m.shape == r["z_std"].shape == (3, 3) and np.all(m > 0) and np.all(r["z_std"] > 0)
    e = fixes.init_layer_stats(fixes.get_fix("elu"), [4, 8, 8, 8, 2], X, seeds=range(3))["mean"]
    assert np.all(e.mean(axis=0) < m.mean(axis=0))  # ELU's negative side pulls the mean down
    # the first layer sees the same z for both: the difference is exactly ELU's negative side
    net = fixes.get_fix("relu").build([4, 8, 8, 8, 2], 0, dtype=np.float64)
    z0 = net.pre_activations(X)[0]
    np.testing.assert_allclose(e[0, 0], np.mean(np.where(z0 > 0, z0, np.expm1(np.minimum(z0, 0)))))


def test_gate_explorer_data():
    d = fixes.gate("leaky ReLU", 0.1)
    assert d["z"].shape == d["f"].shape == d["grad"].shape == (601,)
    assert d["gate_at"][-4.0] == pytest.approx(0.1)
    e = fixes.gate("ELU", 1.0)
    assert e["gate_at"][-4.0] == pytest.approx(np.exp(-4.0))
    assert e["gate_at"][-0.1] == pytest.approx(np.exp(-0.1))
    assert np.all(fixes.gate("ELU", 0.0)["grad"][fixes.gate("ELU", 0.0)["z"] < 0] == 0)  # ReLU
    with pytest.raises(ValueError):
        fixes.gate("GELU", 0.1)
    with pytest.raises(ValueError):
        fixes.gate("ELU", 2.0)


def test_run_pairs_trains_only_the_listed_pairs():
    c = fixes.run_pairs([("negbias", "relu"), ("negbias", "leaky 0.1")], seeds=range(2))
    assert set(c.runs) == {("negbias", "relu"), ("negbias", "leaky01")}
    direct = fixes.train_run(c.setting("negbias"), fixes.get_fix("leaky01"), 1)
    assert c.values("negbias", "leaky01")[1] == direct.test_accuracy
    with pytest.raises(KeyError):
        fixes.run_pairs([("nowhere", "relu")], seeds=range(2))


def test_runs_in_worker_processes_equal_serial_runs():
    """``jobs=2`` spreads the runs over worker processes: every seeded run is the same as in this
    process (bit for bit: same code, same environment, one BLAS thread each), in the same order,
    and the progress wrapper still sees every (setting, fix) pair."""
    pairs = [("highlr", "relu"), ("negbias", "leaky01"), ("deepnarrow", "relu_bn")]
    seen: list = []

    def progress(items):
        items = list(items)
        seen.extend(items)
        return items

    serial = fixes.run_pairs(pairs, seeds=(0, 1))
    parallel = fixes.run_pairs(pairs, seeds=(0, 1), jobs=2, progress=progress)
    assert [(s.key, f.key) for s, f in seen] == pairs
    assert list(parallel.runs) == list(serial.runs)
    for key, runs in serial.runs.items():
        for a, b in zip(runs, parallel.runs[key], strict=True):
            assert (a.setting, a.fix, a.seed, a.diverged) == (b.setting, b.fix, b.seed, b.diverged)
            np.testing.assert_array_equal(a.loss, b.loss)
            np.testing.assert_array_equal(a.never_active_layers, b.never_active_layers)
            assert a.test_accuracy == b.test_accuracy


def test_jobs_must_be_positive_and_unregistered_fixes_run_here():
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        fixes.run_pairs([("highlr", "relu")], seeds=(0, 1), jobs=0)
    custom = dataclasses.replace(fixes.get_fix("leaky01"), key="my-leaky")  # not registered
    setting = next(s for s in fixes.SETTINGS if s.key == "highlr")
    out = fixes._train_pairs([(setting, custom)], (0, 1), np.float32, None, jobs=2)
    assert [r.fix for r in out[("highlr", "my-leaky")]] == ["my-leaky", "my-leaky"]
