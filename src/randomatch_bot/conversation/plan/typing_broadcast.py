"""The bot's typing indicator over Supabase Realtime Broadcast (TYPING_TRANSPORT).

`table` (the default) writes `public.typing_indicators`, which the app reads through the
`supabase_realtime` publication. `broadcast` sends the state instead with `realtime.send` on the
match's private topic `match:<match_id>`, event `typing`, payload
`{match_id, user_id, is_typing, expires_at}`, from SQL in the transaction of the step that changes
it; `both` does both. A broadcast is not stored: while the bot types, the state is sent again
every TYPING_REFRESH_INTERVAL seconds, so that an app that subscribes late sees it, and
`expires_at` lets an app that missed the "off" drop a stale indicator by itself.

Where `realtime.send` does not exist (plain PostgreSQL, the embedded demo), the worker says so
at start and writes the table; the SQL function falls back to the table as well.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import structlog

from randomatch_bot.config import Settings
from randomatch_bot.db import session, typing_indicators
from randomatch_bot.db.types import Conn

if TYPE_CHECKING:
    import asyncpg

log = structlog.get_logger(__name__)

EVENT = "typing"
# An indicator not refreshed for this many refresh intervals is stale: one lost refresh never
# blinks it off, a crashed worker leaves it on for seconds only.
EXPIRY_INTERVALS = 3


def topic(match_id: uuid.UUID | str) -> str:
    """The private Realtime topic of a match, which its two members subscribe to."""
    return f"match:{match_id}"


def expires_at(settings: Settings, now: dt.datetime) -> dt.datetime:
    """When an app should drop a "typing" state that no refresh followed."""
    return now + dt.timedelta(seconds=EXPIRY_INTERVALS * settings.typing_refresh_interval)


def missing_realtime_message(transport: str) -> str:
    """What the operator is told when broadcasting is asked for and cannot be done."""
    return (
        f"TYPING_TRANSPORT={transport}, but this database has no realtime.send "
        "(not a Supabase project): the typing indicator is written to typing_indicators instead"
    )


async def realtime_available(conn: Conn) -> bool:
    """Whether Supabase Realtime's `realtime.send(jsonb, text, text, boolean)` exists."""
    return await typing_indicators.realtime_available(conn)


async def effective_transport(pool: asyncpg.Pool, settings: Settings) -> str:
    """The transport a worker uses: TYPING_TRANSPORT, or `table` (said once, as a warning)
    where the database cannot broadcast."""
    transport = settings.typing_transport
    if transport == "table":
        return transport
    async with session.connection(pool) as conn:
        available = await realtime_available(conn)
    if not available:
        log.warning("typing.broadcast_unavailable", hint=missing_realtime_message(transport))
        return "table"
    log.info("typing.broadcast_realtime", transport=transport, topic="match:<id>")
    return transport
