"""The rows of `randomatch-bot simulate`, which runs on its own temporary database only: the
couples and the humans' messages it writes, and what the report reads back."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class DonePlan(FromRow):
    """A finished reply plan: when it began, was read and thought over, and what it answered."""

    id: uuid.UUID
    match_id: uuid.UUID
    created_at: dt.datetime
    read_due_at: dt.datetime
    think_until: dt.datetime | None
    trigger_message_ids: list[uuid.UUID]


@dataclass(frozen=True, slots=True)
class HumanMessage(FromRow):
    """A message written by a scripted human, and when the bot read it."""

    id: uuid.UUID
    created_at: dt.datetime
    read_at: dt.datetime | None
    content: str


@dataclass(frozen=True, slots=True)
class SentPart(FromRow):
    """One part a persona sent, by plan and position."""

    plan_id: uuid.UUID
    part_index: int
    sent_at: dt.datetime
    content: str


@dataclass(frozen=True, slots=True)
class PlanStatusCount(FromRow):
    """How many plans ended in one status."""

    status: str
    n: int


@dataclass(frozen=True, slots=True)
class TranscriptLine(FromRow):
    """One message of a conversation, with who wrote it."""

    match_id: uuid.UUID
    is_bot: bool
    display_name: str
    content: str


async def insert_profile(
    conn: Conn, *, profile_id: uuid.UUID, display_name: str, is_bot: bool
) -> None:
    """Create a bot's or a scripted human's profile."""
    await session.execute(
        conn, SQL.sim_insert_profile, id=profile_id, display_name=display_name, is_bot=is_bot
    )


async def insert_match(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    user_a: uuid.UUID,
    user_b: uuid.UUID,
    created_at: dt.datetime,
) -> None:
    """Match two profiles at the simulation's `created_at`."""
    await session.execute(
        conn, SQL.sim_insert_match, id=match_id, user_a=user_a, user_b=user_b, created_at=created_at
    )


async def insert_message(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    sender_id: uuid.UUID,
    content: str,
    created_at: dt.datetime,
) -> None:
    """A scripted human writes `content` at the simulation's `created_at`."""
    await session.execute(
        conn,
        SQL.sim_insert_message,
        match_id=match_id,
        sender_id=sender_id,
        content=content,
        created_at=created_at,
    )


async def done_plans(conn: Conn) -> list[DonePlan]:
    """The finished reply plans, in creation order."""
    return [DonePlan.from_row(r) for r in await session.fetch(conn, SQL.sim_done_plans)]


async def human_messages(conn: Conn) -> list[HumanMessage]:
    """Every message written by a human."""
    return [HumanMessage.from_row(r) for r in await session.fetch(conn, SQL.sim_human_messages)]


async def sent_parts(conn: Conn) -> list[SentPart]:
    """Every part the personas sent, by plan and position."""
    return [SentPart.from_row(r) for r in await session.fetch(conn, SQL.sim_sent_parts)]


async def plan_statuses(conn: Conn) -> list[PlanStatusCount]:
    """How many plans ended in each status, by status."""
    rows = await session.fetch(conn, SQL.sim_plan_statuses)
    return [PlanStatusCount.from_row(r) for r in rows]


async def interrupted_after_sending(conn: Conn) -> int:
    """Interrupted plans that had already sent a part (those a human could see)."""
    count: int = await session.fetchval(conn, SQL.sim_interrupted_after_sending)
    return count


async def transcript_lines(conn: Conn) -> list[TranscriptLine]:
    """Every message, conversation by conversation, in the order written."""
    return [TranscriptLine.from_row(r) for r in await session.fetch(conn, SQL.sim_transcripts)]


async def messages_since(
    conn: Conn, *, match_id: uuid.UUID, sender_id: uuid.UUID, after: dt.datetime
) -> list[str]:
    """What `sender_id` wrote in the match at or after `after`, oldest first."""
    rows = await session.fetch(
        conn, SQL.sim_messages_since, match_id=match_id, sender_id=sender_id, after=after
    )
    return [str(row["content"]) for row in rows]


# --- the variants demo (`simulate --variants`, simulate/variants_demo.py) -------------------


async def demo_profile(
    conn: Conn, *, profile_id: uuid.UUID, display_name: str, is_bot: bool
) -> None:
    """A profile of the variants demo (renamed when it exists)."""
    await session.execute(
        conn, SQL.sim_demo_profile, id=profile_id, display_name=display_name, is_bot=is_bot
    )


async def demo_match(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    human_id: uuid.UUID,
    bot_id: uuid.UUID,
    created_at: dt.datetime,
) -> str | None:
    """A demo match with its conversation and the variant the service's rule gives it; the
    variant's name, or None when the match was there already."""
    name: str | None = await session.fetchval(
        conn,
        SQL.sim_demo_match,
        match_id=match_id,
        human_id=human_id,
        bot_id=bot_id,
        created_at=created_at,
    )
    return name


async def demo_messages(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    senders: list[uuid.UUID],
    contents: list[str],
    created_ats: list[dt.datetime],
) -> None:
    """The messages of one demo conversation, at their virtual times."""
    await session.execute(
        conn,
        SQL.sim_demo_messages,
        match_id=match_id,
        senders=senders,
        contents=contents,
        created_ats=created_ats,
    )
