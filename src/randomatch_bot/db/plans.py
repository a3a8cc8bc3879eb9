"""The reply plans (`bot.reply_plans`): what a conversation answers, its parts, how far it got,
and, once it is over, the messages it answered (`bot.answered_messages`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from randomatch_bot.db import session
from randomatch_bot.db.life import NewWeek
from randomatch_bot.db.llm_calls import LLMCall, calls_params
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


OPERATOR_MODEL = "operator"  # the model recorded for an operator's message (queries/takeover.sql)


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
    model: str | None = None  # the model that wrote it; "operator": an operator's message

    @property
    def operator(self) -> bool:
        """Whether an operator wrote this plan's message (a conversation taken over)."""
        return self.model == OPERATOR_MODEL

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
            model=col("model"),
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


@dataclass(frozen=True, slots=True)
class Saved:
    """A conversation's state after a successful step whose plan write carries it: replying in
    `epoch` until `wake_at`, no error, no hold (`conversations.save` with those values)."""

    epoch: int
    status: str
    wake_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class PartsSaved:
    """What the generation's write did: whether the parts landed, whether it stored the week."""

    stored: bool
    week_written: bool


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
    calls: Sequence[LLMCall] = (),
    week: NewWeek | None = None,
) -> PartsSaved:
    """`set_parts`, and the conversation's save when the parts landed, in one statement (not
    `stored`, nothing of them written, when the plan no longer waits for them); with them, in
    any case, the reply's model `calls` and her `week` to store (the first writer wins)."""
    row = await session.fetchrow(
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
        **(
            week.params()
            if week is not None
            else {"bot_id": None, "week": None, "week_days": None, "week_source": None}
        ),
        **calls_params(calls),
    )
    assert row is not None  # the query always returns its one row
    return PartsSaved(bool(row["stored"]), bool(row["week_written"]))


async def finish(conn: Conn, *, plan_id: uuid.UUID, status: str, error: str | None) -> None:
    """End the plan with `status` (done, interrupted, cancelled or failed) and why."""
    await session.execute(conn, SQL.plan_finish, plan_id=plan_id, status=status, error=error)


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
