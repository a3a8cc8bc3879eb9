"""The optional moderation model, against the local OpenAI-protocol server: a flagged reply is
regenerated then replaced, a classifier through the chat model works the same way, and a
moderator that cannot be reached leaves the rules alone in charge."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from randomatch_bot.config import Settings
from randomatch_bot.conversation.words import guard
from tests.integration.test_reviewer import online, reply_to
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.integration


async def test_moderation_endpoint_blocks_what_the_rules_miss(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A reply the rules let through but the moderation endpoint flags is never sent."""
    settings = online(make_settings, openai_server, MODERATION="openai")
    nasty = "Franchement, t'es qu'une merde"
    assert guard.check(nasty) == []
    openai_server.script(nasty, nasty, nasty)
    parts = await reply_to(settings, pool, "T'es nulle")
    assert parts == [guard.safe_line([guard.Reason.MODERATION])]
    assert [r.body["input"] for r in openai_server.moderation_requests] == [nasty] * 3
    assert openai_server.moderation_requests[0].body["model"] == "omni-moderation-latest"
    assert "modération" in openai_server.chat_requests[1].messages[-1]["content"]


async def test_a_clean_reply_is_checked_once_and_sent(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A reply the moderator passes goes out unchanged after one check."""
    settings = online(make_settings, openai_server, MODERATION="openai")
    openai_server.script("Le Vercors, j'adore !")
    assert await reply_to(settings, pool, "Tu aimes le Vercors ?") == ["Le Vercors, j'adore !"]
    assert len(openai_server.moderation_requests) == 1


async def test_llm_classifier(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """With MODERATION=llm the chat model judges the reply in JSON mode; its calls are counted."""
    settings = online(make_settings, openai_server, MODERATION="llm", MODERATION_MODEL="judge")
    openai_server.script(
        "Tu es vraiment moche",
        '{"flagged": true, "categories": ["harassment"]}',
        "Pardon, je me suis mal exprimée 😅",
        '{"flagged": false, "categories": []}',
    )
    parts = await reply_to(settings, pool, "Tu me trouves comment ?")
    assert parts == ["Pardon, je me suis mal exprimée 😅"]
    judged = [r for r in openai_server.chat_requests if r.body["model"] == "judge"]
    assert len(judged) == 2
    assert judged[0].body["response_format"] == {"type": "json_object"}
    async with pool.acquire() as conn:
        counted = await conn.fetchval(
            "SELECT count(*) FROM bot.llm_calls WHERE purpose = 'moderation'"
        )
    assert counted == 2


async def test_unreachable_moderator_leaves_the_rules(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """When the moderator cannot be reached the reply still goes out, checked by the rules."""
    settings = online(
        make_settings,
        openai_server,
        MODERATION="openai",
        MODERATION_BASE_URL="http://127.0.0.1:9/v1",
    )
    openai_server.script("Salut ! Tu randonnes où ?")
    assert await reply_to(settings, pool, "Salut") == ["Salut ! Tu randonnes où ?"]
    openai_server.script("Appelle-moi au 06 12 34 56 78", "Mon 06 12 34 56 78", "06 12 34 56 78")
    assert await reply_to(settings, pool, "Ton numéro ?") == [guard.safe_line([guard.Reason.PHONE])]


def test_moderation_is_off_by_default() -> None:
    """No moderation call is made unless MODERATION is set."""
    assert Settings(_env_file=None).moderation == "off"  # type: ignore[call-arg]
