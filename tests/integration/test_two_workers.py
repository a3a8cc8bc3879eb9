"""Two workers of two deployments in one event loop each run their own runtime."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from randomatch_bot.llm import OfflineResponder
from randomatch_bot.llm.types import ChatMessage, Completion
from randomatch_bot.worker import tasks
from tests.support.databases import Couple, make_couple, say
from tests.support.pipeline import Pipeline, eventually, running_pipeline

pytestmark = pytest.mark.integration


class RecordingResponder(OfflineResponder):
    """The offline responder, keeping the human lines of every prompt it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: list[str] = []

    async def complete(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Completion:
        self.heard.extend(m.content for m in messages if m.role == "user")
        return await super().complete(messages, **kwargs)


async def replies(conn: asyncpg.Connection, couple: Couple) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
        couple.match_id,
        couple.bot_id,
    )
    return count


async def done_plans(conn: asyncpg.Connection, couple: Couple) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM bot.reply_plans WHERE match_id = $1 AND status = 'done'",
        couple.match_id,
    )
    return count


async def ask(pipeline: Pipeline, conn: asyncpg.Connection, couple: Couple, text: str) -> None:
    """The human writes and this deployment's queue is told (no bridge: nobody else is)."""
    message_id = await say(conn, couple, text)
    key = tasks.message_key(couple.match_id, message_id)
    await tasks.wake(pipeline.resources.docket, couple.match_id, key)


async def test_two_workers_in_one_loop_answer_their_own_conversations(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """Each worker answers its deployment's conversation with its own model, and stopping one
    leaves the other answering."""
    base = make_settings()
    alpha = make_settings(DOCKET_NAME=f"{base.docket_name}-alpha")
    bravo = make_settings(DOCKET_NAME=f"{base.docket_name}-bravo")
    llm_alpha, llm_bravo = RecordingResponder(), RecordingResponder()
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(
            running_pipeline(alpha, bridge=False, llm=llm_alpha)
        )
        second = await stack.enter_async_context(
            running_pipeline(bravo, bridge=False, llm=llm_bravo)
        )
        async with pool.acquire() as conn:
            one, two = await make_couple(conn), await make_couple(conn)
            await ask(first, conn, one, "Salut, ici Alpha")
            await ask(second, conn, two, "Hello, Bravo here")
            await eventually(lambda: replies(conn, one), lambda n: n > 0, timeout=60)
            await eventually(lambda: replies(conn, two), lambda n: n > 0, timeout=60)
            assert any("Alpha" in line for line in llm_alpha.heard)
            assert not any("Bravo" in line for line in llm_alpha.heard)
            assert any("Bravo" in line for line in llm_bravo.heard)
            assert not any("Alpha" in line for line in llm_bravo.heard)

            # One worker stops; the other still has its runtime and answers.
            await first.stop()
            # A reply may have several parts: count replies by their finished plans.
            await eventually(lambda: done_plans(conn, two), lambda n: n == 1, timeout=30)
            await ask(second, conn, two, "Still there, Bravo?")
            await eventually(lambda: done_plans(conn, two), lambda n: n == 2, timeout=60)
            assert any("Still there" in line for line in llm_bravo.heard)
