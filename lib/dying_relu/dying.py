"""Dead neurons: how ReLU units die, and whether they come back (introduced in Chapter 3).

Chapter 3's experiments, so the chapter only calls and plots:

- diagnostics on raw pre-activations (:func:`layer_dead_fraction`, :func:`revived`; the dead test
  itself is :func:`dying_relu.diagnostics.dead_units`) and a hook for
  :func:`dying_relu.train.fit` that records dead fractions over training (:func:`dead_recorder`);
- the single neuron of the classic explanation (:func:`single_neuron`, :func:`neuron_gradients`);
- sweeps over the initial bias and the learning rate across seeds (:func:`sweep`,
  :func:`make_optimizer`; the chapter's learning-rate sweep itself, which Chapter 4 quotes, is
  :func:`spirals_lr_sweep`);
- the probability that a deep, narrow He-initialised network is *born dead* (Lu, Shin, Su and
  Karniadakis 2019): :func:`born_dead_probability` over a grid of widths and depths (the
  chapter's grid, which Chapter 4 quotes, is :func:`born_dead_grid`; the Monte
  Carlo estimator itself is :func:`dying_relu.diagnostics.born_dead_first_layer`, shared with
  Chapter 4), a slow reference built from :class:`~dying_relu.nn.MLP`
  (:func:`born_dead_reference`), and many small networks trained at once to measure collapse
  after training (:class:`Stack`, :func:`he_stack`, :func:`train_stack`,
  :func:`stack_dead_layers`);
- the explorer's pure computation (:func:`compute`; its figure is
  :func:`dying_relu.plots.draw_explorer`, the 2-D "microscope" :func:`dying_relu.plots.draw_microscope`);
- the recovery experiments (:func:`kill_unit`, :func:`revival_experiment`,
  :func:`recovery_by_optimizer`, and :func:`revival_with_state`, where units die during a
  momentum or Adam run whose state is carried on);
- the stuck network's landscape: is the flat region of a fully dead layer a local minimum?
  (:func:`stuck_networks`, :func:`optimal_constant_output`, :func:`dead_layer_exits`).

BLAS threads: the chapter pins them once in its set-up cell (:func:`dying_relu.blas.pin_threads`).

Conventions (as in :mod:`dying_relu.diagnostics`): a unit is *dead on a data set* when its
pre-activation ``z <= 0`` on every example; pre-activation arrays have shape
``(n_examples, width)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import data as _data
from . import diagnostics as _diag
from . import losses as _losses
from . import optim as _optim
from . import seeding as _seeding
from .diagnostics import born_dead_first_layer, dead_units
from .init import he_layers
from .nn import MLP
from .train import evaluate, fit

__all__ = [
    "LR_SWEEP_RATES",
    "BornDead",
    "Stack",
    "Sweep",
    "born_dead_first_layer",
    "born_dead_grid",
    "born_dead_probability",
    "born_dead_reference",
    "compute",
    "dead_layer_exits",
    "dead_recorder",
    "dead_units",
    "he_layers",
    "he_stack",
    "kill_unit",
    "layer_dead_fraction",
    "make_optimizer",
    "neuron_gradients",
    "optimal_constant_output",
    "recovery_by_optimizer",
    "revival_experiment",
    "revival_with_state",
    "revived",
    "single_neuron",
    "spirals_lr_sweep",
    "stack_dead_layers",
    "stuck_networks",
    "sweep",
    "train_stack",
]


# ---------------------------------------------------------------------------------------------
# Diagnostics on raw arrays
# ---------------------------------------------------------------------------------------------


def layer_dead_fraction(Z: np.ndarray) -> float:
    """Fraction of the units (columns) of ``Z (n_examples, width)`` that are dead on its rows."""
    return float(np.mean(dead_units(Z)))


def revived(masks: np.ndarray) -> np.ndarray:
    """Which units came back from the dead.

    Args:
        masks: boolean dead masks over time, shape ``(n_times, width)`` (e.g. one per epoch).

    Returns:
        ``(width,)`` booleans: True for a unit that was dead at some time and alive at a later one.
    """
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim != 2:
        raise ValueError(f"masks must have shape (n_times, width), got {masks.shape}.")
    # alive at some time strictly after a time at which it was dead
    alive_later = np.zeros(masks.shape[1], dtype=bool)
    out = np.zeros(masks.shape[1], dtype=bool)
    for t in range(masks.shape[0] - 1, -1, -1):
        out |= masks[t] & alive_later
        alive_later |= ~masks[t]
    return out


def dead_recorder(
    X: np.ndarray,
    masks: bool = False,
    y: np.ndarray | None = None,
    loss: str = "cross_entropy",
) -> Callable[[MLP, int], dict]:
    """A hook for ``fit(on_epoch=...)`` or ``fit(on_step=...)`` that records dead units on ``X``.

    Each call records ``"dead"`` (fraction dead per hidden layer, shape ``(depth,)``),
    ``"dead_total"`` (fraction of all hidden units), with ``masks=True`` also ``"dead_mask"``
    (a list of boolean ``(width,)`` arrays, one per hidden layer), and with targets ``y`` also
    ``"train_loss"``, the loss on the whole of ``(X, y)`` (useful per step, where ``fit`` only
    keeps the mini-batch loss).
    """

    def hook(net: MLP, _: int) -> dict:
        m = [mask.copy() for mask in _diag.dead_mask(net, X)]
        out = {
            "dead": np.array([mm.mean() for mm in m]),
            "dead_total": float(sum(int(mm.sum()) for mm in m) / sum(mm.size for mm in m)),
        }
        if masks:
            out["dead_mask"] = m
        if y is not None:
            out["train_loss"] = evaluate(net, X, y, loss)[0]
        return out

    return hook


# ---------------------------------------------------------------------------------------------
# The single neuron
# ---------------------------------------------------------------------------------------------


def single_neuron(w: Sequence[float], b: float, v: float = 1.0, c: float = 0.0) -> MLP:
    """The classic single ReLU neuron, as a network ``y_hat = v * relu(w1 x1 + w2 x2 + b) + c``.

    A ``[2, 1, 1]`` :class:`~dying_relu.nn.MLP` in float64 whose hidden unit has weights ``w``
    (2,) and bias ``b``, read out by a linear unit with weight ``v`` and bias ``c``.
    """
    net = MLP([2, 1, 1], "relu", seed=0)
    net.layers[0].W[:, 0] = np.asarray(w, dtype=float)
    net.layers[0].b[0] = b
    net.layers[1].W[0, 0] = v
    net.layers[1].b[0] = c
    return net


def neuron_gradients(net: MLP, X: np.ndarray, y: np.ndarray, loss: str = "mse") -> dict:
    """Gradients of the loss for the first hidden unit of ``net`` on the whole batch ``(X, y)``.

    Returns a dict with ``"dw"`` (``(fan_in,)``, dL/dw), ``"db"`` (float), ``"z"`` (the unit's
    pre-activations ``(n,)``) and ``"loss"``.
    """
    value = net.loss_and_grad(X, y, loss)
    layer = net.layers[0]
    return {
        "dw": layer.dW[:, 0].copy(),
        "db": float(layer.db[0]),
        "z": layer.z[:, 0].copy(),
        "loss": value,
    }


# ---------------------------------------------------------------------------------------------
# Sweeps over a setting, across seeds
# ---------------------------------------------------------------------------------------------


def make_optimizer(kind: str | Callable[[float], _optim.Optimizer], lr: float) -> _optim.Optimizer:
    """``"sgd"``, ``"momentum"`` (beta 0.9), ``"adam"``, or a factory ``lr -> Optimizer``."""
    if callable(kind):
        return kind(lr)
    return _optim.get(kind, lr=lr)


@dataclass
class Sweep:
    """Results of :func:`sweep`: arrays of shape ``(n_values, n_seeds)`` unless noted.

    Attributes:
        param: the swept setting (``"lr"`` or ``"bias"``).  values: its values ``(n_values,)``.
        seeds: the seeds (network initialisation and batch order).
        dead_init, dead_final: fraction of all hidden units dead on the training set, before
            and after training.
        dead_layers_init, dead_layers_final: per hidden layer, ``(n_values, n_seeds, depth)``.
        accuracy, loss: on the training set after training.  diverged: the loss became NaN/inf.
    """

    param: str
    values: np.ndarray
    seeds: tuple
    dead_init: np.ndarray
    dead_final: np.ndarray
    dead_layers_init: np.ndarray
    dead_layers_final: np.ndarray
    accuracy: np.ndarray
    loss: np.ndarray
    diverged: np.ndarray

    def stats(self, what: str = "dead_final") -> dict[str, np.ndarray]:
        """Mean, standard deviation (ddof=1), min and max over seeds of a ``(n_values, n_seeds)``
        attribute; each entry has shape ``(n_values,)``."""
        a = np.asarray(getattr(self, what), dtype=float)
        ddof = 1 if a.shape[1] > 1 else 0
        return {"mean": a.mean(1), "std": a.std(1, ddof=ddof), "min": a.min(1), "max": a.max(1)}


def sweep(
    param: str,
    values: Sequence[float],
    X: np.ndarray,
    y: np.ndarray,
    *,
    seeds: Sequence[int] = range(8),
    sizes: Sequence[int] = (2, 32, 32, 3),
    lr: float = 0.3,
    bias: float = 0.0,
    optimizer: str | Callable[[float], _optim.Optimizer] = "sgd",
    epochs: int = 40,
    batch_size: int = 32,
) -> Sweep:
    """Train one ReLU network per (value, seed) and record dead fractions, accuracy and loss.

    Args:
        param: ``"lr"`` (the learning rate) or ``"bias"`` (the initial bias of every hidden
            layer; the output bias starts at 0).
        values: the values of ``param`` to try.
        X, y: a classification training set (the dead fractions are measured on it).
        seeds: each seed sets the network's weights and the mini-batch order.
        sizes, lr, bias, optimizer, epochs, batch_size: the fixed settings.

    Divergence (a NaN/inf loss) does not raise: it is recorded in ``diverged``.
    """
    if param not in ("lr", "bias"):
        raise ValueError(f"param must be 'lr' or 'bias', got {param!r}.")
    values = np.asarray(values, dtype=float)
    seeds = tuple(seeds)
    depth = len(sizes) - 2
    shape = (len(values), len(seeds))
    out = {k: np.zeros(shape) for k in ("dead_init", "dead_final", "accuracy", "loss")}
    layers_init = np.zeros((*shape, depth))
    layers_final = np.zeros((*shape, depth))
    diverged = np.zeros(shape, dtype=bool)
    for i, value in enumerate(values):
        for j, seed in enumerate(seeds):
            b0 = value if param == "bias" else bias
            rate = value if param == "lr" else lr
            net = MLP(list(sizes), "relu", bias=[b0] * depth + [0.0], seed=seed)
            layers_init[i, j] = _diag.dead_fraction(net, X)
            hist = fit(net, X, y, optimizer=make_optimizer(optimizer, rate), epochs=epochs,
                       batch_size=batch_size, seed=seed, on_divergence="stop")
            diverged[i, j] = hist.diverged
            layers_final[i, j] = _diag.dead_fraction(net, X)
            out["accuracy"][i, j] = hist.accuracy[-1]
            out["loss"][i, j] = hist.loss[-1]
    sizes_h = np.asarray(sizes[1:-1], dtype=float)
    pooled = lambda a: (a * sizes_h).sum(-1) / sizes_h.sum()  # noqa: E731
    return Sweep(param, values, seeds, pooled(layers_init), pooled(layers_final), layers_init,
                 layers_final, out["accuracy"], out["loss"], diverged)


#: Chapter 3's learning-rate sweep (section "a learning rate that is too high"): its rates.
LR_SWEEP_RATES = (0.1, 0.3, 0.6, 1.0, 1.5, 2.0, 3.0)


def spirals_lr_sweep(lrs: Sequence[float] = LR_SWEEP_RATES, seeds: Sequence[int] = range(8)) -> Sweep:
    """Chapter 3's learning-rate sweep: :func:`sweep` over the learning rate on
    ``data.spirals(300, seed=0)``, a 2-32-32-3 ReLU network with zero biases, plain SGD with
    mini-batches of 32 for 30 epochs, one run per (rate, seed).

    Each run depends only on its own rate and seed, so a few of the rates give exactly the numbers
    of the whole sweep: Chapter 4 (part 2) reruns rate 1.5 to quote Chapter 3's dead fractions,
    in the book and in a learner's kernel alike (about a second).
    """
    X, y = _data.spirals(300, seed=0)
    return sweep("lr", lrs, X, y, seeds=seeds, epochs=30)


# ---------------------------------------------------------------------------------------------
# Born dead: Monte Carlo over many networks at once (Lu, Shin, Su, Karniadakis 2019)
# ---------------------------------------------------------------------------------------------


@dataclass
class BornDead:
    """Estimated probability of being born dead, ``p (n_widths, n_depths)`` with its standard
    error ``se`` (binomial, ``sqrt(p (1 - p) / n_nets)``)."""

    widths: tuple
    depths: np.ndarray
    n_nets: int
    p: np.ndarray
    se: np.ndarray = field(repr=False)

    def at(self, width: int, depth: int) -> float:
        """The estimate for one (width, depth)."""
        i = self.widths.index(width)
        j = int(np.flatnonzero(self.depths == depth)[0])
        return float(self.p[i, j])


def born_dead_probability(
    widths: Sequence[int],
    depths: Sequence[int],
    n_nets: int = 4000,
    *,
    X: np.ndarray | None = None,
    bias_std: float = 0.0,
    seed: int = 0,
) -> BornDead:
    """Monte Carlo probability that a He-normal ReLU network of each (width, depth) is born dead.

    The set-up of Lu et al. (2019): 1-D inputs on [-sqrt(3), sqrt(3)] (default: 64 points of
    ``data.abs_regression``), He-normal weights, biases 0 (or ``N(0, bias_std**2)``). One draw of
    ``n_nets`` networks of the largest depth per width gives every depth (prefixes).
    """
    if X is None:
        X = _data.abs_regression(64, seed=seed)[0]
    depths = np.asarray(depths, dtype=int)
    rng = _seeding.rng(seed)
    p = np.zeros((len(widths), len(depths)))
    for i, width in enumerate(widths):
        first = born_dead_first_layer(width, int(depths.max()), n_nets, X, rng, bias_std=bias_std)
        p[i] = [np.mean((first > 0) & (first <= d)) for d in depths]
    return BornDead(tuple(widths), depths, n_nets, p, np.sqrt(p * (1 - p) / n_nets))


def born_dead_grid() -> BornDead:
    """Chapter 3's born-dead estimate (section "deep and narrow networks are born dead"):
    :func:`born_dead_probability` for widths 2, 3, 4, 5 and 10 and depths 1 to 50, 5000 networks
    per width, seed 0 (about two seconds).

    Chapter 4 compares RAI with it and quotes its depth-10 values: it calls this function too,
    so both pages show the same numbers, in the book and in a learner's kernel.
    """
    return born_dead_probability([2, 3, 4, 5, 10], np.arange(1, 51), n_nets=5000, seed=0)


def he_stack(
    width: int,
    depth: int,
    n_nets: int,
    rng: np.random.Generator,
    d_in: int = 1,
    d_out: int = 1,
    bias_std: float = 0.0,
) -> Stack:
    """``n_nets`` He-normal ReLU networks ``[d_in, width x depth, d_out]`` as a :class:`Stack`.

    The hidden layers are the same draws as :func:`born_dead_first_layer` makes from the same
    generator state; the linear output layer (He-normal, zero bias) is drawn after them.
    """
    layers = list(he_layers(width, depth, n_nets, rng, d_in=d_in, bias_std=bias_std))
    W_out = rng.standard_normal((n_nets, width, d_out)) * np.sqrt(2.0 / width)
    layers.append((W_out, np.zeros((n_nets, 1, d_out))))
    return Stack([W for W, _ in layers], [b for _, b in layers])


def born_dead_reference(stack: Stack, X: np.ndarray) -> np.ndarray:
    """Slow reference for tests: build each network of ``stack`` as an :class:`MLP` and use
    :func:`dying_relu.diagnostics.dead_fraction`. Returns the first all-dead hidden layer
    (1-based, 0 if none) per network, like :func:`born_dead_first_layer`."""
    out = []
    for net in stack.to_mlps():
        frac = _diag.dead_fraction(net, X)
        hits = np.flatnonzero(frac == 1.0)
        out.append(int(hits[0]) + 1 if hits.size else 0)
    return np.array(out, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Many small networks trained at once (collapse after training)
# ---------------------------------------------------------------------------------------------


@dataclass
class Stack:
    """``n_nets`` ReLU networks of identical shape, stored as stacked arrays.

    ``Ws[l] (n_nets, fan_in, fan_out)``, ``bs[l] (n_nets, 1, fan_out)``; every layer but the last
    is ReLU, the last is linear.
    """

    Ws: list[np.ndarray]
    bs: list[np.ndarray]

    @property
    def n_nets(self) -> int:
        return self.Ws[0].shape[0]

    def copy(self) -> Stack:
        return Stack([W.copy() for W in self.Ws], [b.copy() for b in self.bs])

    def select(self, which: np.ndarray) -> Stack:
        """A new stack with the networks picked by ``which`` (boolean mask or indices), copied."""
        return Stack([W[which].copy() for W in self.Ws], [b[which].copy() for b in self.bs])

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Outputs ``(n_nets, n, d_out)`` and the hidden pre-activations ``(n_nets, n, width)``."""
        h = np.broadcast_to(np.asarray(X, float), (self.n_nets, *np.shape(X)))
        zs = []
        for W, b in zip(self.Ws[:-1], self.bs[:-1], strict=True):
            z = h @ W + b
            zs.append(z)
            h = np.maximum(z, 0)
        return h @ self.Ws[-1] + self.bs[-1], zs

    def to_mlps(self) -> list[MLP]:
        """One :class:`MLP` per network (for checks with the library's own code)."""
        sizes = [self.Ws[0].shape[1]] + [W.shape[2] for W in self.Ws]
        nets = []
        for k in range(self.n_nets):
            net = MLP(sizes, "relu", seed=0)
            for layer, W, b in zip(net.layers, self.Ws, self.bs, strict=True):
                layer.W[:] = W[k]
                layer.b[:] = b[k, 0]
            nets.append(net)
        return nets

    @classmethod
    def from_mlps(cls, nets: Sequence[MLP]) -> Stack:
        """Stack networks of identical shape (ReLU hidden layers, linear output)."""
        n_layers = len(nets[0].layers)
        Ws = [np.stack([net.layers[i].W for net in nets]).astype(float) for i in range(n_layers)]
        bs = [np.stack([net.layers[i].b for net in nets])[:, None, :].astype(float)
              for i in range(n_layers)]
        return cls(Ws, bs)


def stack_dead_layers(stack: Stack, X: np.ndarray) -> np.ndarray:
    """Fraction of dead units per hidden layer for every network: ``(n_nets, depth)``."""
    _, zs = stack.forward(X)
    return np.stack([np.mean(~np.any(z > 0, axis=1), axis=1) for z in zs], axis=1)


def train_stack(
    stack: Stack,
    X: np.ndarray,
    y: np.ndarray,
    *,
    steps: int,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> np.ndarray:
    """Train every network of ``stack`` in place with full-batch Adam on the MSE loss.

    The same update as :class:`dying_relu.optim.Adam` and the loss of ``fit(loss="mse")``, for
    all networks at once with batched matrix products. ``X (n, d_in)``, ``y (n, d_out)``.
    Returns the loss of every network before each step and after the last, ``(steps + 1, n_nets)``.
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float).reshape(len(X), -1)
    params = [p for pair in zip(stack.Ws, stack.bs, strict=True) for p in pair]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    n_layers = len(stack.Ws)
    losses = np.zeros((steps + 1, stack.n_nets))
    for t in range(steps + 1):
        hs = [np.broadcast_to(X, (stack.n_nets, *X.shape))]
        zs = []
        for i in range(n_layers):
            z = hs[-1] @ stack.Ws[i] + stack.bs[i]
            zs.append(z)
            hs.append(np.maximum(z, 0) if i < n_layers - 1 else z)
        diff = hs[-1] - y
        losses[t] = np.mean(diff * diff, axis=(1, 2))
        if t == steps:
            break
        g = diff * (2.0 / (X.shape[0] * y.shape[1]))
        grads = [None] * (2 * n_layers)
        for i in range(n_layers - 1, -1, -1):
            if i < n_layers - 1:
                g = g * (zs[i] > 0)
            grads[2 * i] = np.swapaxes(hs[i], 1, 2) @ g
            grads[2 * i + 1] = g.sum(axis=1, keepdims=True)
            if i > 0:
                g = g @ np.swapaxes(stack.Ws[i], 1, 2)
        c1, c2 = 1 - beta1 ** (t + 1), 1 - beta2 ** (t + 1)
        for p, gr, mm, vv in zip(params, grads, m, v, strict=True):
            mm *= beta1
            mm += (1 - beta1) * gr
            vv *= beta2
            vv += (1 - beta2) * (gr * gr)
            denom = np.sqrt(vv / c2)
            denom += eps
            p -= (lr / c1) * mm / denom
    return losses


# ---------------------------------------------------------------------------------------------
# Recovery experiments
# ---------------------------------------------------------------------------------------------


def kill_unit(net: MLP, X: np.ndarray, layer: int, unit: int, margin: float = 0.01) -> None:
    """Lower one unit's bias just enough that it is dead on ``X``, by ``margin``.

    After the call ``max_x z = -margin`` for that unit (its weights are untouched). ``layer``
    counts hidden layers from 0.
    """
    net.forward(X)
    z = net.hidden[layer].z[:, unit]
    net.hidden[layer].b[unit] -= z.max() + margin


def _unit_unchanged(net: MLP, layer: int, saved: tuple[np.ndarray, np.ndarray]) -> bool:
    """True if unit 0 of hidden layer ``layer`` still has exactly the weights and bias saved."""
    return bool(np.array_equal(net.hidden[layer].W[:, 0], saved[0])
                and net.hidden[layer].b[0] == saved[1])


def revival_experiment(
    X: np.ndarray,
    y: np.ndarray,
    *,
    seeds: Sequence[int] = range(20),
    sizes: Sequence[int] = (2, 16, 16, 3),
    margin: float = 0.01,
    lr: float = 0.3,
    epochs: int = 30,
    batch_size: int = 32,
) -> dict[str, np.ndarray]:
    """Kill unit 0 of the first and of the second hidden layer (by ``margin``), train with SGD.

    Returns per seed (arrays ``(n_seeds,)``): ``first_dead_at_end``, ``first_weights_unchanged``
    (bit for bit, weights and bias), ``second_revived_ever`` (alive on ``X`` after some epoch),
    ``second_alive_at_end``, ``second_weights_unchanged``, and ``accuracy``.
    """
    rows = []
    for seed in seeds:
        net = MLP(list(sizes), "relu", seed=seed)
        kill_unit(net, X, 0, 0, margin)
        kill_unit(net, X, 1, 0, margin)
        w1 = (net.hidden[0].W[:, 0].copy(), net.hidden[0].b[0].copy())
        w2 = (net.hidden[1].W[:, 0].copy(), net.hidden[1].b[0].copy())
        hist = fit(net, X, y, optimizer=_optim.SGD(lr), epochs=epochs, batch_size=batch_size,
                   seed=seed, on_epoch=lambda n, e: {"m": [m[0] for m in _diag.dead_mask(n, X)]})
        m = np.array(hist["m"])  # (epochs + 1, depth)
        rows.append((m[-1, 0], _unit_unchanged(net, 0, w1), bool(np.any(~m[1:, 1])), not m[-1, 1],
                     _unit_unchanged(net, 1, w2), hist.accuracy[-1]))
    keys = ("first_dead_at_end", "first_weights_unchanged", "second_revived_ever",
            "second_alive_at_end", "second_weights_unchanged", "accuracy")
    return {k: np.array([r[i] for r in rows]) for i, k in enumerate(keys)}


def recovery_by_optimizer(
    X: np.ndarray,
    y: np.ndarray,
    optimizers: dict[str, Callable[[], _optim.Optimizer]],
    *,
    seeds: Sequence[int] = range(6),
    sizes: Sequence[int] = (2, 32, 32, 3),
    burst_lr: float = 2.0,
    burst_epochs: int = 2,
    epochs: int = 40,
    batch_size: int = 32,
) -> dict[str, dict[str, np.ndarray]]:
    """Kill units the natural way, then see which optimiser brings them back.

    For each seed, train with SGD at the too-high ``burst_lr`` for ``burst_epochs`` (a burst that
    kills units), then continue from that same state with each optimiser (fresh optimiser state)
    for ``epochs``. Returns, per optimiser name, arrays ``(n_seeds,)`` or ``(n_seeds, depth)``:
    ``dead_before`` (dead units per layer after the burst), ``revived`` (of those, alive at the
    end), ``died`` (alive after the burst, dead at the end), ``accuracy``, ``dead_w_norm_ratio``
    (norm of the dead first-layer units' incoming weights at the end over after the burst; nan
    if none), and ``dead_bias_max`` (largest bias of a dead first-layer unit after the burst).
    """
    results: dict[str, dict[str, list]] = {name: {} for name in optimizers}
    for seed in seeds:
        net = MLP(list(sizes), "relu", seed=seed)
        fit(net, X, y, optimizer=_optim.SGD(burst_lr), epochs=burst_epochs, batch_size=batch_size,
            seed=seed, on_divergence="stop")
        start = net.state()
        before = [m.copy() for m in _diag.dead_mask(net, X)]
        w_dead0 = np.linalg.norm(net.hidden[0].W[:, before[0]])
        b_dead = net.hidden[0].b[before[0]]
        for name, make in optimizers.items():
            net.load_state(start)
            hist = fit(net, X, y, optimizer=make(), epochs=epochs, batch_size=batch_size,
                       seed=seed + 1000, on_divergence="stop")
            after = _diag.dead_mask(net, X)
            w_dead1 = np.linalg.norm(net.hidden[0].W[:, before[0]])
            r = results[name]
            r.setdefault("dead_before", []).append([int(m.sum()) for m in before])
            r.setdefault("revived", []).append([int((b & ~a).sum()) for b, a in zip(before, after,
                                                                                    strict=True)])
            r.setdefault("died", []).append([int((~b & a).sum()) for b, a in zip(before, after,
                                                                                 strict=True)])
            r.setdefault("accuracy", []).append(hist.accuracy[-1])
            r.setdefault("dead_w_norm_ratio", []).append(w_dead1 / w_dead0 if before[0].any()
                                                         else np.nan)
            r.setdefault("dead_bias_max", []).append(b_dead.max() if b_dead.size else np.nan)
    return {name: {k: np.array(v) for k, v in r.items()} for name, r in results.items()}


def _dead_masks_plain(net: MLP, X: np.ndarray) -> list[np.ndarray]:
    """:func:`dying_relu.diagnostics.dead_mask` for a plain ReLU :class:`~dying_relu.nn.MLP` (no
    normalisation), computed directly from the weights: a few times faster, for per-step hooks,
    and it leaves the layers' cached forward values alone."""
    h, out = X, []
    for layer in net.hidden:
        z = h @ layer.W + layer.b
        out.append(~np.any(z > 0, axis=0))
        h = np.maximum(z, 0)
    return out


def _died_and_revived(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For dead masks over time ``(n_times, width)``: which units *died* (alive at some time, dead
    at a later one) and which of those *revived* (alive again after such a death); ``(width,)``."""
    alive = ~masks
    seen_alive = np.maximum.accumulate(alive, axis=0)  # alive at this time or before
    dead_after_alive = masks & np.vstack([np.zeros_like(alive[:1]), seen_alive[:-1]])
    died = dead_after_alive.any(axis=0)
    dead_seen = np.maximum.accumulate(dead_after_alive, axis=0)
    back = alive & np.vstack([np.zeros_like(alive[:1]), dead_seen[:-1]])
    return died, back.any(axis=0)


def revival_with_state(
    X: np.ndarray,
    y: np.ndarray,
    make: Callable[[], _optim.Optimizer],
    *,
    seeds: Sequence[int] = range(10),
    sizes: Sequence[int] = (2, 32, 32, 3),
    epochs: int = 20,
    batch_size: int = 32,
    zero_at_death: bool = False,
    min_coast: int = 30,
) -> dict[str, np.ndarray]:
    """Units that die *during* a momentum or Adam run, the optimiser's state carried on: do they
    come back? (Chapter 3, issue 12 item 6.)

    :func:`recovery_by_optimizer` continues with a *fresh* optimiser, so a unit that is already dead
    has no velocity. Here one optimiser (``make()``) trains the network from initialisation at a
    learning rate high enough to kill units, and nothing is reset: a unit that dies keeps its
    velocity (momentum) or its moment estimates (Adam), which go on moving it with zero gradient.
    The dead masks of every hidden layer on ``X`` are recorded after every step.

    With ``zero_at_death=True`` (the control) the optimiser state of a unit's incoming weights and
    bias is zeroed at the step it dies (:meth:`~dying_relu.optim.Optimizer.reset_state`). While a
    unit is dead its incoming parameters do not affect the loss, so until a unit revives the two
    runs of a seed are the same network; the difference is what the carried state did.

    Returns, with ``depth`` hidden layers:

    - ``died``, ``revived``, ``dead_end``: ``(n_seeds, depth)`` counts of units that died during
      the run (alive at some step, dead at a later one), of those that were alive again at a later
      step ("carried back over the edge" or revived by their inputs), and of those dead at the end;
    - ``coast``: for every first-layer unit that died for good at least ``min_coast`` steps before
      the end, the distance its incoming weights and bias travelled after its death, over the
      length of the step that killed it (``(n_units,)``; momentum with no gradient predicts
      ``sum_k beta**k``, about ``beta / (1 - beta)``; 0 under ``zero_at_death``), with
      ``coast_steps`` (steps from its death to the end) and ``coast_seed``;
    - ``moved``: ``(n_seeds,)`` first-layer units dead for good whose parameters changed after
      their death; ``accuracy``: ``(n_seeds,)`` training accuracy at the end; ``steps``: steps
      per run.
    """
    depth = len(sizes) - 2
    out = {k: np.zeros((len(seeds), depth), dtype=np.int64) for k in ("died", "revived", "dead_end")}
    moved = np.zeros(len(seeds), dtype=np.int64)
    accuracy = np.zeros(len(seeds))
    coast, coast_steps, coast_seed = [], [], []
    n_steps = 0
    for s, seed in enumerate(seeds):
        net = MLP(list(sizes), "relu", seed=seed)
        opt = make()
        masks = [_dead_masks_plain(net, X)]
        theta = [np.vstack([net.layers[0].W, net.layers[0].b[None]]).copy()]

        def hook(n: MLP, _: int, opt: _optim.Optimizer = opt, masks: list = masks,
                 theta: list = theta) -> dict:
            now = _dead_masks_plain(n, X)
            if zero_at_death:
                for layer, (m, before) in enumerate(zip(now, masks[-1], strict=True)):
                    new = m & ~before
                    if new.any():  # params() is [W0, b0, W1, b1, ...]
                        opt.reset_state(2 * layer, (slice(None), new))
                        opt.reset_state(2 * layer + 1, new)
            masks.append(now)
            theta.append(np.vstack([n.layers[0].W, n.layers[0].b[None]]).copy())
            return {}

        hist = fit(net, X, y, optimizer=opt, epochs=epochs, batch_size=batch_size, seed=seed,
                   on_step=hook, on_divergence="stop")
        accuracy[s] = hist.accuracy[-1]
        n_steps = len(masks) - 1
        for layer in range(depth):
            m = np.array([mm[layer] for mm in masks])  # (steps + 1, width)
            died, back = _died_and_revived(m)
            out["died"][s, layer] = died.sum()
            out["revived"][s, layer] = back.sum()
            out["dead_end"][s, layer] = (died & m[-1]).sum()
        m0 = np.array([mm[0] for mm in masks])
        th = np.array(theta)  # (steps + 1, fan_in + 1, width)
        for j in np.flatnonzero(m0[-1] & ~m0.all(axis=0)):  # dead at the end, alive once
            t = int(np.flatnonzero(~m0[:, j])[-1]) + 1  # the step that killed it for good
            kick = float(np.linalg.norm(th[t, :, j] - th[t - 1, :, j]))
            travel = float(np.linalg.norm(th[-1, :, j] - th[t, :, j]))
            moved[s] += travel > 0
            if n_steps - t >= min_coast and kick > 0:
                coast.append(travel / kick)
                coast_steps.append(n_steps - t)
                coast_seed.append(seed)
    return {**out, "coast": np.array(coast), "coast_steps": np.array(coast_steps, dtype=np.int64),
            "coast_seed": np.array(coast_seed, dtype=np.int64), "moved": moved,
            "accuracy": accuracy, "steps": np.int64(n_steps)}


# ---------------------------------------------------------------------------------------------
# The stuck network: a local minimum, a saddle, or a flat region with exits?
# ---------------------------------------------------------------------------------------------


def stuck_networks(
    X: np.ndarray,
    y: np.ndarray,
    *,
    seeds: Sequence[int] = range(8),
    sizes: Sequence[int] = (2, 32, 32, 3),
    lr: float = 3.0,
    epochs: int = 30,
    batch_size: int = 32,
) -> dict[int, MLP]:
    """The networks of a too-high-learning-rate SGD run whose last hidden layer ends all dead.

    Trains one ReLU network per seed exactly as :func:`sweep` does for ``param="lr"`` (zero biases,
    SGD at ``lr``, mini-batches shuffled by the seed), and returns ``{seed: net}`` for those whose
    last hidden layer is dead on every example of ``X``: stuck on the plateau of Chapter 3.
    """
    out = {}
    for seed in seeds:
        net = MLP(list(sizes), "relu", bias=[0.0] * (len(sizes) - 1), seed=seed)
        fit(net, X, y, optimizer=_optim.SGD(lr), epochs=epochs, batch_size=batch_size, seed=seed,
            on_divergence="stop")
        if _diag.dead_fraction(net, X)[-1] == 1.0:
            out[int(seed)] = net
    return out


def optimal_constant_output(net: MLP, X: np.ndarray, y: np.ndarray) -> float:
    """Set the output bias of a network whose output is constant on ``X`` to the best constant
    (cross-entropy: logits ``log`` of the class frequencies); returns the loss there (nats).

    A network with a fully dead hidden layer outputs the same logits for every example; only the
    output bias still gets a gradient, and its optimum is the log of the class frequencies (loss:
    the entropy of the labels, ``ln 3`` for three balanced classes). Raises ``ValueError`` if the
    output is not constant on ``X``.
    """
    out = net.forward(X)
    if np.ptp(out, axis=0).max() > 0:
        raise ValueError("The network's output is not constant on X: no hidden layer is all dead.")
    k = out.shape[1]
    freq = np.bincount(np.asarray(y, dtype=np.int64), minlength=k) / len(y)
    target = np.log(np.maximum(freq, 1e-300))
    net.layers[-1].b += target - target.mean() - (out[0] - out[0].mean())
    return float(evaluate(net, X, y)[0])


def dead_layer_exits(
    net: MLP,
    X: np.ndarray,
    y: np.ndarray,
    layer: int,
    *,
    s: Sequence[float] = tuple(np.linspace(0.0, 3.0, 13)),
    out_steps: Sequence[float] = tuple(np.geomspace(1e-8, 30.0, 40)),
    revive_at: float = 2.0,
) -> dict[str, np.ndarray | float]:
    """The loss around a network whose hidden layer ``layer`` is dead on every example of ``X``.

    Works on a copy: the output bias is first set to its optimum (:func:`optimal_constant_output`),
    which makes the point stationary. Then, for every unit ``j`` of the dead layer, with margin
    ``m_j = -max_x z_j`` (how far its bias is from the edge):

    - ``bias_curve`` ``(n_units, len(s))``: loss change when its bias is raised by ``s * m_j``, the
      outgoing weights as they are (``s <= 1``: still dead, so exactly 0; ``s > 1``: the unit is
      active on some examples and the loss moves, up or down);
    - an *exit path* of three legs: (1) its outgoing weights to zero, (2) its bias raised by
      ``revive_at * m_j`` (alive on some examples, but with zero outgoing weights the output is
      unchanged), (3) its outgoing weights along minus their gradient, ``t`` in ``out_steps``
      (a line search; the loss is convex in ``t``, and its best ``t`` can be tiny when the revived
      unit's gradient is small, hence steps from 1e-8). ``exit_rise`` ``(n_units,)``: largest
      loss change on legs 1-2 and leg 3 up to its best ``t`` (0 means the path never climbs);
      ``exit_drop``: the best loss on leg 3 minus the plateau's (negative: the exit leads down);
      ``exit_curve`` ``(n_units, len(out_steps))``: the loss change along leg 3 (``out_steps``:
      the lengths ``t`` of the outgoing weights).

    Also returned: ``loss`` (the plateau's, nats), ``grad_hidden`` (largest ``|gradient|`` of any
    parameter but the output bias: exactly 0 on a dead layer's plateau), ``grad_out_bias`` (norm of
    the output bias's gradient at the optimum), ``margin`` ``(n_units,)`` and ``s``.
    """
    work = net.copy()
    Z = work.pre_activations(X)[layer]
    if np.any(Z > 0):
        raise ValueError(f"Hidden layer {layer} is not dead on every example of X.")
    optimal_constant_output(work, X, y)
    work.loss_and_grad(X, y)
    grads = work.grads()
    grad_hidden = max(float(np.abs(g).max()) for g in grads[:-1])
    grad_out_bias = float(np.linalg.norm(grads[-1]))
    lay, nxt = work.layers[layer], work.layers[layer + 1]
    h_in = np.asarray(X, float) if layer == 0 else work.hidden_outputs(X)[layer - 1]
    tail = work.layers[layer + 1:]
    loss_fn = _losses.get("cross_entropy")
    width = lay.W.shape[1]

    def loss_with(j: int, bias: float) -> float:
        """The loss with unit ``j`` at bias ``bias`` (only its column of the layer can be nonzero)."""
        h = np.zeros((len(h_in), width))
        h[:, j] = np.maximum(h_in @ lay.W[:, j] + bias, 0.0)
        for t in tail:
            h = t.forward(h)
        return float(loss_fn(h, y)[0])

    base = loss_with(0, float(lay.b[0]))  # every unit dead: the plateau's loss
    margin = -Z.max(axis=0)
    s = np.asarray(s, dtype=float)
    bias_curve = np.zeros((width, len(s)))
    rise, drop = np.zeros(width), np.zeros(width)
    exit_curve = np.zeros((width, len(out_steps)))
    for j in range(width):
        b0, w_out = float(lay.b[j]), nxt.W[j].copy()
        bias_curve[j] = [loss_with(j, b0 + sk * margin[j]) - base for sk in s]
        nxt.W[j] = 0.0
        legs = [loss_with(j, b0) - base, loss_with(j, b0 + revive_at * margin[j]) - base]
        lay.b[j] = b0 + revive_at * margin[j]
        work.loss_and_grad(X, y)
        g = nxt.dW[j].copy()
        direction = -g / max(float(np.linalg.norm(g)), 1e-300)
        leg3 = []
        for t in out_steps:
            nxt.W[j] = t * direction
            leg3.append(loss_with(j, lay.b[j]) - base)
        exit_curve[j] = leg3
        best = int(np.argmin(leg3))
        rise[j] = max(max(legs), max(leg3[: best + 1]), 0.0)
        drop[j] = leg3[best]
        lay.b[j], nxt.W[j] = b0, w_out
    return {"loss": base, "grad_hidden": grad_hidden, "grad_out_bias": grad_out_bias,
            "margin": margin, "s": s, "bias_curve": bias_curve, "exit_rise": rise,
            "exit_drop": drop, "exit_curve": exit_curve, "out_steps": np.asarray(out_steps, float)}


# ---------------------------------------------------------------------------------------------
# The microscope and the explorer
# ---------------------------------------------------------------------------------------------

def compute(
    lr: float,
    bias: float,
    *,
    seed: int = 0,
    n: int = 300,
    sizes: Sequence[int] = (2, 16, 16, 3),
    epochs: int = 20,
    batch_size: int = 32,
) -> dict[str, np.ndarray]:
    """The explorer's computation: train a ReLU net on spirals with SGD at ``lr``, every hidden
    bias starting at ``bias``; report what the microscope and the dead-fraction plot need.

    Pure and deterministic (everything is seeded by ``seed``). Returns ``X (n, 2)``, ``y (n,)``,
    ``W0, b0`` (first layer at initialisation, ``(2, width)`` and ``(width,)``), ``W, b`` (after
    training), ``dead0, dead`` (first-layer dead masks before and after), ``dead_curve``
    (``(epochs + 1, depth)``, fraction dead per hidden layer after each epoch), ``accuracy``
    (``(epochs + 1,)``) and ``diverged``.
    """
    X, y = _data.spirals(n, seed=seed)
    depth = len(sizes) - 2
    net = MLP(list(sizes), "relu", bias=[bias] * depth + [0.0], seed=seed)
    W0, b0 = net.layers[0].W.copy(), net.layers[0].b.copy()
    hist = fit(net, X, y, optimizer=_optim.SGD(lr), epochs=epochs, batch_size=batch_size,
               seed=seed, on_divergence="stop", on_epoch=dead_recorder(X))
    W, b = net.layers[0].W.copy(), net.layers[0].b.copy()
    return {
        "X": X, "y": y, "W0": W0, "b0": b0, "W": W, "b": b,
        "dead0": dead_units(X @ W0 + b0), "dead": dead_units(X @ W + b),
        "dead_curve": np.array(hist["dead"]), "accuracy": np.array(hist.accuracy, float),
        "diverged": hist.diverged, "lr": lr, "bias": bias,
    }


# Chapter 3's figures moved to the course tooling (dying_relu.plots, issue 11): the experiments
# layer imports only the numeric core. These names stay importable from here, looked up lazily,
# for the notebooks until they import them from plots.
_MOVED = {"draw_microscope": "plots", "draw_explorer": "plots"}


def __getattr__(name: str) -> object:
    if name in _MOVED:
        return getattr(importlib.import_module(f"{__package__}.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
