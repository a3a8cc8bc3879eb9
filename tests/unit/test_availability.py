"""Active hours in the persona's timezone: wall-clock windows, DST, wrap-around, delays."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from randomatch_bot.config import ActiveHours
from randomatch_bot.conversation.persona.availability import (
    ABSENCE_BOUNDS,
    WAKE_OFFSET_BOUNDS,
    availability_delay,
    is_active,
    next_active_start,
)

PARIS = "Europe/Paris"
DAY = ActiveHours("08:00-23:30")
N = 5000


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_inside_window_is_active_now() -> None:
    """A message at 14:00 Paris time needs no waiting."""
    assert next_active_start(utc(2026, 6, 10, 12, 0), DAY, PARIS) is None


def test_night_message_waits_for_morning() -> None:
    """At 03:00 Paris (summer) the window opens at 08:00 CEST, i.e. 06:00 UTC."""
    assert next_active_start(utc(2026, 6, 10, 1, 0), DAY, PARIS) == utc(2026, 6, 10, 6, 0)


def test_late_evening_waits_for_next_day() -> None:
    """At 23:45 Paris the window has closed and opens again the next morning."""
    assert next_active_start(utc(2026, 6, 10, 21, 45), DAY, PARIS) == utc(2026, 6, 11, 6, 0)
    assert next_active_start(utc(2026, 6, 10, 21, 29), DAY, PARIS) is None


def test_spring_forward_day_opens_at_local_eight() -> None:
    """On 2026-03-29 clocks jump 02:00→03:00: 08:00 is 06:00 UTC, the day before 07:00 UTC."""
    assert next_active_start(utc(2026, 3, 28, 1, 0), DAY, PARIS) == utc(2026, 3, 28, 7, 0)
    assert next_active_start(utc(2026, 3, 29, 0, 30), DAY, PARIS) == utc(2026, 3, 29, 6, 0)
    assert next_active_start(utc(2026, 3, 28, 22, 45), DAY, PARIS) == utc(2026, 3, 29, 6, 0)


def test_fall_back_day_opens_at_local_eight() -> None:
    """On 2026-10-25 clocks go back 03:00→02:00: 08:00 CET is 07:00 UTC."""
    assert next_active_start(utc(2026, 10, 25, 0, 30), DAY, PARIS) == utc(2026, 10, 25, 7, 0)
    assert next_active_start(utc(2026, 10, 24, 22, 0), DAY, PARIS) == utc(2026, 10, 25, 7, 0)
    assert next_active_start(utc(2026, 10, 24, 1, 0), DAY, PARIS) == utc(2026, 10, 24, 6, 0)


def test_window_starting_inside_spring_gap_opens_at_the_jump() -> None:
    """02:30 never shows on 2026-03-29: the window opens when the clock jumps to 03:00."""
    hours = ActiveHours("02:30-06:00")
    assert next_active_start(utc(2026, 3, 29, 0, 30), hours, PARIS) == utc(2026, 3, 29, 1, 0)
    assert is_active(utc(2026, 3, 29, 1, 0), hours, PARIS)
    assert not is_active(utc(2026, 3, 29, 1, 0) - timedelta(seconds=1), hours, PARIS)


def test_window_starting_in_repeated_hour_uses_next_occurrence() -> None:
    """In the hour that repeats on 2026-10-25 the next opening is the occurrence still ahead."""
    hours = ActiveHours("02:15-02:45")
    # 02:00 CEST (first pass): opens at 02:15 CEST = 00:15 UTC.
    assert next_active_start(utc(2026, 10, 25, 0, 0), hours, PARIS) == utc(2026, 10, 25, 0, 15)
    # 02:10 CET (second pass): opens at 02:15 CET = 01:15 UTC.
    assert next_active_start(utc(2026, 10, 25, 1, 10), hours, PARIS) == utc(2026, 10, 25, 1, 15)


def test_window_wrapping_past_midnight() -> None:
    """22:00-02:00 is active late evening and after midnight, closed from 02:00 to 22:00."""
    night = ActiveHours("22:00-02:00")
    assert next_active_start(utc(2026, 6, 10, 21, 30), night, PARIS) is None  # 23:30
    assert next_active_start(utc(2026, 6, 10, 23, 30), night, PARIS) is None  # 01:30
    assert next_active_start(utc(2026, 6, 11, 0, 0), night, PARIS) == utc(2026, 6, 11, 20, 0)
    assert next_active_start(utc(2026, 6, 11, 10, 0), night, PARIS) == utc(2026, 6, 11, 20, 0)


def test_window_ending_at_midnight() -> None:
    """18:00-24:00 is active until midnight and opens again at 18:00."""
    evening = ActiveHours("18:00-24:00")
    assert next_active_start(utc(2026, 1, 10, 22, 59), evening, PARIS) is None
    assert next_active_start(utc(2026, 1, 10, 23, 0), evening, PARIS) == utc(2026, 1, 11, 17, 0)


@pytest.mark.parametrize(
    "instant",
    [utc(2026, 3, 29, 1, 0), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30), utc(2026, 1, 1)],
)
def test_always_on(instant: datetime) -> None:
    """00:00-24:00 is always active, DST nights included."""
    assert next_active_start(instant, ActiveHours("00:00-24:00"), PARIS) is None


def test_naive_now_is_refused() -> None:
    """A naive datetime is a programming error, not a local time to guess at."""
    with pytest.raises(ValueError, match="aware"):
        next_active_start(datetime(2026, 6, 10, 12, 0), DAY, PARIS)


@settings(max_examples=300, deadline=None)
@given(
    instant=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    window=st.sampled_from(
        ["08:00-23:30", "22:00-02:00", "02:30-03:15", "00:00-24:00", "09:00-09:00"]
    ),
    tz=st.sampled_from([PARIS, "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]),
)
def test_next_start_is_the_first_active_instant(instant: datetime, window: str, tz: str) -> None:
    """The result is None exactly when active; otherwise a later instant, active, and the first."""
    hours = ActiveHours(window)
    opens = next_active_start(instant, hours, tz)
    assert (opens is None) == is_active(instant, hours, tz)
    if opens is not None:
        assert opens > instant
        assert opens.tzinfo is UTC
        assert is_active(opens, hours, tz)
        assert not is_active(opens - timedelta(seconds=1), hours, tz)
        assert opens - instant <= timedelta(hours=25)


def test_delay_is_zero_when_active() -> None:
    """During active hours and without absences the reply does not wait."""
    assert availability_delay(utc(2026, 6, 10, 12, 0), DAY, PARIS, random.Random(1)) == 0.0


def test_night_message_answered_next_morning_with_offset() -> None:
    """A 03:00 message waits until 08:00 plus a wake-up offset of a few minutes to ~1 h."""
    now = utc(2026, 6, 10, 1, 0)
    until_open = 5 * 3600.0
    rng = random.Random(5)
    offsets = [availability_delay(now, DAY, PARIS, rng) - until_open for _ in range(N)]
    assert WAKE_OFFSET_BOUNDS[0] <= min(offsets)
    assert max(offsets) <= WAKE_OFFSET_BOUNDS[1]
    assert 8 * 60 <= statistics.median(offsets) <= 16 * 60
    assert statistics.mean(offsets) > statistics.median(offsets)  # a few sleep in


def test_availability_delay_scales_with_time_scale() -> None:
    """TIME_SCALE applies to the whole wait, draw for draw; 0 removes it."""
    now = utc(2026, 6, 10, 1, 0)
    a, b = random.Random(9), random.Random(9)
    for _ in range(500):
        slow = availability_delay(now, DAY, PARIS, a)
        fast = availability_delay(now, DAY, PARIS, b, time_scale=0.01)
        assert fast == pytest.approx(slow * 0.01, rel=1e-9)
    assert availability_delay(now, DAY, PARIS, random.Random(1), time_scale=0.0) == 0.0


def test_occasional_absence_during_active_hours() -> None:
    """With absence_probability 0.1 about one reply in ten waits 20 min to 3 h."""
    now = utc(2026, 6, 10, 12, 0)
    rng = random.Random(2)
    delays = [availability_delay(now, DAY, PARIS, rng, absence_probability=0.1) for _ in range(N)]
    absences = [d for d in delays if d > 0]
    assert len(absences) / N == pytest.approx(0.1, abs=0.015)
    assert ABSENCE_BOUNDS[0] <= min(absences)
    assert max(absences) <= ABSENCE_BOUNDS[1]
    assert 30 * 60 <= statistics.median(absences) <= 70 * 60
