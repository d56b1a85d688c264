"""dying_relu.stats: the honest paired procedure (issue 12, item 8) and the deprecated t-test.

Reference values are computed by hand (binomial sums, sign patterns enumerated by itertools) or by
brute force independent of the library's shortcuts (subset means, doubling, Hartigan's interval).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dying_relu import fixes, seeding, stats

# Chapter 4's committed high-learning-rate verdict: leaky 0.01 minus ReLU, +0.009 +- 0.236 over 6
# seeds, which the old t-test called "no difference". (That setting is chaotic: other CPUs give
# other per-seed accuracies, so the test uses six differences with exactly that mean and spread.)
HIGHLR_DIFF = np.array([0.321, -0.2693, 0.2283, 0.0512, -0.2103, -0.0669])
HIGHLR_RELU = np.array([0.61, 0.94, 0.67, 0.78, 0.85, 0.89])
HIGHLR_LEAKY001 = HIGHLR_RELU + HIGHLR_DIFF


def brute_permutation_p(d) -> float:
    """Two-sided sign-flip p-value by enumerating all 2**n sign patterns (|T*| >= |T|)."""
    d = np.asarray(d, float)
    t = abs(d.sum())
    hits = sum(abs(np.dot(s, d)) >= t - 1e-12 for s in itertools.product((1, -1), repeat=len(d)))
    return hits / 2 ** len(d)


# ---------------------------------------------------------------------------------------------
# The deprecated t-test, unchanged
# ---------------------------------------------------------------------------------------------


def test_fixes_names_are_the_stats_ones():
    assert fixes.paired_verdict is stats.paired_verdict and fixes.t_critical is stats.t_critical
    assert fixes.Verdict is stats.Verdict
    assert "Deprecated" in stats.paired_verdict.__doc__


def test_t_critical_table():
    assert stats.t_critical(1) == 12.706 and stats.t_critical(4) == 2.776
    assert stats.t_critical(30) == 2.042 and stats.t_critical(31) == 1.96


@pytest.mark.parametrize(
    "a,b,outcome",
    [
        ([0.9, 0.91, 0.92, 0.93, 0.94], [0.8, 0.8, 0.81, 0.8, 0.82], "better"),
        ([0.8, 0.8, 0.81, 0.8, 0.82], [0.9, 0.91, 0.92, 0.93, 0.94], "worse"),
        ([0.801, 0.802, 0.803, 0.802, 0.801], [0.8, 0.8, 0.8, 0.8, 0.8], "negligibly better"),
        ([0.8, 0.9, 0.7, 0.85, 0.75], [0.8, 0.9, 0.7, 0.85, 0.751], "no difference"),
        ([0.9, 0.6, 0.95, 0.5, 0.9], [0.7, 0.7, 0.7, 0.7, 0.7], "inconclusive"),
    ],
)
def test_outcomes(a, b, outcome):
    v = stats.paired_verdict(np.array(a), np.array(b), ("A", "B"))
    assert v.outcome == outcome and v.n == 5
    assert v.sentence().startswith("A vs B:") and v.sentence().endswith(outcome)


def test_constant_differences():
    v = stats.paired_verdict([1.0, 1.0], [0.0, 0.0])
    assert v.t == math.inf and v.outcome == "better" and v.wins == 2
    assert stats.paired_verdict([1.0, 1.0], [1.0, 1.0]).outcome == "no difference"


# ---------------------------------------------------------------------------------------------
# Sign test: exact binomial values
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "d,p",
    [
        ([1, 2, 3, 4, 5, 6], 2 / 64),  # 6 of 6 positive
        ([1, 2, 3, 4, 5, -6], 2 * (6 + 1) / 64),  # 5 of 6: 2 * P(X >= 5)
        ([1, 2, 3, 4, -5, -6], 2 * (15 + 6 + 1) / 64),  # 4 of 6 ("4/6 wins: better" was wrong)
        ([1, 2, -3, -4, 5, -6], 1.0),  # 3 of 6
        ([1, 1, 0, -1], 1.0),  # tie dropped: 2 of 3
        ([0.5, 0.2, 0.0, 0.0, 0.1], 2 / 8),  # ties dropped: 3 of 3
        ([0.0, 0.0], 1.0),  # no signs at all
    ],
)
def test_sign_test_exact(d, p):
    assert stats.sign_test(d) == pytest.approx(p, abs=1e-15)


def test_sign_test_one_sided():
    assert stats.sign_test([1, 2, 3, 4, 5, -6], "greater") == pytest.approx(7 / 64)
    assert stats.sign_test([1, 2, 3, 4, 5, -6], "less") == pytest.approx(63 / 64)


# ---------------------------------------------------------------------------------------------
# Permutation test: full enumeration
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "d,p",
    [
        ([1, 2, 3, 4], 2 / 16),  # only all-plus and all-minus reach |10|
        ([1, 2, 3], 2 / 8),
        ([3, -1, 2], 4 / 8),  # sums 6, 4, -4, -6 reach |4|
        ([1, -1], 1.0),
        ([0.1] * 6, 2 / 64),  # a constant shift: every seed agrees
        ([0.0] * 6, 1.0),  # no difference at all: no evidence either way
    ],
)
def test_permutation_hand_values(d, p):
    assert stats.permutation_test(d) == pytest.approx(p, abs=1e-15)


@pytest.mark.parametrize("n", [2, 3, 5, 6, 8, 11])
def test_permutation_matches_enumeration(n):
    gen = seeding.rng(100 + n)
    for _ in range(5):
        d = gen.standard_normal(n) + 0.5
        assert stats.permutation_test(d) == pytest.approx(brute_permutation_p(d), abs=1e-12)
    # discrete outcomes with ties between sign patterns (accuracies are multiples of 1/300)
    d = np.array([1, 1, -1, 2, 0, 1, -2, 1, 1, 3, 1][:n]) / 300
    assert stats.permutation_test(d) == pytest.approx(brute_permutation_p(d), abs=1e-12)


def test_permutation_one_sided_and_delta():
    d = np.array([0.3, 0.1, 0.2, -0.05, 0.25])
    t = d.sum()
    flips = [np.dot(s, d) for s in itertools.product((1, -1), repeat=5)]
    assert stats.permutation_test(d, "greater") == pytest.approx(np.mean(np.array(flips) >= t - 1e-12))
    assert stats.permutation_test(d, "less") == pytest.approx(np.mean(np.array(flips) <= t + 1e-12))
    assert stats.permutation_test(d, delta=0.1) == pytest.approx(brute_permutation_p(d - 0.1))


def test_monte_carlo_close_to_exact(monkeypatch):
    d = seeding.rng(7).standard_normal(12) + 0.6
    exact = stats.permutation_test(d)
    monkeypatch.setattr(stats, "EXACT_MAX", 8)
    mc = stats.permutation_test(d, seed=3, draws=100_000)
    assert mc != exact  # really the Monte Carlo branch
    assert abs(mc - exact) < 4 * math.sqrt(exact * (1 - exact) / 100_000) + 1e-4
    assert stats.permutation_test(d, seed=3, draws=100_000) == mc  # seeded: reproducible


# ---------------------------------------------------------------------------------------------
# The interval: inversion of the test
# ---------------------------------------------------------------------------------------------


def brute_interval(d, alpha=0.05):
    """Hartigan's interval from subset means listed with itertools."""
    n = len(d)
    means = sorted(np.mean([d[i] for i in s]) for r in range(1, n + 1)
                   for s in itertools.combinations(range(n), r))
    k = next(k for k in range(2**n) if (1 + k) / 2**n > alpha / 2)
    return (-math.inf, math.inf) if k == 0 else (means[k - 1], means[-k])


@pytest.mark.parametrize("n", [5, 6, 7, 9])
def test_interval_matches_brute_force_and_inverts_the_test(n):
    d = seeding.rng(n).standard_normal(n) * 0.2 + 0.05
    low, high = stats.permutation_interval(d)
    assert (low, high) == pytest.approx(brute_interval(d))
    if n >= 6:
        eps = 1e-7
        # just inside: not rejected; just outside: rejected (the interval is the test inverted)
        assert stats.permutation_test(d, delta=low + eps) > 0.05
        assert stats.permutation_test(d, delta=high - eps) > 0.05
        assert stats.permutation_test(d, delta=low - eps) <= 0.05
        assert stats.permutation_test(d, delta=high + eps) <= 0.05


def test_interval_few_seeds_is_honest():
    d = np.array([0.3, -0.2, 0.1, 0.25, -0.35, 0.05])
    assert stats.permutation_interval(d) == (-0.35, 0.3)  # 6 seeds at 95%: the range
    assert stats.permutation_interval(d[:5]) == (-math.inf, math.inf)  # 5: nothing can be excluded
    assert stats.permutation_interval([0.1] * 8) == pytest.approx((0.1, 0.1))  # degenerate


def test_interval_and_p_never_disagree():
    gen = seeding.rng(11)
    for _ in range(200):
        n = int(gen.integers(6, 12))
        d = gen.standard_normal(n) * 0.3 + gen.normal(0, 0.3)
        low, high = stats.permutation_interval(d)
        assert (stats.permutation_test(d) <= 0.05) == (not low <= 0 <= high)


def test_interval_coverage_symmetric_heavy_tails():
    # exact coverage 1 - 2k / 2**n for a symmetric distribution: n = 8, k = 6, 95.3%
    gen = seeding.rng(5)
    reps, centre = 2000, 0.2
    hits = 0
    for _ in range(reps):
        d = centre + gen.standard_t(2, 8) * 0.1
        low, high = stats.permutation_interval(d)
        hits += low <= centre <= high
    nominal = 1 - 2 * 6 / 256
    assert abs(hits / reps - nominal) < 4 * math.sqrt(nominal * (1 - nominal) / reps)


# ---------------------------------------------------------------------------------------------
# Holm and the family
# ---------------------------------------------------------------------------------------------


def test_holm_hand_values():
    assert stats.holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert stats.holm([0.2]) == pytest.approx([0.2])
    assert stats.holm([0.5, 0.5, 0.5]) == pytest.approx([1.0, 1.0, 1.0])
    assert stats.holm([0.001, 0.001]) == pytest.approx([0.002, 0.002])


def test_old_misleading_case_is_now_inconclusive():
    d = HIGHLR_LEAKY001 - HIGHLR_RELU
    assert d.mean() == pytest.approx(0.009, abs=5e-4) and d.std(ddof=1) == pytest.approx(0.236, abs=5e-4)
    assert stats.paired_verdict(HIGHLR_LEAKY001, HIGHLR_RELU).outcome == "no difference"  # the old call
    c = stats.compare(HIGHLR_LEAKY001, HIGHLR_RELU, ("leaky 0.01", "relu"), power_draws=300)
    assert c.outcome == "inconclusive"
    assert c.low < -0.25 and c.high > 0.3  # the honest 95% interval: the range of d, 0.59 wide
    assert (c.low, c.high) == pytest.approx((d.min(), d.max()))
    assert c.p == pytest.approx(brute_permutation_p(d)) and c.p > 0.5
    assert c.min_detectable > 0.25  # 6 seeds with this spread cannot see even a 25-point effect
    # with a margin, equivalence cannot be claimed either: the interval reaches far beyond ±1 point
    assert stats.compare(HIGHLR_LEAKY001, HIGHLR_RELU, margin=0.01, power_draws=0).outcome == "inconclusive"
    assert c.sentence().endswith("inconclusive") and "[-0.269, +0.321]" in c.sentence()


def test_family_outcomes_and_correction():
    gen = seeding.rng(0)
    base = gen.uniform(0.6, 0.9, 12)
    pairs = {
        ("up", "b"): (base + 0.05 + gen.normal(0, 0.005, 12), base),
        ("down", "b"): (base - 0.05 + gen.normal(0, 0.005, 12), base),
        ("noise", "b"): (base + gen.normal(0, 0.05, 12), base),
    }
    fam = stats.verdict_family(pairs, power_draws=0)
    assert [c.outcome for c in fam] == ["better", "worse", "inconclusive"]
    assert all(c.m == 3 and c.exact for c in fam)
    assert fam[0].p == pytest.approx(2 / 2**12) and fam[0].p_holm == pytest.approx(3 * 2 / 2**12)
    assert fam[0].low > 0 and fam[1].high < 0 and fam[2].low < 0 < fam[2].high
    for c in fam:  # simultaneous intervals (1 - alpha/3) contain the per-comparison ones
        assert c.low_family <= c.low <= c.high <= c.high_family
        assert (c.low_family, c.high_family) == stats.permutation_interval(c.diff, 1 - 0.05 / 3)
    # 6 seeds all agreeing: significant alone (p = 2/64), not in a family of 12 (12 * 2/64 > 0.05)
    one = (np.full(6, 0.9), np.full(6, 0.5))
    assert stats.compare(*one, power_draws=0).outcome == "better"
    family12 = stats.verdict_family({(f"c{i}", "b"): one for i in range(12)}, power_draws=0)
    assert {c.outcome for c in family12} == {"inconclusive"}
    assert family12[0].p_holm == pytest.approx(min(1, 12 * 2 / 64))
    assert (family12[0].low, family12[0].high) == pytest.approx((0.4, 0.4))  # alone: the range
    assert (family12[0].low_family, family12[0].high_family) == (-math.inf, math.inf)  # 6 seeds, 12 questions
    assert all(math.isinf(c.min_detectable) for c in stats.verdict_family(
        {(f"c{i}", "b"): one for i in range(12)}, power_draws=50))
    text = fam.table()
    assert "up vs b" in text and "better" in text and len(text.splitlines()) == 5


def test_equivalence_needs_a_tight_interval():
    gen = seeding.rng(1)
    base = gen.uniform(0.9, 0.95, 12)
    tight = (base + gen.normal(0, 0.002, 12), base)
    wide = (base + gen.normal(0, 0.05, 12), base)
    fam = stats.verdict_family({("tight", "b"): tight, ("wide", "b"): wide}, margin=0.01, power_draws=0)
    assert fam[0].outcome == "equivalent" and fam[0].p_tost_holm <= 0.05
    assert fam[1].outcome == "inconclusive" and fam[1].p_tost > 0.05
    # without a margin there is no such outcome
    assert stats.verdict_family({("tight", "b"): tight}, power_draws=0)[0].outcome == "inconclusive"
    # degenerate: identical runs, all differences zero
    same = stats.compare(base, base, margin=0.01, power_draws=0)
    assert same.p == 1.0 and (same.low, same.high) == (0.0, 0.0) and same.outcome == "equivalent"
    assert stats.compare(base, base, power_draws=0).outcome == "inconclusive"


def test_calibration_family_wise_error_under_the_null():
    # Bimodal outcomes (train to ~0.9 or collapse to 0.5), both configurations from the same
    # distribution on every seed: exchangeable, so no comparison should be called.
    gen = seeding.rng(2026)
    n_families, m, n = 300, 12, 10

    def bimodal(size):
        ok = gen.random(size) < 0.6
        return np.where(ok, 0.9 + gen.normal(0, 0.02, size), 0.5)

    any_holm = any_raw = 0
    for _ in range(n_families):
        pairs = {(f"c{i}", "b"): (bimodal(n), bimodal(n)) for i in range(m)}
        fam = stats.verdict_family(pairs, power_draws=0)
        any_holm += any(c.outcome != "inconclusive" for c in fam)
        any_raw += any(c.p <= 0.05 for c in fam)
    fwer, raw = any_holm / n_families, any_raw / n_families
    assert fwer <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / n_families)
    assert raw > 0.25  # uncorrected, a family of 12 finds something in a large share of families


# ---------------------------------------------------------------------------------------------
# Power
# ---------------------------------------------------------------------------------------------


def test_power_limits_and_calibration():
    assert stats.power(6, 1.0, sd=0.1, alpha=0.05 / 12) == 0.0  # 2/64 > alpha/12: never significant
    assert stats.power(6, 1.0, sd=0.01) == 1.0  # 6 of 6 agree: p = 2/64
    null = stats.power(10, 0.0, sd=1.0, draws=4000, seed=1)
    assert null <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 4000) and null > 0.02
    p_small, p_big = (stats.power(12, e, sd=1.0, draws=1000) for e in (0.3, 0.9))
    assert p_small < p_big


def test_min_detectable_and_seeds_needed():
    # close to the normal-theory value (z_0.975 + z_0.8) sd / sqrt(n), a little above (small n)
    mdd = stats.min_detectable(14, sd=1.0, draws=2000)
    normal = (1.959964 + 0.841621) / math.sqrt(14)
    assert normal < mdd < 1.2 * normal
    assert stats.power(14, mdd, sd=1.0, draws=2000) >= 0.8
    assert stats.power(14, 0.9 * mdd, sd=1.0, draws=2000) < 0.8
    assert math.isinf(stats.min_detectable(6, sd=1.0, alpha=0.05 / 12))
    assert stats.min_detectable(10, sd=0.0) == 0.0
    n = stats.seeds_needed(0.8, sd=1.0, draws=1000)
    assert stats.power(n, 0.8, sd=1.0, draws=1000) >= 0.8 > stats.power(n - 1, 0.8, sd=1.0, draws=1000)
    # a bimodal noise shape, resampled
    noise = HIGHLR_LEAKY001 - HIGHLR_RELU
    assert stats.min_detectable(20, noise=noise - noise.mean(), draws=500) > 0.1


def test_sign_power_exact():
    assert stats.sign_power(6, 0.5, 0.5) == pytest.approx(2 / 64)  # the null: the test's size
    assert stats.sign_power(6, 1.0, 0.0) == pytest.approx(1.0)
    assert stats.sign_power(6, 0.9, 0.0) == pytest.approx(0.9**6)  # only 6 non-ties can reject
    assert stats.sign_power(5, 1.0, 0.0) == 0.0  # 2/32 > 0.05
    # against simulation: 30% of seeds rescued by the fix, 5% broken by it, n = 20
    gen = seeding.rng(9)
    u = gen.random((20000, 20))
    pos, neg = np.sum(u < 0.3, axis=1), np.sum((u >= 0.3) & (u < 0.35), axis=1)
    k = pos + neg
    p = [stats.sign_test(np.r_[np.ones(a), -np.ones(b), np.zeros(20 - a - b)]) if a + b else 1.0
         for a, b in zip(pos[:3000], neg[:3000], strict=True)]
    sim = float(np.mean(np.array(p) <= 0.05))
    assert abs(stats.sign_power(20, 0.3, 0.05) - sim) < 4 * math.sqrt(sim * (1 - sim) / 3000)
    assert k.mean() == pytest.approx(7, abs=0.1)
    n = stats.sign_seeds_needed(0.3, 0.05)
    assert stats.sign_power(n, 0.3, 0.05) >= 0.8 and all(
        stats.sign_power(j, 0.3, 0.05) < 0.8 for j in range(1, n))


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: stats.paired_differences([0.5, 0.6], [0.4]), "same seeds"),
        (lambda: stats.paired_differences([0.5], [0.4]), "at least 2 seeds"),
        (lambda: stats.paired_differences([0.5, np.nan], [0.4, 0.5]), "NaN"),
        (lambda: stats.paired_differences([[0.5, 0.6]], [[0.4, 0.5]]), "1-D"),
        (lambda: stats.permutation_test([0.1]), "at least 2"),
        (lambda: stats.permutation_test([0.1, np.inf]), "finite"),
        (lambda: stats.permutation_test([0.1, 0.2], "bigger"), "alternative"),
        (lambda: stats.permutation_interval([0.1, 0.2], 1.5), "alpha"),
        (lambda: stats.holm([0.1, 1.2]), r"\[0, 1\]"),
        (lambda: stats.holm([]), "non-empty"),
        (lambda: stats.verdict_family({}), "empty"),
        (lambda: stats.verdict_family({("x", "y"): ([0.5, 0.6], [0.4])}), "'x', 'y'.*same seeds"),
        (lambda: stats.compare([0.5, 0.6], [0.4, 0.5], margin=-1), "margin"),
        (lambda: stats.compare([0.5, 0.6], [0.4, 0.5], alpha=0), "alpha"),
        (lambda: stats.power(1, 0.1, sd=1), "n must be"),
        (lambda: stats.power(6, 0.1), "exactly one"),
        (lambda: stats.power(6, 0.1, sd=np.nan), "sd"),
        (lambda: stats.min_detectable(6, sd=1, target_power=1.0), "target_power"),
        (lambda: stats.sign_power(6, 0.7, 0.5), "probabilities"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_seeds_needed_edges():
    assert stats.seeds_needed(0.5, sd=1.0, alpha=0.05 / 12, n_max=8) is None  # 8 < 9, the first usable n
    assert stats.seeds_needed(10.0, sd=0.01, alpha=0.05 / 12) == 9  # huge effect: the first usable n
    assert stats.seeds_needed(0.01, sd=1.0, n_max=30, draws=300) is None


def test_verdicts_script_builds_the_family(tmp_path):
    # benchmarks/verdicts.py: the 12 comparisons (4 settings x 3 slopes vs ReLU), from a cache
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "verdicts.py"
    spec = importlib.util.spec_from_file_location("verdicts", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    gen = seeding.rng(3)
    acc = {f"{s.key}/{k}/{i}": float(gen.uniform(0.5, 1.0))
           for s in fixes.SETTINGS for k in mod.FIX_KEYS for i in range(10)}
    mod.save(acc, tmp_path / "c.npz")
    assert mod.load(tmp_path / "c.npz") == acc
    fam = mod.family(acc, range(10), power_draws=0)
    assert len(fam) == 12 and fam[0].a == "highlr leaky 0.01" and fam[-1].a == "digits leaky 1/5.5"
    assert all(c.m == 12 and c.n == 10 for c in fam)
    d = np.array([acc[f"digits/leaky018/{i}"] - acc[f"digits/relu/{i}"] for i in range(10)])
    assert np.array_equal(fam[-1].diff, d)
