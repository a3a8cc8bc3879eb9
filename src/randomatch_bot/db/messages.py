"""The app's messages (`public.messages`) as the persona reads them, and their photos."""

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
class Message:
    """One message of a match."""

    id: uuid.UUID
    sender_id: uuid.UUID
    content: str
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Message:
        return cls(
            id=row["id"],
            sender_id=row["sender_id"],
            content=row["content"],
            created_at=row["created_at"],
        )


async def recent(conn: Conn, *, match_id: uuid.UUID, limit: int) -> list[Message]:
    """The newest `limit` messages of the match, newest first."""
    rows = await session.fetch(conn, SQL.recent_messages, match_id=match_id, limit=limit)
    return [Message.from_row(row) for row in rows]


async def new_human_photos(conn: Conn, *, match_id: uuid.UUID, bot_id: uuid.UUID) -> list[str]:
    """The photo URLs of the human's messages since the bot last wrote, oldest first (none
    where the app has no photos)."""
    rows = await session.fetch(conn, SQL.new_human_photos, match_id=match_id, bot_id=bot_id)
    return [row["url"] for row in rows]
