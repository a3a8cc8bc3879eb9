"""Accounting of model calls in `bot.llm_calls`: latency, tokens, cost, errors per bot."""

from __future__ import annotations

import uuid

import asyncpg

from randomatch_bot.db.queries import Q
from randomatch_bot.errors import LLMError
from randomatch_bot.llm.types import Completion

MAX_ERROR_CHARS = 500


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
    async with pool.acquire() as conn:
        await conn.execute(
            Q.record_llm_call,
            bot_id,
            match_id,
            plan_id,
            purpose,
            model,
            error is None,
            error.status if error is not None else None,
            str(error)[:MAX_ERROR_CHARS] if error is not None else None,
            completion.prompt_tokens if completion else 0,
            completion.completion_tokens if completion else 0,
            completion.cost if completion else None,
            latency_ms,
        )
