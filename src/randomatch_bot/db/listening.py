"""The questions a dedicated LISTEN connection asks of the server: is it still there, and how
full is the NOTIFY queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


async def notification_queue_usage(conn: Conn) -> float | None:
    """The fraction of PostgreSQL's NOTIFY queue in use (0 to 1)."""
    usage: float | None = await session.fetchval(conn, SQL.notification_queue_usage)
    return usage


async def ping(conn: Conn) -> None:
    """Ask the server a trivial question; raises (mapped) if it does not answer."""
    await session.fetchval(conn, SQL.connection_alive)
