"""A model that answers like an assistant still reads like phone chat, through the pipeline."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.words import style
from randomatch_bot.conversation.words.assistant_phrases import assistant_tells
from tests.support.databases import make_couple, say
from tests.support.openai_server import OpenAIServer
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration

PARAGRAPH = (
    "Le Vercors est un massif absolument magnifique qui offre une grande variété de "
    "randonnées pour tous les niveaux, depuis les balades familiales sur les plateaux "
    "jusqu'aux itinéraires plus engagés sur les crêtes, et il est particulièrement agréable "
    "au printemps et en automne, lorsque les couleurs sont spectaculaires et que les "
    "sentiers sont moins fréquentés par les touristes venus de toute la région."
)  # 64 words in one sentence
ASSISTANT = (
    "## Mes conseils\n\n"
    "Excellente question ! Voici quelques idées :\n\n"
    f"1. **Le Vercors** : {PARAGRAPH}\n"
    "2. **La Chartreuse** : plus sauvage, parfaite pour le bivouac 🏕️🏕️🏕️😍😍\n"
    "- *Le Trièves*, très calme.\n\n"
    f"{PARAGRAPH} N'hésite pas si tu as besoin d'autres conseils ! Et toi, tu vises quoi ? 😊😊🙌"
)


async def test_assistant_like_model_yields_chat_parts(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """Markdown, a list, "N'hésite pas…", an emoji flood and long paragraphs never reach the
    human: the reply is asked for again once, then stripped into short chat parts."""
    settings = make_settings(
        TIME_SCALE=0.02, LLM_BASE_URL=openai_server.base_url, LLM_API_KEY="test-key"
    )
    openai_server.script(ASSISTANT, ASSISTANT)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        await say(conn, couple, "Salut ! Tu me conseilles quoi comme rando près de Grenoble ?")
        plans = await eventually(
            lambda: conn.fetch(
                "SELECT parts FROM bot.reply_plans WHERE match_id = $1 AND status = 'done'",
                couple.match_id,
            ),
            lambda rows: len(rows) == 1,
        )
        sent = [
            r["content"]
            for r in await conn.fetch(
                "SELECT content FROM public.messages WHERE match_id = $1 AND sender_id = $2",
                couple.match_id,
                couple.bot_id,
            )
        ]
    chats = [r for r in openai_server.chat_requests if not r.body.get("response_format")]
    assert len(chats) == 2  # regenerated once, then stripped
    parts = list(plans[0]["parts"])
    assert sorted(sent) == sorted(parts)
    assert 1 <= len(parts) <= settings.max_parts
    text = " ".join(parts)
    assert assistant_tells(text) == [], parts
    for mark in ("#", "**", "1.", "2.", "- ", "\n", "*Le"):
        assert mark not in text, (mark, parts)
    assert sum(style.count_emoji(p) for p in parts) <= 1  # Camille: "rare"
    assert max(len(p.split()) for p in parts) <= style.PART_WORDS_MAX, parts
    assert sum(len(p.split()) for p in parts) <= 75, parts
    assert parts[-1].endswith("?"), parts  # the question asked back survives
