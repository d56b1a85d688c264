"""dying_relu: the numpy library behind the course "Dying ReLU".

Modules: ``activations`` (relu, leaky_relu, elu, sigmoid, tanh, and Chapter 5's gelu, silu, mish,
selu and softplus, with their derivatives; a vectorised erf), ``nn`` (an MLP with a hand-written
backward pass), ``init``, ``losses``, ``optim``, ``data`` (toy sets, the shipped digits and the
permuted-digits task sequence), ``train`` (the fit loop with hooks), ``diagnostics`` (dead and
active units; never positive, effectively dead and tau-dormant over a whole data set), ``redo``
(recycling dormant units, Sokar et al. 2023), ``gradients``, ``gradcheck``, ``fixes``, ``dying``,
``speed``, ``seeding``, ``bench`` (timing), ``plots`` (the course's figure style), ``widgets``
(explorers that work in the static book) and ``exercises`` (automatic checks with feedback).

``dying_relu.torch`` (optional, ``pip install -e .[torch]``; not imported here) finds dead units
in your own PyTorch model: forward hooks over a whole DataLoader, ReDo-style ``reinit_dead``.
"""

from . import activations, bench, data, diagnostics, init, losses, nn, optim, plots, redo, train
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
    "redo",
    "train",
]
