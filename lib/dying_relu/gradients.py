"""Per-layer gradient and activation statistics, and the variance theory behind them.

Introduced in Chapter 2 ("The one-sided vanishing gradient"); Chapters 3 and 4 reuse it.

Measurement
    :func:`layer_stats` runs one forward and backward pass of a network on a batch and returns a
    :class:`LayerStats`: one number per layer for the gradient norms ``||dW||``, the size of the
    back-propagated signal ``dL/dz``, the pre-activation statistics, the activation mean and spread,
    and the fraction of (example, unit) pairs whose local derivative ``f'(z)`` is exactly zero (or
    merely small). :func:`stats_hook` records it during :func:`~dying_relu.train.fit`.
    :func:`local_derivatives` returns the raw ``f'(z)`` values (for histograms).

Theory (infinitely wide layers, zero biases, weights ``N(0, s / fan_in)``)
    :func:`preact_theory` iterates the variance recursion of He et al. (2015)
    ``q_1 = s * mean(x**2)``, ``q_{l+1} = s * E[f(z)**2]`` with ``z ~ N(0, q_l)``: for ReLU
    ``E[relu(z)**2] = q / 2``, so ``q_{l+1} = (s / 2) q_l`` -- constant for He's ``s = 2``, halving
    for ``s = 1``. :func:`backward_gain` gives the matching backward factor ``s * E[f'(z)**2]`` by
    which the mean square of ``dL/dz`` is multiplied per layer (square layers), e.g. ``1`` for ReLU
    with ``s = 2`` and at most ``s / 16`` for the sigmoid.

Explorer
    :func:`compute` is the pure function behind Chapter 2's explorer: depth, activation and weight
    scale in (values, any depth >= 1 and any scale > 0), per-layer gradient statistics of a fresh
    network on the digits data out. :func:`explorer_data` runs it for the explorer's three
    activations at one setting and caches the result, so that a frame and its alt text (and a live
    redraw) compute each setting once. :data:`EXPLORER_DEPTHS` / :data:`EXPLORER_SCALES` are the
    book's precomputed frames, :data:`EXPLORER_DEPTH_RANGE` / :data:`EXPLORER_SCALE_RANGE` the
    range of the live sliders.

Conventions: a network with ``depth`` hidden layers has ``depth + 1`` layers (the last is the linear
output layer); every per-layer array of a :class:`LayerStats` has shape ``(depth + 1,)``, index 0 =
the first layer (next to the input). Gradients are those of the *mean* loss over the batch.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import activations as _act
from . import data as _data
from . import losses as _losses
from .nn import MLP

__all__ = [
    "EXPLORER_ACTIVATIONS",
    "EXPLORER_DEPTHS",
    "EXPLORER_DEPTH_RANGE",
    "EXPLORER_SCALES",
    "EXPLORER_SCALE_RANGE",
    "LayerStats",
    "backward_gain",
    "compute",
    "explorer_data",
    "gaussian_expectation",
    "layer_stats",
    "local_derivatives",
    "max_derivative",
    "preact_theory",
    "stats_hook",
]


# ---------------------------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerStats:
    """Statistics of one forward + backward pass, one entry per layer (input side first).

    Every array has shape ``(n_layers,)`` with ``n_layers = depth + 1``; the last entry is the
    linear output layer (local derivative 1). "Mean over entries" means over all examples of the
    batch and all units of the layer.

    Attributes:
        activation: activation label of each layer (``"identity"`` for the output layer).
        weight_grad_norm: Frobenius norm ``||dW||`` of the weight gradient.
        bias_grad_norm: Euclidean norm ``||db||`` of the bias gradient.
        weight_norm: Frobenius norm ``||W||`` of the weights.
        delta_rms: root mean square of ``dz = dL/dz`` over entries (the back-propagated signal).
        delta_abs_mean: mean of ``|dz|`` over entries.
        preact_mean: mean of the pre-activation ``z`` over entries.
        preact_var: variance of ``z`` about its overall mean.
        preact_sq: mean of ``z**2``: the "variance" of He et al. (2015), who take ``E[z] = 0``;
            this is the quantity :func:`preact_theory` predicts.
        act_mean, act_std: mean and standard deviation of the output ``h = f(z)``.
        local_grad_mean: mean local derivative ``f'(z)``.
        zero_grad_fraction: fraction of entries with ``f'(z) == 0`` exactly (for ReLU: ``z <= 0``).
            Such an example sends no gradient through that unit.
        small_grad_fraction: fraction of entries with ``f'(z) < small * max f'`` (``small`` given
            to :func:`layer_stats`, default 0.1): saturated sigmoid/tanh units count here too.
        loss: the batch loss.
    """

    activation: tuple[str, ...]
    weight_grad_norm: np.ndarray
    bias_grad_norm: np.ndarray
    weight_norm: np.ndarray
    delta_rms: np.ndarray
    delta_abs_mean: np.ndarray
    preact_mean: np.ndarray
    preact_var: np.ndarray
    preact_sq: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    local_grad_mean: np.ndarray
    zero_grad_fraction: np.ndarray
    small_grad_fraction: np.ndarray
    loss: float

    @property
    def n_layers(self) -> int:
        """Number of layers (hidden layers + the output layer)."""
        return len(self.activation)

    @property
    def layer(self) -> np.ndarray:
        """Layer numbers ``1..n_layers`` (1 = next to the input), for plotting."""
        return np.arange(1, self.n_layers + 1)

    def ratio(self, field: str = "weight_grad_norm") -> float:
        """First layer / last layer of a per-layer field, e.g. ``||dW_1|| / ||dW_out||``.

        Far below 1: gradients vanish on their way to the input; far above 1: they explode.
        """
        values = getattr(self, field)
        return float(values[0] / values[-1]) if values[-1] != 0 else float("inf")

    def hidden(self) -> LayerStats:
        """The same statistics without the output layer (arrays of shape ``(depth,)``)."""
        kw = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            kw[f.name] = value if f.name == "loss" else value[:-1]
        return LayerStats(**kw)

    def __repr__(self) -> str:
        return (
            f"LayerStats({self.n_layers} layers, loss={self.loss:.4g}, "
            f"||dW|| first/last={self.ratio():.3g})"
        )


_MAX_DERIVATIVE: dict[str, float] = {}


def max_derivative(activation: str | _act.Activation) -> float:
    """The largest value of the derivative ``f'`` on a fine grid of [-12, 12] (step 0.001).

    1/4 for the sigmoid, 1 for ReLU, tanh, Leaky ReLU and ELU. Cached per activation.
    """
    act = _act.get(activation)
    if act.label not in _MAX_DERIVATIVE:
        grid = np.linspace(-12.0, 12.0, 24_001)
        _MAX_DERIVATIVE[act.label] = float(np.max(act.grad(grid)))
    return _MAX_DERIVATIVE[act.label]


def local_derivatives(net: MLP, X: np.ndarray) -> list[np.ndarray]:
    """Local derivatives ``f'(z)`` of every hidden unit on every example of ``X``.

    Runs a forward pass. Returns one array of shape ``(n_examples, width)`` per hidden layer.
    For ReLU every value is exactly 0 or 1.
    """
    net.forward(X)
    return [layer.activation.grad(layer.z) for layer in net.hidden]


def layer_stats(
    net: MLP,
    X: np.ndarray,
    y: np.ndarray,
    loss: str | _losses.Loss = "cross_entropy",
    *,
    small: float = 0.1,
) -> LayerStats:
    """Measure per-layer gradient and activation statistics on one batch.

    Runs ``net.loss_and_grad(X, y, loss)`` (one forward and one backward pass; this overwrites the
    layers' cached ``z``, ``h``, ``dz`` and gradients, and changes no weight) and summarises every
    layer.

    Args:
        net: the network.
        X: inputs, shape ``(n, sizes[0])``.
        y: labels ``(n,)`` for cross-entropy, targets for ``"mse"``.
        loss: ``"cross_entropy"``, ``"mse"`` or a loss function.
        small: threshold for :attr:`LayerStats.small_grad_fraction`, relative to the largest value
            the activation's derivative takes.

    Returns:
        A :class:`LayerStats` with arrays of shape ``(depth + 1,)``.
    """
    if not 0 < small <= 1:
        raise ValueError(f"small must be in (0, 1], got {small}.")
    value = net.loss_and_grad(X, y, loss)
    rows: dict[str, list[float]] = {f.name: [] for f in dataclasses.fields(LayerStats)}
    labels = []
    for layer in net.layers:
        z, h, dz = layer.z, layer.h, layer.dz
        labels.append(layer.activation.label)
        rows["weight_grad_norm"].append(np.linalg.norm(layer.dW))
        rows["bias_grad_norm"].append(np.linalg.norm(layer.db))
        rows["weight_norm"].append(np.linalg.norm(layer.W))
        rows["delta_rms"].append(np.sqrt(np.mean(np.square(dz, dtype=np.float64))))
        rows["delta_abs_mean"].append(np.mean(np.abs(dz), dtype=np.float64))
        z_mean = np.mean(z, dtype=np.float64)
        z_sq = np.mean(np.square(z, dtype=np.float64))
        rows["preact_mean"].append(z_mean)
        rows["preact_sq"].append(z_sq)
        rows["preact_var"].append(max(z_sq - z_mean**2, 0.0))
        rows["act_mean"].append(np.mean(h, dtype=np.float64))
        rows["act_std"].append(np.std(h, dtype=np.float64))
        if layer.is_linear:
            rows["local_grad_mean"].append(1.0)
            rows["zero_grad_fraction"].append(0.0)
            rows["small_grad_fraction"].append(0.0)
        else:
            d = layer.activation.grad(z)
            rows["local_grad_mean"].append(np.mean(d, dtype=np.float64))
            rows["zero_grad_fraction"].append(np.mean(d == 0))
            threshold = small * max_derivative(layer.activation)
            rows["small_grad_fraction"].append(np.mean(d < threshold))
    arrays = {k: np.array(v, dtype=np.float64) for k, v in rows.items() if k not in ("activation", "loss")}
    return LayerStats(activation=tuple(labels), loss=float(value), **arrays)


def stats_hook(
    X: np.ndarray, y: np.ndarray, loss: str | _losses.Loss = "cross_entropy", key: str = "stats"
) -> Callable[[MLP, int], dict]:
    """An ``on_epoch`` hook for :func:`~dying_relu.train.fit` recording :func:`layer_stats`.

    ``hist = fit(net, X, y, ..., on_epoch=stats_hook(X[:256], y[:256]))``; then ``hist["stats"]``
    is a list of :class:`LayerStats`, index 0 = at initialisation.
    """
    return lambda net, epoch: {key: layer_stats(net, X, y, loss)}


# ---------------------------------------------------------------------------------------------
# Theory: variance propagation in wide networks
# ---------------------------------------------------------------------------------------------

_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(101)
_GH_WEIGHTS = _GH_WEIGHTS / np.sqrt(2 * np.pi)  # now sum(w * g(nodes)) = E[g(u)], u ~ N(0, 1)


def gaussian_expectation(fn: Callable[[np.ndarray], np.ndarray], q: np.ndarray | float) -> np.ndarray:
    """``E[fn(z)]`` for ``z ~ N(0, q)`` by 101-point Gauss-Hermite quadrature.

    ``q`` may be an array (any shape); the result has its shape. Exact for polynomials up to degree
    201; for the kink of ReLU-like functions use a closed form where one exists (see
    :func:`preact_theory`), the quadrature error there is below 1e-3 relative.
    """
    q = np.asarray(q, dtype=np.float64)
    z = np.sqrt(q)[..., None] * _GH_NODES
    return np.sum(fn(z) * _GH_WEIGHTS, axis=-1)


def _scales(scale: float | Sequence[float], depth: int) -> np.ndarray:
    s = np.asarray(scale, dtype=np.float64)
    if s.ndim == 0:
        s = np.full(depth, float(s))
    if s.shape != (depth,):
        raise ValueError(f"Give one variance scale or {depth} (one per hidden layer), got {s.shape}.")
    if np.any(s < 0) or not np.all(np.isfinite(s)):
        raise ValueError(f"Variance scales must be finite and >= 0, got {s}.")
    return s


def _second_moment(act: _act.Activation, q: np.ndarray) -> np.ndarray:
    """E[f(z)^2] for z ~ N(0, q), closed form for ReLU and Leaky ReLU."""
    if act.name == "relu":
        return q / 2
    if act.name == "leaky_relu":
        return q * (1 + act.params["alpha"] ** 2) / 2
    return gaussian_expectation(lambda z: np.square(act(z)), q)


def preact_theory(
    q_in: float | np.ndarray,
    depth: int,
    activation: str | _act.Activation = "relu",
    scale: float | Sequence[float] = 2.0,
) -> np.ndarray:
    """Predicted mean square pre-activation ``E[z_l**2]`` of hidden layers ``l = 1..depth``.

    Infinite-width theory (He et al. 2015; the mean-field recursion of Poole et al. 2016) for zero
    biases and weights ``N(0, s_l / fan_in)``::

        q_1 = s_1 * q_in,      q_{l+1} = s_{l+1} * E[f(z)**2],  z ~ N(0, q_l).

    For ReLU, ``E[relu(z)**2] = q / 2``: ``q_l = s q_in (s / 2)**(l - 1)``.

    Args:
        q_in: mean square of the input features, ``mean(x**2)``: a number, or an array with one
            value per example (then each example is propagated separately and the result is the
            mean over examples, which matches :attr:`LayerStats.preact_sq`).
        depth: number of hidden layers.
        activation: the hidden activation (name or :class:`Activation`).
        scale: ``s`` in ``Var[W] = s / fan_in``, one number or one per hidden layer.

    Returns:
        Array of shape ``(depth,)``.
    """
    if int(depth) != depth or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth}.")
    act = _act.get(activation)
    s = _scales(scale, int(depth))
    q = s[0] * np.atleast_1d(np.asarray(q_in, dtype=np.float64))
    if np.any(q < 0):
        raise ValueError("q_in is a mean square: it must be >= 0.")
    out = [q.mean()]
    for layer in range(1, int(depth)):
        q = s[layer] * _second_moment(act, q)
        out.append(q.mean())
    return np.array(out)


def backward_gain(
    q: float | np.ndarray,
    activation: str | _act.Activation = "relu",
    scale: float | Sequence[float] = 2.0,
) -> np.ndarray:
    """Per-layer factor ``s * E[f'(z)**2]``, ``z ~ N(0, q)``, of the mean square of ``dL/dz``.

    Going one layer towards the input through square layers (``fan_in == fan_out``) with weights
    ``N(0, s / fan_in)``, the back-propagated signal's mean square is multiplied by this factor
    (He et al. 2015, backward case; it assumes the weights of the backward pass are independent of
    the forward pass). ReLU: ``E[relu'(z)**2] = 1/2``, so the factor is ``s / 2`` (1 for He).
    Sigmoid: ``sigmoid' <= 1/4``, so the factor is at most ``s / 16``.

    Args:
        q: mean square pre-activation(s), e.g. the output of :func:`preact_theory`.
        activation: the hidden activation.
        scale: ``s``, one number or one per entry of ``q``.

    Returns:
        Array with the shape of ``np.atleast_1d(q)``.
    """
    act = _act.get(activation)
    q = np.atleast_1d(np.asarray(q, dtype=np.float64))
    s = np.broadcast_to(np.asarray(scale, dtype=np.float64), q.shape)
    if act.name == "relu":
        mean_sq = np.full_like(q, 0.5)
    elif act.name == "leaky_relu":
        mean_sq = np.full_like(q, (1 + act.params["alpha"] ** 2) / 2)
    else:
        mean_sq = gaussian_expectation(lambda z: np.square(act.grad(z)), q)
    return s * mean_sq


# ---------------------------------------------------------------------------------------------
# The explorer's pure compute function
# ---------------------------------------------------------------------------------------------


#: The explorer's activations, drawn side by side.
EXPLORER_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu")
#: The depths and weight scales of the book's precomputed frames.
EXPLORER_DEPTHS: tuple[int, ...] = (5, 10, 15, 20)
EXPLORER_SCALES: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
#: The live sliders' ranges (JupyterLab): any depth and any scale in these (inclusive).
EXPLORER_DEPTH_RANGE: tuple[int, int] = (1, 30)
EXPLORER_SCALE_RANGE: tuple[float, float] = (0.25, 16.0)


def _check_setting(depth: float, init_scale: float) -> None:
    if isinstance(depth, bool) or not isinstance(depth, (int, float, np.integer, np.floating)) \
            or not np.isfinite(depth) or int(depth) != depth or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}.")
    if isinstance(init_scale, bool) or not isinstance(init_scale, (int, float, np.integer, np.floating)) \
            or not np.isfinite(init_scale) or init_scale <= 0:
        raise ValueError(
            f"init_scale is s in Var[W] = s / fan_in: a finite number > 0, got {init_scale!r} "
            "(2 = He, 1 = LeCun)."
        )


@functools.lru_cache(maxsize=1)
def _digits_batch(n: int) -> tuple[np.ndarray, np.ndarray]:
    split = _data.digits()
    X, y = split.X_train[:n].copy(), split.y_train[:n].copy()
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def compute(
    depth: int,
    activation: str = "relu",
    init_scale: float = 2.0,
    *,
    width: int = 64,
    n_examples: int = 256,
    seed: int = 0,
) -> dict[str, np.ndarray | float]:
    """Per-layer gradient statistics of a fresh MLP on the digits data (Chapter 2's explorer).

    The network is ``64 -> width x depth -> 10`` with the given hidden activation, zero biases and
    weights ``N(0, init_scale / fan_in)`` in every layer (2 = He, 1 = LeCun, which equals Glorot
    for square layers). Statistics are for the cross-entropy loss on the first ``n_examples``
    training images of :func:`~dying_relu.data.digits`. Pure: same arguments, same result.

    Returns:
        A dict with ``layer`` (1..depth+1), ``grad_norm`` (``||dW||`` per layer), ``delta_rms``,
        ``preact_sq``, ``zero_grad_fraction``, ``small_grad_fraction`` (arrays of shape
        ``(depth + 1,)``) and ``ratio`` (``||dW_1|| / ||dW_out||``, a float).
    """
    _check_setting(depth, init_scale)
    X, y = _digits_batch(int(n_examples))
    net = MLP([X.shape[1]] + [int(width)] * int(depth) + [10], activation, init=float(init_scale),
              seed=seed)
    with np.errstate(over="ignore", under="ignore"):
        st = layer_stats(net, X, y)
    return {
        "layer": st.layer,
        "grad_norm": st.weight_grad_norm,
        "delta_rms": st.delta_rms,
        "preact_sq": st.preact_sq,
        "zero_grad_fraction": st.zero_grad_fraction,
        "small_grad_fraction": st.small_grad_fraction,
        "ratio": st.ratio(),
    }


@functools.lru_cache(maxsize=256)
def _explorer_cached(depth: int, init_scale: float) -> dict[str, dict[str, np.ndarray | float]]:
    out = {}
    for act in EXPLORER_ACTIVATIONS:
        res = compute(depth, act, init_scale)
        for value in res.values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        out[act] = res
    return out


def explorer_data(depth: int, init_scale: float) -> dict[str, dict[str, np.ndarray | float]]:
    """:func:`compute` for each of :data:`EXPLORER_ACTIVATIONS` at one setting (Chapter 2's explorer).

    Takes values, not positions: any whole ``depth >= 1`` and any ``init_scale > 0`` (the live
    sliders offer :data:`EXPLORER_DEPTH_RANGE` and :data:`EXPLORER_SCALE_RANGE`). Cached by
    setting, so drawing a frame and describing it compute it once; the arrays are read-only.

    Returns:
        ``{activation: compute(depth, activation, init_scale)}``.
    """
    _check_setting(depth, init_scale)
    return {act: dict(res) for act, res in _explorer_cached(int(depth), float(init_scale)).items()}
