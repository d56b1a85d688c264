"""Small, seeded data sets that work offline (introduced in Chapter 1).

Every generator takes ``n`` (examples) and a ``seed`` (or ``rng``) and returns ``(X, y)`` with
``X`` of shape ``(n, 2)`` (float64) and integer labels ``y`` of shape ``(n,)``.
:func:`digits` loads the 8x8 handwritten digits shipped with the package (see
``lib/dying_relu/data/README.md`` for its source and licence). :func:`permuted_digits` and
:func:`permuted_tasks` turn them into a sequence of tasks for loss-of-plasticity experiments
(Chapter 5).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from importlib import resources

import numpy as np

from . import seeding as _seeding

__all__ = [
    "Split",
    "abs_regression",
    "circles",
    "digits",
    "moons",
    "permuted_digits",
    "permuted_tasks",
    "spirals",
    "split",
    "standardize",
    "task_permutation",
    "xor",
]


def _rng(seed: int | None, rng: np.random.Generator | None) -> np.random.Generator:
    return _seeding.rng(seed, rng)


def _check_n(n: int, classes: int = 1) -> int:
    if int(n) != n or n < classes:
        raise ValueError(f"n (number of examples) must be an integer >= {classes}, got {n}.")
    return int(n)


def spirals(
    n: int = 600,
    classes: int = 3,
    noise: float = 0.2,
    turns: float = 1.0,
    *,
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms (the CS231n toy set), one arm per class, radius in [0, 1].

    ``noise`` is the standard deviation of the angle jitter in radians.
    """
    n = _check_n(n, classes)
    rng = _rng(seed, rng)
    y = np.arange(n) % classes
    r = rng.uniform(0.05, 1.0, n)
    theta = y * (2 * np.pi / classes) + r * turns * 2 * np.pi + rng.normal(0, noise, n)
    X = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return X, y


def moons(
    n: int = 600,
    noise: float = 0.15,
    *,
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, centred near the origin; Gaussian noise of std ``noise``."""
    n = _check_n(n, 2)
    rng = _rng(seed, rng)
    y = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    X = np.column_stack([np.cos(t), np.sin(t)])
    X[y == 1] = np.column_stack([1 - np.cos(t[y == 1]), 0.5 - np.sin(t[y == 1])])
    X += rng.normal(0, noise, X.shape)
    X -= np.array([0.5, 0.25])
    return X, y


def circles(
    n: int = 600,
    noise: float = 0.08,
    factor: float = 0.5,
    *,
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 radius 1, class 1 radius ``factor``."""
    n = _check_n(n, 2)
    rng = _rng(seed, rng)
    y = np.arange(n) % 2
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.where(y == 0, 1.0, factor)
    X = np.column_stack([r * np.cos(t), r * np.sin(t)]) + rng.normal(0, noise, (n, 2))
    return X, y


def xor(
    n: int = 600,
    noise: float = 0.1,
    *,
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs at (+-0.5, +-0.5); the label is the XOR of the two signs."""
    n = _check_n(n, 2)
    rng = _rng(seed, rng)
    signs = rng.integers(0, 2, (n, 2))
    X = (signs - 0.5) + rng.normal(0, noise, (n, 2))
    y = (signs[:, 0] ^ signs[:, 1]).astype(np.int64)
    return X, y


def abs_regression(
    n: int = 256,
    *,
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """1-D regression of ``|x|`` with ``x`` uniform on [-sqrt(3), sqrt(3)] (unit variance).

    The set-up of Lu et al. (2019), used for "born dead" networks. Returns ``X`` of shape
    ``(n, 1)`` and targets of shape ``(n, 1)``.
    """
    n = _check_n(n)
    rng = _rng(seed, rng)
    x = rng.uniform(-np.sqrt(3), np.sqrt(3), (n, 1))
    return x, np.abs(x)


def standardize(
    X_train: np.ndarray, *others: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Scale features to zero mean and unit variance using the training set's statistics.

    Constant features (zero variance) are only centred.
    """
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    return tuple((X - mean) / std for X in (X_train, *others))


@dataclass(frozen=True)
class Split:
    """A train/test split: ``X_train (n_train, d)``, ``y_train (n_train,)``, and the same for test."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self) -> str:
        return (
            f"Split(train={self.X_train.shape}, test={self.X_test.shape}, "
            f"classes={int(self.y_train.max()) + 1})"
        )


def split(
    X: np.ndarray,
    y: np.ndarray,
    test_fraction: float = 0.25,
    *,
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
) -> Split:
    """Shuffle and split ``(X, y)`` into train and test parts."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}.")
    rng = _rng(seed, rng)
    order = rng.permutation(len(X))
    n_test = int(round(len(X) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return Split(X[train], y[train], X[test], y[test])


def digits(
    test_fraction: float = 0.25,
    *,
    standardized: bool = True,
    seed: int | None = 0,
) -> Split:
    """The 8x8 handwritten digits (1797 images, 10 classes), split into train and test.

    Pixels (0..16) become float64 features; with ``standardized`` they are scaled to zero mean and
    unit variance using the training part only.
    """
    with resources.files("dying_relu").joinpath("data/digits.csv.gz").open("rb") as raw:
        table = np.loadtxt(gzip.open(raw), delimiter=",")
    X, y = table[:, :-1], table[:, -1].astype(np.int64)
    s = split(X, y, test_fraction, seed=seed)
    if not standardized:
        return s
    X_train, X_test = standardize(s.X_train, s.X_test)
    return Split(X_train, s.y_train, X_test, s.y_test)


# ---------------------------------------------------------------------------------------------
# Permuted digits: a task sequence for loss-of-plasticity experiments (Chapter 5)
# ---------------------------------------------------------------------------------------------


def _check_task(task: int) -> int:
    if isinstance(task, bool) or not isinstance(task, int | np.integer) or task < 0:
        raise ValueError(f"task must be an integer >= 0 (task 0 is the digits as shipped), got {task!r}.")
    return int(task)


def task_permutation(
    task: int,
    n_features: int = 64,
    *,
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """The fixed pixel permutation of task ``task``: an index array ``(n_features,)``.

    Task 0 is the identity (the images as shipped); task ``k >= 1`` is the ``k``-th of a sequence
    of random permutations drawn from :func:`dying_relu.seeding.rng` ``(seed, rng)``, so a task's
    permutation depends only on ``seed`` and ``k`` (and on the seed offset, like every draw).
    With ``rng``, ``k`` permutations are drawn from it and the last is returned.
    """
    task = _check_task(task)
    if int(n_features) < 1:
        raise ValueError(f"n_features must be >= 1, got {n_features}.")
    perm = np.arange(int(n_features))
    if task == 0:
        return perm
    gen = _rng(seed, rng)
    for _ in range(task):
        perm = gen.permutation(int(n_features))
    return perm


def permuted_tasks(
    n_tasks: int,
    *,
    base: Split | None = None,
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
) -> list[Split]:
    """The first ``n_tasks`` permuted-digits tasks, as :class:`Split` objects (Dohare et al. 2024).

    Every task has the same images, labels and train/test split (``base``, default
    :func:`digits` ``()``: standardised, 75/25), with the 64 pixels shuffled by the task's fixed
    permutation (:func:`task_permutation`; task 0 unpermuted). For an MLP every task is equally
    hard (it does not know which pixels are neighbours), so a falling accuracy along the sequence
    measures lost plasticity, not harder tasks.

    Args:
        n_tasks: how many tasks (>= 1).
        base: the split to permute; default ``digits()``.
        seed, rng: where the permutations come from (:func:`dying_relu.seeding.rng`).

    Returns:
        a list of ``n_tasks`` splits; ``X_train (n_train, 64)``, ``X_test (n_test, 64)``.
    """
    if int(n_tasks) != n_tasks or n_tasks < 1:
        raise ValueError(f"n_tasks must be an integer >= 1, got {n_tasks}.")
    base = digits() if base is None else base
    d = base.X_train.shape[1]
    gen = _rng(seed, rng)
    out = []
    for k in range(int(n_tasks)):
        perm = np.arange(d) if k == 0 else gen.permutation(d)
        out.append(Split(base.X_train[:, perm], base.y_train, base.X_test[:, perm], base.y_test))
    return out


def permuted_digits(
    task: int,
    *,
    base: Split | None = None,
    seed: int | None = 0,
) -> Split:
    """Task ``task`` of the permuted-digits sequence: :func:`digits` with its pixels permuted by
    :func:`task_permutation` ``(task, seed=seed)``; the same as ``permuted_tasks(task + 1,
    seed=seed)[task]``."""
    base = digits() if base is None else base
    perm = task_permutation(task, base.X_train.shape[1], seed=seed)
    return Split(base.X_train[:, perm], base.y_train, base.X_test[:, perm], base.y_test)
