"""Looking inside a network: active units, dead units, per-layer statistics (Chapters 2 and 3).

Definitions used throughout the course (for a data set ``X``):

- a unit is *active* on an example when its pre-activation ``z > 0``;
- its *activation frequency* is the fraction of examples on which it is active;
- it is *dead* on ``X`` when it is active on **no** example (``z <= 0`` everywhere). Zero on some
  examples is ordinary, useful sparsity; zero on all of them means its weights receive no gradient.

For activations without a flat side (Leaky ReLU, ELU, tanh, ...) "dead" still means "never in the
positive region", but such a unit keeps receiving gradient; see Chapter 4.

Born dead (Lu, Shin, Su and Karniadakis 2019; Chapters 3 and 4): :func:`born_dead_first_layer` is
the one Monte Carlo estimator of whether random ReLU networks are constant on the data at
initialisation (some hidden layer entirely dead), for thousands of networks at once. It takes the
initialiser as a layer generator (:func:`dying_relu.init.he_layers`,
:func:`dying_relu.init.rai_layers`, or your own), so Chapter 3's He networks
(:func:`dying_relu.dying.born_dead_probability`) and Chapter 4's RAI comparison
(:func:`dying_relu.fixes.collapse_rate`) run the same code.

Batch normalisation: :func:`dead_mask` and :func:`activation_frequency` look at a network as it is
(training mode: each layer normalised with the statistics of ``X``; evaluation mode: with the
running statistics) but never update its running statistics: looking does not change the network.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import init as _init
from .nn import MLP

__all__ = [
    "activation_frequency",
    "born_dead_first_layer",
    "dead_fraction",
    "dead_mask",
    "dead_units",
    "network_dead_fraction",
]


def activation_frequency(net: MLP, X: np.ndarray) -> list[np.ndarray]:
    """Per hidden layer, the fraction of examples of ``X`` on which each unit has ``z > 0``.

    Returns a list (one entry per hidden layer) of arrays of shape ``(width,)`` with values in
    [0, 1].
    """
    with net.frozen_statistics():
        net.forward(X)
    return [np.mean(layer.z > 0, axis=0) for layer in net.hidden]


def dead_units(Z: np.ndarray) -> np.ndarray:
    """Dead mask of one layer from its pre-activations ``Z (n_examples, width)``.

    Returns a boolean array ``(width,)``: True where ``z <= 0`` on every example (row).
    """
    Z = np.asarray(Z)
    if Z.ndim != 2:
        raise ValueError(f"Z must have shape (n_examples, width), got {Z.shape}.")
    return ~np.any(Z > 0, axis=0)


def dead_mask(net: MLP, X: np.ndarray) -> list[np.ndarray]:
    """Per hidden layer, a boolean array ``(width,)``: True for units dead on ``X``.

    Runs a forward pass on ``X``, so afterwards each layer's ``z`` and ``h`` hold its values (a
    batch-normalised network in training mode normalises with the statistics of ``X``; its running
    statistics are left unchanged).
    """
    with net.frozen_statistics():
        net.forward(X)
    return [dead_units(layer.z) for layer in net.hidden]


def dead_fraction(net: MLP, X: np.ndarray) -> np.ndarray:
    """Fraction of dead units in each hidden layer, shape ``(depth,)``."""
    return np.array([m.mean() for m in dead_mask(net, X)])


def network_dead_fraction(net: MLP, X: np.ndarray) -> float:
    """Fraction of all hidden units (pooled over layers) that are dead on ``X``."""
    masks = dead_mask(net, X)
    return float(sum(int(m.sum()) for m in masks) / sum(m.size for m in masks))


# ---------------------------------------------------------------------------------------------
# Born dead: Monte Carlo over many random networks at once
# ---------------------------------------------------------------------------------------------


def _representative_points(X: np.ndarray) -> np.ndarray:
    """With zero biases a ReLU net is positively homogeneous (f(cx) = c f(x) for c > 0), so on
    1-D inputs it is dead on X exactly when it is dead on one positive and one negative point."""
    x = X[:, 0]
    pts = [v for v in (x[x > 0][:1], x[x < 0][:1]) if v.size]
    return np.concatenate(pts)[:, None] if pts else X[:1]


def _layer_draws(init: str | _init.LayerDraws, bias_std: float) -> tuple[_init.LayerDraws, bool]:
    """The layer generator for ``init`` and whether its biases are all zero."""
    if callable(init):
        return init, False
    if init == "he":
        return (lambda width, depth, n_nets, rng, d_in: _init.he_layers(
            width, depth, n_nets, rng, d_in=d_in, bias_std=bias_std)), bias_std == 0
    if init == "rai":
        if bias_std:
            raise ValueError("bias_std is for init='he'; RAI draws its own biases. Pass bias_std=0.")
        return _init.rai_layers, False
    raise ValueError(
        f"init must be 'he', 'rai' or a layer generator (width, depth, n_nets, rng, d_in) -> "
        f"iterator of (W, b) (see dying_relu.init.he_layers), got {init!r}."
    )


def born_dead_first_layer(
    width: int,
    max_depth: int,
    n_nets: int,
    X: np.ndarray,
    rng: np.random.Generator,
    *,
    init: str | Callable = "he",
    bias_std: float = 0.0,
    chunk: int = 4096,
    reduce_points: bool | None = None,
) -> np.ndarray:
    """For ``n_nets`` random ReLU networks, the first hidden layer that is dead on ``X``.

    Args:
        width: units per hidden layer.  max_depth: hidden layers drawn.
        n_nets: networks simulated.
        X: inputs ``(n, d_in)`` (the data domain, e.g. ``data.abs_regression(...)[0]``).
        rng: random generator; networks are drawn chunk by chunk, layer by layer, from it.
        init: ``"he"`` (He-normal weights, :func:`dying_relu.init.he_layers`), ``"rai"``
            (:func:`dying_relu.init.rai_layers`) or a layer generator
            ``(width, depth, n_nets, rng, d_in) -> iterator of (W, b)`` with
            ``W (n_nets, fan_in, width)`` and ``b (n_nets, 1, width)``.
        bias_std: with ``init="he"``: 0 for zero biases (the default of He initialisation), else
            Gaussian biases ``N(0, bias_std**2)``.
        chunk: networks simulated at once (memory ``~ chunk * n * width`` floats).
        reduce_points: replace ``X`` by one positive and one negative point (exact for zero biases
            and 1-D inputs, by positive homogeneity; thousands of deep networks then take
            milliseconds). Default: whenever it is exact.

    Returns:
        ``(n_nets,)`` integers: the 1-based index of the first hidden layer whose units are all
        dead on ``X`` (then the network's output is constant on ``X``), or 0 if none is.
        A network of depth ``L`` is born dead when ``0 < index <= L``: the first ``L`` hidden
        layers of a deeper draw are exactly a depth-``L`` network.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must have shape (n_examples, d_in) with n_examples >= 1, got {X.shape}.")
    for name, v in (("width", width), ("max_depth", max_depth), ("n_nets", n_nets), ("chunk", chunk)):
        if isinstance(v, bool) or int(v) != v or int(v) < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {v!r}.")
    if not np.isfinite(bias_std) or bias_std < 0:
        raise ValueError(f"bias_std must be a finite number >= 0, got {bias_std}.")
    draws, zero_bias = _layer_draws(init, bias_std)
    exact = zero_bias and X.shape[1] == 1
    if reduce_points is None:
        reduce_points = exact
    elif reduce_points and not exact:
        raise ValueError("reduce_points=True is exact only for zero biases and 1-D inputs; leave it at None.")
    if reduce_points:
        X = _representative_points(X)
    width, max_depth, n_nets, chunk = int(width), int(max_depth), int(n_nets), int(chunk)
    first = np.zeros(n_nets, dtype=np.int64)
    for start in range(0, n_nets, chunk):
        m = min(chunk, n_nets - start)
        h = np.broadcast_to(X, (m, *X.shape))
        f = first[start : start + m]
        for layer, (W, b) in enumerate(draws(width, max_depth, m, rng, X.shape[1]), start=1):
            z = h @ W
            z += b
            all_dead = ~np.any(z > 0, axis=(1, 2))
            f[(f == 0) & all_dead] = layer
            h = np.maximum(z, 0, out=z)
    return first
