"""Conversations closed for good by what the person wrote (`bot.conversation_closures`):
`minor` (one closing line, then nothing) and `stop` (no follow-up any more). Recorded by the
engine, listed and reopened by the operator, confirmed by the reviewing model where one is set."""

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
    import asyncpg

    from randomatch_bot.db.types import Conn

REASONS = ("minor", "stop")


@dataclass(frozen=True, slots=True)
class Closures(FromRow):
    """What a step knows of a conversation's closings (see the query `closure_facts`)."""

    minor_id: int | None = None  # the open `minor` closing: the conversation is closed
    minor_message_id: uuid.UUID | None = None
    minor_plan_id: uuid.UUID | None = None  # its closing line's plan (also set-aside messages)
    minor_at: dt.datetime | None = None
    minor_reopened_at: dt.datetime | None = None  # only later messages may close it again
    minor_reopened_plan_id: uuid.UUID | None = None  # a closing line to drop if still going
    stop_id: int | None = None  # the open `stop` record: no follow-up
    stop_reopened_at: dt.datetime | None = None

    @classmethod
    def from_prefixed(cls, row: asyncpg.Record, prefix: str) -> Closures:
        """The closings of `row`, whose columns are named `prefix` + the field's name."""
        return cls(**{name: row[prefix + name] for name in _FIELDS})

    @property
    def closed(self) -> bool:
        """Closed for good: a person who said they are under 18."""
        return self.minor_id is not None

    @property
    def stopped(self) -> bool:
        """No follow-up: the person asked the persona to stop writing."""
        return self.stop_id is not None


_FIELDS = (
    "minor_id",
    "minor_message_id",
    "minor_plan_id",
    "minor_at",
    "minor_reopened_at",
    "minor_reopened_plan_id",
    "stop_id",
    "stop_reopened_at",
)


async def facts(conn: Conn, *, match_id: uuid.UUID) -> Closures:
    """The conversation's closings as a step reads them."""
    row = await session.fetchrow(conn, SQL.closure_facts, match_id=match_id)
    return Closures.from_row(row) if row else Closures()


async def close(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    reason: str,
    message_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
    closed_at: dt.datetime,
) -> int | None:
    """Record a closing; None when one of that reason is open already."""
    value = await session.fetchval(
        conn,
        SQL.close_conversation,
        match_id=match_id,
        reason=reason,
        message_id=message_id,
        plan_id=plan_id,
        closed_at=closed_at,
    )
    return int(value) if value is not None else None


async def insert_closing_plan(
    conn: Conn,
    *,
    plan_id: uuid.UUID,
    match_id: uuid.UUID,
    bot_id: uuid.UUID,
    epoch: int,
    trigger_message_ids: Sequence[uuid.UUID],
    parts: Sequence[str],
    read_due_at: dt.datetime,
    created_at: dt.datetime,
) -> None:
    """The closing line as a plan written in advance, and the conversation replying with it."""
    await session.execute(
        conn,
        SQL.insert_closing_plan,
        plan_id=plan_id,
        match_id=match_id,
        bot_id=bot_id,
        epoch=epoch,
        trigger_message_ids=list(trigger_message_ids),
        parts=list(parts),
        read_due_at=read_due_at,
        created_at=created_at,
    )


async def set_aside(
    conn: Conn, *, match_id: uuid.UUID, plan_id: uuid.UUID, message_ids: Sequence[uuid.UUID]
) -> None:
    """Messages of a closed conversation, handled by its closing: never answered."""
    await session.execute(
        conn,
        SQL.set_aside_messages,
        match_id=match_id,
        plan_id=plan_id,
        message_ids=list(message_ids),
    )


@dataclass(frozen=True, slots=True)
class Closing(FromRow):
    """A closing as the operator sees it."""

    id: int
    match_id: uuid.UUID
    reason: str
    message_id: uuid.UUID | None
    message: str | None  # what the person wrote (None: the app deleted it)
    closed_at: dt.datetime
    reopened_at: dt.datetime | None
    reopened_by: str | None
    confirmed: bool | None
    bot_id: uuid.UUID | None
    human_id: uuid.UUID | None
    conversation_status: str | None


async def listing(conn: Conn, *, which: str, reason: str | None, limit: int) -> list[Closing]:
    """At most `limit` closings, newest first: `which` is 'open', 'reopened' or 'all'."""
    rows = await session.fetch(
        conn, SQL.closed_conversations, which=which, reason=reason, limit=limit
    )
    return [Closing.from_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Reopened(FromRow):
    id: int
    reason: str
    plan_id: uuid.UUID | None


async def reopen(
    conn: Conn, *, match_id: uuid.UUID, reason: str | None, by: str, now: dt.datetime
) -> list[Reopened]:
    """Reopen the conversation's open closings (of `reason`, or all); the conversation closed
    for a minor goes back to idle."""
    rows = await session.fetch(
        conn, SQL.reopen_closures, match_id=match_id, reason=reason, by=by, now=now
    )
    reopened = [Reopened.from_row(r) for r in rows]
    if any(r.reason == "minor" for r in reopened):
        await session.execute(conn, SQL.reopen_conversation, match_id=match_id)
    return reopened


@dataclass(frozen=True, slots=True)
class ToReview(FromRow):
    """An open `minor` closing, with what the person wrote, for the reviewing model."""

    id: int
    match_id: uuid.UUID
    message_id: uuid.UUID | None
    confirmed: bool | None
    message: str | None
    before: list[str]  # the person's messages just before it, newest first


async def to_review(conn: Conn, *, closure_id: int) -> ToReview | None:
    """The open `minor` closing `closure_id`; None when it is gone or reopened."""
    row = await session.fetchrow(conn, SQL.closure_to_review, closure_id=closure_id)
    return ToReview.from_row(row) if row else None


async def set_confirmed(conn: Conn, *, closure_id: int, confirmed: bool) -> None:
    """Store the reviewing model's verdict on a closing."""
    await session.execute(conn, SQL.confirm_closure, closure_id=closure_id, confirmed=confirmed)


async def open_counts(conn: Conn) -> dict[str, int]:
    """Open closings by reason (none on a schema migrated before the closings' table)."""
    if not await session.fetchval(conn, SQL.closures_table_exists):
        return {}
    rows = await session.fetch(conn, SQL.closure_counts)
    return {r["reason"]: int(r["n"]) for r in rows}
