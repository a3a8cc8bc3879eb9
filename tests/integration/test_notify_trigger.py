"""The trigger `on_message_notify_bot`, observed through a real LISTEN."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from tests.support.databases import make_couple, make_profile, say

pytestmark = pytest.mark.integration


async def _listen(dsn: str) -> tuple[asyncpg.Connection, asyncio.Queue[str]]:
    """Listen on bot_events; new-match notifications (tested on their own) are left out."""
    conn = await asyncpg.connect(dsn)
    queue: asyncio.Queue[str] = asyncio.Queue()

    def on_notify(*args: object) -> None:
        payload = str(args[3])
        if '"match_created"' not in payload:
            queue.put_nowait(payload)

    await conn.add_listener("bot_events", on_notify)
    return conn, queue


async def test_human_message_notifies_with_ids_only(db_dsn: str) -> None:
    """A human message in a bot match sends ids (no content) on bot_events."""
    listener, queue = await _listen(db_dsn)
    conn = await asyncpg.connect(db_dsn)
    try:
        couple = await make_couple(conn)
        secret_text = "mon code de cadenas est 4512"
        message_id = await say(conn, couple, secret_text)
        payload = await asyncio.wait_for(queue.get(), timeout=5)
        data = json.loads(payload)
        assert data["message_id"] == str(message_id)
        assert data["match_id"] == str(couple.match_id)
        assert data["sender_id"] == str(couple.human_id)
        assert data["bot_id"] == str(couple.bot_id)
        assert "created_at" in data
        assert "4512" not in payload
        assert "content" not in data
    finally:
        await conn.close()
        await listener.close()


async def test_bot_message_and_human_only_match_are_silent(db_dsn: str) -> None:
    """A bot's own message and a message between two humans produce no notification."""
    listener, queue = await _listen(db_dsn)
    conn = await asyncpg.connect(db_dsn)
    try:
        couple = await make_couple(conn)
        await conn.execute(
            "INSERT INTO public.messages (match_id, sender_id, content) VALUES ($1, $2, 'salut')",
            couple.match_id,
            couple.bot_id,
        )
        a = await make_profile(conn, "Léa", bot=False)
        b = await make_profile(conn, "Tom", bot=False)
        human_match = await conn.fetchval(
            "INSERT INTO public.matches (id, user_a, user_b) "
            "VALUES (gen_random_uuid(), $1, $2) RETURNING id",
            a,
            b,
        )
        await conn.execute(
            "INSERT INTO public.messages (match_id, sender_id, content) VALUES ($1, $2, 'hey')",
            human_match,
            a,
        )
        # A human message afterwards proves the listener works and nothing came before it.
        marker = await say(conn, couple, "marqueur")
        payload = await asyncio.wait_for(queue.get(), timeout=5)
        assert json.loads(payload)["message_id"] == str(marker)
        assert queue.empty()
    finally:
        await conn.close()
        await listener.close()


async def test_bot_to_bot_match_is_silent(db_dsn: str) -> None:
    """Two bots never wake each other: a bot never answers a bot."""
    listener, queue = await _listen(db_dsn)
    conn = await asyncpg.connect(db_dsn)
    try:
        a = await make_profile(conn, "Camille", bot=True)
        b = await make_profile(conn, "Julien", bot=True)
        match = await conn.fetchval(
            "INSERT INTO public.matches (id, user_a, user_b) "
            "VALUES (gen_random_uuid(), $1, $2) RETURNING id",
            a,
            b,
        )
        await conn.execute(
            "INSERT INTO public.messages (match_id, sender_id, content) VALUES ($1, $2, 'yo')",
            match,
            a,
        )
        await conn.execute("SELECT pg_notify('bot_events', 'marker')")
        assert await asyncio.wait_for(queue.get(), timeout=5) == "marker"
    finally:
        await conn.close()
        await listener.close()


async def test_unmatch_notifies_status_change(db_dsn: str) -> None:
    """Unmatching a bot match wakes the service with the new status."""
    listener, queue = await _listen(db_dsn)
    conn = await asyncpg.connect(db_dsn)
    try:
        couple = await make_couple(conn)
        await conn.execute(
            "UPDATE public.matches SET status = 'unmatched' WHERE id = $1", couple.match_id
        )
        data = json.loads(await asyncio.wait_for(queue.get(), timeout=5))
        assert data == {
            "kind": "match_status",
            "match_id": str(couple.match_id),
            "bot_id": str(couple.bot_id),
            "status": "unmatched",
        }
    finally:
        await conn.close()
        await listener.close()


async def test_new_bot_match_notifies_creation(db_dsn: str) -> None:
    """A new match between a bot and a human wakes the service (for icebreakers), ids only."""
    conn = await asyncpg.connect(db_dsn)
    queue: asyncio.Queue[str] = asyncio.Queue()
    await conn.add_listener("bot_events", lambda *args: queue.put_nowait(str(args[3])))
    try:
        couple = await make_couple(conn)
        data = json.loads(await asyncio.wait_for(queue.get(), timeout=5))
        assert data == {
            "kind": "match_created",
            "match_id": str(couple.match_id),
            "bot_id": str(couple.bot_id),
        }
    finally:
        await conn.close()
