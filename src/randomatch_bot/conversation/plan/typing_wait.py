"""Waiting while the human types: their own row in `typing_indicators` keeps the grouping
window open, so a burst gets one reply after they have finished.

The app writes `is_typing` for the human as for the bot. While that row says the human is
typing, the reply waits and looks again shortly; it stops waiting at a cap counted from the
first unanswered message (nobody should wait forever on a phone left with the keyboard open),
and ignores a row not refreshed for a while (an app that crashed mid-typing). Pure function.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["TYPING_HOLD_CAP", "TYPING_RECHECK", "TYPING_STALE", "hold_while_typing"]

TYPING_STALE = 60.0  # s (before TIME_SCALE): an "on" row older than this is a leftover
TYPING_HOLD_CAP = 120.0  # s (before TIME_SCALE) after the first unanswered message
TYPING_RECHECK = 3.0  # s (before TIME_SCALE) between looks while the human types


def hold_while_typing(
    now: dt.datetime,
    first_unanswered_at: dt.datetime,
    is_typing: bool | None,
    typing_updated_at: dt.datetime | None,
    time_scale: float,
) -> dt.datetime | None:
    """When to look again if the human is typing now, else None (answer now).

    `is_typing` / `typing_updated_at` are the human's row in `typing_indicators` (None when
    there is none).
    """
    if not is_typing or typing_updated_at is None:
        return None
    if (now - typing_updated_at).total_seconds() > TYPING_STALE * time_scale:
        return None
    cap = first_unanswered_at + dt.timedelta(seconds=TYPING_HOLD_CAP * time_scale)
    if now >= cap:
        return None
    return min(now + dt.timedelta(seconds=TYPING_RECHECK * time_scale), cap)
