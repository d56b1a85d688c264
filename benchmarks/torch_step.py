"""PyTorch's CPU training step for the network of issue 7, for comparison with the library's.

One step = gather a mini-batch, forward, softmax cross-entropy, backward, SGD update, and read the
loss back as a Python float (the library checks every step's loss, so PyTorch does too). The
network, batch and dtype match ``benchmarks/mlp_step.py``: 784-256-256-10 ReLU MLP, batch 256,
float32, plain SGD.

PyTorch is NOT a dependency of the course. Run this with an interpreter that has it, e.g. a
throwaway venv::

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy
    OMP_NUM_THREADS=2 /tmp/torchenv/bin/python benchmarks/torch_step.py --threads 2

Without PyTorch it says so and exits with status 0. The last line printed is always
``steps_per_s=<number>`` (``steps_per_s=nan`` without PyTorch), so ``benchmarks/compare.py``
and other tools can read it. Run it in its own process: PyTorch's OpenMP pool and numpy's
OpenBLAS pool fight for the cores when both are loaded in one process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="784,256,256,10", help="layer widths (default 784,256,256,10)")
    p.add_argument("--batch", type=int, default=256, help="examples per step (default 256)")
    p.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or None,
        help="intra-op threads (default: $OMP_NUM_THREADS, else PyTorch's default)",
    )
    p.add_argument("--steps", type=int, default=200, help="steps per round (default 200)")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    p.add_argument("--warmup", type=int, default=50, help="untimed steps first (default 50)")
    p.add_argument("--lr", type=float, default=0.01)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import torch
    except ImportError:
        print(
            "PyTorch is not installed in this interpreter, so there is nothing to compare with "
            "(it is not a course dependency). Install it in a throwaway venv, e.g. "
            "`python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy`, "
            "and run this script with /tmp/torchenv/bin/python."
        )
        print("steps_per_s=nan")
        return 0

    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = [int(s) for s in args.sizes.split(",")]
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    n_batches = 16
    n = args.batch * n_batches
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(n, sizes[0], generator=gen)
    y = torch.randint(0, sizes[-1], (n,), generator=gen)
    order = torch.randperm(n, generator=gen)

    def step(i: int) -> float:
        k = i % n_batches
        idx = order[k * args.batch : (k + 1) * args.batch]
        xb, yb = X[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(args.warmup):
        step(i)
    rates = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for i in range(args.steps):
            step(i)
        rates.append(args.steps / (time.perf_counter() - start))
    median = statistics.median(rates)
    print(
        f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} thread(s), "
        f"{'-'.join(map(str, sizes))} ReLU MLP, batch {args.batch}, float32, SGD"
    )
    print(f"rounds (steps/s): {' '.join(f'{r:.0f}' for r in rates)}")
    print(f"steps_per_s={median:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
