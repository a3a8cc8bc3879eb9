"""The reply pipeline end to end on real PostgreSQL and Redis, with the offline responder."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.plan.engine import part_message_id
from tests.support.databases import Couple, make_couple, say
from tests.support.pipeline import events, eventually, install_event_log, running_pipeline

pytestmark = pytest.mark.integration


async def bot_messages(conn: asyncpg.Connection, couple: Couple) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT id, content, created_at FROM public.messages "
            "WHERE match_id = $1 AND sender_id = $2 ORDER BY created_at, id",
            couple.match_id,
            couple.bot_id,
        )
    )


async def plans(conn: asyncpg.Connection, couple: Couple) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT * FROM bot.reply_plans WHERE match_id = $1 ORDER BY created_at",
            couple.match_id,
        )
    )


async def done_plans(conn: asyncpg.Connection, couple: Couple) -> list[asyncpg.Record]:
    return [p for p in await plans(conn, couple) if p["status"] == "done"]


async def test_one_message_one_reply_in_order(pool: asyncpg.Pool, make_settings: Any) -> None:
    """One human message gets one reply: read, then per part typing on, message, typing off."""
    settings = make_settings(TIME_SCALE=0.02)
    async with pool.acquire() as conn:
        await install_event_log(conn)
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        message_id = await say(conn, couple, "Salut ! Tu randonnes plutôt dans le Vercors ?")
        finished = await eventually(lambda: done_plans(conn, couple), lambda p: len(p) == 1)
    plan = finished[0]
    async with pool.acquire() as conn:
        sent = await bot_messages(conn, couple)
        timeline = await events(conn, couple.match_id)
        read_at = await conn.fetchval(
            "SELECT read_at FROM public.messages WHERE id = $1", message_id
        )
        typing = await conn.fetchval(
            "SELECT is_typing FROM public.typing_indicators WHERE match_id = $1 AND user_id = $2",
            couple.match_id,
            couple.bot_id,
        )
    parts = list(plan["parts"])
    assert 1 <= len(parts) <= settings.max_parts
    assert [m["content"] for m in sent] == parts
    assert [m["id"] for m in sent] == [part_message_id(plan["id"], i) for i in range(len(parts))]
    assert read_at is not None
    assert typing is False
    kinds = [e["kind"] for e in timeline if e["actor"] == couple.bot_id or e["kind"] == "read"]
    # The human's own insert is logged first; then read, then each part's typing cycle.
    expected = ["read"] + ["typing_on", "message", "typing_off"] * len(parts)
    assert kinds == expected, kinds
    assert plan["trigger_message_ids"] == [message_id]


async def test_quick_messages_are_grouped(pool: asyncpg.Pool, make_settings: Any) -> None:
    """Three quick human messages are answered by one grouped reply."""
    settings = make_settings(TIME_SCALE=0.05, GROUPING_WINDOW=6)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        ids = [await say(conn, couple, text) for text in ("Coucou", "ça va ?", "t'es d'où ?")]
        finished = await eventually(lambda: done_plans(conn, couple), lambda p: len(p) >= 1)
        all_plans = await plans(conn, couple)
    # Had the first message started a plan of its own, the others would have interrupted it.
    assert len(all_plans) == 1
    assert sorted(finished[0]["trigger_message_ids"]) == sorted(ids)


async def test_message_mid_typing_interrupts(pool: asyncpg.Pool, make_settings: Any) -> None:
    """A message during typing stops the plan; one new reply covers everything, no part twice."""
    settings = make_settings(TIME_SCALE=0.05, TYPING_SPEED_CPS=2.0)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        first = await say(conn, couple, "Tu connais le lac de Lauvitel ?")
        await eventually(
            lambda: conn.fetchval(
                "SELECT is_typing FROM public.typing_indicators WHERE match_id = $1",
                couple.match_id,
            ),
            lambda typing: typing is True,
        )
        second = await say(conn, couple, "Ah et tu fais du bivouac ?")
        finished = await eventually(lambda: done_plans(conn, couple), lambda p: len(p) == 1)
        history = await plans(conn, couple)
        sent = await bot_messages(conn, couple)
    assert [p["status"] for p in history] == ["interrupted", "done"]
    assert sorted(finished[0]["trigger_message_ids"]) == sorted([first, second])
    assert len({m["id"] for m in sent}) == len(sent)
    assert len({m["content"] for m in sent}) == len(sent) or len(sent) <= 1


async def test_two_workers_never_hold_two_plans(pool: asyncpg.Pool, make_settings: Any) -> None:
    """With two workers on many conversations, each gets one reply and never two plans at once."""
    settings = make_settings(TIME_SCALE=0.01)
    async with pool.acquire() as conn:
        couples = [await make_couple(conn) for _ in range(12)]
    async with running_pipeline(settings, workers=2), pool.acquire() as conn:
        for couple in couples:
            await say(conn, couple, "Hello, une rando ce week-end ?")

        async def finished() -> int:
            return int(
                await conn.fetchval("SELECT count(*) FROM bot.reply_plans WHERE status = 'done'")
            )

        await eventually(finished, lambda n: n == len(couples), timeout=60)
        rows = await conn.fetch(
            "SELECT match_id, created_at, finished_at FROM bot.reply_plans ORDER BY created_at"
        )
        answered = await conn.fetchval("SELECT count(*) FROM bot.answered_messages")
    assert answered == len(couples)
    by_match: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        by_match.setdefault(row["match_id"], []).append(row)
    for items in by_match.values():
        assert len(items) == 1


async def test_unmatched_and_blocked_get_no_reply(pool: asyncpg.Pool, make_settings: Any) -> None:
    """No reply is sent in an unmatched or blocked match."""
    settings = make_settings(TIME_SCALE=0.01)
    async with pool.acquire() as conn:
        gone = await make_couple(conn)
        blocked = await make_couple(conn)
        control = await make_couple(conn)
        await conn.execute(
            "UPDATE public.matches SET status = 'unmatched' WHERE id = $1", gone.match_id
        )
        await conn.execute(
            "UPDATE public.matches SET status = 'blocked' WHERE id = $1", blocked.match_id
        )
    async with running_pipeline(settings), pool.acquire() as conn:
        for couple in (gone, blocked, control):
            await say(conn, couple, "tu es là ?")
        await eventually(lambda: done_plans(conn, control), lambda p: len(p) == 1)

        async def closed() -> list[str]:
            rows = await conn.fetch(
                "SELECT status FROM bot.conversations WHERE match_id = ANY($1::uuid[])",
                [gone.match_id, blocked.match_id],
            )
            return [r["status"] for r in rows]

        # The engine looked at both conversations and closed them.
        await eventually(closed, lambda s: s == ["closed", "closed"])
        assert await bot_messages(conn, gone) == []
        assert await bot_messages(conn, blocked) == []
        assert await plans(conn, gone) == []
        assert await plans(conn, blocked) == []
