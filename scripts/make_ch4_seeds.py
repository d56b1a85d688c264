"""Regenerate Chapter 4's per-seed outcomes, ``lib/dying_relu/data/ch4_seeds.csv``.

The chapter's verdicts (issue 12, item 8) need more seeds than it can train while it runs: this
script trains ReLU and the three leaky slopes in every setting, and ReLU with batch normalisation
in the three killing settings, on seeds ``0..N-1`` (:func:`dying_relu.fixes.seed_rows`, 19 runs
per seed, about 40 s per seed on one core), and writes one CSV row per run. The chapter trains
seeds 0-5 again live and checks that they agree with the file.

    python scripts/make_ch4_seeds.py --seeds 40 --jobs 2     # about 15 minutes on 2 idle cores

Resumable: seeds already in the file are kept, so an interrupted run continues where it stopped
(the file is rewritten, sorted, after every seed). ``DYING_RELU_SEED_OFFSET`` must be unset: the
file's seeds are the chapter's seeds.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from dying_relu import fixes, seeding
from dying_relu.bench import cpu_name


def _fmt(row: dict) -> str:
    return ",".join([row["setting"], row["fix"], str(row["seed"]), f"{row['test_accuracy']:.10g}",
                     f"{row['never_active']:.10g}", f"{row['final_loss']:.10g}", str(row["diverged"])])


def _existing(path: Path) -> dict[int, list[str]]:
    """Complete seeds already in ``path``: ``{seed: [csv lines]}``."""
    if not path.exists():
        return {}
    lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    by_seed: dict[int, list[str]] = {}
    for ln in lines[1:]:
        by_seed.setdefault(int(ln.split(",")[2]), []).append(ln)
    n = len(fixes.seed_jobs())
    return {s: v for s, v in by_seed.items() if len(v) == n}


def _write(path: Path, by_seed: dict[int, list[str]], n_seeds: int) -> None:
    cpu = cpu_name()
    header = [
        f"Chapter 4's per-seed outcomes: {len(fixes.seed_jobs())} training runs per seed, seeds "
        f"{min(by_seed)}-{max(by_seed)} ({len(by_seed)} of the {n_seeds} requested).",
        "Made by: python scripts/make_ch4_seeds.py --seeds N --jobs J (dying_relu.fixes.seed_rows:",
        "  fixes.train_run, float32, one BLAS thread per process, DYING_RELU_SEED_OFFSET unset).",
        f"Machine: {cpu}; numpy {np.__version__}; Python {platform.python_version()}; "
        f"written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.",
        "Rows: ReLU and leaky 0.01 / 0.1 / 1/5.5 in every setting, ReLU + batch norm in highlr,",
        "  negbias, deepnarrow. never_active: fraction of hidden units with z <= 0 on every training",
        "  example at the end; final_loss: training loss after the last epoch (nan: diverged).",
        "Read it with dying_relu.fixes.load_seed_outcomes().",
    ]
    body = [",".join(fixes.SEED_COLUMNS)] + [ln for s in sorted(by_seed) for ln in by_seed[s]]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"# {h}\n" for h in header) + "\n".join(body) + "\n")
    tmp.replace(path)


def _one(seed: int) -> tuple[int, list[str], float]:
    t0 = time.perf_counter()
    return seed, [_fmt(r) for r in fixes.seed_rows(seed)], time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=40, help="seeds 0..N-1 (default 40)")
    ap.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    ap.add_argument("--out", type=Path, default=fixes.SEED_FILE)
    args = ap.parse_args()
    if seeding.offset() != 0:
        sys.exit(f"Unset {seeding.ENV}: the file's seeds must be the chapter's own.")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    by_seed = _existing(args.out)
    todo = [s for s in range(args.seeds) if s not in by_seed]
    print(f"{len(by_seed)} seeds in {args.out}, {len(todo)} to train", flush=True)
    with mp.Pool(args.jobs) as pool:
        for seed, lines, dt in pool.imap_unordered(_one, todo):
            by_seed[seed] = lines
            _write(args.out, by_seed, args.seeds)
            print(f"seed {seed}: {len(lines)} runs in {dt:.1f} s", flush=True)
    if by_seed:
        _write(args.out, by_seed, args.seeds)


if __name__ == "__main__":
    main()
