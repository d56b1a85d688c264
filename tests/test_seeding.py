"""The seed offset (dying_relu.seeding): exact numpy streams without it, every stream shifted with it."""

from __future__ import annotations

import numpy as np
import pytest

from dying_relu import MLP, data, fit, seeding
from dying_relu.optim import SGD


def test_no_offset_is_plain_default_rng(monkeypatch):
    monkeypatch.delenv(seeding.ENV, raising=False)
    a = seeding.rng(7).standard_normal(5)
    np.testing.assert_array_equal(a, np.random.default_rng(7).standard_normal(5))
    monkeypatch.setenv(seeding.ENV, "0")
    np.testing.assert_array_equal(seeding.rng(7).standard_normal(5), a)


@pytest.mark.parametrize("k", [3, -5, 10**20])
def test_offset_shifts_every_seed(monkeypatch, k):
    monkeypatch.setenv(seeding.ENV, str(k))
    assert seeding.offset() == k
    assert 0 <= seeding.shifted(0) < 2**63
    np.testing.assert_array_equal(
        seeding.rng(0).standard_normal(3),
        np.random.default_rng(seeding.shifted(0)).standard_normal(3),
    )
    # weights, data and batch order all move with the offset
    shifted_net = MLP([2, 4, 2], seed=0)
    monkeypatch.delenv(seeding.ENV)
    plain_net = MLP([2, 4, 2], seed=0)
    assert not np.array_equal(shifted_net.layers[0].W, plain_net.layers[0].W)


def test_offset_changes_data_and_training(monkeypatch):
    X0, y0 = data.spirals(30, seed=1)
    monkeypatch.setenv(seeding.ENV, "1000")
    X1, _ = data.spirals(30, seed=1)
    assert not np.array_equal(X0, X1)
    net = MLP([2, 8, 3], seed=0)
    h = fit(net, X1, y0, optimizer=SGD(0.1), epochs=1, batch_size=8, seed=0)
    assert h.epochs == 1


def test_explicit_generator_is_used_as_is(monkeypatch):
    monkeypatch.setenv(seeding.ENV, "9")
    g = np.random.default_rng(1)
    assert seeding.rng(0, g) is g


def test_bad_offset_and_bad_seed_say_what_to_do(monkeypatch):
    monkeypatch.setenv(seeding.ENV, "abc")
    with pytest.raises(ValueError, match="not an integer"):
        seeding.rng(0)
    monkeypatch.delenv(seeding.ENV)
    with pytest.raises(TypeError, match="seed must be an integer"):
        seeding.rng(1.5)
