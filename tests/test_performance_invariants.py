"""Speed work must not change a single bit (issue 7).

The library's training step and activations are optimised (preallocated buffers, in-place updates,
cache blocking). The chapters' committed outputs depend on the exact numbers, so every optimised
path must give *bit-for-bit* the results of the plain formulas. This file re-implements the plain
formulas with ordinary numpy expressions, in the same order of floating-point operations as the
definitions in the library's docstrings, and compares:

- whole training runs with :func:`dying_relu.fit` (every activation, float32 and float64, SGD /
  Momentum (Nesterov) / Adam with weight decay, cross-entropy and MSE, an ``on_step`` hook, a last
  mini-batch smaller than the others, layers wider than the activations' block size): epoch losses,
  accuracies, per-step losses, hook records and final parameters must be *equal* (not close);
- one ``loss_and_grad`` + optimiser step called directly;
- every activation, derivative and backward rule on awkward sizes around the block size, 2-D,
  Fortran-ordered, strided and in-place arrays, with signed zeros, NaNs, infinities and subnormals
  mixed in, compared through their bit patterns.

A change that alters the last bit of any of these fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from dying_relu import MLP, SGD, Adam, Momentum, fit
from dying_relu import activations as A

# ---------------------------------------------------------------------------------------------
# Reference formulas: plain numpy, no buffers, no blocking.
# ---------------------------------------------------------------------------------------------


def ref_forward(name, a, x):
    t = x.dtype.type
    if name == "relu":
        return np.maximum(x, 0)
    if name == "leaky_relu":
        return np.maximum(x, x * t(a)) if a <= 1 else np.minimum(x, x * t(a))
    if name == "elu":
        return np.maximum(x, 0) + np.expm1(np.minimum(x, 0)) * t(a)
    if name == "sigmoid":
        with np.errstate(over="ignore"):
            return np.reciprocal(np.exp(-x) + 1)
    if name == "tanh":
        return np.tanh(x)
    raise KeyError(name)


def ref_grad(name, a, x):
    t = x.dtype.type
    if name == "relu":
        return (x > 0).astype(x.dtype)
    if name == "leaky_relu":
        return (x > 0) * t(1 - a) + t(a)
    if name == "elu":
        e = np.exp(np.minimum(x, 0)) * t(a)
        return (1 - e) * (x > 0) + e
    if name == "sigmoid":
        e = np.exp(-np.abs(x))
        return e / np.square(e + 1)
    if name == "tanh":
        e = np.exp(np.abs(x) * -2)
        return e / np.square(e + 1) * 4
    raise KeyError(name)


def ref_backward(name, a, g, x, y):
    t = x.dtype.type
    if name == "relu":
        return g * (x > 0)
    if name == "leaky_relu":
        return g * ((x > 0) * t(1 - a) + t(a))
    if name == "elu":
        return g * (np.minimum(y, 0) + t(a) + (x > 0) * t(1 - a))
    if name == "sigmoid":
        return g * ((1 - y) * y)
    if name == "tanh":
        return g * (1 - np.square(y))
    if name == "identity":
        return g.copy()
    raise KeyError(name)


def ref_cross_entropy(logits, labels):
    n = len(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1)
    rows = np.arange(n)
    loss = float(np.mean(np.log(sums) - shifted[rows, labels]))
    grad = exp / sums[:, None]
    grad[rows, labels] -= 1
    grad /= n
    return loss, grad


def ref_mse(out, target):
    target = np.asarray(target, dtype=out.dtype)
    if target.ndim == 1:
        target = target[:, None]
    diff = out - target
    return float(np.mean(diff * diff)), diff * (2.0 / diff.size)


class RefNet:
    """Weights, plain forward/backward with the library's per-layer formulas."""

    def __init__(self, net: MLP):
        self.W = [layer.W.copy() for layer in net.layers]
        self.b = [layer.b.copy() for layer in net.layers]
        self.acts = [(layer.activation.name, layer.activation.params.get("alpha")) for layer in net.layers]

    def forward(self, x):
        self.cache = []
        h = x
        for W, b, (name, a) in zip(self.W, self.b, self.acts, strict=True):
            z = h @ W + b
            out = z if name == "identity" else ref_forward(name, a, z)
            self.cache.append((h, z, out))
            h = out
        return h

    def backward(self, g):
        grads = [None] * (2 * len(self.W))
        for i in range(len(self.W) - 1, -1, -1):
            x, z, h = self.cache[i]
            name, a = self.acts[i]
            dz = ref_backward(name, a, g, z, h)
            grads[2 * i] = x.T @ dz
            grads[2 * i + 1] = dz.sum(axis=0)
            if i:
                g = dz @ self.W[i].T
        return grads

    def params(self):
        return [p for pair in zip(self.W, self.b, strict=True) for p in pair]


class RefOpt:
    """SGD, Momentum (optionally Nesterov) and Adam exactly as documented in optim.py."""

    def __init__(self, kind, lr, wd, **kw):
        self.kind, self.lr, self.wd, self.kw = kind, lr, wd, kw
        self.t = 0
        self.state = {}

    def step(self, params, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            t = p.dtype.type
            decay = self.wd if p.ndim > 1 else 0.0
            if self.kind == "sgd":
                if decay:
                    p *= t(1 - self.lr * decay)
                p -= t(self.lr) * g
            elif self.kind == "momentum":
                beta = self.kw.get("beta", 0.9)
                v = self.state.setdefault(i, np.zeros_like(p))
                if decay:
                    g = g + t(decay) * p
                v *= t(beta)
                v += g
                step = g + t(beta) * v if self.kw.get("nesterov") else v
                p -= t(self.lr) * step
            else:
                b1, b2, eps = 0.9, 0.999, 1e-8
                m, v = self.state.setdefault(i, (np.zeros_like(p), np.zeros_like(p)))
                m *= t(b1)
                m += t(1 - b1) * g
                v *= t(b2)
                v += t(1 - b2) * (g * g)
                c1, c2 = 1 - b1**self.t, 1 - b2**self.t
                if decay:
                    p *= t(1 - self.lr * decay)
                denom = np.sqrt(v / t(c2)) + t(eps)
                p -= t(self.lr / c1) * m / denom


def make_opt(kind, lr, wd):
    if kind == "sgd":
        return SGD(lr, weight_decay=wd), RefOpt("sgd", lr, wd)
    if kind == "momentum":
        return (Momentum(lr, nesterov=True, weight_decay=wd),
                RefOpt("momentum", lr, wd, nesterov=True))
    return Adam(lr, weight_decay=wd), RefOpt("adam", lr, wd)


def hook(net, step):
    return {"w": float(net.layers[0].W[1, 2]), "g": float(np.sum(net.layers[-1].dW ** 2)),
            "b": net.layers[0].b.copy()}


def ref_fit(ref, opt, X, y, loss, epochs, batch_size, seed):
    """The loop of dying_relu.train.fit written out plainly."""
    loss_fn = ref_cross_entropy if loss == "cross_entropy" else ref_mse
    rng = np.random.default_rng(seed)
    out = {"loss": [], "acc": [], "steps": [], "w": [], "g": [], "b": []}

    def record():  # train.evaluate: a single batch of all examples, mean = (0 + value * n) / n
        value, _ = loss_fn(ref.forward(X), y)
        out["loss"].append((0.0 + value * len(X)) / len(X))
        if loss == "cross_entropy":
            out["acc"].append(int(np.sum(np.argmax(ref.forward(X), axis=1) == y)) / len(X))

    record()
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            value, d = loss_fn(ref.forward(X[idx]), y[idx])
            grads = ref.backward(d)
            opt.step(ref.params(), grads)
            out["steps"].append(value)
            out["w"].append(float(ref.W[0][1, 2]))
            out["g"].append(float(np.sum(grads[-2] ** 2)))
            out["b"].append(ref.b[0].copy())
        record()
    return out


ACTS = [("relu", {}), ("leaky_relu", {"alpha": 0.1}), ("elu", {"alpha": 0.7}), ("sigmoid", {}),
        ("tanh", {})]
OPTS = {"sgd": (0.05, 1e-3), "momentum": (0.02, 1e-3), "adam": (2e-3, 1e-2)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt_kind", list(OPTS))
@pytest.mark.parametrize("act,params", ACTS)
def test_training_runs_are_bit_identical_to_the_plain_formulas(act, params, opt_kind, dtype):
    check_training(act, params, opt_kind, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act,params", ACTS)
def test_training_with_blocked_activations_is_bit_identical(act, params, dtype, monkeypatch):
    # Blocks of 1000 elements: every layer's activation and backward rule runs block by block (as
    # on a large batch with the library's real block size), in training and in evaluation.
    monkeypatch.setattr(A, "_BLOCK", 1000)
    monkeypatch.setattr(A, "_LARGE", 1000)
    check_training(act, params, "adam", dtype)


def check_training(act, params, opt_kind, dtype):
    loss = "mse" if (act in ("elu", "leaky_relu") and opt_kind != "adam") else "cross_entropy"
    rng = np.random.default_rng(7)
    n, d, k = 300, 30, 5
    X = rng.normal(size=(n, d)).astype(dtype)
    y = rng.integers(0, k, n) if loss == "cross_entropy" else rng.normal(size=(n, k)).astype(dtype)
    # 64 x 300 = 19200 elements in the first hidden layer (many blocks when blocks are small).
    net = MLP([d, 300, 40, k], A.get(act, **params), dtype=dtype, seed=3)
    ref = RefNet(net)
    lr, wd = OPTS[opt_kind]
    opt, ref_opt = make_opt(opt_kind, lr, wd)
    hist = fit(net, X, y, optimizer=opt, epochs=3, batch_size=64, loss=loss, seed=5, on_step=hook)
    expected = ref_fit(ref, ref_opt, X, y, loss, epochs=3, batch_size=64, seed=5)

    assert hist.loss == expected["loss"]
    if loss == "cross_entropy":
        assert hist.accuracy == expected["acc"]
    assert len(hist.steps["loss"]) == 3 * 5  # 300 = 4 * 64 + 44: a smaller last batch
    assert hist.steps["loss"] == expected["steps"]
    assert hist.steps["w"] == expected["w"]
    assert hist.steps["g"] == expected["g"]
    for got, want in zip(hist.steps["b"], expected["b"], strict=True):
        assert got.tobytes() == want.tobytes()
    for got, want in zip(net.params(), ref.params(), strict=True):
        assert got.dtype == want.dtype == dtype
        assert got.tobytes() == want.tobytes()  # every bit, signs of zeros included


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_and_grad_and_a_step_called_directly(dtype):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(70, 12)).astype(dtype)
    y = rng.integers(0, 4, 70)
    for act in ("relu", "tanh"):
        net = MLP([12, 50, 50, 4], act, dtype=dtype, seed=1)
        ref = RefNet(net)
        value = net.loss_and_grad(X, y)
        ref_value, d = ref_cross_entropy(ref.forward(X), y)
        grads = ref.backward(d)
        assert value == ref_value
        for got, want in zip(net.grads(), grads, strict=True):
            assert np.array_equal(got, want)
        for layer, (_, z, h) in zip(net.layers, ref.cache, strict=True):
            assert np.array_equal(layer.z, z) and np.array_equal(layer.h, h)
        opt, ref_opt = make_opt("adam", 1e-2, 0.1)
        for _ in range(3):
            opt.step(net)
            ref_opt.step(ref.params(), grads)
        for got, want in zip(net.params(), ref.params(), strict=True):
            assert got.tobytes() == want.tobytes()
        # the gradients themselves are left untouched by the optimiser
        for got, want in zip(net.grads(), grads, strict=True):
            assert np.array_equal(got, want)


def test_optimisers_on_plain_lists_keep_their_documented_formulas():
    rng = np.random.default_rng(2)
    for kind in OPTS:
        for dtype in (np.float32, np.float64):
            p = [rng.normal(size=(5, 3)).astype(dtype), rng.normal(size=3).astype(dtype)]
            q = [a.copy() for a in p]
            opt, ref_opt = make_opt(kind, 0.1, 0.01)
            for _ in range(4):
                g = [rng.normal(size=a.shape).astype(dtype) for a in p]
                g0 = [a.copy() for a in g]
                opt.step(p, g)
                ref_opt.step(q, g0)
                assert all(np.array_equal(a, b) for a, b in zip(g, g0, strict=True))
            assert all(a.tobytes() == b.tobytes() for a, b in zip(p, q, strict=True))


# ---------------------------------------------------------------------------------------------
# Activations, bit for bit
# ---------------------------------------------------------------------------------------------

UINT = {np.dtype(np.float32): np.uint32, np.dtype(np.float64): np.uint64}


def same_bits(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    u = UINT[got.dtype]
    return np.array_equal(np.ascontiguousarray(got).view(u), np.ascontiguousarray(want).view(u))


def awkward(n, dtype, rng):
    x = (rng.normal(size=n) * rng.choice([0.1, 1, 10, 100, 1e4], size=n)).astype(dtype)
    tiny = np.finfo(dtype).smallest_subnormal
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, tiny, -tiny, 1e4, -1e4], dtype)
    if n >= len(special):
        x[rng.choice(n, len(special), replace=False)] = special
    return x


def sizes(block, large):
    """Array sizes around the activations' block size (one block, a partial one, several) and
    around the size from which every formula is blocked (when that is small enough to test)."""
    around = [large + 1, 2 * large + 21] if large < 100_000 else []
    return [1, 7, 1000, block - 1, block, block + 1, 2 * block + 21, *around]


def layouts(n, dtype, rng):
    x = awkward(n, dtype, rng)
    yield "1-D", x
    cols = next((c for c in (7, 5, 3, 2) if n % c == 0), None)
    if cols:
        yield "2-D", x.reshape(-1, cols)
        yield "F-order", np.asfortranarray(x.reshape(cols, -1))
    yield "strided", awkward(2 * n, dtype, rng)[::2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,params", ACTS)
@pytest.mark.parametrize("block,large", [("library", "library"), (1000, 1000), (1000, 3000)])
def test_activations_are_bit_identical_to_the_plain_formulas(name, params, dtype, block, large,
                                                             monkeypatch):
    if block != "library":  # many small blocks: every boundary case, cheaply
        monkeypatch.setattr(A, "_BLOCK", block)
        monkeypatch.setattr(A, "_LARGE", large)
    block, large = A._BLOCK, A._LARGE
    rng = np.random.default_rng(3)
    act = A.get(name, **params)
    a = params.get("alpha")
    f, df = getattr(A, name), getattr(A, name + "_grad")
    with np.errstate(all="ignore"):
        for n in sizes(block, large):
            for layout, x in layouts(n, dtype, rng):
                where = f"{name} {dtype.__name__} n={n} {layout}"
                x0 = x.copy()
                y_ref, d_ref = ref_forward(name, a, x), ref_grad(name, a, x)
                g = awkward(n, dtype, rng).reshape(x.shape)
                b_ref = ref_backward(name, a, g, x, y_ref)
                assert same_bits(f(x, **params), y_ref), where
                assert same_bits(df(x, **params), d_ref), where
                assert same_bits(act.backward(g, x, y_ref), b_ref), where
                for fn, want in ((f, y_ref), (df, d_ref)):
                    buf = np.empty_like(x)
                    assert fn(x, out=buf, **params) is buf
                    assert same_bits(buf, want), where
                buf = np.empty_like(x)
                assert act.backward(g, x, y_ref, out=buf) is buf and same_bits(buf, b_ref), where
                assert same_bits(x, x0), f"{where}: input modified"
                # in place: out is the input itself
                for fn, want in ((f, y_ref), (df, d_ref)):
                    xi = x.copy()
                    assert fn(xi, out=xi, **params) is xi
                    assert same_bits(xi, want), f"{where} in place"
                gi = g.copy()
                assert act.backward(gi, x, y_ref, out=gi) is gi and same_bits(gi, b_ref), where


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "sigmoid", "tanh"])
def test_scalar_and_integer_inputs_keep_their_types(name):
    f, df = getattr(A, name), getattr(A, name + "_grad")
    for fn in (f, df):
        r = fn(np.float32(-0.5))
        assert np.ndim(r) == 0 and np.asarray(r).dtype == np.float32
        r = fn(np.array([[-1, 2]]))
        assert r.dtype == np.float64 and r.shape == (1, 2)
        assert fn(np.zeros((0, 3), np.float32)).shape == (0, 3)
