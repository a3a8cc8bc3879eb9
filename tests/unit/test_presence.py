"""The presence shown next to the persona's name, from its hours, pending reply and holds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from randomatch_bot.config import ActiveHours
from randomatch_bot.conversation.persona.presence import PresenceState, clock_time, presence
from tests.support.night import night_offset

HOURS = ActiveHours("08:00-23:30")
PARIS = "Europe/Paris"
# 2026-01-15 is winter time in Paris: UTC+1.
NIGHT = dt.datetime(2026, 1, 15, 1, 30, tzinfo=dt.UTC)  # 02:30 in Paris
DAY = dt.datetime(2026, 1, 15, 14, 0, tzinfo=dt.UTC)  # 15:00 in Paris


def test_awake_with_nothing_pending_is_online() -> None:
    """In the active hours with no reply waiting, the header says "en ligne"."""
    shown = presence(DAY, hours=HOURS, tz=PARIS)
    assert (shown.state, shown.label, shown.until) == (PresenceState.ONLINE, "en ligne", None)


def test_night_without_a_reply_pending_says_when_the_hours_open() -> None:
    """At night with nothing pending, she sleeps and answers from the opening of her hours."""
    shown = presence(NIGHT, hours=HOURS, tz=PARIS)
    assert shown.state is PresenceState.ASLEEP
    assert shown.label == "dort · répond vers 8\u00a0h"
    assert shown.until == dt.datetime(2026, 1, 15, 7, 0, tzinfo=dt.UTC)
    assert shown.reason == "night"


def test_night_with_a_reply_planned_gives_its_time() -> None:
    """At night the label gives the planned read time, in the persona's own timezone."""
    due = dt.datetime(2026, 1, 15, 7, 10, tzinfo=dt.UTC)
    shown = presence(NIGHT, hours=HOURS, tz=PARIS, read_due_at=due)
    assert shown.label == "dort · répond vers 8\u00a0h\u00a010"
    assert shown.until == due


def test_a_long_wait_in_the_day_is_an_absence() -> None:
    """A reply planned far beyond reading time, in the day, shows "absente" until then."""
    due = DAY + dt.timedelta(minutes=40)
    shown = presence(DAY, hours=HOURS, tz=PARIS, read_due_at=due)
    assert (shown.state, shown.label, shown.until, shown.reason) == (
        PresenceState.AWAY,
        "absente",
        due,
        "absence",
    )


def test_a_short_read_delay_stays_online() -> None:
    """A few seconds of reading are not an absence: "en ligne"."""
    shown = presence(DAY, hours=HOURS, tz=PARIS, read_due_at=DAY + dt.timedelta(seconds=20))
    assert shown.state is PresenceState.ONLINE


def test_absence_threshold_follows_the_time_scale() -> None:
    """At TIME_SCALE=0.01 a 12-second wait is the scaled image of a 20-minute absence."""
    due = DAY + dt.timedelta(seconds=12)
    scaled = presence(DAY, hours=HOURS, tz=PARIS, read_due_at=due, absent_after=3.0)
    assert scaled.state is PresenceState.AWAY


def test_reading_done_or_due_is_online_even_at_night() -> None:
    """Once the reply is read (thinking, typing) or due, she is there: "en ligne"."""
    typing = presence(NIGHT, hours=HOURS, tz=PARIS, read_due_at=NIGHT, reading=False)
    due = presence(NIGHT, hours=HOURS, tz=PARIS, read_due_at=NIGHT - dt.timedelta(seconds=1))
    assert typing.state is PresenceState.ONLINE
    assert due.state is PresenceState.ONLINE


def test_policy_hold_shows_away_with_its_reason() -> None:
    """A reply held by a rate limit shows "absente" with the policy and its end."""
    until = DAY + dt.timedelta(minutes=7)
    shown = presence(DAY, hours=HOURS, tz=PARIS, held_until=until, hold_reason="match rate limit")
    assert (shown.state, shown.until, shown.reason) == (
        PresenceState.AWAY,
        until,
        "match rate limit",
    )
    expired = presence(DAY, hours=HOURS, tz=PARIS, held_until=DAY, hold_reason="x")
    assert expired.state is PresenceState.ONLINE


def test_hours_offset_moves_the_persona_clock() -> None:
    """HOURS_CLOCK_OFFSET judges the hours, and shows times, on the shifted clock."""
    offset = dt.timedelta(seconds=night_offset(DAY, PARIS))
    shown = presence(DAY, hours=HOURS, tz=PARIS, hours_offset=offset)
    assert shown.state is PresenceState.ASLEEP
    assert shown.label == "dort · répond vers 8\u00a0h"
    assert shown.until is not None
    assert shown.until + offset == dt.datetime(2026, 1, 16, 7, 0, tzinfo=dt.UTC)


def test_always_awake_never_sleeps() -> None:
    """`00:00-24:00` is online at any hour."""
    assert presence(NIGHT, hours=ActiveHours("00:00-24:00"), tz=PARIS).label == "en ligne"


def test_naive_now_is_refused() -> None:
    """A naive `now` is a bug in the caller, not a time to guess."""
    with pytest.raises(ValueError, match="aware"):
        presence(dt.datetime(2026, 1, 15, 2, 30), hours=HOURS, tz=PARIS)


@pytest.mark.parametrize(
    ("utc", "text"),
    [((7, 10), "8 h 10"), ((7, 0), "8 h"), ((22, 5), "23 h 05")],
)
def test_clock_time_is_written_the_french_way(utc: tuple[int, int], text: str) -> None:
    """Local times read "8 h 10", "8 h", "23 h 05"."""
    instant = dt.datetime(2026, 1, 15, *utc, tzinfo=dt.UTC)
    assert clock_time(instant, PARIS) == text


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2026, 1, 15, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 15, 1, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 15, 12, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),  # the spring-forward night
    ],
)
def test_night_offset_lands_at_three_in_paris(now: dt.datetime) -> None:
    """The night mode's offset brings the Paris clock to 03:00, never backwards."""
    offset = night_offset(now)
    shifted = now + dt.timedelta(seconds=offset)
    assert shifted.astimezone(ZoneInfo(PARIS)).time() == dt.time(3, 0)
    assert 0 < offset <= 86400 + 3600


def test_status_describes_a_waiting_conversation() -> None:
    """`status` prints the match, the bot, why its reply waits and how long is left."""
    from randomatch_bot.cli import _describe_wait

    until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2, minutes=5, seconds=30)
    line = _describe_wait(
        {
            "match_id": "12345678-aaaa-4bbb-8ccc-000000000000",
            "bot": "Camille",
            "reason": "night",
            "until": until.isoformat(),
        }
    )
    assert line.startswith("match 12345678… (Camille): night, until ")
    assert line.endswith("(in 2 h 05 min)")
