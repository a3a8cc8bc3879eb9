"""The reply plans (`bot.reply_plans`): what a conversation answers, its parts, how far it got,
and, once it is over, the messages it answered (`bot.answered_messages`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class Plan:
    """A reply plan as stored: `status` is one of `PlanStatus`'s values."""

    id: uuid.UUID
    match_id: uuid.UUID
    bot_id: uuid.UUID
    epoch: int
    status: str
    trigger_message_ids: tuple[uuid.UUID, ...]
    read_due_at: dt.datetime
    think_until: dt.datetime | None
    parts: tuple[str, ...] | None
    next_part: int
    typing: bool
    next_due_at: dt.datetime | None
    retry_at: dt.datetime | None
    generation_failures: int
    failing_since: dt.datetime | None
    error: str | None

    @classmethod
    def from_row(cls, row: asyncpg.Record, prefix: str = "") -> Plan:
        """The plan of `row`, whose plan columns are named `prefix` + the column's name."""

        def col(name: str) -> Any:
            return row[prefix + name]

        parts = col("parts")
        return cls(
            id=col("id"),
            match_id=col("match_id"),
            bot_id=col("bot_id"),
            epoch=col("epoch"),
            status=col("status"),
            trigger_message_ids=tuple(col("trigger_message_ids")),
            read_due_at=col("read_due_at"),
            think_until=col("think_until"),
            parts=tuple(parts) if parts is not None else None,
            next_part=col("next_part"),
            typing=col("typing"),
            next_due_at=col("next_due_at"),
            retry_at=col("retry_at"),
            generation_failures=col("generation_failures"),
            failing_since=col("failing_since"),
            error=col("error"),
        )


@dataclass(frozen=True, slots=True)
class GenerationFailure(FromRow):
    """A plan's failed generations so far, as counted by `generation_failed`."""

    generation_failures: int
    failing_since: dt.datetime  # set by the first failure
    epoch: int
    match_id: uuid.UUID
    error: str | None


async def active_plan(conn: Conn, *, match_id: uuid.UUID) -> Plan | None:
    """The plan the conversation is carrying out (reading, thinking or typing), if any."""
    row = await session.fetchrow(conn, SQL.active_plan, match_id=match_id)
    return Plan.from_row(row) if row else None


async def get_plan(conn: Conn, *, plan_id: uuid.UUID) -> Plan | None:
    """One plan by id, whatever its status; None if unknown."""
    row = await session.fetchrow(conn, SQL.get_plan, plan_id=plan_id)
    return Plan.from_row(row) if row else None


async def insert(
    conn: Conn,
    *,
    plan_id: uuid.UUID,
    match_id: uuid.UUID,
    bot_id: uuid.UUID,
    epoch: int,
    trigger_message_ids: Sequence[uuid.UUID],
    read_due_at: dt.datetime,
    created_at: dt.datetime,
) -> None:
    """A new plan, reading its trigger messages until `read_due_at`."""
    await session.execute(
        conn,
        SQL.insert_plan,
        plan_id=plan_id,
        match_id=match_id,
        bot_id=bot_id,
        epoch=epoch,
        trigger_message_ids=list(trigger_message_ids),
        read_due_at=read_due_at,
        created_at=created_at,
    )


async def to_thinking(conn: Conn, *, plan_id: uuid.UUID, think_until: dt.datetime) -> None:
    """The plan has read its messages and thinks until `think_until`."""
    await session.execute(conn, SQL.plan_to_thinking, plan_id=plan_id, think_until=think_until)


@dataclass(frozen=True, slots=True)
class Saved:
    """A conversation's state after a successful step whose plan write carries it: replying in
    `epoch` until `wake_at`, no error, no hold (`conversations.save` with those values)."""

    epoch: int
    status: str
    wake_at: dt.datetime | None


async def start_saved(
    conn: Conn,
    *,
    plan_id: uuid.UUID,
    match_id: uuid.UUID,
    bot_id: uuid.UUID,
    trigger_message_ids: Sequence[uuid.UUID],
    read_due_at: dt.datetime,
    created_at: dt.datetime,
    saved: Saved,
) -> None:
    """`insert` (in the conversation's epoch) and the conversation's save, in one statement."""
    await session.execute(
        conn,
        SQL.start_plan_saved,
        plan_id=plan_id,
        match_id=match_id,
        bot_id=bot_id,
        epoch=saved.epoch,
        trigger_message_ids=list(trigger_message_ids),
        read_due_at=read_due_at,
        created_at=created_at,
        status=saved.status,
        wake_at=saved.wake_at,
    )


async def to_thinking_saved(
    conn: Conn,
    *,
    plan_id: uuid.UUID,
    match_id: uuid.UUID,
    think_until: dt.datetime,
    saved: Saved,
) -> None:
    """`to_thinking` and the conversation's save, in one statement."""
    await session.execute(
        conn,
        SQL.plan_to_thinking_saved,
        plan_id=plan_id,
        think_until=think_until,
        match_id=match_id,
        epoch=saved.epoch,
        status=saved.status,
        wake_at=saved.wake_at,
    )


async def set_typing_saved(
    conn: Conn,
    *,
    plan_id: uuid.UUID,
    match_id: uuid.UUID,
    bot_id: uuid.UUID,
    typing: bool,
    next_part: int,
    due_at: dt.datetime,
    indicator_at: dt.datetime | None,
    saved: Saved,
) -> None:
    """`set_typing`, the bot's indicator in the app's table set to `typing` at `indicator_at`
    (None: left alone), and the conversation's save, in one statement."""
    await session.execute(
        conn,
        SQL.plan_typing_saved,
        typing=typing,
        next_part=next_part,
        due_at=due_at,
        plan_id=plan_id,
        match_id=match_id,
        bot_id=bot_id,
        now=indicator_at,
        indicator=indicator_at is not None,
        epoch=saved.epoch,
        status=saved.status,
        wake_at=saved.wake_at,
    )


async def set_parts(
    conn: Conn,
    *,
    plan_id: uuid.UUID,
    parts: Sequence[str],
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cost: float | None,
) -> bool:
    """Store the generated parts; False when the plan no longer waits for them."""
    stored = await session.fetchval(
        conn,
        SQL.plan_set_parts,
        plan_id=plan_id,
        parts=list(parts),
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost=cost,
    )
    return stored is not None


async def set_parts_saved(
    conn: Conn,
    *,
    plan_id: uuid.UUID,
    match_id: uuid.UUID,
    parts: Sequence[str],
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cost: float | None,
    saved: Saved,
) -> bool:
    """`set_parts`, and the conversation's save when the parts landed, in one statement; False
    (nothing written) when the plan no longer waits for them."""
    stored = await session.fetchval(
        conn,
        SQL.plan_set_parts_saved,
        parts=list(parts),
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost=cost,
        plan_id=plan_id,
        epoch=saved.epoch,
        status=saved.status,
        wake_at=saved.wake_at,
        match_id=match_id,
    )
    return bool(stored)


async def finish(conn: Conn, *, plan_id: uuid.UUID, status: str, error: str | None) -> None:
    """End the plan with `status` (done, interrupted, cancelled or failed) and why."""
    await session.execute(conn, SQL.plan_finish, plan_id=plan_id, status=status, error=error)


async def finish_reply(
    conn: Conn, *, plan_id: uuid.UUID, match_id: uuid.UUID, message_ids: Sequence[uuid.UUID]
) -> None:
    """The reply is over: `message_ids` are answered by the plan (once), and it is done."""
    await session.execute(
        conn,
        SQL.finish_reply,
        plan_id=plan_id,
        match_id=match_id,
        message_ids=list(message_ids),
    )


async def follows_a_model_wait(conn: Conn, *, match_id: uuid.UUID, plan_id: uuid.UUID) -> bool:
    """Whether the plan before `plan_id` in its conversation was waiting for the model when a
    new message of the human interrupted it."""
    return bool(
        await session.fetchval(
            conn, SQL.plan_follows_a_model_wait, match_id=match_id, plan_id=plan_id
        )
    )


async def generation_failed(
    conn: Conn, *, plan_id: uuid.UUID, now: dt.datetime, error: str | None
) -> GenerationFailure | None:
    """Count one more failed generation; None when the plan no longer waits for its parts."""
    row = await session.fetchrow(
        conn, SQL.plan_generation_failed, plan_id=plan_id, now=now, error=error
    )
    return GenerationFailure.from_row(row) if row else None


async def retry_at(conn: Conn, *, plan_id: uuid.UUID, retry_at: dt.datetime) -> bool:
    """Ask the model again for this plan at `retry_at`; False when the plan moved on."""
    moved = await session.fetchval(conn, SQL.plan_retry_at, plan_id=plan_id, retry_at=retry_at)
    return moved is not None
