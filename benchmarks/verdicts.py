"""Issue 12, item 8: re-derive Chapter 4's verdict on Leaky ReLU with the honest procedure.

The source's claims: Leaky ReLU "doesn't perform as well as ReLU", and gives "not much of an
accuracy boost". The family: every setting of :data:`dying_relu.fixes.SETTINGS` x each leaky slope
(0.01, 0.1, 1/5.5) against ReLU, on test accuracy, paired by seed (Chapter 4's own experiment,
:func:`dying_relu.fixes.train_run`), judged together by :func:`dying_relu.stats.verdict_family`
(exact permutation test, exact interval, Holm over the 12 comparisons, power).

    python benchmarks/verdicts.py --seeds 30            # train what is missing, print the family
    python benchmarks/verdicts.py --seeds 6 --no-train  # Chapter 4's 6 seeds, from the cache

Runs are cached in ``benchmarks/.verdicts_cache.npz`` (one test accuracy per setting, fix and
seed; seeds 0-5 are Chapter 4's own), so an interrupted run resumes. One seed of the family is 16
training runs, about 30-40 s on one core of a busy machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from dying_relu import fixes, stats

CACHE = Path(__file__).with_name(".verdicts_cache.npz")
FIX_KEYS = ("relu", "leaky001", "leaky01", "leaky018")


def load(cache: Path = CACHE) -> dict[str, float]:
    """Cached accuracies, ``{"setting/fix/seed": accuracy}``."""
    if not cache.exists():
        return {}
    with np.load(cache) as z:
        return {k: float(v) for k, v in zip(z["keys"], z["values"], strict=True)}


def save(acc: dict[str, float], cache: Path = CACHE) -> None:
    keys = sorted(acc)
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.array(keys), values=np.array([acc[k] for k in keys]))
    tmp.replace(cache)


def train(seeds: range, cache: Path = CACHE) -> dict[str, float]:
    """Train every missing (setting, fix, seed) run, saving after each seed."""
    acc = load(cache)
    for seed in seeds:
        t0, new = time.perf_counter(), 0
        for s in fixes.SETTINGS:
            for key in FIX_KEYS:
                name = f"{s.key}/{key}/{seed}"
                if name not in acc:
                    acc[name] = fixes.train_run(s, fixes.get_fix(key), seed).test_accuracy
                    new += 1
        if new:
            save(acc, cache)
            print(f"seed {seed}: {new} runs in {time.perf_counter() - t0:.1f} s", flush=True)
    return acc


def family(acc: dict[str, float], seeds: range, **kwargs) -> stats.Family:
    """The 12 comparisons (setting x leaky slope vs ReLU) on ``seeds``."""
    pairs = {}
    for s in fixes.SETTINGS:
        relu = np.array([acc[f"{s.key}/relu/{seed}"] for seed in seeds])
        for key in FIX_KEYS[1:]:
            fx = np.array([acc[f"{s.key}/{key}/{seed}"] for seed in seeds])
            pairs[(f"{s.key} {fixes.get_fix(key).label}", "relu")] = (fx, relu)
    return stats.verdict_family(pairs, **kwargs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=30, help="seeds 0..N-1 (default 30)")
    ap.add_argument("--no-train", action="store_true", help="use only cached runs")
    ap.add_argument("--margin", type=float, default=0.01, help="equivalence margin (default 1 point)")
    ap.add_argument("--effect", type=float, default=0.05,
                    help="difference whose seed count is reported (default 5 points of accuracy)")
    ap.add_argument("--power-draws", type=int, default=1000)
    args = ap.parse_args()
    seeds = range(args.seeds)
    acc = load() if args.no_train else train(seeds)
    fam = family(acc, seeds, margin=args.margin, power_draws=args.power_draws)
    print(f"\n{len(fam)} comparisons, {len(seeds)} seeds, family-wise alpha {fam.alpha}, "
          f"equivalence margin ±{args.margin}; 'detect.' = smallest mean difference detected with "
          f"80% power at alpha/{len(fam)} given the observed spread\n")
    print(fam.table())
    print(f"\n{'comparison':<34}{'p TOST':>9}{'p Holm':>9}{'seeds for ' + format(args.effect, '.2f'):>16}"
          f"{'power there':>13}")
    for c in fam:
        noise = c.diff - c.mean
        n_eff = stats.seeds_needed(args.effect, noise=noise, alpha=fam.alpha / len(fam), n_max=150,
                                   draws=500)
        at_n = stats.power(c.n, args.effect, noise=noise, alpha=fam.alpha / len(fam), draws=1000)
        print(f"{c.a + ' vs ' + c.b:<34}{c.p_tost:>9.2g}{c.p_tost_holm:>9.2g}"
              f"{'> 150' if n_eff is None else n_eff:>16}{at_n:>13.2f}")
    print(f"\n'seeds for': seeds giving 80% power to detect a true difference of {args.effect:+.2f} at "
          f"alpha/{len(fam)}, noise resampled from the observed (centred) differences; 'power there': "
          f"the power for it with the {len(seeds)} seeds used.")
    bimodal(acc, seeds, alpha=fam.alpha / len(fam))


def bimodal(acc: dict[str, float], seeds: range, alpha: float, setting: str = "deepnarrow",
            chance: float = 0.6) -> None:
    """All-or-nothing view of ``setting``: seeds at chance per fix, and the sign test's power."""
    collapsed = {k: np.array([acc[f"{setting}/{k}/{s}"] < chance for s in seeds]) for k in FIX_KEYS}
    print(f"\n{setting}: seeds at chance (accuracy < {chance}) out of {len(seeds)}: "
          + ", ".join(f"{fixes.get_fix(k).label} {int(c.sum())}" for k, c in collapsed.items()))
    for k in FIX_KEYS[1:]:
        rescued = float(np.mean(collapsed["relu"] & ~collapsed[k]))  # fix trains, ReLU collapses
        broken = float(np.mean(~collapsed["relu"] & collapsed[k]))
        n_need = stats.sign_seeds_needed(rescued, broken, alpha=alpha)
        print(f"  {fixes.get_fix(k).label:<12} rescues {rescued:.0%} of seeds, breaks {broken:.0%}: "
              f"sign-test power {stats.sign_power(6, rescued, broken, alpha):.2f} with 6 seeds, "
              f"{stats.sign_power(len(seeds), rescued, broken, alpha):.2f} with {len(seeds)}; "
              f"80% needs {'> 500' if n_need is None else n_need} (alpha {alpha:.4f})")


if __name__ == "__main__":
    main()
