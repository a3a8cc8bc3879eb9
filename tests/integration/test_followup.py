"""Follow-ups: the persona writes once more after a silence, never after an unmatch or a
request to stop, within its active hours, and exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.conversation.words.prompt import FOLLOWUP_NOTE
from randomatch_bot.conversation.words.signals import asks_to_stop
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.llm.types import ChatMessage, Completion
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock, drive

pytestmark = pytest.mark.integration

# A Saturday 10:00 in Paris.
START = dt.datetime(2026, 6, 13, 8, 0, tzinfo=dt.UTC)


async def bot_messages(conn: asyncpg.Connection, couple: Couple) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT content, created_at FROM public.messages "
            "WHERE match_id = $1 AND sender_id = $2 ORDER BY created_at, id",
            couple.match_id,
            couple.bot_id,
        )
    )


async def done_plans(conn: asyncpg.Connection, match_id: uuid.UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT trigger_message_ids, parts FROM bot.reply_plans "
            "WHERE match_id = $1 AND status = 'done' ORDER BY created_at",
            match_id,
        )
    )


class RecordingResponder(OfflineResponder):
    """The offline responder, keeping every prompt it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.prompts: list[list[ChatMessage]] = []

    async def complete(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Completion:
        self.prompts.append(list(messages))
        return await super().complete(messages, **kwargs)


def engine_for(pool: asyncpg.Pool, settings: Any, clock: VirtualClock) -> ConversationEngine:
    return ConversationEngine(pool, settings, clock=clock)


async def test_one_follow_up_after_a_silence(pool: asyncpg.Pool, make_settings: Any) -> None:
    """After FOLLOWUP_AFTER hours without an answer the persona writes once, in context, and
    no more (FOLLOWUP_MAX=1)."""
    settings = make_settings(
        TIME_SCALE=1.0, FOLLOWUP_AFTER=20, FOLLOWUP_MAX=1, ABSENCE_PROBABILITY=0.0
    )
    clock = VirtualClock(START)
    engine = engine_for(pool, settings, clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut ! Tu randonnes où ?", at=clock.now)
        llm = RecordingResponder()
        trace = await drive(engine, clock, couple.match_id, llm)
        sent = await bot_messages(conn, couple)
        plans = await done_plans(conn, couple.match_id)
    notes = [r.note for _, r in trace]
    assert notes.count("follow-up planned") == 1
    assert len(plans) == 2
    assert plans[1]["trigger_message_ids"] == []
    follow_up = plans[1]["parts"]
    assert [m["content"] for m in sent][-len(follow_up) :] == list(follow_up)
    last_reply_at = sent[-len(follow_up) - 1]["created_at"]
    gap = sent[-len(follow_up)]["created_at"] - last_reply_at
    assert gap >= dt.timedelta(hours=20)
    assert gap <= dt.timedelta(hours=21)
    # Written in context: the whole conversation, then the follow-up instruction, then the
    # rules, which stay the last word of the prompt.
    prompt = llm.prompts[-1]
    assert [m.role for m in prompt[-2:]] == ["system", "system"]
    assert prompt[-2].content == FOLLOWUP_NOTE
    assert prompt[-1].content.startswith("Règles")
    assert any("Tu randonnes où ?" in m.content for m in prompt if m.role == "user")


async def test_follow_up_waits_for_active_hours(pool: asyncpg.Pool, make_settings: Any) -> None:
    """A follow-up that falls due at night is written once the persona's day has begun."""
    settings = make_settings(
        TIME_SCALE=1.0,
        FOLLOWUP_AFTER=14,
        ACTIVE_HOURS="08:00-22:00",
        BOT_TIMEZONE="Europe/Paris",
        ABSENCE_PROBABILITY=0.0,
    )
    clock = VirtualClock(START)  # 10:00 in Paris: due at midnight, sent after 08:00
    engine = engine_for(pool, settings, clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Hello !", at=clock.now)
        await drive(engine, clock, couple.match_id, OfflineResponder())
        sent = await bot_messages(conn, couple)
    paris = sent[-1]["created_at"].astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert paris.date() == dt.date(2026, 6, 14)
    assert 8 <= paris.hour < 22


async def test_no_follow_up_after_unmatch_or_a_request_to_stop(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """An unmatch cancels the follow-up to come; a human who asked to stop gets none."""
    settings = make_settings(TIME_SCALE=1.0, FOLLOWUP_AFTER=20, ABSENCE_PROBABILITY=0.0)
    clock = VirtualClock(START)
    engine = engine_for(pool, settings, clock)
    llm = OfflineResponder()
    async with pool.acquire() as conn:
        unmatched = await make_couple(conn)
        await say(conn, unmatched, "Salut !", at=clock.now)
        await drive(engine, clock, unmatched.match_id, llm, until=clock.now + dt.timedelta(hours=1))
        before = len(await bot_messages(conn, unmatched))
        await conn.execute(
            "UPDATE public.matches SET status = 'unmatched' WHERE id = $1", unmatched.match_id
        )
        clock.advance(30 * 3600)
        trace = await drive(engine, clock, unmatched.match_id, llm)
        assert [r.note for _, r in trace] == ["match unmatched"]
        assert len(await bot_messages(conn, unmatched)) == before

        stop = await make_couple(conn, human_name="Sam")
        await say(conn, stop, "Écoute, arrête de m'écrire stp.", at=clock.now)
        trace = await drive(engine, clock, stop.match_id, llm)
        assert "follow-up planned" not in [r.note for _, r in trace]
        assert len(await done_plans(conn, stop.match_id)) == 1


async def test_follow_up_steps_redone_send_it_once(pool: asyncpg.Pool, make_settings: Any) -> None:
    """Each step of a follow-up run twice at once (a redelivered task, two workers): one plan,
    each part inserted once."""
    settings = make_settings(TIME_SCALE=1.0, FOLLOWUP_AFTER=20, ABSENCE_PROBABILITY=0.0)
    clock = VirtualClock(START)
    engines = [engine_for(pool, settings, clock), engine_for(pool, settings, clock)]
    llm = OfflineResponder()
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Coucou, tu fais quoi ce week-end ?", at=clock.now)
        for _ in range(200):
            results = await asyncio.gather(*(e.advance(couple.match_id) for e in engines))
            for result in results:
                if result.generate is not None:
                    await asyncio.gather(*(e.generate(result.generate, llm) for e in engines))
            wakes = [r.wake_at for r in results if r.wake_at is not None]
            if not wakes:
                break
            clock.now = max(clock.now, min(wakes))
        sent = await bot_messages(conn, couple)
        plans = await done_plans(conn, couple.match_id)
    assert len(plans) == 2
    assert [m["content"] for m in sent] == [*plans[0]["parts"], *plans[1]["parts"]]


def test_requests_to_stop_are_recognised() -> None:
    """French and English requests to stop are recognised; ordinary messages are not."""
    assert asks_to_stop("Laisse-moi tranquille.")
    assert asks_to_stop("Je ne suis pas intéressée, désolée")
    assert asks_to_stop("please stop texting me")
    for ordinary in ("On s'arrête au refuge pour manger ?", "Top la rando !", "on a fait un stop"):
        assert not asks_to_stop(ordinary)
