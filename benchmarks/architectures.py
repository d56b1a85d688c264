"""Issue 13 item 2: residual connections and layer normalisation against dying ReLUs.

(a) Born dead, with and without an identity path. Chapter 3's set-up (Lu et al. 2019): 1-D inputs
    on [-sqrt 3, sqrt 3] (256 points of ``data.abs_regression``), ``depth`` hidden ReLU layers of
    ``width`` units, He-normal weights, zero biases. Each seed builds one plain ``MLP`` and one
    ``MLP(..., residual=True)`` from the *same* weights (the residual option draws nothing extra;
    the first hidden layer, 1 -> width, has no identity path because its widths differ). Per net:
    "a dead layer" (some hidden layer has every unit at z <= 0 on every input,
    ``diagnostics.dead_mask``) and "collapsed" (the output is the same on every input). Rates
    with their binomial standard error and a 95% Wilson interval; the plain nets' rate is
    cross-checked with ``dying.born_dead_probability``.
(b) Chapter 4's killing settings (``fixes.SETTINGS``: high learning rate, negative bias shift,
    deep and narrow) trained exactly as Chapter 4 does (``fixes.train_run``: SGD, never-active
    fraction on the training set after training, test accuracy), for ReLU, ReLU + batch norm and
    ReLU + layer norm, same seeds and the same initial weights for all three; plus the deep and
    narrow setting with identity paths. Mean, standard deviation and range over seeds; for layer
    norm against batch norm, the paired mean difference with a 95% t interval.

    python benchmarks/architectures.py                   # 2000 nets, 6 seeds (about a minute)
    python benchmarks/architectures.py --nets 500 --seeds 3

Seeds go through :mod:`dying_relu.seeding` (``DYING_RELU_SEED_OFFSET`` shifts them all).
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from dying_relu import MLP, data, diagnostics, dying, fixes, seeding, stats
from dying_relu.blas import blas_threads


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def born_dead(width: int, depth: int, n_nets: int, X: np.ndarray) -> dict[str, int]:
    """Counts over ``n_nets`` seeds: plain/residual nets with a dead layer, and collapsed."""
    counts = {"plain_dead_layer": 0, "plain_collapsed": 0, "res_dead_layer": 0, "res_collapsed": 0,
              "res_first_layer_dead": 0}
    sizes = [1] + [width] * depth + [1]
    for seed in range(n_nets):
        for kind, residual in (("plain", False), ("res", True)):
            net = MLP(sizes, "relu", init="he", seed=seed, residual=residual)
            masks = diagnostics.dead_mask(net, X)
            out = net.forward(X)[:, 0]
            counts[f"{kind}_dead_layer"] += any(m.all() for m in masks)
            counts[f"{kind}_collapsed"] += bool(np.ptp(out) <= 1e-12 * (1 + np.abs(out).max()))
            if residual:
                counts["res_first_layer_dead"] += bool(masks[0].all())
    return counts


@dataclasses.dataclass(frozen=True)
class NormFix(fixes.Fix):
    """A :class:`fixes.Fix` whose network also gets ``norm=`` and ``residual=`` (benchmark only)."""

    norm: str | None = None
    residual: bool = False

    def build(self, sizes, seed, bias_shift=0.0, dtype=np.float32) -> MLP:
        n_hidden = len(sizes) - 2
        shift = self.bias + bias_shift
        return MLP(sizes, self.act(), init="he", bias=[shift] * n_hidden + [0.0], seed=seed, dtype=dtype,
                   norm=self.norm, residual=self.residual)


def _summary(values: np.ndarray) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3f} +- {v.std(ddof=1) if len(v) > 1 else 0:.3f} [{v.min():.3f}, {v.max():.3f}]"


def _paired(a: np.ndarray, b: np.ndarray) -> str:
    d = np.asarray(a, float) - np.asarray(b, float)
    if len(d) < 2:
        return f"{d.mean():+.3f}"
    half = stats.t_critical(len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return f"{d.mean():+.3f} (95% t interval {d.mean() - half:+.3f} .. {d.mean() + half:+.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", type=int, default=2000, help="networks per (width, depth) in (a)")
    parser.add_argument("--seeds", type=int, default=6, help="training seeds per setting in (b)")
    args = parser.parse_args()
    print(f"seed offset {seeding.offset()}")

    # (a) ------------------------------------------------------------------------------------
    X = data.abs_regression(256, rng=seeding.rng(0))[0]
    print(f"\n(a) born dead at initialisation, {args.nets} He-normal ReLU nets per row, 1-D input,"
          " rate +- binomial s.e. [95% Wilson]")
    print(f"{'width':>5} {'depth':>5}  {'plain: dead layer':>34}  {'plain: collapsed':>34}  "
          f"{'residual: dead layer':>34}  {'residual: collapsed':>34}  check")
    with blas_threads(1):
        for width in (2, 3):
            for depth in (10, 20):
                t0 = time.perf_counter()
                c = born_dead(width, depth, args.nets, X)
                cells = []
                for key in ("plain_dead_layer", "plain_collapsed", "res_dead_layer", "res_collapsed"):
                    k, n = c[key], args.nets
                    p = k / n
                    lo, hi = _wilson(k, n)
                    cells.append(f"{p:.3f} +- {np.sqrt(p * (1 - p) / n):.3f} [{lo:.3f}, {hi:.3f}]")
                ref = dying.born_dead_probability([width], [depth], n_nets=4000, seed=0).p[0, 0]
                print(f"{width:>5} {depth:>5}  " + "  ".join(f"{s:>34}" for s in cells)
                      + f"  MC {ref:.3f}; residual, first layer dead "
                      f"{c['res_first_layer_dead'] / args.nets:.3f}"
                      f" ({time.perf_counter() - t0:.1f} s)")

    # (b) ------------------------------------------------------------------------------------
    seeds = range(args.seeds)
    variants = [fixes.get_fix("relu"), fixes.BATCHNORM, NormFix("relu_ln", "relu + layernorm", norm="layer")]
    settings = [s for s in fixes.SETTINGS if s.key in ("highlr", "negbias", "deepnarrow")]
    print(f"\n(b) Chapter 4's killing settings, {args.seeds} seeds: mean +- sd [min, max]")
    for setting in settings:
        vs = list(variants)
        if setting.key == "deepnarrow":
            vs += [NormFix("relu_res", "relu + residual", residual=True),
                   NormFix("relu_res_ln", "relu + residual + layernorm", norm="layer", residual=True)]
        print(f"\n  {setting.title}")
        results = {}
        for fix in vs:
            t0 = time.perf_counter()
            runs = [fixes.train_run(setting, fix, seed) for seed in seeds]
            acc = np.array([r.test_accuracy for r in runs])
            never = np.array([r.never_active[-1] for r in runs])
            never0 = np.array([r.never_active[0] for r in runs])
            div = sum(r.diverged for r in runs)
            results[fix.key] = (acc, never)
            print(f"    {fix.label:<30} test acc {_summary(acc)}   never active {_summary(never)}"
                  f"   (at init {never0.mean():.3f}; diverged {div}/{len(runs)};"
                  f" {time.perf_counter() - t0:.1f} s)")
        acc_ln, never_ln = results["relu_ln"]
        acc_bn, never_bn = results["relu_bn"]
        print(f"    layernorm - batchnorm, paired by seed: test acc {_paired(acc_ln, acc_bn)};"
              f" never active {_paired(never_ln, never_bn)}")


if __name__ == "__main__":
    main()
