"""Policies: rate limits, the daily budget, unmatch mid-typing, and the AI disclosure."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.conversation.words.disclosure import ADMISSIONS
from randomatch_bot.conversation.words.prompt import DISCLOSURE_LINE
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.status import collect_status
from tests.support.databases import make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.openai_server import OpenAIServer
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration


async def conversation(conn: asyncpg.Connection, match_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM bot.conversations WHERE match_id = $1", match_id)
    assert row is not None
    return row


async def test_match_rate_limit_holds_then_answers(pool: asyncpg.Pool, make_settings: Any) -> None:
    """Past MATCH_REPLIES_PER_HOUR, the next reply waits for the window and the reason is kept."""
    settings = make_settings(TIME_SCALE=0.0, MATCH_REPLIES_PER_HOUR=2)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = OfflineResponder()
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        for text in ("un", "deux", "trois"):
            await say(conn, couple, text, at=clock.now)
            await drive(engine, clock, couple.match_id, llm, until=clock.now)
            clock.advance(60)
        held = await conversation(conn, couple.match_id)
        first_plan = await conn.fetchval(
            "SELECT min(created_at) FROM bot.reply_plans WHERE match_id = $1", couple.match_id
        )
        assert held["hold_reason"] == "match rate limit"
        assert held["next_wake_at"] == first_plan + dt.timedelta(hours=1)
        # Once the hour has passed, the third message is answered.
        await drive(engine, clock, couple.match_id, llm)
        done = await conn.fetchval(
            "SELECT count(*) FROM bot.reply_plans WHERE match_id = $1 AND status = 'done'",
            couple.match_id,
        )
        assert done == 3
        assert (await conversation(conn, couple.match_id))["hold_reason"] is None


async def test_bot_rate_limit_across_matches(pool: asyncpg.Pool, make_settings: Any) -> None:
    """BOT_REPLIES_PER_MINUTE counts the bot's replies in every match."""
    settings = make_settings(TIME_SCALE=0.0, BOT_REPLIES_PER_MINUTE=1)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = OfflineResponder()
    async with pool.acquire() as conn:
        first = await make_couple(conn)
        other_human = await conn.fetchval(
            "INSERT INTO public.profiles (id, display_name) VALUES (gen_random_uuid(), 'Zoé') "
            "RETURNING id"
        )
        second_match = await conn.fetchval(
            "INSERT INTO public.matches (id, user_a, user_b) VALUES (gen_random_uuid(), $1, $2) "
            "RETURNING id",
            other_human,
            first.bot_id,
        )
        await say(conn, first, "salut", at=clock.now)
        await drive(engine, clock, first.match_id, llm, until=clock.now)
        await conn.execute(
            "INSERT INTO public.messages (match_id, sender_id, content, created_at) "
            "VALUES ($1, $2, 'hello', $3)",
            second_match,
            other_human,
            clock.now,
        )
        await drive(engine, clock, second_match, llm, until=clock.now)
        held = await conversation(conn, second_match)
        assert held["hold_reason"] == "bot rate limit"
        assert held["next_wake_at"] <= clock.now + dt.timedelta(minutes=1)


async def test_daily_budget_quiets_the_bot_until_tomorrow(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """Over its daily token budget a bot goes quiet until midnight in its timezone, and says why."""
    settings = make_settings(
        TIME_SCALE=0.0, BOT_DAILY_TOKEN_BUDGET=1000, BOT_TIMEZONE="Europe/Paris"
    )
    clock = VirtualClock(dt.datetime(2026, 7, 14, 15, 0, tzinfo=dt.UTC))
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await conn.execute(
            "INSERT INTO bot.llm_calls (bot_id, model, ok, prompt_tokens, completion_tokens, "
            "latency_ms, created_at) VALUES ($1, 'm', true, 900, 200, 10, $2)",
            couple.bot_id,
            clock.now - dt.timedelta(hours=1),
        )
        await say(conn, couple, "tu dors ?", at=clock.now)
        await drive(engine, clock, couple.match_id, OfflineResponder(), until=clock.now)
        held = await conversation(conn, couple.match_id)
    assert held["hold_reason"].startswith("daily token budget spent (1100 of 1000)")
    # Midnight in Paris in July is 22:00 UTC.
    assert held["next_wake_at"] == dt.datetime(2026, 7, 14, 22, 0, tzinfo=dt.UTC)
    # `status` says why the bot is quiet.
    async with pool.acquire() as conn:
        report = await collect_status(settings, conn, None)
    assert report.held == {"daily token budget spent (1100 of 1000)": 1}


async def test_unmatch_mid_typing_stops_within_one_step(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """Unmatching while the bot types cancels the plan at once and clears the indicator."""
    settings = make_settings(TIME_SCALE=0.1, TYPING_SPEED_CPS=1.0)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        await say(conn, couple, "Tu fais quoi ce week-end ? Une grande rando ?")
        await eventually(
            lambda: conn.fetchval(
                "SELECT is_typing FROM public.typing_indicators WHERE match_id = $1",
                couple.match_id,
            ),
            lambda typing: typing is True,
        )
        sent_before = await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE sender_id = $1", couple.bot_id
        )
        await conn.execute(
            "UPDATE public.matches SET status = 'unmatched' WHERE id = $1", couple.match_id
        )
        status = await eventually(
            lambda: conn.fetchval(
                "SELECT status FROM bot.reply_plans WHERE match_id = $1", couple.match_id
            ),
            lambda s: s == "cancelled",
            timeout=10,
        )
        typing = await conn.fetchval(
            "SELECT is_typing FROM public.typing_indicators WHERE match_id = $1",
            couple.match_id,
        )
        sent_after = await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE sender_id = $1", couple.bot_id
        )
    assert status == "cancelled"
    assert typing is False
    assert sent_after - sent_before <= 1


async def _bot_answers(pool: asyncpg.Pool, settings: Any, question: str) -> list[asyncpg.Record]:
    """The persona's messages after a new couple's `question`, answered through the scripted
    model server the settings point at."""
    from randomatch_bot.llm import build_llm_client

    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = build_llm_client(settings)
    try:
        async with pool.acquire() as conn:
            couple = await make_couple(conn)
            await say(conn, couple, question, at=clock.now)
            await drive(engine, clock, couple.match_id, llm)
            return await conn.fetch(
                "SELECT content FROM public.messages WHERE sender_id = $1 ORDER BY created_at",
                couple.bot_id,
            )
    finally:
        await llm.aclose()


@pytest.mark.parametrize("policy", ["admit", "always", "play"])
async def test_disclosure_policy(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer, policy: str
) -> None:
    """admit: the model is told not to deny being an AI; always: the reply opens with it."""
    settings = make_settings(
        TIME_SCALE=0.0,
        DISCLOSURE_POLICY=policy,
        LLM_BASE_URL=openai_server.base_url,
        LLM_API_KEY="sk-test",
    )
    openai_server.script("Salut ! Oui je marche beaucoup, surtout en Chartreuse.")
    sent = await _bot_answers(pool, settings, "T'es une vraie personne ou une IA ?")
    closing = openai_server.chat_requests[0].messages[-1]
    assert closing["role"] == "system"
    assert ("tu ne le nies pas" in closing["content"]) is (policy == "admit")
    assert (sent[0]["content"] == DISCLOSURE_LINE) is (policy == "always")
    # admit: the reply dodged the sincere question, so it opens with the admission.
    assert (sent[0]["content"] == ADMISSIONS["fr"]) is (policy == "admit")
    assert len(sent) <= settings.max_parts


@pytest.mark.parametrize("policy", ["admit", "always"])
async def test_a_denial_is_never_sent(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer, policy: str
) -> None:
    """A model that says "je suis pas un robot" is overruled: the person reads an admission."""
    settings = make_settings(
        TIME_SCALE=0.0,
        DISCLOSURE_POLICY=policy,
        LLM_BASE_URL=openai_server.base_url,
        LLM_API_KEY="sk-test",
    )
    openai_server.script("Mais non je suis pas un robot 😄 Et toi, tu randonnes où ?")
    sent = await _bot_answers(pool, settings, "Sérieusement, tu es un bot ?")
    texts = [r["content"] for r in sent]
    assert texts
    assert all("robot" not in t for t in texts)
    assert ADMISSIONS["fr"] in texts


async def test_offline_responder_admits_being_an_ai(pool: asyncpg.Pool, make_settings: Any) -> None:
    """Asked sincerely, the offline persona does not deny being an AI."""
    settings = make_settings(TIME_SCALE=0.0)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Sérieusement, tu es un bot ?", at=clock.now)
        await drive(engine, clock, couple.match_id, OfflineResponder())
        sent = await conn.fetch(
            "SELECT content FROM public.messages WHERE sender_id = $1", couple.bot_id
        )
    said = " ".join(r["content"] for r in sent)
    assert "IA" in said or "intelligence artificielle" in said


async def test_two_bots_keep_their_own_hours(pool: asyncpg.Pool, make_settings: Any) -> None:
    """At 23:30 in Paris a night-owl persona answers now; an early bird waits for its morning."""
    settings = make_settings(TIME_SCALE=1.0, ABSENCE_PROBABILITY=0.0)
    # 23:30 in Paris on a winter day (UTC+1).
    clock = VirtualClock(dt.datetime(2026, 1, 15, 22, 30, tzinfo=dt.UTC))
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        early = await make_couple(conn, bot_name="Julien")
        owl = await make_couple(conn, bot_name="Léa")
        for couple, hours in ((early, "06:30-22:00"), (owl, "00:00-24:00")):
            await conn.execute(
                "INSERT INTO bot.personas (bot_id, name, system_prompt, timezone, active_hours) "
                "VALUES ($1, 'x', 'Tu es une randonneuse.', 'Europe/Paris', $2)",
                couple.bot_id,
                hours,
            )
            await say(conn, couple, "Tu es encore debout ?", at=clock.now)
        for couple in (early, owl):
            await drive(engine, clock, couple.match_id, OfflineResponder(), until=clock.now)
        grouped = clock.now
        clock.advance(60)
        for couple in (early, owl):
            await drive(engine, clock, couple.match_id, OfflineResponder(), until=clock.now)
        reads = {
            name: await conn.fetchval(
                "SELECT read_due_at FROM bot.reply_plans WHERE match_id = $1", couple.match_id
            )
            for name, couple in (("early", early), ("owl", owl))
        }
    paris_morning = dt.datetime(2026, 1, 16, 5, 30, tzinfo=dt.UTC)  # 06:30 in Paris
    assert reads["owl"] < grouped + dt.timedelta(minutes=2)
    assert paris_morning < reads["early"] < paris_morning + dt.timedelta(hours=2)


async def test_one_person_cannot_spend_the_bots_budget(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A person over their daily cost cap, summed over all their matches with bots, waits for
    tomorrow; another person is still answered."""
    settings = make_settings(TIME_SCALE=0.0, HUMAN_DAILY_COST_BUDGET=0.10)
    clock = VirtualClock(dt.datetime(2026, 7, 14, 15, 0, tzinfo=dt.UTC))
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        spender = await make_couple(conn)
        # The same person in a second match, with another bot: the cap is per person.
        other_bot = await make_couple(conn, bot_name="Julien")
        second = await conn.fetchval(
            "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3) RETURNING id",
            uuid.uuid4(),
            other_bot.bot_id,
            spender.human_id,
        )
        await conn.execute(
            "INSERT INTO bot.conversations (match_id, bot_id, human_id) VALUES ($1, $2, $3)",
            second,
            other_bot.bot_id,
            spender.human_id,
        )
        await conn.execute(
            "INSERT INTO bot.llm_calls (bot_id, match_id, model, ok, cost, latency_ms, created_at)"
            " VALUES ($1, $2, 'm', true, 0.12, 10, $3)",
            other_bot.bot_id,
            second,
            clock.now - dt.timedelta(hours=1),
        )
        someone_else = await make_couple(conn)
        await say(conn, spender, "tu es là ?", at=clock.now)
        await say(conn, someone_else, "tu es là ?", at=clock.now)
        await drive(engine, clock, spender.match_id, OfflineResponder(), until=clock.now)
        await drive(engine, clock, someone_else.match_id, OfflineResponder(), until=clock.now)
        held = await conversation(conn, spender.match_id)
        free = await conversation(conn, someone_else.match_id)
    assert held["hold_reason"].startswith("person's daily cost cap reached ($0.1200 of $0.10)")
    assert held["next_wake_at"] == dt.datetime(2026, 7, 14, 22, 0, tzinfo=dt.UTC)
    assert free["hold_reason"] is None
