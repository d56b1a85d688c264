"""Tests of dying_relu.speed: the measurements behind Chapter 1's claims.

Timing claims are asserted as robust inequalities on within-round ratios (they hold with a wide
margin on every machine we tried, loaded or not); the race is checked at the chapter's own set-up
for the two activations the claim is about, on three seeds.
"""


import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dying_relu import MLP, data, speed  # noqa: E402

# ---------------------------------------------------------------------------------- per element


@pytest.fixture(scope="module")
def costs():
    return speed.activation_costs(n=1_000_000, rounds=9)


def test_costs_have_every_pass_and_the_copy(costs):
    assert set(costs.timings) == {"copy"} | {f"{n}/{p}" for n in speed.ACTIVATIONS for p in speed.PASSES}
    assert np.all(costs.timings["copy"].ratios == 1.0)
    for name in costs.names:
        for p in speed.PASSES:
            med, q25, q75 = costs.ratio_to_copy(name, p)
            assert 0 < q25 <= med <= q75
            assert costs.ns_per_element(name, p) > 0
    assert costs.ratio_to("relu", "relu") == 1.0
    assert costs.copy_gbytes_per_s > 0


def test_relu_is_cheaper_than_sigmoid_and_elu(costs):
    """Chapter 1: sigmoid and ELU pay for exp and extra passes; ReLU does not."""
    assert costs.ratio_to("sigmoid", "relu") > 1.3
    assert costs.ratio_to("elu", "relu") > 1.5
    assert costs.ratio_to("elu", "relu", pass_="both") > 1.5
    assert costs.ratio_to("sigmoid", "relu", pass_="both") > 1.2


def test_relu_forward_is_memory_bound(costs):
    """One pass over memory: within a small factor of a plain copy (the chapter says 'close')."""
    assert costs.ratio_to_copy("relu", "forward")[0] < 3.0


def test_costs_table_and_errors(costs):
    table = costs.table()
    for name in speed.ACTIVATIONS:
        assert name in table
    with pytest.raises(ValueError, match="pass_"):
        costs.timing("relu", "sideways")
    with pytest.raises(KeyError, match="not measured"):
        costs.timing("prelu")
    with pytest.raises(ValueError, match="positive"):
        speed.activation_costs(n=0)


def test_costs_measure_the_library_backward_rule():
    c = speed.activation_costs(n=1000, rounds=2, names=("relu",))
    assert c.names == ("relu",)
    assert set(c.timings) == {"copy", "relu/forward", "relu/backward"}


# ---------------------------------------------------------------------------------- training step


def test_make_step_trains():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5))
    y = (X[:, 0] > 0).astype(int)
    net = MLP([5, 16, 2], "relu", seed=0)
    from dying_relu import SGD

    step = speed.make_step(net, SGD(0.5), X, y)
    first = step()
    for _ in range(50):
        last = step()
    assert isinstance(first, float)
    assert last < 0.5 * first


def test_matrix_products_dominate_a_training_step():
    """Chapter 1's point: in the 784-256-256-10 step, activations are a small share."""
    b = speed.step_time_breakdown(activations=("relu", "sigmoid"), rounds=7)
    assert set(b) == {"relu", "sigmoid"}
    for name, part in b.items():
        assert part.activation == name
        assert 0 < part.activation_share < 0.3
        assert part.matmul_share > 3 * part.activation_share
        assert 0 <= part.other_share < 1
        assert part.step <= part.step_median
        assert part.steps_per_s == pytest.approx(1 / part.step)
    # an expensive activation costs more per call, but the step hardly changes
    assert b["sigmoid"].activations > b["relu"].activations


# ---------------------------------------------------------------------------------- sparsity


def test_zero_fraction_counts_exact_zeros():
    net = MLP([2, 3, 2], "relu", seed=0)
    layer = net.layers[0]
    layer.W[:] = [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]]
    layer.b[:] = [0.0, 0.0, -1.0]
    X = np.array([[1.0, 0.0], [-1.0, 0.0]])
    # unit 0: 1, 0 (z = -1); unit 1: 0 (z = -1), 1; unit 2: always 0  -> 4 zeros of 6
    np.testing.assert_allclose(speed.zero_fraction(net, X), [4 / 6])


def test_relu_is_about_half_zero_at_initialisation():
    X = data.digits().X_train
    relu = speed.zero_fraction(MLP([64, 128, 128, 10], "relu", seed=1), X)
    tanh = speed.zero_fraction(MLP([64, 128, 128, 10], "tanh", seed=1), X)
    assert relu.shape == (2,)
    assert np.all((relu > 0.35) & (relu < 0.65))
    assert np.all(tanh == 0)


# ---------------------------------------------------------------------------------- the race


def test_race_data_is_standardised():
    X, y = speed.race_data()
    assert X.shape == (600, 2) and y.shape == (600,)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-12)
    assert set(np.unique(y)) == {0, 1, 2}


def _fake_race():
    """A race with known curves: no training needed."""
    nan, E = np.nan, 5
    err = {
        # relu at 0.1 reaches 0.1 at epochs 2 and 3 and stops there
        ("relu", 0.1): np.array([[0.7, 0.3, 0.1, nan, nan, nan], [0.7, 0.4, 0.2, 0.05, nan, nan]]),
        # relu at 1.0: one run never gets there, one diverges at epoch 2
        ("relu", 1.0): np.array([[0.7, 0.6, 0.6, 0.6, 0.6, 0.6], [0.7, 0.5, nan, nan, nan, nan]]),
        ("tanh", 0.1): np.array([[0.7, 0.6, 0.5, 0.4, 0.1, nan], [0.7, 0.6, 0.5, 0.3, 0.2, 0.1]]),
        ("tanh", 1.0): np.array([[0.7, 0.6, 0.6, 0.6, 0.6, 0.6], [0.7, 0.6, 0.5, 0.4, 0.3, 0.2]]),
    }
    times = {k: np.where(np.isnan(v), nan, 0.01) for k, v in err.items()}
    for v in times.values():
        v[:, 0] = 0.0
    res = speed.RaceResult(("relu", "tanh"), (0.1, 1.0), (0, 1), 0.1, E, err, times,
                           (2, 8, 3), "SGD", "usual per activation")
    for a in res.activations:
        res.best_lr[a] = min(res.lrs, key=lambda lr, a=a: speed._median_epochs(res, a, lr))
    return res


def test_race_bookkeeping_on_known_curves():
    res = _fake_race()
    assert res.best_lr == {"relu": 0.1, "tanh": 0.1}
    np.testing.assert_array_equal(res.epochs_to_target("relu"), [2, 3])
    np.testing.assert_array_equal(res.epochs_to_target("relu", 1.0), [np.inf, np.inf])
    np.testing.assert_array_equal(res.epochs_to_target("tanh"), [4, 5])
    np.testing.assert_array_equal(res.epochs_to_target("relu", target=0.3), [1, 2])
    np.testing.assert_allclose(res.ratio("tanh"), [2.0, 5 / 3])
    np.testing.assert_allclose(res.seconds_to_target("relu"), [0.02, 0.03])
    np.testing.assert_allclose(res.ratio("tanh", what="seconds"), [2.0, 5 / 3])
    with pytest.raises(ValueError, match="lower target"):
        res.epochs_to_target("relu", target=0.05)
    with pytest.raises(ValueError, match="what must be"):
        res.ratio("tanh", what="steps")
    assert "never" not in res.summary().split("relu")[1].split("\n")[0]
    assert "best lr 0.1" in res.summary()


def test_compute_for_the_explorer_is_pure():
    """(Its speed per update is measured by benchmarks/explorers.py.)"""
    res = _fake_race()
    for a in res.activations:
        for lr in res.lrs:
            d = speed.compute(res, a, lr)
            assert d["curves"].shape == (2, res.epochs + 1)
            assert d["epochs"].shape == (res.epochs + 1,)
            assert d["target"] == 0.1 and d["best_lr"] == 0.1
            assert d["reference"] is res.error[("relu", 0.1)]
    d = speed.compute(res, "relu", 1.0)
    np.testing.assert_array_equal(d["diverged"], [False, True])  # stopped early without reaching
    np.testing.assert_array_equal(speed.compute(res, "relu", 0.1)["diverged"], [False, False])
    with pytest.raises(KeyError, match="no run"):
        speed.compute(res, "sigmoid", 0.1)


def test_race_rejects_bad_arguments():
    with pytest.raises(ValueError, match="target"):
        speed.convergence_race(target=1.5)
    with pytest.raises(ValueError, match="at least one"):
        speed.convergence_race(seeds=())


@pytest.fixture(scope="module")
def small_race():
    """The chapter's set-up for relu and tanh at the learning rate that is best for both."""
    return speed.convergence_race(("relu", "tanh"), lrs=(0.1,), seeds=(0, 1, 2), epochs=60)


def test_relu_reaches_the_target_in_fewer_epochs_than_tanh(small_race):
    """The 'ReLU trains faster' claim at small scale: on every seed, by a clear margin."""
    relu, tanh = small_race.epochs_to_target("relu"), small_race.epochs_to_target("tanh")
    assert np.all(np.isfinite(relu)) and np.all(np.isfinite(tanh))
    assert np.all(relu < tanh)
    assert small_race.ratio("tanh").mean() > 1.5
    assert small_race.sizes == (2, 64, 64, 3)
    assert np.all(np.isfinite(small_race.seconds_to_target("relu")))
    # runs stop at the target: the curve after it is NaN
    row = small_race.error[("relu", 0.1)][0]
    assert np.all(np.isnan(row[int(relu[0]) + 1 :]))


def test_same_weight_scale_closes_most_of_tanhs_gap(small_race):
    """Chapter 1's control: with He initialisation tanh needs far fewer epochs than with Glorot."""
    he = speed.convergence_race(("tanh",), lrs=(0.1,), seeds=(0, 1, 2), epochs=60, init="he")
    assert he.init == "he" and small_race.init == "usual per activation"
    assert he.epochs_to_target("tanh").mean() < 0.7 * small_race.epochs_to_target("tanh").mean()


def test_step_shares_are_medians_of_within_round_ratios(monkeypatch):
    """The fastest step and the fastest products can come from different rounds: the shares
    must not be a ratio of two minima (a busy machine made that 37% of a step for ReLU's
    products), but the median of each round's own ratio."""
    from dying_relu import bench

    def fake_compare(funcs, **kw):
        names = list(funcs)
        rounds = 5
        # one quiet round for the step only (0.5), otherwise a busy machine: steps of 2.0 with
        # products of 1.5 and activations of 0.1 in the same round
        step = np.array([0.5, 2.0, 2.0, 2.0, 2.0])
        mm = np.array([1.5, 1.5, 1.5, 1.5, 0.2])
        act = np.array([0.1, 0.1, 0.1, 0.1, 0.1])
        series = {"step": step, "matmuls": mm, "activations": act}
        return {n: bench.Timing(n, series[n.split("/")[1]], np.full(rounds, np.nan), None)
                for n in names}

    monkeypatch.setattr(speed._bench, "compare", fake_compare)
    b = speed.step_time_breakdown(activations=("relu",), rounds=5)["relu"]
    assert b.step == 0.5 and b.matmuls == 0.2 and b.activations == 0.1  # fastest rounds
    assert b.matmul_share == pytest.approx(0.75)  # median of 3, .75, .75, .75, .1
    assert b.activation_share == pytest.approx(0.05)
    assert b.other_share == pytest.approx(0.2)


@pytest.fixture(scope="module")
def tiny_race():
    """A race small enough to extend in a test: relu and tanh at lr 0.1, two seeds, 15 epochs."""
    return speed.convergence_race(("relu", "tanh"), lrs=(0.1,), seeds=(0, 1), epochs=15)


def test_compute_trains_a_learning_rate_off_the_grid(tiny_race):
    """The live explorer asks for any learning rate: compute trains it like the grid, once."""
    assert tiny_race.setup is not None and tiny_race.added == []
    d = speed.compute(tiny_race, "tanh", 0.05)
    assert d["computed"] and tiny_race.added == [("tanh", 0.05)]
    assert d["curves"].shape == (2, tiny_race.epochs + 1)
    assert np.all(d["curves"][:, 0] > 0.4)  # untrained: about 2/3 wrong on three classes
    assert d["best_lr"] == tiny_race.best_lr["tanh"]
    again = speed.compute(tiny_race, "tanh", 0.05)
    assert not again["computed"] and again["curves"] is d["curves"]  # cached
    assert tiny_race.lrs == (0.1,)  # the grid (and its best lrs) are unchanged
    # an activation the race did not run: trained too, no tuned lr
    d = speed.compute(tiny_race, "sigmoid", 0.3)
    assert d["computed"] and np.isnan(d["best_lr"])


def test_training_a_grid_cell_again_reproduces_it(tiny_race):
    """Faithful: the cell trained on demand is the race's own (same seeds, same set-up)."""
    fresh = speed.convergence_race(("relu",), lrs=(0.3,), seeds=(0, 1), epochs=15)
    tiny_race.train("relu", 0.3)
    np.testing.assert_array_equal(tiny_race.error[("relu", 0.3)], fresh.error[("relu", 0.3)])


def test_compute_rejects_bad_learning_rates_and_activations(tiny_race):
    with pytest.raises(ValueError, match="positive"):
        speed.compute(tiny_race, "relu", -0.1)
    with pytest.raises(ValueError, match="positive"):
        speed.compute(tiny_race, "relu", float("nan"))
    with pytest.raises((KeyError, ValueError), match="nosuch"):
        speed.compute(tiny_race, "nosuch", 0.1)
