"""A takeover survives kill -9: with the bridge and a worker killed and restarted while an
operator holds the conversation and while the operator's message is on its way, the persona
sends nothing of her own until the takeover ends, the operator's message goes out once, and
what the person wrote meanwhile is answered once, after."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.e2e.test_crash_recovery import service_env
from tests.support.databases import make_couple, say
from tests.support.pipeline import eventually
from tests.support.processes import Service, cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OPERATOR = "Coucou, désolée j'étais sur le sentier"


async def persona_texts(pool: asyncpg.Pool, match_id: Any, bot_id: Any) -> list[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT content FROM public.messages WHERE match_id = $1 AND sender_id = $2 "
            "ORDER BY created_at, id",
            match_id,
            bot_id,
        )
    return [r["content"] for r in rows]


async def replies_finished(pool: asyncpg.Pool, match_id: Any) -> bool:
    """Whether the persona has no reply under way in the match (every part of it sent)."""
    async with pool.acquire() as conn:
        active: int = await conn.fetchval(
            "SELECT count(*) FROM bot.reply_plans WHERE match_id = $1 "
            "AND status IN ('reading', 'thinking', 'typing')",
            match_id,
        )
    return active == 0


async def test_kill_9_during_a_takeover(
    pool: asyncpg.Pool, make_settings: Any, tmp_path: Path
) -> None:
    settings = make_settings(TIME_SCALE=0.05, GROUPING_WINDOW=1)
    env = service_env(settings)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    bridge = Service("bridge", env=env, cwd=tmp_path)
    worker = Service("worker", "--name", "w0", env=env, cwd=tmp_path)
    try:
        bridge.wait_for("bridge.listening", timeout=60)
        async with pool.acquire() as conn:
            await say(conn, couple, "Salut ! Tu randonnes où en ce moment ?")
        first = await eventually(
            lambda: persona_texts(pool, couple.match_id, couple.bot_id), bool, timeout=60
        )
        await eventually(lambda: replies_finished(pool, couple.match_id), bool, timeout=60)
        first = await persona_texts(pool, couple.match_id, couple.bot_id)

        def run(*args: str) -> Any:
            return asyncio.to_thread(cli, *args, env=env, cwd=tmp_path)

        taken = await run("takeover", str(couple.match_id), "--minutes", "0.5")
        assert taken.returncode == 0, taken.stdout + taken.stderr
        until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
        async with pool.acquire() as conn:
            await say(conn, couple, "tu es toujours là ?")
        sent = await run("send", str(couple.match_id), OPERATOR)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        worker.kill()  # while the operator's message is read or typed
        bridge.kill()
        worker = Service("worker", "--name", "w1", env=env, cwd=tmp_path)
        bridge = Service("bridge", env=env, cwd=tmp_path)
        bridge.wait_for("bridge.listening", timeout=60)
        texts = await eventually(
            lambda: persona_texts(pool, couple.match_id, couple.bot_id),
            lambda t: OPERATOR in t,
            timeout=60,
        )
        async with pool.acquire() as conn:
            await say(conn, couple, "super ! et ce week-end ?")
        worker.kill()
        worker = Service("worker", "--name", "w2", env=env, cwd=tmp_path)
        # Until the takeover ends, nothing more from the persona.
        while dt.datetime.now(dt.UTC) < until - dt.timedelta(seconds=2):
            assert await persona_texts(pool, couple.match_id, couple.bot_id) == texts
            await asyncio.sleep(0.5)
        final = await eventually(
            lambda: persona_texts(pool, couple.match_id, couple.bot_id),
            lambda t: len(t) > len(texts),
            timeout=90,
        )
        await eventually(lambda: replies_finished(pool, couple.match_id), bool, timeout=60)
        final = await persona_texts(pool, couple.match_id, couple.bot_id)
    finally:
        worker.kill()
        bridge.kill()
    assert texts == [*first, OPERATOR]
    assert final.count(OPERATOR) == 1
    async with pool.acquire() as conn:
        humans = await conn.fetch(
            "SELECT id FROM public.messages WHERE match_id = $1 AND sender_id = $2",
            couple.match_id,
            couple.human_id,
        )
        answered = await conn.fetch(
            "SELECT message_id, count(*) OVER (PARTITION BY message_id) AS n "
            "FROM bot.answered_messages WHERE match_id = $1",
            couple.match_id,
        )
        parts = await conn.fetchval(
            "SELECT count(*) = count(DISTINCT message_id) FROM bot.sent_parts WHERE match_id = $1",
            couple.match_id,
        )
    assert {r["id"] for r in humans} == {r["message_id"] for r in answered}
    assert parts
