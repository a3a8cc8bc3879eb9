"""A match's long-term memory as stored (`bot.memories`): summary, facts, and how far they reach."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from randomatch_bot.db import session
from randomatch_bot.db.messages import Message
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class MemoryRow:
    """The stored summary and facts of a match, and the instant they cover messages through."""

    summary: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)
    covered_through: dt.datetime | None = None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> MemoryRow:
        return cls(
            summary=row["summary"],
            facts=_as_facts(row["facts"]),
            covered_through=row["covered_through"],
        )


def _as_facts(value: Any) -> dict[str, Any]:
    # asyncpg hands jsonb over as text unless a codec is set on the connection.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return dict(value) if isinstance(value, dict) else {}


async def get(conn: Conn, *, match_id: uuid.UUID) -> MemoryRow | None:
    """The stored memory of the match, or None when it has none yet."""
    row = await session.fetchrow(conn, SQL.memory_get, match_id=match_id)
    return MemoryRow.from_row(row) if row else None


async def messages_between(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    after: dt.datetime | None,
    before: dt.datetime,
    limit: int,
) -> list[Message]:
    """Messages written after `after` (from the start when None) and before `before`, oldest
    first, at most `limit`."""
    rows = await session.fetch(
        conn,
        SQL.memory_messages_between,
        match_id=match_id,
        after=after,
        before=before,
        limit=limit,
    )
    return [Message.from_row(row) for row in rows]


async def store(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    summary: str,
    facts: Mapping[str, Any],
    covered_through: dt.datetime,
) -> dt.datetime | None:
    """Store the match's memory unless a stored one already reaches as far, or the
    conversation is gone (its person forgotten meanwhile); when it was stored, the instant it
    was (None when nothing was written)."""
    stored_at: dt.datetime | None = await session.fetchval(
        conn,
        SQL.memory_store,
        match_id=match_id,
        summary=summary,
        facts=json.dumps(dict(facts), ensure_ascii=False),
        covered_through=covered_through,
    )
    return stored_at
