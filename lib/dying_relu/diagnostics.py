"""Looking inside a network: active units, dead units, per-layer statistics (Chapters 2 and 3).

Definitions used throughout the course (for a data set ``X``):

- a unit is *active* on an example when its pre-activation ``z > 0``;
- its *activation frequency* is the fraction of examples on which it is active;
- it is *dead* on ``X`` when it is active on **no** example (``z <= 0`` everywhere). Zero on some
  examples is ordinary, useful sparsity; zero on all of them means its weights receive no gradient.

For activations without a flat side (Leaky ReLU, ELU, tanh, ...) "dead" still means "never in the
positive region", but such a unit keeps receiving gradient; see Chapter 4.
"""

from __future__ import annotations

import numpy as np

from .nn import MLP

__all__ = [
    "activation_frequency",
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

    Runs a forward pass on ``X``, so afterwards each layer's ``z`` and ``h`` hold its values.
    """
    net.forward(X)
    return [dead_units(layer.z) for layer in net.hidden]


def dead_fraction(net: MLP, X: np.ndarray) -> np.ndarray:
    """Fraction of dead units in each hidden layer, shape ``(depth,)``."""
    return np.array([m.mean() for m in dead_mask(net, X)])


def network_dead_fraction(net: MLP, X: np.ndarray) -> float:
    """Fraction of all hidden units (pooled over layers) that are dead on ``X``."""
    masks = dead_mask(net, X)
    return float(sum(int(m.sum()) for m in masks) / sum(m.size for m in masks))
