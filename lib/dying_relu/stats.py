"""Statistics shared by the chapters' experiments: paired comparisons across seeds.

Introduced in Chapter 4 (which fix beats ReLU, seed by seed) and shared with Chapter 5. Every
experiment of the course runs each configuration on the same seeds, so two configurations can be
compared *paired*: one difference per seed, ``d_i = a_i - b_i``, which removes the variation the
seed causes in both.

The procedure (issue 12, item 8)
--------------------------------
Seed-level outcomes in this course are often all-or-nothing (a deep, narrow network trains or
collapses to chance), and there are few seeds, so nothing here assumes normality:

Test
    :func:`permutation_test`, the exact paired permutation (sign-flip) test of the mean
    difference: under the null "the two configurations are exchangeable on every seed" each of the
    ``2**n`` sign patterns of the differences is equally likely, whatever the shape of their
    distribution (bimodal included). Exact by full enumeration up to ``n = 20`` seeds, Monte Carlo
    (seeded, ``p = (1 + hits) / (1 + draws)``, still a valid p-value) beyond.
    :func:`sign_test` is the exact binomial sign test (ties dropped), reported alongside: it uses
    only the direction of each difference.
Interval
    :func:`permutation_interval`, the exact interval obtained by *inverting* the same test: the
    shifts ``delta`` that the test of ``d - delta`` does not reject. By Hartigan's (1969) result
    its end points are order statistics of the ``2**n - 1`` subset means of ``d`` (the ``k``-th
    smallest and largest, ``k`` from ``alpha``), so no resampling is needed and the interval and
    the p-value never disagree (0 lies outside the ``1 - alpha`` interval exactly when ``p <=
    alpha``). It is exact when ``d`` is symmetric about its centre (always true under the null, and
    under a shift); chosen over a bootstrap because a bootstrap's coverage is poor with 6 seeds
    (it never reaches beyond the observed range, and underestimates the spread by
    ``sqrt((n-1)/n)``), while this one is honest about what few seeds allow: with 6 seeds the 95%
    interval is the range of the differences, with 5 or fewer it is unbounded.
Correction
    :func:`holm` (Holm-Bonferroni step-down adjusted p-values), applied by :func:`verdict_family`
    to a whole family of comparisons: the probability of calling *any* comparison better or worse
    when none differs is at most ``alpha``.
Outcomes
    ``"better"`` / ``"worse"`` when the Holm-adjusted p is at most ``alpha`` (direction from the
    mean difference), else ``"inconclusive"``; never "no difference" from a non-significant test.
    With a stated ``margin``, ``"equivalent"`` (within ``±margin``) via two one-sided permutation
    tests (TOST), also Holm-adjusted over the family.
Power
    :func:`power` (Monte Carlo power of the exact permutation test for ``n`` seeds, a true mean
    difference and a spread or an observed noise shape), :func:`min_detectable` (the smallest
    difference detected with the requested power), :func:`seeds_needed`; for all-or-nothing
    outcomes :func:`sign_power` and :func:`sign_seeds_needed` (exact, from success probabilities).

Older API, kept for Chapter 4 until it switches: :func:`t_critical`, :class:`Verdict` and
:func:`paired_verdict` (a paired t-test; **deprecated**, unchanged so that the chapter's outputs do
not move under it; see its docstring).

Inputs are one value per seed (shape ``(n_seeds,)``), in the metric's own unit (accuracy as a
fraction, loss in nats, ...). Every Monte Carlo draw comes from :func:`dying_relu.seeding.rng`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import seeding as _seeding

__all__ = [
    "EXACT_MAX",
    "PairedComparison",
    "Family",
    "Verdict",
    "compare",
    "holm",
    "min_detectable",
    "paired_differences",
    "paired_verdict",
    "permutation_interval",
    "permutation_test",
    "power",
    "seeds_needed",
    "sign_power",
    "sign_seeds_needed",
    "sign_test",
    "t_critical",
    "verdict_family",
]

#: Largest number of seeds for which permutation p-values and intervals are exact (all ``2**n``
#: sign patterns; 2**20 subset means take 8 MB and a fraction of a second). Above: Monte Carlo.
EXACT_MAX = 20
_DRAWS = 200_000  # Monte Carlo sign patterns above EXACT_MAX


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def paired_differences(a: np.ndarray | Sequence[float], b: np.ndarray | Sequence[float]) -> np.ndarray:
    """``a - b`` as a float64 array ``(n_seeds,)``, after checking the input.

    Raises:
        ValueError: ``a`` and ``b`` are not 1-D, differ in length, have fewer than 2 seeds, or
            contain NaN or infinity (a diverged run has no accuracy: decide what it counts as, e.g.
            chance, before comparing).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"a and b must be 1-D (one value per seed), got shapes {a.shape} and {b.shape}.")
    if a.shape != b.shape:
        raise ValueError(f"a and b must pair the same seeds: {len(a)} values against {len(b)}.")
    if len(a) < 2:
        raise ValueError(f"A paired comparison needs at least 2 seeds, got {len(a)}.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        bad = np.flatnonzero(~(np.isfinite(a) & np.isfinite(b)))
        raise ValueError(f"a and b must be finite; NaN or infinity at seed position(s) {bad.tolist()}. "
                         "Decide what a diverged run counts as (e.g. chance accuracy) first.")
    return a - b


def _check_diffs(d: np.ndarray | Sequence[float]) -> np.ndarray:
    d = np.asarray(d, dtype=np.float64)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"Differences must be 1-D with at least 2 seeds, got shape {d.shape}.")
    if not np.all(np.isfinite(d)):
        raise ValueError("Differences must be finite (no NaN or infinity).")
    return d


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}.")
    return alpha


def _tol(d: np.ndarray) -> float:
    """Rounding tolerance for comparing sums of ``d`` (ties between sign patterns count as ties)."""
    return 1e-9 * max(float(np.max(np.abs(d))), 1e-300) * len(d)


# ---------------------------------------------------------------------------------------------
# Exact tests and the interval
# ---------------------------------------------------------------------------------------------


def _subset_sums(d: np.ndarray, seed: int, draws: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Sums and sizes of the non-empty subsets of ``d``, the number of empty subsets left out, and
    the number of sign patterns in the reference set.

    Exact for ``n <= EXACT_MAX``: all ``2**n - 1`` non-empty subsets, 1 empty one (the identity
    pattern), ``2**n`` patterns. Above: ``draws`` random subsets (each seed in with probability
    1/2, from :func:`dying_relu.seeding.rng`) plus the identity, ``draws + 1`` patterns, so that
    ``p = (1 + hits) / (1 + draws)`` (a valid Monte Carlo p-value).
    """
    n = len(d)
    if n <= EXACT_MAX:
        sums, sizes = np.zeros(1), np.zeros(1, dtype=np.int64)
        for x in d:  # doubling: subsets without x, then with x
            sums = np.concatenate([sums, sums + x])
            sizes = np.concatenate([sizes, sizes + 1])
        return sums[1:], sizes[1:], 1, 2**n
    rng = _seeding.rng(seed)
    sums, sizes = np.empty(draws), np.empty(draws, dtype=np.int64)
    for start in range(0, draws, 8192):
        mask = rng.random((min(8192, draws - start), n)) < 0.5
        sums[start:start + len(mask)] = mask @ d
        sizes[start:start + len(mask)] = mask.sum(axis=1)
    keep = sizes > 0
    return sums[keep], sizes[keep], 1 + int(np.sum(~keep)), draws + 1


def _one_sided(d: np.ndarray, delta: float, seed: int, draws: int) -> tuple[float, float, bool]:
    """One-sided permutation p-values of ``sum(d - delta)``: ``(p_greater, p_less, exact)``.

    Flipping the signs of a subset ``S`` changes ``T = sum(d - delta)`` by ``-2 sum_S(d - delta)``,
    so ``T* >= T`` exactly when ``S`` is empty or ``sum_S(d - delta) <= 0``.
    """
    sums, _, empty, total = _subset_sums(d - delta, seed, draws)
    tol = _tol(d - delta) if np.any(d != delta) else 0.0
    le, ge = int(np.sum(sums <= tol)), int(np.sum(sums >= -tol))
    return (empty + le) / total, (empty + ge) / total, len(d) <= EXACT_MAX


def permutation_test(d: np.ndarray | Sequence[float], alternative: str = "two-sided", *,
                     delta: float = 0.0, seed: int = 0, draws: int = _DRAWS) -> float:
    """Paired permutation (sign-flip) test of the mean of ``d`` against ``delta``.

    Args:
        d: per-seed differences ``(n_seeds,)``, ``n_seeds >= 2``.
        alternative: ``"two-sided"`` (``2 * min`` of the one-sided p-values, capped at 1: for a
            symmetric null the same as counting ``|T*| >= |T|``), ``"greater"`` (the mean exceeds
            ``delta``) or ``"less"``.
        delta: the null value (0: no difference; ``±margin`` for an equivalence test).
        seed, draws: Monte Carlo sign patterns when ``n_seeds > EXACT_MAX`` (else unused: exact).

    Returns:
        The p-value. All differences equal to ``delta`` (or ``d`` all zero) give 1: no evidence
        either way. The smallest possible two-sided value is ``2 / 2**n`` (0.031 with 6 seeds).
    """
    d = _check_diffs(d)
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative must be 'two-sided', 'greater' or 'less', got {alternative!r}.")
    p_gt, p_lt, _ = _one_sided(d, float(delta), seed, draws)
    if alternative == "greater":
        return p_gt
    if alternative == "less":
        return p_lt
    return min(1.0, 2 * min(p_gt, p_lt))


def permutation_interval(d: np.ndarray | Sequence[float], confidence: float = 0.95, *, seed: int = 0,
                         draws: int = _DRAWS) -> tuple[float, float]:
    """Exact interval for the centre of the paired differences, by inverting the permutation test.

    The interval holds every ``delta`` that the two-sided test of ``d - delta`` at level
    ``alpha = 1 - confidence`` does not reject. With ``M_(1) <= ... <= M_(N)`` the ``N = 2**n - 1``
    subset means of ``d``, it is ``[M_(k), M_(N + 1 - k)]`` where ``k`` is the smallest integer with
    ``(1 + k) / 2**n > alpha / 2`` (Hartigan 1969); with too few seeds for the level (``k = 0``, 5
    or fewer seeds at 95%) it is ``(-inf, inf)``.

    Returns:
        ``(low, high)``; ``low <= high``. Degenerate all-equal differences give ``(c, c)``.
    """
    d = _check_diffs(d)
    alpha = _check_alpha(1 - float(confidence))
    sums, sizes, empty, total = _subset_sums(d, seed, draws)
    # smallest k >= 0 with (empty + k) / total > alpha / 2 (empty: the identity pattern(s), always
    # counted), in integers where possible
    k = max(int(math.floor(alpha / 2 * total - empty)) + 1, 0)
    while k > 0 and (empty + k - 1) / total > alpha / 2:  # guard against rounding in the floor
        k -= 1
    while (empty + k) / total <= alpha / 2:
        k += 1
    if k == 0:
        return -math.inf, math.inf
    means = np.sort(sums / sizes)
    return float(means[k - 1]), float(means[len(means) - k])


def sign_test(d: np.ndarray | Sequence[float], alternative: str = "two-sided") -> float:
    """Exact binomial sign test of "a positive and a negative difference are equally likely".

    Zero differences (ties) are dropped (the usual convention); with no non-zero difference the
    p-value is 1. Two-sided: ``min(1, 2 * min(P(X <= k), P(X >= k)))`` with ``X ~ Bin(n', 1/2)``,
    ``k`` the number of positive differences among the ``n'`` non-zero ones.
    """
    d = _check_diffs(d)
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative must be 'two-sided', 'greater' or 'less', got {alternative!r}.")
    tol = _tol(d)
    pos, neg = int(np.sum(d > tol)), int(np.sum(d < -tol))
    n = pos + neg
    if n == 0:
        return 1.0
    upper = sum(math.comb(n, j) for j in range(pos, n + 1)) / 2**n  # P(X >= pos)
    lower = sum(math.comb(n, j) for j in range(0, pos + 1)) / 2**n  # P(X <= pos)
    if alternative == "greater":
        return upper
    if alternative == "less":
        return lower
    return min(1.0, 2 * min(upper, lower))


def holm(p: np.ndarray | Sequence[float]) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values ``(m,)``, in the input's order.

    Sort ascending, ``adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j))``; rejecting every hypothesis
    with ``adj <= alpha`` controls the family-wise error rate at ``alpha`` under any dependence.
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or len(p) == 0:
        raise ValueError(f"p must be a non-empty 1-D array, got shape {p.shape}.")
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie in [0, 1].")
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj_sorted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj_sorted
    return out


# ---------------------------------------------------------------------------------------------
# One comparison, and a family of them
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairedComparison:
    """One paired comparison ``a - b`` over the same seeds, before and after the family's correction.

    Attributes:
        a, b, metric: names.  diff: per-seed differences ``(n_seeds,)``.
        mean, median: of ``diff``.  wins, losses: seeds with ``a`` above / below ``b``.
        low, high: exact ``confidence`` interval (:func:`permutation_interval`), for this
            comparison on its own.
        low_family, high_family: the same at ``1 - alpha / m`` (Bonferroni): simultaneous for the
            whole family (all ``m`` cover together with probability at least ``1 - alpha``), the
            interval to quote next to a corrected verdict; ``(-inf, inf)`` when the seeds are too
            few for that level.
        p: two-sided exact permutation p-value (:func:`permutation_test`).  p_sign: sign test.
        p_holm: ``p`` adjusted over the family (:func:`holm`; equal to ``p`` for a family of one).
        outcome: ``"better"``, ``"worse"``, ``"inconclusive"`` or (with a margin) ``"equivalent"``.
        margin, p_tost, p_tost_holm: the equivalence test (``None`` without a margin).
        min_detectable: the smallest mean difference this many seeds detect with ``target_power``
            at the family's Bonferroni level ``alpha / m`` (Monte Carlo, :func:`min_detectable`;
            noise shaped like the observed differences, centred), ``inf`` if no difference can be.
        alpha, confidence, m, exact: the settings (``m``: size of the family).
    """

    a: str
    b: str
    metric: str
    diff: np.ndarray
    mean: float
    median: float
    wins: int
    losses: int
    low: float
    high: float
    low_family: float
    high_family: float
    p: float
    p_sign: float
    p_holm: float
    outcome: str
    margin: float | None
    p_tost: float | None
    p_tost_holm: float | None
    min_detectable: float
    alpha: float
    confidence: float
    m: int
    exact: bool

    @property
    def n(self) -> int:
        """Number of seeds (paired differences)."""
        return len(self.diff)

    def sentence(self) -> str:
        """E.g. ``leaky 0.01 vs relu: +0.009 [-0.35, +0.31] (6 seeds, 4 wins), p 0.91, Holm p 1:
        inconclusive``."""
        return (f"{self.a} vs {self.b}: {self.mean:+.3f} [{self.low:+.3f}, {self.high:+.3f}] "
                f"({self.n} seeds, {self.wins} wins, {self.losses} losses), p {self.p:.3g}, "
                f"Holm p {self.p_holm:.3g}: {self.outcome}")


@dataclass(frozen=True)
class Family:
    """A family of comparisons judged together (:func:`verdict_family`)."""

    comparisons: tuple[PairedComparison, ...]
    alpha: float

    def __iter__(self):
        return iter(self.comparisons)

    def __len__(self) -> int:
        return len(self.comparisons)

    def __getitem__(self, i: int) -> PairedComparison:
        return self.comparisons[i]

    def table(self) -> str:
        """Plain-text table, one row per comparison."""
        conf = self.comparisons[0].confidence
        fam = f"{1 - self.alpha / len(self):.1%} simult." if len(self) > 1 else ""
        head = (f"{'comparison':<34}{'n':>3}{'mean':>8}{f'{conf:.0%} interval':>19}{fam:>19}{'wins':>6}"
                f"{'p':>9}{'p sign':>9}{'p Holm':>9}{'detect.':>8}  outcome")
        lines = [head, "-" * len(head)]
        for c in self.comparisons:
            simult = f"[{c.low_family:+.3f}, {c.high_family:+.3f}]" if len(self) > 1 else ""
            lines.append(f"{c.a + ' vs ' + c.b:<34}{c.n:>3}{c.mean:>+8.3f}"
                         f"{f'[{c.low:+.3f}, {c.high:+.3f}]':>19}{simult:>19}{f'{c.wins}/{c.n}':>6}"
                         f"{c.p:>9.2g}{c.p_sign:>9.2g}{c.p_holm:>9.2g}{c.min_detectable:>8.3f}  {c.outcome}")
        return "\n".join(lines)


def verdict_family(
    pairs: Mapping[str | tuple[str, str], tuple[np.ndarray, np.ndarray]],
    *,
    alpha: float = 0.05,
    margin: float | None = None,
    metric: str = "test_accuracy",
    target_power: float = 0.8,
    seed: int = 0,
    power_draws: int = 1000,
    draws: int = _DRAWS,
) -> Family:
    """Judge a whole family of paired comparisons with the exact permutation test and Holm's correction.

    Args:
        pairs: ``{name: (a, b)}`` with ``a`` and ``b`` one value per seed (same seeds within a
            pair; pairs may have different numbers of seeds). ``name`` is ``(a_name, b_name)`` or
            one string (then ``b`` is called ``"b"``).
        alpha: family-wise error rate (Holm-Bonferroni over the ``m = len(pairs)`` comparisons);
            the intervals are per comparison, at ``confidence = 1 - alpha``.
        margin: if given, also test equivalence within ``±margin`` (TOST: both one-sided
            permutation tests of ``d - margin < 0`` and ``d + margin > 0``, p = the larger,
            Holm-adjusted over the family); an unrejected difference then reads ``"equivalent"``.
        target_power, power_draws: for each comparison's ``min_detectable``
            (``power_draws=0`` skips it: NaN).
        seed: for every Monte Carlo draw (via :func:`dying_relu.seeding.rng`).
        draws: Monte Carlo sign patterns per test and interval when a pair has more than
            :data:`EXACT_MAX` seeds (else unused: exact). The default is very precise; 20 000
            resolve p-values to about 1e-4 (enough for Holm over a dozen comparisons at 5%) in a
            tenth of the time (Chapter 4 judges its 40-seed families so while it runs).

    Returns:
        A :class:`Family` of :class:`PairedComparison`, in the order of ``pairs``.

    Example::

        fam = verdict_family({("leaky 0.01", "relu"): (acc_leaky, acc_relu),
                              ("leaky 0.1", "relu"): (acc_leaky01, acc_relu)})
        print(fam.table())
    """
    alpha = _check_alpha(alpha)
    if not pairs:
        raise ValueError("pairs is empty: a family needs at least one comparison.")
    if margin is not None and not (float(margin) > 0 and math.isfinite(float(margin))):
        raise ValueError(f"margin must be a positive number, got {margin!r}.")
    names, diffs = [], []
    for name, ab in pairs.items():
        if len(ab) != 2:
            raise ValueError(f"pairs[{name!r}] must be (a, b), two arrays of per-seed values.")
        try:
            diffs.append(paired_differences(*ab))
        except ValueError as err:
            raise ValueError(f"{name!r}: {err}") from None
        names.append(tuple(name) if isinstance(name, tuple) else (str(name), "b"))
    m = len(diffs)
    p = [permutation_test(d, seed=seed, draws=draws) for d in diffs]
    p_adj = holm(p)
    tost = tost_adj = [None] * m
    if margin is not None:
        tost = [max(permutation_test(d, "less", delta=float(margin), seed=seed, draws=draws),
                    permutation_test(d, "greater", delta=-float(margin), seed=seed, draws=draws))
                for d in diffs]
        tost_adj = holm(tost).tolist()
    out = []
    for (na, nb), d, pi, pa, pt, pta in zip(names, diffs, p, p_adj, tost, tost_adj, strict=True):
        low, high = permutation_interval(d, 1 - alpha, seed=seed, draws=draws)
        low_f, high_f = ((low, high) if m == 1
                         else permutation_interval(d, 1 - alpha / m, seed=seed, draws=draws))
        mean = float(d.mean())
        if pa <= alpha and mean != 0:
            outcome = "better" if mean > 0 else "worse"
        elif pta is not None and pta <= alpha:
            outcome = "equivalent"
        else:
            outcome = "inconclusive"
        mdd = (min_detectable(len(d), noise=d - mean, alpha=alpha / m, target_power=target_power,
                              draws=power_draws, seed=seed) if power_draws > 0 else math.nan)
        tol = _tol(d)
        out.append(PairedComparison(
            a=na, b=nb, metric=metric, diff=d, mean=mean, median=float(np.median(d)),
            wins=int(np.sum(d > tol)), losses=int(np.sum(d < -tol)), low=low, high=high,
            low_family=low_f, high_family=high_f,
            p=float(pi), p_sign=sign_test(d), p_holm=float(pa), outcome=outcome,
            margin=None if margin is None else float(margin),
            p_tost=None if pt is None else float(pt), p_tost_holm=None if pta is None else float(pta),
            min_detectable=mdd, alpha=alpha, confidence=1 - alpha, m=m, exact=len(d) <= EXACT_MAX))
    return Family(tuple(out), alpha)


def compare(a: np.ndarray | Sequence[float], b: np.ndarray | Sequence[float],
            names: tuple[str, str] = ("a", "b"), **kwargs) -> PairedComparison:
    """One comparison judged on its own (a family of one: no correction). Keywords as
    :func:`verdict_family`. Use :func:`verdict_family` whenever several comparisons answer one
    question."""
    return verdict_family({tuple(names): (a, b)}, **kwargs)[0]


# ---------------------------------------------------------------------------------------------
# Power: how many seeds a question needs
# ---------------------------------------------------------------------------------------------


def _flip_signs(n: int, seed: int) -> np.ndarray:
    """All ``2**n`` sign patterns ``(2**n, n)`` for ``n <= 14``, else 4095 random ones plus the
    identity (a valid Monte Carlo permutation test)."""
    if n <= 14:
        codes = np.arange(2**n)[:, None] >> np.arange(n)[None, :] & 1
        return 1.0 - 2.0 * codes
    rng = _seeding.rng(seed + 1)
    return np.vstack([np.ones((1, n)), np.where(rng.random((4095, n)) < 0.5, -1.0, 1.0)])


def power(n: int, effect: float, *, sd: float | None = None, noise: np.ndarray | None = None,
          alpha: float = 0.05, draws: int = 2000, seed: int = 0) -> float:
    """Monte Carlo power of the two-sided exact permutation test with ``n`` seeds.

    The true differences are ``effect + e_i``, with ``e_i`` Gaussian of standard deviation ``sd``,
    or drawn with replacement from ``noise`` (e.g. the observed differences minus their mean, to
    keep a bimodal shape). ``alpha`` is the level of this one test: pass ``alpha / m`` for a
    comparison in a Holm family of ``m`` (Bonferroni, the level of its hardest step).

    Returns:
        The fraction of ``draws`` simulated experiments the test rejects (0 when ``2 / 2**n >
        alpha``: then no outcome is significant).
    """
    n, alpha = int(n), _check_alpha(alpha)
    if n < 2:
        raise ValueError(f"n must be >= 2 seeds, got {n}.")
    if (sd is None) == (noise is None):
        raise ValueError("Give exactly one of sd (Gaussian noise) or noise (values to resample).")
    if 2 / 2**n > alpha and n <= 60:
        return 0.0
    rng = _seeding.rng(seed)
    if sd is not None:
        if not (float(sd) >= 0 and math.isfinite(float(sd))):
            raise ValueError(f"sd must be a finite number >= 0, got {sd!r}.")
        e = float(sd) * rng.standard_normal((draws, n))
    else:
        noise = np.asarray(noise, dtype=np.float64).ravel()
        if len(noise) == 0 or not np.all(np.isfinite(noise)):
            raise ValueError("noise must be a non-empty array of finite values.")
        e = noise[rng.integers(0, len(noise), (draws, n))]
    d = float(effect) + e
    signs = _flip_signs(n, seed)
    rejected = 0
    for start in range(0, draws, 256):
        block = d[start:start + 256]  # (b, n)
        t_obs = np.abs(block.sum(axis=1))  # (b,)
        t_all = np.abs(signs @ block.T)  # (F, b)
        tol = 1e-9 * (np.abs(block).max(axis=1) + 1e-300) * n
        count = np.sum(t_all >= t_obs - tol, axis=0)
        p = count / len(signs)  # exact, or (1 + hits) / (1 + draws) with the identity row
        # all-zero differences are not evidence (p = 1), as in permutation_test
        p[np.all(np.abs(block) <= tol[:, None], axis=1)] = 1.0
        rejected += int(np.sum(p <= alpha))
    return rejected / draws


def min_detectable(n: int, *, sd: float | None = None, noise: np.ndarray | None = None,
                   alpha: float = 0.05, target_power: float = 0.8, draws: int = 2000,
                   seed: int = 0) -> float:
    """Smallest mean difference ``|effect|`` that ``n`` seeds detect with ``target_power``.

    Bisection on :func:`power` (same random numbers at every step, so power is monotone in the
    effect); noise as in :func:`power`. Returns ``inf`` when ``n`` seeds cannot reject at level
    ``alpha`` at all (``2 / 2**n > alpha``), 0 when the noise is zero.
    """
    n = int(n)
    if not 0 < target_power < 1:
        raise ValueError(f"target_power must be in (0, 1), got {target_power}.")
    if n < 2:
        raise ValueError(f"n must be >= 2 seeds, got {n}.")
    if 2 / 2**n > _check_alpha(alpha):
        return math.inf
    scale = float(sd) if sd is not None else float(np.std(np.asarray(noise, dtype=np.float64)))
    if scale == 0:
        return 0.0

    def pw(effect: float) -> float:
        return power(n, effect, sd=sd, noise=noise, alpha=alpha, draws=draws, seed=seed)

    lo, hi = 0.0, scale
    while pw(hi) < target_power:
        lo, hi = hi, 2 * hi
        if hi > 1e6 * scale:
            return math.inf
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if pw(mid) < target_power else (lo, mid)
        if hi - lo < 1e-3 * scale:
            break
    return hi


def seeds_needed(effect: float, *, sd: float | None = None, noise: np.ndarray | None = None,
                 alpha: float = 0.05, target_power: float = 0.8, n_max: int = 200, draws: int = 2000,
                 seed: int = 0) -> int | None:
    """Smallest number of seeds whose :func:`power` for ``effect`` reaches ``target_power``
    (``None`` if more than ``n_max``).

    Doubling, then bisection on ``n`` (power grows with ``n``, up to the Monte Carlo error and
    the small steps of a discrete test), so about ``2 log2(n)`` power evaluations.
    """
    if not 0 < target_power < 1:
        raise ValueError(f"target_power must be in (0, 1), got {target_power}.")
    first = 2
    while 2 / 2**first > _check_alpha(alpha):
        first += 1
    n_max = int(n_max)
    if first > n_max:
        return None

    def ok(n: int) -> bool:
        return power(n, effect, sd=sd, noise=noise, alpha=alpha, draws=draws, seed=seed) >= target_power

    if ok(first):
        return first
    lo, hi = first, first  # invariant: not ok(lo)
    while True:
        hi = min(2 * hi, n_max)
        if ok(hi):
            break
        if hi == n_max:
            return None
        lo = hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def sign_power(n: int, p_pos: float, p_neg: float, alpha: float = 0.05) -> float:
    """Exact power of the two-sided sign test with ``n`` seeds, for all-or-nothing outcomes.

    ``p_pos`` and ``p_neg`` are the probabilities that a seed's difference is positive or negative
    (the rest are ties, dropped). For two configurations that each succeed (train) or fail
    (collapse) on a seed, independently, with probabilities ``s_a`` and ``s_b`` and equal
    accuracies on success: ``p_pos = s_a (1 - s_b)``, ``p_neg = s_b (1 - s_a)``.
    """
    n, alpha = int(n), _check_alpha(alpha)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}.")
    if not (0 <= p_pos <= 1 and 0 <= p_neg <= 1 and p_pos + p_neg <= 1 + 1e-12):
        raise ValueError("p_pos and p_neg must be probabilities with p_pos + p_neg <= 1.")
    p_tie = max(0.0, 1 - p_pos - p_neg)
    total = 0.0
    for k in range(1, n + 1):  # k non-tied seeds
        pk = math.comb(n, k) * (p_pos + p_neg) ** k * p_tie ** (n - k)
        if pk == 0:
            continue
        q = p_pos / (p_pos + p_neg)
        # rejection region of the exact two-sided sign test on k signs
        for j in range(k + 1):
            lower = sum(math.comb(k, i) for i in range(0, j + 1)) / 2**k
            upper = sum(math.comb(k, i) for i in range(j, k + 1)) / 2**k
            if min(1.0, 2 * min(lower, upper)) <= alpha:
                total += pk * math.comb(k, j) * q**j * (1 - q) ** (k - j)
    return float(total)


def sign_seeds_needed(p_pos: float, p_neg: float, alpha: float = 0.05, target_power: float = 0.8,
                      n_max: int = 500) -> int | None:
    """Smallest number of seeds with :func:`sign_power` at least ``target_power`` (``None`` if
    more than ``n_max``). Power is not monotone in ``n`` for a discrete test; this is the first
    ``n`` that reaches it."""
    for n in range(1, int(n_max) + 1):
        if sign_power(n, p_pos, p_neg, alpha) >= target_power:
            return n
    return None


# ---------------------------------------------------------------------------------------------
# The old API (Chapter 4 until it switches): a paired t-test. Deprecated.
# ---------------------------------------------------------------------------------------------


# Two-sided 95% critical values of Student's t, by degrees of freedom (1..30); 1.96 beyond.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042)


def t_critical(df: int) -> float:
    """Two-sided 95% critical value of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError(f"df must be >= 1, got {df}.")
    return _T95[df - 1] if df <= len(_T95) else 1.96


@dataclass(frozen=True)
class Verdict:
    """The old paired t-test's result (**deprecated**, see :func:`paired_verdict`).

    Attributes:
        diff: per-seed differences ``metric(a) - metric(b)``.
        mean, std: their mean and sample standard deviation.  t: ``mean / (std / sqrt(n))``.
        wins: seeds on which ``a`` is higher.
        outcome: ``"better"`` or ``"worse"`` when a paired t-test rejects "no difference" at the 5%
            level (two-sided); ``"negligibly better"`` / ``"negligibly worse"`` when it does but the
            mean difference is below ``negligible``. When the test does not reject: ``"no
            difference"`` if the mean difference is below ``negligible``, else ``"inconclusive"``.
    """

    a: str
    b: str
    metric: str
    diff: np.ndarray
    mean: float
    std: float
    t: float
    wins: int
    outcome: str

    @property
    def n(self) -> int:
        """Number of seeds (paired differences)."""
        return len(self.diff)

    def sentence(self) -> str:
        """E.g. ``leaky 0.01 vs relu: +0.012 +- 0.004 (5 seeds, 5 wins): better``."""
        return (f"{self.a} vs {self.b}: {self.mean:+.3f} ± {self.std:.3f} ({self.n} seeds, "
                f"{self.wins} wins): {self.outcome}")


def paired_verdict(a: np.ndarray, b: np.ndarray, names: tuple[str, str] = ("a", "b"),
                   metric: str = "test_accuracy", negligible: float = 0.01) -> Verdict:
    """Paired t-test of ``a - b`` (one value per seed, same seeds); see :class:`Verdict`.

    **Deprecated** (issue 12, item 8), left unchanged so that Chapter 4's committed outputs do not
    move before its owner switches: its "no difference" follows from a non-significant test
    however wide the spread, its t-test assumes normal differences (seed-level outcomes here are
    often bimodal), and it makes no correction when several comparisons answer one question. Use
    :func:`verdict_family` (exact permutation test, exact interval, Holm's correction, outcomes
    better / worse / inconclusive) or :func:`compare` for a single comparison.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError("a and b must be 1-D arrays of the same length >= 2 (one value per seed).")
    d = a - b
    mean, std = float(d.mean()), float(d.std(ddof=1))
    if std == 0:
        t = 0.0 if mean == 0 else math.copysign(math.inf, mean)
    else:
        t = mean / (std / math.sqrt(len(d)))
    if abs(t) > t_critical(len(d) - 1):
        outcome = "better" if mean > 0 else "worse"
        if abs(mean) < negligible:
            outcome = "negligibly " + outcome
    else:
        outcome = "no difference" if abs(mean) < negligible else "inconclusive"
    return Verdict(names[0], names[1], metric, d, mean, std, float(t), int(np.sum(d > 0)), outcome)
