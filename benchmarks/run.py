"""Run every benchmark, each in its own process, and print their reports.

    .venv/bin/python benchmarks/run.py

Runs ``activations.py`` (activation throughput as ratios to a memory copy) and ``mlp_step.py``
(training steps per second of the library's 784-256-256-10 MLP), the latter twice: with
OpenBLAS's default thread count and with one thread (on a busy machine a thread pool that waits for
a second core can be far slower). Separate processes keep one benchmark's thread pools and memory
from disturbing the next. Benchmarks are not tests: they print
figures; ``benchmarks/README.md`` records the latest ones and the machine they came from.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# (script, extra environment)
RUNS = [
    ("activations.py", {}),
    ("mlp_step.py", {}),
    ("mlp_step.py", {"OPENBLAS_NUM_THREADS": "1"}),
]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}"


def main() -> int:
    print(f"machine: {machine()}")
    status = 0
    for script, env in RUNS:
        label = "".join(f" with {k}={v}" for k, v in env.items())
        print(f"\n===== {script}{label} =====", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / script)], check=False,
                              env={**os.environ, **env})
        print(f"({script} took {time.perf_counter() - start:.1f} s, exit status {done.returncode})")
        status = status or done.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
