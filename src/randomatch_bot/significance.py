"""Confidence intervals and a test of difference for the engagement figures of a persona's
variants (api/engagement.py): the Wilson score interval of a rate, the normal interval of a
mean, and the two-proportion z-test of one rate against another. Pure functions; the
normal distribution comes from `math.erfc`, so no statistics package is needed."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile: a two-sided 95 % interval
ALPHA = 0.05  # a difference is significant below this p-value
MIN_EXPECTED = 5  # successes and failures each group needs for the normal approximation


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of `successes`/`n` (None when n is 0)."""
    if n <= 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(
    mean: float | None, stddev: float | None, n: int, z: float = Z95
) -> tuple[float, float] | None:
    """The normal interval of a mean from its sample standard deviation (None under 2)."""
    if mean is None or stddev is None or n < 2:
        return None
    half = z * stddev / math.sqrt(n)
    return mean - half, mean + half


def normal_two_sided_p(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass(frozen=True, slots=True)
class Difference:
    """One rate against another's: the difference, the z statistic, its two-sided p-value,
    and whether it is significant; `enough` is False when either group is too small for the
    test to say anything yet (then it is never significant)."""

    difference: float
    z: float | None
    p_value: float | None
    significant: bool
    enough: bool


def two_proportions(x1: int, n1: int, x2: int, n2: int, alpha: float = ALPHA) -> Difference:
    """The pooled two-proportion z-test of x2/n2 against x1/n1 (two-sided)."""
    p1 = x1 / n1 if n1 else 0.0
    p2 = x2 / n2 if n2 else 0.0
    enough = (
        all(count >= MIN_EXPECTED for count in (x1, n1 - x1, x2, n2 - x2)) and n1 > 0 and n2 > 0
    )
    pooled = (x1 + x2) / (n1 + n2) if n1 + n2 else 0.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if n1 and n2 else 0.0
    if se == 0:
        return Difference(p2 - p1, None, None, False, enough)
    z = (p2 - p1) / se
    p = normal_two_sided_p(z)
    return Difference(p2 - p1, z, p, enough and p < alpha, enough)
