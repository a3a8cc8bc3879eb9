"""The optional contract extensions (reactions, photo attachments) on a Supabase-shaped
database, for the least-privilege runtime role: used when granted, never a failing reply."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.db import reactions
from randomatch_bot.llm import OfflineResponder
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.supabase import create_runtime_role, runtime_dsn

pytestmark = pytest.mark.integration

START = dt.datetime(2026, 6, 13, 8, 0, tzinfo=dt.UTC)
# What the app creates when it adds reactions and attachments: its tables, RLS on.
APP_EXTENSIONS = """
CREATE TABLE public.message_reactions (
    message_id uuid NOT NULL REFERENCES public.messages (id),
    user_id uuid NOT NULL,
    emoji text NOT NULL,
    PRIMARY KEY (message_id, user_id));
ALTER TABLE public.message_reactions ENABLE ROW LEVEL SECURITY;
CREATE TABLE public.message_attachments (
    message_id uuid NOT NULL REFERENCES public.messages (id),
    url text NOT NULL);
ALTER TABLE public.message_attachments ENABLE ROW LEVEL SECURITY;
"""


@pytest.fixture
def db_dsn(supabase_dsn: str) -> str:
    """In this module `pool` and `make_settings` use the migrated Supabase-shaped database."""
    return supabase_dsn


@pytest.fixture
async def runtime_pool(pool: asyncpg.Pool, supabase_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool of the documented runtime role (no superuser, no BYPASSRLS), set up before the
    app has any extension table."""
    async with pool.acquire() as conn:
        await create_runtime_role(conn)
    pool = await asyncpg.create_pool(runtime_dsn(supabase_dsn), min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()


async def _answer_ok(
    pool: asyncpg.Pool, runtime_pool: asyncpg.Pool, settings: Any
) -> tuple[Couple, int, int]:
    """The human writes "ok" (a reaction is likely); the runtime role's engine handles it.
    Returns the couple, the bot's messages and the bot's reactions."""
    clock = VirtualClock(START)
    engine = ConversationEngine(runtime_pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Tu connais le lac d'Allos ?", at=clock.now)
        await drive(engine, clock, couple.match_id, OfflineResponder())
        await say(conn, couple, "Ok !", at=clock.now)
        await drive(engine, clock, couple.match_id, OfflineResponder())
        messages = await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
            couple.match_id,
            couple.bot_id,
        )
        reactions = await conn.fetchval(
            "SELECT count(*) FROM public.message_reactions WHERE user_id = $1", couple.bot_id
        )
        unanswered = await conn.fetchval(
            "SELECT count(*) FROM public.messages m WHERE m.match_id = $1 AND m.sender_id = $2 "
            "AND NOT EXISTS (SELECT 1 FROM bot.answered_messages a WHERE a.message_id = m.id)",
            couple.match_id,
            couple.human_id,
        )
    assert unanswered == 0
    return couple, messages, reactions


async def test_reactions_added_after_the_roles_never_fail_a_reply(
    pool: asyncpg.Pool, runtime_pool: asyncpg.Pool, make_settings: Any
) -> None:
    """An app that adds its reactions and attachments tables after the runtime role was set up
    (no grant for it yet) is answered as before: the extensions the role may not use are off."""
    async with pool.acquire() as conn:
        await conn.execute(APP_EXTENSIONS)
    settings = make_settings(TIME_SCALE=1.0)
    _, messages, reactions = await _answer_ok(pool, runtime_pool, settings)
    assert messages >= 1
    assert reactions == 0


async def test_runtime_role_reacts_once_the_documented_grants_are_run(
    pool: asyncpg.Pool, runtime_pool: asyncpg.Pool, make_settings: Any
) -> None:
    """Re-running the documented role script after the app added its extension tables lets the
    runtime role read attachments and react under RLS."""
    async with pool.acquire() as conn:
        await conn.execute(APP_EXTENSIONS)
        await create_runtime_role(conn)
        await create_runtime_role(conn)  # re-running it is harmless
    async with runtime_pool.acquire() as conn:
        extensions = await conn.fetchrow("SELECT * FROM bot.contract_extensions")
        assert extensions is not None
        assert extensions["reactions"] is True
        assert extensions["attachments"] is True
        assert await conn.fetch("SELECT * FROM bot.message_photos(ARRAY[]::uuid[])") == []
    settings = make_settings(TIME_SCALE=1.0)
    couple, _, _ = await _answer_ok(pool, runtime_pool, settings)
    async with pool.acquire() as conn:
        last = await conn.fetchval(
            "SELECT id FROM public.messages WHERE match_id = $1 AND sender_id = $2 "
            "ORDER BY created_at DESC LIMIT 1",
            couple.match_id,
            couple.human_id,
        )
    async with runtime_pool.acquire() as conn:
        # The persona's own queries, as the runtime role under RLS: react (once), read back.
        await reactions.add(conn, message_id=last, bot_id=couple.bot_id, emoji="👍")
        await reactions.add(conn, message_id=last, bot_id=couple.bot_id, emoji="👍")
        seen = await reactions.recent_emoji(conn, match_id=couple.match_id, bot_id=couple.bot_id)
        on_last = await conn.fetchval(
            "SELECT count(*) FROM public.message_reactions WHERE message_id = $1 AND user_id = $2",
            last,
            couple.bot_id,
        )
    assert seen
    assert on_last == 1  # the engine's reaction or this one: one per message and person
