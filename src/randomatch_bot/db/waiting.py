"""Why a conversation's reply waits: its policy hold and its pending plan, as stored."""

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
class PendingReply(FromRow):
    """A conversation's hold and its pending plan; every field None where there is none."""

    hold_reason: str | None = None
    next_wake_at: dt.datetime | None = None
    plan_status: str | None = None
    read_due_at: dt.datetime | None = None
    retry_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class WaitingRow:
    """A conversation whose reply waits, with its persona."""

    match_id: uuid.UUID
    bot_id: uuid.UUID
    bot_name: str | None
    pending: PendingReply


async def pending_reply(conn: Conn, *, match_id: uuid.UUID) -> PendingReply:
    """The hold and pending plan of `match_id` (all None for an unknown match)."""
    row = await session.fetchrow(conn, SQL.presence_of_match, match_id=match_id)
    return PendingReply.from_row(row) if row else PendingReply()


async def waiting(conn: Conn, *, now: dt.datetime, limit: int) -> list[WaitingRow]:
    """Conversations held or whose reply is not yet read or waits for the model at `now`,
    soonest first, at most `limit`."""
    rows = await session.fetch(conn, SQL.waiting_conversations, now=now, limit=limit)
    return [
        WaitingRow(
            match_id=row["match_id"],
            bot_id=row["bot_id"],
            bot_name=row["bot_name"],
            pending=PendingReply.from_row(row),
        )
        for row in rows
    ]
