"""Chapter 5's experiments (dying_relu.today): shapes, known answers and clear errors, on small sizes."""

import numpy as np
import pytest

from dying_relu import activations as A
from dying_relu import today


def test_activation_parameters():
    assert today.activation("leaky_relu").params["alpha"] == 0.01
    assert today.activation("gelu").params["approximate"] == "tanh"
    assert today.activation("relu").name == "relu"
    with pytest.raises(ValueError, match="Unknown activation 'reluu'"):
        today.activation("reluu")


def test_killing_settings_are_chapter_4s():
    assert [s.key for s in today.KILLING_SETTINGS] == ["highlr", "negbias", "deepnarrow"]


def test_dying_run_relu_effectively_dead_is_never_positive():
    run = today.dying_run("negbias", "relu", 0)
    assert not run.diverged
    assert run.never_positive == run.effectively_dead
    assert run.never_positive > 0.3  # the negative bias kills (Chapter 3)
    assert 0 <= run.test_accuracy <= 1


def test_dying_run_leaky_is_never_effectively_dead():
    run = today.dying_run("negbias", "leaky_relu", 0)
    assert run.effectively_dead == 0.0  # slope 0.01 is ten times the 1e-3 threshold
    assert run.never_positive > 0


def test_dying_study_keys_and_seeds():
    out = today.dying_study(settings=["negbias"], activations=["relu"], seeds=[0, 1])
    assert list(out) == [("negbias", "relu")]
    assert [r.seed for r in out["negbias", "relu"]] == [0, 1]
    with pytest.raises(KeyError, match="No setting 'nope'"):
        today.dying_study(settings=["nope"], activations=["relu"], seeds=[0])


def test_data_mean_dead_known_behaviour():
    res = today.data_mean_dead([0, 32], width=512, n=500, seed=0)
    assert res["dead"].shape == (2,) and res["active"].shape == (2, 512)
    assert res["dead"][0] == 0.0
    assert 0.35 < res["dead"][1] <= 0.5
    assert res["one_sign"][1] > 0.8
    assert np.all(res["one_sign"] >= res["dead"])
    centred = today.data_mean_dead([0, 32], width=512, n=500, seed=0, centre=True)
    assert np.all(centred["dead"] == 0)
    # only the mean moves between ratios: centring makes every ratio the same layer
    np.testing.assert_allclose(centred["active"][0], centred["active"][1])


def test_data_mean_dead_errors():
    with pytest.raises(ValueError, match="width, n and d"):
        today.data_mean_dead([1], width=0)
    with pytest.raises(ValueError, match="finite"):
        today.data_mean_dead([np.inf])


def test_data_mean_frame_matches():
    frame = today.data_mean_frame(8, False, width=256)
    full = today.data_mean_dead([8], width=256)
    assert frame["dead"] == full["dead"][0]
    np.testing.assert_array_equal(frame["active"], full["active"][0])


def test_skippable_share_known_values():
    # 10 -> 20 -> 30 -> 5: macs 200, 600, 150; zeros 0.5 (feeds 600) and 1.0 (feeds 150)
    assert today.skippable_share([10, 20, 30, 5], [0.5, 1.0]) == pytest.approx((300 + 150) / 950)
    assert today.skippable_share([4, 8, 2], [0.0]) == 0.0
    with pytest.raises(ValueError, match="one zero fraction per hidden layer"):
        today.skippable_share([4, 8, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"shares in \[0, 1\]"):
        today.skippable_share([4, 8, 2], [1.5])


def test_init_signal_torch_default_shrinks_by_a_sixth():
    res = today.init_signal("torch_default", biases=False, depth=5, width=512, seed=0)
    factor = (res["q"][-1] / res["q"][0]) ** (1 / 4)
    assert factor == pytest.approx(1 / 6, rel=0.15)
    he = today.init_signal("he", depth=5, width=512, seed=0)
    assert 0.7 < (he["q"][-1] / he["q"][0]) ** (1 / 4) < 1.3
    for key in ("q", "q_spread", "dead"):
        assert res[key].shape == (5,)


def test_init_signal_torch_biases_dominate_deep_layers():
    res = today.init_signal("torch_default", biases=True, depth=10, width=128, seed=0)
    assert res["q_spread"][-1] / res["q"][-1] < 0.1
    assert res["dead"][-1] > 0.2


def test_sparsity_run_small():
    res = today.sparsity_run("relu", 0, hidden=(32,), epochs=1)
    assert res["zero_init"].shape == (1,) and res["sizes"] == [64, 32, 10]
    assert 0.3 < res["zero_init"][0] < 0.7
    assert res["skip_trained"] == pytest.approx(today.skippable_share(res["sizes"], res["zero_trained"]))
    gelu = today.sparsity_run("gelu", 0, hidden=(32,), epochs=1)
    assert gelu["zero_trained"][0] < 0.01  # no flat side: exact zeros only where float32 underflows


def test_plasticity_run_small_and_redo_resets():
    run = today.plasticity_run("relu", 0, n_tasks=2, epochs=1, hidden=(16, 16))
    for arr in (run.accuracy, run.never_positive, run.never_active, run.effectively_dead, run.dormant):
        assert arr.shape == (2,) and np.all((0 <= arr) & (arr <= 1))
    assert np.all(run.reset == 0)
    assert run.first(1) == run.accuracy[0] and run.last(1) == run.accuracy[-1]
    redo = today.plasticity_run("redo", 0, n_tasks=2, epochs=1, hidden=(16, 16))
    assert redo.reset.sum() > 0  # some unit is tau-dormant after a task
    with pytest.raises(KeyError, match="No variant 'nope'"):
        today.plasticity_run("nope", 0)
    with pytest.raises(ValueError, match="n_tasks and epochs"):
        today.plasticity_run("relu", 0, n_tasks=0)


def test_variants_activations():
    acts = {v.key: v.act() for v in today.PLASTICITY_VARIANTS}
    assert acts["leaky"].params["alpha"] == 0.01
    assert acts["gelu"].params["approximate"] == "tanh"
    assert isinstance(acts["silu"], A.Activation)


# --- architectures (issue 13, item 2) -------------------------------------------------------


def test_rate_interval_wilson():
    lo, hi = today.rate_interval(0, 100)
    assert lo == 0.0 and 0.03 < hi < 0.04  # about z^2 / n, near the rule of three
    lo, hi = today.rate_interval(50, 100)
    assert lo == pytest.approx(0.404, abs=1e-3) and hi == pytest.approx(0.596, abs=1e-3)
    lo, hi = today.rate_interval(100, 100)
    assert hi == pytest.approx(1.0) and 0.96 < lo < 0.97
    with pytest.raises(ValueError, match="0 <= k <= n"):
        today.rate_interval(5, 4)


def test_born_dead_nets_identity_paths_never_collapse():
    bd = today.born_dead_nets(2, 10, range(60), n_points=64)
    assert bd.n == 60 and bd.plain_dead_layer.shape == (60,)
    # a plain net with a dead layer computes a constant (zero biases: exactly 0 after it)
    np.testing.assert_array_equal(bd.plain_collapsed, bd.plain_dead_layer)
    assert bd.rate("plain_collapsed") > 0.7  # Lu et al.: over 90% at width 2, depth 10
    # the same weights with identity paths: layers still die, the function never collapses
    assert bd.rate("res_dead_layer") > 0.5
    assert bd.rate("res_collapsed") == 0.0
    assert np.all(bd.res_dead_layers <= 9)  # the first layer (1 -> 2) has no identity path
    lo, hi = bd.interval("plain_collapsed")
    assert lo <= bd.rate("plain_collapsed") <= hi
    with pytest.raises(ValueError, match="width, depth"):
        today.born_dead_nets(0, 10, [0])


def test_born_dead_nets_same_weights():
    from dying_relu import MLP

    plain = MLP([1, 2, 2, 1], "relu", init="he", seed=3)
    res = MLP([1, 2, 2, 1], "relu", init="he", seed=3, residual=True)
    for a, b in zip(plain.layers, res.layers, strict=True):
        np.testing.assert_array_equal(a.W, b.W)


def test_norm_dead_unit_batch_revives_layer_keeps_dead():
    out = today.norm_dead_unit(-8.0)
    one, every = out["one unit"], out["every unit"]
    assert one["none:unit0"] == 0.0  # pushed below zero on every example
    assert 0.4 < one["batch:unit0"] < 0.6  # batch norm re-centres the unit over the batch
    assert one["layer:unit0"] == 0.0  # layer norm: still below its row's mean on every example
    assert every["none:dead"] > 0.8  # a shared shift kills most of the layer ...
    assert every["batch:dead"] == 0.0 and every["layer:dead"] == 0.0  # ... and both remove it
    with pytest.raises(ValueError, match="width >= 2"):
        today.norm_dead_unit(width=1)


def test_arch_run_shapes_and_errors():
    run = today.arch_run("negbias", "layer", 0)
    assert run.architecture == "layer" and not run.diverged
    assert 0 <= run.never_active <= 1 and 0 <= run.test_accuracy <= 1
    plain = today.arch_run("negbias", "plain", 0)
    assert plain.never_active_start > run.never_active_start  # layer norm removes the shared shift
    res = today.arch_run("deepnarrow", "residual", 0)
    assert 0 <= res.test_accuracy <= 1
    with pytest.raises(KeyError, match="No architecture 'nope'"):
        today.arch_run("negbias", "nope", 0)


def test_data_mean_frame_takes_values_off_the_grid():
    # the live explorer calls it with any ratio in 0..32, not only the precomputed ones
    prev = -1.0
    for ratio in (0.0, 3.7, 12.25, 32.0):
        frame = today.data_mean_frame(ratio, False, width=256)
        assert frame["active"].shape == (256,) and 0 <= frame["dead"] <= frame["one_sign"] <= 1
        assert frame["dead"] >= prev - 0.05  # grows with the ratio (same weights and noise)
        prev = frame["dead"]
    assert today.data_mean_frame(3.7, True, width=256)["dead"] == 0.0
