"""Photos, where the app can attach one: shown to the model as an image; a model that takes
no image gets an in-character turn without it; the offline responder answers in character."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.words.photos import NO_VISION_NOTE, with_photos
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.llm.offline import PHOTO_MARK, PHOTO_REPLIES
from randomatch_bot.llm.types import ChatMessage
from tests.support.databases import Couple, make_couple
from tests.support.openai_server import Fault, OpenAIServer
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration

PHOTO = "https://example.org/photos/lac-blanc.jpg"


async def send_photo(conn: asyncpg.Connection, couple: Couple, text: str) -> None:
    await conn.execute("ALTER TABLE public.messages ADD COLUMN IF NOT EXISTS image_url text")
    await conn.execute(
        "INSERT INTO public.messages (match_id, sender_id, content, image_url) "
        "VALUES ($1, $2, $3, $4)",
        couple.match_id,
        couple.human_id,
        text,
        PHOTO,
    )


async def bot_said(conn: asyncpg.Connection, couple: Couple) -> list[str]:
    rows = await conn.fetch(
        "SELECT content FROM public.messages WHERE match_id = $1 AND sender_id = $2",
        couple.match_id,
        couple.bot_id,
    )
    return [r["content"] for r in rows]


def image_parts(content: Any) -> list[str]:
    if not isinstance(content, list):
        return []
    return [p["image_url"]["url"] for p in content if p.get("type") == "image_url"]


async def test_photo_is_shown_to_the_model(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """The human's photo reaches the model as an image part of their turn."""
    settings = make_settings(
        TIME_SCALE=0.02, LLM_BASE_URL=openai_server.base_url, LLM_API_KEY="test-key"
    )
    openai_server.script("Waouh, le lac Blanc ! Tu es montée par Flégère ?")
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        await send_photo(conn, couple, "Regarde où j'étais ce matin")
        said = await eventually(lambda: bot_said(conn, couple), lambda s: len(s) >= 1)
    chats = [r for r in openai_server.chat_requests if not r.body.get("response_format")]
    last_user = [m for m in chats[0].messages if m["role"] == "user"][-1]
    assert image_parts(last_user["content"]) == [PHOTO]
    assert "lac Blanc" in " ".join(said)


async def test_model_without_vision_answers_in_character(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A model that refuses images gets the turn again without the photo and a note, and the
    persona answers as someone whose photo will not load."""
    settings = make_settings(
        TIME_SCALE=0.02, LLM_BASE_URL=openai_server.base_url, LLM_API_KEY="test-key"
    )
    openai_server.script(
        Fault(400, "this model does not support image input"),
        "Ta photo ne charge pas chez moi 😅 C'est où ?",
    )
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        await send_photo(conn, couple, "Regarde !")
        said = await eventually(lambda: bot_said(conn, couple), lambda s: len(s) >= 1)
    chats = [r for r in openai_server.chat_requests if not r.body.get("response_format")]
    assert len(chats) == 2
    retried = chats[1].messages
    assert not any(image_parts(m["content"]) for m in retried)
    assert retried[-1] == {"role": "system", "content": NO_VISION_NOTE}
    assert "ne charge pas" in " ".join(said)


def test_offline_responder_answers_a_photo_in_character() -> None:
    """The offline responder reacts to a photo like a person, never with a generic line."""
    turn = [ChatMessage("system", "Tu es Camille."), ChatMessage("user", "Regarde !")]
    prompt = with_photos(turn, [PHOTO])
    assert prompt[-1].content.endswith(PHOTO_MARK)
    replies = {OfflineResponder().reply(prompt) for _ in range(5)}
    assert replies <= set(PHOTO_REPLIES)
