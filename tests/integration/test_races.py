"""The races of a conversation step, each reproduced on a virtual clock or with a held lock."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.persona.card import set_persona_enabled
from randomatch_bot.conversation.plan.engine import ConversationEngine, StepResult
from randomatch_bot.db import conversations, wakeups
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.worker import tasks
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock, drive

pytestmark = pytest.mark.integration


async def step_until(
    engine: ConversationEngine, clock: VirtualClock, match_id: uuid.UUID, prefix: str
) -> StepResult:
    """Run the conversation's steps at their due times until one's note starts with `prefix`
    (the generation is run when asked); returns that step's result."""
    llm = OfflineResponder()
    for _ in range(50):
        result = await engine.advance(match_id)
        if result.generate is not None:
            await engine.generate(result.generate, llm)
        if result.note.startswith(prefix):
            return result
        assert result.wake_at is not None, result
        clock.now = max(clock.now, result.wake_at)
    raise AssertionError(f"no step {prefix!r}")


async def bot_messages(conn: asyncpg.Connection, couple: Couple) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT * FROM public.messages WHERE match_id = $1 AND sender_id = $2",
            couple.match_id,
            couple.bot_id,
        )
    )


async def test_a_step_a_little_early_runs(pool: asyncpg.Pool, make_settings: Any) -> None:
    """A step woken a few milliseconds before its due time (another host's clock) does its
    work instead of asking for the same due time again."""
    settings = make_settings(TIME_SCALE=0.1)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut !", at=clock.now)
        typing = await step_until(engine, clock, couple.match_id, "typing part 0")
        assert typing.wake_at is not None
        clock.now = typing.wake_at - dt.timedelta(milliseconds=5)
        result = await engine.advance(couple.match_id)
    assert result.note != "not due yet"
    assert result.note.startswith(("sent part", "reply done"))


@dataclass
class FakeExecution:
    disposition: Any


@dataclass
class FakeDocket:
    """Records what would be scheduled, refusing a key that is "running" as docket does."""

    running: set[str] = field(default_factory=set)
    added: list[tuple[str, dt.datetime | None]] = field(default_factory=list)

    def add(self, _function: Any, *, when: dt.datetime | None = None, key: str) -> Any:
        async def schedule(*_args: Any) -> FakeExecution:
            value = "already_scheduled" if key in self.running else "scheduled"
            if value == "scheduled":
                self.added.append((key, when))
            return FakeExecution(type("D", (), {"value": value})())

        return schedule

    def call(self, _function: Any, *, when: dt.datetime | None = None, key: str) -> Any:
        return lambda *_args: (key, when)

    async def add_many(self, calls: list[Any], *, chunk_size: int | None) -> list[Any]:
        self.added.extend(call for call in calls if call[0] not in self.running)
        return [type("E", (), {"schedule_exception": None})() for _ in calls]


async def test_same_due_time_again_is_not_lost_to_the_running_key() -> None:
    """A step that asks for the due time it was scheduled for gets a key of its own, due after
    what its own clock says is left, instead of docket refusing the running key."""
    match_id = uuid.uuid4()
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    running = tasks.wake_key(match_id, due)
    docket = FakeDocket(running={running})
    step_now = due - dt.timedelta(seconds=1)
    await tasks.follow_up(
        docket,  # type: ignore[arg-type]
        match_id,
        StepResult("not due yet", wake_at=due),
        running_key=running,
        step_clock=lambda: step_now,
    )
    assert len(docket.added) == 1
    key, when = docket.added[0]
    assert key == f"{running}:again"
    assert when is not None
    left = (when - dt.datetime.now(dt.UTC)).total_seconds()
    assert 0.5 < left <= 1.0


async def test_unmatch_while_waiting_for_the_lock_sends_nothing(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A step that waited for the conversation's lock while the human unmatched reads the
    match after the lock: it cancels the reply instead of sending a part."""
    settings = make_settings(TIME_SCALE=0.1)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut !", at=clock.now)
        typing = await step_until(engine, clock, couple.match_id, "typing part 0")
        assert typing.wake_at is not None
        clock.now = typing.wake_at
    async with pool.acquire() as holder, holder.transaction():
        await conversations.lock(holder, match_id=couple.match_id)
        step = asyncio.create_task(engine.advance(couple.match_id))
        await asyncio.sleep(0.3)  # the step is now waiting for the lock
        async with pool.acquire() as app:
            await app.execute(
                "UPDATE public.matches SET status = 'unmatched' WHERE id = $1", couple.match_id
            )
    result = await asyncio.wait_for(step, timeout=30)
    async with pool.acquire() as conn:
        sent = await bot_messages(conn, couple)
        plan = await conn.fetchval(
            "SELECT status FROM bot.reply_plans WHERE match_id = $1", couple.match_id
        )
    assert result.note == "match unmatched"
    assert sent == []
    assert plan == "cancelled"


async def test_disable_stops_the_plan_and_enable_wakes_it(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """Disabling a persona mid-reply stops the plan at its next step (indicator off, nothing
    more sent); enabling it releases the conversation for the catch-up, which answers."""
    settings = make_settings(TIME_SCALE=0.1, MAX_PARTS=1)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await conn.execute(
            "INSERT INTO bot.personas (bot_id, name, system_prompt, active_hours) "
            "VALUES ($1, 'Camille', 'Tu es Camille.', '00:00-24:00')",
            couple.bot_id,
        )
        await say(conn, couple, "Salut !", at=clock.now)
        typing = await step_until(engine, clock, couple.match_id, "typing part 0")
        assert typing.wake_at is not None
        await set_persona_enabled(conn, couple.bot_id, False)
        clock.now = typing.wake_at
        stopped = await engine.advance(couple.match_id)
        on = await conn.fetchval(
            "SELECT bool_or(is_typing) FROM public.typing_indicators WHERE match_id = $1",
            couple.match_id,
        )
        assert stopped.note == "persona disabled"
        assert not on
        assert await bot_messages(conn, couple) == []
        await set_persona_enabled(conn, couple.bot_id, True)
        now = await conn.fetchval("SELECT now()")
        woken = await wakeups.conversations_to_wake(
            conn, now=now, lookback_s=86400.0, slack_s=1.0, limit=100, revive=True
        )
        assert couple.match_id in [r.match_id for r in woken]
        await drive(engine, clock, couple.match_id, OfflineResponder())
        assert len(await bot_messages(conn, couple)) == 1


async def test_bot_parts_take_the_database_clock(pool: asyncpg.Pool, make_settings: Any) -> None:
    """A worker whose clock is an hour ahead still stamps its parts with PostgreSQL's time."""
    settings = make_settings(TIME_SCALE=0.0)
    clock = VirtualClock(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    engine = ConversationEngine(pool, settings, clock=clock, db_clock=True)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut !")
        await drive(engine, clock, couple.match_id, OfflineResponder())
        skew = await conn.fetchval(
            "SELECT max(extract(epoch FROM created_at - now())) FROM public.messages "
            "WHERE sender_id = $1",
            couple.bot_id,
        )
    assert skew is not None
    assert skew < 60


async def test_interrupted_plans_do_not_count_toward_the_rate_limit(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """With one reply per hour allowed, a plan interrupted before sending anything does not use
    it: the reply that answers both messages goes out without being held."""
    settings = make_settings(TIME_SCALE=0.1, MATCH_REPLIES_PER_HOUR=1)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut !", at=clock.now)
        await step_until(engine, clock, couple.match_id, "plan started")
        await say(conn, couple, "Tu es là ?", at=clock.now)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder())
        hold = await conn.fetchval(
            "SELECT hold_reason FROM bot.conversations WHERE match_id = $1", couple.match_id
        )
    assert not any(r.note.startswith("held") for _, r in trace)
    assert hold is None
    assert trace[-1][1].note == "reply done"


async def test_interruption_restarts_a_short_grouping_wait(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A message that interrupts a plan long after the first one starts a new grouping wait
    (the human may still be typing) instead of a new plan at once."""
    settings = make_settings(TIME_SCALE=1.0, GROUPING_WINDOW=4, GROUPING_CAP=30)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut !", at=clock.now)
        await step_until(engine, clock, couple.match_id, "plan started")
        clock.advance(40)
        await say(conn, couple, "Au fait, tu connais le Taillefer ?", at=clock.now)
        result = await engine.advance(couple.match_id)
    assert result.note == "grouping"
    assert result.wake_at is not None
    assert result.wake_at > clock.now
