"""Chapter 5's activations: GELU (exact and tanh), SiLU, Mish, SELU, softplus; erf/erfc/norm_cdf."""

import math
import warnings

import numpy as np
import pytest

from dying_relu import MLP, data, fit, gradcheck, speed
from dying_relu import activations as A

CASES = [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("selu", {}),
         ("softplus", {})]
IDS = [f"{n}{'-' + p['approximate'] if p else ''}" for n, p in CASES]
MODERN = ["gelu", "silu", "mish", "selu", "softplus"]


# ---------------------------------------------------------------------------------------------
# erf, erfc, norm_cdf against the standard library
# ---------------------------------------------------------------------------------------------


def test_erf_matches_math_erf_to_float64_accuracy():
    x = np.concatenate([np.linspace(-8, 8, 40_001), [0.0, -0.0, 0.46875, -0.46875, 4.0, -4.0, 1e-300]])
    ref = np.array([math.erf(v) for v in x])
    got = A.erf(x)
    rel = np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)
    assert rel.max() < 1e-15
    assert A.erf(np.array([0.0]))[0] == 0 and np.signbit(A.erf(np.array([-0.0]))[0])


def test_erfc_keeps_relative_accuracy_in_the_tail():
    x = np.linspace(-6, 26, 40_001)  # erfc(26) is 5.7e-296, still a normal float64
    ref = np.array([math.erfc(v) for v in x])
    rel = np.abs(A.erfc(x) - ref) / ref
    assert rel.max() < 1e-13
    assert np.all(A.erfc(np.array([30.0, 1e4])) == 0) and np.all(A.erfc(np.array([-30.0, -1e4])) == 2)


def test_norm_cdf_both_tails():
    x = np.linspace(-37, 37, 20_001)
    ref = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    rel = np.abs(A.norm_cdf(x) - ref) / ref
    assert rel.max() < 1e-12
    assert A.norm_cdf(np.array([-30.0]))[0] == pytest.approx(4.906713927148187e-198, rel=1e-12)


def test_erf_float32_is_float32_and_accurate():
    x = np.linspace(-5, 5, 2001).astype(np.float32)
    ref = np.array([math.erf(float(v)) for v in x])
    got = A.erf(x)
    assert got.dtype == np.float32
    assert np.abs(got - ref).max() < 3e-7


# ---------------------------------------------------------------------------------------------
# values, derivatives, stability
# ---------------------------------------------------------------------------------------------


def test_known_values():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    phi = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    sig = 1 / (1 + np.exp(-x))
    sp = np.log1p(np.exp(x))
    np.testing.assert_allclose(A.gelu(x), x * phi, rtol=1e-14, atol=1e-300)
    tanh_form = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(A.gelu(x, approximate="tanh"), tanh_form, rtol=1e-13)
    np.testing.assert_allclose(A.silu(x), x * sig, rtol=1e-14)
    np.testing.assert_allclose(A.mish(x), x * np.tanh(sp), rtol=1e-14)
    np.testing.assert_allclose(A.softplus(x), sp, rtol=1e-14)
    np.testing.assert_allclose(A.softplus_grad(x), sig, rtol=1e-14)
    lam, alpha = 1.0507009873554804934, 1.6732632423543772848
    np.testing.assert_allclose(A.selu(x), lam * np.where(x > 0, x, alpha * np.expm1(x)), rtol=1e-14)
    # the tanh form is close to the exact one (Hendrycks and Gimpel's approximation)
    grid = np.linspace(-8, 8, 10_001)
    assert np.abs(A.gelu(grid) - A.gelu(grid, approximate="tanh")).max() < 5e-4


def test_derivative_at_zero():
    z = np.zeros(2)
    np.testing.assert_allclose(A.gelu_grad(z), 0.5)
    np.testing.assert_allclose(A.gelu_grad(z, approximate="tanh"), 0.5)
    np.testing.assert_allclose(A.silu_grad(z), 0.5)
    np.testing.assert_allclose(A.mish_grad(z), np.tanh(np.log(2)))
    np.testing.assert_allclose(A.softplus_grad(z), 0.5)
    np.testing.assert_allclose(A.selu_grad(z), A.SELU_SCALE * A.SELU_ALPHA)  # negative side


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_derivative_matches_central_difference(name, params, rng):
    act = A.get(name, **params)
    x = rng.uniform(-8, 8, 4000)
    x = x[np.abs(x) > 1e-3]  # SELU's kink at 0
    h = 1e-6
    numeric = (act(x + h) - act(x - h)) / (2 * h)
    analytic = act.grad(x)
    err = np.abs(numeric - analytic) / np.maximum(1e-6, np.abs(numeric) + np.abs(analytic))
    assert err.max() < 1e-6, f"{name}{params}: {err.max():.2e}"


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_backward_rule_equals_grad_times_upstream(name, params, rng):
    act = A.get(name, **params)
    x = rng.normal(0, 3, (50, 7))
    g = rng.normal(size=x.shape)
    y = act(x)
    np.testing.assert_allclose(act.backward(g, x, y), g * act.grad(x), rtol=1e-12, atol=1e-15)
    out = np.empty_like(x)
    assert act.backward(g, x, y, out=out) is out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_stable_at_plus_minus_1e4_without_warnings(name, params, dtype):
    act = A.get(name, **params)
    x = np.array([-1e4, -1e3, -100, -30, -5, -0.0, 0, 5, 30, 100, 1e3, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's default error handling, warnings as errors
        y, d = act(x), act.grad(x)
        b = act.backward(np.ones_like(x), x, y)
        with np.errstate(all="raise", under="ignore"):
            y2, d2 = act(x), act.grad(x)
    for arr in (y, d, b):
        assert arr.dtype == dtype and np.all(np.isfinite(arr))
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(d, d2)
    # far right: the identity (SELU: scale * x); far left: a constant (0, or -scale * alpha)
    right = A.SELU_SCALE * x[-1] if name == "selu" else x[-1]
    assert y[-1] == pytest.approx(right, rel=1e-6)
    assert d[-1] == pytest.approx(A.SELU_SCALE if name == "selu" else 1.0, rel=1e-6)
    left = -A.SELU_SCALE * A.SELU_ALPHA if name == "selu" else 0.0
    assert y[0] == pytest.approx(left, rel=1e-6) and abs(d[0]) < 1e-30


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "softplus"])
def test_left_tail_is_tiny_but_accurate(name):
    # the gradient the "effectively dead" diagnostics look at: tiny, but not rounded to garbage
    x = np.array([-20.0])
    ref = {
        "gelu": 0.5 * math.erfc(20 / math.sqrt(2)) - 20 * math.exp(-200) / math.sqrt(2 * math.pi),
        "silu": (1 / (1 + math.exp(20))) * (1 - 20 * (1 - 1 / (1 + math.exp(20)))),
        "softplus": 1 / (1 + math.exp(20)),
    }
    d = A.get(name).grad(x)[0]
    if name in ref:
        assert d == pytest.approx(ref[name], rel=1e-12)
    assert 0 < abs(d) < 1e-7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4)])
@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_shape_dtype_out_and_in_place(name, params, shape, dtype, rng):
    act = A.get(name, **params)
    x = (rng.normal(size=shape) * 4).astype(dtype)
    x0 = x.copy()
    for fn in (act, act.grad):
        y = fn(x)
        assert y.shape == shape and y.dtype == dtype
        buf = np.empty_like(x)
        assert fn(x, out=buf) is buf
        np.testing.assert_array_equal(buf, y)
    np.testing.assert_array_equal(x, x0)
    expected = act(x)
    act(x, out=x)
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_blocked_path_equals_whole_array_path(name, params, rng):
    """Large arrays run block by block; strided views take the whole-array path: same bits."""
    act = A.get(name, **params)
    n = A._LARGE + 12_345
    x = (rng.normal(size=n) * 6).astype(np.float32)
    x[:5] = [-1e4, 1e4, 0.0, -0.0, 40.0]
    g = rng.normal(size=n).astype(np.float32)
    y = act(x)
    whole = np.empty(2 * n, np.float32)[::2]  # not contiguous: no blocking
    wx = np.empty(2 * n, np.float32)[::2]
    wx[:] = x
    np.testing.assert_array_equal(act(wx, out=whole), y)
    np.testing.assert_array_equal(act.grad(x), act.grad(wx))
    wg = np.empty(2 * n, np.float32)[::2]
    wg[:] = g
    np.testing.assert_array_equal(act.backward(g, x, y), act.backward(wg, wx, y[::1].copy()))


def test_nan_propagates():
    x = np.array([np.nan, 1.0])
    for name, params in CASES:
        act = A.get(name, **params)
        assert np.isnan(act(x)[0]) and np.isnan(act.grad(x)[0]) and not np.isnan(act(x)[1])


# ---------------------------------------------------------------------------------------------
# registry, max_abs_grad, networks, speed table
# ---------------------------------------------------------------------------------------------


def test_registry_names_params_and_errors():
    assert set(MODERN) <= set(A.available())
    act = A.get("gelu", approximate="tanh")
    assert act.params == {"approximate": "tanh"} and act.label == "gelu(approximate=tanh)"
    assert A.get("gelu").params == {"approximate": "none"}
    with pytest.raises(ValueError, match="approximate must be 'none'.*or 'tanh'"):
        A.get("gelu", approximate="erf")
    with pytest.raises(ValueError, match="approximate must be"):
        A.gelu(np.zeros(2), approximate="fast")
    with pytest.raises(ValueError, match="has no parameter"):
        A.get("silu", alpha=1.0)
    np.testing.assert_array_equal(A.get("swish")(np.array([1.5])), A.silu(np.array([1.5])))


def test_max_abs_grad():
    assert A.max_abs_grad("relu") == 1.0
    assert A.max_abs_grad("sigmoid") == pytest.approx(0.25)
    assert A.max_abs_grad("leaky_relu", alpha=2.0) == pytest.approx(2.0)
    assert A.max_abs_grad("gelu") == pytest.approx(1.1289, abs=1e-4)
    assert A.max_abs_grad("silu") == pytest.approx(1.0998, abs=1e-4)
    assert A.max_abs_grad("mish") == pytest.approx(1.0885, abs=1e-4)
    assert A.max_abs_grad("selu") == pytest.approx(A.SELU_SCALE * A.SELU_ALPHA, rel=1e-6)
    assert A.max_abs_grad("softplus") == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_network_gradient_check(name, params, rng):
    net = MLP([3, 6, 5, 3], A.get(name, **params), seed=1)
    X = rng.normal(size=(12, 3))
    y = rng.integers(0, 3, 12)
    errors = gradcheck.network_gradient_error(net, X, y)
    assert max(errors) < 1e-6, errors


@pytest.mark.parametrize("name", MODERN)
def test_mlp_trains_with_each(name):
    X, y = speed.race_data(300, seed=0)
    net = MLP([2, 32, 32, 3], name, seed=0, init="lecun" if name == "selu" else None)
    from dying_relu import Adam

    hist = fit(net, X, y, optimizer=Adam(1e-2), epochs=60, batch_size=32, seed=0)
    assert hist.accuracy[-1] > 0.9, (name, hist.accuracy[-1])
    assert np.isfinite(hist.loss[-1])


def test_digits_train_with_gelu_float32():
    s = data.digits()
    net = MLP([64, 32, 10], "gelu", seed=0, dtype=np.float32)
    from dying_relu import Adam

    fit(net, s.X_train, s.y_train, optimizer=Adam(1e-2), epochs=10, batch_size=64, seed=0)
    assert np.mean(net.predict(s.X_test) == s.y_test) > 0.9


def test_cost_table_accepts_the_new_names():
    names = (*speed.MODERN_ACTIVATIONS, A.get("gelu", approximate="tanh"))
    costs = speed.activation_costs(20_000, rounds=3, names=names)
    table = costs.table()
    for name in (*speed.MODERN_ACTIVATIONS, "gelu(approximate=tanh)"):
        assert name in table
        assert costs.ns_per_element(name, "backward") > 0
        assert costs.ratio_to(name, "gelu") > 0
