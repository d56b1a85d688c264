"""The Chapter 3 checkers accept correct answers and name the typical mistakes."""

import numpy as np
import pytest

from dying_relu.exercises import ch3


def correct(Z):
    return np.mean(~np.any(Z > 0, axis=0))


def correct_via_relu(Z):
    return float(np.mean(np.all(np.maximum(Z, 0) == 0, axis=0)))


def correct_loop(Z):
    dead = 0
    for j in range(Z.shape[1]):
        dead += int(Z[:, j].max() <= 0)
    return dead / Z.shape[1]


def in_place(Z):
    np.maximum(Z, 0, out=Z)
    return np.mean(np.all(Z == 0, axis=0))


@pytest.mark.parametrize("fn", [correct, correct_via_relu, correct_loop])
def test_correct_answers_pass(fn):
    fb = ch3.check_dead_fraction(fn)
    assert fb.ok, fb.message
    assert repr(fb).startswith("Correct!")


@pytest.mark.parametrize(
    "fn,needle",
    [
        (lambda Z: np.mean(np.all(Z < 0, axis=0)), "z < 0"),
        (lambda Z: np.mean(np.all(Z <= 0, axis=1)), "wrong axis"),
        (lambda Z: np.mean(Z <= 0), "sparsity"),
        (lambda Z: np.mean(np.any(Z <= 0, axis=0)), "at least one example"),
        (lambda Z: np.mean(np.any(Z > 0, axis=0)), "alive"),
        (lambda Z: np.sum(np.all(Z <= 0, axis=0)), "number of dead units"),
        (lambda Z: np.all(Z <= 0, axis=0), "one value per unit"),
        (lambda Z: np.all(Z <= 0, axis=1), "one value per example"),
        (lambda Z: np.mean(np.all(Z <= 0, axis=0)[:8]) if Z.shape[1] >= 8 else 0.0, "random layer"),
        (in_place, "in place"),
        (lambda Z: 1 / 0, "ZeroDivisionError"),
        (lambda Z: "dead", "not a number"),
        (lambda Z: 0.5, "3 of 8 units are dead"),
    ],
)
def test_typical_mistakes_are_named(fn, needle):
    fb = ch3.check_dead_fraction(fn)
    assert not fb.ok
    assert needle in fb.message, fb.message
    assert repr(fb).startswith("Not yet:")


def test_probe_layer_separates_the_mistakes():
    Z = ch3.dead_fraction_probe()
    values = [correct(Z)] + [v for v, _ in ch3._mistakes(Z)]
    assert len(set(np.round(values, 9))) == len(values)


def test_born_dead_width_one_checker():
    assert ch3.check_born_dead_width_one(lambda L: 1 - 2.0 ** -(L - 1)).ok
    cases = [
        (lambda L: 1 - 2.0**-L, "one layer too many"),
        (lambda L: 2.0 ** -(L - 1), "alive"),
        (lambda L: 2.0**-L, "factor of 2"),
        (lambda L: 0.5, "at depth"),
        (lambda L: None, "TypeError"),
    ]
    for fn, needle in cases:
        fb = ch3.check_born_dead_width_one(fn)
        assert not fb.ok and needle in fb.message, fb.message
