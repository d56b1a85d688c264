"""Dying ReLU today: the experiments of Chapter 5 ("Dying ReLU today").

Each function is one experiment of the chapter, small enough to run in seconds on one core:

- :func:`dying_run` / :func:`dying_study`: train one activation (ReLU, Leaky ReLU, ELU, GELU,
  SiLU, Mish, SELU, softplus) in one of Chapter 4's killing settings (:data:`KILLING_SETTINGS`)
  and count, over the whole training set, the hidden units that are never positive and those that
  are *effectively dead* (``|f'(z)|`` below a thousandth of the steepest slope on every example,
  :func:`dying_relu.diagnostics.effectively_dead_mask`).
- :func:`born_dead_nets`: deep, narrow He-initialised ReLU nets at initialisation, each built
  twice from the same weights, plain and with identity paths (``MLP(..., residual=True)``): how
  many have a dead layer, and how many compute a constant (Chapter 3's "born dead").
- :func:`arch_run` / :data:`ARCHITECTURES`: Chapter 4's killing settings trained with batch
  normalisation, layer normalisation or identity paths (same data, budget and initial weights).
- :func:`norm_dead_unit`: what batch and layer normalisation do to a unit whose pre-activation
  is negative on every example, and to a shift shared by all the units of a layer.
- :func:`rate_interval`: Wilson's 95% interval for a rate ``k / n``.
- :func:`data_mean_dead`: inputs whose mean is large compared with their spread kill
  He-initialised units at initialisation, before any training (and centring revives them).
- :func:`plasticity_run`: a sequence of permuted-digits tasks (Dohare et al. 2024) trained one
  after the other with one Adam optimiser; per task the test accuracy and the dead, effectively
  dead and tau-dormant shares; the variants in :data:`PLASTICITY_VARIANTS` (ReDo after every task,
  Leaky ReLU, a smaller learning rate, GELU, SiLU).
- :func:`sparsity_run`: the activation sparsity a ReLU MLP reaches in training and the share of
  multiply-adds a sparse kernel could skip (:func:`skippable_share`).
- :func:`init_signal`: the mean square pre-activation and the dead share per layer of a deep
  ReLU stack with PyTorch's default ``nn.Linear`` initialisation (:func:`dying_relu.init.torch_default`)
  against He's.
- :func:`data_mean_frame`: the pure function behind the chapter's explorer.

Shapes: "per layer" arrays have one entry per hidden layer; "per task" arrays one per task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import activations as _act
from . import data as _data
from . import diagnostics as _diag
from . import init as _init
from . import redo as _redo
from . import seeding as _seeding
from .blas import blas_threads
from .nn import MLP, BatchNorm, LayerNorm
from .optim import SGD, Adam
from .problems import SETTINGS, Setting
from .train import fit

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "KILLING_SETTINGS",
    "PLASTICITY_VARIANTS",
    "ArchRun",
    "Architecture",
    "BornDead",
    "DyingRun",
    "PlasticityRun",
    "Variant",
    "activation",
    "arch_run",
    "born_dead_nets",
    "data_mean_dead",
    "data_mean_frame",
    "dying_run",
    "dying_study",
    "init_signal",
    "norm_dead_unit",
    "plasticity_run",
    "rate_interval",
    "skippable_share",
    "sparsity_run",
]

#: the activations compared in the chapter (see :func:`activation` for their parameters)
ACTIVATIONS: tuple[str, ...] = (
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "mish",
    "selu",
    "softplus",
)
_PARAMS: dict[str, dict] = {
    "leaky_relu": {"alpha": 0.01},
    "elu": {"alpha": 1.0},
    "gelu": {"approximate": "tanh"},
}

#: Chapter 4's three settings known to kill ReLU units (high learning rate, negative bias, deep-narrow)
KILLING_SETTINGS: tuple[Setting, ...] = tuple(
    s for s in SETTINGS if s.key in ("highlr", "negbias", "deepnarrow")
)


def _by_key(value: Any, items: Sequence[Any], kind: str) -> Any:
    """``value`` if it is already one of ``items``' type, else the item whose ``key`` it is."""
    if isinstance(value, type(items[0])):
        return value
    for item in items:
        if item.key == value:
            return item
    raise KeyError(f"No {kind} {value!r}; known: {', '.join(item.key for item in items)}.")


def _setting(key: str | Setting) -> Setting:
    return _by_key(key, SETTINGS, "setting")


def activation(name: str) -> _act.Activation:
    """The activation the chapter's training experiments use under ``name``: Leaky ReLU with
    PyTorch's default slope 0.01, ELU with alpha 1, and GELU in its tanh form (as PyTorch's
    ``approximate="tanh"``, GPT-2 and BERT; within about 5e-4 of ``x Phi(x)`` everywhere and several
    times cheaper than the library's exact form, which the chapter's cost table also times)."""
    if name not in _act.available():
        raise ValueError(f"Unknown activation {name!r}; known: {', '.join(_act.available())}.")
    return _act.get(name, **_PARAMS.get(name, {}))


_activation = activation  # for functions whose argument is called ``activation``


def _build(sizes: Sequence[int], act: _act.Activation, seed: int, bias_shift: float, dtype) -> MLP:
    """What ``fixes.Fix.build`` builds for a He-initialised fix: hidden biases ``bias_shift``."""
    n_hidden = len(sizes) - 2
    return MLP(
        list(sizes),
        act,
        init="he",
        bias=[float(bias_shift)] * n_hidden + [0.0],
        seed=seed,
        dtype=dtype,
    )


# ---------------------------------------------------------------------------------------------
# 1. Do smooth activations die?
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DyingRun:
    """One training run of :func:`dying_run` (shares pooled over all hidden units).

    Attributes:
        setting, activation, seed: what was run.
        never_positive: share of hidden units with ``z <= 0`` on every training example, at the end.
        effectively_dead: share with ``|f'(z)| < threshold * max|f'|`` on every training example.
        effectively_dead_start: the same at initialisation.
        test_accuracy: on the setting's held-out test set.
        diverged: the loss became NaN or infinite (the shares are then NaN).
    """

    setting: str
    activation: str
    seed: int
    never_positive: float
    effectively_dead: float
    effectively_dead_start: float
    test_accuracy: float
    diverged: bool


def _pooled(masks: Sequence[np.ndarray]) -> float:
    return float(sum(int(m.sum()) for m in masks) / sum(m.size for m in masks))


def dying_run(
    setting: str | Setting,
    activation: str,
    seed: int,
    *,
    threshold: float = _diag.DEFAULT_THRESHOLD,
    dtype: type | np.dtype = np.float32,
) -> DyingRun:
    """Train ``activation`` in a Chapter 4 ``setting`` (same data, sizes, He initialisation, bias
    shift, SGD learning rate and budget as ``fixes.train_run``) and measure its dying units.

    Args:
        setting: a key of :data:`dying_relu.fixes.SETTINGS` (``"highlr"``, ``"negbias"``,
            ``"deepnarrow"``, ``"digits"``) or a :class:`~dying_relu.fixes.Setting`.
        activation: a registered activation name, with the parameters of :func:`activation`.
        seed: initial weights and mini-batch order.
        threshold: the relative slope below which a unit counts as effectively dead.
    """
    s = _setting(setting)
    split = s.load()
    X, y = split.X_train, split.y_train
    net = _build(s.sizes(), _activation(activation), seed, s.bias_shift, dtype)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), blas_threads(1):
        start = _pooled([st.effectively_dead(threshold) for st in _diag.unit_stats(net, X)])
        hist = fit(
            net,
            X,
            y,
            optimizer=SGD(s.lr),
            epochs=s.epochs,
            batch_size=s.batch_size,
            seed=seed,
            on_divergence="stop",
        )
        if hist.diverged:
            never = eff = acc = float("nan")
        else:
            stats = _diag.unit_stats(net, X)
            never = _pooled([st.never_positive for st in stats])
            eff = _pooled([st.effectively_dead(threshold) for st in stats])
            acc = float(np.mean(net.predict(split.X_test) == split.y_test))
    return DyingRun(s.key, activation, int(seed), never, eff, start, acc, bool(hist.diverged))


def dying_study(
    settings: Sequence[str | Setting] = KILLING_SETTINGS,
    activations: Sequence[str] = ACTIVATIONS,
    seeds: Sequence[int] = range(5),
    *,
    threshold: float = _diag.DEFAULT_THRESHOLD,
) -> dict[tuple[str, str], list[DyingRun]]:
    """:func:`dying_run` for every setting, activation and seed: ``{(setting, activation): runs}``
    with one :class:`DyingRun` per seed, in the order of ``seeds``."""
    out: dict[tuple[str, str], list[DyingRun]] = {}
    for st in settings:
        s = _setting(st)
        for act in activations:
            out[s.key, act] = [dying_run(s, act, seed, threshold=threshold) for seed in seeds]
    return out


# ---------------------------------------------------------------------------------------------
# 2. Architectures: identity paths and layer normalisation
# ---------------------------------------------------------------------------------------------


def rate_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's score interval for a rate of ``k`` successes in ``n`` trials (95% with the default
    ``z``). Unlike ``p +- z se`` it stays inside [0, 1] and is not empty at ``k = 0``: there its
    upper end is about ``z**2 / n`` (close to the "rule of three", ``3 / n``, at 95%)."""
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k = {k}, n = {n}.")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


@dataclass(frozen=True)
class BornDead:
    """The nets of :func:`born_dead_nets`, one entry per seed (arrays ``(n_nets,)``).

    Attributes:
        width, depth: hidden width and number of hidden layers.  seeds: one per net.
        plain_dead_layer, res_dead_layer: some hidden layer has every unit at ``z <= 0`` on every
            input (plain net; the same weights with identity paths).
        plain_dead_layers, res_dead_layers: how many hidden layers are dead that way.
        plain_collapsed, res_collapsed: the output is the same on every input (a constant).
    """

    width: int
    depth: int
    seeds: np.ndarray
    plain_dead_layer: np.ndarray
    plain_dead_layers: np.ndarray
    plain_collapsed: np.ndarray
    res_dead_layer: np.ndarray
    res_dead_layers: np.ndarray
    res_collapsed: np.ndarray

    @property
    def n(self) -> int:
        """Number of nets."""
        return len(self.seeds)

    def rate(self, key: str) -> float:
        """Share of the nets for which ``key`` (a boolean attribute) is True."""
        return float(np.mean(getattr(self, key)))

    def interval(self, key: str) -> tuple[float, float]:
        """Wilson 95% interval of :meth:`rate` (:func:`rate_interval`)."""
        return rate_interval(int(np.sum(getattr(self, key))), self.n)


def _collapsed(out: np.ndarray) -> bool:
    """The output is the same on every input, up to rounding."""
    out = np.asarray(out, dtype=np.float64)
    return bool(np.ptp(out) <= 1e-12 * (1.0 + np.abs(out).max()))


def born_dead_nets(
    width: int, depth: int, seeds: Sequence[int], *, n_points: int = 256
) -> BornDead:
    """Chapter 3's born-dead question, with and without identity paths (issue 13, item 2).

    Lu et al.'s set-up: 1-D inputs uniform on ``[-sqrt 3, sqrt 3]`` (``n_points`` of
    :func:`dying_relu.data.abs_regression`), ``depth`` hidden ReLU layers of ``width`` units,
    He-normal weights, zero biases, float64. Each seed builds one plain :class:`~dying_relu.nn.MLP`
    and one ``MLP(..., residual=True)`` from the *same* weights (the residual option draws nothing
    extra); in the residual net every hidden layer but the first (``1 -> width``, whose widths
    differ) is a block ``out = x + relu(x W + b)``. Dead layers are counted with
    :func:`dying_relu.diagnostics.dead_mask` (``z <= 0`` on every input).
    """
    if int(width) < 1 or int(depth) < 1 or int(n_points) < 2:
        raise ValueError(f"width, depth must be >= 1 and n_points >= 2, got {width}, {depth}, {n_points}.")
    X = _data.abs_regression(int(n_points), rng=_seeding.rng(0))[0]
    sizes = [1] + [int(width)] * int(depth) + [1]
    rows = []
    with np.errstate(over="ignore", invalid="ignore"), blas_threads(1):
        for seed in seeds:
            row = []
            for residual in (False, True):
                net = MLP(sizes, "relu", init="he", seed=int(seed), residual=residual, dtype=np.float64)
                n_dead = sum(bool(m.all()) for m in _diag.dead_mask(net, X))
                row += [n_dead > 0, n_dead, _collapsed(net.forward(X)[:, 0])]
            rows.append(row)
    arr = np.array(rows, dtype=np.int64).reshape(-1, 6)
    return BornDead(
        int(width), int(depth), np.array([int(s) for s in seeds]),
        arr[:, 0].astype(bool), arr[:, 1], arr[:, 2].astype(bool),
        arr[:, 3].astype(bool), arr[:, 4], arr[:, 5].astype(bool),
    )


@dataclass(frozen=True)
class Architecture:
    """A way of building the hidden layers of a ReLU network (:func:`arch_run`).

    Attributes:
        key, label: identifier and description.
        norm: ``None``, ``"batch"`` (:class:`~dying_relu.nn.BatchNorm`, per unit over the batch) or
            ``"layer"`` (:class:`~dying_relu.nn.LayerNorm`, per example over the layer's units).
        residual: identity paths ``out = x + relu(z)`` around every hidden layer whose widths match.
    """

    key: str
    label: str
    norm: str | None = None
    residual: bool = False


#: the architectures compared in the chapter (all ReLU, He-initialised, same weights per seed)
ARCHITECTURES: tuple[Architecture, ...] = (
    Architecture("plain", "ReLU"),
    Architecture("batch", "ReLU + batch norm", norm="batch"),
    Architecture("layer", "ReLU + layer norm", norm="layer"),
    Architecture("residual", "ReLU + identity paths", residual=True),
)


def _architecture(a: str | Architecture) -> Architecture:
    return _by_key(a, ARCHITECTURES, "architecture")


@dataclass(frozen=True)
class ArchRun:
    """One training run of :func:`arch_run` (shares pooled over all hidden units, on the training
    set).

    Attributes:
        setting, architecture, seed: what was run.
        never_active_start, never_active: share of hidden units with ``z <= 0`` on every training
            example, at initialisation (training mode) and after training (evaluation mode; NaN
            if the run diverged).
        dead_layer_start: some hidden layer is entirely dead at initialisation.
        test_accuracy: on the setting's test set (NaN if the run diverged).
        diverged: the loss became NaN or infinite.
    """

    setting: str
    architecture: str
    seed: int
    never_active_start: float
    never_active: float
    dead_layer_start: bool
    test_accuracy: float
    diverged: bool


def arch_run(
    setting: str | Setting,
    architecture: str | Architecture,
    seed: int,
    *,
    dtype: type | np.dtype = np.float32,
) -> ArchRun:
    """Train a ReLU network with ``architecture`` in a Chapter 4 ``setting``.

    Chapter 4's recipe (``fixes.train_run``): the setting's data, sizes, He initialisation with
    its bias shift, SGD at its learning rate for its epochs and batch size, mini-batch order from
    ``seed``; for the same ``seed`` every architecture starts from the same weights (the
    normalisations start at ``gamma = 1``, ``beta = 0``). At initialisation the never-active share
    is measured in training mode (batch norm normalising with the statistics of the whole training
    set, as its first steps do); after training, in evaluation mode (batch norm with its running
    statistics), like the test accuracy.
    """
    s, a = _setting(setting), _architecture(architecture)
    split = s.load()
    X, y = split.X_train, split.y_train
    sizes = s.sizes()
    n_hidden = len(sizes) - 2
    net = MLP(sizes, "relu", init="he", bias=[float(s.bias_shift)] * n_hidden + [0.0], seed=seed,
              dtype=dtype, norm=a.norm, residual=a.residual)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), blas_threads(1):
        masks = _diag.dead_mask(net, X)  # training mode: batch norm with the statistics of X
        start = _pooled(masks)
        dead_layer = any(bool(m.all()) for m in masks)
        hist = fit(net, X, y, optimizer=SGD(s.lr), epochs=s.epochs, batch_size=s.batch_size,
                   seed=seed, on_divergence="stop")
        net.eval()
        if hist.diverged:
            never = acc = float("nan")
        else:
            never = _pooled(_diag.dead_mask(net, X))
            acc = float(np.mean(net.predict(split.X_test) == split.y_test))
    return ArchRun(s.key, a.key, int(seed), start, never, dead_layer, acc, bool(hist.diverged))


def norm_dead_unit(
    shift: float = -4.0, *, width: int = 64, n: int = 512, d: int = 8, seed: int = 0
) -> dict[str, dict[str, float]]:
    """What batch and layer normalisation do to units pushed to the negative side.

    One He-initialised layer ``u = x W + b`` (``x`` standard normal, ``(n, d)``; ``W (d, width)``)
    in two cases: ``"one unit"``, only unit 0's bias is ``shift`` (it alone is pushed down, as a
    large update pushes one unit), and ``"every unit"``, every bias is ``shift`` (a shift the whole
    layer shares, Chapter 3's negative bias). Each case goes through no normalisation, batch
    normalisation (training mode: per unit, over the ``n`` examples) and layer normalisation (per
    example, over the ``width`` units), both at ``gamma = 1, beta = 0``.

    Returns:
        ``{case: {key: share}}`` for ``case`` in ``"one unit"``, ``"every unit"``, with keys
        ``"<norm>:unit0"`` (the share of the ``n`` examples on which unit 0 has ``z > 0``) and
        ``"<norm>:dead"`` (the share of the ``width`` units with ``z <= 0`` on every example), for
        ``<norm>`` in ``none``, ``batch``, ``layer``.
    """
    if int(width) < 2 or int(n) < 2 or int(d) < 1:
        raise ValueError(f"need width >= 2, n >= 2 and d >= 1, got {width}, {n}, {d}.")
    if not np.isfinite(shift):
        raise ValueError(f"shift must be a finite number, got {shift}.")
    gen = _seeding.rng(seed)
    X = gen.standard_normal((int(n), int(d)))
    W = _init.he_normal(int(d), int(width), gen)
    out: dict[str, dict[str, float]] = {}
    for case in ("one unit", "every unit"):
        b = np.zeros(int(width))
        if case == "one unit":
            b[0] = float(shift)
        else:
            b[:] = float(shift)
        u = X @ W + b
        zs = {
            "none": u,
            "batch": BatchNorm(int(width), np.float64).forward(u).copy(),
            "layer": LayerNorm(int(width), np.float64).forward(u).copy(),
        }
        row: dict[str, float] = {}
        for name, z in zs.items():
            row[f"{name}:unit0"] = float(np.mean(z[:, 0] > 0))
            row[f"{name}:dead"] = float(np.mean(~np.any(z > 0, axis=0)))
        out[case] = row
    return out


# ---------------------------------------------------------------------------------------------
# 3. The data kills units too
# ---------------------------------------------------------------------------------------------


def data_mean_dead(
    ratios: Sequence[float],
    *,
    width: int = 1024,
    n: int = 1000,
    d: int = 64,
    seed: int = 0,
    centre: bool = False,
) -> dict[str, np.ndarray]:
    """Dead units at initialisation in a He-initialised ReLU layer, for inputs with a large mean.

    Every input feature is ``r + N(0, 1)``: mean ``r`` (the same for every feature), spread 1, so
    ``r`` is the mean-to-spread ratio. One layer of ``width`` units with He weights
    ``N(0, 2 / d)`` and zero biases sees ``n`` such examples; the same weights and noise are used for
    every ``r`` (only the mean moves). With ``centre`` the features are centred (their mean over the
    ``n`` examples subtracted) first.

    Returns:
        ``"dead"``: the share of units with ``z <= 0`` on every example, ``(len(ratios),)``;
        ``"one_sign"``: the share whose ``z`` has the same sign on every example (dead, or
        positive everywhere and therefore a linear unit), ``(len(ratios),)``;
        ``"active"``: per ratio, each unit's share of examples with ``z > 0``, ``(len(ratios), width)``.
    """
    if int(width) < 1 or int(n) < 1 or int(d) < 1:
        raise ValueError(f"width, n and d must be >= 1, got {width}, {n}, {d}.")
    gen = _seeding.rng(seed)
    noise = gen.standard_normal((int(n), int(d)))
    W = _init.he_normal(int(d), int(width), gen)
    dead, one_sign, active = [], [], []
    for r in ratios:
        if not np.isfinite(r):
            raise ValueError(f"ratios must be finite numbers, got {r}.")
        X = noise + float(r)
        if centre:
            X = X - X.mean(axis=0)
        Z = X @ W
        pos = np.mean(Z > 0, axis=0)
        dead.append(float(np.mean(pos == 0)))
        one_sign.append(float(np.mean((pos == 0) | (pos == 1))))
        active.append(pos)
    return {"dead": np.array(dead), "one_sign": np.array(one_sign), "active": np.array(active)}


def data_mean_frame(ratio: float, centre: bool, *, width: int = 1024, seed: int = 0) -> dict:
    """The explorer's data for one frame: ``{"active": (width,) share of examples on which each
    unit is active, "dead": share of dead units, "one_sign": share of one-sign units}``."""
    res = data_mean_dead([ratio], width=width, seed=seed, centre=centre)
    return {
        "active": res["active"][0],
        "dead": float(res["dead"][0]),
        "one_sign": float(res["one_sign"][0]),
    }


# ---------------------------------------------------------------------------------------------
# 4. Dormant neurons and loss of plasticity
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One way of training the task sequence.

    Attributes:
        key, label: identifier and description.
        activation: hidden activation.  alpha: its parameter (Leaky slope), or None.
        lr: Adam's learning rate.  redo: reset the tau-dormant units after every task (ReDo).
        tau: the dormancy threshold for ReDo.
    """

    key: str
    label: str
    activation: str = "relu"
    alpha: float | None = None
    lr: float = 1e-2
    redo: bool = False
    tau: float = 0.1

    def act(self) -> _act.Activation:
        """The hidden activation (GELU in its tanh form, see :func:`activation`)."""
        if self.alpha is not None:
            return _act.get(self.activation, alpha=self.alpha)
        return activation(self.activation)


PLASTICITY_VARIANTS: tuple[Variant, ...] = (
    Variant("relu", "ReLU, Adam 1e-2"),
    Variant("redo", "ReLU + ReDo after each task", redo=True),
    Variant("leaky", "Leaky ReLU 0.01", "leaky_relu", 0.01),
    Variant("lowlr", "ReLU, Adam 1e-3", lr=1e-3),
    Variant("gelu", "GELU", "gelu"),
    Variant("silu", "SiLU", "silu"),
)


@dataclass
class PlasticityRun:
    """Per task of :func:`plasticity_run` (arrays ``(n_tasks,)``; shares pooled over hidden units,
    measured on the task's training set after training on it, before any ReDo reset).

    Attributes:
        variant, seed: what was run.
        accuracy: test accuracy on each task right after training on it.
        never_positive: share of hidden units with ``z <= 0`` on every example.
        never_active: share of hidden units whose output is exactly 0 on every example.
        effectively_dead: share with ``|f'(z)| < 1e-3 max|f'|`` on every example.
        dormant: share of tau-dormant units (``tau`` of the variant).
        reset: units reset by ReDo after each task (0 without ReDo).
        seconds: wall time of the whole run.
    """

    variant: str
    seed: int
    accuracy: np.ndarray
    never_positive: np.ndarray
    never_active: np.ndarray
    effectively_dead: np.ndarray
    dormant: np.ndarray
    reset: np.ndarray
    seconds: float = 0.0
    meta: dict = field(default_factory=dict)

    def first(self, k: int = 5, metric: str = "accuracy") -> float:
        """Mean of ``metric`` over the first ``k`` tasks."""
        return float(np.mean(getattr(self, metric)[:k]))

    def last(self, k: int = 5, metric: str = "accuracy") -> float:
        """Mean of ``metric`` over the last ``k`` tasks."""
        return float(np.mean(getattr(self, metric)[-k:]))


def _variant(v: str | Variant) -> Variant:
    if isinstance(v, Variant):
        return v
    for var in PLASTICITY_VARIANTS:
        if var.key == v:
            return var
    raise KeyError(f"No variant {v!r}; known: {', '.join(x.key for x in PLASTICITY_VARIANTS)}.")


def plasticity_run(
    variant: str | Variant,
    seed: int,
    *,
    n_tasks: int = 20,
    epochs: int = 2,
    hidden: Sequence[int] = (64, 64),
    batch_size: int = 64,
    dtype: type | np.dtype = np.float32,
) -> PlasticityRun:
    """Train one network on ``n_tasks`` permuted-digits tasks in turn
    (:func:`dying_relu.data.permuted_tasks`).

    One network and one Adam optimiser for the whole sequence (nothing is reset between tasks,
    except by ReDo); ``epochs`` epochs per task. The task permutations come from ``seed`` too.
    """
    import time

    v = _variant(variant)
    if int(n_tasks) < 1 or int(epochs) < 1:
        raise ValueError(f"n_tasks and epochs must be >= 1, got {n_tasks} and {epochs}.")
    tasks = _data.permuted_tasks(int(n_tasks), seed=seed)
    net = MLP([64, *hidden, 10], v.act(), init="he", seed=seed, dtype=dtype)
    opt = Adam(v.lr)
    rows: list[tuple[float, float, float, float, float, int]] = []
    t0 = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"), blas_threads(1):
        for k, task in enumerate(tasks):
            Xtr = task.X_train.astype(dtype)
            fit(
                net,
                Xtr,
                task.y_train,
                optimizer=opt,
                epochs=int(epochs),
                batch_size=batch_size,
                seed=seed * 1000 + k,
                on_divergence="stop",
            )
            acc = float(np.mean(net.predict(task.X_test.astype(dtype)) == task.y_test))
            stats = _diag.unit_stats(net, Xtr)
            npos = _pooled([st.never_positive for st in stats])
            never = _pooled([st.never_active for st in stats])
            eff = _pooled([st.effectively_dead() for st in stats])
            dorm = _pooled([st.dormant(v.tau) for st in stats])
            n_reset = 0
            if v.redo:
                masks = [st.dormant(v.tau) for st in stats]
                n_reset = sum(_redo.redo(net, masks, optimizer=opt))
            rows.append((acc, npos, never, eff, dorm, n_reset))
    arr = np.array(rows, dtype=np.float64)
    return PlasticityRun(
        v.key,
        int(seed),
        arr[:, 0],
        arr[:, 1],
        arr[:, 2],
        arr[:, 3],
        arr[:, 4],
        arr[:, 5].astype(int),
        time.perf_counter() - t0,
        {"n_tasks": int(n_tasks), "epochs": int(epochs), "hidden": tuple(hidden)},
    )


# ---------------------------------------------------------------------------------------------
# 5. Sparsity, and the work it could save
# ---------------------------------------------------------------------------------------------


def skippable_share(sizes: Sequence[int], zero_fractions: Sequence[float]) -> float:
    """Share of an MLP's multiply-adds whose input is exactly zero (a sparse kernel could skip them).

    Layer ``l`` (``sizes[l] -> sizes[l + 1]``) does ``sizes[l] * sizes[l + 1]`` multiply-adds per
    example; when a share ``p`` of its inputs is zero, ``p`` of them multiply a zero. The first
    layer's inputs are the data (not sparse): ``zero_fractions`` holds one share per *hidden*
    layer, ``len(sizes) - 2`` of them, each feeding the next layer.
    """
    sizes = [int(s) for s in sizes]
    zf = [float(p) for p in zero_fractions]
    if len(zf) != len(sizes) - 2:
        raise ValueError(
            f"Give one zero fraction per hidden layer: {len(sizes) - 2} for sizes {sizes}, "
            f"got {len(zf)}."
        )
    if any(not 0 <= p <= 1 for p in zf):
        raise ValueError(f"zero fractions are shares in [0, 1], got {zf}.")
    macs = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    skipped = sum(p * m for p, m in zip(zf, macs[1:], strict=True))
    return float(skipped / sum(macs))


def sparsity_run(
    activation: str = "relu",
    seed: int = 0,
    *,
    hidden: Sequence[int] = (128, 128),
    epochs: int = 5,
    lr: float = 1e-3,
) -> dict:
    """Train an MLP on the digits (Adam) and measure its activation sparsity on the test set.

    Returns ``{"zero_init", "zero_trained"}`` (per hidden layer, the share of exactly-zero outputs
    over test examples and units, at initialisation and after training), ``"skip_init"`` and
    ``"skip_trained"`` (:func:`skippable_share`), ``"test_accuracy"`` and ``"sizes"``.
    """
    split = _data.digits()
    sizes = [64, *hidden, 10]
    net = MLP(sizes, _activation(activation), init="he", seed=seed, dtype=np.float32)
    Xte = split.X_test.astype(np.float32)

    def zeros() -> list[float]:
        net.forward(Xte)
        return [float(np.mean(layer.h == 0)) for layer in net.hidden]

    with blas_threads(1):
        z0 = zeros()
        fit(
            net,
            split.X_train.astype(np.float32),
            split.y_train,
            optimizer=Adam(lr),
            epochs=epochs,
            batch_size=32,
            seed=seed,
        )
        z1 = zeros()
        acc = float(np.mean(net.predict(Xte) == split.y_test))
    return {
        "zero_init": np.array(z0),
        "zero_trained": np.array(z1),
        "skip_init": skippable_share(sizes, z0),
        "skip_trained": skippable_share(sizes, z1),
        "test_accuracy": acc,
        "sizes": sizes,
    }


# ---------------------------------------------------------------------------------------------
# 6. PyTorch's default initialisation on a deep ReLU stack
# ---------------------------------------------------------------------------------------------


def init_signal(
    init: str = "torch_default",
    *,
    biases: bool = True,
    depth: int = 10,
    width: int = 256,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Per hidden layer, at initialisation, on the digits' training images: ``"q"`` the mean
    square pre-activation ``E[z^2]``, ``"q_spread"`` its part that varies between examples (the
    mean over units of the variance over examples), and ``"dead"`` the share of units with ``z <= 0``
    on every image; each of shape ``(depth,)``.

    Args:
        init: ``"torch_default"`` (PyTorch's ``nn.Linear``) or ``"he"`` (zero biases).
        biases: with ``"torch_default"``, draw the biases as PyTorch does
            (:func:`dying_relu.init.torch_default_biases`); else zero.
    """
    X = _data.digits().X_train
    sizes = [X.shape[1], *[int(width)] * int(depth), 10]
    bias = _init.torch_default_biases(sizes) if (init == "torch_default" and biases) else 0.0
    net = MLP(sizes, "relu", init=init, bias=bias, seed=seed)
    net.forward(X)
    q = np.array([float(np.mean(layer.z**2)) for layer in net.hidden])
    spread = np.array([float(np.mean(layer.z.var(axis=0))) for layer in net.hidden])
    dead = np.array([float(np.mean(~np.any(layer.z > 0, axis=0))) for layer in net.hidden])
    return {"q": q, "q_spread": spread, "dead": dead}
