"""The persona's life as stored: what she told each person about herself
(`bot.self_memories`), her canon beyond the card (`bot.persona_canon`) and her weeks
(`bot.persona_weeks`).

A reply reads all of it with its generation's one read (`LifeRead`, the `life_*` columns of
`generation_context`) and stores a week it built from the card with its one write (`NewWeek`,
`plans.set_parts_saved`); `life` reads the same columns in one statement of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


def _json(value: Any) -> Any:
    # asyncpg hands jsonb over as text unless a codec is set on the connection.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


@dataclass(frozen=True, slots=True)
class CanonRow(FromRow):
    """One stored canon entry: 'promoted' (with how many conversations said it) or 'operator'."""

    key: str
    value: str
    source: str
    conversations: int
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ClaimCount(FromRow):
    """How many of a bot's conversations state one self-claim (`value` compared lower-cased)."""

    key: str
    value: str
    said: str
    conversations: int


@dataclass(frozen=True, slots=True)
class WeekRow:
    """A stored agenda: its ISO week, its days as [{"date", "text"}], who wrote it."""

    week: str
    days: tuple[Mapping[str, Any], ...]
    source: str
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> WeekRow:
        return cls.of(row["week"], row["days"], row["source"], row["created_at"])

    @classmethod
    def of(cls, week: str, days: Any, source: str, created_at: dt.datetime) -> WeekRow:
        """A stored agenda from its columns (`days` as jsonb, text or decoded)."""
        value = _json(days)
        items = tuple(d for d in value if isinstance(d, dict)) if isinstance(value, list) else ()
        return cls(week, items, source, created_at)


@dataclass(frozen=True, slots=True)
class LifeRead:
    """Her life as one statement reads it (the `life_*` columns): her stored canon by key,
    what she told this match ({} when nothing yet), her stored agendas of the weeks asked for."""

    canon: tuple[CanonRow, ...]
    told: dict[str, Any]
    weeks: dict[str, WeekRow]

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> LifeRead | None:
        """The life of a row with the `life_*` columns; None when `life_loaded` is false."""
        if not row["life_loaded"]:
            return None
        canon = tuple(
            CanonRow(key=k, value=v, source=s, conversations=n, updated_at=t)
            for k, v, s, n, t in zip(
                row["life_canon_keys"] or (),
                row["life_canon_values"] or (),
                row["life_canon_sources"] or (),
                row["life_canon_conversations"] or (),
                row["life_canon_updated_ats"] or (),
                strict=True,
            )
        )
        told = _json(row["life_told"])
        weeks = {
            w: WeekRow.of(w, days, source, created_at)
            for w, days, source, created_at in zip(
                row["life_weeks"] or (),
                row["life_week_days"] or (),
                row["life_week_sources"] or (),
                row["life_week_created_ats"] or (),
                strict=True,
            )
        }
        return cls(canon, dict(told) if isinstance(told, dict) else {}, weeks)


@dataclass(frozen=True, slots=True)
class NewWeek:
    """A week to store for a persona (the first writer wins): its ISO week, its days as
    [{"date", "text"}], who wrote it."""

    bot_id: uuid.UUID
    week: str
    days: tuple[Mapping[str, Any], ...]
    source: str

    def params(self) -> dict[str, Any]:
        """The `bot_id`, `week`, `week_days` and `week_source` parameters of a write."""
        return {
            "bot_id": self.bot_id,
            "week": self.week,
            "week_days": json.dumps([dict(d) for d in self.days], ensure_ascii=False),
            "week_source": self.source,
        }


async def life(
    conn: Conn, *, bot_id: uuid.UUID, match_id: uuid.UUID, weeks: Sequence[str]
) -> LifeRead:
    """Her stored life for the conversation `match_id`, these weeks' agendas, in one statement."""
    row = await session.fetchrow(
        conn, SQL.life_read, bot_id=bot_id, match_id=match_id, weeks=list(weeks)
    )
    assert row is not None  # the query always returns its one row
    found = LifeRead.from_row(row)
    assert found is not None
    return found


async def self_facts(conn: Conn, *, match_id: uuid.UUID) -> dict[str, Any]:
    """What the persona told this match about herself ({} when nothing yet)."""
    value = _json(await session.fetchval(conn, SQL.self_memory_get, match_id=match_id))
    return dict(value) if isinstance(value, dict) else {}


async def store_self_facts(
    conn: Conn, *, match_id: uuid.UUID, bot_id: uuid.UUID, facts: Mapping[str, Any]
) -> None:
    """Replace the self-facts of a match."""
    await session.execute(
        conn,
        SQL.self_memory_store,
        match_id=match_id,
        bot_id=bot_id,
        facts=json.dumps(dict(facts), ensure_ascii=False),
    )


async def claim_counts(conn: Conn, *, bot_id: uuid.UUID) -> list[ClaimCount]:
    """Each self-claim of the bot's conversations and how many conversations make it."""
    rows = await session.fetch(conn, SQL.self_claim_counts, bot_id=bot_id)
    return [ClaimCount.from_row(row) for row in rows]


async def canon(conn: Conn, *, bot_id: uuid.UUID) -> list[CanonRow]:
    """The bot's stored canon entries, by key."""
    rows = await session.fetch(conn, SQL.canon_list, bot_id=bot_id)
    return [CanonRow.from_row(row) for row in rows]


async def promote(
    conn: Conn, *, bot_id: uuid.UUID, key: str, value: str, conversations: int
) -> bool:
    """Add a promoted claim unless the key is in the stored canon already; True when added."""
    added = await session.fetchval(
        conn,
        SQL.canon_promote,
        bot_id=bot_id,
        key=key,
        value=value,
        conversations=conversations,
    )
    return added is not None


async def set_canon(conn: Conn, *, bot_id: uuid.UUID, key: str, value: str) -> None:
    """The operator's value for a key."""
    await session.execute(conn, SQL.canon_set, bot_id=bot_id, key=key, value=value)


async def remove_canon(conn: Conn, *, bot_id: uuid.UUID, key: str) -> bool:
    """Remove a stored entry; True when there was one."""
    return await session.fetchval(conn, SQL.canon_remove, bot_id=bot_id, key=key) is not None


async def weeks(conn: Conn, *, bot_id: uuid.UUID, weeks: Sequence[str]) -> dict[str, WeekRow]:
    """The stored agendas of these ISO weeks, by week."""
    rows = await session.fetch(conn, SQL.week_get, bot_id=bot_id, weeks=list(weeks))
    found = [WeekRow.from_row(row) for row in rows]
    return {row.week: row for row in found}


async def store_week(
    conn: Conn,
    *,
    bot_id: uuid.UUID,
    week: str,
    days: Sequence[Mapping[str, Any]],
    source: str,
) -> bool:
    """Store a week unless one is stored already (the first writer wins); True when stored."""
    stored = await session.fetchval(
        conn,
        SQL.week_store,
        bot_id=bot_id,
        week=week,
        days=json.dumps([dict(d) for d in days], ensure_ascii=False),
        source=source,
    )
    return stored is not None
