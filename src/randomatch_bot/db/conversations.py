"""The service's row per conversation (`bot.conversations`): its epoch, status and hold."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.life import LifeRead
from randomatch_bot.db.memory import MemoryRow
from randomatch_bot.db.messages import Message
from randomatch_bot.db.personas import PersonaRow
from randomatch_bot.db.plans import Plan
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL
from randomatch_bot.db.variants import ConversationVariant

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class Conversation(FromRow):
    """A conversation as the engine reads it under its lock."""

    match_id: uuid.UUID
    bot_id: uuid.UUID
    human_id: uuid.UUID
    epoch: int
    status: str
    baseline_at: dt.datetime | None
    next_wake_at: dt.datetime | None
    last_error: str | None
    opened_at: dt.datetime | None


async def lock(conn: Conn, *, match_id: uuid.UUID) -> Conversation | None:
    """The conversation of `match_id`, locked until the transaction ends; None if unknown."""
    row = await session.fetchrow(conn, SQL.lock_conversation, match_id=match_id)
    return Conversation.from_row(row) if row else None


async def lock_of_plan(conn: Conn, *, plan_id: uuid.UUID) -> bool:
    """Lock the conversation of plan `plan_id` until the transaction ends; False when there
    is no such plan or conversation."""
    row = await session.fetchrow(conn, SQL.lock_conversation_of_plan, plan_id=plan_id)
    return row is not None


@dataclass(frozen=True, slots=True)
class MatchContext(FromRow):
    """A match with its bot and its human, as the engine needs them."""

    match_id: uuid.UUID
    status: str
    bot_id: uuid.UUID
    bot_name: str
    human_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class StepFailures:
    """A conversation's failed steps in a row, and its epoch then."""

    step_failures: int
    epoch: int


async def match_context(conn: Conn, *, match_id: uuid.UUID) -> MatchContext | None:
    """The match with its bot and human; None when the match or a profile is gone."""
    row = await session.fetchrow(conn, SQL.match_context, match_id=match_id)
    return MatchContext.from_row(row) if row else None


_PERSONA_COLUMNS = tuple(f.name for f in fields(PersonaRow) if f.name != "variant")


def _persona_row(row: asyncpg.Record) -> PersonaRow | None:
    if row["persona_bot_id"] is None:
        return None
    return PersonaRow.from_row(
        {f: row["persona_" + f] for f in _PERSONA_COLUMNS}, ConversationVariant.from_prefixed(row)
    )


@dataclass(frozen=True, slots=True)
class GenerationContext:
    """What a generation reads in one statement: its plan, the match, the persona row and,
    while the plan waits for its parts, the match's newest messages, its stored memory, the
    photos to show the model and the persona's life (when asked for)."""

    plan: Plan
    match: MatchContext | None  # None: the match or a profile is gone
    persona: PersonaRow | None  # None: the bot uses the default persona
    history: tuple[Message, ...] | None  # newest first; None: not read (no parts awaited)
    memory: MemoryRow | None  # None: none stored (or not read)
    locked: bool = True  # False: the lock was held, or moved under the read: read again
    photos: tuple[str, ...] = ()  # the human's photos since the persona last wrote
    life: LifeRead | None = None  # None: not asked for (SELF_CONSISTENCY off) or not read


async def generation_context(
    conn: Conn, *, plan_id: uuid.UUID, history: int, life_weeks: Sequence[str] | None = None
) -> GenerationContext | None:
    """The plan `plan_id` with its match, the bot's persona row and, while it waits for its
    parts, the `history` newest messages of the match, its memory, the human's new photos and,
    with `life_weeks` (the ISO weeks whose agendas to read), the persona's life; None when no
    such plan."""
    row = await session.fetchrow(
        conn,
        SQL.generation_context,
        plan_id=plan_id,
        history=history,
        life_weeks=list(life_weeks) if life_weeks is not None else None,
    )
    if row is None:
        return None
    match = MatchContext.from_row(row) if row["match_id"] is not None else None
    messages: tuple[Message, ...] | None = None
    if row["history_read"]:
        messages = tuple(
            Message(id=i, sender_id=s, content=c, created_at=t)
            for i, s, c, t in zip(
                row["history_ids"] or (),
                row["history_sender_ids"] or (),
                row["history_contents"] or (),
                row["history_created_ats"] or (),
                strict=True,
            )
        )
    memory = None
    if row["memory_summary"] is not None:
        memory = MemoryRow.from_row(
            {
                "summary": row["memory_summary"],
                "facts": row["memory_facts"],
                "covered_through": row["memory_covered_through"],
            }  # type: ignore[arg-type]
        )
    return GenerationContext(
        Plan.from_row(row, prefix="plan_"),
        match,
        _persona_row(row),
        messages,
        memory,
        bool(row["locked"]),
        tuple(row["photo_urls"] or ()),
        LifeRead.from_row(row),
    )


async def ensure(
    conn: Conn, *, match_id: uuid.UUID, bot_id: uuid.UUID, human_id: uuid.UUID
) -> None:
    """Create the conversation's row on first sight (nothing when it exists, or when the match
    was forgotten: see `privacy.forget_person`)."""
    await session.execute(conn, SQL.first_sight_lock, match_id=match_id)
    await session.execute(
        conn, SQL.ensure_conversation, match_id=match_id, bot_id=bot_id, human_id=human_id
    )


async def save(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    epoch: int,
    status: str,
    wake_at: dt.datetime | None,
    error: str | None = None,
    hold: str | None = None,
) -> None:
    """Store where a conversation stands after a successful step (its failures start again)."""
    await session.execute(
        conn,
        SQL.update_conversation,
        match_id=match_id,
        epoch=epoch,
        status=status,
        wake_at=wake_at,
        error=error,
        hold=hold,
    )


async def step_failed(conn: Conn, *, match_id: uuid.UUID, error: str) -> StepFailures | None:
    """Count a failed step; None for an unknown or already dead-lettered conversation."""
    row = await session.fetchrow(conn, SQL.conversation_step_failed, match_id=match_id, error=error)
    return StepFailures(step_failures=row["step_failures"], epoch=row["epoch"]) if row else None
