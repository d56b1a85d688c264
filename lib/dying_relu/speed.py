"""What ReLU's speed is made of: per-element cost, a training step's budget, and the race.

Introduced in Chapter 1 ("ReLU: fast and cheap"). Three measurements, each a function:

- :func:`activation_costs` times every activation's forward and backward pass per element,
  interleaved round by round with a plain memory copy of the same array (the hardware limit).
- :func:`step_time_breakdown` times a whole training step of an MLP and, interleaved with it,
  the activation calls and the matrix products inside it, so you can see where the time goes.
- :func:`convergence_race` reproduces, at small scale, the "ReLU converges about six times faster
  than tanh" experiment of Krizhevsky et al. (2012): the same MLP and data with different
  activations, each with its best learning rate from a small grid, over several seeds.

:func:`compute` is the function behind the chapter's explorer (activation x learning rate ->
training curves): a cell of a finished :class:`RaceResult` costs nothing, and any other learning
rate is trained on demand exactly as the race trained its grid (:meth:`RaceResult.train`), which
is what the live explorer does.
:func:`zero_fraction` measures ReLU's sparsity (exact zeros) in a network.

Timings are medians over rounds; ratios are taken within a round (see :mod:`dying_relu.bench`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import activations as _act
from . import bench as _bench
from . import data as _data
from . import seeding as _seeding
from .nn import MLP
from .optim import SGD, Momentum, Optimizer
from .train import fit

__all__ = [
    "ACTIVATIONS",
    "MODERN_ACTIVATIONS",
    "ActivationCosts",
    "RaceResult",
    "RaceSetup",
    "StepBreakdown",
    "activation_costs",
    "compute",
    "convergence_race",
    "make_step",
    "race_data",
    "step_time_breakdown",
    "zero_fraction",
]

ACTIVATIONS = ("relu", "leaky_relu", "elu", "sigmoid", "tanh")
# Chapter 5's activations; pass names=(*ACTIVATIONS, *MODERN_ACTIVATIONS) to activation_costs, or
# an Activation with parameters such as activations.get("gelu", approximate="tanh").
MODERN_ACTIVATIONS = ("gelu", "silu", "mish", "selu", "softplus")
PASSES = ("forward", "backward")


# ---------------------------------------------------------------------------------------------
# Per-element cost
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationCosts:
    """Forward and backward timings of activations next to a memory copy.

    Attributes:
        n: elements per array.  dtype: their dtype.
        timings: ``"copy"`` and ``"<name>/<pass>"`` (pass = forward or backward) ->
            :class:`~dying_relu.bench.Timing`; ratios are relative to the copy, within each round.
        names: the activations measured, in order (an :class:`~dying_relu.activations.Activation`
            passed in with parameters appears under its label, e.g. ``gelu(approximate=tanh)``).
    """

    n: int
    dtype: np.dtype
    timings: dict[str, _bench.Timing]
    names: tuple[str, ...]

    def timing(self, name: str, pass_: str = "forward") -> _bench.Timing:
        """The :class:`~dying_relu.bench.Timing` of one activation's forward or backward pass."""
        if pass_ not in PASSES:
            raise ValueError(f"pass_ must be one of {PASSES}, got {pass_!r}.")
        key = f"{name}/{pass_}"
        if key not in self.timings:
            raise KeyError(f"{name!r} was not measured; measured: {', '.join(self.names)}.")
        return self.timings[key]

    def ns_per_element(self, name: str, pass_: str = "forward") -> float:
        """Median nanoseconds per element (``name="copy"`` for the copy)."""
        t = self.timings["copy"] if name == "copy" else self.timing(name, pass_)
        return t.ns_per_element(self.n)

    def ratio_to_copy(self, name: str, pass_: str = "forward") -> tuple[float, float, float]:
        """Time relative to the memory copy: ``(median, q25, q75)`` of the per-round ratios."""
        t = self.timing(name, pass_)
        return t.ratio_median, t.ratio_q25, t.ratio_q75

    def ratio_to(self, name: str, other: str = "relu", pass_: str = "forward") -> float:
        """Median over rounds of ``time(name) / time(other)`` for the same pass.

        ``pass_="both"`` compares forward + backward.
        """
        passes = PASSES if pass_ == "both" else (pass_,)
        a = sum(self.timing(name, p).seconds for p in passes)
        b = sum(self.timing(other, p).seconds for p in passes)
        return float(np.median(a / b))

    @property
    def copy_gbytes_per_s(self) -> float:
        """Memory bandwidth reached by the copy (GB/s, read + write)."""
        return self.timings["copy"].gbytes_per_s

    def table(self) -> str:
        """A plain-text table: ns per element and time / copy as median [q25-q75] per pass."""
        w = max([11, *(len(name) + 1 for name in self.names)])  # long labels widen the first column
        lines = [
            f"{self.n:,} {self.dtype.name} elements; copy: "
            f"{self.ns_per_element('copy'):.2f} ns/element ({self.copy_gbytes_per_s:.1f} GB/s)",
            f"{'':<{w}}{'forward':^27}{'backward':^27}".rstrip(),
            (f"{'activation':<{w}}" + f"{'ns/el':>7}  {'x copy [IQR]':<18}" * 2).rstrip(),
        ]
        for name in self.names:
            row = f"{name:<{w}}"
            for p in PASSES:
                med, q25, q75 = self.ratio_to_copy(name, p)
                row += f"{self.ns_per_element(name, p):>7.2f}  {f'{med:.2f} [{q25:.2f}-{q75:.2f}]':<18}"
            lines.append(row.rstrip())
        return "\n".join(lines)


def activation_costs(
    n: int = 10_000_000,
    dtype: type | np.dtype = np.float32,
    rounds: int = 15,
    names: Sequence[str | _act.Activation] = ACTIVATIONS,
    seed: int = 0,
) -> ActivationCosts:
    """Time the forward and backward pass of each activation against a memory copy.

    The forward pass is ``f(x, out=buf)``; the backward pass is the rule the network uses,
    ``f.backward(g, x, y, out=buf)`` (``g * f'(x)`` given the output ``y``). Inputs are standard
    normal (random signs, like pre-activations). Every round times the copy and every pass once,
    so the ratios to the copy cancel most of a shared machine's drift.

    Args:
        n: elements per array (use >= 1e7 to measure memory, not cache, speed).
        dtype: ``np.float32`` (what fast training uses) or ``np.float64``.
        rounds: timed rounds (medians and quartiles are taken over them).
        names: activation names from :mod:`dying_relu.activations` (any registered name, e.g.
            :data:`MODERN_ACTIVATIONS`), or :class:`~dying_relu.activations.Activation` objects
            with bound parameters (measured under their label).
        seed: seed for the inputs.
    """
    if int(n) < 1:
        raise ValueError(f"n must be a positive number of elements, got {n}.")
    n = int(n)
    dtype = np.dtype(dtype)
    rng = _seeding.rng(seed)
    x = rng.standard_normal(n, dtype=np.float64).astype(dtype)
    g = rng.standard_normal(n, dtype=np.float64).astype(dtype)
    buf = np.empty_like(x)
    copy, nbytes = _bench.copy_baseline(x)
    funcs: dict[str, Callable[[], object]] = {"copy": copy}
    labels = []
    for spec in names:
        act = _act.get(spec)
        name = spec if isinstance(spec, str) else act.label
        labels.append(name)
        y = act(x)

        def forward(act=act) -> object:
            return act(x, out=buf)

        def backward(act=act, y=y) -> object:
            return act.backward(g, x, y, out=buf)

        funcs[f"{name}/forward"] = forward
        funcs[f"{name}/backward"] = backward
    timings = _bench.compare(funcs, baseline="copy", rounds=rounds, nbytes={"copy": nbytes})
    return ActivationCosts(n, dtype, timings, tuple(labels))


# ---------------------------------------------------------------------------------------------
# Where a training step's time goes
# ---------------------------------------------------------------------------------------------


def make_step(
    net: MLP, optimizer: Optimizer, X: np.ndarray, y: np.ndarray, loss: str = "cross_entropy"
) -> Callable[[], float]:
    """One training step of the library as a zero-argument function (returns the loss).

    Forward, loss, backward (``net.loss_and_grad``) and the optimiser's update (``step``).
    """

    def step() -> float:
        value = net.loss_and_grad(X, y, loss)
        optimizer.step(net)
        return value

    return step


@dataclass(frozen=True)
class StepBreakdown:
    """Time of a training step and of the work inside it.

    Times are the *fastest* round (seconds): a training step uses the BLAS thread pool, and on a
    shared machine other programs only ever add time to it (a stalled thread can make one round
    several times slower), so the minimum is the stable estimate of what the work itself costs.

    Shares are *not* ratios of those minima (the fastest step and the fastest matrix products may
    come from different moments of a busy machine): each is the median over rounds of the part's
    time divided by the step's time in the same round, where the step and its parts ran back to
    back.

    Attributes:
        activation: the hidden layers' activation.
        step: the whole step (forward + loss + backward + SGD update).
        activations: every hidden layer's activation forward and backward call.
        matmuls: every matrix product (forward ``x @ W``; backward ``x.T @ dz`` and ``dz @ W.T``).
        step_median: the median round of the step, for comparison with ``step``.
        rounds: how many rounds were timed.
        activation_share: fraction of the step spent in the activations (median of the
            within-round ratios).
        matmul_share: fraction of the step spent in the matrix products (the same way).
    """

    activation: str
    step: float
    activations: float
    matmuls: float
    step_median: float
    rounds: int
    activation_share: float
    matmul_share: float

    @property
    def other_share(self) -> float:
        """Everything else: bias adds, loss, optimiser update, Python overhead (>= 0)."""
        return max(0.0, 1.0 - self.activation_share - self.matmul_share)

    @property
    def steps_per_s(self) -> float:
        return 1.0 / self.step


def step_time_breakdown(
    sizes: Sequence[int] = (784, 256, 256, 10),
    batch: int = 256,
    activations: Sequence[str] = ("relu", "tanh", "sigmoid", "elu"),
    dtype: type | np.dtype = np.float32,
    rounds: int = 25,
    lr: float = 0.01,
    seed: int = 0,
) -> dict[str, StepBreakdown]:
    """Measure the share of an SGD training step spent in activations and in matrix products.

    For each activation, a network of the given sizes is trained on random data; three callables
    are timed interleaved (round by round, all activations in every round): the whole step
    (:func:`make_step`), the activation forward and backward calls of every hidden layer on that
    layer's own arrays, and the step's matrix products. Times are the fastest round, shares the
    median of the within-round ratios to the step (see :class:`StepBreakdown`); the parts need not
    add up to exactly the step.

    Args:
        sizes: layer widths, input to output.  batch: examples per step.
        activations: hidden activations to compare.  dtype: float32 or float64.
        rounds: timed rounds.  lr: SGD learning rate (small: the data are random).
        seed: seed for the data and the weights.

    Returns:
        activation name -> :class:`StepBreakdown`.
    """
    rng = _seeding.rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], batch)
    funcs: dict[str, Callable[[], object]] = {}
    for name in activations:
        net = MLP(sizes, name, seed=seed, dtype=dtype)
        step = make_step(net, SGD(lr), X, y)
        step()  # fills every layer's buffers (x, z, h, dz, dh)
        spare_h = [np.empty_like(layer.h) for layer in net.hidden]
        spare_dz = [np.empty_like(layer.dz) for layer in net.hidden]
        spare_z = [np.empty_like(layer.z) for layer in net.layers]
        spare_dW = [np.empty_like(layer.dW) for layer in net.layers]
        spare_dx = [np.empty_like(layer.x) for layer in net.layers]

        def acts(net=net, spare_h=spare_h, spare_dz=spare_dz) -> None:
            for layer, h, dz in zip(net.hidden, spare_h, spare_dz, strict=True):
                layer.activation(layer.z, out=h)
                layer.activation.backward(layer.dh, layer.z, layer.h, out=dz)

        def matmuls(net=net, spare_z=spare_z, spare_dW=spare_dW, spare_dx=spare_dx) -> None:
            for i, layer in enumerate(net.layers):
                np.matmul(layer.x, layer.W, out=spare_z[i])
                np.matmul(layer.x.T, layer.dz, out=spare_dW[i])
                if i > 0:  # the first layer's input gradient is never needed
                    np.matmul(layer.dz, layer.W.T, out=spare_dx[i])

        funcs[f"{name}/step"] = step
        funcs[f"{name}/activations"] = acts
        funcs[f"{name}/matmuls"] = matmuls
    # every activation's step and parts interleaved in each round: drift hits them all alike
    res = _bench.compare(funcs, rounds=rounds, warmup=2)
    out: dict[str, StepBreakdown] = {}
    for name in activations:
        step_s = res[f"{name}/step"].seconds
        acts_s, mm_s = res[f"{name}/activations"].seconds, res[f"{name}/matmuls"].seconds
        out[name] = StepBreakdown(
            activation=name,
            step=float(step_s.min()),
            activations=float(acts_s.min()),
            matmuls=float(mm_s.min()),
            step_median=res[f"{name}/step"].median,
            rounds=rounds,
            activation_share=float(np.median(acts_s / step_s)),
            matmul_share=float(np.median(mm_s / step_s)),
        )
    return out


# ---------------------------------------------------------------------------------------------
# Sparsity
# ---------------------------------------------------------------------------------------------


def zero_fraction(net: MLP, X: np.ndarray) -> np.ndarray:
    """Per hidden layer, the fraction of outputs ``h`` that are exactly 0 on the examples ``X``.

    Returns an array of shape ``(depth,)`` with values in [0, 1]. For ReLU this is the fraction
    of (example, unit) pairs with ``z <= 0``; tanh and sigmoid give (almost) no exact zeros.
    """
    net.forward(X)
    return np.array([float(np.mean(layer.h == 0)) for layer in net.hidden])


# ---------------------------------------------------------------------------------------------
# The "six times faster" race
# ---------------------------------------------------------------------------------------------


def race_data(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The race's data set: three interleaved spirals, standardised.

    Returns ``X`` of shape ``(n, 2)`` (each feature with mean 0 and standard deviation 1, as one
    would prepare real inputs) and labels ``y`` of shape ``(n,)`` in {0, 1, 2}.
    """
    X, y = _data.spirals(n, classes=3, seed=seed)
    (X,) = _data.standardize(X)
    return X, y


@dataclass(frozen=True)
class RaceSetup:
    """What a race trained on and how: enough to train one more cell of its grid the same way.

    Attributes:
        X, y: the data.  hidden: hidden-layer widths.  batch_size: examples per step.
        momentum: heavy-ball momentum (0: plain SGD).  dtype: the networks' dtype.
        init: the weight initialiser given to every network (``None``: each activation's usual).
        stop_at_target: whether runs ended at the target.
    """

    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    hidden: tuple[int, ...]
    batch_size: int
    momentum: float
    dtype: np.dtype
    init: str | float | None
    stop_at_target: bool


def _train_runs(setup: RaceSetup, activation: str, lr: float, seeds: Sequence[int], epochs: int,
                target: float) -> tuple[np.ndarray, np.ndarray]:
    """Every seed of one (activation, lr) cell: training error and seconds per epoch.

    Returns two arrays of shape ``(len(seeds), epochs + 1)`` (NaN after a run stopped).
    """
    sizes = (setup.X.shape[1], *setup.hidden, int(np.max(setup.y)) + 1)
    error = np.full((len(seeds), epochs + 1), np.nan)
    times = np.full((len(seeds), epochs + 1), np.nan)
    for i, s in enumerate(seeds):
        net = MLP(sizes, activation, seed=s, dtype=setup.dtype, init=setup.init)
        opt = Momentum(lr, setup.momentum) if setup.momentum else SGD(lr)
        hist = fit(net, setup.X, setup.y, optimizer=opt, epochs=epochs, batch_size=setup.batch_size,
                   seed=s, on_divergence="stop",
                   stop_at_error=target if setup.stop_at_target else None)
        acc = np.array([np.nan if v is None else v for v in hist.accuracy], dtype=float)
        error[i, : len(acc)] = 1 - acc
        times[i, : len(hist.epoch_time)] = hist.epoch_time
    return error, times


@dataclass
class RaceResult:
    """Everything the race measured.

    Attributes:
        activations, lrs, seeds: the grid (every activation ran with every lr and seed).
        target: the training error to reach.  epochs: the most epochs a run had.
        error: ``(activation, lr) -> array (n_seeds, epochs + 1)`` of training error per epoch
            (index 0 = at initialisation; NaN after a run stopped: diverged, or reached the
            target when the race stops runs there).
        epoch_time: ``(activation, lr) -> array (n_seeds, epochs + 1)`` of seconds per epoch
            (0 at index 0; NaN after a run stopped).
        best_lr: activation -> the learning rate with the fewest median epochs to the target.
        sizes, optimizer, init: the network, optimiser and weight initialisation (for the record).
        setup: how the runs were trained (:class:`RaceSetup`), so that :meth:`train` can add a
            cell off the grid the same way; ``None`` for a race put together by hand.
        added: the cells :meth:`train` added (also in ``error`` and ``epoch_time``; ``lrs``
            and ``best_lr`` stay those of the grid).
    """

    activations: tuple[str, ...]
    lrs: tuple[float, ...]
    seeds: tuple[int, ...]
    target: float
    epochs: int
    error: dict[tuple[str, float], np.ndarray]
    epoch_time: dict[tuple[str, float], np.ndarray]
    sizes: tuple[int, ...]
    optimizer: str
    init: str
    best_lr: dict[str, float] = field(default_factory=dict)
    setup: RaceSetup | None = field(default=None, repr=False)
    added: list[tuple[str, float]] = field(default_factory=list)

    def train(self, activation: str, lr: float) -> tuple[np.ndarray, np.ndarray]:
        """Train one more cell, ``activation`` at ``lr``, exactly as the race trained its grid.

        Same data, network, optimiser, seeds, epochs and target; the curves are stored in
        ``error`` and ``epoch_time`` (so every method reads them like a grid cell) and the cell
        is listed in ``added``. A cell that is already there is returned as it is.

        Raises:
            ValueError: for a race without a :attr:`setup`, an unknown activation or a learning
                rate that is not a positive number.
        """
        key = (activation, float(lr))
        if key in self.error:
            return self.error[key], self.epoch_time[key]
        if self.setup is None:
            raise ValueError("This race was put together by hand (no setup): it can only show "
                             f"its own cells, activations {self.activations}, lrs {self.lrs}.")
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"The learning rate must be a positive number, got {lr!r}.")
        _act.get(activation)  # an unknown name fails here, with the list of known ones
        error, times = _train_runs(self.setup, activation, float(lr), self.seeds, self.epochs,
                                   self.target)
        self.error[key], self.epoch_time[key] = error, times
        self.added.append(key)
        return error, times

    def epochs_to_target(
        self, activation: str, lr: float | None = None, target: float | None = None
    ) -> np.ndarray:
        """Per seed, the first epoch with training error <= target (``inf`` if never reached).

        ``lr=None`` means the activation's best learning rate; ``target=None`` the race's target.
        A different target must be at least the race's own (runs stopped there).
        """
        lr = self.best_lr[activation] if lr is None else lr
        target = self.target if target is None else float(target)
        if target < self.target:
            raise ValueError(f"The runs stopped at {self.target:g} training error; a lower target "
                             f"({target:g}) cannot be read off them. Run a race with that target.")
        err = self.error[(activation, lr)]
        out = np.full(len(self.seeds), np.inf)
        for i, row in enumerate(err):
            hit = np.flatnonzero(row <= target)
            if hit.size:
                out[i] = hit[0]
        return out

    def seconds_to_target(self, activation: str, lr: float | None = None) -> np.ndarray:
        """Per seed, training wall time (s) to the target (``inf`` if never reached).

        Estimated as epochs to target x the run's median seconds per epoch: on a shared machine
        single epochs can be slowed down by other programs, and the median ignores those.
        """
        lr = self.best_lr[activation] if lr is None else lr
        ep = self.epochs_to_target(activation, lr)
        times = self.epoch_time[(activation, lr)][:, 1:]
        out = np.full(len(self.seeds), np.inf)
        for i, (t, e) in enumerate(zip(times, ep, strict=True)):
            if np.isfinite(e):
                out[i] = e * float(np.nanmedian(t[: int(e)]))
        return out

    def ratio(
        self, slow: str, fast: str = "relu", what: str = "epochs", target: float | None = None
    ) -> np.ndarray:
        """Per seed, ``slow``'s epochs (``what="seconds"``: wall time) to the target divided by
        ``fast``'s, both at their best learning rates. Runs with the same seed see the mini-batches
        in the same order. ``target`` as in :meth:`epochs_to_target` (epochs only)."""
        if what == "epochs":
            return self.epochs_to_target(slow, target=target) / self.epochs_to_target(fast, target=target)
        if what != "seconds" or target is not None:
            raise ValueError("what must be 'epochs', or 'seconds' (at the race's own target).")
        return self.seconds_to_target(slow) / self.seconds_to_target(fast)

    def summary(self) -> str:
        """A plain-text table of epochs to target per activation at its best learning rate."""
        lines = [f"target: training error <= {self.target:.0%}, up to {self.epochs} epochs, "
                 f"{len(self.seeds)} seeds"]
        for a in self.activations:
            ep = self.epochs_to_target(a)
            shown = ", ".join("never" if not np.isfinite(e) else f"{int(e)}" for e in ep)
            lines.append(f"{a:<8} best lr {self.best_lr[a]:<6g} epochs to target: {shown}")
        return "\n".join(lines)


def _median_epochs(res: RaceResult, activation: str, lr: float) -> tuple[float, float]:
    ep = res.epochs_to_target(activation, lr)
    # fewest median epochs; ties broken by the mean over the seeds that reached the target
    finite = ep[np.isfinite(ep)]
    return float(np.median(ep)), float(finite.mean()) if finite.size else np.inf


def convergence_race(
    activations: Sequence[str] = ("relu", "tanh", "sigmoid"),
    lrs: Sequence[float] = (0.03, 0.1, 0.3, 1.0),
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    *,
    target: float = 0.10,
    epochs: int = 100,
    hidden: Sequence[int] = (64, 64),
    batch_size: int = 32,
    momentum: float = 0.9,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    dtype: type | np.dtype = np.float32,
    init: str | float | None = None,
    stop_at_target: bool = True,
    progress: Callable | None = None,
) -> RaceResult:
    """Train the same MLP on the same data with each activation, learning rate and seed.

    Each run uses the activation's usual initialisation (He for ReLU, Glorot for tanh and
    sigmoid), SGD with momentum (as Krizhevsky et al. 2012) and mini-batches whose order depends
    only on the seed. A run ends when it reaches the target (with ``stop_at_target``), diverges,
    or has trained ``epochs`` epochs. Each activation's best learning rate is the one with the
    fewest median epochs to ``target`` training error over the seeds (a run that never reaches
    it counts as infinitely slow).

    Args:
        activations: activation names.  lrs: the learning-rate grid (shared by all).
        seeds: seeds for the weights and the mini-batch order (>= 3 for a spread).
        target: training error (1 - accuracy) to reach.  epochs: epochs per run.
        hidden: hidden-layer widths.  batch_size: examples per step.
        momentum: heavy-ball momentum (0 for plain SGD).
        X, y: the data (default: :func:`race_data`, 600 standardised spiral points).
        dtype: float32 (fast) or float64.
        init: weight initialiser for every network (default: each activation's usual one, He
            for ReLU and Glorot for tanh and sigmoid; ``"he"`` gives all the same scale).
        stop_at_target: end each run at the target (cheaper; curves stop there) or train on.
        progress: optional wrapper for the loop over runs, e.g. ``dying_relu.progress.progress``.

    Returns:
        a :class:`RaceResult`.
    """
    if len(seeds) < 1 or len(lrs) < 1 or len(activations) < 1:
        raise ValueError("Give at least one activation, learning rate and seed.")
    if not 0 <= target < 1:
        raise ValueError(f"target is a training error in [0, 1), got {target}.")
    if X is None or y is None:
        X, y = race_data()
    setup = RaceSetup(X, y, tuple(int(h) for h in hidden), int(batch_size), float(momentum),
                      np.dtype(dtype), init, bool(stop_at_target))
    sizes = (X.shape[1], *setup.hidden, int(np.max(y)) + 1)
    cells = [(a, lr) for a in activations for lr in lrs]
    error, times = {}, {}
    wrap = progress or (lambda it, **kw: it)
    for a, lr in wrap(cells, desc="race"):
        error[(a, float(lr))], times[(a, float(lr))] = _train_runs(setup, a, float(lr), seeds,
                                                                   epochs, target)
    opt_name = f"SGD + momentum {momentum:g}" if momentum else "SGD"
    res = RaceResult(tuple(activations), tuple(float(v) for v in lrs), tuple(seeds), float(target),
                     int(epochs), error, times, sizes, opt_name,
                     "usual per activation" if init is None else str(init), setup=setup)
    for a in activations:
        res.best_lr[a] = min(res.lrs, key=lambda lr, a=a: _median_epochs(res, a, lr))
    return res


def compute(race: RaceResult, activation: str, lr: float) -> dict[str, object]:
    """The explorer's data for one frame: the training-error curves of one activation at one lr.

    ``lr`` may be any positive learning rate: a cell of the race's grid is only read (free), any
    other is trained first with :meth:`RaceResult.train`, exactly as the race trained its grid
    (every seed, up to ``race.epochs`` epochs: from a fraction of a second for a run that reaches
    the target in a few epochs to seconds for one that never does), and kept for the next call.
    Returns a dict with

    - ``epochs``: shape ``(epochs + 1,)``, 0 .. epochs;
    - ``curves``: ``(n_seeds, epochs + 1)`` training error, NaN after a run stopped;
    - ``epochs_to_target``: ``(n_seeds,)``, ``inf`` where the target was never reached;
    - ``diverged``: ``(n_seeds,)`` bool, runs whose loss blew up (their curve stops early without
      reaching the target);
    - ``reference``: ReLU's curves at its best lr (the first activation's if there is no ReLU),
      ``reference_label``, ``best_lr`` (this activation's; ``nan`` for one the race did not
      tune), ``target`` and ``computed`` (True if this call trained the cell).

    Raises:
        KeyError: the race was put together by hand and has no run for this setting.
        ValueError: a learning rate that is not a positive number, an unknown activation.
    """
    lr = float(lr)
    computed = (activation, lr) not in race.error
    if computed:
        if race.setup is None:
            raise KeyError(f"The race has no run for {activation!r} at lr={lr:g} and cannot train "
                           f"one (no setup); activations {race.activations}, lrs {race.lrs}.")
        race.train(activation, lr)
    curves = race.error[(activation, lr)]
    ep = race.epochs_to_target(activation, lr)
    last = np.array([np.flatnonzero(np.isfinite(row))[-1] for row in curves])
    ref_act = "relu" if "relu" in race.activations else race.activations[0]
    return {
        "epochs": np.arange(race.epochs + 1),
        "curves": curves,
        "epochs_to_target": ep,
        "diverged": ~np.isfinite(ep) & (last < race.epochs),
        "reference": race.error[(ref_act, race.best_lr[ref_act])],
        "reference_label": f"{ref_act}, lr {race.best_lr[ref_act]:g} (its best)",
        "best_lr": race.best_lr.get(activation, float("nan")),
        "target": race.target,
        "computed": computed,
    }
