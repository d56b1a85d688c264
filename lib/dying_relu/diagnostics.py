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

Chapter 5 adds three diagnostics, each computed over a whole data set in chunks of ``batch_size``
examples (never on one mini-batch) by :func:`unit_stats`, one pass for all of them:

- *never positive* (:func:`never_positive_mask`): ``z <= 0`` on every example, the same test as
  :func:`dead_mask`, for any activation;
- *effectively dead* (:func:`effectively_dead_mask`): ``|f'(z)| < threshold * max|f'|`` on every
  example. The threshold is relative to the activation's largest slope
  (:func:`dying_relu.activations.max_abs_grad`: 1 for ReLU, about 1.13 for GELU, 1.76 for SELU),
  so it is scale-free; the default ``1e-3`` means "less than a thousandth of the steepest slope
  this activation has". For ReLU this is exactly "never positive"; for GELU, SiLU, Mish, softplus
  and SELU, whose gradient is never exactly zero, it catches units that sit so far left that their
  weights learn about a thousand times slower than a live unit's. With the default, that is ``z``
  below about -3.8 on every example for GELU, -8.9 for SiLU and Mish, -6.9 for softplus, SELU and
  ELU (-4.1 for tanh, -8.3 for the sigmoid, on both sides). GELU, SiLU and Mish also have a zero
  slope at their minimum (about -0.75, -1.28, -1.19): a unit whose ``z`` stayed in that narrow
  band on every example would count too;
- *tau-dormant* (Sokar et al., ICML 2023; :func:`dormant_mask`): a unit's score is its mean
  ``|h|`` over the data divided by the mean of those means over its layer; it is dormant when its
  score is ``<= tau``. ``tau = 0`` gives "output exactly zero on every example" (never active).

The pass runs in evaluation mode (restored afterwards), so batch-normalised layers use their
running statistics and the result does not depend on the chunking; afterwards the layers' cached
``x``, ``z`` and ``h`` hold the last chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import activations as _act
from . import init as _init
from .nn import MLP

__all__ = [
    "UnitStats",
    "activation_frequency",
    "born_dead_first_layer",
    "dead_fraction",
    "dead_mask",
    "dead_units",
    "dormant_mask",
    "dormant_scores",
    "effectively_dead_mask",
    "network_dead_fraction",
    "never_positive_mask",
    "unit_stats",
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

    ``z`` is always the activation's input: after batch or layer normalisation it is the
    normalised, scaled and shifted value (``gamma * xhat + beta``), and in a residual block
    (``MLP(..., residual=True)``) it is the block's pre-activation, not its output ``x + f(z)``. A
    dead unit of a residual block passes no gradient to its weights, but the block still passes
    its input on through the identity path.
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
# Chapter 5: never positive, effectively dead, tau-dormant, over a whole data set in chunks
# ---------------------------------------------------------------------------------------------

DEFAULT_BATCH = 1024
DEFAULT_THRESHOLD = 1e-3
DEFAULT_TAU = 0.1


@dataclass(frozen=True)
class UnitStats:
    """Per-unit statistics of one hidden layer over a data set (from :func:`unit_stats`).

    Attributes (arrays of shape ``(width,)``):
        n_examples: how many examples were seen.
        positive_count: on how many examples ``z > 0``.
        nonzero_count: on how many examples the output ``h = f(z)`` is not exactly 0.
        mean_abs_h: the mean over the examples of ``|h|`` (float64).
        max_rel_grad: the largest ``|f'(z)| / max|f'|`` over the examples, in [0, 1].
    """

    n_examples: int
    positive_count: np.ndarray
    nonzero_count: np.ndarray
    mean_abs_h: np.ndarray
    max_rel_grad: np.ndarray

    @property
    def never_positive(self) -> np.ndarray:
        """True where ``z <= 0`` on every example (what :func:`dead_mask` calls dead)."""
        return self.positive_count == 0

    @property
    def never_active(self) -> np.ndarray:
        """True where the output is exactly 0 on every example (for ReLU: never positive)."""
        return self.nonzero_count == 0

    def effectively_dead(self, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
        """True where ``|f'(z)| < threshold * max|f'|`` on every example."""
        return self.max_rel_grad < _check_threshold(threshold)

    def dormant_scores(self) -> np.ndarray:
        """Sokar et al.'s score: ``mean|h|`` of each unit over the layer's mean of it (0 for
        every unit if the whole layer outputs 0)."""
        layer_mean = float(self.mean_abs_h.mean())
        if layer_mean == 0:
            return np.zeros_like(self.mean_abs_h)
        return self.mean_abs_h / layer_mean

    def dormant(self, tau: float = DEFAULT_TAU) -> np.ndarray:
        """True where the dormancy score is ``<= tau``."""
        return self.dormant_scores() <= _check_tau(tau)


def _check_threshold(threshold: float) -> float:
    threshold = float(threshold)
    if not 0 < threshold <= 1:
        raise ValueError(
            f"threshold is a fraction of the activation's largest slope, in (0, 1]; got {threshold}. "
            "The default 1e-3 means a slope below a thousandth of the steepest one."
        )
    return threshold


def _check_tau(tau: float) -> float:
    tau = float(tau)
    if not np.isfinite(tau) or tau < 0:
        raise ValueError(f"tau must be a finite number >= 0 (Sokar et al. use values such as 0.025 "
                         f"or 0.1; 0 means an output of exactly zero), got {tau}.")
    return tau


def _rel_grad(layer, z: np.ndarray) -> np.ndarray:
    """``|f'(z)| / max|f'|`` for one layer's pre-activations (per-unit slopes for PReLU)."""
    if layer.alpha is not None:  # PReLU: slope 1 or the unit's learned alpha
        a = np.abs(layer.alpha)
        return np.where(z > 0, 1.0, a) / np.maximum(1.0, a)
    act = layer.activation
    return np.abs(act.grad(z)) / _act.max_abs_grad(act)


def unit_stats(net: MLP, X: np.ndarray, *, batch_size: int = DEFAULT_BATCH) -> list[UnitStats]:
    """Per hidden layer, the statistics of every unit over the whole of ``X`` (one pass).

    Args:
        net: the network (switched to evaluation mode for the pass, then restored).
        X: the data, shape ``(n_examples, sizes[0])``, finite (NaN or inf raise ``ValueError``).
        batch_size: examples per forward pass (memory only: the result does not depend on it).

    Returns:
        a list with one :class:`UnitStats` per hidden layer.
    """
    X = np.asarray(X)
    if X.ndim == 0 or len(X) == 0:
        raise ValueError(f"X must hold at least one example, got shape {X.shape}.")
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive number of examples, got {batch_size}.")
    hidden = net.hidden
    widths = [layer.fan_out for layer in hidden]
    pos = [np.zeros(w, np.int64) for w in widths]
    nonzero = [np.zeros(w, np.int64) for w in widths]
    abs_sum = [np.zeros(w, np.float64) for w in widths]
    max_grad = [np.zeros(w, np.float64) for w in widths]
    modes = [layer.training for layer in net.layers]
    net.eval()
    try:
        for start in range(0, len(X), batch_size):
            net.forward(X[start : start + batch_size])
            for i, layer in enumerate(hidden):
                z, h = layer.z, layer.h
                pos[i] += np.count_nonzero(z > 0, axis=0)
                nonzero[i] += np.count_nonzero(h, axis=0)
                abs_sum[i] += np.abs(h).sum(axis=0, dtype=np.float64)
                np.maximum(max_grad[i], _rel_grad(layer, z).max(axis=0), out=max_grad[i])
    finally:
        for layer, mode in zip(net.layers, modes, strict=True):
            layer.training = mode
    n = len(X)
    return [UnitStats(n, p, nz, s / n, g)
            for p, nz, s, g in zip(pos, nonzero, abs_sum, max_grad, strict=True)]


def never_positive_mask(net: MLP, X: np.ndarray, *, batch_size: int = DEFAULT_BATCH) -> list[np.ndarray]:
    """Per hidden layer, ``(width,)`` booleans: True where ``z <= 0`` on every example of ``X``.

    The same test as :func:`dead_mask`, over ``X`` in chunks (and in evaluation mode).
    """
    return [st.never_positive for st in unit_stats(net, X, batch_size=batch_size)]


def effectively_dead_mask(
    net: MLP, X: np.ndarray, threshold: float = DEFAULT_THRESHOLD, *, batch_size: int = DEFAULT_BATCH
) -> list[np.ndarray]:
    """Per hidden layer, ``(width,)`` booleans: True where ``|f'(z)| < threshold * max|f'|`` on
    every example of ``X`` (see the module docstring; ``max|f'|`` from
    :func:`dying_relu.activations.max_abs_grad`).

    Args:
        threshold: a fraction of the activation's largest slope, in (0, 1]; default 1e-3.
    """
    _check_threshold(threshold)
    return [st.effectively_dead(threshold) for st in unit_stats(net, X, batch_size=batch_size)]


def dormant_scores(net: MLP, X: np.ndarray, *, batch_size: int = DEFAULT_BATCH) -> list[np.ndarray]:
    """Per hidden layer, Sokar et al.'s dormancy score of each unit, ``(width,)``: its mean
    ``|h|`` over ``X`` divided by the average of those means over the layer (mean 1 per layer)."""
    return [st.dormant_scores() for st in unit_stats(net, X, batch_size=batch_size)]


def dormant_mask(
    net: MLP, X: np.ndarray, tau: float = DEFAULT_TAU, *, batch_size: int = DEFAULT_BATCH
) -> list[np.ndarray]:
    """Per hidden layer, ``(width,)`` booleans: True for tau-dormant units (score ``<= tau``).

    Sokar et al. (2023), "The dormant neuron phenomenon in deep reinforcement learning": choose
    ``tau`` explicitly for your experiment (the default 0.1 is a common choice; ``tau = 0`` flags
    units whose output is exactly zero on every example).
    """
    _check_tau(tau)
    return [st.dormant(tau) for st in unit_stats(net, X, batch_size=batch_size)]


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
