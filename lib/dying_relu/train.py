"""The training loop (introduced in Chapter 1).

:func:`fit` trains a network with mini-batches and returns a :class:`History`: the loss and
accuracy on the whole training set (and optionally a validation set) *before* training
(index 0) and after every epoch, plus whatever the hooks record.

Hooks let later chapters watch training without copying the loop::

    hist = fit(net, X, y, optimizer=SGD(0.1), epochs=20,
               on_epoch=lambda net, epoch: {"dead": dead_fraction(net, X)})
    hist["dead"]   # one entry per epoch, index 0 = at initialisation

``on_step(net, step)`` works the same way for every optimisation step (recorded in
``hist.steps``). A hook returning ``None`` records nothing; a hook may raise
:class:`StopTraining` to end the run early.

Batch normalisation (Chapter 4): the optimisation steps run in training mode (batch statistics);
the per-epoch evaluation and both hooks run in evaluation mode (running statistics, which the
hooks' own forward passes therefore do not change). At the end the network is left in the mode it
was in before ``fit``. For networks without batch normalisation the mode changes nothing. A batch
of one example cannot be batch-normalised (:class:`~dying_relu.nn.BatchNorm` refuses it), so when
the last mini-batch of an epoch would hold a single example, that example joins the previous
mini-batch (which then has ``batch_size + 1`` examples): every example is still used once per
epoch, and the running statistics are never fed the variance of one example (0). ``batch_size=1``
with batch normalisation is refused.

Divergence: a loss that becomes NaN or infinite ends the run (``on_divergence``). A loss that only
*grows* (SGD at a huge learning rate can "finish" at a loss 10^5 times its start with most units
dead) is not a result either: when the training loss after an epoch exceeds ``blowup`` (default
1000) times its value at initialisation, the history says so (``history.blew_up``,
``history.message``) and, with ``on_divergence="raise"``, :func:`fit` warns with a
:class:`LossBlowupWarning` that says what to do. Experiments that explore such settings on purpose
pass ``on_divergence="stop"`` and read ``history.blew_up``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import losses as _losses
from . import optim as _optim
from . import seeding as _seeding
from .nn import MLP

__all__ = ["History", "LossBlowupWarning", "StopTraining", "TrainingDiverged", "evaluate", "fit"]


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the learning rate is almost always too high."""


class LossBlowupWarning(RuntimeWarning):
    """The training loss grew by orders of magnitude over its start without becoming NaN."""


class StopTraining(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raise from a hook to end training after the current step or epoch."""


@dataclass
class History:
    """Per-epoch records of a training run; index 0 is the state before training.

    Attributes:
        loss, accuracy: on the whole training set (accuracy is None for regression).
        val_loss, val_accuracy: on the validation set, if one was given.
        epoch_time: wall-clock seconds of each epoch's optimisation (0 for index 0).
        records: per-epoch values returned by ``on_epoch`` (by key).
        steps: per-step values returned by ``on_step`` plus ``"loss"`` (the mini-batch loss).
        diverged: True if training stopped because the loss became NaN or inf.
        blew_up: True if the training loss exceeded ``blowup`` times its initial value after some
            epoch (training went on; see :func:`fit`).
        message: what went wrong (divergence or blow-up), else "".
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    records: dict[str, list[Any]] = field(default_factory=dict)
    steps: dict[str, list[Any]] = field(default_factory=dict)
    diverged: bool = False
    blew_up: bool = False
    message: str = ""

    def __getitem__(self, key: str) -> Any:
        if key in ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_time"):
            return getattr(self, key)
        if key in self.records:
            return self.records[key]
        raise KeyError(
            f"No record {key!r}. Recorded: loss, accuracy, val_loss, val_accuracy, epoch_time"
            + "".join(f", {k}" for k in self.records)
        )

    @property
    def epochs(self) -> int:
        """Number of completed epochs."""
        return max(len(self.loss) - 1, 0)

    def epochs_to(self, error: float, on: str = "train") -> int | None:
        """First epoch at which the classification error (1 - accuracy) is <= ``error``.

        Returns None if it was never reached.
        """
        acc = self.accuracy if on == "train" else self.val_accuracy
        for epoch, a in enumerate(acc):
            if a is not None and 1 - a <= error:
                return epoch
        return None

    def _add(self, store: dict[str, list[Any]], values: dict | None) -> None:
        for key, value in (values or {}).items():
            store.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        last = f"loss={self.loss[-1]:.4g}" if self.loss else "empty"
        if self.accuracy and self.accuracy[-1] is not None:
            last += f", accuracy={self.accuracy[-1]:.3f}"
        flag = ", DIVERGED" if self.diverged else ", LOSS BLEW UP" if self.blew_up else ""
        return f"History(epochs={self.epochs}, {last}{flag})"


def evaluate(
    net: MLP,
    X: np.ndarray,
    y: np.ndarray,
    loss: str | _losses.Loss = "cross_entropy",
    batch_size: int = 4096,
) -> tuple[float, float | None]:
    """Mean loss and accuracy of ``net`` on ``(X, y)``; accuracy is None for the MSE loss.

    ``X (n, sizes[0])`` with ``n >= 1``; ``y`` as for :func:`fit` (checked: finite, same length).
    Evaluation looks without changing: a batch-normalised network in training mode is evaluated
    with the statistics of each chunk of ``batch_size`` examples (a last chunk of one example
    joins the one before), and its running statistics are left alone. Call ``net.eval()`` first
    to evaluate with the running statistics, as :func:`fit` does.
    """
    loss_fn = _losses.get(loss)
    n = len(X)
    _check_data(X, y, "evaluate")
    total, correct = 0.0, 0
    min_batch = net.min_batch if net.training else 1
    with net.frozen_statistics():
        for start, stop in _batch_bounds(n, int(batch_size), min_batch):
            out = net.forward(X[start:stop])
            yb = y[start:stop]
            value, _ = loss_fn(out, yb)
            total += value * len(out)
            if loss_fn is not _losses.mse:
                correct += int(np.sum(np.argmax(out, axis=1) == yb))
    acc = None if loss_fn is _losses.mse else correct / n
    return total / n, acc


def _check_data(X: np.ndarray, y: np.ndarray, what: str) -> None:
    """Clear errors for data that would give a bare ZeroDivisionError or a misleading message."""
    if len(X) == 0:
        raise ValueError(
            f"{what} got 0 examples (X has shape {np.shape(X)}): a mean loss over no examples is "
            "undefined. Check how X was selected or split."
        )
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}; they must match.")
    y = np.asarray(y)
    if np.issubdtype(y.dtype, np.inexact) and not np.all(np.isfinite(y)):
        bad = int(y.size - np.count_nonzero(np.isfinite(y)))
        raise ValueError(
            f"{what}: the targets y contain {bad} NaN or infinite value(s): the loss would be NaN from the "
            "start, which is not a learning-rate problem. Clean or drop those examples (e.g. "
            "keep = np.isfinite(y).all(axis=-1) if y.ndim > 1 else np.isfinite(y))."
        )


def _blowup_message(epoch: int, value: float, start: float, blowup: float,
                    optimizer: _optim.Optimizer) -> str:
    return (
        f"The training loss grew from {start:.4g} at initialisation to {value:.4g} after epoch "
        f"{epoch} (more than {blowup:g} times) with {optimizer!r}: training is unstable, and its "
        f"numbers (loss, accuracy, dead units) describe a blown-up network. Lower the learning rate "
        f"(try lr={optimizer.lr / 10:g}); pass blowup=None to switch this check off."
    )


def _divergence_message(where: str, optimizer: _optim.Optimizer) -> str:
    return (
        f"Training diverged: the loss became NaN or infinite {where} with {optimizer!r}. "
        f"Lower the learning rate (try lr={optimizer.lr / 10:g}) or use a smaller initial weight "
        "scale; pass on_divergence='stop' to record the run instead of raising."
    )


def fit(
    net: MLP,
    X: np.ndarray,
    y: np.ndarray,
    *,
    optimizer: _optim.Optimizer | str = "sgd",
    lr: float | None = None,
    epochs: int = 10,
    batch_size: int = 32,
    loss: str | _losses.Loss = "cross_entropy",
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: Callable[[MLP, int], dict | None] | None = None,
    on_step: Callable[[MLP, int], dict | None] | None = None,
    on_divergence: str = "raise",
    stop_at_error: float | None = None,
    blowup: float | None = 1e3,
) -> History:
    """Train ``net`` on ``(X, y)`` with mini-batch gradient steps; return a :class:`History`.

    Args:
        net: the network, updated in place.
        X: inputs ``(n, sizes[0])``.  y: integer labels ``(n,)`` (or targets ``(n, k)`` for MSE).
        optimizer: an :class:`~dying_relu.optim.Optimizer`, or a name with ``lr``.
        epochs: passes over the data.  batch_size: examples per step (the last batch may be
            smaller; with batch normalisation a last batch of one example joins the one before).
        loss: ``"cross_entropy"`` (default) or ``"mse"``.
        seed / rng: the shuffling order of the mini-batches.
        validation: optional ``(X_val, y_val)`` evaluated after every epoch.
        on_epoch: ``hook(net, epoch) -> dict | None``, called at epoch 0 (before training) and
            after each epoch; returned values are appended to ``history.records``.
        on_step: ``hook(net, step) -> dict | None`` after each optimisation step (step counts
            from 1); values are appended to ``history.steps``.
        on_divergence: ``"raise"`` (default) raises :class:`TrainingDiverged` when the loss
            becomes NaN or inf; ``"stop"`` ends training and sets ``history.diverged``.
        stop_at_error: end training once the training error (1 - accuracy) is at most this.
        blowup: flag a run whose training loss after an epoch exceeds ``blowup`` times its value at
            initialisation (``history.blew_up``; with ``on_divergence="raise"`` also a
            :class:`LossBlowupWarning`); None switches the check off.
    """
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"on_divergence must be 'raise' or 'stop', got {on_divergence!r}.")
    if int(epochs) != epochs or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs}.")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
    if isinstance(optimizer, str):
        if lr is None:
            raise ValueError(f"Give a learning rate: fit(..., optimizer={optimizer!r}, lr=0.1).")
        optimizer = _optim.get(optimizer, lr=lr)
    elif lr is not None:
        raise ValueError("Pass lr only with an optimiser name; this optimiser has its own lr.")
    if blowup is not None and not (np.isfinite(blowup) and blowup > 1):
        raise ValueError(f"blowup must be a finite number > 1 (default 1000) or None, got {blowup}.")
    X = net._prepare(X, check=True)
    y = np.asarray(y)
    _check_data(X, y, "fit")
    if validation is not None:
        _check_data(np.asarray(validation[0]), np.asarray(validation[1]), "fit's validation set")
    min_batch = net.min_batch
    if min_batch > 1 and (batch_size < min_batch or len(X) < min_batch):
        raise ValueError(
            f"This network batch-normalises its hidden layers, which needs at least {min_batch} "
            f"examples per mini-batch; got batch_size={batch_size} and {len(X)} training examples. "
            "Use batch_size >= 2 (e.g. 32), or build the network without batchnorm."
        )
    loss_fn = _losses.get(loss)
    rng = _seeding.rng(seed, rng)
    hist = History()

    def record(epoch: int, seconds: float) -> bool:
        net.eval()  # running statistics for batch normalisation; a no-op without it
        value, acc = evaluate(net, X, y, loss_fn)
        hist.loss.append(value)
        hist.accuracy.append(acc)
        hist.epoch_time.append(seconds)
        if validation is not None:
            v_loss, v_acc = evaluate(net, validation[0], validation[1], loss_fn)
            hist.val_loss.append(v_loss)
            hist.val_accuracy.append(v_acc)
        if on_epoch is not None:
            hist._add(hist.records, on_epoch(net, epoch))
        net.train()
        if (blowup is not None and epoch > 0 and not hist.blew_up and np.isfinite(value)
                and value > blowup * max(hist.loss[0], np.finfo(float).tiny)):
            hist.blew_up = True
            hist.message = _blowup_message(epoch, value, hist.loss[0], blowup, optimizer)
            if on_divergence == "raise":
                warnings.warn(hist.message, LossBlowupWarning, stacklevel=4)
        return np.isfinite(value)

    def diverge(where: str) -> History:
        hist.diverged = True
        hist.message = _divergence_message(where, optimizer)
        if on_divergence == "raise":
            raise TrainingDiverged(hist.message)
        return hist

    # Overflow on the way to divergence is detected below (a non-finite loss stops the run with a
    # clear message), so numpy's own overflow warnings would only be noise.
    was_training = net.training
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            return _run(record, diverge, hist, X, y, loss_fn, net, optimizer, rng, int(epochs),
                        int(batch_size), stop_at_error, on_step, min_batch)
    finally:
        net.train(was_training)


def _batch_bounds(n: int, batch_size: int, min_batch: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each mini-batch; a last batch smaller than ``min_batch`` joins the
    previous one."""
    bounds = [(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < min_batch:
        bounds[-2:] = [(bounds[-2][0], n)]
    return bounds


def _run(record, diverge, hist, X, y, loss_fn, net, optimizer, rng, epochs, batch_size,
         stop_at_error, on_step, min_batch=1) -> History:
    n = len(X)
    bounds = _batch_bounds(n, batch_size, min_batch)
    # The mini-batch is gathered into one reused buffer (no allocation per step); the first layer
    # keeps a reference to it as its cached input ``x``, like any other layer buffer.
    batch_buffer = np.empty((max(stop - start for start, stop in bounds), *X.shape[1:]), X.dtype)
    try:
        if not record(0, 0.0):
            return diverge("at initialisation")
        step = 0
        for epoch in range(1, epochs + 1):
            if stop_at_error is not None and hist.accuracy[-1] is not None:
                if 1 - hist.accuracy[-1] <= stop_at_error:
                    break
            order = rng.permutation(n)
            start_time = time.perf_counter()
            for start, stop in bounds:
                idx = order[start:stop]
                h = X.take(idx, axis=0, out=batch_buffer[: len(idx)], mode="clip")  # = X[idx]
                for layer in net.layers:
                    h = layer.forward(h)
                value, d_out = loss_fn(h, y[idx])
                if not np.isfinite(value):
                    return diverge(f"at epoch {epoch}, step {step + 1}")
                net.backward(d_out)
                optimizer.step(net)
                step += 1
                hist.steps.setdefault("loss", []).append(value)
                if on_step is not None:
                    net.eval()
                    hist._add(hist.steps, on_step(net, step))
                    net.train()
            if not record(epoch, time.perf_counter() - start_time):
                return diverge(f"after epoch {epoch}")
    except StopTraining:
        pass
    return hist
