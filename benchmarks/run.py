"""Every figure issue 7 asks for, in one command, each benchmark in its own process.

    .venv/bin/python benchmarks/run.py                                   # PyTorch only if found
    .venv/bin/python benchmarks/run.py --torch-python /tmp/torchenv/bin/python
    .venv/bin/python benchmarks/run.py --threads 1 2 --repeats 7 --strict

It runs, and prints the reports of:

1. ``activation_targets.py``: the elementwise targets (relu against ``np.copyto``,
   ``np.maximum(x, 0, out=buf)``, allocating ``np.maximum(x, 0)``, relu backward against
   ``np.multiply(g, x > 0, out=buf)``) with PASS/FAIL, and the cost of every activation (forward,
   derivative, backward rule) as a ratio to a copy; float32, 1e7 elements, interleaved rounds,
   median and interquartile range.
2. ``compare.py``, once per thread count: the library's training step (784-256-256-10 MLP, batch
   256, float32, SGD; ``mlp_step.py``) in steps per second and, when an interpreter with PyTorch is
   available, the ratio library time / PyTorch time (``torch_step.py``) from paired runs in
   separate processes, with PASS/FAIL against the 1.1x target. Without PyTorch it says so.

Then a summary of every PASS/FAIL line and the load average before and after (the figures are
only as good as the machine was quiet). PyTorch is not a course dependency: it is looked for in
``--torch-python``, else ``$TORCH_PYTHON``, else the interpreter running this script. Exit status
is 0 unless a benchmark crashed, or ``--strict`` is given and a target failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from dying_relu.bench import cpu_name

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = cpu_name()
    return (f"{cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def find_torch_python(requested: str | None) -> tuple[str | None, str]:
    """An interpreter that has PyTorch, and how it was found (or why there is none)."""
    if requested:
        path = shutil.which(requested)
        if path is None:
            return None, f"--torch-python {requested}: no such interpreter"
        ok = subprocess.run([path, "-c", "import torch"], capture_output=True, check=False).returncode == 0
        return (path, f"--torch-python {requested}") if ok else (None, f"{requested} cannot import torch")
    env = os.environ.get("TORCH_PYTHON")
    if env:
        return find_torch_python(env)
    if importlib.util.find_spec("torch") is not None:
        return sys.executable, "this interpreter"
    return None, "not installed in this interpreter and neither --torch-python nor $TORCH_PYTHON given"


def run(label: str, cmd: list[str], lines: list[tuple[str, str]]) -> int:
    """Run ``cmd``, echo its output as it comes, and keep its PASS/FAIL lines for the summary."""
    print(f"\n===== {label} =====", flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="", flush=True)
        stripped = line.strip()
        if stripped.startswith(("PASS", "FAIL")):
            lines.append((label, stripped))
    status = proc.wait()
    print(f"({label}: {time.perf_counter() - start:.0f} s, exit status {status}; "
          f"load average now {load()})", flush=True)
    return status


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--torch-python", default=None,
                   help="an interpreter with PyTorch (default: $TORCH_PYTHON, else this interpreter)")
    p.add_argument("--threads", type=int, nargs="+", default=[os.cpu_count() or 1],
                   help="thread counts for the training-step comparison (default: all logical cores)")
    p.add_argument("--repeats", type=int, default=5, help="paired training-step runs (default 5)")
    p.add_argument("--rounds", type=int, default=21, help="activation rounds (default 21)")
    p.add_argument("--clock", default="wall", choices=["wall", "cpu"], help="activation timer")
    p.add_argument("--strict", action="store_true", help="exit with status 1 if any target fails")
    args = p.parse_args(argv)

    print(f"machine: {machine()}")
    print(f"load average (1, 5, 15 min) before: {load()}")
    torch_python, how = find_torch_python(args.torch_python)
    if torch_python:
        print(f"PyTorch: found ({how}): {torch_python}")
    else:
        print(f"PyTorch is NOT installed ({how}): the training step is timed for the library alone "
              "and no ratio to PyTorch is reported. PyTorch is not a course dependency; to compare, "
              "make a throwaway venv (python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install "
              "torch numpy) and pass --torch-python /tmp/torchenv/bin/python.")

    verdicts: list[tuple[str, str]] = []
    status = run(
        "activation_targets.py",
        [sys.executable, str(HERE / "activation_targets.py"), "--rounds", str(args.rounds),
         "--clock", args.clock],
        verdicts,
    )
    for threads in args.threads:
        status |= run(
            f"compare.py --threads {threads}",
            [sys.executable, str(HERE / "compare.py"), "--threads", str(threads),
             "--repeats", str(args.repeats), "--torch-python", torch_python or "none"],
            verdicts,
        )

    print("\n===== summary =====")
    for label, line in verdicts:
        print(f"  [{label}] {line}")
    if not torch_python:
        print("  [compare.py] no PyTorch ratio: PyTorch is not installed (see above)")
    failed = sum(line.startswith("FAIL") for _, line in verdicts)
    print(f"{len(verdicts) - failed} of {len(verdicts)} targets met; load average after: {load()}")
    if status:
        print(f"a benchmark exited with status {status}")
        return 1
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
