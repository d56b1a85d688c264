"""Training-step rate of the library's MLP: 784-256-256-10, batch 256, float32, plain SGD.

One step = gather a mini-batch, forward, softmax cross-entropy, backward (``net.loss_and_grad``)
and the SGD update (``SGD.step``), the loss read back as a Python float: the library's own step,
as ``dying_relu.train.fit`` runs it. The data, batch and timing scheme match
``benchmarks/torch_step.py`` (PyTorch, run in its own process), so the two rates compare directly.
The thread count is OpenBLAS's: set ``OPENBLAS_NUM_THREADS`` before running to change it.

    .venv/bin/python benchmarks/mlp_step.py
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/mlp_step.py --activation tanh

The last line printed is always ``steps_per_s=<number>`` (the median over rounds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from dying_relu import MLP, SGD


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="784,256,256,10", help="layer widths (default 784,256,256,10)")
    p.add_argument("--batch", type=int, default=256, help="examples per step (default 256)")
    p.add_argument("--activation", default="relu", help="hidden activation (default relu)")
    p.add_argument("--steps", type=int, default=200, help="steps per round (default 200)")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    p.add_argument("--warmup", type=int, default=50, help="untimed steps first (default 50)")
    p.add_argument("--lr", type=float, default=0.01)
    args = p.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")]
    net = MLP(sizes, args.activation, seed=0, dtype=np.float32)
    opt = SGD(args.lr)
    n_batches = 16
    n = args.batch * n_batches
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], n)
    order = rng.permutation(n)

    def step(i: int) -> float:
        k = i % n_batches
        idx = order[k * args.batch : (k + 1) * args.batch]
        loss = net.loss_and_grad(X[idx], y[idx])
        opt.step(net)
        return float(loss)

    for i in range(args.warmup):
        step(i)
    rates = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for i in range(args.steps):
            step(i)
        rates.append(args.steps / (time.perf_counter() - start))
    median = statistics.median(rates)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default (all cores)")
    print(
        f"dying_relu (numpy {np.__version__}), OpenBLAS threads: {threads}, "
        f"{'-'.join(map(str, sizes))} {args.activation} MLP, batch {args.batch}, float32, SGD"
    )
    print(f"rounds (steps/s): {' '.join(f'{r:.0f}' for r in rates)}")
    print(f"median {median:.1f} steps/s, spread {min(rates):.1f}-{max(rates):.1f} "
          f"({1e3 / median:.2f} ms per step)")
    print(f"steps_per_s={median:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
