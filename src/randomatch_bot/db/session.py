"""Running the named queries, and the one place where asyncpg's errors become the service's.

The modules of `db/` call `fetch`, `fetchrow`, `fetchval` and `execute` with a `Query` and
keyword arguments; everything outside `db/` opens a `connection` or a `transaction` here and
hands it to those modules. Whatever the driver or the socket raises on the way comes out as
one of `errors.py`'s database errors, so callers handle one family:

    lost or refused connection, server shutting down, pool exhausted  -> DatabaseUnavailable
    a table, column or function missing, or not granted               -> SchemaMismatch
    a lock not granted in time, a statement cancelled, a deadlock      -> DatabaseBusy
    any other error the server reports                                 -> DatabaseError
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import asyncpg

from randomatch_bot.errors import (
    DatabaseBusy,
    DatabaseError,
    DatabaseUnavailable,
    SchemaMismatch,
)

if TYPE_CHECKING:
    from randomatch_bot.db.sql import Query
    from randomatch_bot.db.types import Conn

P = ParamSpec("P")
T = TypeVar("T")

_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.IdleSessionTimeoutError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # the driver's state after a connection cut mid-query
    OSError,
    TimeoutError,
)
_SCHEMA = (
    asyncpg.UndefinedTableError,
    asyncpg.UndefinedColumnError,
    asyncpg.UndefinedFunctionError,
    asyncpg.InsufficientPrivilegeError,
)
_BUSY = (
    asyncpg.LockNotAvailableError,
    asyncpg.QueryCanceledError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)


def map_error(exc: BaseException) -> BaseException:
    """The service's error for a driver or socket error; any other exception unchanged."""
    reason = str(exc).strip() or type(exc).__name__
    if isinstance(exc, _UNAVAILABLE):
        return DatabaseUnavailable(f"PostgreSQL connection lost or refused: {reason}")
    if isinstance(exc, asyncpg.PostgresError):
        sqlstate = getattr(exc, "sqlstate", None)
        kind = (
            SchemaMismatch
            if isinstance(exc, _SCHEMA)
            else DatabaseBusy
            if isinstance(exc, _BUSY)
            else DatabaseError
        )
        return kind(reason, sqlstate=sqlstate)
    return exc


def wraps_errors(func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Decorate an async function of `db/` so that driver errors leave it mapped."""

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await func(*args, **kwargs)
        except (asyncpg.PostgresError, *_UNAVAILABLE) as exc:
            raise map_error(exc) from exc

    return wrapper


@wraps_errors
async def fetch(conn: Conn, query: Query, /, **params: object) -> list[asyncpg.Record]:
    """Every row of `query`."""
    return await conn.fetch(query.text, *query.bind(params))


@wraps_errors
async def fetchrow(conn: Conn, query: Query, /, **params: object) -> asyncpg.Record | None:
    """The first row of `query`, or None."""
    return await conn.fetchrow(query.text, *query.bind(params))


@wraps_errors
async def fetchval(conn: Conn, query: Query, /, **params: object) -> Any:
    """The first column of the first row of `query`, or None."""
    return await conn.fetchval(query.text, *query.bind(params))


@wraps_errors
async def execute(conn: Conn, query: Query, /, **params: object) -> None:
    """Run `query` for its effect. Whether it changed a row is asked with `RETURNING`."""
    await conn.execute(query.text, *query.bind(params))


@asynccontextmanager
async def connection(pool: asyncpg.Pool) -> AsyncIterator[Conn]:
    """A connection borrowed from `pool`, outside any transaction. Only the borrowing and the
    giving back are mapped here: what the block itself raises goes through unchanged."""
    try:
        conn = await pool.acquire()
    except (asyncpg.PostgresError, *_UNAVAILABLE) as exc:
        raise map_error(exc) from exc
    try:
        yield conn
    finally:
        try:
            await pool.release(conn)
        except (asyncpg.PostgresError, *_UNAVAILABLE) as exc:
            # asyncpg resets a connection as it goes back, and re-raises when a cut made that
            # fail (the connection is closed then, and the pool opens a new one).
            raise map_error(exc) from exc


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[Conn]:
    """A connection borrowed from `pool` inside a transaction, committed when the block ends
    without an exception and rolled back otherwise."""
    async with connection(pool) as conn, in_transaction(conn):
        yield conn


@asynccontextmanager
async def in_transaction(conn: Conn) -> AsyncIterator[Conn]:
    """A transaction (or a savepoint, inside one) on a connection already held."""
    tx = conn.transaction()
    try:
        await tx.start()
    except (asyncpg.PostgresError, *_UNAVAILABLE) as exc:
        raise map_error(exc) from exc
    try:
        yield conn
    except BaseException:
        # A lost connection cannot roll back; the block's own error is the one to report.
        with contextlib.suppress(asyncpg.PostgresError, *_UNAVAILABLE):
            await tx.rollback()
        raise
    try:
        await tx.commit()
    except (asyncpg.PostgresError, *_UNAVAILABLE) as exc:
        raise map_error(exc) from exc
