"""Process orchestration: open the resources a command needs, run its components, stop cleanly.

Every command goes through `open_resources`, so the embedded default, pools and clients are
opened one way and always closed. `serve` runs any mix of bridge, worker and API in one event
loop with a shared stop event, set by SIGTERM/SIGINT or by a component that dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import redis.asyncio as aioredis
import structlog
from docket import Docket

from randomatch_bot.config import Settings
from randomatch_bot.db.migrate import MigrationReport, migrate
from randomatch_bot.errors import ConfigurationError, RedisUnavailable
from randomatch_bot.infra.embedded import Endpoints
from randomatch_bot.infra.keys import Keys
from randomatch_bot.infra.postgres import connect, is_transaction_pooler, open_pool
from randomatch_bot.infra.redis import open_redis, with_max_connections
from randomatch_bot.infra.services import resolve_endpoints

log = structlog.get_logger(__name__)

# Redis connections of the task queue beyond one per step in flight: the worker's own loops
# (delivery, scheduler, heartbeat, leases). redis-py's default pool (100) is smaller than
# WORKER_CONCURRENCY can be, and a full pool stops the worker loop for seconds.
DOCKET_CONNECTION_MARGIN = 32


@dataclass(slots=True)
class Resources:
    settings: Settings
    endpoints: Endpoints
    pool: asyncpg.Pool
    redis: aioredis.Redis
    docket: Docket

    @property
    def keys(self) -> Keys:
        """The Redis keys of this deployment (its queue name)."""
        return Keys(self.settings.docket_name)


@contextlib.asynccontextmanager
async def open_endpoints(
    settings: Settings, *, exclusive: bool = False
) -> AsyncIterator[Endpoints]:
    """Endpoints from configuration, or embedded servers started in a thread."""
    stack = contextlib.ExitStack()
    manager = resolve_endpoints(settings, exclusive=exclusive)
    endpoints = await asyncio.to_thread(stack.enter_context, manager)
    try:
        yield endpoints
    finally:
        await asyncio.to_thread(stack.close)


@contextlib.asynccontextmanager
async def open_resources(
    settings: Settings, *, exclusive: bool = False, pool_size: int = 10
) -> AsyncIterator[Resources]:
    """Servers reachable, schema migrated check left to the caller, everything closed on exit."""
    async with (
        open_endpoints(settings, exclusive=exclusive) as endpoints,
        open_pool(endpoints.postgres_dsn, max_size=pool_size) as pool,
        open_redis(endpoints.redis_url) as redis,
    ):
        try:
            url = with_max_connections(
                endpoints.redis_url, settings.worker_concurrency + DOCKET_CONNECTION_MARGIN
            )
            docket = Docket(name=settings.docket_name, url=url)
            await docket.__aenter__()
        except Exception as exc:
            raise RedisUnavailable(f"cannot open the task queue on Redis: {exc}") from exc
        try:
            yield Resources(settings, endpoints, pool, redis, docket)
        finally:
            await docket.__aexit__(None, None, None)


async def migrate_database(dsn: str, *, create_missing_app_tables: bool = False) -> MigrationReport:
    """Migrate through one session connection (never a transaction pooler: see below)."""
    if is_transaction_pooler(dsn):
        # The advisory lock, lock_timeout and CREATE INDEX CONCURRENTLY need one session.
        raise ConfigurationError(
            "migrate needs a session connection, and POSTGRES_CONNECTION_STRING points at a "
            "transaction-mode pooler (port 6543): use the session pooler (port 5432) or the "
            "direct connection for `randomatch-bot migrate`"
        )
    conn = await connect(dsn, attempts=3)
    try:
        return await migrate(conn, create_missing_app_tables=create_missing_app_tables)
    finally:
        await conn.close()


Component = Callable[[asyncio.Event], Awaitable[None]]


async def _as_coroutine(awaitable: Awaitable[object]) -> None:
    await awaitable


async def serve(components: dict[str, Component], *, stop: asyncio.Event | None = None) -> None:
    """Run named components until a signal or until one of them ends; then stop them all."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    running: dict[asyncio.Task[None], str] = {
        asyncio.create_task(_as_coroutine(component(stop)), name=name): name
        for name, component in components.items()
    }
    stopped = asyncio.create_task(_as_coroutine(stop.wait()), name="stop")
    try:
        done, _ = await asyncio.wait([*running, stopped], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is stopped:
                continue
            error = task.exception()
            if error is not None:
                log.error("app.component_died", component=running[task], error=str(error))
            else:
                log.info("app.component_ended", component=running[task])
        stop.set()
        results = await asyncio.gather(*running, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors and not isinstance(errors[0], asyncio.CancelledError):
            raise errors[0]
    finally:
        stopped.cancel()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
