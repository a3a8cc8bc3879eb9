"""One persona, many conversations, one life: through the engine, a model that contradicts
itself on purpose still sends a consistent persona; her week is the same in two conversations
the same day and moves on a week later; claims her conversations agree on join her canon,
which the operator reads through the API."""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from typing import Any

import asyncpg
import pytest

from randomatch_bot.api import create_app
from randomatch_bot.conversation.persona import life
from randomatch_bot.conversation.persona.card import load_persona
from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.conversation.words import week
from randomatch_bot.db import life as stored_life
from randomatch_bot.llm import OfflineResponder, build_llm_client
from randomatch_bot.llm.types import LLMClient
from randomatch_bot.process_metrics import METRICS
from tests.support.api_server import asgi_client
from tests.support.databases import Couple, make_couple, make_profile, say
from tests.support.drive import VirtualClock, drive
from tests.support.liar import liar, liar_reviewer
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.integration

WEDNESDAY = dt.datetime(2026, 6, 17, 7, 0, tzinfo=dt.UTC)  # 09:00 in Paris
QUESTIONS = (
    "Au fait, tu as quel âge ?",
    "Et tu vis où exactement ?",
    "Tu fais quoi dans la vie ?",
    "Tu fais quoi samedi ?",
)
TOKEN = "tok-canon-0123456789abcdef"


async def second_match(conn: asyncpg.Connection, couple: Couple) -> Couple:
    """Another person matched with the same bot."""
    human = await make_profile(conn, "Sam", bot=False)
    match_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
        match_id,
        human,
        couple.bot_id,
    )
    return Couple(couple.bot_id, human, match_id)


async def ask(
    pool: asyncpg.Pool,
    engine: ConversationEngine,
    clock: VirtualClock,
    llm: LLMClient,
    couple: Couple,
    text: str,
) -> str:
    """The person asks; the conversation runs to its end; what the persona sent."""
    asked = clock.now
    async with pool.acquire() as conn:
        await say(conn, couple, text, at=asked)
    trace = await drive(engine, clock, couple.match_id, llm)
    if any(result.remember for _, result in trace):
        await engine.remember(couple.match_id, llm)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT content FROM public.messages WHERE match_id = $1 AND sender_id = $2 "
            "AND created_at >= $3 ORDER BY created_at",
            couple.match_id,
            couple.bot_id,
            asked,
        )
    clock.advance(120)
    return " ".join(r["content"] for r in rows)


def contradictions_counted() -> float:
    total = 0.0
    for metric in METRICS.registry.collect():
        if metric.name == "randomatch_self_contradictions":
            total += sum(s.value for s in metric.samples if s.name.endswith("_total"))
    return total


async def conversation_answers(
    pool: asyncpg.Pool, make_settings: Any, server: OpenAIServer, *, on: bool
) -> list[str]:
    """Two conversations with the same persona, each asking the four questions twice."""
    settings = make_settings(
        LLM_BASE_URL=server.base_url, LLM_API_KEY="sk-test", SELF_CONSISTENCY=on, TIME_SCALE=0.05
    )
    clock = VirtualClock(WEDNESDAY)
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = build_llm_client(settings)
    answers: list[str] = []
    try:
        async with pool.acquire() as conn:
            first = await make_couple(conn)
            second = await second_match(conn, first)
        for couple in (first, second):
            for _ in range(2):
                for question in QUESTIONS:
                    answers.append(await ask(pool, engine, clock, llm, couple, question))
    finally:
        await llm.aclose()
    return answers


async def test_a_self_contradicting_model_still_sends_a_consistent_persona(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """Each personal question gets a different answer from the model every time; what the
    person receives is her age, her town, her job and her Saturday, in both conversations,
    early and late: the contradicting replies were asked for again with the fact."""
    openai_server.default_reply = liar
    openai_server.default_review = liar_reviewer
    openai_server.default_week = liar
    counted = contradictions_counted()
    answers = await conversation_answers(pool, make_settings, openai_server, on=True)
    ages = {a for text in answers for a in re.findall(r"\b(\d\d) ans\b", text)}
    towns = {t for text in answers for t in re.findall(r"vis à ([A-ZÀ-Ö][\w-]+)", text)}
    jobs = {j for text in answers for j in re.findall(r"Je suis ([\w ]+)\.", text)}
    saturdays = [text for text in answers if text.startswith("Samedi")]
    assert ages == {"29"}
    assert towns == {"Grenoble"}
    assert jobs == {"infirmière"}
    assert len(saturdays) == 4
    assert len(set(saturdays)) == 1  # her one Saturday, from her week
    corrected = [
        r for r in openai_server.chat_requests if "Les faits :" in str(r.messages[-1]["content"])
    ]
    assert corrected, "the contradicting replies were asked for again with the fact"
    assert contradictions_counted() - counted >= len(corrected)
    # The job is not a number or a place: the guard's review caught it, in its one call.
    assert any(
        "persona_facts" in str(r.messages[-1]["content"]) for r in openai_server.review_requests
    )


async def test_a_failed_review_leaves_her_facts_to_the_rules_without_a_second_call(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """The guard's review, which also asks about her facts, fails: no second call asks about
    them; the rules alone catch a wrong age, and the reply asked for again is her age."""
    openai_server.default_reply = liar
    openai_server.default_week = liar
    openai_server.default_review = lambda _body: "Looks fine to me!"  # unreadable: a failure
    settings = make_settings(
        LLM_BASE_URL=openai_server.base_url,
        LLM_API_KEY="sk-test",
        SELF_CONSISTENCY=True,
        TIME_SCALE=0.05,
    )
    clock = VirtualClock(WEDNESDAY)
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = build_llm_client(settings)
    try:
        async with pool.acquire() as conn:
            couple = await make_couple(conn)
        answers = [await ask(pool, engine, clock, llm, couple, QUESTIONS[0]) for _ in range(3)]
    finally:
        await llm.aclose()
    assert {a for text in answers for a in re.findall(r"\b(\d\d) ans\b", text)} == {"29"}
    replies = openai_server.chat_requests
    reviews = openai_server.review_requests
    # One review per reply written, with her facts: none asked about them alone.
    assert len(reviews) == len(replies)
    assert all("persona_facts" in str(r.messages[-1]["content"]) for r in reviews)


async def test_without_her_life_the_same_model_contradicts_itself(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """The comparison: SELF_CONSISTENCY off, the same model's ages and towns vary."""
    openai_server.default_reply = liar
    openai_server.default_review = liar_reviewer
    openai_server.default_week = liar
    answers = await conversation_answers(pool, make_settings, openai_server, on=False)
    ages = {a for text in answers for a in re.findall(r"\b(\d\d) ans\b", text)}
    assert len(ages) > 1
    assert not any("[Ta vie" in str(r.messages) for r in openai_server.chat_requests)


async def test_her_week_is_shared_by_her_conversations_and_moves_on(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """The same day, two conversations get the same agenda and the same Saturday from her;
    a week later (virtual clock) the agenda is another."""
    settings = make_settings(TIME_SCALE=0.05)
    clock = VirtualClock(WEDNESDAY)
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = OfflineResponder(rng=random.Random(5))
    async with pool.acquire() as conn:
        first = await make_couple(conn)
        second = await second_match(conn, first)
        persona = await load_persona(conn, settings, first.bot_id, "Camille")
    one = await week.with_life(pool, settings, llm, persona, first.match_id, clock.now)
    clock.advance(5 * 3600)
    two = await week.with_life(pool, settings, llm, persona, second.match_id, clock.now)
    assert one.life is not None
    assert two.life is not None
    assert one.life.days == two.life.days
    assert one.life.days
    said = [
        await ask(pool, engine, clock, llm, c, "Tu fais quoi samedi ?") for c in (first, second)
    ]
    assert said[0] == said[1]
    assert said[0].startswith("Samedi")
    clock.advance(7 * 24 * 3600)
    later = await week.with_life(pool, settings, llm, persona, first.match_id, clock.now)
    assert later.life is not None
    assert later.life.today == one.life.today + dt.timedelta(days=7)
    upcoming = [d for d in later.life.days if d.date >= later.life.today]
    assert upcoming
    assert all(d not in one.life.days for d in upcoming)
    # Last week's Saturday is still there, now in the past: "c'était bien samedi ?" fits.
    saturday = next(d for d in one.life.days if d.date.weekday() == 5 and d.date >= one.life.today)
    assert saturday in later.life.days
    async with pool.acquire() as conn:
        weeks = await conn.fetch(
            "SELECT week, source FROM bot.persona_weeks WHERE bot_id = $1 ORDER BY week",
            first.bot_id,
        )
    assert [(w["week"], w["source"]) for w in weeks] == [("2026-W25", "card"), ("2026-W26", "card")]


async def test_claims_her_conversations_agree_on_join_her_canon(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A pet said in three conversations joins the canon (promoted, with its count); an
    operator's entry is never overwritten; the API shows where each fact comes from."""
    settings = make_settings(MONITORING_TOKEN=TOKEN, CANON_PROMOTE_AFTER=3)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        persona = await load_persona(conn, settings, couple.bot_id, "Camille")
        await stored_life.set_canon(conn, bot_id=couple.bot_id, key="famille", value="une sœur")
        for n in range(3):
            other = couple if n == 0 else await second_match(conn, couple)
            await stored_life.store_self_facts(
                conn,
                match_id=other.match_id,
                bot_id=couple.bot_id,
                facts={"animaux": "un chat, Pixel", "famille": "deux frères", "age": "31"},
            )
        assert await life.promote_claims(conn, persona, min_conversations=3) == ["animaux"]
    app = create_app(settings)
    async with asgi_client(app, token=TOKEN) as http:
        response = await http.get(f"/personas/{couple.bot_id}/canon")
        assert response.status_code == 200
        canon = {e["key"]: (e["value"], e["source"]) for e in response.json()["canon"]}
        assert canon["age"] == ("29", "card")
        assert canon["animaux"] == ("un chat, Pixel", "promoted")
        assert canon["famille"] == ("une sœur", "operator")
        assert response.json()["week"]["iso"]
        assert (await http.get(f"/personas/{uuid.uuid4()}/canon")).status_code == 404
    async with asgi_client(app) as anonymous:
        assert (await anonymous.get(f"/personas/{couple.bot_id}/canon")).status_code in (401, 403)


def test_eval_consistency_counts_contradictions_with_and_without_her_life(tmp_path: Any) -> None:
    """End to end against the local OpenAI-protocol server: with the self-contradicting model,
    her answers agree with her life on; without it they contradict each other; the judge
    (the same server) gives its count per persona."""
    from randomatch_bot.config import Settings
    from randomatch_bot.evaluation.consistency import (
        ConsistencyOptions,
        render_markdown,
        run_consistency,
        write_consistency,
    )

    def liar_or_judge(body: Any) -> str:
        system = str((body.get("messages") or [{}])[0].get("content", ""))
        if "Tu vérifies la cohérence" in system:
            return '{"contradictions": 2}'
        return liar(body)

    settings = Settings(_env_file=None, LLM_API_KEY=None)  # type: ignore[call-arg]
    with OpenAIServer(default_reply=liar_or_judge) as server:
        server.default_review = liar_reviewer
        server.default_week = liar
        report = run_consistency(
            settings,
            ConsistencyOptions(
                personas=1, conversations=2, filler_turns=1, llm_url=server.base_url
            ),
        )
    figures = report.figures()
    assert figures["canon"]["Camille"]["contradictions"] == 0
    assert figures["canon"]["Camille"]["structured"] == 16
    assert figures["none"]["Camille"]["contradictions"] > 0
    assert report.judged["canon"]["Camille"] == 2
    paths = write_consistency(report, tmp_path)
    table = render_markdown(report)
    assert "| Camille | with the canon | 16 | 16 | 0 |" in table
    assert paths["json"].is_file()


async def test_the_model_writes_her_coming_week_ahead_once(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """From the memory task, the model writes next week once for the persona; her replies of
    that week then read it, in every conversation."""
    openai_server.default_week = liar
    settings = make_settings(LLM_BASE_URL=openai_server.base_url, LLM_API_KEY="sk-test")
    llm = build_llm_client(settings)
    try:
        async with pool.acquire() as conn:
            first = await make_couple(conn)
            second = await second_match(conn, first)
            persona = await load_persona(conn, settings, first.bot_id, "Camille")
        for couple in (first, second):  # two memory updates, one week written
            await week.prepare_next_week(
                pool, settings, llm, persona, WEDNESDAY, match_id=couple.match_id
            )
        assert len(openai_server.week_requests) == 1
        monday = WEDNESDAY + dt.timedelta(days=5)
        lives = [
            (await week.with_life(pool, settings, llm, persona, c.match_id, monday)).life
            for c in (first, second)
        ]
    finally:
        await llm.aclose()
    assert lives[0] is not None
    assert lives[1] is not None
    assert lives[0].days == lives[1].days
    saturday = [d for d in lives[0].days if d.date == dt.date(2026, 6, 27)]
    assert saturday
    assert "Vercors" in saturday[0].text
