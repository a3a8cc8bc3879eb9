"""Long-term memory against a real database: the offline responder and a scripted model
update it, covered_through never moves backwards, and bad answers change nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.words.memory import (
    history_of,
    load_memory,
    load_memory_state,
    needs_update,
    update_memory,
    window_start,
)
from randomatch_bot.conversation.words.prompt import HistoryMessage, Memory
from randomatch_bot.db import memory as stored_memory
from randomatch_bot.db import messages as stored_messages
from randomatch_bot.llm import OfflineResponder, build_llm_client
from randomatch_bot.llm.types import LLMClient
from tests.support.databases import Couple, make_couple
from tests.support.openai_server import Fault, OpenAIServer

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
WINDOW = 200  # tokens: about 20 of the test's 40-character messages


async def write_conversation(
    conn: asyncpg.Connection, couple: Couple, count: int, *, start: int = 0
) -> list[HistoryMessage]:
    """`count` alternating messages a minute apart; the human introduces himself first."""
    written = []
    for i in range(start, start + count):
        human = i % 2 == 0
        if i == 0:
            text = "Moi c'est Marc, je randonne dans le Vercors"
        elif human:
            text = f"Message {i:03d} de Marc ".ljust(40, ".")
        else:
            text = f"Réponse {i:03d} de Camille ".ljust(40, ".")
        sender = couple.human_id if human else couple.bot_id
        at = T0 + dt.timedelta(minutes=i)
        await conn.execute(
            "INSERT INTO public.messages (match_id, sender_id, content, created_at) "
            "VALUES ($1, $2, $3, $4)",
            couple.match_id,
            sender,
            text,
            at,
        )
        written.append(HistoryMessage(sender, text, at))
    return written


async def history(conn: asyncpg.Connection, couple: Couple) -> list[HistoryMessage]:
    return history_of(await stored_messages.recent(conn, match_id=couple.match_id, limit=500))


async def memory_calls(conn: asyncpg.Connection, couple: Couple) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT * FROM bot.llm_calls WHERE match_id = $1 AND purpose = 'memory' ORDER BY id",
            couple.match_id,
        )
    )


async def update(pool: asyncpg.Pool, llm: LLMClient, couple: Couple, **kwargs: Any) -> bool:
    return await update_memory(
        pool,
        llm,
        couple.match_id,
        bot_id=couple.bot_id,
        persona_name="Camille",
        window_tokens=kwargs.pop("window_tokens", WINDOW),
        **kwargs,
    )


@pytest.fixture
async def couple(pool: asyncpg.Pool) -> Couple:
    """A match the service talks in: a memory is kept only for an existing conversation."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await conn.execute(
            "INSERT INTO bot.conversations (match_id, bot_id, human_id) VALUES ($1, $2, $3)",
            couple.match_id,
            couple.bot_id,
            couple.human_id,
        )
        return couple


@pytest.fixture
async def online(make_settings: Any, openai_server: OpenAIServer) -> AsyncIterator[LLMClient]:
    """The production client pointed at the local OpenAI-compatible server."""
    settings = make_settings(
        LLM_BASE_URL=openai_server.base_url, LLM_API_KEY="test-key", LLM_MAX_RETRIES="0"
    )
    client = build_llm_client(settings)
    try:
        yield client
    finally:
        await client.aclose()


async def test_no_row_is_empty_memory(pool: asyncpg.Pool, couple: Couple) -> None:
    """A match without a memory row has an empty memory and no coverage."""
    async with pool.acquire() as conn:
        assert await load_memory(conn, couple.match_id) == Memory()
        assert (await load_memory_state(conn, couple.match_id)).covered_through is None
    assert not await update(pool, OfflineResponder(), couple)  # nothing to summarise yet


async def test_offline_update_covers_what_left_the_window(
    pool: asyncpg.Pool, couple: Couple
) -> None:
    """With the offline responder, the summary absorbs exactly the messages before the window."""
    llm = OfflineResponder(rng=random.Random(1))
    async with pool.acquire() as conn:
        await write_conversation(conn, couple, 60)
        messages = await history(conn, couple)
    assert needs_update(None, messages, window_tokens=WINDOW)
    start = window_start(messages, window_tokens=WINDOW)
    assert start is not None

    assert await update(pool, llm, couple)
    async with pool.acquire() as conn:
        state = await load_memory_state(conn, couple.match_id)
        calls = await memory_calls(conn, couple)
    assert state.covered_through == max(m.created_at for m in messages if m.created_at < start)
    assert state.memory.facts["prenom"] == "Marc"
    assert state.memory.facts["region"] == "Vercors"
    assert "Marc" in state.memory.summary
    assert not needs_update(state.covered_through, messages, window_tokens=WINDOW)
    assert [(c["ok"], c["model"], c["bot_id"]) for c in calls] == [(True, "offline", couple.bot_id)]
    # Nothing new left the window: a second run has nothing to do.
    assert not await update(pool, llm, couple)

    async with pool.acquire() as conn:
        await write_conversation(conn, couple, 30, start=60)
        messages = await history(conn, couple)
    assert needs_update(state.covered_through, messages, window_tokens=WINDOW)
    assert await update(pool, llm, couple)
    async with pool.acquire() as conn:
        later = await load_memory_state(conn, couple.match_id)
    assert later.covered_through is not None
    assert state.covered_through is not None
    assert later.covered_through > state.covered_through
    # Marc introduced himself long ago; the fact is kept though the new batch does not say it.
    assert later.memory.facts["prenom"] == "Marc"


async def test_scripted_model_json_is_stored(
    pool: asyncpg.Pool, couple: Couple, online: LLMClient, openai_server: OpenAIServer
) -> None:
    """A model's fenced JSON answer is parsed and stored; the request is in JSON mode."""
    async with pool.acquire() as conn:
        await write_conversation(conn, couple, 50)
    answer = {
        "summary": "Marc, du Vercors, aime les lacs ; ils parlent d'une sortie au Moucherotte.",
        "facts": {"prenom": "Marc", "randos_aimees": ["Moucherotte", "lac Achard"]},
    }
    openai_server.script(f"Voici :\n```json\n{json.dumps(answer, ensure_ascii=False)}\n```")
    assert await update(pool, online, couple, model="test/memory-model")
    async with pool.acquire() as conn:
        memory = await load_memory(conn, couple.match_id)
        calls = await memory_calls(conn, couple)
    assert memory == Memory(answer["summary"], answer["facts"])  # type: ignore[arg-type]
    request = openai_server.chat_requests[-1]
    assert request.body["response_format"] == {"type": "json_object"}
    assert request.body["temperature"] == pytest.approx(0.2)
    assert request.body["model"] == "test/memory-model"
    assert "Moi c'est Marc" in request.last_user_content
    assert [(c["ok"], c["model"]) for c in calls] == [(True, "test/memory-model")]


async def test_garbage_answer_leaves_memory_unchanged(
    pool: asyncpg.Pool, couple: Couple, online: LLMClient, openai_server: OpenAIServer
) -> None:
    """Garbage JSON or a model error changes neither the memory nor its coverage."""
    async with pool.acquire() as conn:
        await write_conversation(conn, couple, 50)
    openai_server.script('{"summary": "Premier résumé.", "facts": {"prenom": "Marc"}}')
    assert await update(pool, online, couple, window_tokens=400)
    async with pool.acquire() as conn:
        before = await conn.fetchrow(
            "SELECT * FROM bot.memories WHERE match_id = $1", couple.match_id
        )

    openai_server.script("Désolé, je ne peux pas faire ça.", '```json\n{"summary": \n```')
    assert not await update(pool, online, couple)
    assert not await update(pool, online, couple)
    openai_server.script(Fault(400, "bad request"))
    assert not await update(pool, online, couple)
    async with pool.acquire() as conn:
        after = await conn.fetchrow(
            "SELECT * FROM bot.memories WHERE match_id = $1", couple.match_id
        )
        calls = await memory_calls(conn, couple)
    assert dict(after) == dict(before)  # type: ignore[arg-type]
    assert [c["ok"] for c in calls] == [True, True, True, False]
    assert calls[-1]["status"] == 400


async def test_covered_through_never_moves_backwards(pool: asyncpg.Pool, couple: Couple) -> None:
    """A run covering less than the stored memory stores nothing, even when run concurrently."""
    llm = OfflineResponder(rng=random.Random(2))
    async with pool.acquire() as conn:
        await write_conversation(conn, couple, 80)
        messages = await history(conn, couple)
    small, large = WINDOW, 2 * WINDOW  # the smaller window leaves more to summarise
    reach_small = window_start(messages, window_tokens=small)
    reach_large = window_start(messages, window_tokens=large)
    assert reach_small is not None
    assert reach_large is not None
    assert reach_small > reach_large
    expected = max(m.created_at for m in messages if m.created_at < reach_small)

    results = await asyncio.gather(
        update(pool, llm, couple, window_tokens=large),
        update(pool, llm, couple, window_tokens=small),
    )
    assert results[1] is True  # the run that covers more always lands
    async with pool.acquire() as conn:
        state = await load_memory_state(conn, couple.match_id)
    assert state.covered_through == expected

    # A later, narrower run finds nothing past covered_through and changes nothing.
    assert not await update(pool, llm, couple, window_tokens=large)
    async with pool.acquire() as conn:
        stored = await stored_memory.store(
            conn,
            match_id=couple.match_id,
            summary="plus ancien",
            facts={},
            covered_through=reach_large,
        )
        assert stored is None  # the guard refuses to move backwards
        final = await load_memory_state(conn, couple.match_id)
    assert final == state
