#!/usr/bin/env python3
"""Run every chapter and its claim checks under numeric profiles ("claims, not bits").

Each profile is a set of environment variables that changes how this machine computes, without
touching the notebooks: numpy's and OpenBLAS's SIMD kernels, the number of BLAS threads, or the
seeds of every experiment. For each profile the chapters run under nbval with the claims strict
(``DYING_RELU_CLAIMS=strict``: a sentence that no longer holds fails its cell, saying which and by
how much). Cells whose output cannot depend on the CPU are compared exactly; cells tagged
``nbval-ignore-output`` (training runs, Monte Carlo estimates, timings) are covered by claims.
Under the ``seeds`` profile every seed changes, so every random output changes: there nbval only
executes (``--nbval-lax``) and the claims decide.

    .venv/bin/python scripts/matrix.py                       # current environment only
    .venv/bin/python scripts/matrix.py --profiles avx2,baseline,threads2,seeds
    .venv/bin/python scripts/matrix.py --profiles seeds --chapters 02,03

``make nbval`` runs the current environment (``native`` unless you set the variables yourself);
``make matrix`` runs the other profiles. Rerun one profile by hand by exporting its variables
(printed at the start of each run) and calling ``make nbval``.

At the end it prints, per profile, the time, the cells compared exactly and by claims, and the
claims held; then, for every claim, its value under each profile, so the spread behind each
tolerance is visible. Exit status: non-zero if any profile failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "_build" / "claims"
SEED_OFFSET_CI = "1009"  # the offset CI uses (any nonzero integer would do)
# numpy's dispatch names; X86_V2 (the x86-64-v2 baseline) cannot be disabled
NPY_AVX2 = "X86_V4 AVX512_ICL AVX512_SPR"
NPY_BASELINE = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"


@dataclass
class Profile:
    name: str
    env: dict[str, str]
    lax: bool = False
    why: str = ""


@dataclass
class Result:
    profile: str
    seconds: float
    status: int
    skipped: str = ""
    claims: dict[str, list[dict]] = field(default_factory=dict)


def _cpu_features() -> dict[str, bool]:
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_features__
    return dict(__cpu_features__)


def profiles() -> dict[str, Profile]:
    """Every profile, with the reason it is unavailable on this machine (empty if available)."""
    x86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "x86")
    feats = _cpu_features() if x86 else {}
    has_avx512 = any(feats.get(k) for k in ("AVX512F", "AVX512_SKX", "AVX512_ICL"))
    has_avx2 = bool(feats.get("AVX2"))
    out = {
        "native": Profile("native", {}),
        "avx2": Profile(
            "avx2",
            {"NPY_DISABLE_CPU_FEATURES": NPY_AVX2, "OPENBLAS_CORETYPE": "Haswell"},
            why="" if x86 and has_avx512 and has_avx2 else
            "needs an x86 CPU with AVX-512 (on an AVX2-only CPU it is the same as native)",
        ),
        "baseline": Profile(
            "baseline",
            {"NPY_DISABLE_CPU_FEATURES": NPY_BASELINE, "OPENBLAS_CORETYPE": "Nehalem"},
            why="" if x86 else "needs an x86-64 CPU",
        ),
        "threads2": Profile("threads2", {"OPENBLAS_NUM_THREADS": "2"}),
        "seeds": Profile(
            "seeds",
            {"DYING_RELU_SEED_OFFSET": os.environ.get("DYING_RELU_SEED_OFFSET") or SEED_OFFSET_CI},
            lax=True,
        ),
    }
    return out


def chapter_paths(chapters: list[str] | None) -> list[str]:
    paths = sorted((ROOT / "chapters").glob("*.ipynb"))
    if chapters:
        paths = [p for p in paths if any(p.name.startswith(c) for c in chapters)]
        if not paths:
            sys.exit(f"error: no chapters/*.ipynb starts with any of {chapters}")
    return [str(p.relative_to(ROOT)) for p in paths]


def run_profile(profile: Profile, paths: list[str], extra: list[str]) -> Result:
    report_dir = REPORTS / profile.name
    if report_dir.exists():
        for old in report_dir.glob("*.json"):
            old.unlink()
    env = dict(os.environ)
    env.update(profile.env)
    env.update(
        {
            "DYING_RELU_CLAIMS": "strict",
            "DYING_RELU_CLAIMS_REPORT": str(report_dir),
            "DYING_RELU_QUIET": "1",
        }
    )
    cmd = [
        sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
        "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "-q", "-p", "no:cacheprovider",
        *(["--nbval-lax"] if profile.lax else []), *extra, *paths,
    ]
    shown = " ".join(f"{k}={v!r}" for k, v in profile.env.items()) or "(the environment as it is)"
    print(f"\n>>> profile {profile.name}: {shown}", flush=True)
    start = time.perf_counter()
    status = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    seconds = time.perf_counter() - start
    claims = {}
    for path in sorted(report_dir.glob("*.json")):
        report = json.loads(path.read_text())
        claims[report["chapter"]] = report["claims"]
    return Result(profile.name, seconds, 0 if status == 5 else status, claims=claims)


def exact_cells(paths: list[str]) -> dict[str, tuple[int, int]]:
    """Per notebook: (code cells compared exactly, code cells covered by claims instead)."""
    import nbformat

    out = {}
    for path in paths:
        nb = nbformat.read(ROOT / path, as_version=4)
        exact = ignored = 0
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            tags = set(cell.metadata.get("tags", []))
            if tags & {"nbval-ignore-output", "nbval-skip"} or "# NBVAL_IGNORE_OUTPUT" in cell.source:
                ignored += 1
            else:
                exact += 1
        out[Path(path).stem] = (exact, ignored)
    return out


def print_summary(results: list[Result], paths: list[str]) -> None:
    cells = exact_cells(paths)
    print("\n>>> cells compared exactly / by claims, per chapter:")
    for name, (exact, ignored) in cells.items():
        print(f"    {name:<32} {exact:>3} exactly, {ignored:>3} by claims")
    total_exact = sum(e for e, _ in cells.values())
    total_claimed = sum(i for _, i in cells.values())
    print(f"    {'all chapters':<32} {total_exact:>3} exactly, {total_claimed:>3} by claims")
    print("\n>>> profiles:")
    for r in results:
        if r.skipped:
            print(f"    {r.profile:<9} SKIPPED: {r.skipped}")
            continue
        n = sum(len(c) for c in r.claims.values())
        held = sum(1 for c in r.claims.values() for x in c if x["held"])
        verdict = "passed" if r.status == 0 else f"FAILED (pytest exit {r.status})"
        print(f"    {r.profile:<9} {verdict:<24} {r.seconds:6.0f} s   claims held {held}/{n}")
    ran = [r for r in results if not r.skipped and r.claims]
    if not ran:
        return
    print("\n>>> every claim under every profile (measured value; * = not held):")
    header = "    " + f"{'claim':<36}" + "".join(f"{r.profile:>14}" for r in ran)
    print(header)
    chapters = sorted({ch for r in ran for ch in r.claims})
    for ch in chapters:
        keys: list[str] = []
        for r in ran:
            for c in r.claims.get(ch, []):
                if c["key"] not in keys:
                    keys.append(c["key"])
        for key in keys:
            row = f"    {ch + ':' + key:<36}"
            for r in ran:
                found = [c for c in r.claims.get(ch, []) if c["key"] == key]
                if not found:
                    row += f"{'-':>14}"
                    continue
                c = found[0]
                text = c["measured"] if len(c["measured"]) <= 12 else c["measured"][:11] + "…"
                row += f"{text + ('' if c['held'] else '*'):>14}"
            print(row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default="native",
                        help="comma-separated: native (the current environment), avx2, baseline, "
                             "threads2, seeds, or 'all'")
    parser.add_argument("--chapters", default="", help="comma-separated name prefixes (default: all)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    known = profiles()
    names = list(known) if args.profiles == "all" else [p.strip() for p in args.profiles.split(",")]
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown profile(s) {unknown}; choose from {', '.join(known)}")
    paths = chapter_paths([c for c in args.chapters.split(",") if c])
    results = []
    for name in names:
        profile = known[name]
        if profile.why:
            print(f"\n>>> profile {name}: SKIPPED on this machine: {profile.why}", flush=True)
            results.append(Result(name, 0.0, 0, skipped=profile.why))
            continue
        results.append(run_profile(profile, paths, args.pytest_args))
    print_summary(results, paths)
    failed = [r.profile for r in results if r.status != 0]
    if failed:
        print(f"\n>>> FAILED under: {', '.join(failed)}")
        return 1
    print("\n>>> every profile passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
