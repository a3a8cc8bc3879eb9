"""A chat as the demo page and the terminal chat show it: the newest messages, those since a
moment, whether the other side types, and the hiker's messages written from either."""

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
class ChatMessage(FromRow):
    """A message of the match, and when its recipient read it (None: not yet)."""

    id: uuid.UUID
    sender_id: uuid.UUID
    content: str
    created_at: dt.datetime
    read_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class PostedMessage(FromRow):
    """A message just written: its id and the database's time of writing."""

    id: uuid.UUID
    created_at: dt.datetime


async def recent_messages(conn: Conn, *, match_id: uuid.UUID, limit: int) -> list[ChatMessage]:
    """The newest `limit` messages of the match, oldest first."""
    rows = await session.fetch(conn, SQL.api_chat_recent, match_id=match_id, limit=limit)
    return [ChatMessage.from_row(r) for r in rows]


async def messages_since(
    conn: Conn, *, match_id: uuid.UUID, since: dt.datetime
) -> list[ChatMessage]:
    """The match's messages written or read after `since`, oldest first."""
    rows = await session.fetch(conn, SQL.chat_messages_since, match_id=match_id, since=since)
    return [ChatMessage.from_row(row) for row in rows]


async def is_typing(conn: Conn, *, match_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether `user_id`'s typing indicator is on in the match."""
    return bool(await session.fetchval(conn, SQL.is_typing, match_id=match_id, user_id=user_id))


async def post_message(
    conn: Conn, *, match_id: uuid.UUID, sender_id: uuid.UUID, content: str
) -> PostedMessage:
    """Write `content` in the match as `sender_id`, as the app would."""
    row = await session.fetchrow(
        conn, SQL.insert_message, match_id=match_id, sender_id=sender_id, content=content
    )
    assert row is not None  # an INSERT ... RETURNING of one row returns it
    return PostedMessage.from_row(row)
