"""The dead-neuron lab (issue 14): train a small network live and watch its units die.

Course tooling (it may import the numeric core and the chapters; nothing imports it). In a live
kernel (:func:`dying_relu.live.is_live`: JupyterLab) the one cell ::

    from dying_relu.lab import DeadNeuronLab
    DeadNeuronLab(data="spirals", depth=3, width=16, activation="relu", init="he", bias=0.0,
                  optimizer="sgd", lr=1.0, seed=0)

shows a panel: pick the data set, depth, width, activation (every one of
:func:`dying_relu.activations.available`), initialisation, bias shift, optimiser and learning
rate; press **Train** and watch, every few steps, the loss, the dead fraction per hidden layer and
Chapter 3's first-layer microscope (:func:`dying_relu.plots.draw_microscope`); **Kill unit** makes
a chosen unit dead (:func:`dying_relu.dying.kill_unit`), **Reinitialise dead units** recycles the
dead ones with ReDo (:func:`dying_relu.redo.redo`); **Stop** works at any time. The panel shows the
one line of Python that recreates the setting (:meth:`LabConfig.line`); constructing the lab with
those arguments gives the same network, data and mini-batch order, so the same run.

Where nobody can press a button (the book build, nbval, ``make notebook``), the same cell shows a
*frozen frame* instead: the panel after a short deterministic run (:data:`FROZEN_EPOCHS` epochs)
as an ``image/png`` with alt text and a caption that says what the live lab does. No widget is
built and no thread is started.

Layers of this module, each testable alone:

- :class:`LabConfig`: the setting, checked (a bad argument gets a message saying what to pass),
  and its recreate line;
- :class:`LabRun`: the numeric state (network, optimiser, data, shuffling generator, records).
  :meth:`LabRun.advance` is the training step: it drives :func:`dying_relu.train.fit` for a whole
  number of epochs (its ``on_step`` hook records and can stop the run between two steps); there is
  no second training loop. Chunks chain exactly: ``advance(1)`` twice is ``fit(epochs=2)`` once,
  bit for bit. :meth:`LabRun.kill` and :meth:`LabRun.reinit_dead` change the network;
- :func:`draw_lab`: the panel's figure from a :meth:`LabRun.snapshot`;
- :class:`DeadNeuronLab`: the widgets, and a worker thread that trains while the kernel keeps
  answering clicks. One lock guards the run: the worker holds it for each chunk of training, and
  Kill/Reinitialise/Reset take it, so they happen between two chunks, never during a step.
"""

from __future__ import annotations

import contextlib
import html
import io
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from . import activations as _act
from . import data as _data
from . import diagnostics as _diag
from . import dying as _dying
from . import init as _init
from . import live as _live
from . import optim as _optim
from . import redo as _redo
from . import seeding as _seeding
from . import train as _train
from .nn import MLP

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "FROZEN_EPOCHS",
    "INITS",
    "OPTIMIZERS",
    "DeadNeuronLab",
    "LabConfig",
    "LabFigure",
    "LabRun",
    "draw_lab",
    "frozen_frame",
]

#: The 2-D classification sets of :mod:`dying_relu.data` (the microscope needs 2-D inputs).
DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "spirals": _data.spirals,
    "moons": _data.moons,
    "circles": _data.circles,
    "xor": _data.xor,
}
#: Every activation of the registry.
ACTIVATIONS: tuple[str, ...] = tuple(_act.available())
#: Weight initialisations: names of :func:`dying_relu.init.get`, RAI (:class:`~dying_relu.init.RAI`,
#: weights and biases drawn together) and PyTorch's default (weights *and* biases, as ``nn.Linear``).
INITS: tuple[str, ...] = ("he", "he_uniform", "glorot", "glorot_uniform", "lecun", "rai",
                          "torch_default")
#: Optimisers of :mod:`dying_relu.optim`; ``"nesterov"`` is ``Momentum(lr, nesterov=True)``.
OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "nesterov", "adam", "adamw")
MAX_DEPTH = 8
MAX_WIDTH = 64
#: Epochs of the deterministic run shown as the frozen frame (book, nbval, PDF).
FROZEN_EPOCHS = 60
#: A run whose training loss exceeds this many times its value at initialisation has blown up
#: (the threshold of :func:`dying_relu.train.fit`).
BLOWUP = 1e3
#: The worker pauses by itself after this many epochs of one Train press (press Train to go on).
MAX_EPOCHS = 2000


def _choice(name: str, value: object, known: tuple[str, ...] | list[str]) -> str:
    if not isinstance(value, str) or value not in known:
        raise ValueError(f"Unknown {name} {value!r}. Choose one of: {', '.join(known)}.")
    return value


def _int_in(name: str, value: object, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a whole number from {lo} to {hi} ({what}), got {value!r}.")
    return int(value)


def _number(name: str, value: object, lo: float, hi: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not np.isfinite(value) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a number from {lo:g} to {hi:g} ({what}), got {value!r}.")
    return float(value)


@dataclass(frozen=True)
class LabConfig:
    """One setting of the lab, checked when it is made.

    Attributes:
        data: a data set of :data:`DATASETS` (``n`` points in 2-D, 2 or 3 classes).
        depth: hidden layers, 1..8.  width: units per hidden layer, 1..64.
        activation: any activation of the registry (:data:`ACTIVATIONS`).
        init: a weight initialisation of :data:`INITS`.
        bias: bias shift added to every *hidden* unit's initial bias (the output layer's is not
            shifted), -5..5; a negative shift makes units start dead.
        optimizer: one of :data:`OPTIMIZERS`.  lr: learning rate, (0, 100].
        seed: seeds the data, the weights and the mini-batch order (through
            :mod:`dying_relu.seeding`).
        n: examples in the data set (16..4000).  batch_size: examples per step (1..n).
    """

    data: str = "spirals"
    depth: int = 3
    width: int = 16
    activation: str = "relu"
    init: str = "he"
    bias: float = 0.0
    optimizer: str = "sgd"
    lr: float = 1.0
    seed: int = 0
    n: int = 256
    batch_size: int = 32

    def __post_init__(self) -> None:
        _choice("data set", self.data, list(DATASETS))
        _int_in("depth", self.depth, 1, MAX_DEPTH, "hidden layers")
        _int_in("width", self.width, 1, MAX_WIDTH, "units per hidden layer")
        _choice("activation", self.activation, ACTIVATIONS)
        _choice("initialisation", self.init, INITS)
        _number("bias", self.bias, -5, 5, "the shift of every hidden unit's initial bias")
        _choice("optimiser", self.optimizer, OPTIMIZERS)
        lr = self.lr
        if isinstance(lr, bool) or not isinstance(lr, int | float | np.integer | np.floating) \
                or not np.isfinite(lr) or not 0 < lr <= 100:
            raise ValueError(f"lr must be a number > 0 and at most 100 (the learning rate, e.g. 0.1), "
                             f"got {lr!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {self.seed!r}.")
        _int_in("n", self.n, 16, 4000, "examples in the data set")
        _int_in("batch_size", self.batch_size, 1, self.n, "examples per step, at most n")
        for f in fields(self):  # plain Python numbers, so the recreate line reads as typed
            v = getattr(self, f.name)
            if isinstance(v, np.integer):
                object.__setattr__(self, f.name, int(v))
        for name in ("bias", "lr"):
            object.__setattr__(self, name, float(getattr(self, name)))

    #: the arguments the recreate line always shows (the others only when not at their default)
    SHOWN = ("data", "depth", "width", "activation", "init", "bias", "optimizer", "lr", "seed")

    def kwargs(self) -> dict[str, Any]:
        """The constructor arguments of the line: the nine always shown, then any non-default."""
        defaults = LabConfig.__dataclass_fields__
        out = {k: getattr(self, k) for k in self.SHOWN}
        out.update({k: v for k, v in asdict(self).items()
                    if k not in self.SHOWN and v != defaults[k].default})
        return out

    def line(self) -> str:
        """The one line of Python that recreates this setting, e.g.
        ``DeadNeuronLab(data="spirals", depth=4, width=8, ..., seed=0)``."""
        def fmt(v: Any) -> str:
            return f'"{v}"' if isinstance(v, str) else repr(v)

        return "DeadNeuronLab(" + ", ".join(f"{k}={fmt(v)}" for k, v in self.kwargs().items()) + ")"

    @property
    def sizes(self) -> list[int]:
        """Layer widths ``[2, width, ..., width, classes]``."""
        return [2] + [self.width] * self.depth + [self.classes]

    @property
    def classes(self) -> int:
        return 3 if self.data == "spirals" else 2


def _shifted(base: Any, shift: float) -> Any:
    """A bias initialiser: ``base`` (a number or a callable ``(fan_out, rng, dtype)``) plus ``shift``."""
    if shift == 0:
        return base
    if callable(base):
        def init(fan_out: int, rng: np.random.Generator, dtype: Any = np.float64) -> np.ndarray:
            return np.asarray(base(fan_out, rng, dtype), dtype) + np.asarray(shift, dtype)

        return init
    return float(base) + shift


def build(config: LabConfig) -> tuple[MLP, _optim.Optimizer, np.ndarray, np.ndarray]:
    """The network, optimiser and data ``X (n, 2)``, ``y (n,)`` of a setting (all seeded)."""
    X, y = DATASETS[config.data](config.n, seed=config.seed)
    sizes = config.sizes
    n_layers = len(sizes) - 1
    if config.init == "rai":
        rai = _init.RAI()
        init: Any = rai.init
        base: list[Any] = [rai.bias] * n_layers
    elif config.init == "torch_default":
        init, base = "torch_default", _init.torch_default_biases(sizes)
    else:
        init, base = config.init, [0.0] * n_layers
    biases = [_shifted(b, config.bias) for b in base[:-1]] + [base[-1]]
    net = MLP(sizes, config.activation, init=init, bias=biases, seed=config.seed)
    if config.optimizer == "nesterov":
        opt: _optim.Optimizer = _optim.Momentum(config.lr, nesterov=True)
    else:
        opt = _optim.get(config.optimizer, lr=config.lr)
    return net, opt, X, y


class LabRun:
    """The numeric state of one lab run, and its training step (no widgets, no threads).

    Records (one entry per record, the first at initialisation): ``record_steps`` (the step count),
    ``loss`` and ``accuracy`` on the whole data set, ``dead`` (fraction of dead units per hidden
    layer, an array ``(depth,)``); per optimisation step ``step_loss`` (the mini-batch loss);
    ``events``: ``(step, text)`` for every kill and reinitialisation. ``status`` is ``"ready"``,
    ``"diverged"`` or ``"blew up"`` (then :attr:`message` says what to do and :meth:`advance`
    does nothing).
    """

    def __init__(self, config: LabConfig | None = None, **kwargs: Any) -> None:
        self.config = config if config is not None else LabConfig(**kwargs)
        self.net, self.optimizer, self.X, self.y = build(self.config)
        self.rng = _seeding.rng(self.config.seed)  # the mini-batch order, continued across chunks
        self.step = 0
        self.epoch = 0
        self.record_steps: list[int] = []
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self.dead: list[np.ndarray] = []
        self.step_loss: list[float] = []
        self.events: list[tuple[int, str]] = []
        self.status = "ready"
        self.message = ""
        self.revived = 0  # units active again after the last reinit_dead
        self._record()

    @property
    def finished(self) -> bool:
        """True once the run diverged or blew up (Reset to start again)."""
        return self.status != "ready"

    def dead_masks(self) -> list[np.ndarray]:
        """Per hidden layer, the boolean dead mask ``(width,)`` on the data (``z <= 0`` everywhere)."""
        return _diag.dead_mask(self.net, self.X)

    def _record(self) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            loss, acc = _train.evaluate(self.net, self.X, self.y)
            dead = _diag.dead_fraction(self.net, self.X)
        self.record_steps.append(self.step)
        self.loss.append(float(loss))
        self.accuracy.append(float(acc))
        self.dead.append(dead)

    def advance(self, epochs: int = 1, should_stop: Callable[[], bool] | None = None) -> int:
        """Train for ``epochs`` more epochs with :func:`dying_relu.train.fit`; return the steps taken.

        ``should_stop()`` is asked after every step (``fit``'s ``on_step`` hook); True ends the
        chunk there. A loss that becomes NaN or infinite (``fit``'s divergence check) or grows past
        :data:`BLOWUP` times its start ends the run: :attr:`status` and :attr:`message` say so, and
        the network is put back as it was before the chunk (the last finite state).
        """
        if int(epochs) != epochs or epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}.")
        if self.finished:
            return 0
        saved = self.net.state()
        start, taken = self.step, [0]
        ends: list[tuple[int, np.ndarray]] = []  # (step, dead fraction per layer) after each epoch

        def on_step(net: MLP, step: int) -> None:
            taken[0] = step
            if should_stop is not None and should_stop():
                raise _train.StopTraining

        def on_epoch(net: MLP, epoch: int) -> None:
            if epoch > 0:
                ends.append((start + taken[0], _diag.dead_fraction(net, self.X)))

        hist = _train.fit(self.net, self.X, self.y, optimizer=self.optimizer, epochs=int(epochs),
                          batch_size=self.config.batch_size, rng=self.rng, on_step=on_step,
                          on_epoch=on_epoch, on_divergence="stop", blowup=None)
        losses = hist.steps.get("loss", [])
        self.step_loss.extend(float(v) for v in losses)
        self.step += len(losses)
        if hist.diverged:
            self.net.load_state(saved)
            self.status = "diverged"
            self.message = (
                f"Training diverged at step {self.step + 1}: the loss became NaN or infinite with "
                f"{self.optimizer!r}, so training stopped; the microscope shows the network as it was "
                f"at step {start}. Lower the learning rate (try lr={self.config.lr / 10:g}) and train "
                "again.")
            return len(losses)
        for e, (step, dead) in enumerate(ends, start=1):  # fit's own per-epoch evaluation
            self.epoch += 1
            self.record_steps.append(step)
            self.loss.append(float(hist.loss[e]))
            self.accuracy.append(float(hist.accuracy[e]))
            self.dead.append(dead)
        if self.record_steps[-1] != self.step:  # stopped inside an epoch
            self._record()
        if self.loss[-1] > BLOWUP * max(self.loss[0], np.finfo(float).tiny):
            self.status = "blew up"
            self.message = (
                f"The training loss grew from {self.loss[0]:.3g} to {self.loss[-1]:.3g} (more than "
                f"{BLOWUP:g} times) with {self.optimizer!r}: training is unstable. Lower the learning "
                f"rate (try lr={self.config.lr / 10:g}) and train again.")
        return len(losses)

    def _check_unit(self, layer: int, unit: int) -> None:
        depth, width = self.config.depth, self.config.width
        if isinstance(layer, bool) or not isinstance(layer, int | np.integer) or not 0 <= layer < depth:
            raise ValueError(f"layer must be a hidden layer from 0 to {depth - 1} (0 is the first), "
                             f"got {layer!r}.")
        if isinstance(unit, bool) or not isinstance(unit, int | np.integer) or not 0 <= unit < width:
            raise ValueError(f"unit must be from 0 to {width - 1} (the layer has {width} units), "
                             f"got {unit!r}.")

    def kill(self, layer: int, unit: int) -> str:
        """Make unit ``unit`` of hidden layer ``layer`` (both from 0) dead on the data.

        Its bias is lowered just enough that ``z <= -0.01`` on every example
        (:func:`dying_relu.dying.kill_unit`); its weights are untouched. A unit that is dead
        already is left as it is. Returns what happened, in words.
        """
        self._check_unit(layer, unit)
        if self.dead_masks()[layer][unit]:
            return f"layer {layer + 1}, unit {unit + 1} is dead already."
        _dying.kill_unit(self.net, self.X, int(layer), int(unit))
        text = f"killed layer {layer + 1}, unit {unit + 1}"
        self.events.append((self.step, text))
        self._record_now()
        return text + "."

    def reinit_dead(self) -> list[int]:
        """Reinitialise every dead unit with ReDo (:func:`dying_relu.redo.redo`: fresh incoming
        weights from the network's initialiser, its initial bias, zero outgoing weights, the
        optimiser's state for them zeroed). Returns the number reset per hidden layer."""
        before = self.dead_masks()
        counts = _redo.redo(self.net, before, self.optimizer)
        if sum(counts):
            after = self.dead_masks()
            self.revived = sum(int((b & ~a).sum()) for b, a in zip(before, after, strict=True))
            self.events.append((self.step, f"reinitialised {sum(counts)} dead unit(s), "
                                           f"{self.revived} active again"))
            self._record_now()
        else:
            self.revived = 0
        return counts

    def _record_now(self) -> None:
        """Replace the record of the current step (after a kill or reinit), or add one."""
        if self.record_steps and self.record_steps[-1] == self.step:
            for seq in (self.record_steps, self.loss, self.accuracy, self.dead):
                seq.pop()
        self._record()

    def snapshot(self) -> dict[str, Any]:
        """Copies of what the panel shows (safe to draw while training goes on).

        ``X (n, 2)``, ``y (n,)``, ``W (2, width)``, ``b (width,)`` (the first layer), ``dead0``
        (its dead mask), ``dead_counts`` (dead units per hidden layer), ``record_steps``, ``loss``,
        ``accuracy``, ``dead (records, depth)``, ``step_loss``, ``events``, ``step``, ``epoch``,
        ``status``, ``message``, ``line`` (the recreate line), ``config``.
        """
        masks = self.dead_masks()
        first = self.net.layers[0]
        return {
            "X": self.X, "y": self.y, "W": first.W.copy(), "b": first.b.copy(),
            "dead0": masks[0].copy(), "dead_counts": [int(m.sum()) for m in masks],
            "record_steps": np.array(self.record_steps), "loss": np.array(self.loss),
            "accuracy": np.array(self.accuracy), "dead": np.array(self.dead),
            "step_loss": np.array(self.step_loss), "events": list(self.events),
            "step": self.step, "epoch": self.epoch, "status": self.status, "message": self.message,
            "line": self.config.line(), "config": self.config,
        }


# ---------------------------------------------------------------------------------------------
# The panel's figure and its words
# ---------------------------------------------------------------------------------------------


def summary(snap: dict[str, Any]) -> str:
    """One line of text for a snapshot: step, epoch, loss, accuracy, dead units per layer."""
    width = snap["config"].width
    dead = ", ".join(f"{d}/{width}" for d in snap["dead_counts"])
    return (f"step {snap['step']}, epoch {snap['epoch']}: loss {snap['loss'][-1]:.4g}, "
            f"accuracy {snap['accuracy'][-1]:.0%}; dead units per hidden layer: {dead}")


def describe(snap: dict[str, Any]) -> str:
    """The frame's alt text: what it shows and the numbers that matter."""
    cfg = snap["config"]
    loss = snap["loss"]
    n_dead = int(np.sum(snap["dead0"]))
    return (
        f"Dead-neuron lab after {snap['step']} steps ({snap['epoch']} epochs) on {cfg.data} with "
        f"{cfg.depth} hidden layers of {cfg.width} {cfg.activation} units, {cfg.init} initialisation, "
        f"bias shift {cfg.bias:g}, {cfg.optimizer} at learning rate {cfg.lr:g}. Left: the training "
        f"loss, from {loss[0]:.3g} to {loss[-1]:.3g}. Middle: the fraction of dead units per hidden "
        f"layer over the steps; now {', '.join(str(d) for d in snap['dead_counts'])} of {cfg.width} "
        f"per layer. Right: the first-layer microscope, each unit's boundary line over the data, "
        f"{cfg.width - n_dead} alive (solid) and {n_dead} dead (dashed)."
        + (f" {snap['message']}" if snap["message"] else "")
    )


def _page(step: int) -> int:
    """The right end of the step axis: 8, 16, 32, ... (the axes change only at these points)."""
    return 8 if step <= 8 else 2 ** int(np.ceil(np.log2(step)))


class LabFigure:
    """The panel's figure, kept between redraws: the loss over the steps (mini-batch and whole data
    set), the dead fraction per hidden layer, and Chapter 3's first-layer microscope
    (:func:`dying_relu.plots.draw_microscope`, redrawn each time).

    A ``matplotlib.figure.Figure`` outside pyplot (safe to draw from the lab's worker thread), laid
    out once with fixed margins (a layout engine and log-scale tick labels in mathtext cost more
    than the rest of a redraw). With ``blit=True`` (the live panel) :meth:`png` draws only what
    changes (curves, titles, the microscope's units and data, legends) over a cached picture of
    the axes, ticks and labels, which is redrawn only when the axis limits change: the step axis
    ends at 8, 16, 32, ... steps and the loss axis is widened only when the loss leaves it
    (benchmarks/lab.py measures both ways). Colours and line styles from
    :func:`dying_relu.plots.style` (colour-blind-safe, distinct dashes per layer).
    """

    def __init__(self, depth: int, figsize: tuple[float, float] = (10.5, 3.8), dpi: int = 80,
                 *, blit: bool = False) -> None:
        from matplotlib.ticker import MaxNLocator

        from . import plots

        self.depth = int(depth)
        self.kept = plots.KeptFigure(figsize=figsize, dpi=dpi, blit=blit)
        self.fig = self.kept.fig
        self.ax_loss, self.ax_dead, self.ax_mic = self.fig.subplots(
            1, 3, gridspec_kw={"width_ratios": [1.2, 1.2, 1]})
        self.fig.subplots_adjust(left=0.055, right=0.99, bottom=0.27, top=0.91, wspace=0.28)
        ax = self.ax_loss
        (self.batch_line,) = ax.plot([], [], lw=0.8, label="mini-batch", **plots.style("copy"))
        (self.loss_line,) = ax.plot([], [], label="whole data set", **plots.style(None, index=0))
        self._log = True
        self._scale(False)
        ax.set_xlabel("step")
        below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "fontsize": 8}
        self.legends = [ax.legend(ncol=2, **below)]
        self.dead_lines = [
            self.ax_dead.plot([], [], label=f"layer {i + 1}", drawstyle="steps-post",
                              **plots.style(None, index=i))[0] for i in range(self.depth)]
        self.ax_dead.set_ylim(-0.03, 1.03)
        for a in (self.ax_loss, self.ax_dead):  # few ticks, reused from frame to frame
            a.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        self.ax_dead.yaxis.set_major_locator(MaxNLocator(5))
        self.ax_dead.set_xlabel("step")
        # (fixed title positions: automatic placement measures every tick label, every frame)
        self.ax_dead.set_title("dead fraction per hidden layer", fontsize=10, y=1.0)
        self.legends.append(self.ax_dead.legend(ncol=min(self.depth, 4), **below))
        self._events: list[Any] = []
        self._mic: list[Any] = []

    def _scale(self, log: bool) -> None:
        """Linear loss axis, or logarithmic once the loss spans more than a factor of 20 (with
        plain tick labels: mathtext labels cost more than the rest of a redraw)."""
        if log == self._log:
            return
        from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

        self._log = log
        ax = self.ax_loss
        ax.set_yscale("log" if log else "linear")
        if not log:
            ax.yaxis.set_major_locator(MaxNLocator(5))
        else:
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())

    def _loss_limits(self, lo: float, hi: float) -> None:
        """Widen (or, when far too wide, reset) the loss axis only when the loss leaves it."""
        self._scale(hi > 20 * lo)
        bottom, top = self.ax_loss.get_ylim()
        if self._log:
            if not (0 < bottom <= lo and hi <= top and top / bottom < 100 * hi / lo):
                self.ax_loss.set_ylim(lo / 2, hi * 2)
        elif not (bottom == 0 and hi <= top < 4 * hi):
            self.ax_loss.set_ylim(0, hi * 1.25 if hi > 0 else 1)

    def update(self, snap: dict[str, Any]) -> Any:
        """Show a :meth:`LabRun.snapshot`; returns the figure."""
        from . import plots

        if snap["dead"].shape[1] != self.depth:
            raise ValueError(f"This figure has {self.depth} hidden layers, the snapshot "
                             f"{snap['dead'].shape[1]}: make a new LabFigure for the new depth.")
        steps, step_loss, loss = snap["record_steps"], snap["step_loss"], snap["loss"]
        ok = np.isfinite(step_loss) & (step_loss > 0)
        self.batch_line.set_data(np.arange(1, len(step_loss) + 1)[ok], step_loss[ok])
        fin = np.isfinite(loss) & (loss > 0)
        self.loss_line.set_data(steps[fin], loss[fin])
        for i, line in enumerate(self.dead_lines):
            line.set_data(steps, snap["dead"][:, i])
        right = _page(int(max(steps[-1], len(step_loss))))
        for ax in (self.ax_loss, self.ax_dead):
            ax.set_xlim(0, right * 1.02)
        shown = np.concatenate([step_loss[ok], loss[fin]])
        if shown.size:
            self._loss_limits(float(shown.min()), float(shown.max()))
        for artist in self._events:
            artist.remove()
        self._events = [ax.axvline(step, color=plots.OKABE_ITO["black"], lw=0.8, linestyle=":")
                        for step, _ in snap["events"] for ax in (self.ax_loss, self.ax_dead)]
        self.ax_loss.set_title(f"loss {loss[-1]:.3g}, accuracy {snap['accuracy'][-1]:.0%}",
                               fontsize=10, y=1.0)
        self._mic = plots.redraw_microscope(self.ax_mic, self._mic, snap["W"], snap["b"], snap["X"],
                                            snap["y"], dead=snap["dead0"], title="layer 1")
        return self.fig

    def _dynamic(self) -> list[Any]:
        """What changes from frame to frame, in drawing order (by z-order; the legends, below the
        axes, never overlap it and stay in the background)."""
        moving = [self.batch_line, self.loss_line, *self.dead_lines, *self._events, *self._mic]
        return sorted(moving, key=lambda a: a.get_zorder()) + [self.ax_loss.title, self.ax_mic.title]

    def png(self) -> bytes:
        """PNG bytes of the frame last set by :meth:`update` (see the class docstring)."""
        return self.kept.png(self._dynamic(), key=(self._log,))


def draw_lab(snap: dict[str, Any], figsize: tuple[float, float] = (10.5, 3.8)) -> Any:
    """The panel's figure for one :meth:`LabRun.snapshot` (a fresh :class:`LabFigure`)."""
    return LabFigure(snap["dead"].shape[1], figsize).update(snap)


def figure_png(fig: Any, dpi: int = 80) -> bytes:
    """PNG bytes of a figure drawn by :func:`draw_lab` (Agg, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)  # kept: its renderer caches the text metrics between frames
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


_LIVE_WORDS = (
    "In JupyterLab, with a live kernel, this cell is a lab: menus and fields for the data set, "
    "depth, width, activation, initialisation, bias shift, optimiser and learning rate; Train and "
    "Stop buttons; buttons that kill a chosen unit or reinitialise the dead ones (ReDo); and this "
    "panel redrawn every few steps while the network trains."
)


def frozen_frame(config: LabConfig, epochs: int = FROZEN_EPOCHS, dpi: int = 100
                 ) -> tuple[bytes, str, str]:
    """``(png, alt, caption)`` of the panel after ``epochs`` epochs of a deterministic run."""
    run = LabRun(config)
    for _ in range(int(epochs)):
        if run.finished:
            break
        run.advance(1)
    snap = run.snapshot()
    png = figure_png(draw_lab(snap), dpi=dpi)
    caption = (f"The dead-neuron lab after {snap['epoch']} epochs of {config.line()}. {_LIVE_WORDS}")
    return png, describe(snap), caption


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------

LAB_CLASS = "dr-lab"  # CSS class of the whole panel (tests look for it)
#: Labs whose worker may be training: pressing Train in one stops the others (a re-run cell leaves
#: its old lab behind, and two labs would share the two cores).
_LABS: weakref.WeakSet = weakref.WeakSet()


class DeadNeuronLab:
    """The dead-neuron lab: live widgets in a kernel a learner drives, a frozen frame elsewhere.

    Args: those of :class:`LabConfig` (``data``, ``depth``, ``width``, ``activation``, ``init``,
        ``bias``, ``optimizer``, ``lr``, ``seed``, ``n``, ``batch_size``), and
        live: None (default) asks :func:`dying_relu.live.is_live`; True builds the widgets, False
            shows only the frozen frame.
        epochs_per_frame: epochs trained between two redraws (each epoch is ``n / batch_size``
            steps, 8 by default).

    Displaying the object shows the panel (live) or the frozen frame (``image/png`` with alt
    text and caption in its metadata). The methods :meth:`train`, :meth:`stop`, :meth:`kill`,
    :meth:`reinit_dead` and :meth:`reset` do what the buttons do.
    """

    def __init__(self, *, live: bool | None = None, epochs_per_frame: int = 1, **kwargs: Any) -> None:
        unknown = set(kwargs) - set(LabConfig.__dataclass_fields__)
        if unknown:
            raise TypeError(f"DeadNeuronLab got unknown argument(s) {sorted(unknown)}; it takes "
                            f"{', '.join(LabConfig.__dataclass_fields__)}, live and epochs_per_frame.")
        self.config = LabConfig(**kwargs)
        self.epochs_per_frame = _int_in("epochs_per_frame", epochs_per_frame, 1, 100,
                                        "epochs between two redraws")
        self.live = _live.is_live() if live is None else bool(live)
        self._lock = threading.RLock()  # guards self.run: held for each chunk of training
        self._draw_lock = threading.Lock()  # one redraw at a time
        self._stop = threading.Event()
        self._waiting = threading.Event()  # a click waits for the lock: end the chunk early
        self._thread: threading.Thread | None = None
        self.frames = 0  # redraws so far (the tests count them)
        self.redraw_seconds: list[float] = []
        self._figure: LabFigure | None = None
        self.run: LabRun | None = None
        self.widget: Any = None
        if self.live:
            self.run = LabRun(self.config)
            self._build()
            self._redraw(self.run.snapshot())

    # -- state -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the worker thread trains."""
        return self._thread is not None and self._thread.is_alive()

    def line(self) -> str:
        """The one line of Python that recreates the current setting."""
        return self.config.line()

    def __repr__(self) -> str:
        return self.line()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
        if self.live:
            return self.widget._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        import base64

        png, alt, caption = frozen_frame(self.config)
        data = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": self.line()}
        return data, {"image/png": {"alt": " ".join(alt.split()), "caption": caption}}

    def _need_live(self, what: str) -> None:
        if not self.live:
            raise RuntimeError(f"{what} needs the live lab (a kernel started by JupyterLab, or "
                               "DeadNeuronLab(..., live=True)); this one shows a frozen frame.")

    # -- actions (also the buttons) ---------------------------------------------------------------

    def train(self) -> bool:
        """Start training in the background; False (and a message) if it cannot start."""
        self._need_live("train()")
        for other in list(_LABS):
            if other is not self and other.running:
                other.stop()
        with self._lock:
            if self.running:
                return False
            if self.run.finished:
                self._status(f"{self.run.message} (Change a setting or press Reset first.)")
                return False
            self._stop.clear()
            self._thread = threading.Thread(target=self._work, name="DeadNeuronLab", daemon=True)
            self._set_busy(True)
            _LABS.add(self)
            self._thread.start()
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop training after the current step and wait for the worker's last redraw."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def kill(self, layer: int, unit: int) -> str:
        """Kill unit ``unit`` of hidden layer ``layer`` (both from 0); see :meth:`LabRun.kill`."""
        self._need_live("kill()")
        with self._locked():  # between two steps of training, never inside one
            text = self.run.kill(layer, unit)
            snap = self.run.snapshot()
        if not self.running:
            self._redraw(snap, note=text.rstrip("."))
        else:
            self._status(summary(snap) + f" ({text.rstrip('.')})")
        return text

    def reinit_dead(self) -> list[int]:
        """Reinitialise the dead units (ReDo); see :meth:`LabRun.reinit_dead`."""
        self._need_live("reinit_dead()")
        with self._locked():
            counts = self.run.reinit_dead()
            snap = self.run.snapshot()
            revived = self.run.revived
        note = (f"reinitialised {sum(counts)} dead unit(s) ({', '.join(map(str, counts))} per layer), "
                f"{revived} of them active again" if sum(counts) else "no dead unit to reinitialise")
        if not self.running:
            self._redraw(snap, note=note)
        else:
            self._status(summary(snap) + f" ({note})")
        return counts

    def reset(self, **changes: Any) -> None:
        """Stop, then start again from initialisation, with ``changes`` to the setting."""
        self._need_live("reset()")
        self.stop()
        if self.running:  # the worker did not finish its step within stop()'s timeout
            raise RuntimeError("The lab is still finishing a training step; press Reset again.")
        config = LabConfig(**{**asdict(self.config), **changes})
        with self._lock:
            self.config = config
            self.run = LabRun(config)
            snap = self.run.snapshot()
        self._sync_controls()
        self._redraw(snap)

    # -- the worker ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The run's lock, for a click: the worker ends its chunk after the current step."""
        self._waiting.set()
        try:
            with self._lock:
                self._waiting.clear()
                yield
        finally:
            self._waiting.clear()

    def _should_stop(self) -> bool:
        return self._stop.is_set() or self._waiting.is_set()

    def _work(self) -> None:
        note = "stopped"
        with self._lock:
            snap = self.run.snapshot()
        first = snap["epoch"]
        try:
            while not self._stop.is_set():
                while self._waiting.is_set() and not self._stop.is_set():
                    time.sleep(0.002)  # let the click that waits for the lock have it first
                with self._lock:
                    self.run.advance(self.epochs_per_frame, should_stop=self._should_stop)
                    snap = self.run.snapshot()
                if snap["status"] != "ready":
                    note = snap["status"]
                    break
                if snap["epoch"] - first >= MAX_EPOCHS:
                    note = f"paused after {MAX_EPOCHS} more epochs; press Train to go on"
                    break
                self._redraw(snap, note="training")
        except Exception as exc:  # shown in the panel, not lost in a thread
            note = f"error: {type(exc).__name__}: {exc}"
            with self._lock:
                snap = self.run.snapshot()
        try:
            self._redraw(snap, note=note)  # the last frame, before the buttons come back
        finally:
            self._set_busy(False)

    # -- widgets ------------------------------------------------------------------------------

    def _build(self) -> None:
        import ipywidgets as W

        c = self.config
        style = {"description_width": "initial"}
        lay = W.Layout(width="auto")
        self._controls: dict[str, Any] = {
            "data": W.Dropdown(options=list(DATASETS), value=c.data, description="data set"),
            "depth": W.BoundedIntText(value=c.depth, min=1, max=MAX_DEPTH, description="depth"),
            "width": W.BoundedIntText(value=c.width, min=1, max=MAX_WIDTH, description="width"),
            "activation": W.Dropdown(options=list(ACTIVATIONS), value=c.activation,
                                     description="activation"),
            "init": W.Dropdown(options=list(INITS), value=c.init, description="initialisation"),
            "bias": W.BoundedFloatText(value=c.bias, min=-5, max=5, step=0.1, description="bias shift"),
            "optimizer": W.Dropdown(options=list(OPTIMIZERS), value=c.optimizer,
                                    description="optimiser"),
            "lr": W.BoundedFloatText(value=c.lr, min=1e-6, max=100, step=0.01,
                                     description="learning rate"),
            "seed": W.BoundedIntText(value=c.seed, min=0, max=10**9, description="seed"),
        }
        for w in self._controls.values():
            w.style = style
            w.layout = W.Layout(width="205px" if isinstance(w, W.Dropdown) else "165px")
            w.observe(self._on_setting, names="value")
        self._train_b = W.Button(description="Train",
                                 tooltip="Train the network; the panel updates every few steps")
        self._stop_b = W.Button(description="Stop", disabled=True,
                                tooltip="Stop training after the current step")
        self._reset_b = W.Button(description="Reset",
                                 tooltip="Start again from initialisation with these settings")
        self._layer = W.BoundedIntText(value=1, min=1, max=c.depth, description="layer", style=style,
                                       layout=W.Layout(width="120px"))
        self._unit = W.BoundedIntText(value=1, min=1, max=c.width, description="unit", style=style,
                                      layout=W.Layout(width="120px"))
        self._speed = W.BoundedIntText(value=self.epochs_per_frame, min=1, max=100, style=style,
                                       description="epochs per update", layout=W.Layout(width="190px"))
        self._speed.observe(self._on_speed, names="value")
        self._kill_b = W.Button(description="Kill unit",
                                tooltip="Lower the chosen unit's bias until it is dead on the data")
        self._redo_b = W.Button(description="Reinitialise dead units", layout=lay,
                                tooltip="ReDo: fresh incoming weights for every dead unit")
        self._train_b.on_click(lambda _: self.train())
        self._stop_b.on_click(lambda _: self.stop())
        self._reset_b.on_click(lambda _: self._guard(self.reset))
        self._kill_b.on_click(lambda _: self._guard(
            lambda: self.kill(self._layer.value - 1, self._unit.value - 1)))
        self._redo_b.on_click(lambda _: self._guard(self.reinit_dead))
        self._status_w = W.HTML(layout=W.Layout(width="auto"))
        self._status_w.add_class("dr-lab-status")
        self._frame = W.HTML()
        self._frame.add_class("dr-lab-frame")
        self._line_w = W.HTML()
        self._line_w.add_class("dr-lab-line")
        ctl = self._controls
        row = W.Layout(flex_flow="row wrap")
        self.widget = W.VBox([
            W.HBox([ctl[k] for k in ("data", "activation", "init", "optimizer")], layout=row),
            W.HBox([ctl[k] for k in ("depth", "width", "bias", "lr", "seed")], layout=row),
            W.HBox([self._train_b, self._stop_b, self._reset_b, self._speed],
                   layout=W.Layout(flex_flow="row wrap")),
            W.HBox([self._layer, self._unit, self._kill_b, self._redo_b],
                   layout=W.Layout(flex_flow="row wrap")),
            self._status_w, self._frame, self._line_w,
        ])
        self.widget.add_class(LAB_CLASS)
        self._syncing = False
        self._show_line()

    def _guard(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except (ValueError, RuntimeError) as exc:
            self._status(f"<b>{html.escape(str(exc))}</b>", raw=True)

    def _on_setting(self, change: dict) -> None:
        if self._syncing:
            return
        values = {k: w.value for k, w in self._controls.items()}
        try:
            LabConfig(**{**asdict(self.config), **values})
        except ValueError as exc:
            self._status(f"<b>{html.escape(str(exc))}</b>", raw=True)
            return
        self.reset(**values)

    def _on_speed(self, change: dict) -> None:
        # read by the worker before each chunk: no lock needed, results do not depend on it
        self.epochs_per_frame = int(change["new"])

    def _sync_controls(self) -> None:
        self._syncing = True
        try:
            for k, w in self._controls.items():
                if w.value != getattr(self.config, k):
                    w.value = getattr(self.config, k)
            self._layer.max, self._unit.max = self.config.depth, self.config.width
        finally:
            self._syncing = False
        self._show_line()

    def _show_line(self) -> None:
        self._line_w.value = ("Recreate this setting: <code>" + html.escape(self.config.line())
                              + "</code>")

    def _set_busy(self, busy: bool) -> None:
        for w in self._controls.values():
            w.disabled = busy
        self._train_b.disabled = busy
        self._reset_b.disabled = busy
        self._stop_b.disabled = not busy

    def _status(self, text: str, raw: bool = False) -> None:
        self._status_w.value = text if raw else html.escape(text)

    def _redraw(self, snap: dict[str, Any], note: str = "") -> None:
        from .widgets import frame_html

        with self._draw_lock:
            start = time.perf_counter()
            depth = snap["dead"].shape[1]
            if self._figure is None or self._figure.depth != depth:
                self._figure = LabFigure(depth, blit=True)
            self._figure.update(snap)
            png = self._figure.png()
            self._frame.value = frame_html(png, describe(snap), width="840px")
            text = summary(snap)
            if snap["message"]:
                text += f". {snap['message']}"
            elif note:
                text += f" ({note})"
            self._status(text)
            self.frames += 1
            self.redraw_seconds.append(time.perf_counter() - start)
