"""Where features meet: the style pass and disclosure, follow-ups and the spending caps,
presence and a reply that waits for the model, erasure and follow-ups."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.persona.presence import PresenceState, presence_of_match
from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.conversation.policies import followup
from randomatch_bot.conversation.words import disclosure, style
from randomatch_bot.conversation.words.closing import LINES
from randomatch_bot.conversation.words.composer import Composer, Conversation
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.llm.types import ChatMessage, Completion
from tests.support.databases import make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.night import night_offset

pytestmark = pytest.mark.integration

# A Saturday 10:00 in Paris.
START = dt.datetime(2026, 6, 13, 8, 0, tzinfo=dt.UTC)
PARIS = dt.timezone(dt.timedelta(hours=2))


class ScriptedResponder(OfflineResponder):
    """Answers every prompt with the same text, as an online model would."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    async def complete(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Completion:
        return Completion(self.text, "scripted", 10, 10, 0.0, 0.01, False)


async def bot_messages(conn: asyncpg.Connection, match_id: uuid.UUID, bot_id: uuid.UUID) -> Any:
    return await conn.fetch(
        "SELECT content, created_at FROM public.messages "
        "WHERE match_id = $1 AND sender_id = $2 ORDER BY created_at, id",
        match_id,
        bot_id,
    )


async def test_a_typo_of_the_style_pass_cannot_hide_a_claim_to_be_human(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A reply claiming to be human is replaced by the admission even when the persona's typo
    habit misspells the very word that makes it a claim."""
    settings = make_settings(DISCLOSURE_POLICY="admit")
    claim = "Je suis humaine, promis."
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Tu fais quoi ce week-end ?")
        composer = Composer(pool, settings)
        history, stored = await composer.history(conn, couple.match_id)
    persona = dataclasses.replace(
        Persona.default(settings, couple.bot_id, "Camille"), habits=frozenset({"typos"})
    )
    profile = style.StyleProfile(emoji=persona.emoji, habits=persona.habits)
    # A seed whose typo lands on "humaine": the styled parts no longer read as a claim.
    seed = next(
        s
        for s in range(20_000)
        if not any(
            disclosure.claims_human(p)
            for p in style.chat_parts(
                claim, profile=profile, max_parts=settings.max_parts, rng=random.Random(s)
            )
        )
    )
    composition = await composer.reply(
        ScriptedResponder(claim),
        persona,
        Conversation(couple.match_id, couple.bot_id, None),
        history,
        stored,
        random.Random(seed),
    )
    assert composition.parts == [disclosure.admission(persona.language)]


async def test_follow_up_is_held_by_the_persons_daily_reply_cap(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A follow-up is a reply like any other: the person's daily reply cap holds it until the
    next day instead of letting it through."""
    settings = make_settings(
        TIME_SCALE=1.0, FOLLOWUP_AFTER=2, FOLLOWUP_MAX=1, HUMAN_DAILY_REPLIES=1
    )
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut ! Tu randonnes où ?", at=clock.now)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder())
        sent = await bot_messages(conn, couple.match_id, couple.bot_id)
        plans = await conn.fetch(
            "SELECT trigger_message_ids, created_at FROM bot.reply_plans "
            "WHERE match_id = $1 AND status = 'done' ORDER BY created_at",
            couple.match_id,
        )
    notes = [r.note for _, r in trace]
    assert any(n.startswith("held: person's daily reply cap") for n in notes), notes
    assert len(plans) == 2
    assert plans[1]["trigger_message_ids"] == []
    # The follow-up waited for the next day in Paris, where the cap starts again.
    assert plans[1]["created_at"].astimezone(PARIS).date() == dt.date(2026, 6, 14)
    assert sent[-1]["created_at"].astimezone(PARIS).date() == dt.date(2026, 6, 14)


async def test_presence_is_not_online_while_the_reply_waits_for_the_model(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """While a read message's reply waits out a model outage (or a pause), the chat header
    says the persona is away until the next try, not "en ligne"."""
    settings = make_settings(TIME_SCALE=1.0)
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Coucou, ça va ?", at=clock.now)
        for _ in range(20):  # up to the read: the generation is not run
            result = await engine.advance(couple.match_id)
            if result.generate is not None:
                break
            assert result.wake_at is not None
            clock.now = max(clock.now, result.wake_at)
        assert result.generate is not None
        retry_at = clock.now + dt.timedelta(hours=2)
        await conn.execute(
            "UPDATE bot.reply_plans SET retry_at = $2 WHERE id = $1", result.generate, retry_at
        )
        clock.advance(60)
        waiting = await engine.advance(couple.match_id)
        assert waiting.note == "waiting for the model"
        persona = Persona.default(settings, couple.bot_id, "Camille")
        shown = await presence_of_match(conn, settings, persona, couple.match_id, clock.now)
    assert shown.state is PresenceState.AWAY, shown
    assert shown.until == retry_at
    assert shown.reason == "waiting for the model"


async def test_no_follow_up_to_a_person_who_said_they_are_a_minor(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """After the closing line to a person who said they are under 18, a silence brings no
    follow-up: the conversation must not go on from the persona's side."""
    settings = make_settings(TIME_SCALE=1.0, FOLLOWUP_AFTER=2, FOLLOWUP_MAX=1)
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut ! J'ai 15 ans et j'adore la rando", at=clock.now)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder())
        sent = await bot_messages(conn, couple.match_id, couple.bot_id)
    notes = [r.note for _, r in trace]
    assert [m["content"] for m in sent] in [[line] for line in LINES["fr"]]
    assert "follow-up planned" not in notes, notes


async def test_follow_up_hours_are_judged_on_the_shifted_clock(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """With HOURS_CLOCK_OFFSET showing the persona's night, a due follow-up waits for her
    morning on that clock, as a reply does, instead of going out at once."""
    settings = make_settings(
        TIME_SCALE=1.0, FOLLOWUP_AFTER=1, ACTIVE_HOURS="08:00-23:30", BOT_TIMEZONE="Europe/Paris"
    )
    offset = dt.timedelta(seconds=night_offset(START))  # her clock shows 03:00 in Paris
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut ! Tu randonnes où ?", at=START - dt.timedelta(hours=3))
        await conn.execute(
            "INSERT INTO public.messages (match_id, sender_id, content, created_at) "
            "VALUES ($1, $2, 'Surtout en Chartreuse, et toi ?', $3)",
            couple.match_id,
            couple.bot_id,
            START - dt.timedelta(hours=2),
        )
        persona = Persona.default(settings, couple.bot_id, "Camille")
        when = await followup.next_followup(
            conn, persona, couple.match_id, couple.human_id, START, 1.0, offset
        )
    assert when == START + dt.timedelta(hours=5)  # 08:00 on her clock
