"""A fully connected network with a hand-written backward pass (introduced in Chapter 1).

The network keeps everything a diagnostician wants to look at. After ``net.forward(X)`` each layer
holds its input ``x``, its pre-activation ``z = x @ W + b`` and its output ``h = f(z)``; after
``net.backward(d_out)`` it holds ``dz = dL/dz``, ``dh = dL/dh`` and the parameter gradients ``dW``
and ``db``. Shapes, for a batch of ``n`` examples and a layer with ``fan_in`` inputs and ``fan_out``
units: ``W (fan_in, fan_out)``, ``b (fan_out,)``, ``x (n, fan_in)``, ``z, h, dz, dh (n, fan_out)``.

These cached arrays are buffers reused by the next forward/backward pass of the same batch size
(that keeps a training step allocation-free and fast): copy them if you want to keep them.

The ReLU backward rule is ``dz = dh * (z > 0)``: a unit whose pre-activation is negative passes no
gradient back, to its weights or to anything before it.

How the network is built (micrograd's shape, PyTorch's ``Sequential``)
    Every computation is a :class:`Module` with its ``forward`` beside its ``backward``:
    :class:`Linear` (``u = x @ W + b``), :class:`BatchNorm`, :class:`ActivationLayer` (``h = f(z)``
    for any activation of :mod:`dying_relu.activations`) and :class:`PReLU` (a learned slope per
    unit). A :class:`Dense` layer is a short chain of modules, ``Linear -> [norm] -> activation``,
    and shows the views above (``W``, ``b``, ``z``, ``h``, ``dz``, ...) as properties; :class:`MLP`
    is a chain of layers. Forward runs the chain, backward runs it in reverse, ``params()`` and
    ``grads()`` concatenate the modules' own lists.

    Adding a layer kind is adding a class (and a gradient check in the tests), not a branch in the
    others: a normalisation is a :class:`Module` registered in :data:`NORMS` and chosen with
    ``MLP(..., norm=name)`` (Chapter 5's :class:`LayerNorm` is ``"layer"``); an activation with
    learned parameters is a :class:`Module` registered in :data:`ACTIVATION_LAYERS` under the
    activation's name; a block of another shape (a residual connection, ``h = x + f(x)``) is a new
    layer class with the same five methods as :class:`Dense` (``forward``, ``backward``,
    ``params``, ``grads``, ``buffers``) and a ``training`` attribute.

PReLU (He et al. 2015; Chapter 4): a layer whose activation is ``"prelu"`` also holds a learned
negative-side slope per unit, ``alpha (fan_out,)`` (started at the activation's ``alpha``, 0.25 by
default), and its gradient ``dalpha``; ``params()`` and ``grads()`` include them for such layers only.

Batch normalisation (Ioffe and Szegedy 2015; Chapter 4), off by default: ``MLP(..., batchnorm=True)``
(or one flag per hidden layer) normalises a hidden layer's raw pre-activation ``u = x @ W + b`` over
the batch, per unit, to zero mean and unit variance, then scales and shifts it by learned ``gamma``
and ``beta`` (shape ``(fan_out,)``, started at 1 and 0)::

    xhat = (u - mean(u)) / sqrt(var(u) + eps)        z = gamma * xhat + beta        h = f(z)

so ``z`` is still the value that enters the activation (what the dead-unit diagnostics look at);
``u`` and ``xhat`` are kept too, and ``du = dL/du`` after a backward pass. In *training* mode (the
default; :meth:`MLP.train`) the mean and (biased) variance are those of the batch, and every
forward pass updates running estimates ``running_mean``/``running_var`` with momentum 0.1 (the
running variance uses the unbiased batch variance, as PyTorch does; inside
:meth:`MLP.frozen_statistics` they are left alone). A batch of one example cannot be normalised
over the batch (its output would be ``beta`` whatever the input, with zero gradients): training
mode refuses it, as PyTorch does. In *evaluation* mode (:meth:`MLP.eval`) the running estimates
are used instead, so an example's output no longer depends on the rest of its batch.
:func:`dying_relu.train.fit` trains in training mode and evaluates (and calls its hooks) in
evaluation mode. Such layers add ``gamma`` and ``beta`` to ``params()`` (and ``dgamma``, ``dbeta``
to ``grads()``) after their ``b`` (and before a PReLU ``alpha``). In training mode ``b`` has no
effect at all (the batch mean removes it), so its gradient is zero up to rounding. Layers without
batch normalisation compute exactly what they did before.

Layer normalisation (Ba et al. 2016; Chapter 5): ``MLP(..., norm="layer")`` normalises each
example's raw pre-activation ``u`` over the layer's units (per example, not per batch; no running
statistics, the same in training and evaluation mode, a batch of one is fine), then
``z = gamma * xhat + beta`` as above (:class:`LayerNorm`; ``gamma``, ``beta``, ``xhat``, ``du`` are
views of the layer). ``z`` is still what enters the activation, so a unit is dead (for
:func:`dying_relu.diagnostics.dead_mask`) when its post-norm ``z <= 0`` on every example. Layers of
one unit are refused (a row of one value is its own mean).

Residual connections (He et al. 2016; Chapter 5): ``MLP(..., residual=True)`` makes every hidden
layer whose input and output widths match a :class:`Residual` block, ``out = x + h`` with
``h = f(z)``; the other layers stay plain (no projection is ever added; an explicit per-layer flag
on a layer whose widths differ is an error). ``x``, ``u``, ``z``, ``h``, ``dz``, ``dW``, ``db`` keep
their meanings (``h`` is the activation's output, not the block output, and ``dead_mask`` still
tests ``z``); the block output, which the next layer reads as its ``x``, is ``layer.out``. The
backward pass adds the identity path's gradient: ``dx = d_out @ ... (the layer's own) + d_out``.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from . import activations as _act
from . import init as _init
from . import losses as _losses
from . import seeding as _seeding

__all__ = [
    "ACTIVATION_LAYERS",
    "MLP",
    "NORMS",
    "ActivationLayer",
    "BatchNorm",
    "Dense",
    "LayerNorm",
    "Linear",
    "Module",
    "PReLU",
    "Residual",
    "check_finite",
]

_SATURATING = {"sigmoid", "tanh"}


def check_finite(x: np.ndarray, what: str = "input") -> None:
    """Raise a clear ``ValueError`` if ``x`` holds NaN or inf."""
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(
            f"The {what} contains {bad} NaN or infinite value(s). Clean or impute the data "
            "(e.g. np.nan_to_num) before passing it to the network."
        )


# ---------------------------------------------------------------------------------------------
# Modules: one computation each, its forward beside its backward
# ---------------------------------------------------------------------------------------------


class Module:
    """One computation of a layer: ``out = forward(x)``, then ``dx = backward(d_out)``.

    A module caches its input ``x`` and keeps its output and input-gradient arrays as buffers,
    reallocated only when the batch size changes. ``params()``, ``grads()`` and ``buffers()``
    (non-learned state that :meth:`MLP.state` saves, such as running statistics) list the arrays
    named in ``param_names``, ``grad_names`` and ``buffer_names``, in that order.
    """

    param_names: tuple[str, ...] = ()
    grad_names: tuple[str, ...] = ()
    buffer_names: tuple[str, ...] = ()
    #: the smallest batch the module can train on (batch statistics need 2 examples)
    min_batch: int = 1

    def __init__(self) -> None:
        self.x: np.ndarray | None = None
        self.out: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._n = -1
        self.training = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute (and cache) the output for the batch ``x``; return it (a reused buffer)."""
        raise NotImplementedError

    def backward(self, d_out: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Given ``dL/d(out)``, fill the parameter gradients; return ``dL/dx`` (None if not needed)."""
        raise NotImplementedError

    def params(self) -> list[np.ndarray]:
        return [getattr(self, name) for name in self.param_names]

    def grads(self) -> list[np.ndarray]:
        return [getattr(self, name) for name in self.grad_names]

    def buffers(self) -> list[np.ndarray]:
        return [getattr(self, name) for name in self.buffer_names]


class Linear(Module):
    """``u = x @ W + b`` with ``W (fan_in, fan_out)`` and ``b (fan_out,)``.

    Backward: ``dW = x.T @ du``, ``db = sum(du over the batch)``, ``dx = du @ W.T``.
    """

    param_names = ("W", "b")
    grad_names = ("dW", "db")

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.W, self.b = W, b
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)

    def forward(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        if n != self._n:
            self.out = np.empty((n, self.W.shape[1]), self.W.dtype)
            self._dx = np.empty((n, self.W.shape[0]), self.W.dtype)
            self._n = n
        self.x = x
        np.matmul(x, self.W, out=self.out)
        self.out += self.b
        return self.out

    def params(self) -> list[np.ndarray]:
        return [self.W, self.b]

    def grads(self) -> list[np.ndarray]:
        return [self.dW, self.db]

    def backward(self, d_out: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        np.matmul(self.x.T, d_out, out=self.dW)
        np.sum(d_out, axis=0, out=self.db)
        if not need_dx:
            return None
        return np.matmul(d_out, self.W.T, out=self._dx)

    def __repr__(self) -> str:
        return f"Linear({self.W.shape[0]} -> {self.W.shape[1]})"


class BatchNorm(Module):
    """Batch normalisation of ``u (n, units)`` per unit, then ``z = gamma * xhat + beta``.

    See the module docstring for the training and evaluation modes. ``update_running`` (True by
    default; False inside :meth:`MLP.frozen_statistics`) says whether a training-mode forward pass
    moves ``running_mean`` and ``running_var``.
    """

    param_names = ("gamma", "beta")
    grad_names = ("dgamma", "dbeta")
    buffer_names = ("running_mean", "running_var")
    min_batch = 2

    def __init__(self, units: int, dtype: np.dtype, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        if not 0 <= momentum <= 1:
            raise ValueError(f"The batch-norm momentum must be in [0, 1] (default 0.1), got {momentum}.")
        if not (np.isfinite(eps) and eps > 0):
            raise ValueError(f"The batch-norm eps must be a finite number > 0 (default 1e-5), got {eps}.")
        dt = np.dtype(dtype)
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.update_running = True
        self.gamma, self.beta = np.ones(units, dt), np.zeros(units, dt)
        self.dgamma, self.dbeta = np.zeros(units, dt), np.zeros(units, dt)
        self.running_mean, self.running_var = np.zeros(units, dt), np.ones(units, dt)
        self.xhat: np.ndarray | None = None
        self._inv_std: np.ndarray | None = None

    def forward(self, u: np.ndarray) -> np.ndarray:
        """``xhat`` normalised (batch or running statistics), ``z = gamma xhat + beta``."""
        n = u.shape[0]
        if self.training and n < 2:
            raise ValueError(
                f"Batch normalisation in training mode needs more than 1 example per batch, got {n} "
                "(over one example the output is beta whatever the input, and every gradient is 0). "
                "Use a batch of 2 or more, or call net.eval() to use the running statistics."
            )
        if n != self._n:
            dt = self.gamma.dtype
            self.out = np.empty((n, self.gamma.shape[0]), dt)
            self.xhat = np.empty((n, self.gamma.shape[0]), dt)
            self._dx = np.empty((n, self.gamma.shape[0]), dt)
            self._n = n
        self.x = u
        if self.training:
            mean = u.mean(axis=0)
            var = u.var(axis=0)
            if self.update_running:
                m = self.momentum
                unbiased = var * (n / (n - 1))
                self.running_mean *= 1 - m
                self.running_mean += m * mean
                self.running_var *= 1 - m
                self.running_var += m * unbiased
        else:
            mean, var = self.running_mean, self.running_var
        self._inv_std = 1.0 / np.sqrt(var + self.gamma.dtype.type(self.eps))
        np.subtract(u, mean, out=self.xhat)
        self.xhat *= self._inv_std
        np.multiply(self.xhat, self.gamma, out=self.out)
        self.out += self.beta
        return self.out

    def backward(self, d_out: np.ndarray, need_dx: bool = True) -> np.ndarray:
        """From ``dz = dL/dz`` fill ``dgamma``, ``dbeta`` and return ``du = dL/du``.

        Training mode (batch statistics), the standard formula with ``g = dz * gamma``:
        ``du = inv_std / n * (n g - sum(g) - xhat * sum(g * xhat))``; evaluation mode (fixed
        statistics): ``du = g * inv_std``.
        """
        dz, xhat = d_out, self.xhat
        np.sum(dz * xhat, axis=0, out=self.dgamma)
        np.sum(dz, axis=0, out=self.dbeta)
        g = dz * self.gamma
        if self.training:
            n = dz.shape[0]
            du = g * n
            du -= g.sum(axis=0)
            du -= xhat * (g * xhat).sum(axis=0)
            du *= self._inv_std / n
        else:
            du = g * self._inv_std
        np.copyto(self._dx, du)
        return self._dx

    @property
    def du(self) -> np.ndarray | None:
        """``dL/du`` from the last backward pass."""
        return self._dx

    def __repr__(self) -> str:
        return f"BatchNorm({self.gamma.shape[0]}, momentum={self.momentum:g}, eps={self.eps:g})"


class LayerNorm(Module):
    """Layer normalisation (Ba, Kiros and Hinton 2016; Chapter 5) of ``u (n, units)`` per example.

    Each example's row is normalised over its ``units`` pre-activations, then scaled and shifted
    per unit by learned ``gamma`` and ``beta`` (shape ``(units,)``, started at 1 and 0)::

        mean_i = mean_j u_ij     var_i = mean_j (u_ij - mean_i)**2     (biased, over units)
        xhat = (u - mean_i) / sqrt(var_i + eps)        z = gamma * xhat + beta

    Unlike :class:`BatchNorm` there are no batch statistics: an example's output never depends on
    the rest of its batch, there are no running statistics, training and evaluation mode compute
    the same thing, and a batch of one example is fine. A constant row (``var_i = 0``) gives
    ``xhat = 0`` and ``z = beta`` (no NaN: ``eps > 0``). Width 1 is refused: the only unit of a
    row is its own mean, so ``xhat`` would be 0 for every input and nothing would pass.

    ``xhat (n, units)`` and ``du = dL/du`` (after a backward pass) are kept, as in batch norm.
    """

    param_names = ("gamma", "beta")
    grad_names = ("dgamma", "dbeta")

    def __init__(self, units: int, dtype: np.dtype, eps: float = 1e-5) -> None:
        super().__init__()
        if int(units) < 2:
            raise ValueError(
                f"Layer normalisation needs a layer of 2 or more units, got {units}: over a single "
                "unit the row is its own mean, so the output is beta whatever the input and no "
                "gradient passes. Widen the layer, or use norm=None (or 'batch') for it."
            )
        if not (np.isfinite(eps) and eps > 0):
            raise ValueError(f"The layer-norm eps must be a finite number > 0 (default 1e-5), got {eps}.")
        dt = np.dtype(dtype)
        self.eps = float(eps)
        self.gamma, self.beta = np.ones(units, dt), np.zeros(units, dt)
        self.dgamma, self.dbeta = np.zeros(units, dt), np.zeros(units, dt)
        self.xhat: np.ndarray | None = None
        self._inv_std: np.ndarray | None = None

    def forward(self, u: np.ndarray) -> np.ndarray:
        """``xhat`` normalised over each row's units, ``z = gamma xhat + beta`` ``(n, units)``."""
        n, units = u.shape[0], self.gamma.shape[0]
        if n != self._n:
            dt = self.gamma.dtype
            self.out = np.empty((n, units), dt)
            self.xhat = np.empty((n, units), dt)
            self._dx = np.empty((n, units), dt)
            self._n = n
        self.x = u
        mean = u.mean(axis=1, keepdims=True)
        np.subtract(u, mean, out=self.xhat)
        var = np.mean(self.xhat * self.xhat, axis=1, keepdims=True)
        self._inv_std = 1.0 / np.sqrt(var + self.gamma.dtype.type(self.eps))  # (n, 1)
        self.xhat *= self._inv_std
        np.multiply(self.xhat, self.gamma, out=self.out)
        self.out += self.beta
        return self.out

    def backward(self, d_out: np.ndarray, need_dx: bool = True) -> np.ndarray:
        """From ``dz = dL/dz`` fill ``dgamma``, ``dbeta`` and return ``du = dL/du``.

        With ``g = dz * gamma`` and ``D`` units, per row (the batch-norm formula with the roles of
        examples and units swapped): ``du = inv_std / D * (D g - sum_j g - xhat * sum_j g xhat)``.
        """
        dz, xhat = d_out, self.xhat
        np.sum(dz * xhat, axis=0, out=self.dgamma)
        np.sum(dz, axis=0, out=self.dbeta)
        g = dz * self.gamma
        units = g.shape[1]
        du = g * units
        du -= g.sum(axis=1, keepdims=True)
        du -= xhat * (g * xhat).sum(axis=1, keepdims=True)
        du *= self._inv_std / units
        np.copyto(self._dx, du)
        return self._dx

    @property
    def du(self) -> np.ndarray | None:
        """``dL/du`` from the last backward pass."""
        return self._dx

    def __repr__(self) -> str:
        return f"LayerNorm({self.gamma.shape[0]}, eps={self.eps:g})"


class ActivationLayer(Module):
    """``h = f(z)`` for an :class:`~dying_relu.activations.Activation` ``f``; backward ``dz = dh * f'(z)``
    (the activation's own backward rule). The identity keeps ``h`` as the very array ``z``."""

    def __init__(self, activation: _act.Activation, units: int, dtype: np.dtype) -> None:
        super().__init__()
        self.activation = activation
        self.units, self.dtype = int(units), np.dtype(dtype)
        self._linear = activation.name == "identity"

    def forward(self, z: np.ndarray) -> np.ndarray:
        n = z.shape[0]
        if n != self._n:
            self.out = None if self._linear else np.empty((n, self.units), self.dtype)
            self._dx = np.empty((n, self.units), self.dtype)
            self._n = n
        self.x = z
        if self._linear:
            self.out = z
        else:
            self.activation(z, out=self.out)
        return self.out

    def backward(self, d_out: np.ndarray, need_dx: bool = True) -> np.ndarray:
        if self._linear:
            np.copyto(self._dx, d_out)
        else:
            self.activation.backward(d_out, self.x, self.out, out=self._dx)
        return self._dx

    def __repr__(self) -> str:
        return f"ActivationLayer({self.activation.label})"


def _prelu_forward(z: np.ndarray, alpha: np.ndarray, out: np.ndarray) -> np.ndarray:
    """PReLU with one slope per unit: ``max(z, 0) + alpha * min(z, 0)``; ``alpha (fan_out,)``."""
    np.minimum(z, 0, out=out)
    out *= alpha
    out += np.maximum(z, 0)
    return out


def _prelu_backward(dh: np.ndarray, z: np.ndarray, alpha: np.ndarray, dz: np.ndarray,
                    dalpha: np.ndarray) -> None:
    """Fill ``dz = dh * f'(z)`` (slope 1 for z > 0, ``alpha`` otherwise) and
    ``dalpha = sum over the batch of dh * min(z, 0)``."""
    np.sum(dh * np.minimum(z, 0), axis=0, out=dalpha)
    slope = np.multiply(z > 0, 1 - alpha)
    slope += alpha
    np.multiply(dh, slope, out=dz)


class PReLU(ActivationLayer):
    """PReLU (He et al. 2015): ``h = max(z, 0) + alpha * min(z, 0)`` with a learned slope per unit,
    ``alpha (units,)`` started at the activation's ``alpha``; backward also fills ``dalpha``."""

    param_names = ("alpha",)
    grad_names = ("dalpha",)

    def __init__(self, activation: _act.Activation, units: int, dtype: np.dtype) -> None:
        super().__init__(activation, units, dtype)
        self.alpha = np.full(units, activation.params["alpha"], dtype=dtype)
        self.dalpha = np.zeros_like(self.alpha)

    def forward(self, z: np.ndarray) -> np.ndarray:
        n = z.shape[0]
        if n != self._n:
            self.out = np.empty((n, self.units), self.dtype)
            self._dx = np.empty((n, self.units), self.dtype)
            self._n = n
        self.x = z
        return _prelu_forward(z, self.alpha, self.out)

    def backward(self, d_out: np.ndarray, need_dx: bool = True) -> np.ndarray:
        _prelu_backward(d_out, self.x, self.alpha, self._dx, self.dalpha)
        return self._dx

    def __repr__(self) -> str:
        return f"PReLU({self.units}, alpha0={self.activation.params['alpha']:g})"


#: Normalisations between ``Linear`` and the activation, by name: ``cls(units, dtype)``.
NORMS: dict[str, type[Module]] = {"batch": BatchNorm, "layer": LayerNorm}
#: Activations with their own module (learned parameters), by activation name:
#: ``cls(activation, units, dtype)``; every other activation uses :class:`ActivationLayer`.
ACTIVATION_LAYERS: dict[str, type[ActivationLayer]] = {"prelu": PReLU}

# Views of a Dense layer that only some layer kinds have: None when no module of the layer has it.
_OPTIONAL = frozenset({
    "alpha", "dalpha", "gamma", "beta", "dgamma", "dbeta", "running_mean", "running_var", "xhat",
    "du", "momentum", "eps",
})


_OWN = frozenset({"linear", "norm", "act", "modules", "_learned", "dh"})


class Dense:
    """One fully connected layer ``h = f(norm(x @ W + b))``: the modules
    ``Linear -> [norm] -> activation`` run as a chain (:attr:`modules`).

    Args:
        W: weights ``(fan_in, fan_out)``.  b: biases ``(fan_out,)``.
        activation: the :class:`~dying_relu.activations.Activation` ``f`` (``"identity"`` for the
            linear output layer).
        batchnorm: batch-normalise ``u = x @ W + b`` (same as ``norm="batch"``).
        momentum, eps: of the batch normalisation.
        norm: the name of a normalisation in :data:`NORMS`, or None.

    Views (see the module docstring): ``W``, ``b``, ``dW``, ``db``; ``x``, ``z``, ``h``, ``dz``,
    ``dh`` of the last passes; ``u`` (the linear part's output, when a normalisation follows it);
    ``alpha``/``dalpha`` (PReLU), ``gamma``, ``beta``, ``dgamma``, ``dbeta``, ``running_mean``,
    ``running_var``, ``xhat``, ``du`` (batch normalisation), None where the layer has no such
    part. Any other attribute is looked up on the modules, in order.
    """

    def __init__(
        self,
        W: np.ndarray,
        b: np.ndarray,
        activation: _act.Activation,
        batchnorm: bool = False,
        momentum: float = 0.1,
        eps: float = 1e-5,
        *,
        norm: str | None = None,
    ) -> None:
        if batchnorm:
            if norm not in (None, "batch"):
                raise ValueError(f"Give batchnorm=True or norm={norm!r}, not both.")
            norm = "batch"
        units, dtype = W.shape[1], W.dtype
        self.linear = Linear(W, b)
        modules: list[Module] = [self.linear]
        self.norm: Module | None = None
        if norm is not None:
            if activation.name == "identity":
                raise ValueError("Normalisation is for hidden layers, not the linear output layer.")
            if norm not in NORMS:
                raise ValueError(f"Unknown normalisation {norm!r}; known: {', '.join(sorted(NORMS))}.")
            kwargs = ({"momentum": momentum, "eps": eps} if NORMS[norm] is BatchNorm
                      else {"eps": eps} if NORMS[norm] is LayerNorm else {})
            self.norm = NORMS[norm](units, dtype, **kwargs)
            modules.append(self.norm)
        self.act = ACTIVATION_LAYERS.get(activation.name, ActivationLayer)(activation, units, dtype)
        modules.append(self.act)
        self.modules: list[Module] = modules
        self._learned = [m for m in modules if m.param_names]  # the modules with parameters
        self.dh: np.ndarray | None = None

    # -- the chain --------------------------------------------------------------------------------

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Run the modules on ``x (n, fan_in)``; return ``h (n, fan_out)`` (a reused buffer)."""
        for module in self.modules:
            x = module.forward(x)
        return x

    def backward(self, dh: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Given ``dh = dL/dh``, fill ``dz``, ``dW``, ``db`` (and the other modules' gradients) and
        return ``dL/dx`` (or None)."""
        object.__setattr__(self, "dh", dh)  # (skips the view-routing __setattr__: hot path)
        g = dh
        for k in range(len(self.modules) - 1, 0, -1):
            g = self.modules[k].backward(g)
        return self.modules[0].backward(g, need_dx)

    def params(self) -> list[np.ndarray]:
        return [p for m in self._learned for p in m.params()]

    def grads(self) -> list[np.ndarray]:
        return [g for m in self._learned for g in m.grads()]

    def buffers(self) -> list[np.ndarray]:
        return [a for m in self.modules for a in m.buffers()]

    @property
    def training(self) -> bool:
        return all(m.training for m in self.modules)

    @training.setter
    def training(self, mode: bool) -> None:
        for m in self.modules:
            m.training = bool(mode)

    # -- views ------------------------------------------------------------------------------------

    @property
    def W(self) -> np.ndarray:  # noqa: N802 - the course's notation
        return self.linear.W

    @W.setter
    def W(self, value: np.ndarray) -> None:  # noqa: N802
        self.linear.W = value

    @property
    def b(self) -> np.ndarray:
        return self.linear.b

    @b.setter
    def b(self, value: np.ndarray) -> None:
        self.linear.b = value

    @property
    def dW(self) -> np.ndarray:  # noqa: N802
        return self.linear.dW

    @property
    def db(self) -> np.ndarray:
        return self.linear.db

    @property
    def x(self) -> np.ndarray | None:
        return self.linear.x

    @property
    def u(self) -> np.ndarray | None:
        return self.linear.out if self.norm is not None else None

    @property
    def z(self) -> np.ndarray | None:
        return self.act.x

    @property
    def h(self) -> np.ndarray | None:
        return self.act.out

    @property
    def dz(self) -> np.ndarray | None:
        return self.act._dx

    @property
    def activation(self) -> _act.Activation:
        return self.act.activation

    @property
    def fan_in(self) -> int:
        return self.linear.W.shape[0]

    @property
    def fan_out(self) -> int:
        return self.linear.W.shape[1]

    @property
    def is_linear(self) -> bool:
        return self.activation.name == "identity"

    @property
    def batchnorm(self) -> bool:
        return isinstance(self.norm, BatchNorm)

    @property
    def residual(self) -> bool:
        """True for a :class:`Residual` block (``out = x + h``); a plain layer's output is ``h``."""
        return False

    @property
    def out(self) -> np.ndarray | None:
        """What the next layer reads as its ``x``: ``h`` here, ``x + h`` in a :class:`Residual` block."""
        return self.act.out

    def __getattr__(self, name: str) -> object:
        # only called for names that are not found normally: look them up on the modules
        if name.startswith("__") or "modules" not in self.__dict__:
            raise AttributeError(name)
        for m in self.__dict__["modules"]:
            if hasattr(m, name):
                return getattr(m, name)
        if name in _OPTIONAL:
            return None
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r} (modules: {self.modules}).")

    def __setattr__(self, name: str, value: object) -> None:
        # writing a view (``layer.W += 1``, ``layer.gamma = ...``) writes the module that owns it
        if name not in _OWN and "modules" in self.__dict__ and not isinstance(
                getattr(type(self), name, None), property):
            for m in self.__dict__["modules"]:
                if hasattr(m, name):
                    setattr(m, name, value)
                    return
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        bn = ", batchnorm" if self.batchnorm else ""
        return f"Dense({self.fan_in} -> {self.fan_out}, {self.activation.label}{bn})"


class Residual(Dense):
    """A residual block (He et al. 2016; Chapter 5): ``out = x + f(norm(x @ W + b))`` around a
    square :class:`Dense` layer (``fan_in == fan_out``; anything else is refused).

    The block is a :class:`Dense` layer with an identity path added, so every view keeps its
    meaning: ``x`` the block input, ``u``/``z`` the (normalised) pre-activation that enters the
    activation (what :func:`dying_relu.diagnostics.dead_mask` tests), ``h = f(z)`` the
    *activation's* output (not the block output), ``dz``, ``dW``, ``db`` as before. The block
    output ``x + h``, which the next layer reads as its ``x``, is :attr:`out` ``(n, fan_out)``.

    Backward: the gradient of the identity path is added, ``dx = dx_inner + d_out``, where
    ``dx_inner`` is the Dense layer's own input gradient; ``dh = d_out`` (``out = x + h``).
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, activation: _act.Activation, *args, **kwargs) -> None:
        if W.ndim != 2 or W.shape[0] != W.shape[1]:
            raise ValueError(
                f"A residual block x + f(x) needs as many outputs as inputs, got W of shape {W.shape}. "
                "Give the layer equal widths (e.g. MLP([2, 16, 16, 16, 3], residual=True) puts the "
                "identity path around the 16 -> 16 layers only), or set its residual flag to False."
            )
        if activation.name == "identity":
            raise ValueError("A residual block is for hidden layers, not the linear output layer.")
        super().__init__(W, b, activation, *args, **kwargs)
        object.__setattr__(self, "_res_n", -1)
        object.__setattr__(self, "_res_out", None)
        object.__setattr__(self, "_res_dx", None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``out = x + h`` with ``h = f(norm(x @ W + b))``; returns ``out (n, fan_out)`` (a reused buffer)."""
        n = x.shape[0]
        if n != self._res_n:
            shape = (n, self.fan_out)
            object.__setattr__(self, "_res_out", np.empty(shape, self.W.dtype))
            object.__setattr__(self, "_res_dx", np.empty(shape, self.W.dtype))
            object.__setattr__(self, "_res_n", n)
        h = super().forward(x)
        np.add(x, h, out=self._res_out)
        return self._res_out

    def backward(self, dh: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Given ``dL/d(out)``, fill the inner layer's gradients; return ``dL/dx`` = the inner
        layer's input gradient plus ``dL/d(out)`` (the identity path), or None."""
        inner = super().backward(dh, need_dx)
        if not need_dx:
            return None
        np.add(inner, dh, out=self._res_dx)
        return self._res_dx

    @property
    def out(self) -> np.ndarray | None:
        """The block output ``x + h`` of the last forward pass ``(n, fan_out)``."""
        return self._res_out

    @property
    def residual(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "Residual(" + super().__repr__() + ")"


def _per_layer(spec, n: int, what: str) -> list:
    if isinstance(spec, list | tuple):
        if len(spec) != n:
            raise ValueError(f"Got {len(spec)} {what} values for {n} layers; give one or {n}.")
        return list(spec)
    return [spec] * n


def _bias_init(spec, fan_out: int, rng: np.random.Generator, dtype) -> np.ndarray:
    if callable(spec):
        b = np.asarray(spec(fan_out, rng, dtype), dtype=dtype)
        if b.shape != (fan_out,):
            raise ValueError(f"A bias initialiser must return shape ({fan_out},), got {b.shape}.")
        return b
    return _init.constant_bias(spec)(fan_out, rng, dtype)


class MLP:
    """A multilayer perceptron with a chosen activation per hidden layer and a linear output.

    Args:
        sizes: layer widths from input to output, e.g. ``[2, 64, 64, 3]``.
        activation: one activation (name or :class:`Activation`) for every hidden layer, or a list
            with one per hidden layer. Names may carry parameters via ``activations.get``.
        init: weight initialiser for every layer, or a list with one per layer: a name
            (``"he"``, ``"glorot"``, ...), a variance scale ``s`` (``Var[W] = s / fan_in``) or a
            callable. Default: ``"glorot"`` if every hidden activation is sigmoid or tanh, else
            ``"he"``.
        bias: initial bias for every layer (a float, or a callable ``(fan_out, rng, dtype)``), or a
            list with one per layer. Default 0.
        seed: seed for ``numpy.random.default_rng``, shifted by :mod:`~dying_relu.seeding`'s offset
            (ignored if ``rng`` is given).
        rng: a ``numpy.random.Generator`` to draw the weights from.
        dtype: ``np.float64`` (default, for gradient checks) or ``np.float32`` (fast).
        batchnorm: batch-normalise the hidden pre-activations (see the module docstring): False
            (default), True for every hidden layer, or a list with one flag per hidden layer.
            Needs at least one hidden layer (the linear output layer is never normalised).
        norm: the same with any normalisation of :data:`NORMS` by name (``"batch"``,
            ``"layer"``): None (default), a name for every hidden layer, or a list with one name
            (or None) per hidden layer. Give ``batchnorm`` or ``norm``, not both. ``"layer"``
            (:class:`LayerNorm`) needs hidden layers of 2 or more units.
        residual: identity paths ``out = x + h`` (:class:`Residual` blocks): False (default);
            True for every hidden layer whose input and output widths match (the others, e.g. a
            first layer 2 -> 16, stay plain layers: no projection is added); or a list with one
            flag per hidden layer, where True on a layer whose widths differ is an error. The
            linear output layer never has one. ``layer.h`` stays the activation's output
            ``f(z)``; the block output is ``layer.out``.

    Example:
        >>> net = MLP([2, 16, 16, 3], "relu", seed=0)
        >>> net.forward(np.zeros((5, 2))).shape
        (5, 3)
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | _act.Activation | Sequence[str | _act.Activation] = "relu",
        *,
        init: str | float | Callable | Sequence | None = None,
        bias: float | Callable | Sequence = 0.0,
        seed: int | None = 0,
        rng: np.random.Generator | None = None,
        dtype: type | np.dtype = np.float64,
        batchnorm: bool | Sequence[bool] = False,
        norm: str | None | Sequence[str | None] = None,
        residual: bool | Sequence[bool] = False,
    ) -> None:
        sizes = list(sizes)
        if any(isinstance(s, bool | np.bool_) for s in sizes):
            raise TypeError(
                f"Layer widths must be integers, got {sizes}: True/False would silently mean a "
                "width of 1/0. Pass flags by keyword, e.g. MLP([2, 64, 3], batchnorm=True)."
            )
        sizes = [int(s) if isinstance(s, int | np.integer) else s for s in sizes]
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least an input and an output width, got {sizes}.")
        bad = [s for s in sizes if not isinstance(s, int) or s < 1]
        if bad:
            raise ValueError(
                f"Every layer width must be a positive integer; got {sizes}. "
                "Widths count units, so use e.g. [2, 64, 64, 3]."
            )
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}.")
        n_layers = len(sizes) - 1
        hidden = _per_layer(activation, n_layers - 1, "activation")
        acts = [_act.get(a) for a in hidden] + [_act.get("identity")]
        if init is None:
            init = "glorot" if hidden and all(a.name in _SATURATING for a in acts[:-1]) else "he"
        inits = [_init.get(s) for s in _per_layer(init, n_layers, "init")]
        biases = _per_layer(bias, n_layers, "bias")
        norms = _norms(batchnorm, norm, n_layers - 1) + [None]
        residuals = _residuals(residual, sizes) + [False]
        self.rng = _seeding.rng(seed, rng)
        self.sizes = list(sizes)
        self._init_spec = init
        self._bias_spec = bias
        self.layers: list[Dense] = []
        for i in range(n_layers):
            fan_in, fan_out = sizes[i], sizes[i + 1]
            W = np.ascontiguousarray(inits[i](fan_in, fan_out, self.rng, self.dtype), self.dtype)
            if W.shape != (fan_in, fan_out):
                raise ValueError(
                    f"Initialiser for layer {i} returned shape {W.shape}, expected "
                    f"({fan_in}, {fan_out})."
                )
            b = _bias_init(biases[i], fan_out, self.rng, self.dtype)
            kind = Residual if residuals[i] else Dense
            self.layers.append(kind(W, b, acts[i], norm=norms[i]))

    # -- structure ------------------------------------------------------------------------------

    @property
    def hidden(self) -> list[Dense]:
        """The hidden layers (every layer but the linear output)."""
        return self.layers[:-1]

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self.layers) - 1

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params())

    @property
    def min_batch(self) -> int:
        """The smallest mini-batch this network can train on (2 with batch normalisation, else 1)."""
        return max((m.min_batch for layer in self.layers for m in getattr(layer, "modules", ())), default=1)

    @property
    def training(self) -> bool:
        """True in training mode (batch statistics for batch normalisation), False in evaluation
        mode (running statistics). Only batch-normalised layers behave differently."""
        return all(layer.training for layer in self.layers)

    def train(self, mode: bool = True) -> MLP:
        """Switch to training mode (``mode=False``: evaluation mode); returns the network."""
        for layer in self.layers:
            layer.training = bool(mode)
        return self

    def eval(self) -> MLP:
        """Switch to evaluation mode: batch-normalised layers use their running statistics."""
        return self.train(False)

    def params(self) -> list[np.ndarray]:
        """``[W0, b0, W1, b1, ...]``: the arrays an optimiser updates in place, layer by layer and
        module by module (a batch-normalised layer adds its ``gamma`` and ``beta`` after its ``b``,
        a PReLU layer its ``alpha`` after those)."""
        return [p for layer in self.layers for p in layer.params()]

    def grads(self) -> list[np.ndarray]:
        """``[dW0, db0, dW1, db1, ...]`` from the last backward pass, aligned with ``params()``."""
        return [g for layer in self.layers for g in layer.grads()]

    def _buffers_state(self) -> list[np.ndarray]:
        return [a for layer in self.layers for a in layer.buffers()]

    @contextlib.contextmanager
    def frozen_statistics(self) -> Iterator[MLP]:
        """Within the block, training-mode forward passes do not update running statistics.

        For looking at a batch-normalised network without changing it (the dead-unit diagnostics
        use it): the batch is still normalised with its own statistics in training mode.
        """
        modules = [m for layer in self.layers for m in getattr(layer, "modules", ())
                   if hasattr(m, "update_running")]
        saved = [m.update_running for m in modules]
        for m in modules:
            m.update_running = False
        try:
            yield self
        finally:
            for m, flag in zip(modules, saved, strict=True):
                m.update_running = flag

    def copy(self) -> MLP:
        """A deep copy (weights, optimiser-free)."""
        return copy.deepcopy(self)

    def state(self) -> list[np.ndarray]:
        """Copies of all parameters (to restore later with :meth:`load_state`); batch-normalised
        layers add their running mean and variance at the end."""
        return [p.copy() for p in self.params() + self._buffers_state()]

    def load_state(self, state: Sequence[np.ndarray]) -> None:
        """Copy parameters saved with :meth:`state` back into the network."""
        params = self.params() + self._buffers_state()
        if len(state) != len(params):
            raise ValueError(f"State has {len(state)} arrays, this network {len(params)}.")
        for p, s in zip(params, state, strict=True):
            if p.shape != np.shape(s):
                raise ValueError(f"State array of shape {np.shape(s)} does not fit {p.shape}.")
            np.copyto(p, s)

    # -- computation ----------------------------------------------------------------------------

    def _prepare(self, X: np.ndarray, check: bool) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim == 1 and self.sizes[0] == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"Expected input of shape (n_examples, {self.sizes[0]}), got {X.shape}. "
                f"Each row is one example with {self.sizes[0]} features; reshape your data "
                f"(e.g. X.reshape(len(X), -1)) or build the network with sizes[0] = {X.shape[-1]}."
            )
        if X.dtype != self.dtype:
            X = X.astype(self.dtype)
        if check:
            check_finite(X, "network input")
        return X

    def forward(self, X: np.ndarray, *, check: bool = True) -> np.ndarray:
        """Run the network on ``X`` (shape ``(n, sizes[0])``); return the output ``(n, sizes[-1])``.

        The returned array is a fresh copy; each layer's ``x``, ``z`` and ``h`` hold this pass's
        values until the next pass.
        """
        h = self._prepare(X, check)
        for layer in self.layers:
            h = layer.forward(h)
        return h.copy()

    def backward(self, d_out: np.ndarray) -> None:
        """Backpropagate ``d_out = dL/d(output)`` (shape ``(n, sizes[-1])``), filling every layer's
        ``dz``, ``dh``, ``dW`` and ``db``. Call after :meth:`forward` on the same batch."""
        last = self.layers[-1]
        if last.z is None:
            raise RuntimeError("Call forward() before backward().")
        d_out = np.asarray(d_out, dtype=self.dtype)
        if d_out.shape != last.z.shape:
            raise ValueError(
                f"d_out has shape {d_out.shape}; the last forward pass produced {last.z.shape}."
            )
        g = d_out
        for i in range(len(self.layers) - 1, -1, -1):
            g = self.layers[i].backward(g, need_dx=i > 0)

    def loss_and_grad(
        self, X: np.ndarray, y: np.ndarray, loss: str | _losses.Loss = "cross_entropy"
    ) -> float:
        """Forward, loss and backward in one call; return the loss (gradients land in layers)."""
        h = self._prepare(X, True)
        for layer in self.layers:
            h = layer.forward(h)
        value, d_out = _losses.get(loss)(h, y)
        self.backward(d_out)
        return value

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class predictions ``argmax(output)``, shape ``(n,)``."""
        return np.argmax(self.forward(X), axis=1)

    def pre_activations(self, X: np.ndarray | None = None) -> list[np.ndarray]:
        """Copies of every hidden layer's pre-activation ``z`` (shape ``(n, width)``).

        With ``X``, run a forward pass on it first (which leaves batch-norm running statistics
        alone); without, use the last pass.
        """
        if X is not None:
            with self.frozen_statistics():
                self.forward(X)
        return [layer.z.copy() for layer in self.hidden]

    def hidden_outputs(self, X: np.ndarray | None = None) -> list[np.ndarray]:
        """Copies of every hidden layer's output ``h = f(z)``, like :meth:`pre_activations`."""
        if X is not None:
            with self.frozen_statistics():
                self.forward(X)
        return [layer.h.copy() for layer in self.hidden]

    def __repr__(self) -> str:
        acts = sorted({layer.activation.label for layer in self.hidden})
        arch = "-".join(str(s) for s in self.sizes)
        bn = ", batchnorm" if any(layer.batchnorm for layer in self.layers) else ""
        if any(isinstance(layer, Dense) and isinstance(layer.norm, LayerNorm) for layer in self.layers):
            bn += ", layernorm"
        if any(getattr(layer, "residual", False) for layer in self.layers):
            bn += ", residual"
        return f"MLP({arch}, {'/'.join(acts) or 'linear'}{bn}, {self.dtype.name})"


def _residuals(residual, sizes: list[int]) -> list[bool]:
    """One residual flag per hidden layer: True alone means every hidden layer with equal widths;
    an explicit list must not ask for an identity path where the widths differ."""
    n_hidden = len(sizes) - 2
    square = [sizes[i] == sizes[i + 1] for i in range(n_hidden)]
    if isinstance(residual, list | tuple):
        flags = [bool(f) for f in _per_layer(residual, n_hidden, "residual")]
        bad = [i for i, (f, sq) in enumerate(zip(flags, square, strict=True)) if f and not sq]
        if bad:
            i = bad[0]
            raise ValueError(
                f"residual=True for hidden layer {i} ({sizes[i]} -> {sizes[i + 1]}), but an identity "
                "path x + f(x) needs equal input and output widths. Set its flag to False, or pass "
                "residual=True alone to add identity paths wherever the widths match."
            )
        return flags
    if residual and n_hidden == 0:
        raise ValueError(
            "residual=True needs a hidden layer, but this network has none (sizes of length 2): "
            "the linear output layer never has an identity path."
        )
    if residual and not any(square):
        raise ValueError(
            f"residual=True, but no hidden layer of {sizes} has equal input and output widths, so "
            "there is nowhere to put an identity path x + f(x). Add a layer of the same width "
            "(e.g. [2, 16, 16, 3]) or drop the flag."
        )
    return [bool(residual) and sq for sq in square]


def _norms(batchnorm, norm, n_hidden: int) -> list[str | None]:
    """One normalisation name (or None) per hidden layer from ``batchnorm`` and ``norm``."""
    given_bn = any(batchnorm) if isinstance(batchnorm, list | tuple) else bool(batchnorm)
    if norm is not None and given_bn:
        raise ValueError("Give batchnorm=... or norm=..., not both (batchnorm=True is norm='batch').")
    if norm is None:
        flags = [bool(f) for f in _per_layer(batchnorm, n_hidden, "batchnorm")]
        names = ["batch" if f else None for f in flags]
        spec = batchnorm
    else:
        names = _per_layer(norm, n_hidden, "norm")
        spec = norm
    if n_hidden == 0 and not isinstance(spec, list | tuple) and spec:
        raise ValueError(
            f"{'batchnorm' if norm is None else 'norm'}={spec!r} needs a hidden layer, but this network "
            "has none (sizes of length 2): only hidden layers are normalised, never the linear output. "
            "Add a hidden layer (e.g. MLP([2, 16, 3], batchnorm=True)) or drop the flag."
        )
    for name in names:
        if name is not None and name not in NORMS:
            raise ValueError(f"Unknown normalisation {name!r}; known: {', '.join(sorted(NORMS))}, or None.")
    return names
