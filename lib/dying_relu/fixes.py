"""The fixes for dying ReLUs, and a fair way to compare them (introduced in Chapter 4).

Chapter 4's experiments, and nothing else:

Fixes
    A :class:`Fix` is one way of building the same network differently: the activation (ReLU,
    Leaky ReLU, ELU, PReLU), a positive bias added to every hidden bias at initialisation, or the
    randomized asymmetric initialisation of Lu et al. (2019) (:class:`dying_relu.init.RAI`).
    :data:`FIXES` holds the chapter's nine, :data:`BATCHNORM` the batch-normalised ReLU;
    :func:`get_fix` finds one by key or label.

Settings
    A :class:`Setting` is a training problem known to kill ReLU units (Chapter 3): a high learning
    rate, a negative bias shift, a deep and narrow network; plus the real digits data.
    :data:`SETTINGS` holds the chapter's four.

The controlled comparison
    :func:`run_comparison` trains every fix in every setting for the same seeds (one run:
    :func:`train_run`, recorded in a :class:`Run`; all of them: a :class:`Comparison`). A seed fixes
    the data split, the initial weights (identical across fixes that share an initialiser) and the
    order of the mini-batches, so two fixes on the same seed differ *only* by the fix: differences
    can be compared seed by seed (:func:`judge`: a family of paired permutation tests with Holm's
    correction, :func:`dying_relu.stats.verdict_family`; the old :meth:`Comparison.verdict`, a
    paired t-test, is deprecated). Every run records, per epoch, the fraction of
    never-active hidden units (``z <= 0`` on every training example), the training loss, the mean
    activation of each hidden layer, and the time; at the end, the test accuracy.

Other measurements
    :func:`knockout_recovery` pushes one unit into the negative region on every input and watches
    whether it comes back; :func:`collapse_rate` counts networks that are born dead (a constant
    function) at initialisation, He against RAI; :func:`init_layer_stats` measures each hidden
    layer's mean output and pre-activation spread at initialisation; :func:`fix_costs` times each
    fix's activation (forward and backward) against ReLU. :func:`compute` is the pure function
    behind the chapter's explorer (a fix family and its strength, any value in
    :data:`EXPLORER_RANGE`; the frames precomputed for the static book at :data:`EXPLORER_VALUES`).

Many seeds
    The chapter's verdicts rest on more seeds than it can train while it runs: :func:`seed_rows`
    trains them (``scripts/make_ch4_seeds.py`` writes :data:`SEED_FILE`), :func:`load_seed_outcomes`
    reads them, :func:`seeds_agree` checks the seeds trained live against the file, and
    :func:`judge` (a family of paired comparisons, :func:`dying_relu.stats.verdict_family`) and
    :func:`family_power` judge them.

Mechanisms this chapter introduced and others share live in the numeric core: RAI in
:mod:`dying_relu.init`, the paired verdict in :mod:`dying_relu.stats`, BLAS thread control in
:mod:`dying_relu.blas`, the born-dead estimator in :mod:`dying_relu.diagnostics`; the fixes' plot
styles are course tooling, in :mod:`dying_relu.plots`. Their old names here (``fixes.RAI``,
``fixes.paired_verdict``, ``fixes.blas_threads``, ``fixes.fix_style``, ...) still work.

Shapes: a network with ``depth`` hidden layers; curves have ``epochs + 1`` entries (index 0 = before
training); per-seed arrays have one row per seed. Times are in seconds.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import activations as _act
from . import bench as _bench
from . import data as _data
from . import diagnostics as _diag
from . import nn as _nn
from . import seeding as _seeding
from . import stats as _stats
from .blas import _openblas, blas_threads  # noqa: F401 - _openblas: kept for old callers
from .init import RAI, beta_moments, rai_matrix, rai_sigma2
from .nn import MLP
from .optim import SGD
from .problems import SETTINGS, Setting
from .stats import Verdict, paired_verdict, t_critical
from .train import fit

__all__ = [
    "BATCHNORM",
    "EXPLORER_FAMILIES",
    "EXPLORER_LEVELS",
    "EXPLORER_RANGE",
    "EXPLORER_VALUES",
    "SEED_FILE",
    "SeedOutcomes",
    "FIXES",
    "RAI",
    "SETTINGS",
    "Comparison",
    "Fix",
    "Run",
    "Setting",
    "Verdict",
    "beta_moments",
    "blas_threads",
    "collapse_rate",
    "compute",
    "gate",
    "family_power",
    "judge",
    "load_seed_outcomes",
    "seed_rows",
    "seeds_agree",
    "fix_costs",
    "get_fix",
    "knockout_recovery",
    "init_layer_stats",
    "paired_verdict",
    "rai_matrix",
    "rai_sigma2",
    "run_comparison",
    "run_pairs",
    "t_critical",
    "train_run",
]


# ---------------------------------------------------------------------------------------------
# Born dead at initialisation: He against RAI
# ---------------------------------------------------------------------------------------------


def collapse_rate(
    width: int,
    depth: int,
    init: str = "he",
    *,
    n_nets: int = 1000,
    n_points: int = 256,
    seed: int = 0,
) -> float:
    """Fraction of random ReLU networks born dead: constant on the data at initialisation.

    The set-up of Lu et al. (2019): 1-D input ``x`` uniform on [-sqrt 3, sqrt 3]
    (:func:`~dying_relu.data.abs_regression`, ``n_points`` drawn first from the seeded generator),
    ``depth`` hidden layers of ``width`` ReLU units. A network is counted as collapsed when some
    hidden layer has every unit at ``z <= 0`` on every input: everything after it then sees a
    constant, so the network's output is constant. The estimator is the one Chapter 3 uses,
    :func:`dying_relu.diagnostics.born_dead_first_layer`, here run on all ``n_nets`` networks at
    once and on every one of the ``n_points`` inputs.

    Args:
        init: ``"he"`` (Gaussian ``N(0, 2 / fan_in)``, zero biases,
            :func:`dying_relu.init.he_layers`) or ``"rai"`` (:class:`~dying_relu.init.RAI`,
            :func:`dying_relu.init.rai_layers`).
    """
    if init not in ("he", "rai"):
        raise ValueError(f"init must be 'he' or 'rai', got {init!r}.")
    if int(width) < 1 or int(depth) < 1 or int(n_nets) < 1:
        raise ValueError("width, depth and n_nets must be >= 1.")
    rng = _seeding.rng(seed)
    x, _ = _data.abs_regression(n_points, rng=rng)
    first = _diag.born_dead_first_layer(int(width), int(depth), int(n_nets), x, rng, init=init,
                                        chunk=int(n_nets), reduce_points=False)
    return float(np.mean(first > 0))


# ---------------------------------------------------------------------------------------------
# Fixes and settings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """One way of building the network.

    Attributes:
        key: short identifier (used in glue names), e.g. ``"leaky01"``.
        label: human-readable name, e.g. ``"leaky 0.1"``.
        activation: activation name for the hidden layers (``"relu"``, ``"leaky_relu"``, ``"elu"``,
            ``"prelu"``).
        alpha: the activation's parameter (Leaky slope, ELU scale, PReLU's initial slope), or None.
        bias: added to every hidden bias at initialisation (the "positive bias" fix).
        init: ``"he"`` or ``"rai"``.
        batchnorm: batch-normalise every hidden layer's pre-activation (``MLP(..., batchnorm=True)``;
            not one of :data:`FIXES`: Chapter 4's batch-normalisation section uses :data:`BATCHNORM`).
    """

    key: str
    label: str
    activation: str = "relu"
    alpha: float | None = None
    bias: float = 0.0
    init: str = "he"
    batchnorm: bool = False

    def act(self) -> _act.Activation:
        """The hidden layers' :class:`~dying_relu.activations.Activation`."""
        if self.alpha is None:
            return _act.get(self.activation)
        return _act.get(self.activation, alpha=self.alpha)

    @property
    def family(self) -> str:
        """The series name for :func:`dying_relu.plots.style` (``"relu"``, ``"leaky_relu"``, ...)."""
        return self.activation

    def build(
        self,
        sizes: Sequence[int],
        seed: int,
        bias_shift: float = 0.0,
        dtype: type | np.dtype = np.float32,
    ) -> MLP:
        """An :class:`MLP` with this fix; hidden biases start at ``bias + bias_shift`` (plus RAI's own
        draw with ``init="rai"``), the output layer's at 0."""
        n_hidden = len(sizes) - 2
        shift = self.bias + bias_shift
        if self.init == "rai":
            rai = RAI()

            def hidden_bias(fan_out, rng, dtype=np.float64):
                return rai.bias(fan_out, rng, dtype) + np.asarray(shift, dtype=dtype)

            return MLP(sizes, self.act(), init=rai.init, bias=[hidden_bias] * n_hidden + [rai.bias],
                       seed=seed, dtype=dtype)
        if self.init != "he":
            raise ValueError(f"Fix.init must be 'he' or 'rai', got {self.init!r}.")
        if self.batchnorm:
            return MLP(sizes, self.act(), init="he", bias=[shift] * n_hidden + [0.0], seed=seed, dtype=dtype,
                       batchnorm=True)
        return MLP(sizes, self.act(), init="he", bias=[shift] * n_hidden + [0.0], seed=seed, dtype=dtype)


FIXES: tuple[Fix, ...] = (
    Fix("relu", "relu"),
    Fix("bias001", "relu + bias 0.01", bias=0.01),
    Fix("bias01", "relu + bias 0.1", bias=0.1),
    Fix("leaky001", "leaky 0.01", "leaky_relu", 0.01),
    Fix("leaky01", "leaky 0.1", "leaky_relu", 0.1),
    Fix("leaky018", "leaky 1/5.5", "leaky_relu", 1 / 5.5),
    Fix("elu", "elu", "elu", 1.0),
    Fix("prelu", "prelu (0.25)", "prelu", 0.25),
    Fix("rai", "relu + RAI", init="rai"),
)

#: ReLU with batch normalisation of every hidden layer (Chapter 4's section on batch normalisation);
#: it starts from the same weights as ``"relu"`` on the same seed.
BATCHNORM = Fix("relu_bn", "relu + batchnorm", batchnorm=True)


def get_fix(key: str) -> Fix:
    """The fix in :data:`FIXES` (or :data:`BATCHNORM`) with this key (or label)."""
    for fix in (*FIXES, BATCHNORM):
        if key in (fix.key, fix.label):
            return fix
    raise KeyError(f"No fix {key!r}; known: {', '.join(f.key for f in FIXES)}.")


def init_layer_stats(
    fix: Fix, sizes: Sequence[int], X: np.ndarray, seeds: Sequence[int] = range(5)
) -> dict[str, np.ndarray]:
    """Per hidden layer, at initialisation, for networks ``fix.build(sizes, seed)`` run on ``X``:
    ``"mean"``, the mean output over examples and units, and ``"z_std"``, the standard deviation of
    the pre-activations; each of shape ``(n_seeds, depth)``."""
    means, stds = [], []
    with blas_threads(1):
        for seed in seeds:
            net = fix.build(sizes, seed, dtype=np.float64)
            net.forward(X)
            means.append([float(layer.h.mean()) for layer in net.hidden])
            stds.append([float(layer.z.std()) for layer in net.hidden])
    return {"mean": np.array(means), "z_std": np.array(stds)}


# ---------------------------------------------------------------------------------------------
# One run, and the comparison
# ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    """Records of one training run.

    Attributes:
        setting, fix, seed: what was run.
        never_active: fraction of hidden units with ``z <= 0`` on every training example,
            pooled over layers, per epoch ``(epochs + 1,)``. For ReLU these units are dead (no
            gradient); for Leaky ReLU, ELU and PReLU they still learn.
        never_active_layers: the same per hidden layer, ``(epochs + 1, depth)``.
        loss: training loss (cross-entropy) per epoch ``(epochs + 1,)``; NaN after a divergence.
        mean_activation: mean of each hidden layer's output over examples and units,
            ``(epochs + 1, depth)``.
        test_accuracy: on the held-out test set after training.
        epoch_time: seconds per epoch of optimisation ``(epochs,)``.
        diverged: the loss became NaN or infinite (training stopped there).
        alpha: for PReLU, the learned slopes of each hidden layer at the end (else None).
        batchnorm: with batch normalisation (else None), per hidden layer at the end: ``"gamma"``,
            ``"beta"`` (each ``(width,)``), ``"dead_running"`` (never active on the training set
            with the running statistics, as in ``never_active``) and ``"dead_batch"`` (never active
            when the whole training set is normalised with its own statistics).
    """

    setting: str
    fix: str
    seed: int
    never_active: np.ndarray
    never_active_layers: np.ndarray
    loss: np.ndarray
    mean_activation: np.ndarray
    test_accuracy: float
    epoch_time: np.ndarray
    diverged: bool
    alpha: list[np.ndarray] | None = None
    batchnorm: dict[str, list[np.ndarray]] | None = None


def _bn_record(net: MLP, X: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Final gamma, beta and dead masks (running and batch statistics) of a batch-normalised net."""
    return {
        "gamma": [layer.gamma.copy() for layer in net.hidden],
        "beta": [layer.beta.copy() for layer in net.hidden],
        "dead_running": _diag.dead_mask(net.eval(), X),
        "dead_batch": _diag.dead_mask(net.copy().train(), X),
    }


def _pad(rows: list, length: int, width: int | None = None) -> np.ndarray:
    arr = np.asarray(rows, dtype=np.float64)
    shape = (length,) if width is None else (length, width)
    out = np.full(shape, np.nan)
    out[: len(arr)] = arr
    return out


def train_run(setting: Setting, fix: Fix, seed: int, dtype: type | np.dtype = np.float32) -> Run:
    """Train ``fix`` in ``setting`` with ``seed`` (initial weights and mini-batch order) and record.

    One extra forward pass on the training set per epoch measures the never-active fraction and the
    mean activation of every hidden layer (with batch normalisation: in evaluation mode, with the
    running statistics, as is the test accuracy). BLAS runs on one thread meanwhile (see
    :func:`blas_threads`).
    """
    split = setting.load()
    X, y = split.X_train, split.y_train
    net = fix.build(setting.sizes(), seed, setting.bias_shift, dtype)

    def hook(net: MLP, epoch: int) -> dict:
        never = _diag.dead_mask(net, X)  # runs the forward pass that mean_act reads below
        return {
            "never": [float(m.mean()) for m in never],
            "never_all": float(sum(int(m.sum()) for m in never) / sum(m.size for m in never)),
            "mean_act": [float(layer.h.mean()) for layer in net.hidden],
        }

    with np.errstate(over="ignore", invalid="ignore"), blas_threads(1):
        hist = fit(net, X, y, optimizer=SGD(setting.lr), epochs=setting.epochs,
                   batch_size=setting.batch_size, seed=seed, on_epoch=hook, on_divergence="stop")
        pred = net.eval().predict(split.X_test)  # running statistics for batch normalisation
        bn = _bn_record(net, X) if fix.batchnorm else None
    n_ep, depth = setting.epochs + 1, len(setting.hidden)
    loss = _pad(hist.loss, n_ep)
    loss[~np.isfinite(loss)] = np.nan
    alpha = [layer.alpha.copy() for layer in net.hidden] if fix.activation == "prelu" else None
    return Run(
        setting=setting.key,
        fix=fix.key,
        seed=seed,
        never_active=_pad(hist["never_all"], n_ep),
        never_active_layers=_pad(hist["never"], n_ep, depth),
        loss=loss,
        mean_activation=_pad(hist["mean_act"], n_ep, depth),
        test_accuracy=float(np.mean(pred == split.y_test)),
        epoch_time=_pad(hist.epoch_time[1:], n_ep - 1),
        diverged=bool(hist.diverged),
        alpha=alpha,
        batchnorm=bn,
    )


SCALARS = ("test_accuracy", "never_active", "never_active_start", "final_loss", "time_per_epoch")


@dataclass
class Comparison:
    """The results of :func:`run_comparison`: ``runs[(setting_key, fix_key)]`` is a list of
    :class:`Run`, one per seed (in the order of ``seeds``)."""

    settings: tuple[Setting, ...]
    fixes: tuple[Fix, ...]
    seeds: tuple[int, ...]
    runs: dict[tuple[str, str], list[Run]] = field(default_factory=dict)

    def setting(self, key: str) -> Setting:
        for s in self.settings:
            if s.key == key:
                return s
        raise KeyError(f"No setting {key!r}; known: {', '.join(s.key for s in self.settings)}.")

    def fix(self, key: str) -> Fix:
        for f in self.fixes:
            if key in (f.key, f.label):
                return f
        raise KeyError(f"No fix {key!r}; known: {', '.join(f.key for f in self.fixes)}.")

    def values(self, setting: str, fix: str, metric: str = "test_accuracy") -> np.ndarray:
        """One number per seed: ``"test_accuracy"``, ``"never_active"`` (at the end),
        ``"never_active_start"`` (at initialisation), ``"final_loss"`` or ``"time_per_epoch"``."""
        runs = self.runs[(setting, self.fix(fix).key)]
        if metric == "test_accuracy":
            return np.array([r.test_accuracy for r in runs])
        if metric == "never_active":
            return np.array([r.never_active[-1] for r in runs])
        if metric == "never_active_start":
            return np.array([r.never_active[0] for r in runs])
        if metric == "final_loss":
            return np.array([r.loss[-1] for r in runs])
        if metric == "time_per_epoch":
            return np.array([np.nanmean(r.epoch_time) for r in runs])
        raise ValueError(f"Unknown metric {metric!r}; use one of {', '.join(SCALARS)}.")

    def curve(self, setting: str, fix: str, metric: str = "loss") -> np.ndarray:
        """Per-epoch curves ``(n_seeds, epochs + 1)``: ``"loss"`` or ``"never_active"``."""
        if metric not in ("loss", "never_active"):
            raise ValueError(f"metric must be 'loss' or 'never_active', got {metric!r}.")
        return np.array([getattr(r, metric) for r in self.runs[(setting, self.fix(fix).key)]])

    def layer_means(self, setting: str, fix: str, epoch: int = -1) -> np.ndarray:
        """Mean activation of each hidden layer at ``epoch``, ``(n_seeds, depth)``."""
        return np.array([r.mean_activation[epoch] for r in self.runs[(setting, self.fix(fix).key)]])

    def n_diverged(self, setting: str, fix: str) -> int:
        return sum(r.diverged for r in self.runs[(setting, self.fix(fix).key)])

    def summary(self, setting: str, fix: str, metric: str = "test_accuracy") -> dict[str, float]:
        """``mean``, ``std`` (sample), ``min``, ``max`` of a per-seed metric."""
        v = self.values(setting, fix, metric)
        return {"mean": float(np.mean(v)), "std": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
                "min": float(np.min(v)), "max": float(np.max(v))}

    def verdict(self, setting: str, a: str, b: str = "relu", metric: str = "test_accuracy") -> Verdict:
        """Paired comparison of fix ``a`` against fix ``b`` on the same seeds."""
        fa, fb = self.fix(a), self.fix(b)
        return paired_verdict(self.values(setting, fa.key, metric), self.values(setting, fb.key, metric),
                              (fa.label, fb.label), metric)

    def table(self, metric: str = "test_accuracy", fmt: str = ".3f", spread: str = "std") -> str:
        """Plain-text table: one row per fix, one column per setting, ``mean ± std`` (or
        ``mean [min-max]`` with ``spread="range"``) over seeds."""
        if spread not in ("std", "range"):
            raise ValueError(f"spread must be 'std' or 'range', got {spread!r}.")
        width = 15 if spread == "std" else 20
        head = f"{'fix':<16}" + "".join(f"{s.key:>{width}}" for s in self.settings)
        lines = [head, "-" * len(head)]
        starred = False
        for f in self.fixes:
            row = f"{f.label:<16}"
            for s in self.settings:
                m = self.summary(s.key, f.key, metric)
                k = self.n_diverged(s.key, f.key)
                if np.isnan(m["mean"]):
                    cell = f"diverged {k}/{len(self.seeds)}"
                elif spread == "std":
                    cell = f"{m['mean']:{fmt}} ± {m['std']:{fmt}}"
                else:
                    cell = f"{m['mean']:{fmt}} [{m['min']:{fmt}}-{m['max']:{fmt}}]"
                if k and not np.isnan(m["mean"]):
                    cell += "*"
                    starred = True
                row += f"{cell:>{width}}"
            lines.append(row)
        if starred:
            lines.append("* some runs diverged (the loss became NaN or infinite)")
        return "\n".join(lines)


def run_comparison(
    settings: Sequence[Setting] = SETTINGS,
    fixes: Sequence[Fix] = FIXES,
    seeds: Sequence[int] = range(5),
    *,
    dtype: type | np.dtype = np.float32,
    progress: Callable | None = None,
    jobs: int | None = 1,
) -> Comparison:
    """Train every fix in every setting for every seed (``len(settings) * len(fixes) * len(seeds)``
    runs); see :func:`train_run`. ``progress`` optionally wraps the iterable of (setting, fix)
    pairs (e.g. :func:`dying_relu.progress.progress`). BLAS is limited to one thread meanwhile
    (faster for these small networks, and steady on a busy machine). ``jobs``: worker processes
    (``None``: one per CPU); the runs are the same whatever the number (see :func:`_train_pairs`)."""
    settings, fixes, seeds = tuple(settings), tuple(fixes), tuple(int(s) for s in seeds)
    if len(seeds) < 2:
        raise ValueError("Use at least 2 seeds (the chapter uses 5): a spread needs several runs.")
    result = Comparison(settings, fixes, seeds)
    pairs = [(s, f) for s in settings for f in fixes]
    result.runs.update(_train_pairs(pairs, seeds, dtype, progress, jobs))
    return result


def _train_job(task: tuple[str, str, int, type | np.dtype]) -> Run:
    """One :func:`train_run` from keys (what a worker process receives)."""
    setting_key, fix_key, seed, dtype = task
    setting = next(s for s in SETTINGS if s.key == setting_key)
    return train_run(setting, get_fix(fix_key), seed, dtype)


def _train_pairs(pairs: Sequence[tuple[Setting, Fix]], seeds: Sequence[int],
                 dtype: type | np.dtype, progress: Callable | None,
                 jobs: int | None) -> dict[tuple[str, str], list[Run]]:
    """``{(setting key, fix key): [train_run(...) for seed in seeds]}`` for every pair.

    With ``jobs > 1`` (``None``: one per CPU) the runs are spread over that many fresh worker
    processes (``spawn``: safe from a notebook kernel's threads), each with one BLAS thread and
    the parent's environment (numeric profile, seed offset): every run is seeded, so the results
    are those of a serial run. Pairs whose setting or fix is not one of the registered ones
    (:data:`dying_relu.problems.SETTINGS`, :func:`get_fix`) run in this process. From a script
    (not a notebook), call it under ``if __name__ == "__main__":``: ``spawn`` workers import the
    script again."""
    import os

    n = (os.cpu_count() or 1) if jobs is None else int(jobs)
    if n < 1:
        raise ValueError(f"jobs must be at least 1 (or None for one per CPU), got {jobs!r}.")
    pairs = list(pairs)
    by_key = {s.key: s for s in SETTINGS}

    def registered(s: Setting, f: Fix) -> bool:
        try:
            return by_key.get(s.key) == s and get_fix(f.key) == f
        except KeyError:
            return False

    shown = progress(pairs) if progress is not None else pairs
    out: dict[tuple[str, str], list[Run]] = {}
    parallel = n > 1 and len(pairs) * len(seeds) > 1 and all(registered(s, f) for s, f in pairs)
    if not parallel:
        with blas_threads(1):
            for s, f in shown:
                out[(s.key, f.key)] = [train_run(s, f, seed, dtype) for seed in seeds]
        return out
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    tasks = [(s.key, f.key, int(seed), dtype) for s, f in pairs for seed in seeds]
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the workers start with one BLAS thread (they inherit os.environ)
    try:
        with ProcessPoolExecutor(min(n, len(tasks)), mp_context=mp.get_context("spawn")) as pool:
            results = pool.map(_train_job, tasks)
            for s, f in shown:
                out[(s.key, f.key)] = [next(results) for _ in seeds]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out


def run_pairs(
    pairs: Sequence[tuple[str, str]],
    seeds: Sequence[int] = range(5),
    *,
    dtype: type | np.dtype = np.float32,
    progress: Callable | None = None,
    jobs: int | None = 1,
) -> Comparison:
    """Like :func:`run_comparison`, but only the ``(setting key, fix key)`` pairs listed (a page
    that reads a few pairs need not train the whole grid). The result's ``settings`` and ``fixes``
    are :data:`SETTINGS` and :data:`FIXES` (plus :data:`BATCHNORM`), so lookups by name work;
    ``runs`` holds the listed pairs only."""
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) < 2:
        raise ValueError("Use at least 2 seeds (the chapter uses 6): a spread needs several runs.")
    by_key = {s.key: s for s in SETTINGS}
    todo = []
    for s, f in pairs:
        if s not in by_key:
            raise KeyError(f"No setting {s!r}; known: {', '.join(by_key)}.")
        todo.append((by_key[s], get_fix(f)))
    result = Comparison(SETTINGS, (*FIXES, BATCHNORM), seeds)
    result.runs.update(_train_pairs(todo, seeds, dtype, progress, jobs))
    return result


# ---------------------------------------------------------------------------------------------
# Many seeds, computed once: the committed per-seed outcomes
# ---------------------------------------------------------------------------------------------

#: The file of per-seed outcomes that Chapter 4's verdicts rest on (made by
#: ``scripts/make_ch4_seeds.py``; :func:`load_seed_outcomes` reads it).
SEED_FILE = Path(__file__).with_name("data") / "ch4_seeds.csv"
#: What that file holds: ReLU and the three leaky slopes in every setting (the verdict family),
#: and ReLU with batch normalisation in the three killing settings.
SEED_FIX_KEYS: tuple[str, ...] = ("relu", "leaky001", "leaky01", "leaky018")
SEED_BN_SETTINGS: tuple[str, ...] = ("highlr", "negbias", "deepnarrow")
SEED_COLUMNS = ("setting", "fix", "seed", "test_accuracy", "never_active", "final_loss", "diverged")


def seed_jobs() -> list[tuple[Setting, Fix]]:
    """The (setting, fix) pairs of :data:`SEED_FILE`, in file order (19 per seed)."""
    jobs = [(s, get_fix(k)) for s in SETTINGS for k in SEED_FIX_KEYS]
    jobs += [(s, BATCHNORM) for s in SETTINGS if s.key in SEED_BN_SETTINGS]
    return jobs


def seed_rows(seed: int) -> list[dict]:
    """Train every pair of :func:`seed_jobs` on ``seed`` (:func:`train_run`, float32, one BLAS
    thread) and return one row per run, with the keys of :data:`SEED_COLUMNS`. About 40 s on one
    core."""
    rows = []
    with blas_threads(1):
        for s, f in seed_jobs():
            r = train_run(s, f, int(seed))
            rows.append({"setting": s.key, "fix": f.key, "seed": int(seed),
                         "test_accuracy": r.test_accuracy, "never_active": float(r.never_active[-1]),
                         "final_loss": float(r.loss[-1]), "diverged": int(r.diverged)})
    return rows


@dataclass(frozen=True)
class SeedOutcomes:
    """Per-seed outcomes read from :data:`SEED_FILE` (:func:`load_seed_outcomes`).

    Attributes:
        header: the file's comment lines (how and where it was made).
        table: ``{(setting, fix): {metric: array (n_seeds,)}}``, seeds in increasing order;
            metrics ``test_accuracy``, ``never_active`` (fraction at the end), ``final_loss``
            (NaN if the run diverged), ``diverged`` (0 or 1).
        seeds: the seeds, ``(n_seeds,)``, the same for every pair.
    """

    header: tuple[str, ...]
    table: dict
    seeds: np.ndarray

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    def values(self, setting: str, fix: str, metric: str = "test_accuracy",
               seeds: Sequence[int] | None = None) -> np.ndarray:
        """One number per seed ``(n_seeds,)`` (or for ``seeds`` only, in their order)."""
        key = (setting, get_fix(fix).key)
        if key not in self.table:
            raise KeyError(f"No runs for {key} in the seed file; it holds {sorted(self.table)}.")
        v = self.table[key][metric]
        if seeds is None:
            return v.copy()
        pos = {int(s): i for i, s in enumerate(self.seeds)}
        missing = [s for s in seeds if int(s) not in pos]
        if missing:
            raise KeyError(f"Seeds {missing} are not in the seed file (it holds {self.seeds.min()}-"
                           f"{self.seeds.max()}).")
        return v[[pos[int(s)] for s in seeds]]


def load_seed_outcomes(path: str | Path | None = None) -> SeedOutcomes:
    """Read the per-seed outcomes (default :data:`SEED_FILE`).

    Raises:
        ValueError: the file's columns are not :data:`SEED_COLUMNS`, or the pairs do not all have
            the same seeds (an interrupted regeneration: run ``scripts/make_ch4_seeds.py`` again).
    """
    path = Path(SEED_FILE if path is None else path)
    header, rows = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                header.append(line[1:].strip())
            elif line.strip():
                rows.append(line.strip().split(","))
    if not rows or tuple(rows[0]) != SEED_COLUMNS:
        raise ValueError(f"{path}: expected the columns {','.join(SEED_COLUMNS)}.")
    by_pair: dict = {}
    for r in rows[1:]:
        by_pair.setdefault((r[0], r[1]), []).append((int(r[2]), *map(float, r[3:])))
    table, seeds = {}, None
    for key, recs in by_pair.items():
        recs.sort()
        s = np.array([x[0] for x in recs])
        if seeds is None:
            seeds = s
        elif not np.array_equal(s, seeds):
            raise ValueError(f"{path}: {key} has seeds {s.tolist()}, others {seeds.tolist()}; "
                             "regenerate it with scripts/make_ch4_seeds.py.")
        arr = np.array([x[1:] for x in recs])
        table[key] = {"test_accuracy": arr[:, 0], "never_active": arr[:, 1], "final_loss": arr[:, 2],
                      "diverged": arr[:, 3].astype(int)}
    return SeedOutcomes(tuple(header), table, seeds)


def judge(
    source: Comparison | SeedOutcomes,
    comparisons: Sequence[tuple[str, str, str]],
    *,
    seeds: Sequence[int] | None = None,
    metric: str = "test_accuracy",
    margin: float | None = None,
    alpha: float = 0.05,
    draws: int = 20_000,
) -> _stats.Family:
    """Judge a family of paired comparisons with :func:`dying_relu.stats.verdict_family`.

    Args:
        source: the runs, a :class:`Comparison` (trained here) or :class:`SeedOutcomes` (the file).
        comparisons: ``(setting, fix_a, fix_b)`` triples, e.g. ``("negbias", "leaky018", "relu")``;
            the family's Holm correction runs over all of them.
        seeds: with :class:`SeedOutcomes`, the seeds to use (default: all in the file).
        margin: equivalence margin (TOST), in the metric's unit; ``None``: no equivalence test.
        draws: Monte Carlo sign patterns per test above 20 seeds (see
            :func:`~dying_relu.stats.verdict_family`).

    Returns:
        A :class:`~dying_relu.stats.Family`; comparison ``i`` is named
        ``("<setting> <label of fix_a>", "<label of fix_b>")``. Power is not computed here (it
        is slow): see :func:`family_power`.
    """
    pairs = {}
    for setting, a, b in comparisons:
        fa, fb = get_fix(a), get_fix(b)
        if isinstance(source, SeedOutcomes):
            va = source.values(setting, fa.key, metric, seeds)
            vb = source.values(setting, fb.key, metric, seeds)
        else:
            va, vb = source.values(setting, fa.key, metric), source.values(setting, fb.key, metric)
        pairs[(f"{setting} {fa.label}", fb.label)] = (va, vb)
    return _stats.verdict_family(pairs, alpha=alpha, margin=margin, metric=metric, power_draws=0,
                                 draws=draws)


def family_power(fam: _stats.Family, effect: float, n: int | None = None, *, draws: int = 400,
                 seed: int = 0) -> np.ndarray:
    """Power of each comparison of ``fam`` to detect a true mean difference of ``effect``.

    For each comparison: :func:`dying_relu.stats.power` of the exact permutation test with ``n``
    seeds (default: the comparison's own), at the Bonferroni level ``alpha / m`` of Holm's hardest
    step, with noise resampled from the comparison's observed differences minus their mean (so a
    bimodal spread stays bimodal). Returns ``(m,)`` fractions in [0, 1]; 0 when ``n`` seeds
    cannot reach that level at all (``2 / 2**n > alpha / m``: 6 seeds against 12 comparisons).
    """
    m = len(fam)
    return np.array([
        _stats.power(c.n if n is None else int(n), effect, noise=c.diff - c.mean, alpha=fam.alpha / m,
                     draws=draws, seed=seed)
        for c in fam
    ])


def seeds_agree(live: Comparison, file: SeedOutcomes, pairs: Sequence[tuple[str, str]]) -> dict:
    """Compare the runs trained live with the file's runs for the same seeds.

    Returns a dict: ``same_seeds`` (whether every live seed, after the seed offset of
    :mod:`dying_relu.seeding`, is one of the file's: false under ``DYING_RELU_SEED_OFFSET``),
    ``max_mean_diff`` (largest |difference| of a pair's mean test accuracy over the live seeds,
    live minus file, NaN unless ``same_seeds``), ``n_runs`` and ``n_equal`` (runs whose test
    accuracy is the file's, to its 10 significant digits), and ``max_z`` (largest |live mean -
    file mean over all its seeds| in standard errors of a mean of ``len(live.seeds)`` seeds: the
    consistency check that still applies on other seeds).
    """
    shifted = [_seeding.shifted(s) for s in live.seeds]
    same = _seeding.offset() == 0 and all(int(s) in set(file.seeds.tolist()) for s in shifted)
    diffs, equal, n, zs = [], 0, 0, []
    for setting, fix in pairs:
        lv = live.values(setting, fix)
        fv_all = file.values(setting, fix)
        se = float(np.std(fv_all, ddof=1)) / np.sqrt(len(lv))
        zs.append(abs(lv.mean() - fv_all.mean()) / se if se > 0 else float(lv.mean() != fv_all.mean()))
        if same:
            fv = file.values(setting, fix, seeds=shifted)
            diffs.append(abs(float(lv.mean() - fv.mean())))
            equal += int(np.sum(np.abs(lv - fv) <= 1e-9))  # the file keeps 10 digits
        n += len(lv)
    return {"same_seeds": same, "max_mean_diff": max(diffs) if diffs else float("nan"),
            "n_runs": n, "n_equal": equal if same else 0, "max_z": float(max(zs))}


# ---------------------------------------------------------------------------------------------
# A unit that would have died
# ---------------------------------------------------------------------------------------------


def knockout_recovery(
    fixes: Sequence[Fix],
    seeds: Sequence[int] = range(10),
    *,
    width: int = 4,
    margin: float = 0.2,
    lr: float = 0.5,
    epochs: int = 30,
) -> dict[str, dict[str, np.ndarray]]:
    """Push one unit into the negative region on every input, train, and watch whether it returns.

    For each seed: a ``2-width-width-2`` network on the moons data; unit 0 of the *first* hidden
    layer gets its bias lowered so that its largest pre-activation over the training set is
    ``-margin``. With ReLU that unit is dead for good (its inputs, the data, never change, and it
    receives no gradient). With a non-zero slope on the negative side it still gets gradient and
    may come back.

    Returns, per fix key: ``"max_z"`` ``(n_seeds, epochs + 1)``, the unit's largest pre-activation
    over the training set per epoch (> 0: active on at least one example again), and
    ``"recovered"`` ``(n_seeds,)``, whether it is active on some example at the end.
    """
    X, y = _data.moons(600, seed=0)
    out: dict[str, dict[str, np.ndarray]] = {}
    with blas_threads(1):
        for fix in fixes:
            curves = []
            for seed in seeds:
                net = fix.build([2, width, width, 2], seed, dtype=np.float64)
                layer = net.layers[0]
                z0 = X @ layer.W[:, 0] + layer.b[0]
                layer.b[0] -= z0.max() + margin

                def hook(net: MLP, epoch: int) -> dict:
                    net.forward(X)
                    return {"max_z": float(net.layers[0].z[:, 0].max())}

                hist = fit(net, X, y, optimizer=SGD(lr), epochs=epochs, batch_size=32, seed=seed,
                           on_epoch=hook)
                curves.append(hist["max_z"])
            max_z = np.array(curves)
            out[fix.key] = {"max_z": max_z, "recovered": max_z[:, -1] > 0}
    return out


# ---------------------------------------------------------------------------------------------
# Cost of each fix
# ---------------------------------------------------------------------------------------------


def fix_costs(n: int = 2**22, rounds: int = 11, dtype: type | np.dtype = np.float32, seed: int = 0
              ) -> dict[str, _bench.Timing]:
    """Time each fix's activation, forward then backward (the rule the network uses), on ``n``
    pre-activations, interleaved round by round with ReLU (the baseline of every ratio) and a
    memory copy (the hardware limit), as in Chapter 1.

    Keys: ``"copy"``, ``"relu"`` (also the cost of a positive bias or RAI: they change only the
    starting point), ``"leaky_relu"``, ``"elu"``, ``"prelu"`` (one learned slope per unit, 64 units:
    its backward also sums ``dL/dalpha`` over the batch). Values: :class:`~dying_relu.bench.Timing`.
    """
    n = int(n)
    rows = max(n // 64, 1)
    rng = _seeding.rng(seed)
    x = rng.standard_normal((rows, 64)).astype(dtype)
    g = rng.standard_normal((rows, 64)).astype(dtype)
    buf, dz = np.empty_like(x), np.empty_like(x)
    alpha, dalpha = np.full(64, 0.25, dtype), np.empty(64, dtype)
    copy, _ = _bench.copy_baseline(x)
    funcs: dict[str, Callable[[], object]] = {"copy": copy}
    for name in ("relu", "leaky_relu", "elu"):
        act = _act.get(name)

        def step(act=act) -> None:
            act(x, out=buf)
            act.backward(g, x, buf, out=dz)

        funcs[name] = step

    def prelu() -> None:
        _nn._prelu_forward(x, alpha, buf)
        _nn._prelu_backward(g, x, alpha, dz, dalpha)

    funcs["prelu"] = prelu
    return _bench.compare(funcs, baseline="relu", rounds=rounds)


# ---------------------------------------------------------------------------------------------
# The explorer: fix and its parameter -> never-active fraction and loss curves
# ---------------------------------------------------------------------------------------------

#: The explorer's precomputed strengths, the same for every fix family (0 is plain ReLU in every
#: family); in a live session any value in :data:`EXPLORER_RANGE` is trained on demand.
EXPLORER_VALUES: tuple[float, ...] = (0.0, 0.01, 0.1, 0.3, 1.0)
#: The fix families of the explorer.
EXPLORER_FAMILIES: tuple[str, ...] = ("positive bias", "leaky ReLU", "ELU")
#: Sensible strengths: a positive bias, a leaky slope, an ELU alpha between 0 and 1.
EXPLORER_RANGE: tuple[float, float] = (0.0, 1.0)
#: Old name (levels per family), kept for old callers: the same values for every family.
EXPLORER_LEVELS: dict[str, tuple[float, ...]] = {f: EXPLORER_VALUES for f in EXPLORER_FAMILIES}
EXPLORER_SEEDS = (0, 1, 2)


def _explorer_fix(family: str, value: float) -> Fix:
    if value == 0:
        return Fix("relu", "relu")
    if family == "positive bias":
        return Fix(f"bias{value:g}", f"relu + bias {value:.3g}", bias=value)
    if family == "leaky ReLU":
        return Fix(f"leaky{value:g}", f"leaky {value:.3g}", "leaky_relu", value)
    if family == "ELU":
        return Fix(f"elu{value:g}", f"elu alpha {value:.3g}", "elu", value)
    raise ValueError(f"Unknown fix family {family!r}; use one of {', '.join(EXPLORER_FAMILIES)}.")


@functools.lru_cache(maxsize=64)
def _explorer_runs(activation: str, alpha: float | None, bias: float, setting_key: str) -> tuple:
    setting = next(s for s in SETTINGS if s.key == setting_key)
    fix = Fix("x", "x", activation, alpha, bias)
    with blas_threads(1):
        runs = [train_run(setting, fix, seed) for seed in EXPLORER_SEEDS]
    return tuple(runs)


def compute(family: str, value: float, setting: str = "highlr") -> dict:
    """Data for one explorer frame: the fix ``family`` at strength ``value`` (a positive bias
    ``b0``, a leaky slope ``alpha`` or ELU's ``alpha``, any value in :data:`EXPLORER_RANGE`; 0 is
    plain ReLU) trained in ``setting`` (default: the high learning rate) for the seeds
    ``EXPLORER_SEEDS``.

    Returns a dict: ``label``, ``family``, ``value``, ``epochs (E+1,)``, ``never_active`` and
    ``loss`` ``(n_seeds, E+1)``, ``test_accuracy (n_seeds,)``, and ``baseline_never_active`` and
    ``baseline_loss``: the same for plain ReLU. Deterministic; runs are cached (values rounded to
    4 decimals, so a slider's float noise does not miss the cache); a value not seen before is
    trained on the spot (3 runs, about a second).
    """
    if family not in EXPLORER_FAMILIES:
        raise ValueError(f"Unknown fix family {family!r}; use one of {', '.join(EXPLORER_FAMILIES)}.")
    lo, hi = EXPLORER_RANGE
    if isinstance(value, bool) or not np.isfinite(float(value)) or not lo <= float(value) <= hi:
        raise ValueError(f"value must be a number in [{lo:g}, {hi:g}] (the fix's strength), got {value!r}.")
    value = round(float(value), 4)
    fix = _explorer_fix(family, value)
    key = (fix.activation, fix.alpha, fix.bias, setting)
    runs = _explorer_runs(*key)
    base = _explorer_runs("relu", None, 0.0, setting)
    return {
        "label": fix.label if value != 0 else "relu (no fix)",
        "family": family,
        "value": value,
        "epochs": np.arange(len(runs[0].loss)),
        "never_active": np.array([r.never_active for r in runs]),
        "loss": np.array([r.loss for r in runs]),
        "test_accuracy": np.array([r.test_accuracy for r in runs]),
        "baseline_never_active": np.array([r.never_active for r in base]),
        "baseline_loss": np.array([r.loss for r in base]),
    }


#: The activations of Chapter 4's gate explorer (the first chapter's part), and their parameter.
GATE_FAMILIES: tuple[str, ...] = ("leaky ReLU", "ELU")
GATE_VALUES: tuple[float, ...] = (0.01, 0.1, 1 / 5.5, 0.5, 1.0)


def gate(family: str, alpha: float, z: np.ndarray | None = None) -> dict:
    """Data for the gate explorer: the activation ``family`` with parameter ``alpha`` (any value
    in [0, 1]; 0 is ReLU) on the pre-activations ``z`` (default 601 points on [-4, 2]).

    Returns a dict: ``z``, ``f`` and ``grad`` ``(n,)`` (the activation and its derivative, the
    gradient's gate), ``label``, and ``gate_at`` ``{-0.1, -1, -4: f'(z)}`` (the share of the
    gradient a unit receives at those pre-activations). Pure and fast (no training).
    """
    if family not in GATE_FAMILIES:
        raise ValueError(f"Unknown family {family!r}; use one of {', '.join(GATE_FAMILIES)}.")
    if isinstance(alpha, bool) or not np.isfinite(float(alpha)) or not 0 <= float(alpha) <= 1:
        raise ValueError(f"alpha must be a number in [0, 1], got {alpha!r}.")
    alpha = float(alpha)
    z = np.linspace(-4, 2, 601) if z is None else np.asarray(z, dtype=np.float64)
    name = "leaky_relu" if family == "leaky ReLU" else "elu"
    act = _act.get(name, alpha=alpha)
    probe = np.array([-0.1, -1.0, -4.0])
    return {"z": z, "f": act(z), "grad": act.grad(z), "label": f"{family}, alpha = {alpha:.3g}",
            "gate_at": dict(zip((-0.1, -1.0, -4.0), act.grad(probe).tolist(), strict=True))}


# Names that moved to the course tooling (issue 11): the fixes' plot styles are in
# dying_relu.plots. They stay importable from here, looked up lazily (this module imports only the
# numeric core), for the notebooks until they import them from plots.
_MOVED = {"fix_style": "plots", "fix_hatch": "plots"}


def __getattr__(name: str) -> object:
    if name in _MOVED:
        return getattr(importlib.import_module(f"{__package__}.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
