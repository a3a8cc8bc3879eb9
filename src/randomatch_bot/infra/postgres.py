"""PostgreSQL connections: pools for the workers, a dedicated connection for LISTEN.

asyncpg errors are converted to DatabaseUnavailable here, with a message an operator can act
on; the rest of the service never sees a driver exception for "cannot connect".
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import asyncpg

from randomatch_bot.errors import ConfigurationError, DatabaseUnavailable

T = TypeVar("T")

CONNECT_TIMEOUT = 10.0  # seconds for one connection attempt
CONNECT_ATTEMPTS = 3  # before giving up at start-up
TRANSACTION_POOLER_PORT = 6543  # Supabase's transaction-mode pooler (cannot LISTEN)


def describe_target(dsn: str) -> str:
    """host:port/db of a DSN without user or password, for messages and logs."""
    parts = urlsplit(dsn)
    host = parts.hostname or parse_qs(parts.query).get("host", ["localhost"])[0]
    port = parts.port or 5432
    database = parts.path.lstrip("/") or "postgres"
    return f"{host}:{port}/{database}"


def is_transaction_pooler(dsn: str) -> bool:
    """True for a transaction-mode pooler URL (Supabase port 6543, or pgbouncer mode hint)."""
    parts = urlsplit(dsn)
    query = parse_qs(parts.query)
    if query.get("pgbouncer", [""])[0].lower() == "true":
        return True
    try:
        return parts.port == TRANSACTION_POOLER_PORT
    except ValueError:
        return False


def check_listen_capable(dsn: str) -> None:
    """Refuse a URL on which LISTEN cannot work, before trying it."""
    if is_transaction_pooler(dsn):
        raise ConfigurationError(
            "POSTGRES_CONNECTION_STRING points at a transaction-mode pooler (port 6543), which "
            "cannot LISTEN: use the direct connection or the session pooler (port 5432) for "
            "the bridge"
        )


def _statement_cache_size(dsn: str) -> int:
    # Prepared statements do not survive a transaction pooler's connection swapping.
    return 0 if is_transaction_pooler(dsn) else 100


def _unavailable(dsn: str, exc: BaseException) -> DatabaseUnavailable:
    reason = str(exc).strip() or type(exc).__name__
    return DatabaseUnavailable(
        f"cannot reach PostgreSQL at {describe_target(dsn)}: {reason}; "
        "check POSTGRES_CONNECTION_STRING and that the server is up"
    )


_CONNECT_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def _retrying(dsn: str, attempts: int, open_once: Callable[[], Awaitable[T]]) -> T:
    """`open_once()` retried with a short backoff; a wrong password or database is not retried."""
    last: BaseException | None = None
    for attempt in range(max(1, attempts)):
        try:
            return await open_once()
        except _CONNECT_ERRORS as exc:
            last = exc
            if isinstance(exc, asyncpg.InvalidPasswordError | asyncpg.InvalidCatalogNameError):
                break
            if attempt + 1 < attempts:
                await asyncio.sleep(min(2.0**attempt, 5.0))
    assert last is not None
    raise _unavailable(dsn, last) from last


async def connect(dsn: str, *, attempts: int = 1, keepalives: bool = False) -> asyncpg.Connection:
    """One connection (the bridge's LISTEN connection, migrations, CLI look-ups)."""

    async def open_once() -> asyncpg.Connection:
        conn: asyncpg.Connection = await asyncpg.connect(
            dsn, timeout=CONNECT_TIMEOUT, statement_cache_size=_statement_cache_size(dsn)
        )
        return conn

    conn = await _retrying(dsn, attempts, open_once)
    if keepalives:
        _enable_keepalives(conn)
    return conn


def _enable_keepalives(conn: asyncpg.Connection) -> None:
    """TCP keepalives so a silently dropped LISTEN connection is noticed by the kernel too."""
    transport = conn._transport  # type: ignore[attr-defined]  # asyncpg exposes no public hook
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        option = getattr(socket, name, None)
        if option is not None:
            sock.setsockopt(socket.IPPROTO_TCP, option, value)


async def keep_session(_conn: asyncpg.Connection) -> None:
    """Nothing to reset: pool connections never LISTEN, take advisory locks or change session
    settings (those use dedicated connections), and asyncpg itself still rolls back an open
    transaction on release. Saves asyncpg's default reset query, a round trip per release."""


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 10, attempts: int = CONNECT_ATTEMPTS
) -> asyncpg.Pool:
    """A connection pool, retried a bounded number of times and checked before it is returned."""

    async def open_once() -> asyncpg.Pool:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeout=CONNECT_TIMEOUT,
            statement_cache_size=_statement_cache_size(dsn),
            reset=keep_session,
        )
        return pool

    return await _retrying(dsn, attempts, open_once)


@asynccontextmanager
async def open_pool(dsn: str, **kwargs: int) -> AsyncIterator[asyncpg.Pool]:
    """`create_pool` as an async context manager that always closes the pool."""
    pool = await create_pool(dsn, **kwargs)
    try:
        yield pool
    finally:
        await pool.close()
