"""The grouping window stays open while the human's own typing row is on, up to a cap."""

from __future__ import annotations

import datetime as dt

from randomatch_bot.conversation.plan.typing_wait import (
    TYPING_HOLD_CAP,
    TYPING_RECHECK,
    TYPING_STALE,
    hold_while_typing,
)

T0 = dt.datetime(2026, 6, 13, 10, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_typing_holds_and_looks_again_soon() -> None:
    """A fresh "typing" row holds the reply and asks to look again after a short recheck."""
    assert hold_while_typing(at(10), T0, True, at(9), 1.0) == at(10 + TYPING_RECHECK)


def test_no_row_or_typing_off_answers_now() -> None:
    """Without a row, or with the row off, nothing is held."""
    assert hold_while_typing(at(10), T0, None, None, 1.0) is None
    assert hold_while_typing(at(10), T0, False, at(9), 1.0) is None


def test_stale_row_is_ignored() -> None:
    """A row left on by an app that stopped refreshing it does not hold the reply."""
    assert hold_while_typing(at(100), T0, True, at(100 - TYPING_STALE - 1), 1.0) is None


def test_hold_stops_at_the_cap() -> None:
    """However long the human types, the reply waits at most the cap after the first message."""
    near_cap = TYPING_HOLD_CAP - 1
    assert hold_while_typing(at(near_cap), T0, True, at(near_cap), 1.0) == at(TYPING_HOLD_CAP)
    assert hold_while_typing(at(TYPING_HOLD_CAP), T0, True, at(TYPING_HOLD_CAP), 1.0) is None


def test_time_scale_shrinks_every_delay() -> None:
    """TIME_SCALE applies to the recheck, the staleness and the cap alike."""
    assert hold_while_typing(at(1), T0, True, at(1), 0.1) == at(1 + TYPING_RECHECK * 0.1)
    assert hold_while_typing(at(TYPING_HOLD_CAP * 0.1), T0, True, at(12), 0.1) is None
