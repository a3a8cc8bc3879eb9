"""A conversation taken over by an operator (`bot.conversations.taken_over_until`): the state
the policy check reads, and the writes of `worker/takeover.py` (queries in
db/queries/takeover.sql)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class ActivePlan(FromRow):
    id: uuid.UUID
    typing: bool
    operator: bool
    greeting: bool  # an icebreaker


async def active_plan(conn: Conn, *, match_id: uuid.UUID) -> ActivePlan | None:
    """The conversation's plan in progress, saying whether the operator wrote it."""
    row = await session.fetchrow(conn, SQL.takeover_active_plan, match_id=match_id)
    return ActivePlan.from_row(row) if row else None


async def taken_over_until(conn: Conn, *, match_id: uuid.UUID) -> dt.datetime | None:
    """Until when an operator holds the conversation (None: never, or it ended)."""
    value: dt.datetime | None = await session.fetchval(conn, SQL.takeover_until, match_id=match_id)
    return value


async def start(
    conn: Conn, *, match_id: uuid.UUID, until: dt.datetime, reason: str | None, now: dt.datetime
) -> int | None:
    """Take the conversation over until `until`; its new epoch (None: no such conversation)."""
    epoch: int | None = await session.fetchval(
        conn, SQL.takeover_start, match_id=match_id, until=until, reason=reason, now=now
    )
    return epoch


async def extend(
    conn: Conn, *, match_id: uuid.UUID, until: dt.datetime, reason: str | None
) -> None:
    """Move a takeover's end (and reason), leaving the conversation's state alone."""
    await session.execute(conn, SQL.takeover_extend, match_id=match_id, until=until, reason=reason)


async def end(conn: Conn, *, match_id: uuid.UUID) -> bool:
    """Clear the takeover; False when the conversation was not taken over."""
    return await session.fetchval(conn, SQL.takeover_end, match_id=match_id) is not None


async def unopen(conn: Conn, *, match_id: uuid.UUID) -> None:
    """The match counts as not opened: its icebreaker, stopped, is written again later."""
    await session.execute(conn, SQL.takeover_unopen, match_id=match_id)


async def operator_plan(
    conn: Conn,
    *,
    plan_id: uuid.UUID,
    match_id: uuid.UUID,
    trigger_message_ids: Sequence[uuid.UUID],
    content: str,
    read_due_at: dt.datetime,
    now: dt.datetime,
) -> int | None:
    """Store the operator's message as a plan to read, type and send; the new epoch."""
    epoch: int | None = await session.fetchval(
        conn,
        SQL.operator_plan,
        plan_id=plan_id,
        match_id=match_id,
        trigger_message_ids=list(trigger_message_ids),
        content=content,
        read_due_at=read_due_at,
        now=now,
    )
    return epoch
