"""Benchmark helpers (and the cost claims Chapter 1 makes), diagnostics, exercise checkers, widgets."""

import base64

import ipywidgets as W
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dying_relu import MLP, bench, diagnostics  # noqa: E402
from dying_relu import activations as A
from dying_relu.exercises import Feedback, check_elementwise  # noqa: E402
from dying_relu.widgets import frame_explorer  # noqa: E402


def test_compare_reports_ratios_within_rounds():
    x = np.ones(1000)
    res = bench.compare({"a": lambda: x + 1, "b": lambda: (x + 1, x + 1)}, baseline="a", rounds=5)
    assert list(res) == ["a", "b"]
    assert np.all(res["a"].ratios == 1.0)
    assert res["a"].median > 0 and res["a"].q25 <= res["a"].median <= res["a"].q75
    with pytest.raises(ValueError, match="baseline"):
        bench.compare({"a": lambda: None}, baseline="z")


def test_copy_baseline_moves_twice_the_bytes():
    x = np.ones(10, np.float32)
    fn, nbytes = bench.copy_baseline(x)
    fn()
    assert nbytes == 80


def test_relu_is_cheaper_than_sigmoid_and_elu():
    """The claim behind Chapter 1's timing table, asserted robustly (a 1.5x margin on medians)."""
    x = np.random.default_rng(0).normal(size=1_000_000).astype(np.float32)
    buf = np.empty_like(x)
    res = bench.compare(
        {
            "relu": lambda: A.relu(x, out=buf),
            "sigmoid": lambda: A.sigmoid(x, out=buf),
            "elu": lambda: A.elu(x, out=buf),
        },
        baseline="relu",
        rounds=11,
    )
    assert res["sigmoid"].ratio_median > 1.5
    assert res["elu"].ratio_median > 1.5


def test_dead_unit_reported_dead_and_active_once_is_not():
    net = MLP([2, 3, 2], "relu", seed=0)
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    layer = net.layers[0]
    layer.W[:] = [[1.0, 0.0, -1.0], [1.0, 0.0, -1.0]]
    layer.b[:] = [0.0, -0.5, -1.5]
    # unit 0: active on two examples; unit 1: z = -0.5 everywhere (dead); unit 2: z = 0.5 on the
    # third example only (alive, active once)
    mask = diagnostics.dead_mask(net, X)[0]
    np.testing.assert_array_equal(mask, [False, True, False])
    np.testing.assert_allclose(diagnostics.activation_frequency(net, X)[0], [2 / 3, 0, 1 / 3])
    assert diagnostics.dead_fraction(net, X)[0] == pytest.approx(1 / 3)
    assert diagnostics.network_dead_fraction(net, X) == pytest.approx(1 / 3)
    # exactly zero pre-activation counts as dead (z <= 0)
    layer.b[1] = 0.0
    assert diagnostics.dead_mask(net, X)[0][1]


def wrong_sign_leaky(x):
    return -A.leaky_relu_grad(x, alpha=0.1)


@pytest.mark.parametrize(
    "fn,needle",
    [
        (lambda x: A.leaky_relu_grad(x, alpha=0.1), None),
        (lambda x: np.where(x >= 0, 1.0, 0.1).astype(x.dtype), "exactly x = 0"),
        (lambda x: A.leaky_relu_grad(x, alpha=0.01), "wrong scale on the negative side"),
        (wrong_sign_leaky, "wrong sign"),
        (lambda x: np.where(x > 0, 1.0, 0.1), "dtype"),
        (lambda x: np.sum(A.leaky_relu_grad(x, alpha=0.1)), "not a numpy array"),
        (lambda x: A.leaky_relu_grad(x, alpha=0.1).ravel()[:3], "keep the shape"),
        (lambda x: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_check_elementwise_diagnoses_typical_mistakes(fn, needle):
    fb = check_elementwise(fn, lambda x: A.leaky_relu_grad(x, alpha=0.1), "your derivative")
    assert isinstance(fb, Feedback)
    if needle is None:
        assert fb and repr(fb).startswith("Correct")
    else:
        assert not fb and needle in fb.message, fb.message


def test_check_elementwise_catches_overflow_and_mutation():
    naive_elu = lambda x: np.where(x > 0, x, np.exp(x) - 1)  # noqa: E731
    fb = check_elementwise(naive_elu, A.elu, "your elu")
    assert not fb and "overflow" in fb.message

    def mutating(x):
        np.maximum(x, 0, out=x)
        return x
    fb = check_elementwise(mutating, A.relu, "your relu")
    assert not fb and "in place" in fb.message


def test_frame_explorer_one_and_two_controls():
    calls = []

    def draw(a, b=0):
        calls.append((a, b))
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [a, b])
        return fig

    box = frame_explorer(draw, {"a": [1, 2, 3]}, start={"a": 2})
    stack = box.children[-1]
    assert isinstance(stack, W.Stack) and len(stack.children) == 3 and stack.selected_index == 1
    assert box.children[0].children[0].max == 2
    box2 = frame_explorer(draw, {"a": [1, 2], "b": [0.1, 0.2, 0.3]})
    outer = box2.children[-1]
    assert len(outer.children) == 2 and all(len(s.children) == 3 for s in outer.children)
    assert calls[-6:] == [(a, b) for a in (1, 2) for b in (0.1, 0.2, 0.3)]
    frame = outer.children[1].children[2].value  # an HTML widget: <img src="data:..." alt=...>
    b64 = frame.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="one or two"):
        frame_explorer(draw, {})


def test_progress_is_silent_when_quiet(monkeypatch, capsys):
    from dying_relu.progress import progress

    monkeypatch.setenv("DYING_RELU_QUIET", "1")
    assert list(progress(range(3), desc="x")) == [0, 1, 2]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    monkeypatch.setenv("DYING_RELU_QUIET", "0")
    assert list(progress(range(3), desc="x")) == [0, 1, 2]
    assert "x" in capsys.readouterr().err


def test_check_elementwise_accepts_underflow_and_names_a_flat_negative_side():
    good_elu = lambda x: np.maximum(x, 0) + (np.exp(np.minimum(x, 0)) - 1)  # noqa: E731
    assert check_elementwise(good_elu, A.elu, "your elu")
    fb = check_elementwise(lambda x: A.relu_grad(x), A.elu_grad, "your elu_grad")
    assert not fb and "zero on the negative side" in fb.message
