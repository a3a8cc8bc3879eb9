"""The generation's one write: the parts, the save, the reply's model calls and her week."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.persona import life
from randomatch_bot.conversation.plan.engine import ConversationEngine, SeededRandom
from randomatch_bot.db import life as stored_life
from randomatch_bot.db import plans
from randomatch_bot.db.llm_calls import LLMCall
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.llm.types import ChatMessage, Completion
from tests.support.databases import make_couple, say
from tests.support.drive import VirtualClock, drive

pytestmark = pytest.mark.integration

WEDNESDAY = dt.datetime(2026, 6, 17, 7, 0, tzinfo=dt.UTC)
MODEL_DAY = {"date": "2026-06-20", "text": "Rando au Moucherotte ; brouillard"}


class WeekWriterMeanwhile(OfflineResponder):
    """The offline responder, and while the reply is asked for, the model's week of this bot
    stored by another task (the memory task of another of her conversations)."""

    def __init__(self, pool: asyncpg.Pool, bot_id: uuid.UUID) -> None:
        super().__init__(rng=random.Random(4))
        self.pool, self.bot_id = pool, bot_id

    async def complete(self, messages: Sequence[ChatMessage], **knobs: Any) -> Completion:
        async with self.pool.acquire() as conn:
            await stored_life.store_week(
                conn, bot_id=self.bot_id, week="2026-W25", days=[MODEL_DAY], source="model"
            )
        return await super().complete(messages, **knobs)


async def test_a_week_written_while_the_reply_is_composed_is_kept(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """Her week was not stored when the generation read her life, so the reply uses the card's
    and its write stores it, unless another writer came first: then that one stays, and the
    next reply reads it. The reply's model call is recorded with the parts."""
    settings = make_settings(TIME_SCALE=0.05, ACTIVE_HOURS="00:00-24:00")
    clock = VirtualClock(WEDNESDAY)
    engine = ConversationEngine(pool, settings, clock=clock, rng=SeededRandom(2))
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Tu fais quoi ce week-end ?", at=clock.now)
    await drive(engine, clock, couple.match_id, WeekWriterMeanwhile(pool, couple.bot_id))
    async with pool.acquire() as conn:
        weeks = await conn.fetch(
            "SELECT week, source, days FROM bot.persona_weeks WHERE bot_id = $1", couple.bot_id
        )
        calls = await conn.fetch(
            "SELECT purpose, ok, plan_id FROM bot.llm_calls WHERE match_id = $1", couple.match_id
        )
        sent = await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
            couple.match_id,
            couple.bot_id,
        )
    assert [(w["week"], w["source"]) for w in weeks] == [("2026-W25", "model")]
    assert sent >= 1
    assert [(c["purpose"], c["ok"]) for c in calls] == [("reply", True)]
    assert calls[0]["plan_id"] is not None
    async with pool.acquire() as conn:
        read = await stored_life.life(
            conn, bot_id=couple.bot_id, match_id=couple.match_id, weeks=life.weeks_near(clock.now)
        )
    assert read.weeks["2026-W25"].source == "model"
    assert read.weeks["2026-W25"].days == (MODEL_DAY,)


async def test_the_calls_are_recorded_when_the_plan_moved_on_and_forget_the_forgotten(
    pool: asyncpg.Pool,
) -> None:
    """A write whose plan no longer waits stores no parts, but records the calls the reply
    made and stores the week (once: the first writer wins); a forgotten match's call keeps
    nothing that points at it."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        forgotten = uuid.uuid4()
        await conn.execute("INSERT INTO bot.forgotten_matches (match_id) VALUES ($1)", forgotten)
        new_week = stored_life.NewWeek(couple.bot_id, "2026-W25", (MODEL_DAY,), "card")
        calls = [
            LLMCall("reply", couple.bot_id, couple.match_id, None, "m", 12, ok=False, status=503),
            LLMCall("reply", couple.bot_id, forgotten, uuid.uuid4(), "m", 30, ok=True, cost=0.01),
        ]
        written = []
        for _ in range(2):
            written.append(
                await plans.set_parts_saved(
                    conn,
                    plan_id=uuid.uuid4(),
                    match_id=couple.match_id,
                    parts=["salut"],
                    model="m",
                    prompt_tokens=1,
                    completion_tokens=1,
                    cost=None,
                    saved=plans.Saved(0, "replying", None),
                    calls=calls,
                    week=new_week,
                )
            )
        rows = await conn.fetch(
            "SELECT match_id, plan_id, ok, status, latency_ms, cost FROM bot.llm_calls "
            "WHERE bot_id = $1 ORDER BY id",
            couple.bot_id,
        )
    assert [(w.stored, w.week_written) for w in written] == [(False, True), (False, False)]
    assert [tuple(r) for r in rows] == [
        (couple.match_id, None, False, 503, 12, None),
        (None, None, True, None, 30, 0.01),
    ] * 2
