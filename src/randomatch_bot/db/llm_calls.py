"""Accounting of model calls in `bot.llm_calls`: latency, tokens, cost, errors per bot.

A reply's calls are kept as `LLMCall`s while it is composed and go out with the generation's
write (`plans.set_parts_saved`); other calls, and a reply's that failed, are written by
`record_llm_calls` in one statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL
from randomatch_bot.errors import LLMError
from randomatch_bot.llm.types import Completion

if TYPE_CHECKING:
    import asyncpg

MAX_ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class LLMCall:
    """One model call to account, successful (`ok`) or not."""

    purpose: str
    bot_id: uuid.UUID | None
    match_id: uuid.UUID | None
    plan_id: uuid.UUID | None
    model: str
    latency_ms: int
    ok: bool
    status: int | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None

    @classmethod
    def of(
        cls,
        *,
        purpose: str,
        bot_id: uuid.UUID | None,
        match_id: uuid.UUID | None,
        plan_id: uuid.UUID | None,
        model: str,
        latency_ms: int,
        completion: Completion | None = None,
        error: LLMError | None = None,
    ) -> LLMCall:
        """The call's row: its completion's tokens and cost, or its error."""
        return cls(
            purpose=purpose,
            bot_id=bot_id,
            match_id=match_id,
            plan_id=plan_id,
            model=model,
            latency_ms=latency_ms,
            ok=error is None,
            status=error.status if error is not None else None,
            error=str(error)[:MAX_ERROR_CHARS] if error is not None else None,
            prompt_tokens=completion.prompt_tokens if completion else 0,
            completion_tokens=completion.completion_tokens if completion else 0,
            cost=completion.cost if completion else None,
        )


def calls_params(calls: Sequence[LLMCall]) -> dict[str, list[Any]]:
    """The `call_*` array parameters of a statement that records `calls`, in order."""
    return {
        "call_bot_ids": [c.bot_id for c in calls],
        "call_match_ids": [c.match_id for c in calls],
        "call_plan_ids": [c.plan_id for c in calls],
        "call_purposes": [c.purpose for c in calls],
        "call_models": [c.model for c in calls],
        "call_oks": [c.ok for c in calls],
        "call_statuses": [c.status for c in calls],
        "call_errors": [c.error for c in calls],
        "call_prompt_tokens": [c.prompt_tokens for c in calls],
        "call_completion_tokens": [c.completion_tokens for c in calls],
        "call_costs": [c.cost for c in calls],
        "call_latencies_ms": [c.latency_ms for c in calls],
    }


async def record_llm_calls(pool: asyncpg.Pool, calls: Sequence[LLMCall]) -> None:
    """One row per call, in one statement (nothing sent for none)."""
    if not calls:
        return
    async with session.connection(pool) as conn:
        await session.execute(conn, SQL.record_llm_calls, **calls_params(calls))


async def record_llm_call(
    pool: asyncpg.Pool,
    *,
    purpose: str,
    bot_id: uuid.UUID | None,
    match_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
    model: str,
    latency_ms: int,
    completion: Completion | None = None,
    error: LLMError | None = None,
) -> None:
    """One row per call, successful (`completion`) or not (`error`)."""
    await record_llm_calls(
        pool,
        [
            LLMCall.of(
                purpose=purpose,
                bot_id=bot_id,
                match_id=match_id,
                plan_id=plan_id,
                model=model,
                latency_ms=latency_ms,
                completion=completion,
                error=error,
            )
        ],
    )
