"""dying_relu.gradients: per-layer statistics, the variance theory of He et al. (2015), the explorer.

The statistical bands below are derived, not tuned. For a ReLU layer of width N with weights
N(0, s/N) and a fixed input h, the pre-activations z_j are i.i.d. N(0, s||h||^2/N), so the gain
R = ||relu(z)||^2 / ||h||^2 = (s/N) sum_j relu(g_j)^2 with g_j ~ N(0, 1). E[relu(g)^2] = 1/2 and
Var[relu(g)^2] = E[g^4]/2 - 1/4 = 5/4, hence E[R] = s/2 exactly and sd(R)/E[R] = sqrt(5/N)
(0.071 at N = 1000). Layers are independent given their input, so E[q_L] equals the theory exactly
at any width, and log(q_L / theory) is close to a random walk with sd sqrt(5 L / N) (0.22 at
L = 10, N = 1000) for one input; averaging over inputs only shrinks it. Every band is at least
3.5 of these standard deviations wide (a chance failure below 1 in 2000 per check).
"""


import numpy as np
import pytest

from dying_relu import MLP, data, fit
from dying_relu import activations as A
from dying_relu import gradients as G

WIDE, DEPTH = 1000, 10


@pytest.fixture(scope="module")
def wide_input():
    rng = np.random.default_rng(11)
    return rng.standard_normal((64, WIDE))


def wide_preact_sq(scale: float, X: np.ndarray, seed: int, act: str = "relu") -> np.ndarray:
    net = MLP([WIDE] + [WIDE] * DEPTH + [10], act, init=scale, seed=seed, dtype=np.float32)
    return np.array([np.mean(np.square(z, dtype=np.float64)) for z in net.pre_activations(X)])


# ---------------------------------------------------------------------------------------------
# layer_stats on a network small enough to check by hand
# ---------------------------------------------------------------------------------------------


def test_layer_stats_matches_direct_computation(rng):
    net = MLP([3, 5, 4, 2], "relu", seed=3)
    X = rng.standard_normal((20, 3))
    y = rng.integers(0, 2, 20)
    st = G.layer_stats(net, X, y)
    assert st.n_layers == 3 and st.activation == ("relu", "relu", "identity")
    np.testing.assert_array_equal(st.layer, [1, 2, 3])
    net.loss_and_grad(X, y)
    for i, layer in enumerate(net.layers):
        assert st.weight_grad_norm[i] == pytest.approx(np.sqrt(np.sum(layer.dW**2)))
        assert st.bias_grad_norm[i] == pytest.approx(np.sqrt(np.sum(layer.db**2)))
        assert st.weight_norm[i] == pytest.approx(np.sqrt(np.sum(layer.W**2)))
        assert st.delta_rms[i] == pytest.approx(np.sqrt(np.mean(layer.dz**2)))
        assert st.delta_abs_mean[i] == pytest.approx(np.mean(np.abs(layer.dz)))
        assert st.preact_sq[i] == pytest.approx(np.mean(layer.z**2))
        assert st.preact_var[i] == pytest.approx(np.var(layer.z))
        assert st.act_std[i] == pytest.approx(np.std(layer.h))
    for i, layer in enumerate(net.hidden):
        assert st.zero_grad_fraction[i] == pytest.approx(np.mean(layer.z <= 0))
        assert st.local_grad_mean[i] == pytest.approx(np.mean(layer.z > 0))
    assert st.zero_grad_fraction[-1] == 0 and st.local_grad_mean[-1] == 1
    assert st.ratio() == pytest.approx(st.weight_grad_norm[0] / st.weight_grad_norm[-1])
    hid = st.hidden()
    assert hid.n_layers == 2 and hid.weight_grad_norm.shape == (2,) and hid.loss == st.loss


def test_layer_stats_changes_no_weight_and_hook_records_every_epoch(rng):
    net = MLP([2, 8, 8, 2], "tanh", seed=0)
    before = net.state()
    X, y = data.moons(64, seed=1)
    G.layer_stats(net, X, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.state(), strict=True))
    hist = fit(net, X, y, optimizer="sgd", lr=0.1, epochs=3, on_epoch=G.stats_hook(X, y))
    assert len(hist["stats"]) == 4 and all(isinstance(s, G.LayerStats) for s in hist["stats"])
    assert hist["stats"][0].loss == pytest.approx(hist.loss[0])


def test_small_grad_fraction_counts_saturated_sigmoid_units():
    net = MLP([1, 3, 2], "sigmoid", seed=0)
    net.layers[0].W[:] = [[1.0, 1.0, 1.0]]
    net.layers[0].b[:] = [0.0, 4.0, -8.0]  # f'(z) = 0.25, ~0.018, ~3e-4 at x = 0
    st = G.layer_stats(net, np.zeros((4, 1)), np.zeros(4, dtype=int))
    # threshold 0.1 * 1/4: the two saturated units count, the centred one does not
    assert st.small_grad_fraction[0] == pytest.approx(2 / 3)
    assert st.zero_grad_fraction[0] == 0  # sigmoid' is small but never exactly zero here
    with pytest.raises(ValueError, match="small"):
        G.layer_stats(net, np.zeros((4, 1)), np.zeros(4, dtype=int), small=0)


def test_relu_local_derivatives_are_exactly_zero_or_one(rng):
    net = MLP([4, 16, 16, 3], "relu", seed=2)
    derivs = G.local_derivatives(net, rng.standard_normal((50, 4)))
    assert [d.shape for d in derivs] == [(50, 16), (50, 16)]
    values = np.unique(np.concatenate([d.ravel() for d in derivs]))
    np.testing.assert_array_equal(values, [0.0, 1.0])


# ---------------------------------------------------------------------------------------------
# The sigmoid bound and the gradient it implies
# ---------------------------------------------------------------------------------------------


def test_sigmoid_derivative_is_at_most_a_quarter_reached_at_zero():
    x = np.linspace(-30, 30, 600_001)
    d = A.sigmoid_grad(x)
    assert d.max() <= 0.25 + 1e-15
    assert A.sigmoid_grad(np.array([0.0]))[0] == 0.25
    assert x[np.argmax(d)] == 0.0
    # s (1 - s) = 1/4 - (s - 1/2)^2: the derivation in the chapter, checked pointwise
    s = A.sigmoid(x)
    np.testing.assert_allclose(d, 0.25 - (s - 0.5) ** 2, atol=1e-15)


def test_backprop_through_sigmoid_shrinks_by_a_quarter_times_the_weight_norm(rng):
    """||dz_l|| <= max f' * ||W_{l+1}||_2 * ||dz_{l+1}||, exactly, in any sigmoid network."""
    net = MLP([8] + [32] * 6 + [4], "sigmoid", seed=5)
    net.loss_and_grad(rng.standard_normal((40, 8)), rng.integers(0, 4, 40))
    for lower, upper in zip(net.layers[:-1], net.layers[1:], strict=True):
        bound = 0.25 * np.linalg.norm(upper.W, 2) * np.linalg.norm(upper.dz)
        assert np.linalg.norm(lower.dz) <= bound * (1 + 1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_deep_sigmoid_gradients_vanish_towards_the_input(seed):
    """Depth 10, Glorot: theory says each layer multiplies the rms of dL/dz by
    sqrt(E[sigmoid'(z)^2]) <= 1/4; we allow 0.35 per layer (measured max over 10 seeds: 0.26) and
    a first/last ratio of ||dW|| below 1e-4 (measured 0.6e-6 to 1.8e-6; 0.25**9 = 3.8e-6)."""
    split = data.digits()
    X, y = split.X_train[:256], split.y_train[:256]
    st = G.layer_stats(MLP([64] + [64] * 10 + [10], "sigmoid", init="glorot", seed=seed), X, y)
    assert st.ratio() < 1e-4
    per_layer = st.delta_rms[:-2] / st.delta_rms[1:-1]  # hidden layer l vs hidden layer l + 1
    assert np.all(per_layer < 0.35)
    relu = G.layer_stats(MLP([64] + [64] * 10 + [10], "relu", init="he", seed=seed), X, y)
    assert relu.ratio() > 1e3 * st.ratio()


@pytest.mark.parametrize("seed", range(3))
def test_relu_with_he_keeps_the_backward_signal_constant(seed):
    """Backward theory for He: the mean square of dL/dz is kept (factor s/2 = 1) per layer. At width
    256 the first/last hidden rms ratio measured 0.97-1.09 over 10 seeds; band [0.6, 1.6]."""
    res = G.compute(10, "relu", 2.0, width=256, seed=seed)
    assert 0.6 < res["delta_rms"][0] / res["delta_rms"][-2] < 1.6


# ---------------------------------------------------------------------------------------------
# He et al. (2015): pre-activation variance through depth
# ---------------------------------------------------------------------------------------------


def test_relu_theory_closed_form():
    np.testing.assert_allclose(G.preact_theory(1.5, 5, "relu", 2.0), np.full(5, 3.0))
    np.testing.assert_allclose(G.preact_theory(1.0, 4, "relu", 1.0), [1, 0.5, 0.25, 0.125])
    np.testing.assert_allclose(G.preact_theory(np.array([1.0, 3.0]), 2, "relu", 2.0), [4.0, 4.0])
    np.testing.assert_allclose(G.backward_gain([0.3, 7.0], "relu", 2.0), [1.0, 1.0])
    np.testing.assert_allclose(G.backward_gain(1.0, "relu", 1.0), [0.5])
    np.testing.assert_allclose(G.backward_gain(1.0, A.get("leaky_relu", alpha=0.5), 1.6), [1.0])
    with pytest.raises(ValueError, match="depth"):
        G.preact_theory(1.0, 0)
    with pytest.raises(ValueError, match="one per hidden layer"):
        G.preact_theory(1.0, 3, "relu", [2.0, 2.0])


def test_quadrature_agrees_with_closed_forms():
    q = np.array([0.1, 1.0, 4.0])
    np.testing.assert_allclose(G.gaussian_expectation(np.square, q), q, rtol=1e-12)
    np.testing.assert_allclose(G.gaussian_expectation(lambda z: z**4, q), 3 * q**2, rtol=1e-12)
    np.testing.assert_allclose(G.gaussian_expectation(lambda z: np.maximum(z, 0) ** 2, q), q / 2,
                               rtol=1e-3)
    # the quadrature path for tanh and sigmoid: sigmoid'(z)^2 <= 1/16 gives a gain <= s / 16
    gains = G.backward_gain(np.array([1e-6, 0.5, 4.0]), "sigmoid", 1.0)
    assert np.all(gains <= 1 / 16) and gains[0] == pytest.approx(1 / 16, rel=1e-5)
    assert G.backward_gain(1e-8, "tanh", 1.0)[0] == pytest.approx(1.0, rel=1e-6)


def test_he_init_keeps_relu_preactivation_variance_within_band(wide_input):
    """Width 1000, depth 10, He (s = 2): layer by layer within the random-walk band of the theory."""
    theory = G.preact_theory(np.mean(wide_input**2, axis=1), DEPTH, "relu", 2.0)
    assert np.ptp(theory) == pytest.approx(0, abs=1e-12)  # the theory line is flat
    logs = []
    for seed in range(6):
        q = wide_preact_sq(2.0, wide_input, seed)
        log_ratio = np.log(q / theory)
        # first layer: an average of 64 x 1000 squares of exact Gaussians -> sd well below 1%
        assert abs(log_ratio[0]) < 0.03
        # deeper: |log ratio| <= 3.5 sd of the random walk, sd = sqrt(5 (l - 1) / N)
        band = 3.5 * np.sqrt(5 * np.arange(DEPTH) / WIDE) + 0.03
        assert np.all(np.abs(log_ratio) <= band), np.round(log_ratio, 3)
        # per-layer gain: E = s/2 = 1, sd sqrt(5/N) = 0.071 for one input
        gains = q[1:] / q[:-1]
        assert np.all(np.abs(gains - 1) < 3.5 * np.sqrt(5 / WIDE))
        logs.append(log_ratio[-1])
    # unbiased: the mean over 6 seeds of the deepest log ratio (sd 0.22 / sqrt(6) = 0.09)
    assert abs(np.mean(logs)) < 3.5 * np.sqrt(5 * (DEPTH - 1) / WIDE) / np.sqrt(6)


def test_variance_one_over_fan_in_halves_per_layer(wide_input):
    """s = 1 (LeCun; Glorot for square layers): theory q_l = q_1 / 2**(l-1), measured per layer."""
    theory = G.preact_theory(np.mean(wide_input**2, axis=1), DEPTH, "relu", 1.0)
    np.testing.assert_allclose(theory[1:] / theory[:-1], 0.5)
    q = wide_preact_sq(1.0, wide_input, seed=0)
    gains = q[1:] / q[:-1]
    assert np.all(np.abs(gains / 0.5 - 1) < 3.5 * np.sqrt(5 / WIDE)), np.round(gains, 3)
    assert np.all(np.abs(np.log(q / theory)) <= 3.5 * np.sqrt(5 * np.arange(DEPTH) / WIDE) + 0.03)
    he = wide_preact_sq(2.0, wide_input, seed=0)
    # same seed, same draws: ReLU is positively homogeneous, so layer l differs by exactly 2**l
    np.testing.assert_allclose(he / q, 2.0 ** np.arange(1, DEPTH + 1), rtol=1e-5)


def test_finite_width_expectation_equals_theory_exactly():
    """E[q_L] = theory at any width (each layer's gain has mean s/2 given its input): 400 narrow
    nets, width 50, depth 5, one input. sd of q_L/theory is sqrt((1 + 5/50)**5 - 1) = 0.78, so the
    mean of 400 has sd 0.039; band 0.14 (3.5 sd)."""
    x = np.random.default_rng(3).standard_normal((1, 50))
    theory = G.preact_theory(np.mean(x**2), 5, "relu", 2.0)[-1]
    finals = [np.mean(MLP([50] * 6 + [2], "relu", seed=s).pre_activations(x)[-1] ** 2)
              for s in range(400)]
    assert abs(np.mean(finals) / theory - 1) < 0.14


@pytest.mark.parametrize(("act", "scale", "band"), [("tanh", 1.0, 0.08), ("sigmoid", 4.0, 0.18)])
def test_mean_field_theory_for_saturating_activations(wide_input, act, scale, band):
    """Width 1000, depth 10: |log(measured / theory)| per layer. Over 12 seeds its sd was at most
    0.02 for tanh and 0.05 for the sigmoid (whose mean output 1/2 gives every unit a fixed random
    offset, sd of its mean square sqrt(2/N) = 0.045 per layer); bands are 4 and 3.5 sd."""
    theory = G.preact_theory(np.mean(wide_input**2, axis=1), DEPTH, act, scale)
    q = wide_preact_sq(scale, wide_input, seed=1, act=act)
    assert np.all(np.abs(np.log(q / theory)) < band), np.round(np.log(q / theory), 3)


# ---------------------------------------------------------------------------------------------
# The explorer's compute function
# ---------------------------------------------------------------------------------------------

EXPLORER_DEPTHS = (5, 10, 15, 20)
EXPLORER_SCALES = (0.5, 1.0, 2.0, 4.0)


def test_compute_is_pure_and_shaped():
    a = G.compute(5, "tanh", 1.0)
    b = G.compute(5, "tanh", 1.0)
    for key in ("layer", "grad_norm", "delta_rms", "preact_sq", "zero_grad_fraction"):
        assert a[key].shape == (6,)
        np.testing.assert_array_equal(a[key], b[key])
    assert a["ratio"] == b["ratio"] == pytest.approx(a["grad_norm"][0] / a["grad_norm"][-1])
    with pytest.raises(ValueError, match="depth"):
        G.compute(0, "relu", 2.0)


@pytest.mark.parametrize("depth,scale", [(1, 0.25), (7, 0.7), (30, 16.0), (30, 0.25), (13, 3.3)])
def test_explorer_takes_any_value_in_its_live_range(depth, scale):
    lo_d, hi_d = G.EXPLORER_DEPTH_RANGE
    lo_s, hi_s = G.EXPLORER_SCALE_RANGE
    assert lo_d <= depth <= hi_d and lo_s <= scale <= hi_s
    res = G.explorer_data(depth, scale)
    assert list(res) == list(G.EXPLORER_ACTIVATIONS)
    for act, r in res.items():
        assert r["grad_norm"].shape == (depth + 1,)
        assert np.all(np.isfinite(r["grad_norm"])) and np.all(r["grad_norm"] > 0), act
        assert np.isfinite(r["ratio"]) and r["ratio"] > 0


def test_explorer_data_is_cached_read_only_and_equals_compute():
    a, b = G.explorer_data(10, 2.0), G.explorer_data(10.0, 2)
    assert a["relu"]["grad_norm"] is b["relu"]["grad_norm"]  # computed once
    with pytest.raises(ValueError, match="read-only"):
        a["relu"]["grad_norm"][0] = 0.0
    np.testing.assert_array_equal(a["tanh"]["grad_norm"], G.compute(10, "tanh", 2.0)["grad_norm"])
    a["relu"]["ratio"] = -1.0  # a caller's dict is its own
    assert G.explorer_data(10, 2.0)["relu"]["ratio"] > 0


def test_explorer_grid_lies_in_the_live_range():
    assert set(EXPLORER_DEPTHS) == set(G.EXPLORER_DEPTHS)
    assert set(EXPLORER_SCALES) == set(G.EXPLORER_SCALES)
    (d_lo, d_hi), (s_lo, s_hi) = G.EXPLORER_DEPTH_RANGE, G.EXPLORER_SCALE_RANGE
    assert d_lo <= min(G.EXPLORER_DEPTHS) <= max(G.EXPLORER_DEPTHS) <= d_hi
    assert s_lo <= min(G.EXPLORER_SCALES) <= max(G.EXPLORER_SCALES) <= s_hi


@pytest.mark.parametrize("depth,scale", [(15, 2.0), (1, 0.25), (30, 16.0), (27, 0.33)])
def test_explorer_frame_for_any_value_shows_every_layer_and_norm(depth, scale):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dying_relu import plots

    fig = plots.draw_gradient_explorer(depth, scale)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == len(G.EXPLORER_ACTIVATIONS)
    lo, hi = ax.get_ylim()
    x_lo, x_hi = ax.get_xlim()
    for line in lines:
        x, y = line.get_data()
        assert len(x) == depth + 1 and x_lo < x.min() and x.max() < x_hi
        assert lo <= np.min(y) and np.max(y) <= hi
    if depth <= max(G.EXPLORER_DEPTHS) and scale in G.EXPLORER_SCALES:
        assert (lo, hi) == (1e-16, 1e4)  # the book's frames share their axes
    plt.close(fig)
    text = plots.describe_gradient_explorer(depth, scale)
    assert f"for {depth} hidden layers" in text
    assert f"ReLU {G.explorer_data(depth, scale)['relu']['ratio']:.2g}" in text


# How long each explorer update takes is measured by benchmarks/explorers.py (a benchmark, not a
# timed test).
