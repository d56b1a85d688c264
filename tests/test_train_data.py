"""Training loop, hooks, divergence, and the data sets."""

import numpy as np
import pytest

from dying_relu import MLP, SGD, Adam, TrainingDiverged, data, fit
from dying_relu.diagnostics import dead_fraction
from dying_relu.train import StopTraining, evaluate


def test_small_relu_net_learns_spirals_to_97_percent():
    X, y = data.spirals(600, seed=0)
    net = MLP([2, 64, 64, 3], "relu", seed=0)
    hist = fit(net, X, y, optimizer=Adam(0.01), epochs=60, batch_size=32, seed=0)
    assert hist.accuracy[0] < 0.6
    assert hist.accuracy[-1] >= 0.97, hist
    assert hist.loss[-1] < 0.25 * hist.loss[0]


def test_digits_net_generalises():
    s = data.digits()
    net = MLP([64, 64, 10], "relu", seed=0)
    hist = fit(net, s.X_train, s.y_train, optimizer="sgd", lr=0.1, epochs=15,
               validation=(s.X_test, s.y_test))
    assert hist.val_accuracy[-1] >= 0.93, hist.val_accuracy[-1]


def test_history_shapes_and_hooks():
    X, y = data.moons(200, seed=1)
    net = MLP([2, 16, 2], "relu", seed=0)
    hist = fit(net, X, y, optimizer=SGD(0.1), epochs=5, batch_size=50,
               on_epoch=lambda n, e: {"epoch": e, "dead": dead_fraction(n, X)},
               on_step=lambda n, s: {"step": s} if s % 2 == 0 else None)
    assert len(hist.loss) == len(hist.accuracy) == 6 and hist.epochs == 5
    assert hist["epoch"] == [0, 1, 2, 3, 4, 5]
    assert len(hist["dead"]) == 6 and hist["dead"][0].shape == (1,)
    assert len(hist.steps["loss"]) == 5 * 4
    assert hist.steps["step"] == list(range(2, 21, 2))
    with pytest.raises(KeyError, match="Recorded"):
        hist["nothing"]


def test_training_is_deterministic_given_seeds():
    X, y = data.spirals(300, seed=0)
    runs = [fit(MLP([2, 32, 3], seed=1), X, y, optimizer=SGD(0.1), epochs=3, seed=2).loss
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_epochs_to_and_stop_at_error():
    X, y = data.xor(400, seed=0)
    hist = fit(MLP([2, 16, 2], seed=0), X, y, optimizer=Adam(0.02), epochs=50,
               stop_at_error=0.05)
    e = hist.epochs_to(0.05)
    assert e is not None and e == hist.epochs < 50
    assert hist.epochs_to(-1) is None


def test_stop_training_from_hook():
    X, y = data.xor(100, seed=0)

    def hook(net, epoch):
        if epoch == 2:
            raise StopTraining
    hist = fit(MLP([2, 4, 2]), X, y, optimizer=SGD(0.1), epochs=10, on_epoch=hook)
    assert hist.epochs == 2  # the hook ran after epoch 2 had been recorded


def test_divergence_raises_with_advice_or_stops():
    X, y = data.spirals(200, seed=0)
    net = MLP([2, 64, 64, 3], "relu", seed=0)
    with pytest.raises(TrainingDiverged, match="Lower the learning rate"):
        fit(net, X * 100, y, optimizer=SGD(1e4), epochs=5)
    net = MLP([2, 64, 64, 3], "relu", seed=0)
    hist = fit(net, X * 100, y, optimizer=SGD(1e4), epochs=5, on_divergence="stop")
    assert hist.diverged and "lr=" in hist.message and "DIVERGED" in repr(hist)


def test_fit_argument_errors():
    X, y = data.xor(20)
    net = MLP([2, 4, 2])
    with pytest.raises(ValueError, match="learning rate"):
        fit(net, X, y, optimizer="sgd")
    with pytest.raises(ValueError, match="examples"):
        fit(net, X, y[:-1], optimizer=SGD(0.1))
    with pytest.raises(ValueError, match="batch_size"):
        fit(net, X, y, optimizer=SGD(0.1), batch_size=0)
    with pytest.raises(ValueError, match="NaN"):
        fit(net, X * np.nan, y, optimizer=SGD(0.1))


def test_regression_with_mse():
    X, y = data.abs_regression(128, seed=0)
    assert X.shape == (128, 1) and np.all(np.abs(X) <= np.sqrt(3))
    net = MLP([1, 32, 32, 1], "relu", seed=0)
    hist = fit(net, X, y, loss="mse", optimizer=Adam(0.01), epochs=100)
    assert hist.accuracy[-1] is None and hist.loss[-1] < 0.01
    assert evaluate(net, X, y, "mse")[0] == pytest.approx(hist.loss[-1])


@pytest.mark.parametrize("make", [data.spirals, data.moons, data.circles, data.xor])
def test_2d_data_sets(make):
    X, y = make(301, seed=5)
    X2, y2 = make(301, seed=5)
    assert X.shape == (301, 2) and y.shape == (301,) and y.dtype.kind == "i"
    np.testing.assert_array_equal(X, X2)
    assert np.all(np.bincount(y) >= 100)
    assert np.abs(X).max() < 3
    with pytest.raises(ValueError, match="n"):
        make(0)


def test_digits_split_is_standardised_and_disjoint():
    s = data.digits()
    assert s.X_train.shape == (1348, 64) and s.X_test.shape == (449, 64)
    assert set(np.unique(s.y_train)) == set(range(10))
    np.testing.assert_allclose(s.X_train.mean(axis=0), 0, atol=1e-9)
    raw = data.digits(standardized=False)
    assert raw.X_train.max() == 16
