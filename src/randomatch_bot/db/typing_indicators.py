"""Typing indicators (`public.typing_indicators`, or Supabase Realtime Broadcast): the bot's,
which the engine writes, and the human's, which the app writes."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class TypingState:
    """A typing row as the app wrote it."""

    is_typing: bool | None
    updated_at: dt.datetime | None


async def write(
    conn: Conn, *, match_id: uuid.UUID, user_id: uuid.UUID, is_typing: bool, now: dt.datetime
) -> None:
    """The user's indicator on or off in the app's table."""
    await session.execute(
        conn,
        SQL.set_typing,
        match_id=match_id,
        user_id=user_id,
        is_typing=is_typing,
        updated_at=now,
    )


async def broadcast(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    user_id: uuid.UUID,
    is_typing: bool,
    now: dt.datetime,
    transport: str,
    expires_at: dt.datetime | None,
) -> None:
    """The user's indicator over Realtime Broadcast (and the table with `both`); the table where
    the database cannot broadcast."""
    await session.execute(
        conn,
        SQL.broadcast_typing,
        match_id=match_id,
        user_id=user_id,
        is_typing=is_typing,
        updated_at=now,
        transport=transport,
        expires_at=expires_at,
    )


async def human_typing(conn: Conn, *, match_id: uuid.UUID, human_id: uuid.UUID) -> TypingState:
    """The human's typing row (both fields None when the app never wrote one)."""
    row = await session.fetchrow(conn, SQL.human_typing, match_id=match_id, human_id=human_id)
    if row is None:
        return TypingState(None, None)
    return TypingState(is_typing=row["is_typing"], updated_at=row["updated_at"])


async def realtime_available(conn: Conn) -> bool:
    """Whether Supabase Realtime's `realtime.send(jsonb, text, text, boolean)` exists."""
    return bool(await session.fetchval(conn, SQL.realtime_send_exists))
