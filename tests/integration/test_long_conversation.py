"""A 500-turn conversation through the engine: the prompt stays bounded and remembers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.llm import ChatMessage, build_llm_client
from randomatch_bot.llm.offline import memory_json
from tests.support.databases import make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.openai_server import OpenAIServer, french_echo

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TURNS = 500
SMALL_TALK = [
    "Ce week-end je pensais faire une boucle vers le lac Blanc.",
    "Tu préfères les randos à la journée ou les bivouacs ?",
    "Il a plu toute la semaine ici, les sentiers doivent être boueux.",
    "J'ai acheté de nouvelles chaussures, je dois les faire à mon pied.",
    "Tu pars plutôt tôt le matin ou tu fais la grasse mat ?",
    "La dernière fois j'ai vu des chamois, c'était magique.",
    "Tu as déjà fait un refuge gardé en été ?",
    "Je cherche une rando avec une belle vue mais pas trop de dénivelé.",
]


def summarising_model(body: Mapping[str, Any]) -> str:
    """Chat replies echo the human; JSON requests get a keyword memory like a summariser's."""
    response_format = body.get("response_format") or {}
    if isinstance(response_format, dict) and response_format.get("type") == "json_object":
        messages = [
            ChatMessage(m["role"], str(m.get("content", ""))) for m in body.get("messages", [])
        ]
        return memory_json(messages)
    return french_echo(body)


def prompt_chars(body: Mapping[str, Any]) -> int:
    return len(json.dumps(body.get("messages", []), ensure_ascii=False))


async def test_prompt_stays_bounded_and_remembers_early_facts(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """At turn 500 the prompt is within 1.3x of turn 50 and still holds what was said at turn 1."""
    openai_server.default_reply = summarising_model
    # The reviewing model's call per reply is not what this measures: off, the 500 turns take
    # half the time.
    settings = make_settings(
        TIME_SCALE=0.0,
        LLM_BASE_URL=openai_server.base_url,
        LLM_API_KEY="sk-test",
        GUARD_REVIEW="off",
    )
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = build_llm_client(settings)
    reply_sizes: dict[int, int] = {}
    try:
        async with pool.acquire() as conn:
            couple = await make_couple(conn)
        for turn in range(1, TURNS + 1):
            if turn == 1:
                text = (
                    "Salut ! Moi c'est Mathilde, j'habite à Annecy "
                    "et je randonne surtout dans les Bauges."
                )
            else:
                text = SMALL_TALK[turn % len(SMALL_TALK)]
            async with pool.acquire() as conn:
                await say(conn, couple, text, at=clock.now)
            before = len(openai_server.chat_requests)
            trace = await drive(engine, clock, couple.match_id, llm)
            if any(result.remember for _, result in trace):
                await engine.remember(couple.match_id, llm)
            replies = [
                r
                for r in openai_server.chat_requests[before:]
                if (r.body.get("response_format") or {}).get("type") != "json_object"
            ]
            assert replies, f"turn {turn} made no model call"
            reply_sizes[turn] = prompt_chars(replies[-1].body)
            clock.advance(45)
    finally:
        await llm.aclose()
    last_prompt = [
        r
        for r in openai_server.chat_requests
        if (r.body.get("response_format") or {}).get("type") != "json_object"
    ][-1]
    notes = last_prompt.messages[1]["content"]
    assert reply_sizes[TURNS] <= 1.3 * reply_sizes[50], (reply_sizes[50], reply_sizes[TURNS])
    assert "Mathilde" in notes
    assert "Annecy" in notes or "Bauges" in notes
    # The memory is quoted notes, not the system message; turn 1's message itself is long
    # gone from the window.
    assert "Mathilde" not in last_prompt.messages[0]["content"]
    assert all("Mathilde" not in m["content"] for m in last_prompt.messages[2:])
    async with pool.acquire() as conn:
        done = await conn.fetchval(
            "SELECT count(*) FROM bot.reply_plans WHERE match_id = $1 AND status = 'done'",
            couple.match_id,
        )
        memory_calls = await conn.fetchval(
            "SELECT count(*) FROM bot.llm_calls WHERE purpose = 'memory'"
        )
    assert done == TURNS
    assert 10 <= memory_calls <= TURNS
