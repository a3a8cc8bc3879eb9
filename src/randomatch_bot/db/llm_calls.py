"""Accounting of model calls in `bot.llm_calls`: latency, tokens, cost, errors per bot."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL
from randomatch_bot.errors import LLMError
from randomatch_bot.llm.types import Completion

if TYPE_CHECKING:
    import asyncpg

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
    async with session.connection(pool) as conn:
        await session.execute(
            conn,
            SQL.record_llm_call,
            bot_id=bot_id,
            match_id=match_id,
            plan_id=plan_id,
            purpose=purpose,
            model=model,
            ok=error is None,
            status=error.status if error is not None else None,
            error=str(error)[:MAX_ERROR_CHARS] if error is not None else None,
            prompt_tokens=completion.prompt_tokens if completion else 0,
            completion_tokens=completion.completion_tokens if completion else 0,
            cost=completion.cost if completion else None,
            latency_ms=latency_ms,
        )
