"""Icebreakers: a persona that writes first does so once, after a human delay, in character."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from tests.support.databases import make_profile, say
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration

GREETINGS = ["Salut ! J'ai vu que tu aimais les lacs de montagne, tu as un préféré ?"]


async def bot_with_persona(conn: asyncpg.Connection, *, icebreaker: bool) -> uuid.UUID:
    bot_id = await make_profile(conn, "Camille", bot=True)
    await conn.execute(
        # Always awake: the test runs at any hour (the hours are tested on their own).
        "INSERT INTO bot.personas "
        "(bot_id, name, system_prompt, icebreaker, greetings, active_hours, absence_probability) "
        "VALUES ($1, 'Camille', 'Tu es Camille, randonneuse.', $2, $3, '00:00-24:00', 0)",
        bot_id,
        icebreaker,
        GREETINGS,
    )
    return bot_id


async def new_match(conn: asyncpg.Connection, bot_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    human = await make_profile(conn, "Alex", bot=False)
    match_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO public.matches (id, user_a, user_b) VALUES (gen_random_uuid(), $1, $2) "
        "RETURNING id",
        human,
        bot_id,
    )
    return match_id, human


async def messages(conn: asyncpg.Connection, match_id: uuid.UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT sender_id, content FROM public.messages WHERE match_id = $1 "
            "ORDER BY created_at, id",
            match_id,
        )
    )


async def test_icebreaker_opens_once(pool: asyncpg.Pool, make_settings: Any) -> None:
    """A new match with an icebreaker persona gets its greeting once; the reply flow follows."""
    settings = make_settings(TIME_SCALE=0.002)
    async with pool.acquire() as conn:
        bot_id = await bot_with_persona(conn, icebreaker=True)
        quiet_bot = await bot_with_persona(conn, icebreaker=False)
    async with running_pipeline(settings), pool.acquire() as conn:
        match_id, human = await new_match(conn, bot_id)
        quiet_match, _ = await new_match(conn, quiet_bot)
        opened = await eventually(lambda: messages(conn, match_id), lambda m: len(m) >= 1)
        assert opened[0]["sender_id"] == bot_id
        assert " ".join(m["content"] for m in opened) == GREETINGS[0]
        await say(conn, _couple(match_id, human, bot_id), "Le lac de la Muzelle !")
        # The reply may have several parts: it is over when its plan is, not at its first part.
        plans = await eventually(
            lambda: conn.fetch(
                "SELECT status, trigger_message_ids FROM bot.reply_plans WHERE match_id = $1 "
                "ORDER BY created_at",
                match_id,
            ),
            lambda rows: len(rows) == 2 and rows[-1]["status"] == "done",
        )
        sent = await messages(conn, match_id)
        assert len(sent) >= 3
        assert sent[-1]["sender_id"] == bot_id
        assert [p["status"] for p in plans] == ["done", "done"]
        assert plans[0]["trigger_message_ids"] == []
        assert await messages(conn, quiet_match) == []


def _couple(match_id: uuid.UUID, human: uuid.UUID, bot: uuid.UUID) -> Any:
    from tests.support.databases import Couple

    return Couple(bot, human, match_id)
