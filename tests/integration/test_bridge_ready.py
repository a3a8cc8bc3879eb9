"""The bridge's readiness signal: its heartbeat exists exactly while LISTEN is in place."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from randomatch_bot.bridge.listener import Bridge, bridge_ages
from randomatch_bot.supervisor import open_resources
from tests.support.pipeline import eventually

pytestmark = pytest.mark.integration


async def test_heartbeat_follows_listen(make_settings: Any) -> None:
    """No heartbeat before LISTEN; one as soon as it is in place; withdrawn when it stops."""
    settings = make_settings(HEARTBEAT_INTERVAL=0.2)
    async with open_resources(settings) as res:
        bridge = Bridge(
            settings, res.endpoints.postgres_dsn, res.docket, res.redis, name="ready-test"
        )
        assert await bridge_ages(res.redis, settings.docket_name) == {}
        stop = asyncio.Event()
        task = asyncio.create_task(bridge.run(stop))
        try:
            ages = await eventually(
                lambda: bridge_ages(res.redis, settings.docket_name),
                lambda a: "ready-test" in a,
                timeout=15,
            )
            assert bridge.listening.is_set()
            assert ages["ready-test"] < 5
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=15)
        assert not bridge.listening.is_set()
        assert await bridge_ages(res.redis, settings.docket_name) == {}
