"""dying_relu: the numpy library behind the course "Dying ReLU".

Modules: ``activations`` (relu, leaky_relu, elu, sigmoid, tanh and their derivatives), ``nn``
(an MLP with a hand-written backward pass), ``init``, ``losses``, ``optim``, ``data``, ``train``
(the fit loop with hooks), ``diagnostics`` (dead and active units), ``bench`` (timing),
``plots`` (the course's figure style), ``widgets`` (explorers that work in the static book) and
``exercises`` (automatic checks with feedback).
"""

from . import activations, bench, data, diagnostics, init, losses, nn, optim, plots, train
from .activations import get as get_activation
from .nn import MLP
from .optim import SGD, Adam, Momentum
from .train import History, TrainingDiverged, fit

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "History",
    "Momentum",
    "TrainingDiverged",
    "activations",
    "bench",
    "data",
    "diagnostics",
    "fit",
    "get_activation",
    "init",
    "losses",
    "nn",
    "optim",
    "plots",
    "train",
]
