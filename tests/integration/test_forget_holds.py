"""`forget` holds against what the service is doing at that moment: a memory update already
running writes nothing back, a wake-up, follow-up or generation left over from before brings
no row back and asks no model, and a generation after an unmatch or a block asks no model (the
match is read under the conversation's lock). Every race is played in a fixed order — a model
that waits for the test, a lock held by the test, a wait seen in `pg_stat_activity` — never by
timing luck."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.plan.engine import ConversationEngine, StepResult
from randomatch_bot.conversation.words.memory import update_memory
from randomatch_bot.db import conversations
from randomatch_bot.db import memory as stored_memory
from randomatch_bot.db.wakeups import conversations_to_wake
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.llm.types import ChatMessage, Completion
from randomatch_bot.privacy import forget_person
from tests.integration.test_memory import WINDOW, write_conversation
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.pipeline import eventually

pytestmark = pytest.mark.integration

START = dt.datetime(2026, 6, 13, 8, 0, tzinfo=dt.UTC)  # a Saturday, 10:00 in Paris
DEADLINE = 20.0  # seconds any awaited event of these tests may take at most


class HeldModel(OfflineResponder):
    """The offline responder, counting its calls; with `hold`, each call waits for the test
    to `release` it, after saying it has started (`asked`)."""

    def __init__(self, *, hold: bool = False) -> None:
        super().__init__(rng=random.Random(7))
        self.hold = hold
        self.calls = 0
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def complete(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Completion:
        self.calls += 1
        self.asked.set()
        if self.hold:
            await asyncio.wait_for(self.release.wait(), DEADLINE)
        return await super().complete(messages, **kwargs)


async def lock_waits(pool: asyncpg.Pool) -> int:
    """Sessions of this database waiting for a lock (a row lock or an advisory lock)."""
    async with pool.acquire() as conn:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


async def until_someone_waits(pool: asyncpg.Pool) -> None:
    await eventually(lambda: lock_waits(pool), lambda n: n >= 1, timeout=DEADLINE)


async def service_rows(conn: asyncpg.Connection, couple: Couple) -> dict[str, int]:
    """Rows of the service's tables about this match or person (forgotten_matches aside)."""
    counts: dict[str, int] = {}
    for table in ("memories", "reply_plans", "answered_messages", "sent_parts", "dead_letters"):
        counts[table] = await conn.fetchval(
            f"SELECT count(*) FROM bot.{table} WHERE match_id = $1",  # noqa: S608 - fixed names
            couple.match_id,
        )
    counts["conversations"] = await conn.fetchval(
        "SELECT count(*) FROM bot.conversations WHERE match_id = $1 OR human_id = $2",
        couple.match_id,
        couple.human_id,
    )
    counts["llm_calls"] = await conn.fetchval(
        "SELECT count(*) FROM bot.llm_calls WHERE match_id = $1", couple.match_id
    )
    return counts


def nothing(counts: dict[str, int]) -> bool:
    return not any(counts.values())


async def forget(pool: asyncpg.Pool, couple: Couple) -> None:
    async with pool.acquire() as conn:
        await forget_person(conn, couple.human_id)


async def bot_messages(conn: asyncpg.Connection, couple: Couple) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
            couple.match_id,
            couple.bot_id,
        )
    )


async def a_long_conversation(pool: asyncpg.Pool) -> Couple:
    """A match the service talks in, long enough that its memory needs updating."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await conn.execute(
            "INSERT INTO bot.conversations (match_id, bot_id, human_id) VALUES ($1, $2, $3)",
            couple.match_id,
            couple.bot_id,
            couple.human_id,
        )
        await write_conversation(conn, couple, 60)
    return couple


async def remember(pool: asyncpg.Pool, llm: OfflineResponder, couple: Couple) -> bool:
    return await update_memory(
        pool,
        llm,
        couple.match_id,
        bot_id=couple.bot_id,
        persona_name="Camille",
        window_tokens=WINDOW,
    )


async def planned_generation(
    engine: ConversationEngine, clock: VirtualClock, match_id: uuid.UUID
) -> tuple[uuid.UUID, StepResult]:
    """Step the conversation until it asks for its reply to be composed: the plan's id and
    that step's result."""
    for _ in range(50):
        result = await engine.advance(match_id)
        if result.generate is not None:
            return result.generate, result
        assert result.wake_at is not None, result
        clock.now = max(clock.now, result.wake_at)
    raise AssertionError("no generation was asked for")


# --------------------------------------------------------------------------- memory update


async def test_a_memory_update_running_during_forget_writes_nothing_back(
    pool: asyncpg.Pool,
) -> None:
    """The model is composing the summary when the person is forgotten: once it answers, the
    update finds the conversation gone and stores nothing; its model call is recorded without
    the match. The memory stored before the erasure stays erased."""
    couple = await a_long_conversation(pool)
    # A first memory, stored before: the erasure must not see it come back either.
    assert await remember(pool, OfflineResponder(rng=random.Random(1)), couple)
    async with pool.acquire() as conn:
        await write_conversation(conn, couple, 30, start=60)
    model = HeldModel(hold=True)
    update = asyncio.create_task(remember(pool, model, couple))
    await asyncio.wait_for(model.asked.wait(), DEADLINE)  # the summary is being written
    await forget(pool, couple)
    model.release.set()
    assert await asyncio.wait_for(update, DEADLINE) is False
    async with pool.acquire() as conn:
        left = await service_rows(conn, couple)
        anonymous = await conn.fetchval(
            "SELECT count(*) FROM bot.llm_calls WHERE purpose = 'memory' AND match_id IS NULL"
        )
    assert nothing(left), left
    assert anonymous == 2  # the call before the erasure (anonymised by it) and the one during
    assert model.calls == 1


async def test_forget_waits_for_a_memory_being_stored_then_erases_it(
    pool: asyncpg.Pool,
) -> None:
    """A memory update storing its summary at the moment of the erasure holds the
    conversation's row: forget waits for it to commit, then erases what it stored."""
    couple = await a_long_conversation(pool)
    async with pool.acquire() as store, store.transaction():
        stored = await stored_memory.store(
            store,
            match_id=couple.match_id,
            summary="Marc randonne dans le Vercors.",
            facts={"prenom": "Marc"},
            covered_through=START,
        )
        assert stored is not None
        erasure = asyncio.create_task(forget(pool, couple))
        await until_someone_waits(pool)  # forget waits for the store's transaction
        assert not erasure.done()
    await asyncio.wait_for(erasure, DEADLINE)
    async with pool.acquire() as conn:
        left = await service_rows(conn, couple)
    assert nothing(left), left


# --------------------------------------------------------------------------- leftovers


async def test_a_leftover_wake_up_of_a_forgotten_match_does_nothing(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A reply was under way (the human wrote, the persona was about to answer) when the
    person was forgotten. The wake-up scheduled before, the generation it would have asked
    for, a later message and the catch-up scan all leave the match alone: no conversation
    row again, no model asked, nothing sent."""
    settings = make_settings(TIME_SCALE=1.0, ABSENCE_PROBABILITY=0.0)
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    model = HeldModel()
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        other = await make_couple(conn, human_name="Sam")
        await say(conn, couple, "Salut, moi c'est Léa !", at=clock.now)
    # The reply is planned, its composition asked for and its next step due.
    plan_id, planned = await planned_generation(engine, clock, couple.match_id)
    assert planned.wake_at is not None
    await forget(pool, couple)

    clock.now = planned.wake_at
    leftover = await engine.advance(couple.match_id)
    generation = await engine.generate(plan_id, model)
    async with pool.acquire() as conn:
        await say(conn, couple, "Tu es là ?", at=clock.now)
        await say(conn, other, "Coucou !", at=clock.now)
    again = await engine.advance(couple.match_id)
    async with pool.acquire() as conn:
        woken = await conversations_to_wake(
            conn, now=clock.now, lookback_s=3600, slack_s=1, limit=100, revive=False
        )
        left = await service_rows(conn, couple)
        sent = await bot_messages(conn, couple)
    assert leftover.note == "match forgotten"
    assert leftover.wake_at is None
    assert again.note == "match forgotten"
    assert generation.note == "generation not needed"
    assert model.calls == 0
    assert [w.match_id for w in woken] == [other.match_id]  # the scan still wakes the others
    assert nothing(left), left
    assert sent == 0


async def test_a_leftover_follow_up_of_a_forgotten_match_does_nothing(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """The persona answered and a follow-up was due 20 hours later; the person is forgotten
    meanwhile. When the follow-up's wake-up comes, nothing is written and no row comes back."""
    settings = make_settings(
        TIME_SCALE=1.0, FOLLOWUP_AFTER=20, FOLLOWUP_MAX=1, ABSENCE_PROBABILITY=0.0
    )
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    model = HeldModel()
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut ! Tu randonnes où ?", at=clock.now)
    await drive(engine, clock, couple.match_id, model, until=START + dt.timedelta(hours=2))
    async with pool.acquire() as conn:
        follow_up_at = await conn.fetchval(
            "SELECT next_wake_at FROM bot.conversations WHERE match_id = $1", couple.match_id
        )
        replied = await bot_messages(conn, couple)
    assert replied >= 1
    assert follow_up_at is not None
    assert follow_up_at >= START + dt.timedelta(hours=20)
    calls = model.calls
    await forget(pool, couple)

    clock.now = follow_up_at
    trace = await drive(engine, clock, couple.match_id, model)
    async with pool.acquire() as conn:
        left = await service_rows(conn, couple)
        sent = await bot_messages(conn, couple)
    assert [result.note for _, result in trace] == ["match forgotten"]
    assert model.calls == calls
    assert nothing(left), left
    assert sent == replied


# --------------------------------------------------------------------------- unmatch, block


@pytest.mark.parametrize("closed", ["unmatched", "blocked"])
async def test_a_generation_after_an_unmatch_or_block_asks_no_model(
    pool: asyncpg.Pool, make_settings: Any, closed: str
) -> None:
    """The generation waits for the conversation's lock (a step holds it) while the human
    unmatches or blocks: it reads the match after the lock, asks no model, and the next step
    cancels the reply."""
    settings = make_settings(TIME_SCALE=0.1, ABSENCE_PROBABILITY=0.0)
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    model = HeldModel()
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut !", at=clock.now)
    plan_id, _ = await planned_generation(engine, clock, couple.match_id)
    async with pool.acquire() as holder, holder.transaction():
        await conversations.lock(holder, match_id=couple.match_id)
        generation = asyncio.create_task(engine.generate(plan_id, model))
        await until_someone_waits(pool)  # the generation waits for the lock
        async with pool.acquire() as app:
            await app.execute(
                "UPDATE public.matches SET status = $2 WHERE id = $1", couple.match_id, closed
            )
    result = await asyncio.wait_for(generation, DEADLINE)
    assert result.note == f"match {closed}"
    assert result.match_id == couple.match_id
    assert result.wake_at is not None  # the next step cancels the plan at once
    assert model.calls == 0
    after = await engine.advance(couple.match_id)
    async with pool.acquire() as conn:
        status = await conn.fetchval("SELECT status FROM bot.reply_plans WHERE id = $1", plan_id)
        sent = await bot_messages(conn, couple)
    assert after.note == f"match {closed}"
    assert status == "cancelled"
    assert sent == 0


async def test_a_generation_of_an_open_match_still_asks_the_model(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """The same generation without the unmatch composes the reply (the check lets it by)."""
    settings = make_settings(TIME_SCALE=0.1, ABSENCE_PROBABILITY=0.0)
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    model = HeldModel()
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut !", at=clock.now)
    plan_id, _ = await planned_generation(engine, clock, couple.match_id)
    result = await engine.generate(plan_id, model)
    assert result.note == "generated"
    assert model.calls >= 1
