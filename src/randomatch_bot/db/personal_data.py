"""What the service keeps about a person, found by match and erased: memories, conversations,
reply plans, answered messages, sent parts, dead letters, closings (a minor, a request to stop);
model-call records are anonymised."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class Erased:
    """How many rows of each kind were removed (or, for model calls, anonymised)."""

    matches: int = 0
    memories: int = 0
    conversations: int = 0
    reply_plans: int = 0
    answered_messages: int = 0
    sent_parts: int = 0
    dead_letters: int = 0
    closings: int = 0
    llm_calls_anonymised: int = 0

    @classmethod
    def from_row(cls, row: asyncpg.Record, *, matches: int) -> Erased:
        return cls(
            matches=matches,
            memories=int(row["memories"]),
            conversations=int(row["conversations"]),
            reply_plans=int(row["reply_plans"]),
            answered_messages=int(row["answered_messages"]),
            sent_parts=int(row["sent_parts"]),
            dead_letters=int(row["dead_letters"]),
            closings=int(row["closings"]),
            llm_calls_anonymised=int(row["llm_calls_anonymised"]),
        )

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self) if f.name != "matches")

    def describe(self) -> str:
        """One line for the operator: every kind, zeros included (they answer "was it there?")."""
        kinds = [f.name for f in fields(self) if f.name != "matches"]
        counts = ", ".join(f"{getattr(self, k)} {k.replace('_', ' ')}" for k in kinds)
        return f"{self.matches} matches: {counts}"


async def is_bot_profile(conn: Conn, *, user_id: uuid.UUID) -> bool | None:
    """Whether the profile `user_id` is a bot's; None when the app has no such profile."""
    row = await session.fetchrow(conn, SQL.person_profile, user_id=user_id)
    return None if row is None else bool(row["is_bot"])


async def matches_of_person(conn: Conn, *, user_id: uuid.UUID) -> list[uuid.UUID]:
    """Every match of a person that the app or the service knows of."""
    rows = await session.fetch(conn, SQL.person_matches, user_id=user_id)
    return [row["match_id"] for row in rows]


async def hold_for_erasure(conn: Conn, *, match_ids: list[uuid.UUID]) -> None:
    """Lock these matches against the service's own writers until the transaction ends: a
    conversation's first step (which would create its row) and every step, generation save and
    memory update of an existing conversation (which lock its row)."""
    await session.execute(conn, SQL.first_sight_locks, match_ids=match_ids)
    await session.fetch(conn, SQL.lock_conversations, match_ids=match_ids)


async def remember_forgotten(conn: Conn, *, match_ids: list[uuid.UUID]) -> None:
    """Record these matches as forgotten: nothing left over brings their data back."""
    await session.execute(conn, SQL.remember_forgotten, match_ids=match_ids)


async def drop_gone_forgotten(conn: Conn) -> None:
    """Forget the forgotten matches the app has deleted since (only their ids were kept)."""
    await session.execute(conn, SQL.drop_gone_forgotten)


async def erase_matches(conn: Conn, *, match_ids: list[uuid.UUID]) -> Erased:
    """Erase what the service keeps about these matches, in one statement."""
    row = await session.fetchrow(conn, SQL.erase_matches, match_ids=match_ids)
    assert row is not None  # counts always come back, zeros included
    return Erased.from_row(row, matches=len(match_ids))


async def mark_closed_matches(conn: Conn, *, now: dt.datetime) -> None:
    """Start the retention clock of matches unmatched or blocked by `now`; stop it on a
    rematch."""
    await session.execute(conn, SQL.mark_closed_matches, now=now)


async def expired_matches(conn: Conn, *, oldest_kept: dt.datetime, limit: int) -> list[uuid.UUID]:
    """At most `limit` matches whose data must go: deleted from the app (the match or the
    person's profile), or closed before `oldest_kept`."""
    rows = await session.fetch(conn, SQL.expired_matches, oldest_kept=oldest_kept, limit=limit)
    return [row["match_id"] for row in rows]
