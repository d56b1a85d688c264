"""Activations: values, derivatives (finite differences), stability, dtype/shape, out=, registry."""

import warnings

import numpy as np
import pytest

from dying_relu import activations as A

NAMES = ["relu", "leaky_relu", "elu", "sigmoid", "tanh"]
FUNCS = {n: (getattr(A, n), getattr(A, n + "_grad")) for n in NAMES}
PARAMS = {"leaky_relu": [{}, {"alpha": 0.1}, {"alpha": 1 / 5.5}], "elu": [{}, {"alpha": 0.5}]}


def cases():
    for name in NAMES:
        for params in PARAMS.get(name, [{}]):
            yield name, params


def away_from_kink(rng, n=2000):
    x = rng.uniform(-6, 6, n)
    return x[np.abs(x) > 1e-3]


@pytest.mark.parametrize("name,params", list(cases()))
def test_derivative_matches_central_difference(name, params, rng):
    f, df = FUNCS[name]
    x = away_from_kink(rng)
    h = 1e-6
    numeric = (f(x + h, **params) - f(x - h, **params)) / (2 * h)
    analytic = df(x, **params)
    err = np.abs(numeric - analytic) / np.maximum(1e-8, np.abs(numeric) + np.abs(analytic))
    assert err.max() < 1e-6, f"{name}{params}: max relative error {err.max():.2e}"


@pytest.mark.parametrize("name,params", list(cases()))
def test_backward_rule_equals_grad_times_upstream(name, params, rng):
    act = A.get(name, **params)
    x = rng.normal(0, 3, (50, 7))
    g = rng.normal(size=x.shape)
    y = act(x)
    np.testing.assert_allclose(act.backward(g, x, y), g * act.grad(x), rtol=1e-12, atol=1e-15)
    out = np.empty_like(x)
    res = act.backward(g, x, y, out=out)
    assert res is out


def test_known_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(A.relu(x), [0, 0, 0, 0.5, 2])
    np.testing.assert_array_equal(A.relu_grad(x), [0, 0, 0, 1, 1])
    np.testing.assert_allclose(A.leaky_relu(x), [-0.02, -0.005, 0, 0.5, 2])
    np.testing.assert_allclose(A.leaky_relu(x, alpha=2.0), [-4, -1, 0, 0.5, 2])  # alpha > 1 too
    np.testing.assert_allclose(A.elu(x), [np.expm1(-2), np.expm1(-0.5), 0, 0.5, 2])
    np.testing.assert_allclose(A.sigmoid(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(A.tanh_grad(x), 1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(A.sigmoid_grad(x), A.sigmoid(x) * (1 - A.sigmoid(x)))
    assert A.sigmoid_grad(np.array([0.0]))[0] == 0.25


def test_derivative_at_zero_takes_negative_side_like_pytorch():
    z = np.zeros(3)
    assert np.all(A.relu_grad(z) == 0)
    assert np.all(A.leaky_relu_grad(z) == 0.01)
    assert np.all(A.leaky_relu_grad(z, alpha=0.2) == 0.2)
    assert np.all(A.elu_grad(z) == 1.0)
    assert np.all(A.elu_grad(z, alpha=0.3) == pytest.approx(0.3))
    assert A.relu_grad(0.0) == 0 and A.leaky_relu_grad(0.0) == 0.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_stable_at_plus_minus_1e4_without_warnings(name, dtype):
    f, df = FUNCS[name]
    x = np.array([-1e4, -1e3, -100, -30, 0, 30, 100, 1e3, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            y, d = f(x), df(x)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(d))
    assert y.dtype == dtype and d.dtype == dtype
    assert np.all(d >= 0)


def test_tails_are_accurate():
    # the derivative of saturating units in the tails is tiny but must not be rounded to garbage
    x = np.array([-30.0, 30.0])
    np.testing.assert_allclose(A.sigmoid_grad(x), np.exp(-30) / (1 + np.exp(-30)) ** 2, rtol=1e-12)
    np.testing.assert_allclose(A.tanh_grad(x), 4 * np.exp(-60) / (1 + np.exp(-60)) ** 2, rtol=1e-12)
    np.testing.assert_allclose(A.sigmoid(np.array([-30.0])), np.exp(-30) / (1 + np.exp(-30)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4)])
@pytest.mark.parametrize("name", NAMES)
def test_shape_dtype_and_out(name, shape, dtype, rng):
    f, df = FUNCS[name]
    x = rng.normal(size=shape).astype(dtype)
    x0 = x.copy()
    for fn in (f, df):
        y = fn(x)
        assert y.shape == shape and y.dtype == dtype
        buf = np.empty_like(x)
        r = fn(x, out=buf)
        assert r is buf
        np.testing.assert_array_equal(buf, y)
    np.testing.assert_array_equal(x, x0)  # inputs untouched


@pytest.mark.parametrize("name", NAMES)
def test_in_place_out_equal_to_input(name, rng):
    f, _ = FUNCS[name]
    x = rng.normal(size=100)
    expected = f(x)
    f(x, out=x)
    np.testing.assert_allclose(x, expected)


def test_integer_input_becomes_float():
    assert A.relu(np.array([-1, 2])).dtype == np.float64


def test_out_with_wrong_shape_or_dtype_is_rejected():
    x = np.zeros(4)
    with pytest.raises(ValueError, match="shape and dtype"):
        A.relu(x, out=np.zeros(5))
    with pytest.raises(ValueError, match="np.empty_like"):
        A.sigmoid(x, out=np.zeros(4, np.float32))


def test_registry_get_and_errors():
    act = A.get("leaky_relu", alpha=0.1)
    assert act.params == {"alpha": 0.1}
    np.testing.assert_allclose(act(np.array([-1.0])), [-0.1])
    assert A.get(act) is act
    assert act.label == "leaky_relu(alpha=0.1)"
    with pytest.raises(ValueError, match="Known activations: .*elu.*relu"):
        A.get("rleu")
    with pytest.raises(ValueError, match="has no parameter"):
        A.get("relu", alpha=0.1)
    with pytest.raises(ValueError, match="alpha must be"):
        A.get("elu", alpha=-1)
    with pytest.raises(ValueError, match=">= 0"):
        A.leaky_relu(np.zeros(2), alpha=float("nan"))
    assert set(NAMES) <= set(A.available())


def test_relu_produces_about_half_zeros_on_symmetric_input(rng):
    x = rng.normal(size=100_000)
    assert abs(np.mean(A.relu(x) == 0) - 0.5) < 0.01
