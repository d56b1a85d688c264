"""Statistics shared by the chapters' experiments: paired comparisons across seeds.

Introduced in Chapter 4 (which fix beats ReLU, seed by seed) and shared with Chapter 5. Every
experiment of the course runs each configuration on the same seeds, so two configurations can be
compared *paired*: one difference per seed, which removes the variation the seed causes in both.

- :func:`t_critical`: two-sided 95% critical values of Student's t (a table, no SciPy).
- :func:`paired_verdict` and :class:`Verdict`: a paired t-test on per-seed values with a
  "negligible" threshold, summarised in one of six outcomes and a sentence.

Inputs are one value per seed (shape ``(n_seeds,)``), in the metric's own unit (accuracy as a
fraction, loss in nats, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Verdict", "paired_verdict", "t_critical"]


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
    """A paired comparison of ``a`` against ``b`` (e.g. two fixes) on the same seeds.

    Attributes:
        diff: per-seed differences ``metric(a) - metric(b)``.
        mean, std: their mean and sample standard deviation.  t: ``mean / (std / sqrt(n))``.
        wins: seeds on which ``a`` is higher.
        outcome: ``"better"`` or ``"worse"`` when a paired t-test rejects "no difference" at the 5%
            level (two-sided; with few seeds only large or very consistent differences count);
            ``"negligibly better"`` / ``"negligibly worse"`` when it does but the mean difference is
            below ``negligible`` (default 0.01: one point of accuracy). When the test does not
            reject: ``"no difference"`` if the mean difference is below ``negligible``, else
            ``"inconclusive"`` (a sizeable average difference, but too noisy across seeds to call).
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
    """Paired t-test of ``a - b`` (one value per seed, same seeds); see :class:`Verdict`."""
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
