"""One born-dead estimator (issue 11): diagnostics.born_dead_first_layer serves Chapter 3's He
networks and Chapter 4's RAI comparison, with the same random streams as before."""

from __future__ import annotations

import numpy as np
import pytest

from dying_relu import MLP, data, diagnostics, dying, fixes, init


def test_one_estimator_everywhere():
    assert dying.born_dead_first_layer is diagnostics.born_dead_first_layer
    assert dying.he_layers is init.he_layers
    assert fixes.RAI is init.RAI and fixes.rai_matrix is init.rai_matrix


@pytest.mark.parametrize("kind", ["he", "rai"])
def test_collapse_rate_is_the_estimator_on_the_same_stream(kind):
    rng = np.random.default_rng(3)
    x, _ = data.abs_regression(128, rng=rng)
    first = diagnostics.born_dead_first_layer(2, 8, 700, x, rng, init=kind, chunk=700,
                                              reduce_points=False)
    assert fixes.collapse_rate(2, 8, kind, n_nets=700, n_points=128, seed=3) == np.mean(first > 0)


def test_reducing_points_is_exact_for_he():
    X = data.abs_regression(64, seed=0)[0]
    a = diagnostics.born_dead_first_layer(2, 10, 800, X, np.random.default_rng(1))
    b = diagnostics.born_dead_first_layer(2, 10, 800, X, np.random.default_rng(1), reduce_points=False)
    assert np.array_equal(a, b) and (a > 0).mean() > 0.1
    with pytest.raises(ValueError, match="exact only"):
        diagnostics.born_dead_first_layer(2, 3, 10, X, np.random.default_rng(1), init="rai",
                                          reduce_points=True)


def test_rai_lowers_the_rate_and_its_layers_are_rai_networks():
    X = data.abs_regression(64, seed=0)[0]
    he = diagnostics.born_dead_first_layer(2, 10, 2000, X, np.random.default_rng(0), init="he")
    rai = diagnostics.born_dead_first_layer(2, 10, 2000, X, np.random.default_rng(0), init="rai")
    assert (rai > 0).mean() < (he > 0).mean()
    # rai_layers draws, for one network, exactly what RAI gives an MLP
    layers = list(init.rai_layers(3, 2, 1, np.random.default_rng(7)))
    r = init.RAI()
    net = MLP([1, 3, 3, 1], init=r.init, bias=r.bias, rng=np.random.default_rng(7))
    for (W, b), layer in zip(layers, net.hidden, strict=True):
        assert np.array_equal(W[0], layer.W) and np.array_equal(b[0, 0], layer.b)


def test_any_layer_generator():
    def dead_first(width, depth, n_nets, rng, d_in):
        for _ in range(depth):
            yield np.ones((n_nets, d_in, width)), np.full((n_nets, 1, width), -10.0)
            d_in = width

    X = data.abs_regression(16, seed=0)[0]
    first = diagnostics.born_dead_first_layer(3, 4, 5, X, np.random.default_rng(0), init=dead_first)
    assert np.array_equal(first, np.ones(5))
