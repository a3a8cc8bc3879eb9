"""Typing indicators (`public.typing_indicators`, or Supabase Realtime Broadcast): the bot's,
which the engine writes, and the human's, which the app writes."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL
from randomatch_bot.process_metrics import METRICS

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
) -> bool:
    """The user's indicator over Realtime Broadcast (and the table with `both`); the table where
    the database cannot broadcast, or where the broadcast did not land (counted in
    `randomatch_typing_broadcast_fallbacks_total`). True when the broadcast was stored."""
    landed = await session.fetchval(
        conn,
        SQL.broadcast_typing,
        match_id=match_id,
        user_id=user_id,
        is_typing=is_typing,
        updated_at=now,
        transport=transport,
        expires_at=expires_at,
    )
    if transport != "table" and not landed:
        METRICS.typing_fallbacks.inc()
    return bool(landed)


async def human_typing(conn: Conn, *, match_id: uuid.UUID, human_id: uuid.UUID) -> TypingState:
    """The human's typing row (both fields None when the app never wrote one)."""
    row = await session.fetchrow(conn, SQL.human_typing, match_id=match_id, human_id=human_id)
    if row is None:
        return TypingState(None, None)
    return TypingState(is_typing=row["is_typing"], updated_at=row["updated_at"])


@dataclass(frozen=True, slots=True)
class RealtimeAccess:
    """What this connection's role may do with Supabase Realtime's `realtime.send`."""

    exists: bool  # the function is there (a Supabase project)
    schema_usage: bool  # USAGE on the schema `realtime`
    may_execute: bool  # EXECUTE on `realtime.send`
    role: str  # the role asking (current_user)

    @property
    def usable(self) -> bool:
        return self.exists and self.schema_usage and self.may_execute


async def realtime_access(conn: Conn) -> RealtimeAccess:
    """Whether `realtime.send(jsonb, text, text, boolean)` exists and this role may call it,
    from the catalogs (a missing privilege reads as False, it never raises)."""
    row = await session.fetchrow(conn, SQL.realtime_send_probe)
    if row is None:
        role = await session.fetchval(conn, SQL.current_role_name)
        return RealtimeAccess(False, False, False, str(role))
    return RealtimeAccess(True, bool(row["schema_usage"]), bool(row["may_execute"]), row["role"])
