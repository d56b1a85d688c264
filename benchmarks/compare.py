"""The library's training step against PyTorch's, each in its own process, repeated and paired.

    .venv/bin/python benchmarks/compare.py                       # 2 threads, 7 paired repeats
    .venv/bin/python benchmarks/compare.py --threads 1 --repeats 11
    .venv/bin/python benchmarks/compare.py --torch-python /path/to/python-with-torch

Issue 7's target: a forward + backward + SGD step of a 784-256-256-10 MLP, batch 256, float32,
takes no more than 1.1x PyTorch's CPU step with the same thread count.

Each repeat runs ``benchmarks/mlp_step.py`` (the library, this interpreter) and
``benchmarks/torch_step.py`` (PyTorch, ``--torch-python``) one after the other, in separate
processes with the same ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``/``MKL_NUM_THREADS``, the
order alternating from repeat to repeat. Both print ``steps_per_s=<n>`` last; the ratio of a
repeat is library time / PyTorch time (= PyTorch steps/s / library steps/s), and the report gives
the median and the spread of the ratios. A loaded machine slows both; pairing the two runs of a
repeat cancels part of that, but take the spread seriously.

PyTorch is not a course dependency. Without an interpreter that has it, the library's rate is
reported alone and the script says so (exit status 0). Set one up once with::

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 1.1
DEFAULT_TORCH = os.environ.get("TORCH_PYTHON", "/tmp/torchenv/bin/python")


def library_script() -> Path:
    """``mlp_step.py``: the benchmark of the library's step (owned by Chapter 1)."""
    path = HERE / "mlp_step.py"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: it times the library's training step.")
    return path


def run(cmd: list[str], threads: int) -> tuple[float, float, str]:
    """Run a benchmark process; return its ``steps_per_s`` (the median round; NaN if absent), its
    best round (from the ``rounds (steps/s): ...`` line, NaN if absent) and its output."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    out = done.stdout + done.stderr
    rate = best = math.nan
    for line in done.stdout.strip().splitlines():
        if line.startswith("steps_per_s="):
            rate = float(line.split("=", 1)[1])
        elif line.startswith("rounds (steps/s):"):
            best = max(float(v) for v in line.split(":", 1)[1].split())
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with status {done.returncode}:\n{out}")
    return rate, best, out


def spread(values: list[float]) -> str:
    if len(values) < 2:
        return f"median {values[0]:.3f}"
    q = statistics.quantiles(values, n=4, method="inclusive")
    return (f"median {statistics.median(values):.3f}, quartiles {q[0]:.3f}-{q[2]:.3f}, "
            f"range {min(values):.3f}-{max(values):.3f}")


def load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2, help="threads for both (default 2)")
    p.add_argument("--repeats", type=int, default=7, help="paired runs (default 7)")
    p.add_argument("--steps", type=int, default=200, help="steps per timed round (default 200)")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds per run (default 5)")
    p.add_argument("--torch-python", default=DEFAULT_TORCH,
                   help="an interpreter with PyTorch (default $TORCH_PYTHON or /tmp/torchenv/bin/python)")
    p.add_argument("--strict", action="store_true", help="exit with status 1 if the target is missed")
    args = p.parse_args(argv)

    lib = library_script()
    common = ["--steps", str(args.steps), "--rounds", str(args.rounds)]
    lib_cmd = [sys.executable, str(lib), *common]
    torch_python = args.torch_python if shutil.which(args.torch_python) else None
    torch_cmd = [torch_python, str(HERE / "torch_step.py"), "--threads", str(args.threads), *common]

    print(f"Library: {lib.name} with {sys.executable}")
    print(f"PyTorch: torch_step.py with {torch_python or '(no interpreter: ' + args.torch_python + ')'}")
    print(f"Threads: {args.threads}; {args.repeats} repeats; load average before: {load()}")

    rates: dict[str, list[float]] = {"lib": [], "torch": []}
    bests: dict[str, list[float]] = {"lib": [], "torch": []}
    have_torch = torch_python is not None
    if have_torch:
        rate, _, out = run(torch_cmd, args.threads)
        if math.isnan(rate):
            print(out.strip().splitlines()[0])
            have_torch = False
    start = time.perf_counter()
    for r in range(args.repeats):
        order = ["lib", "torch"] if r % 2 == 0 else ["torch", "lib"]
        for who in order:
            if who == "torch" and not have_torch:
                continue
            rate, best, _ = run(lib_cmd if who == "lib" else torch_cmd, args.threads)
            rates[who].append(rate)
            bests[who].append(best)
        line = f"  repeat {r + 1}: library {rates['lib'][-1]:7.1f} steps/s"
        if have_torch:
            line += (f", PyTorch {rates['torch'][-1]:7.1f} steps/s, "
                     f"ratio {rates['torch'][-1] / rates['lib'][-1]:.3f}")
        print(line, flush=True)
    print(f"({time.perf_counter() - start:.0f} s; load average after: {load()})\n")

    print(f"library steps/s (median round of each run): {spread(rates['lib'])}")
    if not have_torch:
        print("PyTorch is not available, so there is no ratio to report (it is not a course "
              "dependency; see this script's docstring to set it up).")
        return 0
    print(f"PyTorch steps/s (median round of each run): {spread(rates['torch'])}")
    ratios = [t / n for t, n in zip(rates["torch"], rates["lib"], strict=True)]
    med = statistics.median(ratios)
    ok = med <= TARGET
    print(f"library time / PyTorch time, per repeat:      {spread(ratios)}")
    # On a loaded machine a multi-threaded step can stall for whole rounds (a thread waits for a
    # descheduled peer); the fastest round of each process is the steadier estimate of the work.
    best = [t / n for t, n in zip(bests["torch"], bests["lib"], strict=True)]
    if not any(math.isnan(b) for b in best):
        print(f"  the same from each run's fastest round:     {spread(best)}")
    print(f"{'PASS' if ok else 'FAIL'}: median ratio {med:.3f}, target <= {TARGET} "
          f"({args.threads} thread(s))")
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
