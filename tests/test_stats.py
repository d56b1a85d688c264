"""The statistics shared by the chapters (issue 11): dying_relu.stats, moved as is from fixes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dying_relu import fixes, stats


def test_fixes_names_are_the_stats_ones():
    assert fixes.paired_verdict is stats.paired_verdict and fixes.t_critical is stats.t_critical
    assert fixes.Verdict is stats.Verdict


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
