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
running variance uses the unbiased batch variance, as PyTorch does). In *evaluation* mode
(:meth:`MLP.eval`) the running estimates are used instead, so an example's output no longer
depends on the rest of its batch. :func:`dying_relu.train.fit` trains in training mode and
evaluates (and calls its hooks) in evaluation mode. Such layers add ``gamma`` and ``beta`` to
``params()`` (and ``dgamma``, ``dbeta`` to ``grads()``) after their ``b``. In training mode ``b``
has no effect at all (the batch mean removes it), so its gradient is zero up to rounding.
Layers without batch normalisation compute exactly what they did before.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np

from . import activations as _act
from . import init as _init
from . import losses as _losses
from . import seeding as _seeding

__all__ = ["MLP", "Dense", "check_finite"]

_SATURATING = {"sigmoid", "tanh"}


def check_finite(x: np.ndarray, what: str = "input") -> None:
    """Raise a clear ``ValueError`` if ``x`` holds NaN or inf."""
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(
            f"The {what} contains {bad} NaN or infinite value(s). Clean or impute the data "
            "(e.g. np.nan_to_num) before passing it to the network."
        )


class Dense:
    """One fully connected layer ``h = f(x @ W + b)``.

    Attributes:
        W: weights, shape ``(fan_in, fan_out)``.  b: biases, shape ``(fan_out,)``.
        activation: the :class:`~dying_relu.activations.Activation` ``f``.
        x, z, h: input, pre-activation and output of the last forward pass.
        dz, dh, dW, db: gradients of the loss from the last backward pass.
    """

    def __init__(
        self,
        W: np.ndarray,
        b: np.ndarray,
        activation: _act.Activation,
        batchnorm: bool = False,
        momentum: float = 0.1,
        eps: float = 1e-5,
    ) -> None:
        self.W = W
        self.b = b
        self.activation = activation
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)
        # PReLU (Chapter 4): a learned slope per unit; None for every other activation.
        self.alpha: np.ndarray | None = None
        self.dalpha: np.ndarray | None = None
        if activation.name == "prelu":
            self.alpha = np.full(W.shape[1], activation.params["alpha"], dtype=W.dtype)
            self.dalpha = np.zeros_like(self.alpha)
        self.x: np.ndarray | None = None
        self.z: np.ndarray | None = None
        self.h: np.ndarray | None = None
        self.dz: np.ndarray | None = None
        self.dh: np.ndarray | None = None
        self._batch = -1
        self._dx: np.ndarray | None = None
        # Batch normalisation (Chapter 4); None / unused for every other layer.
        self.batchnorm = bool(batchnorm)
        self.training = True
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.gamma = self.beta = self.dgamma = self.dbeta = None
        self.running_mean = self.running_var = None
        self.u: np.ndarray | None = None
        self.xhat: np.ndarray | None = None
        self.du: np.ndarray | None = None
        self._inv_std: np.ndarray | None = None
        if self.batchnorm:
            if self.is_linear:
                raise ValueError("Batch normalisation is for hidden layers, not the linear output layer.")
            n_out, dt = W.shape[1], W.dtype
            self.gamma, self.beta = np.ones(n_out, dt), np.zeros(n_out, dt)
            self.dgamma, self.dbeta = np.zeros(n_out, dt), np.zeros(n_out, dt)
            self.running_mean, self.running_var = np.zeros(n_out, dt), np.ones(n_out, dt)

    @property
    def fan_in(self) -> int:
        return self.W.shape[0]

    @property
    def fan_out(self) -> int:
        return self.W.shape[1]

    @property
    def is_linear(self) -> bool:
        return self.activation.name == "identity"

    def _buffers(self, n: int) -> None:
        if self._batch == n:
            return
        dt = self.W.dtype
        self.z = np.empty((n, self.fan_out), dt)
        self.h = self.z if self.is_linear else np.empty((n, self.fan_out), dt)
        self.dz = np.empty((n, self.fan_out), dt)
        self._dx = np.empty((n, self.fan_in), dt)
        if self.batchnorm:
            self.u = np.empty((n, self.fan_out), dt)
            self.xhat = np.empty((n, self.fan_out), dt)
            self.du = np.empty((n, self.fan_out), dt)
        self._batch = n

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute and cache ``z = x @ W + b`` and ``h = f(z)``; return ``h`` (a reused buffer)."""
        self._buffers(x.shape[0])
        self.x = x
        if self.batchnorm:
            self._bn_forward(x)
        else:
            np.matmul(x, self.W, out=self.z)
            self.z += self.b
        if self.alpha is not None:
            _prelu_forward(self.z, self.alpha, self.h)
        elif not self.is_linear:
            self.activation(self.z, out=self.h)
        return self.h

    def backward(self, dh: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Given ``dh = dL/dh``, fill ``dz``, ``dW``, ``db`` and return ``dL/dx`` (or None)."""
        self.dh = dh
        if self.is_linear:
            np.copyto(self.dz, dh)
        elif self.alpha is not None:
            _prelu_backward(dh, self.z, self.alpha, self.dz, self.dalpha)
        else:
            self.activation.backward(dh, self.z, self.h, out=self.dz)
        du = self._bn_backward() if self.batchnorm else self.dz
        np.matmul(self.x.T, du, out=self.dW)
        np.sum(du, axis=0, out=self.db)
        if not need_dx:
            return None
        return np.matmul(du, self.W.T, out=self._dx)

    def _bn_forward(self, x: np.ndarray) -> None:
        """``u = x W + b``, ``xhat`` normalised (batch or running statistics), ``z = gamma xhat + beta``."""
        u = np.matmul(x, self.W, out=self.u)
        u += self.b
        if self.training:
            n = u.shape[0]
            mean = u.mean(axis=0)
            var = u.var(axis=0)
            m = self.momentum
            unbiased = var * (n / (n - 1)) if n > 1 else var
            self.running_mean *= 1 - m
            self.running_mean += m * mean
            self.running_var *= 1 - m
            self.running_var += m * unbiased
        else:
            mean, var = self.running_mean, self.running_var
        self._inv_std = 1.0 / np.sqrt(var + self.W.dtype.type(self.eps))
        np.subtract(u, mean, out=self.xhat)
        self.xhat *= self._inv_std
        np.multiply(self.xhat, self.gamma, out=self.z)
        self.z += self.beta

    def _bn_backward(self) -> np.ndarray:
        """From ``dz = dL/dz`` fill ``dgamma``, ``dbeta`` and ``du = dL/du`` (returned).

        Training mode (batch statistics), the standard formula with ``g = dz * gamma``:
        ``du = inv_std / n * (n g - sum(g) - xhat * sum(g * xhat))``; evaluation mode (fixed
        statistics): ``du = g * inv_std``.
        """
        dz, xhat = self.dz, self.xhat
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
        np.copyto(self.du, du)
        return self.du

    def __repr__(self) -> str:
        bn = ", batchnorm" if self.batchnorm else ""
        return f"Dense({self.fan_in} -> {self.fan_out}, {self.activation.label}{bn})"


def _prelu_forward(z: np.ndarray, alpha: np.ndarray, out: np.ndarray) -> np.ndarray:
    """PReLU with one slope per unit: ``max(z, 0) + alpha * min(z, 0)``; ``alpha (fan_out,)``."""
    np.minimum(z, 0, out=out)
    out *= alpha
    out += np.maximum(z, 0)
    return out


def _prelu_backward(dh, z, alpha, dz, dalpha) -> None:
    """Fill ``dz = dh * f'(z)`` (slope 1 for z > 0, ``alpha`` otherwise) and
    ``dalpha = sum over the batch of dh * min(z, 0)``."""
    np.sum(dh * np.minimum(z, 0), axis=0, out=dalpha)
    slope = np.multiply(z > 0, 1 - alpha)
    slope += alpha
    np.multiply(dh, slope, out=dz)


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
    ) -> None:
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
        norms = [bool(f) for f in _per_layer(batchnorm, n_layers - 1, "batchnorm")] + [False]
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
            self.layers.append(Dense(W, b, acts[i], batchnorm=True) if norms[i] else Dense(W, b, acts[i]))

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
        """``[W0, b0, W1, b1, ...]``: the arrays an optimiser updates in place (a PReLU layer adds
        its ``alpha`` after its ``b``, a batch-normalised layer its ``gamma`` and ``beta``)."""
        return [p for layer in self.layers
                for p in (layer.W, layer.b, layer.alpha, layer.gamma, layer.beta) if p is not None]

    def grads(self) -> list[np.ndarray]:
        """``[dW0, db0, dW1, db1, ...]`` from the last backward pass, aligned with ``params()``."""
        return [g for layer in self.layers
                for g in (layer.dW, layer.db, layer.dalpha, layer.dgamma, layer.dbeta) if g is not None]

    def _buffers_state(self) -> list[np.ndarray]:
        return [a for layer in self.layers for a in (layer.running_mean, layer.running_var) if a is not None]

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

        With ``X``, run a forward pass on it first; without, use the last pass.
        """
        if X is not None:
            self.forward(X)
        return [layer.z.copy() for layer in self.hidden]

    def hidden_outputs(self, X: np.ndarray | None = None) -> list[np.ndarray]:
        """Copies of every hidden layer's output ``h = f(z)``, like :meth:`pre_activations`."""
        if X is not None:
            self.forward(X)
        return [layer.h.copy() for layer in self.hidden]

    def __repr__(self) -> str:
        acts = sorted({layer.activation.label for layer in self.hidden})
        arch = "-".join(str(s) for s in self.sizes)
        bn = ", batchnorm" if any(layer.batchnorm for layer in self.layers) else ""
        return f"MLP({arch}, {'/'.join(acts) or 'linear'}{bn}, {self.dtype.name})"
