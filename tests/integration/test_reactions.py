"""Reactions, where the app has a reactions table: detected by `migrate`, sent once, in
context; without the table nothing changes."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.conversation.policies.reactions import reactions_available
from randomatch_bot.llm import OfflineResponder
from tests.support.databases import make_couple, say
from tests.support.drive import VirtualClock, drive

pytestmark = pytest.mark.integration

REACTIONS_TABLE = """
CREATE TABLE public.message_reactions (
    message_id uuid NOT NULL REFERENCES public.messages(id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES public.profiles(id),
    emoji      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id)
)"""


async def test_bare_acknowledgements_get_a_reaction_instead_of_a_reply(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A bare "haha" is answered by one emoji reaction (no message) in most matches, a
    question by a reply; a redone step never adds a second reaction."""
    settings = make_settings(TIME_SCALE=1.0, ABSENCE_PROBABILITY=0.0)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = OfflineResponder()
    async with pool.acquire() as conn:
        assert not await reactions_available(conn)
        await conn.execute(REACTIONS_TABLE)
        assert await reactions_available(conn)
        reacted_only = 0
        for _ in range(6):
            couple = await make_couple(conn)
            laugh = await say(conn, couple, "hahaha", at=clock.now)
            await drive(engine, clock, couple.match_id, llm)
            await engine.advance(couple.match_id)  # a redelivered step changes nothing
            reactions = await conn.fetch(
                "SELECT message_id, user_id, emoji FROM public.message_reactions "
                "WHERE message_id = $1",
                laugh,
            )
            sent = await conn.fetchval(
                "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
                couple.match_id,
                couple.bot_id,
            )
            answered = await conn.fetchval(
                "SELECT count(*) FROM bot.answered_messages WHERE message_id = $1", laugh
            )
            assert answered == 1
            assert len(reactions) <= 1
            if reactions:
                assert reactions[0]["user_id"] == couple.bot_id
                assert reactions[0]["emoji"] in {"😂", "🤣", "😆"}
                reacted_only += sent == 0
            else:
                assert sent >= 1
        assert reacted_only >= 1  # 6 draws at 85 %: all missing has odds of about 1e-5

        couple = await make_couple(conn)
        await say(conn, couple, "Tu fais quoi ce week-end ?", at=clock.now)
        await drive(engine, clock, couple.match_id, llm)
        sent = await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
            couple.match_id,
            couple.bot_id,
        )
        assert sent >= 1


async def test_migrate_reports_the_optional_tables(pool: asyncpg.Pool) -> None:
    """The contract-extensions view sees a reactions table or an image column when the app
    has them, and nothing otherwise."""
    async with pool.acquire() as conn:
        before = await conn.fetchrow("SELECT * FROM bot.contract_extensions")
        assert not before["reactions"]
        assert before["message_image_column"] is None
        await conn.execute(REACTIONS_TABLE)
        await conn.execute("ALTER TABLE public.messages ADD COLUMN image_url text")
        after = await conn.fetchrow("SELECT * FROM bot.contract_extensions")
    assert after["reactions"]
    assert after["message_image_column"] == "image_url"
