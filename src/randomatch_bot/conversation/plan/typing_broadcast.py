"""The bot's typing indicator over Supabase Realtime Broadcast (TYPING_TRANSPORT).

`table` (the default) writes `public.typing_indicators`, which the app reads through the
`supabase_realtime` publication. `broadcast` sends the state instead with `realtime.send` on the
match's private topic `match:<match_id>`, event `typing`, payload
`{match_id, user_id, is_typing, expires_at}`, from SQL in the transaction of the step that changes
it; `both` does both. A broadcast is not stored: while the bot types, the state is sent again
every TYPING_REFRESH_INTERVAL seconds, so that an app that subscribes late sees it, and
`expires_at` lets an app that missed the "off" drop a stale indicator by itself.

Where `realtime.send` does not exist (plain PostgreSQL, the embedded demo) or the worker's role
may not reach it (no USAGE on the schema `realtime`), the worker says so at start, naming the
grant to run, and writes the table; the SQL function falls back to the table as well, and so
does a broadcast that was not stored (the day's `realtime.messages` partition missing, ...).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import structlog

from randomatch_bot.config import Settings
from randomatch_bot.db import session, typing_indicators
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import DatabaseUnavailable

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


GRANT_HINT = "run docs/sql/service_role.sql again as postgres"


def unavailable_message(transport: str, access: typing_indicators.RealtimeAccess) -> str | None:
    """Why broadcasting cannot be done with this role, naming what to run; None when it can."""
    if access.usable:
        return None
    if not access.exists:
        return missing_realtime_message(transport)
    missing = []
    if not access.schema_usage:
        missing.append("USAGE on schema realtime")
    if not access.may_execute:
        missing.append("EXECUTE on realtime.send")
    return (
        f"TYPING_TRANSPORT={transport}, but the role {access.role} lacks "
        f"{' and '.join(missing)}: the typing indicator is written to typing_indicators "
        f"instead; {GRANT_HINT} (it grants both)"
    )


async def broadcast_problem(conn: Conn, transport: str) -> str | None:
    """Why this connection cannot broadcast with `transport`, or None when it can. Never
    raises on a missing function or privilege: a probe that fails says so instead."""
    try:
        access = await typing_indicators.realtime_access(conn)
    except DatabaseUnavailable:
        raise
    except Exception as exc:  # a probe must never stop a worker
        return (
            f"TYPING_TRANSPORT={transport}, but Supabase Realtime could not be looked up "
            f"({str(exc)[:200]}): the typing indicator is written to typing_indicators "
            f"instead; {GRANT_HINT}"
        )
    return unavailable_message(transport, access)


async def effective_transport(pool: asyncpg.Pool, settings: Settings) -> str:
    """The transport a worker uses: TYPING_TRANSPORT, or `table` (said once, as a warning)
    where the database cannot broadcast or this role may not."""
    transport = settings.typing_transport
    if transport == "table":
        return transport
    async with session.connection(pool) as conn:
        problem = await broadcast_problem(conn, transport)
    if problem is not None:
        log.warning("typing.broadcast_unavailable", hint=problem)
        return "table"
    log.info("typing.broadcast_realtime", transport=transport, topic="match:<id>")
    return transport
