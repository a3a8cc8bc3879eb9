"""What the bridge's catch-up scan wakes: conversations whose NOTIFY (or Redis entry) was lost,
overdue steps, new matches never seen, and replies under way in matches that closed."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class ToWake(FromRow):
    """A conversation to wake, with its persona and the wake-up it missed (None when it has
    none: unanswered messages or a new match)."""

    match_id: uuid.UUID
    bot_id: uuid.UUID
    next_wake_at: dt.datetime | None


async def conversations_to_wake(
    conn: Conn,
    *,
    now: dt.datetime,
    lookback_s: float,
    slack_s: float,
    limit: int,
    revive: bool,
) -> list[ToWake]:
    """Conversations with unanswered human messages of the last `lookback_s` seconds and no
    wake-up on time, steps overdue by more than `slack_s`, or new matches never seen; dead
    letters only when `revive` and their human wrote since. Oldest due first, at most `limit`."""
    rows = await session.fetch(
        conn,
        SQL.conversations_to_wake,
        now=now,
        lookback_s=lookback_s,
        slack_s=slack_s,
        limit=limit,
        revive=revive,
    )
    return [ToWake.from_row(r) for r in rows]


async def closed_with_replies(conn: Conn) -> list[uuid.UUID]:
    """Matches unmatched or blocked while a reply is in progress there."""
    rows = await session.fetch(conn, SQL.closed_conversations_with_plans)
    return [r["match_id"] for r in rows]
