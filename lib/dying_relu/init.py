"""Weight and bias initialisers (introduced in Chapter 1, studied in Chapter 2).

A weight initialiser is a function ``init(fan_in, fan_out, rng, dtype) -> W`` returning an array of
shape ``(fan_in, fan_out)``. Use :func:`get` to turn a name (``"he"``, ``"glorot"``, ...) or a
variance scale (a float ``s`` meaning ``Var[W] = s / fan_in``) into one.

- He (Kaiming) normal: ``Var[W] = 2 / fan_in`` keeps the variance of ReLU pre-activations constant
  through depth (He et al. 2015).
- Glorot (Xavier) normal: ``Var[W] = 2 / (fan_in + fan_out)`` suits tanh and sigmoid (Glorot and
  Bengio 2010).
- PyTorch's default for ``nn.Linear`` (Chapter 5), ``"torch_default"``: ``kaiming_uniform_(a=sqrt(5))``,
  i.e. ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, a variance of ``1 / (3 fan_in)``, a sixth of He's;
  its biases are drawn from the same uniform (:func:`torch_default_bias`).
- Randomized asymmetric initialisation (:class:`RAI`, Lu, Shin, Su and Karniadakis 2019;
  introduced in Chapter 4): one positive entry per unit among its weights and bias, which makes a
  narrow ReLU network much less likely to be born dead (:func:`rai_matrix`, :func:`rai_sigma2`,
  :func:`beta_moments`).

Many networks at once (Monte Carlo over initialisations, Chapters 3 and 4): :func:`he_layers` and
:func:`rai_layers` draw the hidden layers of ``n_nets`` independent networks as stacked arrays,
``W (n_nets, fan_in, width)`` and ``b (n_nets, 1, width)``, one layer at a time; they are the layer
generators that :func:`dying_relu.diagnostics.born_dead_first_layer` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

__all__ = [
    "RAI",
    "LayerDraws",
    "WeightInit",
    "beta_moments",
    "constant_bias",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_layers",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "rai_layers",
    "rai_matrix",
    "rai_sigma2",
    "scaled_normal",
    "torch_default",
    "torch_default_bias",
    "torch_default_biases",
]

WeightInit = Callable[[int, int, np.random.Generator, np.dtype], np.ndarray]
#: A generator of stacked hidden layers for many networks: ``(width, depth, n_nets, rng, d_in) ->``
#: an iterator of ``(W (n_nets, fan_in, width), b (n_nets, 1, width))``, one per hidden layer.
LayerDraws = Callable[..., Iterator[tuple[np.ndarray, np.ndarray]]]


def _check_fans(fan_in: int, fan_out: int) -> None:
    if int(fan_in) < 1 or int(fan_out) < 1:
        raise ValueError(f"fan_in and fan_out must be >= 1, got {fan_in} and {fan_out}.")


def scaled_normal(scale: float) -> WeightInit:
    """Gaussian weights with ``Var[W] = scale / fan_in`` (He is ``scale = 2``, LeCun ``scale = 1``)."""
    scale = float(scale)
    if not np.isfinite(scale) or scale < 0:
        raise ValueError(f"A weight variance scale must be a finite number >= 0, got {scale}.")

    def init(fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        _check_fans(fan_in, fan_out)
        std = np.sqrt(scale / fan_in)
        return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)

    init.__name__ = f"scaled_normal({scale:g})"
    return init


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """He normal: ``N(0, 2 / fan_in)``; shape ``(fan_in, fan_out)``."""
    return scaled_normal(2.0)(fan_in, fan_out, rng, dtype)


def lecun_normal(
    fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """LeCun normal: ``N(0, 1 / fan_in)``; half He's variance."""
    return scaled_normal(1.0)(fan_in, fan_out, rng, dtype)


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """He uniform: ``U(-l, l)`` with ``l = sqrt(6 / fan_in)`` (variance ``2 / fan_in``)."""
    _check_fans(fan_in, fan_out)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


def glorot_normal(
    fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """Glorot (Xavier) normal: ``N(0, 2 / (fan_in + fan_out))``."""
    _check_fans(fan_in, fan_out)
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)


def glorot_uniform(
    fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """Glorot (Xavier) uniform: ``U(-l, l)`` with ``l = sqrt(6 / (fan_in + fan_out))``."""
    _check_fans(fan_in, fan_out)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


def torch_default(
    fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """PyTorch's default ``nn.Linear`` weights: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    That is what ``kaiming_uniform_(W, a=sqrt(5))`` draws: bound ``sqrt(6 / ((1 + a^2) fan_in))
    = 1 / sqrt(fan_in)``, variance ``1 / (3 fan_in)``, a sixth of He's ``2 / fan_in``. Shape
    ``(fan_in, fan_out)`` (PyTorch stores the transpose, ``(out_features, in_features)``).
    """
    _check_fans(fan_in, fan_out)
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)


def torch_default_bias(fan_in: int) -> Callable[[int, np.random.Generator, np.dtype], np.ndarray]:
    """A bias initialiser like PyTorch's ``nn.Linear``: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    The bias depends on the layer's ``fan_in``, which ``MLP``'s bias initialisers do not receive;
    use :func:`torch_default_biases` for a whole network.
    """
    fan_in = int(fan_in)
    if fan_in < 1:
        raise ValueError(f"fan_in must be >= 1, got {fan_in}.")
    bound = 1.0 / np.sqrt(fan_in)

    def init(fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        return rng.uniform(-bound, bound, int(fan_out)).astype(dtype)

    init.__name__ = f"torch_default_bias({fan_in})"
    return init


def torch_default_biases(sizes: list[int] | tuple[int, ...]) -> list:
    """One :func:`torch_default_bias` per layer of ``MLP(sizes)``, for a network initialised as
    PyTorch would: ``MLP(sizes, init="torch_default", bias=init.torch_default_biases(sizes))``."""
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {sizes}.")
    return [torch_default_bias(f) for f in sizes[:-1]]


_NAMED: dict[str, WeightInit] = {
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "glorot": glorot_normal,
    "glorot_normal": glorot_normal,
    "glorot_uniform": glorot_uniform,
    "xavier": glorot_normal,
    "lecun": lecun_normal,
    "torch_default": torch_default,
}


def get(spec: str | float | WeightInit) -> WeightInit:
    """Turn a name, a variance scale or a function into a weight initialiser.

    Args:
        spec: one of ``"he"``, ``"he_uniform"``, ``"glorot"``, ``"glorot_uniform"``, ``"lecun"``,
            ``"torch_default"``;
            a float ``s`` for ``Var[W] = s / fan_in``; or a callable
            ``(fan_in, fan_out, rng, dtype) -> W``.
    """
    if callable(spec):
        return spec
    if isinstance(spec, str):
        if spec not in _NAMED:
            raise ValueError(
                f"Unknown weight initialiser {spec!r}. Known: {', '.join(sorted(_NAMED))}, "
                "a float s (variance s / fan_in), or a function (fan_in, fan_out, rng, dtype) -> W."
            )
        return _NAMED[spec]
    if isinstance(spec, int | float | np.floating | np.integer):
        return scaled_normal(float(spec))
    raise TypeError(f"Cannot make a weight initialiser from {spec!r}.")


def constant_bias(value: float) -> Callable[[int, np.random.Generator, np.dtype], np.ndarray]:
    """A bias initialiser returning ``value`` for every unit, e.g. 0.01 or -1.0."""
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"A bias value must be finite, got {value}.")

    def init(fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        return np.full(fan_out, value, dtype=dtype)

    init.__name__ = f"constant_bias({value:g})"
    return init


# ---------------------------------------------------------------------------------------------
# Randomized asymmetric initialisation (Lu, Shin, Su and Karniadakis 2019; Chapter 4)
# ---------------------------------------------------------------------------------------------


def beta_moments(a: float = 2.0, b: float = 1.0) -> tuple[float, float]:
    """Mean and second moment ``(E[xi], E[xi**2])`` of ``xi ~ Beta(a, b)`` (support [0, 1]).

    For Beta(2, 1) (density ``2 x`` on [0, 1]): ``(2/3, 1/2)``.
    """
    if not (a > 0 and b > 0):
        raise ValueError(f"Beta(a, b) needs a > 0 and b > 0, got a={a}, b={b}.")
    mean = a / (a + b)
    second = a * (a + 1) / ((a + b) * (a + b + 1))
    return mean, second


def rai_sigma2(fan_in: int, a: float = 2.0, b: float = 1.0) -> float:
    """Variance of the Gaussian entries of RAI: ``sigma**2 = (1 - E[xi**2]) / fan_in``.

    The second-moment argument (ours; see :class:`RAI`): a unit's incoming parameters
    ``v = (w_1, ..., w_fan_in, b)`` act on ``(x, 1)``; one entry is ``xi ~ Beta(a, b)``, the other
    ``fan_in`` are ``N(0, sigma**2)``, so ``E||v||**2 = E[xi**2] + fan_in * sigma**2``. Setting it to
    1 makes ``E[z**2]`` at most the input's mean square, and since ``relu(z)**2 <= z**2`` the signal
    cannot grow from layer to layer. For Beta(2, 1): ``sigma**2 = 1 / (2 fan_in)``.
    """
    if int(fan_in) < 1:
        raise ValueError(f"fan_in must be >= 1, got {fan_in}.")
    return (1.0 - beta_moments(a, b)[1]) / int(fan_in)


def rai_matrix(
    fan_in: int,
    fan_out: int,
    rng: np.random.Generator,
    dtype: type | np.dtype = np.float64,
    *,
    a: float = 2.0,
    b: float = 1.0,
    sigma2: float | None = None,
    size: tuple[int, ...] = (),
) -> np.ndarray:
    """Draw RAI's joint weight-and-bias matrix ``V = [W; b]`` of shape ``size + (fan_in + 1, fan_out)``.

    Column ``j`` holds unit ``j``'s incoming weights (rows ``0 .. fan_in - 1``) and its bias (the
    last row). In every column one entry, at a position drawn uniformly from the ``fan_in + 1``, is
    ``xi ~ Beta(a, b)`` (positive); all other entries are ``N(0, sigma2)``, by default
    :func:`rai_sigma2`. ``size`` draws a stack of independent matrices (for many networks at once).
    """
    if int(fan_in) < 1 or int(fan_out) < 1:
        raise ValueError(f"fan_in and fan_out must be >= 1, got {fan_in} and {fan_out}.")
    fan_in, fan_out, size = int(fan_in), int(fan_out), tuple(size)
    s2 = rai_sigma2(fan_in, a, b) if sigma2 is None else float(sigma2)
    if not np.isfinite(s2) or s2 < 0:
        raise ValueError(f"sigma2 must be a finite number >= 0, got {sigma2}.")
    V = rng.standard_normal(size + (fan_in + 1, fan_out)) * np.sqrt(s2)
    k = rng.integers(0, fan_in + 1, size + (fan_out,))
    xi = rng.beta(a, b, size + (fan_out,))
    np.put_along_axis(V, k[..., None, :], xi[..., None, :], axis=-2)
    return V.astype(dtype)


class RAI:
    """Randomized asymmetric initialisation (RAI) as a weight and bias initialiser pair for :class:`MLP`.

    Usage::

        rai = RAI()
        net = MLP([1, 2, 2, 2, 1], "relu", init=rai.init, bias=rai.bias, seed=0)

    What it draws, for every layer (Lu, Shin, Su and Karniadakis 2019): look at a unit's weights and
    bias together, ``v = (w_1, ..., w_fan_in, b)``. One of these ``fan_in + 1`` numbers, chosen
    uniformly at random, is drawn from a *positive* distribution, ``Beta(a, b)`` (default Beta(2, 1),
    density ``2 x`` on [0, 1]); the others are Gaussian ``N(0, sigma**2)`` with
    ``sigma**2 = (1 - E[xi**2]) / fan_in`` (:func:`rai_sigma2`). Every input of a hidden layer is
    non-negative (a ReLU output, or the constant 1 that multiplies the bias), so the positive entry
    tilts each unit towards the active side: a symmetric initialiser (He) leaves a narrow layer
    with a real chance that *every* unit is negative on every input, which makes the whole network
    constant ("born dead"); RAI makes that much rarer.

    The variance rule is our own second-moment argument (see :func:`rai_sigma2`); the paper derives
    its constants from a more detailed analysis which we do not reproduce, so our numbers may differ
    from theirs. ``init`` draws ``V = [W; b]`` (:func:`rai_matrix`) and returns ``W``; the matching
    ``bias`` call (which :class:`MLP` makes right after, for the same layer) returns ``b``.
    """

    def __init__(self, a: float = 2.0, b: float = 1.0, sigma2: float | None = None) -> None:
        beta_moments(a, b)  # validates a and b
        self.a, self.b, self.sigma2 = float(a), float(b), sigma2
        self._pending: np.ndarray | None = None

    def init(self, fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        """Weights ``W (fan_in, fan_out)``; keeps the layer's bias row for :meth:`bias`."""
        V = rai_matrix(fan_in, fan_out, rng, dtype, a=self.a, b=self.b, sigma2=self.sigma2)
        self._pending = V[-1].copy()
        return np.ascontiguousarray(V[:-1])

    def bias(self, fan_out: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        """Biases ``b (fan_out,)`` drawn together with the weights of the same layer."""
        if self._pending is None or self._pending.shape != (fan_out,):
            raise RuntimeError(
                "RAI.bias() gives the bias drawn together with a layer's weights: pass both, "
                "MLP(..., init=rai.init, bias=rai.bias), so each bias call follows its init call."
            )
        b, self._pending = self._pending.astype(dtype), None
        return b

    def __repr__(self) -> str:
        return f"RAI(Beta({self.a:g}, {self.b:g}))"


# ---------------------------------------------------------------------------------------------
# Many networks at once: stacked layer draws (Chapters 3 and 4)
# ---------------------------------------------------------------------------------------------


def he_layers(
    width: int,
    depth: int,
    n_nets: int,
    rng: np.random.Generator,
    d_in: int = 1,
    bias_std: float = 0.0,
    dtype=np.float64,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield the hidden layers of ``n_nets`` independent He-normal ReLU networks, one at a time.

    Layer ``l`` is ``(W, b)`` with ``W (n_nets, fan_in, width)`` drawn from
    ``N(0, 2 / fan_in)`` and ``b (n_nets, 1, width)``: zeros, or ``N(0, bias_std**2)`` if
    ``bias_std > 0`` (drawn right after ``W``). The draw order is fixed, so
    :func:`dying_relu.dying.he_stack` and :func:`dying_relu.diagnostics.born_dead_first_layer`
    see the same networks for the same generator state.
    """
    fan_in = d_in
    for _ in range(depth):
        W = rng.standard_normal((n_nets, fan_in, width))
        W *= np.sqrt(2.0 / fan_in)
        if bias_std > 0:
            b = rng.standard_normal((n_nets, 1, width)) * bias_std
        else:
            b = np.zeros((n_nets, 1, width))
        yield W.astype(dtype, copy=False), b.astype(dtype, copy=False)
        fan_in = width


def rai_layers(
    width: int,
    depth: int,
    n_nets: int,
    rng: np.random.Generator,
    d_in: int = 1,
    dtype=np.float64,
    *,
    a: float = 2.0,
    b: float = 1.0,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield the hidden layers of ``n_nets`` independent RAI ReLU networks, one at a time.

    Layer ``l`` is drawn as one stack of joint matrices ``V = [W; b]`` by :func:`rai_matrix`
    (``size=(n_nets,)``) and yielded as the views ``W = V[:, :-1]`` ``(n_nets, fan_in, width)`` and
    ``b = V[:, -1:]`` ``(n_nets, 1, width)``, exactly as :class:`RAI` builds one network.
    """
    fan_in = d_in
    for _ in range(depth):
        V = rai_matrix(fan_in, width, rng, dtype, a=a, b=b, size=(n_nets,))
        yield V[:, :-1], V[:, -1:]
        fan_in = width
