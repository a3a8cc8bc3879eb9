"""The engagement statistics against published values: Wilson intervals (Newcombe 1998,
table I), the pooled two-proportion z-test, a mean's normal interval."""

from __future__ import annotations

import math

import pytest

from randomatch_bot import significance


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),  # the brief's example: [0.490, 0.943]
        (81, 263, 0.2553, 0.3662),  # Newcombe 1998, example (a)
        (15, 148, 0.0624, 0.1605),  # Newcombe 1998, example (b)
        (0, 20, 0.0, 0.1611),  # Newcombe 1998, example (c)
        (1, 29, 0.0061, 0.1718),  # Newcombe 1998, example (d)
    ],
)
def test_wilson_interval(x: int, n: int, low: float, high: float) -> None:
    found = significance.wilson(x, n)
    assert found is not None
    assert found[0] == pytest.approx(low, abs=5e-4)
    assert found[1] == pytest.approx(high, abs=5e-4)


def test_wilson_of_nothing_is_none() -> None:
    assert significance.wilson(0, 0) is None


def test_two_proportions_known_value() -> None:
    """40/100 against 60/100: z = 0.2 / sqrt(0.5 * 0.5 * 0.02) = 2.828, p = 0.00468."""
    d = significance.two_proportions(40, 100, 60, 100)
    assert d.difference == pytest.approx(0.2)
    assert d.z == pytest.approx(2 * math.sqrt(2))
    assert d.p_value == pytest.approx(0.004678, abs=1e-5)
    assert d.significant
    assert d.enough


def test_a_small_difference_is_not_significant() -> None:
    """45/100 against 50/100: p = 0.48."""
    d = significance.two_proportions(45, 100, 50, 100)
    assert d.p_value == pytest.approx(0.4795, abs=1e-3)
    assert not d.significant


def test_too_few_is_never_significant() -> None:
    """1/4 against 4/4 is a large gap, but too few for the test: not significant, not enough."""
    d = significance.two_proportions(1, 4, 4, 4)
    assert not d.enough
    assert not d.significant
    assert significance.two_proportions(0, 0, 3, 10).z is None


def test_normal_p_value() -> None:
    assert significance.normal_two_sided_p(1.959963984540054) == pytest.approx(0.05)
    assert significance.normal_two_sided_p(0.0) == pytest.approx(1.0)


def test_mean_interval() -> None:
    """Mean 4, sd 2, n 16: 4 +- 1.96 * 0.5."""
    low, high = significance.mean_interval(4.0, 2.0, 16) or (0.0, 0.0)
    assert (low, high) == pytest.approx((4 - 0.98, 4 + 0.98), abs=1e-3)
    assert significance.mean_interval(4.0, None, 16) is None
    assert significance.mean_interval(4.0, 1.0, 1) is None
