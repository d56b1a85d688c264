"""ReDo: recycle dormant units (Sokar et al., ICML 2023; Chapter 5).

A unit that has stopped contributing (dead, or tau-dormant: see
:func:`dying_relu.diagnostics.dormant_mask`) is given a fresh start without disturbing what the
network has learned. For every flagged unit ``j`` of hidden layer ``l`` (``W_l`` has shape
``(fan_in, width)``):

- its *incoming* weights ``W_l[:, j]`` are redrawn from the layer's initialiser (the network's
  ``init``; He normal for ReLU-like activations by default) and its bias ``b_l[j]`` is reset to
  the layer's initial bias (``MLP(bias=...)``, 0 by default);
- its *outgoing* weights ``W_{l+1}[j, :]`` are set to zero, so at the moment of the reset the
  network computes exactly the same function if the unit's output was 0 on every example (a dead
  ReLU; a GELU or SiLU unit far to the left), and nearly the same for a tau-dormant one (its small
  contribution is removed). A never-positive Leaky ReLU, PReLU, ELU or SELU unit still outputs
  something (``alpha * z``, about ``-alpha``): resetting it removes that contribution;
- a PReLU unit's slope goes back to its initial value; a batch-normalised unit gets
  ``gamma = 1``, ``beta = 0`` and running statistics 0 and 1;
- the optimiser's state for all those entries (Momentum's velocity, Adam's moments) is zeroed
  with :meth:`dying_relu.optim.Optimizer.reset_state`, so stale momentum does not undo the reset.

The outgoing weights then grow again from the gradient, which is not zero: the unit is active on
part of the data again, so ``dL/dW_{l+1}[j, :] = h_j * delta`` is not zero.

    masks = diagnostics.dormant_mask(net, X_train, tau=0.1)
    redo.redo(net, masks, optimizer=opt)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import init as _init
from . import nn as _nn
from . import seeding as _seeding
from .diagnostics import DEFAULT_BATCH, DEFAULT_TAU, dormant_mask
from .optim import Optimizer

__all__ = ["redo", "redo_dormant"]


def _per_layer(spec, n: int) -> list:
    return list(spec) if isinstance(spec, list | tuple) else [spec] * n


def _param_index(net: _nn.MLP) -> dict[int, int]:
    return {id(p): i for i, p in enumerate(net.params())}


def redo(
    net: _nn.MLP,
    masks: Sequence[np.ndarray],
    optimizer: Optimizer | None = None,
    *,
    init: str | float | Callable | Sequence | None = None,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
) -> list[int]:
    """Re-initialise the flagged units of ``net`` in place (see the module docstring).

    Args:
        net: an :class:`~dying_relu.nn.MLP`.
        masks: one boolean array ``(width,)`` per hidden layer, True for units to reset (what
            :func:`~dying_relu.diagnostics.dormant_mask` or ``dead_mask`` return).
        optimizer: the optimiser training ``net``; its state for the reset entries is zeroed.
        init: weight initialiser for the new incoming weights (a name, scale or callable, as for
            ``MLP(init=...)``); default: the one the network was built with.
        seed, rng: where the new weights come from (through :func:`dying_relu.seeding.rng`);
            default: the network's own generator ``net.rng``.

    Returns:
        the number of units reset in each hidden layer.
    """
    hidden = net.hidden
    if len(masks) != len(hidden):
        raise ValueError(f"Got {len(masks)} masks for {len(hidden)} hidden layers; pass one boolean "
                         "array per hidden layer, as diagnostics.dormant_mask(net, X) returns.")
    masks = [np.asarray(m) for m in masks]
    for i, (m, layer) in enumerate(zip(masks, hidden, strict=True)):
        if m.dtype != np.bool_ or m.shape != (layer.fan_out,):
            raise ValueError(f"Mask {i} must be a boolean array of shape ({layer.fan_out},), got "
                             f"{m.dtype} {m.shape}.")
    gen = rng if rng is not None else (_seeding.rng(seed) if seed is not None else net.rng)
    n_layers = len(net.layers)
    inits = _per_layer(getattr(net, "_init_spec", "he") if init is None else init, n_layers)
    biases = _per_layer(getattr(net, "_bias_spec", 0.0), n_layers)
    index = _param_index(net)

    def reset(p: np.ndarray, where) -> None:
        if optimizer is not None and id(p) in index:
            optimizer.reset_state(index[id(p)], where)

    counts = []
    for i, (m, layer) in enumerate(zip(masks, hidden, strict=True)):  # incoming side first
        counts.append(int(m.sum()))
        if not m.any():
            continue
        W = np.asarray(_init.get(inits[i])(layer.fan_in, layer.fan_out, gen, net.dtype), net.dtype)
        layer.W[:, m] = W[:, m]
        layer.b[m] = _nn._bias_init(biases[i], layer.fan_out, gen, net.dtype)[m]
        reset(layer.W, (slice(None), m))
        reset(layer.b, m)
        if layer.alpha is not None:
            layer.alpha[m] = layer.activation.params["alpha"]
            reset(layer.alpha, m)
        if layer.batchnorm:
            layer.gamma[m], layer.beta[m] = 1, 0
            layer.running_mean[m], layer.running_var[m] = 0, 1
            reset(layer.gamma, m)
            reset(layer.beta, m)
    for i, m in enumerate(masks):  # then every reset unit's outgoing weights (also into reset units)
        if m.any():
            nxt = net.layers[i + 1]
            nxt.W[m, :] = 0
            reset(nxt.W, (m, slice(None)))
    return counts


def redo_dormant(
    net: _nn.MLP,
    X: np.ndarray,
    optimizer: Optimizer | None = None,
    tau: float = DEFAULT_TAU,
    *,
    batch_size: int = DEFAULT_BATCH,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
) -> list[int]:
    """Find the tau-dormant units over the whole of ``X`` and reset them with :func:`redo`.

    Returns the number of units reset per hidden layer.
    """
    masks = dormant_mask(net, X, tau, batch_size=batch_size)
    return redo(net, masks, optimizer, seed=seed, rng=rng)
