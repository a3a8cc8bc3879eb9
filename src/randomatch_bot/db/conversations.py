"""The service's row per conversation (`bot.conversations`): its epoch, status and hold."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation as the engine reads it under its lock."""

    match_id: uuid.UUID
    bot_id: uuid.UUID
    human_id: uuid.UUID
    epoch: int
    status: str
    baseline_at: dt.datetime | None
    next_wake_at: dt.datetime | None
    last_error: str | None
    opened_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Conversation:
        return cls(
            match_id=row["match_id"],
            bot_id=row["bot_id"],
            human_id=row["human_id"],
            epoch=row["epoch"],
            status=row["status"],
            baseline_at=row["baseline_at"],
            next_wake_at=row["next_wake_at"],
            last_error=row["last_error"],
            opened_at=row["opened_at"],
        )


async def lock(conn: Conn, *, match_id: uuid.UUID) -> Conversation | None:
    """The conversation of `match_id`, locked until the transaction ends; None if unknown."""
    row = await session.fetchrow(conn, SQL.lock_conversation, match_id=match_id)
    return Conversation.from_row(row) if row else None
