"""Active hours: when the persona is awake, in its own timezone, and how long a reply waits.

Membership is decided on the local wall clock (a window `08:00-23:30` means what the persona's
clock shows), so DST days need no special case: the window simply lasts an hour more or less.
The next opening is the first instant after `now` at which the wall clock shows the start
time; in the spring-forward gap that is the instant the clocks jump, and in the repeated hour
of autumn it is the first occurrence still ahead.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from randomatch_bot.config import ActiveHours
from randomatch_bot.conversation.persona.timing import truncated_lognormal

__all__ = ["availability_delay", "is_active", "next_active_start"]

# After the window opens, the persona does not answer at the stroke of the hour: people look
# at their phone a while after waking. Pielot et al. (CHI 2014) measured a median of 6.15 min
# until a new message is seen during the day; first thing in the morning is slower. No
# published figure for that: median 12 min, most within the hour, is a design choice.
WAKE_OFFSET_MEDIAN = 12 * 60.0  # s
WAKE_OFFSET_SIGMA = 0.7
WAKE_OFFSET_BOUNDS = (2 * 60.0, 75 * 60.0)  # s

# Even while awake, people are away now and then (Dingler & Pielot 2015: attentive about
# 12.1 h a day, most inattentive spells short). A drawn absence lasts 20 min to 3 h.
ABSENCE_MEDIAN = 45 * 60.0  # s
ABSENCE_SIGMA = 0.7
ABSENCE_BOUNDS = (20 * 60.0, 3 * 3600.0)  # s

_BISECT_RESOLUTION = timedelta(seconds=1)  # UTC offsets change on whole seconds


def _in_window(wall: time, hours: ActiveHours) -> bool:
    if hours.always:
        return True
    start, end = hours.start, hours.end
    if end is None:
        return wall >= start
    if start < end:
        return start <= wall < end
    # end <= start wraps past midnight (22:00-02:00); start == end means the whole day.
    return wall >= start or wall < end


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _instants_showing(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants at which the local clock first shows `wall` (two in the autumn hour).

    A wall time inside the spring-forward gap never shows; the clock reaches it when it jumps,
    so the transition instant stands in for it.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if _wall(first, zone) == wall:
        return [first] if first == second else sorted({first, second})
    # In the gap, fold=1 maps to an instant before the jump and fold=0 to one after it;
    # bisect for the first instant whose wall time has reached `wall`.
    low, high = min(first, second), max(first, second)
    while high - low > _BISECT_RESOLUTION:
        middle = low + (high - low) / 2
        if _wall(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return [high.replace(microsecond=0)]


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime (UTC)")


def is_active(now: datetime, hours: ActiveHours, tz: str) -> bool:
    """True when the persona's local clock at `now` is inside its active hours."""
    _require_aware(now)
    return _in_window(now.astimezone(ZoneInfo(tz)).time(), hours)


def next_active_start(now: datetime, hours: ActiveHours, tz: str) -> datetime | None:
    """None when `now` is inside the active window; else the UTC instant it next opens.

    DST-safe (zoneinfo, wall-clock semantics), handles windows that wrap past midnight
    (`22:00-02:00`), and `00:00-24:00` is always active (always None).
    """
    _require_aware(now)
    if is_active(now, hours, tz):
        return None
    zone = ZoneInfo(tz)
    today: date = now.astimezone(zone).date()
    for offset in range(3):
        wall = datetime.combine(today + timedelta(days=offset), hours.start)
        for instant in _instants_showing(wall, zone):
            if instant > now:
                return instant
    raise AssertionError(f"no opening of {hours} within three days of {now}")  # pragma: no cover


def availability_delay(
    now: datetime,
    hours: ActiveHours,
    tz: str,
    rng: random.Random,
    *,
    time_scale: float = 1.0,
    absence_probability: float = 0.0,
) -> float:
    """Seconds to wait before the persona picks up the conversation, scaled by `time_scale`.

    Outside active hours: until the window next opens plus a wake-up offset (log-normal,
    `WAKE_OFFSET_BOUNDS`). Inside: 0.0, except that with `absence_probability` an occasional
    absence (`ABSENCE_BOUNDS`) is drawn. The whole wait is scaled, so at TIME_SCALE=0.01 a
    night message is answered about 100 times sooner: the delay is the plan, and the caller
    should not re-check the window after waiting it.
    """
    if time_scale < 0:
        raise ValueError(f"time_scale must be >= 0: {time_scale}")
    opens_at = next_active_start(now, hours, tz)
    if opens_at is None:
        if absence_probability > 0 and rng.random() < absence_probability:
            absence = truncated_lognormal(rng, ABSENCE_MEDIAN, ABSENCE_SIGMA, *ABSENCE_BOUNDS)
            return absence * time_scale
        return 0.0
    offset = truncated_lognormal(rng, WAKE_OFFSET_MEDIAN, WAKE_OFFSET_SIGMA, *WAKE_OFFSET_BOUNDS)
    return ((opens_at - now).total_seconds() + offset) * time_scale
