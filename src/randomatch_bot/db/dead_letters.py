"""Dead letters (`bot.dead_letters`): replies and steps given up after their last attempt,
recorded by the engine, listed, inspected and resolved by the operator."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A reply given up after its last attempt, with the state of its conversation."""

    id: int
    match_id: uuid.UUID | None
    plan_id: uuid.UUID | None
    bot_id: uuid.UUID | None
    task: str
    error: str
    attempts: int
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str | None
    conversation_status: str | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> DeadLetter:
        return cls(
            id=int(row["id"]),
            match_id=row["match_id"],
            plan_id=row["plan_id"],
            bot_id=row["bot_id"],
            task=row["task"],
            error=row["error"],
            attempts=row["attempts"],
            created_at=row["created_at"],
            resolved_at=row["resolved_at"],
            resolution=row["resolution"],
            conversation_status=row["conversation_status"],
        )


@dataclass(frozen=True, slots=True)
class DeadLetterDetail:
    """A dead letter with its payload (JSON text) and the plan it gave up on."""

    letter: DeadLetter
    payload: str | None
    plan_status: str | None
    model: str | None
    trigger_message_ids: list[uuid.UUID]

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> DeadLetterDetail:
        return cls(
            letter=DeadLetter.from_row(row),
            payload=row["payload"],
            plan_status=row["plan_status"],
            model=row["model"],
            trigger_message_ids=list(row["trigger_message_ids"] or []),
        )


@dataclass(frozen=True, slots=True)
class Message(FromRow):
    """A message of the app, as a dead letter's detail shows it."""

    id: uuid.UUID
    sender_id: uuid.UUID | None
    content: str
    created_at: dt.datetime
    read_at: dt.datetime | None


async def listing(conn: Conn, *, which: str, limit: int) -> list[DeadLetter]:
    """At most `limit` dead letters, newest first: `which` is 'open', 'resolved' or 'all'."""
    rows = await session.fetch(conn, SQL.api_dead_letters, which=which, limit=limit)
    return [DeadLetter.from_row(row) for row in rows]


async def detail(conn: Conn, *, letter_id: int) -> DeadLetterDetail | None:
    """The dead letter `letter_id` with its plan, or None if there is none."""
    row = await session.fetchrow(conn, SQL.api_dead_letter, letter_id=letter_id)
    return DeadLetterDetail.from_row(row) if row else None


async def messages(conn: Conn, *, ids: list[uuid.UUID]) -> list[Message]:
    """The messages of `ids` that still exist, oldest first."""
    rows = await session.fetch(conn, SQL.api_messages_by_id, ids=ids)
    return [Message.from_row(row) for row in rows]


async def open_ids(conn: Conn) -> list[int]:
    """Every open dead letter, oldest first."""
    rows = await session.fetch(conn, SQL.open_dead_letter_ids)
    return [int(row["id"]) for row in rows]


async def resolve(conn: Conn, *, letter_id: int, resolution: str) -> bool:
    """Resolve the letter as 'retried' or 'discarded'; False when it was not open."""
    row = await session.fetchrow(
        conn, SQL.api_resolve_dead_letter, letter_id=letter_id, resolution=resolution
    )
    return row is not None


async def give_up_messages(conn: Conn, *, plan_id: uuid.UUID) -> None:
    """Record the messages `plan_id` was answering as handled by it, so nothing tries them
    again."""
    await session.execute(conn, SQL.api_give_up_messages, plan_id=plan_id)


async def resume_conversation(conn: Conn, *, match_id: uuid.UUID) -> None:
    """A conversation parked on a dead letter goes back to idle; any other is left alone."""
    await session.execute(conn, SQL.api_conversation_resume, match_id=match_id)


@dataclass(frozen=True, slots=True)
class OpenLetter:
    """An open (unresolved) dead letter of a conversation."""

    id: int
    created_at: dt.datetime


async def insert(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    plan_id: uuid.UUID | None,
    task: str,
    payload: Mapping[str, object],
    error: str,
    attempts: int,
) -> int:
    """Record a dead letter for an operator; returns its id."""
    letter_id = await session.fetchval(
        conn,
        SQL.insert_dead_letter,
        match_id=match_id,
        plan_id=plan_id,
        task=task,
        payload=json.dumps(payload),
        error=error,
        attempts=attempts,
    )
    return int(letter_id)


async def open_of(conn: Conn, *, match_id: uuid.UUID) -> list[OpenLetter]:
    """The conversation's open dead letters, newest first."""
    rows = await session.fetch(conn, SQL.open_dead_letters_of, match_id=match_id)
    return [OpenLetter(id=row["id"], created_at=row["created_at"]) for row in rows]


async def revive(conn: Conn, *, match_id: uuid.UUID) -> None:
    """Mark the conversation's open dead letters retried."""
    await session.execute(conn, SQL.revive_dead_letters, match_id=match_id)
