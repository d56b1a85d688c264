"""dying_relu: the numpy library behind the course "Dying ReLU".

Three layers; imports point down only (``tests/test_layering.py`` enforces it; README.md has the
picture):

- numeric core: ``activations`` (relu, leaky_relu, elu, sigmoid, tanh, and Chapter 5's gelu, silu,
  mish, selu and softplus, with their derivatives; a vectorised erf),
  ``nn`` (an MLP built from modules with hand-written backward passes), ``init`` (initialisers,
  RAI included), ``losses``, ``optim``, ``data``, ``train`` (the fit loop with hooks),
  ``diagnostics`` (dead and active units, the born-dead estimator; never positive, effectively dead
  and tau-dormant over a whole data set), ``redo`` (recycling dormant units, Sokar et al. 2023),
  ``gradcheck``, ``seeding``
  (every seeded generator), ``stats`` (paired verdicts across seeds), ``blas`` (BLAS threads),
  ``bench`` (timing);
- chapter experiments, one module per chapter: ``speed`` (1), ``gradients`` (2), ``dying`` (3),
  ``fixes`` (4);
- course tooling: ``plots`` (the course's figure style and chapter figures), ``widgets``
  (explorers that work in the static book), ``exercises`` (automatic checks with feedback),
  ``progress`` (progress bars).

``plots`` (and with it matplotlib) is imported on first use of ``dying_relu.plots``.

``dying_relu.torch`` (optional, ``pip install -e .[torch]``; not imported here) finds dead units
in your own PyTorch model: forward hooks over a whole DataLoader, ReDo-style ``reinit_dead``.
"""

import importlib

from . import (
    activations,
    bench,
    blas,
    data,
    diagnostics,
    init,
    losses,
    nn,
    optim,
    redo,
    seeding,
    stats,
    train,
)
from .activations import get as get_activation
from .nn import MLP
from .optim import SGD, Adam, AdamW, Momentum
from .train import History, TrainingDiverged, fit

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "History",
    "Momentum",
    "TrainingDiverged",
    "activations",
    "bench",
    "blas",
    "data",
    "diagnostics",
    "fit",
    "get_activation",
    "init",
    "losses",
    "nn",
    "optim",
    "plots",
    "redo",
    "seeding",
    "stats",
    "train",
]


def __getattr__(name: str) -> object:
    # the course tooling is imported lazily, so the numeric core never pulls in matplotlib
    if name in ("plots", "widgets", "exercises", "progress"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
