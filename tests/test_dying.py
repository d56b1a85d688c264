"""Tests for dying_relu.dying (Chapter 3): every claim the chapter makes about dead units."""


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dying_relu import MLP, SGD, Adam, Momentum, data, diagnostics, dying, fit  # noqa: E402


@pytest.fixture(scope="module")
def spirals():
    return data.spirals(300, seed=0)


# -- diagnostics on raw arrays -------------------------------------------------------------------


def test_dead_units_constructed_dead_and_active_once():
    Z = np.array([[-1.0, 0.0, -0.5, 2.0], [-2.0, 0.0, 0.1, 1.0], [-0.1, -3.0, -0.5, 0.5]])
    # unit 0: negative everywhere (dead); unit 1: max exactly 0 (dead, z <= 0);
    # unit 2: positive on one example only (alive); unit 3: always active (alive)
    np.testing.assert_array_equal(dying.dead_units(Z), [True, True, False, False])
    assert dying.layer_dead_fraction(Z) == 0.5
    with pytest.raises(ValueError, match="n_examples, width"):
        dying.dead_units(np.zeros(3))


def test_dead_units_agrees_with_library_diagnostics(spirals):
    X, _ = spirals
    net = MLP([2, 16, 16, 3], bias=[-0.6, -0.6, 0.0], seed=4)
    zs = net.pre_activations(X)
    for z, mask in zip(zs, diagnostics.dead_mask(net, X), strict=True):
        np.testing.assert_array_equal(dying.dead_units(z), mask)
        assert mask.any() and not mask.all()  # the test covers both kinds of unit


def test_revived_needs_dead_then_alive_later():
    masks = np.array(
        [
            [True, False, True, False, True],
            [True, True, False, False, True],
            [True, False, False, True, True],
        ]
    )
    # unit 0 never alive; 1 dies then revives; 2 revives; 3 alive then dies (not revived);
    # 4 always dead
    np.testing.assert_array_equal(dying.revived(masks), [False, True, True, False, False])
    assert not dying.revived(np.array([[False], [True]]))[0]


def test_dead_recorder_records_over_training(spirals):
    X, y = spirals
    net = MLP([2, 8, 8, 3], bias=[-0.5, -0.5, 0.0], seed=0)
    hist = fit(net, X, y, optimizer=SGD(0.1), epochs=3, on_epoch=dying.dead_recorder(X, masks=True))
    assert len(hist["dead"]) == 4 and hist["dead"][0].shape == (2,)
    np.testing.assert_allclose(hist["dead"][-1], diagnostics.dead_fraction(net, X))
    assert hist["dead_total"][-1] == pytest.approx(diagnostics.network_dead_fraction(net, X))
    np.testing.assert_array_equal(hist["dead_mask"][-1][0], diagnostics.dead_mask(net, X)[0])
    assert hist["dead_total"][0] > 0  # the negative bias kills some units at initialisation


# -- the single neuron ---------------------------------------------------------------------------

X_POS = np.array([[1.0, 2.0], [2.0, 1.0], [0.5, 0.5], [1.5, 1.0]])
Y_POS = np.array([[1.0], [2.0], [0.5], [1.5]])


def test_dead_single_neuron_has_exactly_zero_gradients_and_never_moves():
    net = dying.single_neuron([-1.0, -0.5], b=-0.1, v=0.7, c=0.2)
    g = dying.neuron_gradients(net, X_POS, Y_POS)
    assert np.all(g["z"] <= 0)
    assert np.all(g["dw"] == 0.0) and g["db"] == 0.0
    before = [p.copy() for p in (net.layers[0].W, net.layers[0].b, net.layers[1].W)]
    fit(net, X_POS, Y_POS, optimizer=SGD(0.1), loss="mse", epochs=500, batch_size=4, seed=0)
    for p, q in zip((net.layers[0].W, net.layers[0].b, net.layers[1].W), before, strict=True):
        assert np.array_equal(p, q)  # bit for bit
    # only the output bias learns: the prediction becomes the mean target
    np.testing.assert_allclose(net.forward(X_POS), np.full((4, 1), Y_POS.mean()), atol=1e-6)


def test_negative_weights_alone_do_not_kill_a_neuron():
    w = [-1.0, -0.5]
    centred = X_POS - X_POS.mean(axis=0)
    assert dying.dead_units(X_POS @ np.c_[w])[0]  # dead on data with positive features
    assert not dying.dead_units(centred @ np.c_[w])[0]  # same weights, centred data: alive
    assert not dying.dead_units(X_POS @ np.c_[w] + 2.5)[0]  # same weights, a large bias: alive


def test_inactive_on_some_inputs_still_learns():
    net = dying.single_neuron([1.0, -1.0], b=0.0)
    g = dying.neuron_gradients(net, X_POS, Y_POS)
    assert 0 < np.mean(g["z"] > 0) < 1
    assert np.any(g["dw"] != 0)
    w0 = net.layers[0].W.copy()
    fit(net, X_POS, Y_POS, optimizer=SGD(0.05), loss="mse", epochs=5, batch_size=4, seed=0)
    assert not np.array_equal(net.layers[0].W, w0)


# -- sweeps --------------------------------------------------------------------------------------


def test_bias_sweep_kills_more_with_more_negative_bias(spirals):
    X, y = spirals
    s = dying.sweep("bias", [-2.0, -0.5, 0.0], X, y, seeds=range(3), sizes=(2, 16, 16, 3), epochs=2)
    assert s.dead_init.shape == (3, 3) and s.dead_layers_final.shape == (3, 3, 2)
    m = s.stats("dead_init")["mean"]
    assert m[0] > 0.8 and m[0] > m[1] > m[2]
    assert s.stats("dead_init")["min"][2] < 0.1
    # pooled fraction = width-weighted mean of the layers (equal widths: plain mean)
    np.testing.assert_allclose(s.dead_final, s.dead_layers_final.mean(-1))
    with pytest.raises(ValueError, match="param"):
        dying.sweep("epochs", [1], X, y)


def test_learning_rate_sweep_high_lr_kills_units(spirals):
    X, y = spirals
    s = dying.sweep("lr", [0.1, 3.0], X, y, seeds=range(3), epochs=10)
    st = s.stats()
    assert st["mean"][1] > 0.5 > 0.15 > st["mean"][0]
    assert not s.diverged.any()


def test_chapter3_lr_sweep_gives_the_same_numbers_for_part_of_its_rates(spirals):
    """Chapter 4 quotes Chapter 3's dead fractions at learning rate 1.5 by running only that rate
    of dying.spirals_lr_sweep: every run depends only on its rate and seed, so they are the full
    sweep's; and the sweep is Chapter 3's set-up (spirals(300, seed=0), 30 epochs)."""
    seeds = range(2)
    full = dying.spirals_lr_sweep([1.0, 1.5], seeds=seeds)
    part = dying.spirals_lr_sweep([1.5], seeds=seeds)
    np.testing.assert_array_equal(full.dead_final[1], part.dead_final[0])
    np.testing.assert_array_equal(full.accuracy[1], part.accuracy[0])
    direct = dying.sweep("lr", [1.5], *spirals, seeds=seeds, epochs=30)
    np.testing.assert_array_equal(direct.dead_final, part.dead_final)
    assert dying.LR_SWEEP_RATES == (0.1, 0.3, 0.6, 1.0, 1.5, 2.0, 3.0)


def test_chapter3_born_dead_grid():
    """Chapter 3's grid, which Chapter 4 recomputes to quote it: widths 2-10, depths 1-50, 5000
    networks, and deterministic (the same numbers on every call)."""
    bd = dying.born_dead_grid()
    assert bd.widths == (2, 3, 4, 5, 10) and list(bd.depths) == list(range(1, 51)) and bd.n_nets == 5000
    again = dying.born_dead_grid()
    np.testing.assert_array_equal(bd.p, again.p)
    assert 0.8 < bd.at(2, 10) < 0.97 and bd.at(3, 10) < bd.at(2, 10)


def test_sweep_accepts_an_optimizer_factory(spirals):
    X, y = spirals
    s = dying.sweep("lr", [0.3], X, y, seeds=[0], epochs=1, sizes=(2, 8, 3),
                    optimizer=lambda lr: Momentum(lr * 0.1, beta=0.9))
    assert s.dead_final.shape == (1, 1)


# -- born dead -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bias_std", [0.0, 0.4])
def test_born_dead_estimator_agrees_with_slow_reference(bias_std):
    X, _ = data.abs_regression(48, seed=1)
    first = dying.born_dead_first_layer(3, 8, 200, X, np.random.default_rng(5), bias_std=bias_std)
    stack = dying.he_stack(3, 8, 200, np.random.default_rng(5), bias_std=bias_std)
    ref = dying.born_dead_reference(stack, X)
    np.testing.assert_array_equal(first, ref)
    assert 0.2 < np.mean(first > 0) < 0.9  # both kinds of network occur
    # a born-dead network's output is constant on the data, a live one's is not
    out, _ = stack.forward(X)
    spread = np.ptp(out[:, :, 0], axis=1)
    assert np.all(spread[first > 0] == 0) and np.all(spread[first == 0] > 0)


def test_born_dead_width_one_matches_the_exact_formula():
    depths = np.arange(1, 9)
    bd = dying.born_dead_probability([1], depths, n_nets=20000, seed=2)
    exact = 1 - 2.0 ** -(depths - 1)
    assert bd.p[0, 0] == 0.0  # zero bias, inputs on both sides of 0: the first layer lives
    assert np.all(np.abs(bd.p[0] - exact) <= 4 * np.sqrt(exact * (1 - exact) / 20000) + 1e-12)


def test_born_dead_deep_narrow_near_one_wide_shallow_near_zero():
    bd = dying.born_dead_probability([2, 50], [3, 40], n_nets=3000, seed=0)
    assert bd.at(2, 40) > 0.99
    assert bd.at(50, 3) < 0.002
    assert np.all(np.diff(dying.born_dead_probability([3], np.arange(1, 30), 2000).p) >= 0)


def test_born_dead_reduction_to_two_points_is_exact():
    # with zero biases only the signs of the inputs matter: a fine grid gives the same answer
    grid = np.linspace(-np.sqrt(3), np.sqrt(3), 101)[:, None]
    sample = data.abs_regression(64, seed=0)[0]
    a = dying.born_dead_first_layer(2, 12, 500, grid, np.random.default_rng(0))
    b = dying.born_dead_first_layer(2, 12, 500, sample, np.random.default_rng(0))
    ref = dying.born_dead_reference(dying.he_stack(2, 12, 500, np.random.default_rng(0)), grid)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, ref)


# How long the born-dead Monte Carlo takes is measured by benchmarks/explorers.py (a wall-clock
# figure is a benchmark, not a test).


# -- many networks trained at once -----------------------------------------------------------------


def test_stack_round_trip_and_forward_match_mlp():
    X, _ = data.abs_regression(16, seed=0)
    nets = [MLP([1, 3, 3, 1], seed=s, bias=0.1) for s in range(4)]
    stack = dying.Stack.from_mlps(nets)
    out, zs = stack.forward(X)
    for k, net in enumerate(nets):
        np.testing.assert_allclose(out[k], net.forward(X), rtol=1e-12)
        np.testing.assert_allclose(zs[1][k], net.pre_activations(X)[1], rtol=1e-12)
    back = stack.to_mlps()
    np.testing.assert_array_equal(back[2].layers[1].W, nets[2].layers[1].W)
    np.testing.assert_allclose(dying.stack_dead_layers(stack, X)[3],
                               diagnostics.dead_fraction(nets[3], X))


def test_train_stack_matches_fit_with_full_batch_adam():
    X, y = data.abs_regression(32, seed=0)
    nets = [MLP([1, 4, 4, 1], seed=s) for s in range(3)]
    stack = dying.Stack.from_mlps(nets)
    losses = dying.train_stack(stack, X, y, steps=40, lr=1e-2)
    for k, net in enumerate(nets):
        hist = fit(net, X, y, optimizer=Adam(1e-2), loss="mse", epochs=40, batch_size=32, seed=0)
        np.testing.assert_allclose(losses[:, k], hist.loss, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(stack.Ws[1][k], net.layers[1].W, rtol=1e-9, atol=1e-12)


def test_born_dead_network_stays_collapsed_after_training():
    X, y = data.abs_regression(32, seed=0)
    stack = dying.he_stack(2, 10, 60, np.random.default_rng(3))
    born = dying.stack_dead_layers(stack, X).max(axis=1) == 1
    assert 0 < born.sum() < 60
    first = stack.copy()
    losses = dying.train_stack(stack, X, y, steps=200, lr=1e-2)
    after = dying.stack_dead_layers(stack, X).max(axis=1) == 1
    assert np.all(after[born])  # once born dead, always dead
    out, _ = stack.forward(X)
    assert np.all(np.ptp(out[after, :, 0], axis=1) == 0)
    # no gradient reaches the first layer of a born-dead network: it is bit for bit unchanged
    np.testing.assert_array_equal(stack.Ws[0][born], first.Ws[0][born])
    # the collapsed networks fit the best constant (the mean of |x|) at best
    assert np.all(losses[-1][after] >= np.var(y) - 1e-9)


# -- recovery ------------------------------------------------------------------------------------


def test_kill_unit_leaves_it_dead_by_the_margin(spirals):
    X, _ = spirals
    net = MLP([2, 8, 8, 3], seed=1)
    dying.kill_unit(net, X, layer=1, unit=3, margin=0.05)
    z = net.pre_activations(X)[1][:, 3]
    assert z.max() == pytest.approx(-0.05)
    assert diagnostics.dead_mask(net, X)[1][3]
    assert diagnostics.dead_fraction(net, X)[0] == 0.0  # the layer before is untouched


def test_first_layer_never_revives_deeper_layer_sometimes(spirals):
    X, y = spirals
    r = dying.revival_experiment(X, y, seeds=range(8), epochs=15)
    assert r["first_dead_at_end"].all() and r["first_weights_unchanged"].all()
    assert r["second_revived_ever"].any()
    assert not r["second_weights_unchanged"].all()


def test_recovery_by_optimizer(spirals):
    X, y = spirals
    lr, wd, epochs = 0.1, 1e-2, 5
    res = dying.recovery_by_optimizer(
        X, y,
        {"sgd": lambda: SGD(lr), "momentum": lambda: Momentum(lr / 10), "adam": lambda: Adam(1e-2),
         "sgd_wd": lambda: SGD(lr, weight_decay=wd)},
        seeds=range(3), epochs=epochs)
    steps = epochs * int(np.ceil(len(X) / 32))
    assert res["sgd"]["dead_before"][:, 0].sum() > 0
    for name in ("sgd", "momentum", "adam", "sgd_wd"):
        assert res[name]["revived"][:, 0].sum() == 0  # no optimiser revives a first-layer unit
    for name in ("sgd", "momentum", "adam"):  # fresh optimiser state: dead weights frozen
        assert np.all(res[name]["dead_w_norm_ratio"][res[name]["dead_before"][:, 0] > 0] == 1.0)
    ratio = res["sgd_wd"]["dead_w_norm_ratio"]
    np.testing.assert_allclose(ratio[~np.isnan(ratio)], (1 - lr * wd) ** steps, rtol=1e-9)
    # on centred data a dead first-layer unit has a bias <= 0, so weight decay cannot revive it
    assert np.nanmax(res["sgd"]["dead_bias_max"]) <= 0


def test_died_and_revived_needs_alive_dead_alive():
    # rows are times; unit 0: alive, dead, alive (died and revived); unit 1: dead from the start,
    # alive later (born dead: neither); unit 2: alive then dead for good; unit 3: always alive
    masks = np.array([[False, True, False, False],
                      [True, True, False, False],
                      [False, False, True, False]])
    died, back = dying._died_and_revived(masks)
    np.testing.assert_array_equal(died, [True, False, True, False])
    np.testing.assert_array_equal(back, [True, False, False, False])


def test_dead_masks_plain_agree_with_diagnostics(spirals):
    X, _ = spirals
    net = MLP([2, 16, 16, 3], bias=[-0.5, -0.5, 0.0], seed=1)
    for a, b in zip(dying._dead_masks_plain(net, X), diagnostics.dead_mask(net, X), strict=True):
        np.testing.assert_array_equal(a, b)


def test_revival_with_state_momentum_coasts_and_the_control_freezes(spirals):
    """Units that die in a momentum run keep moving by exactly sum_k beta**k times their last step
    (no gradient, constant lr); with their state zeroed at death they stop dead; no first-layer
    unit can revive in the control (fixed inputs, no gradient, no state)."""
    X, y = spirals
    beta = 0.9
    carried = dying.revival_with_state(X, y, lambda: Momentum(0.3, beta=beta), seeds=range(3),
                                       epochs=10, min_coast=1)
    zeroed = dying.revival_with_state(X, y, lambda: Momentum(0.3, beta=beta), seeds=range(3),
                                      epochs=10, min_coast=1, zero_at_death=True)
    assert carried["steps"] == 10 * int(np.ceil(len(X) / 32))
    assert carried["died"][:, 0].sum() > 0 and zeroed["died"][:, 0].sum() > 0
    k = carried["coast_steps"]
    np.testing.assert_allclose(carried["coast"], beta * (1 - beta**k) / (1 - beta), rtol=1e-6)
    assert carried["moved"].sum() == carried["dead_end"][:, 0].sum() > 0
    assert zeroed["revived"][:, 0].sum() == 0 and zeroed["moved"].sum() == 0
    assert np.all(zeroed["coast"] == 0)
    assert np.all(carried["revived"] <= carried["died"])
    assert np.all(carried["dead_end"] <= carried["died"])


def test_revival_with_state_adam_moves_dead_units_and_zeroing_stops_them(spirals):
    X, y = spirals
    carried = dying.revival_with_state(X, y, lambda: Adam(0.1), seeds=range(2), epochs=6,
                                       min_coast=20)
    zeroed = dying.revival_with_state(X, y, lambda: Adam(0.1), seeds=range(2), epochs=6,
                                      min_coast=20, zero_at_death=True)
    assert carried["moved"].sum() > 0 and zeroed["moved"].sum() == 0
    assert np.all(carried["coast"] > 3)  # the moments go on moving a dead unit for ~10 steps


def test_optimal_constant_output_and_dead_layer_exits(spirals):
    X, y = spirals
    net = MLP([2, 8, 8, 3], seed=0)
    with pytest.raises(ValueError, match="not constant"):
        dying.optimal_constant_output(net.copy(), X, y)
    with pytest.raises(ValueError, match="not dead"):
        dying.dead_layer_exits(net, X, y, 1)
    for j in range(8):  # a fully dead second layer, by a margin of 0.05 to 0.4
        dying.kill_unit(net, X, 1, j, margin=0.05 * (j + 1))
    before = net.state()
    r = dying.dead_layer_exits(net, X, y, 1, s=np.linspace(0, 3, 13))
    for a, b in zip(before, net.state(), strict=True):  # works on a copy
        np.testing.assert_array_equal(a, b)
    assert r["loss"] == pytest.approx(np.log(3), abs=1e-12)  # balanced classes: ln 3
    assert r["grad_hidden"] == 0.0 and r["grad_out_bias"] < 1e-12
    np.testing.assert_allclose(r["margin"], 0.05 * np.arange(1, 9), rtol=1e-9)
    assert np.all(r["bias_curve"][:, r["s"] < 1] == 0.0)  # exactly flat short of the edge
    assert np.any(r["bias_curve"][:, r["s"] > 1] != 0.0)
    assert np.all(r["exit_rise"] == 0.0)  # the exit path never climbs
    assert np.all(r["exit_drop"] < 0)  # and ends below the plateau


def test_dead_first_layer_units_on_centred_data_have_nonpositive_bias(rng):
    X = rng.normal(size=(200, 5))
    X -= X.mean(axis=0)
    W = rng.normal(size=(5, 4000))
    b = rng.normal(scale=3.0, size=4000)
    dead = dying.dead_units(X @ W + b)
    assert dead.sum() > 50
    assert np.all(b[dead] <= 0)


# -- the microscope and the explorer ---------------------------------------------------------------


def test_compute_is_pure_and_shows_high_lr_killing(spirals):
    """(Its speed per update is measured by benchmarks/explorers.py.)"""
    lrs, biases = [0.1, 0.5, 1.0, 2.0], [-1.0, -0.5, 0.0, 0.2]
    results = {(lr, b): dying.compute(lr, b) for lr in lrs for b in biases}
    r = results[2.0, 0.0]
    assert r["dead_curve"].shape == (21, 2) and r["accuracy"].shape == (21,)
    assert r["W0"].shape == (2, 16) and r["dead"].shape == (16,)
    assert not r["dead0"].any() and r["dead"].sum() >= 3
    assert results[0.1, 0.0]["dead"].sum() == 0
    assert results[0.1, -1.0]["dead0"].sum() >= 6
    again = dying.compute(2.0, 0.0)
    np.testing.assert_array_equal(again["W"], r["W"])
    np.testing.assert_array_equal(again["dead_curve"], r["dead_curve"])


def test_draw_microscope_counts_and_explorer_figure(spirals):
    X, y = spirals
    W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    b = np.array([0.0, -5.0, -1.0])  # unit 1: boundary at x2 = 5, far outside the data
    fig, ax = plt.subplots()
    info = dying.draw_microscope(ax, W, b, X, y)
    assert info == {"dead": 1, "alive": 2, "dead_off_view": 1}
    plt.close(fig)
    fig = dying.draw_explorer(dying.compute(1.0, 0.0))
    assert len(fig.axes) == 2
    plt.close(fig)


def test_explorer_frame_for_any_value_of_the_live_ranges():
    """The live explorer calls draw(lr, bias) with any value of its ranges (lr 0.1 to 3, bias -1.5
    to 0.5), not only the precomputed grid: the ends and an off-grid point all give a frame."""
    for lr, bias in [(0.1, -1.5), (3.0, 0.5), (0.77, -0.35)]:
        r = dying.compute(lr, bias)
        assert r["dead_curve"].shape == (21, 2) and np.isfinite(r["accuracy"]).all()
        fig = dying.draw_explorer(r)
        assert len(fig.axes) == 2
        plt.close(fig)


def test_dead_recorder_per_step_with_loss(spirals):
    X, y = spirals
    net = MLP([2, 8, 3], seed=0)
    hist = fit(net, X, y, optimizer=SGD(0.1), epochs=1, batch_size=100,
               on_step=dying.dead_recorder(X, y=y))
    assert len(hist.steps["train_loss"]) == 3
    assert hist.steps["train_loss"][-1] == pytest.approx(hist.loss[-1])


def test_stack_select_keeps_the_chosen_networks():
    X, _ = data.abs_regression(8, seed=0)
    stack = dying.he_stack(3, 4, 10, np.random.default_rng(0))
    keep = np.arange(10) % 3 == 0
    sub = stack.select(keep)
    assert sub.n_nets == 4
    np.testing.assert_array_equal(sub.forward(X)[0], stack.forward(X)[0][keep])
    sub.Ws[0][0, 0, 0] += 1.0  # a copy, not a view
    assert stack.Ws[0][0, 0, 0] != sub.Ws[0][0, 0, 0]
