"""Training problems that two chapters share: Chapter 4's killing settings, reused by Chapter 5.

A :class:`Setting` fixes the data, the architecture, the optimiser's learning rate and the budget
of a training run; :data:`SETTINGS` holds the four the course uses (introduced in Chapter 4:
a high learning rate, a negative bias shift, a deep and narrow network, and the real digits).
They live in the numeric core because Chapter 4 (``fixes``) and Chapter 5 (``today``) both train
on them, and chapter modules never import each other.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from . import data as _data

__all__ = ["SETTINGS", "Setting"]


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
