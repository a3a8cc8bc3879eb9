"""The match's messages (`public.messages`) as the persona reads and writes them, their photos,
and the bot's record of the parts it sent (`bot.sent_parts`)."""

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


@dataclass(frozen=True, slots=True)
class Message(FromRow):
    """One message of a match."""

    id: uuid.UUID
    sender_id: uuid.UUID
    content: str
    created_at: dt.datetime


async def recent(conn: Conn, *, match_id: uuid.UUID, limit: int) -> list[Message]:
    """The newest `limit` messages of the match, newest first."""
    rows = await session.fetch(conn, SQL.recent_messages, match_id=match_id, limit=limit)
    return [Message.from_row(row) for row in rows]


@dataclass(frozen=True, slots=True)
class HumanMessage(FromRow):
    """A human message not yet answered."""

    id: uuid.UUID
    content: str
    created_at: dt.datetime
    read_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class MessageText:
    """A message's id and text."""

    id: uuid.UUID
    content: str


@dataclass(frozen=True, slots=True)
class FollowupState:
    """What a follow-up after a silence depends on."""

    last_bot_at: dt.datetime | None
    last_human_at: dt.datetime | None
    followups: int
    human_texts: tuple[str, ...]

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> FollowupState:
        return cls(
            last_bot_at=row["last_bot_at"],
            last_human_at=row["last_human_at"],
            followups=row["followups"],
            human_texts=tuple(row["human_texts"]),
        )


async def unanswered(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    human_id: uuid.UUID,
    baseline_at: dt.datetime | None,
    since: dt.datetime,
) -> list[HumanMessage]:
    """The human's messages after `baseline_at` and `since` that no finished plan answered,
    oldest first."""
    rows = await session.fetch(
        conn,
        SQL.unanswered_messages,
        match_id=match_id,
        human_id=human_id,
        baseline_at=baseline_at,
        since=since,
    )
    return [HumanMessage.from_row(row) for row in rows]


async def texts(conn: Conn, *, message_ids: Sequence[uuid.UUID]) -> list[MessageText]:
    """The id and text of these messages, in order."""
    rows = await session.fetch(conn, SQL.trigger_texts, message_ids=list(message_ids))
    return [MessageText(id=row["id"], content=row["content"]) for row in rows]


async def seconds_since_bot_message(
    conn: Conn, *, match_id: uuid.UUID, bot_id: uuid.UUID, now: dt.datetime
) -> float | None:
    """Seconds from the bot's last message in the match to `now`; None if it never wrote."""
    seconds = await session.fetchval(
        conn, SQL.seconds_since_bot_message, match_id=match_id, bot_id=bot_id, now=now
    )
    return float(seconds) if seconds is not None else None


async def count(conn: Conn, *, match_id: uuid.UUID) -> int:
    """How many messages the match has, from either side."""
    return int(await session.fetchval(conn, SQL.match_message_count, match_id=match_id))


async def human_wrote_since(
    conn: Conn, *, match_id: uuid.UUID, human_id: uuid.UUID, since: dt.datetime
) -> bool:
    """Whether the human wrote in the match after `since`."""
    return bool(
        await session.fetchval(
            conn, SQL.human_wrote_since, match_id=match_id, human_id=human_id, since=since
        )
    )


async def followup_state(
    conn: Conn, *, match_id: uuid.UUID, bot_id: uuid.UUID, human_id: uuid.UUID
) -> FollowupState | None:
    """The last message of each side, the follow-ups of this silence and the human's recent
    texts."""
    row = await session.fetchrow(
        conn, SQL.followup_state, match_id=match_id, bot_id=bot_id, human_id=human_id
    )
    return FollowupState.from_row(row) if row else None
