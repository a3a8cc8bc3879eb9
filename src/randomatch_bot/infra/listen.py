"""A dedicated LISTEN connection that survives: keepalives, a silence watchdog, reconnection
with paced backoff. Used by the bridge (`bot_events`) and the API's live pages
(`match_events`); each brings its own `session` to run on a fresh connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from randomatch_bot.db import listening
from randomatch_bot.errors import DatabaseError, DatabaseUnavailable
from randomatch_bot.infra.postgres import connect

log = structlog.get_logger(__name__)

RECONNECT_MIN = 0.5  # seconds before the first reconnect attempt
RECONNECT_MAX = 30.0  # seconds between attempts once backed off

# What a lost connection raises, from the kernel, the server or the driver: mapped by the
# queries of `db/`, raw from the driver's own calls (LISTEN, its termination).
CONNECTION_ERRORS = (
    DatabaseUnavailable,
    DatabaseError,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # the driver's state after a connection cut mid-query
    TimeoutError,
)


class ListenConnection:
    """Runs `session(conn, lost, stop)` on a fresh connection until `stop`, reconnecting.

    `lost` is set when the server closes the connection; the session returns at `stop` and
    raises (or returns) when the connection is lost. `connected` is set while a session runs;
    `on_reconnect` is called before every session after the first (metrics).
    """

    def __init__(
        self,
        dsn: str,
        session: Callable[[asyncpg.Connection, asyncio.Event, asyncio.Event], Awaitable[None]],
        *,
        name: str,
        reconnect_max: float = RECONNECT_MAX,
        on_reconnect: Callable[[], None] | None = None,
    ) -> None:
        self.dsn = dsn
        self.session = session
        self.name = name
        self.reconnect_max = reconnect_max
        self.on_reconnect = on_reconnect
        self.connected = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        delay = RECONNECT_MIN
        first = True
        while not stop.is_set():
            try:
                conn = await connect(self.dsn, keepalives=True)
            except DatabaseUnavailable as exc:
                log.warning("listen.retrying", listener=self.name, error=str(exc), in_s=delay)
                if await wait_for_event(stop, delay):
                    return
                delay = min(delay * 2, self.reconnect_max)
                continue
            if not first and self.on_reconnect is not None:
                self.on_reconnect()
            first = False
            delay = RECONNECT_MIN
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
            self.connected.set()
            try:
                await self.session(conn, lost, stop)
            except CONNECTION_ERRORS as exc:
                log.warning("listen.reconnecting", listener=self.name, error=str(exc))
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), timeout=2)
            if not stop.is_set() and await wait_for_event(stop, delay):
                return


async def check_alive(conn: asyncpg.Connection, lost: asyncio.Event) -> None:
    """The silence watchdog: raise if the connection is gone or does not answer SELECT 1."""
    if lost.is_set() or conn.is_closed():
        raise ConnectionResetError("LISTEN connection closed")
    await asyncio.wait_for(listening.ping(conn), timeout=10)


async def wait_for_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds` for `event`; True if it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=seconds)
    return event.is_set()
