"""The fixes for dying ReLUs, and a fair way to compare them (introduced in Chapter 4).

Fixes
    A :class:`Fix` is one way of building the same network differently: the activation (ReLU,
    Leaky ReLU, ELU, PReLU), a positive bias added to every hidden bias at initialisation, or the
    randomized asymmetric initialisation (:class:`RAI`) of Lu et al. (2019). :data:`FIXES` holds the
    chapter's nine.

Settings
    A :class:`Setting` is a training problem known to kill ReLU units (Chapter 3): a high learning
    rate, a negative bias shift, a deep and narrow network; plus the real digits data.
    :data:`SETTINGS` holds the chapter's four.

The controlled comparison
    :func:`run_comparison` trains every fix in every setting for the same seeds. A seed fixes the
    data split, the initial weights (identical across fixes that share an initialiser) and the
    order of the mini-batches, so two fixes on the same seed differ *only* by the fix: differences
    can be compared seed by seed (:meth:`Comparison.verdict`, a paired t-test). Every run records,
    per epoch, the fraction of never-active hidden units (``z <= 0`` on every training example),
    the training loss, the mean activation of each hidden layer, and the time; at the end, the test
    accuracy.

Other measurements
    :func:`knockout_recovery` pushes one unit into the negative region on every input and watches
    whether it comes back; :func:`collapse_rate` counts networks that are born dead (a constant
    function) at initialisation; :func:`fix_costs` times each fix's activation (forward and
    backward) against ReLU. :func:`compute` is the pure function behind the chapter's explorer.

Shapes: a network with ``depth`` hidden layers; curves have ``epochs + 1`` entries (index 0 = before
training); per-seed arrays have one row per seed. Times are in seconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import activations as _act
from . import bench as _bench
from . import data as _data
from . import diagnostics as _diag
from . import nn as _nn
from . import seeding as _seeding
from .nn import MLP
from .optim import SGD
from .plots import OKABE_ITO
from .train import fit

__all__ = [
    "BATCHNORM",
    "EXPLORER_LEVELS",
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
    "fix_costs",
    "fix_hatch",
    "fix_style",
    "get_fix",
    "knockout_recovery",
    "init_layer_stats",
    "paired_verdict",
    "rai_matrix",
    "rai_sigma2",
    "run_comparison",
    "t_critical",
    "train_run",
]


# ---------------------------------------------------------------------------------------------
# Randomized asymmetric initialisation (Lu, Shin, Su and Karniadakis 2019)
# ---------------------------------------------------------------------------------------------


def beta_moments(a: float = 2.0, b: float = 1.0) -> tuple[float, float]:
    """Mean and second moment ``(E[xi], E[xi**2])`` of ``xi ~ Beta(a, b)`` (support [0, 1]).

    For Beta(2, 1) (density ``2 x`` on [0, 1]): ``(2/3, 1/2)``.
    """
    if not (a > 0 and b > 0):
        raise ValueError(f"Beta(a, b) needs a > 0 and b > 0, got a={a}, b={b}.")
    mean = a / (a + b)
    second = a * (a + 1) / ((a + b) * (a + b + 1))
    return mean, second


def rai_sigma2(fan_in: int, a: float = 2.0, b: float = 1.0) -> float:
    """Variance of the Gaussian entries of RAI: ``sigma**2 = (1 - E[xi**2]) / fan_in``.

    The second-moment argument (ours; see :class:`RAI`): a unit's incoming parameters
    ``v = (w_1, ..., w_fan_in, b)`` act on ``(x, 1)``; one entry is ``xi ~ Beta(a, b)``, the other
    ``fan_in`` are ``N(0, sigma**2)``, so ``E||v||**2 = E[xi**2] + fan_in * sigma**2``. Setting it to
    1 makes ``E[z**2]`` at most the input's mean square, and since ``relu(z)**2 <= z**2`` the signal
    cannot grow from layer to layer. For Beta(2, 1): ``sigma**2 = 1 / (2 fan_in)``.
    """
    if int(fan_in) < 1:
        raise ValueError(f"fan_in must be >= 1, got {fan_in}.")
    return (1.0 - beta_moments(a, b)[1]) / int(fan_in)


def rai_matrix(
    fan_in: int,
    fan_out: int,
    rng: np.random.Generator,
    dtype: type | np.dtype = np.float64,
    *,
    a: float = 2.0,
    b: float = 1.0,
    sigma2: float | None = None,
    size: tuple[int, ...] = (),
) -> np.ndarray:
    """Draw RAI's joint weight-and-bias matrix ``V = [W; b]`` of shape ``size + (fan_in + 1, fan_out)``.

    Column ``j`` holds unit ``j``'s incoming weights (rows ``0 .. fan_in - 1``) and its bias (the
    last row). In every column one entry, at a position drawn uniformly from the ``fan_in + 1``, is
    ``xi ~ Beta(a, b)`` (positive); all other entries are ``N(0, sigma2)``, by default
    :func:`rai_sigma2`. ``size`` draws a stack of independent matrices (for many networks at once).
    """
    if int(fan_in) < 1 or int(fan_out) < 1:
        raise ValueError(f"fan_in and fan_out must be >= 1, got {fan_in} and {fan_out}.")
    fan_in, fan_out, size = int(fan_in), int(fan_out), tuple(size)
    s2 = rai_sigma2(fan_in, a, b) if sigma2 is None else float(sigma2)
    if not np.isfinite(s2) or s2 < 0:
        raise ValueError(f"sigma2 must be a finite number >= 0, got {sigma2}.")
    V = rng.standard_normal(size + (fan_in + 1, fan_out)) * np.sqrt(s2)
    k = rng.integers(0, fan_in + 1, size + (fan_out,))
    xi = rng.beta(a, b, size + (fan_out,))
    np.put_along_axis(V, k[..., None, :], xi[..., None, :], axis=-2)
    return V.astype(dtype)


class RAI:
    """Randomized asymmetric initialisation (RAI) as a weight and bias initialiser pair for :class:`MLP`.

    Usage::

        rai = RAI()
        net = MLP([1, 2, 2, 2, 1], "relu", init=rai.init, bias=rai.bias, seed=0)

    What it draws, for every layer (Lu, Shin, Su and Karniadakis 2019): look at a unit's weights and
    bias together, ``v = (w_1, ..., w_fan_in, b)``. One of these ``fan_in + 1`` numbers, chosen
    uniformly at random, is drawn from a *positive* distribution, ``Beta(a, b)`` (default Beta(2, 1),
    density ``2 x`` on [0, 1]); the others are Gaussian ``N(0, sigma**2)`` with
    ``sigma**2 = (1 - E[xi**2]) / fan_in`` (:func:`rai_sigma2`). Every input of a hidden layer is
    non-negative (a ReLU output, or the constant 1 that multiplies the bias), so the positive entry
    tilts each unit towards the active side: a symmetric initialiser (He) leaves a narrow layer
    with a real chance that *every* unit is negative on every input, which makes the whole network
    constant ("born dead"); RAI makes that much rarer.

    The variance rule is our own second-moment argument (see :func:`rai_sigma2`); the paper derives
    its constants from a more detailed analysis which we do not reproduce, so our numbers may differ
    from theirs. ``init`` draws ``V = [W; b]`` (:func:`rai_matrix`) and returns ``W``; the matching
    ``bias`` call (which :class:`MLP` makes right after, for the same layer) returns ``b``.
    """

    def __init__(self, a: float = 2.0, b: float = 1.0, sigma2: float | None = None) -> None:
        beta_moments(a, b)  # validates a and b
        self.a, self.b, self.sigma2 = float(a), float(b), sigma2
        self._pending: np.ndarray | None = None

    def init(self, fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        """Weights ``W (fan_in, fan_out)``; keeps the layer's bias row for :meth:`bias`."""
        V = rai_matrix(fan_in, fan_out, rng, dtype, a=self.a, b=self.b, sigma2=self.sigma2)
        self._pending = V[-1].copy()
        return np.ascontiguousarray(V[:-1])

    def bias(self, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        """Biases ``b (fan_out,)`` drawn together with the weights of the same layer."""
        if self._pending is None or self._pending.shape != (fan_out,):
            raise RuntimeError(
                "RAI.bias() gives the bias drawn together with a layer's weights: pass both, "
                "MLP(..., init=rai.init, bias=rai.bias), so each bias call follows its init call."
            )
        b, self._pending = self._pending.astype(dtype), None
        return b

    def __repr__(self) -> str:
        return f"RAI(Beta({self.a:g}, {self.b:g}))"


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
    (:func:`~dying_relu.data.abs_regression`), ``depth`` hidden layers of ``width`` ReLU units.
    A network is counted as collapsed when some hidden layer has every unit at ``z <= 0`` on every
    input: everything after it then sees a constant, so the network's output is constant. Networks
    are simulated ``n_nets`` at a time with batched matrix products.

    Args:
        init: ``"he"`` (Gaussian ``N(0, 2 / fan_in)``, zero biases) or ``"rai"`` (:class:`RAI`).
    """
    if init not in ("he", "rai"):
        raise ValueError(f"init must be 'he' or 'rai', got {init!r}.")
    if int(width) < 1 or int(depth) < 1 or int(n_nets) < 1:
        raise ValueError("width, depth and n_nets must be >= 1.")
    rng = _seeding.rng(seed)
    x, _ = _data.abs_regression(n_points, rng=rng)
    h = np.broadcast_to(x, (n_nets, n_points, 1))
    collapsed = np.zeros(n_nets, dtype=bool)
    fan_in = 1
    for _ in range(int(depth)):
        if init == "he":
            W = rng.standard_normal((n_nets, fan_in, width)) * np.sqrt(2.0 / fan_in)
            b = np.zeros((n_nets, 1, width))
        else:
            V = rai_matrix(fan_in, width, rng, size=(n_nets,))
            W, b = V[:, :-1], V[:, -1:]
        z = h @ W + b
        collapsed |= ~np.any(z > 0, axis=(1, 2))
        h = np.maximum(z, 0)
        fan_in = width
    return float(collapsed.mean())


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


_FIX_STYLES: dict[str, tuple[str, object, str]] = {
    # families share a colour (bias: orange, leaky: green), members differ by line style and marker
    "relu": (OKABE_ITO["blue"], "-", "o"),
    "bias001": (OKABE_ITO["orange"], ":", "v"),
    "bias01": (OKABE_ITO["orange"], "--", "^"),
    "leaky001": (OKABE_ITO["bluish_green"], ":", "s"),
    "leaky01": (OKABE_ITO["bluish_green"], "--", "D"),
    "leaky018": (OKABE_ITO["bluish_green"], "-.", "P"),
    "elu": (OKABE_ITO["reddish_purple"], "-", "D"),
    "prelu": (OKABE_ITO["sky_blue"], (0, (3, 1, 1, 1, 1, 1)), "X"),
    "rai": (OKABE_ITO["black"], (0, (5, 1, 1, 1)), "*"),
    "relu_bn": (OKABE_ITO["vermillion"], "--", "h"),
}


def fix_style(key: str, markers: bool = False) -> dict:
    """Matplotlib keyword arguments (colour, line style, optionally marker) for a fix of
    :data:`FIXES`: colour-blind-safe colours by family, distinct line styles within a family."""
    if key not in _FIX_STYLES:
        key = get_fix(key).key
    color, linestyle, marker = _FIX_STYLES[key]
    kw = {"color": color, "linestyle": linestyle}
    if markers:
        kw["marker"] = marker
    return kw


# Bar hatches: fixes of one family share a colour, so bars need a second cue (and one that survives
# grey-scale printing): within each family every member has its own hatch.
_FIX_HATCHES: dict[str, str] = {
    "relu": "",
    "bias001": "...",
    "bias01": "///",
    "leaky001": "...",
    "leaky01": "///",
    "leaky018": "xxx",
    "elu": "",
    "prelu": "\\\\\\",
    "rai": "++",
    "relu_bn": "\\\\",
}


def fix_hatch(key: str) -> str:
    """Matplotlib hatch pattern for a fix's bars (``ax.bar(..., hatch=fix_hatch(key))``):
    members of a colour family (see :func:`fix_style`) get distinct hatches."""
    if key not in _FIX_HATCHES:
        key = get_fix(key).key
    return _FIX_HATCHES[key]


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


@functools.lru_cache(maxsize=8)
def _dataset(name: str, n: int, seed: int) -> _data.Split:
    if name == "digits":
        return _data.digits(seed=seed)
    makers = {"spirals": _data.spirals, "moons": _data.moons, "circles": _data.circles}
    if name not in makers:
        raise ValueError(f"Unknown data set {name!r}; use digits, {', '.join(makers)}.")
    X, y = makers[name](n, seed=seed)
    return _data.split(X, y, 0.3, seed=seed)


@dataclass(frozen=True)
class Setting:
    """A training problem: data, architecture, optimiser and budget.

    Attributes:
        key, title: identifier (for glue names) and description.
        data: ``"spirals"``, ``"moons"``, ``"circles"`` (2-D, ``n`` examples, 30% held out for the
            test) or ``"digits"`` (8x8 images, 64 features, 10 classes).
        hidden: hidden layer widths.  lr: SGD learning rate.  epochs, batch_size: budget.
        bias_shift: added to every hidden bias at initialisation (negative: Chapter 3's
            "negative bias" setting, as if a large update had pushed every bias down).
        data_seed: seed of the data (the same for every run, so seeds vary only the network).
    """

    key: str
    title: str
    data: str
    hidden: tuple[int, ...]
    lr: float
    epochs: int
    batch_size: int = 32
    bias_shift: float = 0.0
    n: int = 1000
    data_seed: int = 0

    def load(self) -> _data.Split:
        """The train/test split (cached)."""
        return _dataset(self.data, self.n, self.data_seed)

    def sizes(self) -> list[int]:
        """Layer widths from input to output."""
        split = self.load()
        n_classes = int(max(split.y_train.max(), split.y_test.max())) + 1
        return [split.X_train.shape[1], *self.hidden, n_classes]


SETTINGS: tuple[Setting, ...] = (
    Setting("highlr", "high learning rate (spirals, 2-64-64-3, SGD lr 1.5)", "spirals", (64, 64), 1.5, 20),
    Setting("negbias", "negative bias shift -1 (spirals, 2-64-64-3, lr 0.3)", "spirals", (64, 64), 0.3, 20,
            bias_shift=-1.0),
    Setting("deepnarrow", "deep and narrow (moons, 10 hidden layers of 3, lr 0.1)", "moons", (3,) * 10, 0.1,
            20),
    Setting("digits", "real data (digits, 64-64-64-64-10, lr 0.1)", "digits", (64, 64, 64), 0.1, 10),
)


# ---------------------------------------------------------------------------------------------
# One run, and the comparison
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def blas_threads(n: int) -> Iterator[bool]:
    """Temporarily limit numpy's OpenBLAS to ``n`` threads; yields whether that was possible.

    On a machine shared by several busy processes, a matrix product split over 2 threads waits for
    the slower thread and can take ten times longer than on one; for the small networks of this
    chapter one thread is also the fastest. Uses OpenBLAS's own ``openblas_set_num_threads``
    (found among the loaded libraries); does nothing (and yields False) where it is not available.
    """
    lib, get, set_ = _openblas()
    if lib is None:
        yield False
        return
    old = int(get())
    set_(int(n))
    try:
        yield True
    finally:
        set_(old)


@functools.lru_cache(maxsize=1)
def _openblas():
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        return None, None, None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_", ""):
            for suffix in ("64_", ""):
                get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
                set_ = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
                if get is not None and set_ is not None:
                    set_.argtypes = [ctypes.c_int]
                    return lib, get, set_
    return None, None, None


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


# Two-sided 95% critical values of Student's t, by degrees of freedom (1..30); 1.96 beyond.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042)


def t_critical(df: int) -> float:
    """Two-sided 95% critical value of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError(f"df must be >= 1, got {df}.")
    return _T95[df - 1] if df <= len(_T95) else 1.96


@dataclass(frozen=True)
class Verdict:
    """A paired comparison of fix ``a`` against fix ``b`` on the same seeds.

    Attributes:
        diff: per-seed differences ``metric(a) - metric(b)``.
        mean, std: their mean and sample standard deviation.  t: ``mean / (std / sqrt(n))``.
        wins: seeds on which ``a`` is higher.
        outcome: ``"better"`` or ``"worse"`` when a paired t-test rejects "no difference" at the 5%
            level (two-sided; with few seeds only large or very consistent differences count);
            ``"negligibly better"`` / ``"negligibly worse"`` when it does but the mean difference is
            below ``negligible`` (default 0.01: one point of accuracy). When the test does not
            reject: ``"no difference"`` if the mean difference is below ``negligible``, else
            ``"inconclusive"`` (a sizeable average difference, but too noisy across seeds to call).
    """

    a: str
    b: str
    metric: str
    diff: np.ndarray
    mean: float
    std: float
    t: float
    wins: int
    outcome: str

    @property
    def n(self) -> int:
        return len(self.diff)

    def sentence(self) -> str:
        """E.g. ``leaky 0.01 vs relu: +0.012 +- 0.004 (5 seeds, 5 wins): better``."""
        return (f"{self.a} vs {self.b}: {self.mean:+.3f} ± {self.std:.3f} ({self.n} seeds, "
                f"{self.wins} wins): {self.outcome}")


def paired_verdict(a: np.ndarray, b: np.ndarray, names: tuple[str, str] = ("a", "b"),
                   metric: str = "test_accuracy", negligible: float = 0.01) -> Verdict:
    """Paired t-test of ``a - b`` (one value per seed, same seeds); see :class:`Verdict`."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError("a and b must be 1-D arrays of the same length >= 2 (one value per seed).")
    d = a - b
    mean, std = float(d.mean()), float(d.std(ddof=1))
    if std == 0:
        t = 0.0 if mean == 0 else math.copysign(math.inf, mean)
    else:
        t = mean / (std / math.sqrt(len(d)))
    if abs(t) > t_critical(len(d) - 1):
        outcome = "better" if mean > 0 else "worse"
        if abs(mean) < negligible:
            outcome = "negligibly " + outcome
    else:
        outcome = "no difference" if abs(mean) < negligible else "inconclusive"
    return Verdict(names[0], names[1], metric, d, mean, std, float(t), int(np.sum(d > 0)), outcome)


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
) -> Comparison:
    """Train every fix in every setting for every seed (``len(settings) * len(fixes) * len(seeds)``
    runs); see :func:`train_run`. ``progress`` optionally wraps the iterable of jobs (e.g.
    :func:`dying_relu.progress.progress`). BLAS is limited to one thread meanwhile (faster for
    these small networks, and steady on a busy machine)."""
    settings, fixes, seeds = tuple(settings), tuple(fixes), tuple(int(s) for s in seeds)
    if len(seeds) < 2:
        raise ValueError("Use at least 2 seeds (the chapter uses 5): a spread needs several runs.")
    result = Comparison(settings, fixes, seeds)
    jobs = [(s, f) for s in settings for f in fixes]
    with blas_threads(1):
        for s, f in progress(jobs) if progress is not None else jobs:
            result.runs[(s.key, f.key)] = [train_run(s, f, seed, dtype) for seed in seeds]
    return result


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

#: Explorer levels per fix family: level 0 is plain ReLU in every family.
EXPLORER_LEVELS: dict[str, tuple[float, ...]] = {
    "positive bias": (0.0, 0.01, 0.1, 0.3, 1.0),
    "leaky ReLU": (0.0, 0.01, 0.1, 1 / 5.5, 0.3),
    "ELU": (0.0, 0.1, 0.3, 0.5, 1.0),
}
EXPLORER_SEEDS = (0, 1, 2)


def _explorer_fix(family: str, value: float) -> Fix:
    if family == "positive bias":
        return Fix(f"bias{value:g}", f"relu + bias {value:g}", bias=value)
    if family == "leaky ReLU":
        return Fix(f"leaky{value:g}", f"leaky {value:.3g}", "leaky_relu", value)
    if family == "ELU":
        return Fix(f"elu{value:g}", f"elu alpha {value:g}", "elu", value)
    raise ValueError(f"Unknown fix family {family!r}; use one of {', '.join(EXPLORER_LEVELS)}.")


@functools.lru_cache(maxsize=32)
def _explorer_runs(activation: str, alpha: float | None, bias: float, setting_key: str) -> tuple:
    setting = next(s for s in SETTINGS if s.key == setting_key)
    fix = Fix("x", "x", activation, alpha, bias)
    with blas_threads(1):
        runs = [train_run(setting, fix, seed) for seed in EXPLORER_SEEDS]
    return tuple(runs)


def compute(family: str, level: int, setting: str = "highlr") -> dict:
    """Data for one explorer frame: the fix ``family`` at parameter ``EXPLORER_LEVELS[family][level]``
    trained in ``setting`` (default: the high learning rate) for the seeds ``EXPLORER_SEEDS``.

    Returns a dict: ``label``, ``value``, ``epochs (E+1,)``, ``never_active`` and ``loss``
    ``(n_seeds, E+1)``, ``test_accuracy (n_seeds,)``, and ``baseline_never_active`` and
    ``baseline_loss``: the same for plain ReLU. Deterministic; runs are cached, so a repeated call
    is free.
    """
    if family not in EXPLORER_LEVELS:
        raise ValueError(f"Unknown fix family {family!r}; use one of {', '.join(EXPLORER_LEVELS)}.")
    levels = EXPLORER_LEVELS[family]
    if not 0 <= int(level) < len(levels):
        raise ValueError(f"level must be in 0..{len(levels) - 1}, got {level}.")
    value = levels[int(level)]
    fix = _explorer_fix(family, value)
    if value == 0:
        fix = Fix("relu", "relu")
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
