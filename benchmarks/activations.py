"""Throughput of the library's activations, forward and backward, as ratios to a memory copy.

Each round times ``np.copyto`` of the array (the hardware limit: read + write every byte once) and
every activation's forward pass ``f(x, out=buf)`` and backward rule ``f.backward(g, x, y, out=buf)``
once, interleaved, so the ratios (taken within a round) cancel most of a shared machine's drift.
Printed: median ns per element, and the ratio to the copy as median [25th-75th percentile] over
the rounds. Target (issue 2): relu forward within 1.3x of the copy.

    .venv/bin/python benchmarks/activations.py            # 1e7 float32 elements, 21 rounds
    .venv/bin/python benchmarks/activations.py --n 1e6 --rounds 41 --dtype float64
    .venv/bin/python benchmarks/activations.py --modern      # also gelu, silu, mish, selu, softplus
    .venv/bin/python benchmarks/activations.py --names relu gelu gelu:tanh silu

A name ``gelu:tanh`` means ``activations.get("gelu", approximate="tanh")``.

The measurement itself is ``dying_relu.speed.activation_costs`` (Chapter 1 uses it too).
"""

from __future__ import annotations

import argparse
import platform
import sys

import numpy as np

from dying_relu import activations, speed

RELU_TARGET = 1.3  # relu forward / copy (issue 2)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=float, default=1e7, help="elements per array (default 1e7)")
    p.add_argument("--rounds", type=int, default=21, help="timed rounds (default 21)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--modern", action="store_true",
                   help="also time Chapter 5's activations (gelu, gelu:tanh, silu, mish, selu, softplus)")
    p.add_argument("--names", nargs="+", default=None,
                   help="activations to time (registry names; gelu:tanh for the tanh form)")
    args = p.parse_args(argv)
    names = list(args.names) if args.names else list(speed.ACTIVATIONS)
    if args.modern:
        names += [n for n in (*speed.MODERN_ACTIVATIONS, "gelu:tanh") if n not in names]
    if "relu" not in names:
        names.insert(0, "relu")  # the target and the ratios below are relative to relu
    specs = [activations.get("gelu", approximate="tanh") if n == "gelu:tanh" else n for n in names]

    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}")
    costs = speed.activation_costs(int(args.n), np.dtype(args.dtype), rounds=args.rounds, names=specs)
    print(costs.table())
    print()
    print("ratio to relu (median over rounds):  forward   forward+backward")
    for name in costs.names:
        print(f"  {name:<24}{costs.ratio_to(name, 'relu'):>9.2f}"
              f"{costs.ratio_to(name, 'relu', pass_='both'):>19.2f}")
    med, q25, q75 = costs.ratio_to_copy("relu", "forward")
    verdict = "met" if med <= RELU_TARGET else "NOT met"
    print(f"\ntarget: relu forward <= {RELU_TARGET}x copy: {med:.2f}x [{q25:.2f}-{q75:.2f}] -> {verdict}")
    print(f"relu_forward_x_copy={med:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
