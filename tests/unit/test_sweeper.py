"""The worker's sweeper outlives a database that is down: a failed sweep or purge is logged and
tried again at the next round."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from structlog.testing import capture_logs

from randomatch_bot.config import Settings
from randomatch_bot.worker import service


class RefusingPool:
    """A pool whose server refuses every connection; it sets `stop` after `rounds` attempts."""

    def __init__(self, stop: asyncio.Event | None = None, rounds: int = 0) -> None:
        self.attempts = 0
        self.stop = stop
        self.rounds = rounds

    async def acquire(self) -> Any:
        self.attempts += 1
        if self.stop is not None and self.attempts >= self.rounds:
            self.stop.set()
        raise ConnectionRefusedError("connection refused")

    async def release(self, conn: Any) -> None:
        raise AssertionError("nothing was acquired")


def settings(**env: Any) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


async def test_a_failed_purge_is_logged_and_not_raised() -> None:
    """A purge that cannot reach PostgreSQL logs the mapped error's kind and returns."""
    with capture_logs() as logs:
        await service._purge_once(cast(Any, RefusingPool()), settings())
    failed = [e for e in logs if e["event"] == "privacy.purge_failed"]
    assert [e["error"] for e in failed] == ["DatabaseUnavailable"]


async def test_the_sweeper_goes_on_after_failed_sweeps() -> None:
    """Each round whose sweep cannot reach PostgreSQL is logged, and the next round runs."""
    stop = asyncio.Event()
    pool = RefusingPool(stop, rounds=3)
    with capture_logs() as logs:
        await asyncio.wait_for(
            service._sweeper(cast(Any, pool), settings(SWEEP_INTERVAL=0.01), stop), timeout=30
        )
    failed = [e for e in logs if e["event"] == "worker.sweep_failed"]
    assert pool.attempts == 3
    assert len(failed) == 3
    assert all("PostgreSQL connection lost or refused" in e["error"] for e in failed)
