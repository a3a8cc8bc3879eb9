"""Dead letters (`bot.dead_letters`): replies and steps given up after their last attempt."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


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
