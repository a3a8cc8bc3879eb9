"""Crash safety: kill -9 of workers and bridges at random moments, Redis losing its
data mid-run — every human message still gets exactly one reply and no indicator stays on."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis

from randomatch_bot.config import Settings
from tests.support.databases import Couple, make_couple, say
from tests.support.pipeline import eventually
from tests.support.processes import Service

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def service_env(settings: Settings) -> dict[str, str]:
    assert settings.postgres_connection_string is not None
    assert settings.redis_url is not None
    return {
        "POSTGRES_CONNECTION_STRING": settings.postgres_connection_string.get_secret_value(),
        "REDIS_URL": settings.redis_url.get_secret_value(),
        "DOCKET_NAME": settings.docket_name,
        "TIME_SCALE": str(settings.time_scale),
        "ACTIVE_HOURS": "00:00-24:00",
        "GROUPING_WINDOW": str(settings.grouping_window),
        "CATCHUP_INTERVAL": "0.5",
        "CATCHUP_SLACK": "1",
        "LISTEN_TIMEOUT": "1",
        "REDELIVERY_TIMEOUT": "2",
        "STEP_RETRY_DELAY": "0.1",
        "STALE_TYPING_AFTER": "2",
        "SWEEP_INTERVAL": "0.5",
        "SHUTDOWN_GRACE": "3",
        "LOG_LEVEL": "INFO",
        "ABSENCE_PROBABILITY": "0",
        "MATCH_REPLIES_PER_HOUR": "0",
        "BOT_REPLIES_PER_MINUTE": "0",
    }


async def assert_exactly_once(pool: asyncpg.Pool, couples: list[Couple]) -> None:
    """Each human message answered once; each match one finished plan whose parts were each
    inserted once; no typing indicator left on."""
    async with pool.acquire() as conn:
        for couple in couples:
            humans = await conn.fetch(
                "SELECT id FROM public.messages WHERE match_id = $1 AND sender_id = $2",
                couple.match_id,
                couple.human_id,
            )
            answered = await conn.fetch(
                "SELECT message_id FROM bot.answered_messages WHERE match_id = $1",
                couple.match_id,
            )
            assert {r["id"] for r in humans} == {r["message_id"] for r in answered}
            done = await conn.fetch(
                "SELECT id, parts FROM bot.reply_plans WHERE match_id = $1 AND status = 'done'",
                couple.match_id,
            )
            assert len(done) == 1, f"{len(done)} finished plans in one conversation"
            sent = await conn.fetch(
                "SELECT content FROM public.messages WHERE match_id = $1 AND sender_id = $2 "
                "ORDER BY created_at, id",
                couple.match_id,
                couple.bot_id,
            )
            # Plans interrupted by nothing: the finished plan's parts, each exactly once.
            assert [r["content"] for r in sent] == list(done[0]["parts"])
        typing = await conn.fetchval(
            "SELECT count(*) FROM public.typing_indicators WHERE is_typing"
        )
        assert typing == 0


async def all_answered(pool: asyncpg.Pool, couples: list[Couple]) -> int:
    async with pool.acquire() as conn:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM bot.reply_plans WHERE status = 'done' "
                "AND match_id = ANY($1::uuid[])",
                [c.match_id for c in couples],
            )
        )


async def test_workers_killed_at_random_points(
    pool: asyncpg.Pool, make_settings: Any, tmp_path: Path
) -> None:
    """Workers killed with SIGKILL again and again mid-conversation; all answered exactly once."""
    settings = make_settings(TIME_SCALE=0.05, GROUPING_WINDOW=2)
    env = service_env(settings)
    rng = random.Random(20261125)
    async with pool.acquire() as conn:
        couples = [await make_couple(conn) for _ in range(16)]
    bridge = Service("bridge", env=env, cwd=tmp_path)
    workers = [Service("worker", "--name", f"w{i}", env=env, cwd=tmp_path) for i in range(2)]
    try:
        bridge.wait_for("bridge.listening", timeout=60)
        async with pool.acquire() as conn:
            for couple in couples:
                await say(conn, couple, "Salut ! Tu fais quoi ce week-end ? Rando au Vercors ?")
        for kill in range(8):
            await asyncio.sleep(rng.uniform(0.3, 1.2))
            index = rng.randrange(len(workers))
            workers[index].kill()
            workers[index] = Service("worker", "--name", f"w{index}-{kill}", env=env, cwd=tmp_path)
        await eventually(
            lambda: all_answered(pool, couples), lambda n: n == len(couples), timeout=90
        )
        # Give the sweeper one round to clear what the last kill may have left on.
        async with pool.acquire() as conn:
            await eventually(
                lambda: conn.fetchval(
                    "SELECT count(*) FROM public.typing_indicators WHERE is_typing"
                ),
                lambda n: n == 0,
                timeout=20,
            )
        await assert_exactly_once(pool, couples)
    finally:
        for service in [bridge, *workers]:
            service.kill()


async def test_bridge_killed_while_messages_arrive(
    pool: asyncpg.Pool, make_settings: Any, tmp_path: Path
) -> None:
    """Messages inserted while the bridge is dead are found by the catch-up after restart."""
    settings = make_settings(TIME_SCALE=0.02, GROUPING_WINDOW=1)
    env = service_env(settings)
    async with pool.acquire() as conn:
        couples = [await make_couple(conn) for _ in range(10)]
    bridge = Service("bridge", env=env, cwd=tmp_path)
    worker = Service("worker", env=env, cwd=tmp_path)
    try:
        bridge.wait_for("bridge.listening", timeout=60)
        async with pool.acquire() as conn:
            for index, couple in enumerate(couples):
                if index == 3:
                    bridge.kill()
                if index == 7:
                    bridge = Service("bridge", env=env, cwd=tmp_path)
                await say(conn, couple, f"Message {index} : on se fait une rando ?")
        await eventually(
            lambda: all_answered(pool, couples), lambda n: n == len(couples), timeout=90
        )
        await assert_exactly_once(pool, couples)
    finally:
        bridge.kill()
        worker.kill()


async def test_redis_flushed_mid_run(
    pool: asyncpg.Pool, make_settings: Any, tmp_path: Path
) -> None:
    """Redis losing all its data mid-run: the work is recovered from PostgreSQL."""
    settings = make_settings(TIME_SCALE=0.05, GROUPING_WINDOW=2)
    env = service_env(settings)
    async with pool.acquire() as conn:
        couples = [await make_couple(conn) for _ in range(10)]
    bridge = Service("bridge", env=env, cwd=tmp_path)
    worker = Service("worker", env=env, cwd=tmp_path)
    assert settings.redis_url is not None
    redis = aioredis.Redis.from_url(settings.redis_url.get_secret_value())
    try:
        bridge.wait_for("bridge.listening", timeout=60)
        async with pool.acquire() as conn:
            for couple in couples:
                await say(conn, couple, "Coucou, tu connais la Chartreuse ?")
        await asyncio.sleep(0.6)  # a moment for plans to be mid-way when Redis forgets
        for key in await redis.keys(f"{settings.docket_name}*"):
            await redis.delete(key)
        await eventually(
            lambda: all_answered(pool, couples), lambda n: n == len(couples), timeout=90
        )
        await assert_exactly_once(pool, couples)
    finally:
        await redis.aclose()
        bridge.kill()
        worker.kill()


async def test_sigterm_drains_and_restart_finishes(
    pool: asyncpg.Pool, make_settings: Any, tmp_path: Path
) -> None:
    """SIGTERM lets a worker finish or hand back its steps and exit 0; a new one finishes."""
    settings = make_settings(TIME_SCALE=0.05, GROUPING_WINDOW=1)
    env = service_env(settings)
    async with pool.acquire() as conn:
        couples = [await make_couple(conn) for _ in range(6)]
    bridge = Service("bridge", env=env, cwd=tmp_path)
    worker = Service("worker", env=env, cwd=tmp_path)
    try:
        bridge.wait_for("bridge.listening", timeout=60)
        async with pool.acquire() as conn:
            for couple in couples:
                await say(conn, couple, "On part marcher samedi ?")
            await eventually(
                lambda: conn.fetchval("SELECT count(*) FROM bot.reply_plans"),
                lambda n: n >= 3,
            )
        code = await asyncio.to_thread(worker.stop, 30)
        assert code == 0, worker.output
        assert "worker.stopped" in worker.output
        worker = Service("worker", env=env, cwd=tmp_path)
        await eventually(
            lambda: all_answered(pool, couples), lambda n: n == len(couples), timeout=60
        )
        await assert_exactly_once(pool, couples)
    finally:
        bridge.kill()
        worker.kill()
