"""Models paused after a failure only an operator can fix (`bot.llm_pauses`), one row per scope:
'endpoint' or 'model:<id>'."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class LlmPause(FromRow):
    """A paused scope, the failure that paused it and when the next probe is allowed."""

    scope: str
    status: int | None
    reason: str
    fingerprint: str
    paused_at: dt.datetime
    next_probe_at: dt.datetime


async def of_scopes(conn: Conn, *, scopes: list[str]) -> list[LlmPause]:
    """The pauses among `scopes`."""
    rows = await session.fetch(conn, SQL.llm_pauses_for, scopes=scopes)
    return [LlmPause.from_row(row) for row in rows]


async def every(conn: Conn) -> list[LlmPause]:
    """Every pause, by scope."""
    rows = await session.fetch(conn, SQL.llm_pauses_all)
    return [LlmPause.from_row(row) for row in rows]


async def record(
    conn: Conn,
    *,
    scope: str,
    status: int,
    reason: str,
    fingerprint: str,
    paused_at: dt.datetime,
    next_probe_at: dt.datetime,
) -> None:
    """Pause `scope`, or update the pause it is under (its `paused_at` stays)."""
    await session.execute(
        conn,
        SQL.llm_pause,
        scope=scope,
        status=status,
        reason=reason,
        fingerprint=fingerprint,
        paused_at=paused_at,
        next_probe_at=next_probe_at,
    )


async def claim_probe(
    conn: Conn, *, scope: str, now: dt.datetime, next_probe_at: dt.datetime
) -> bool:
    """True when this caller probes `scope` now: its probe time had come and was moved on to
    `next_probe_at` by this call, so no other caller probes before then."""
    claimed = await session.fetchval(
        conn, SQL.llm_pause_claim_probe, scope=scope, now=now, next_probe_at=next_probe_at
    )
    return claimed is not None


async def lift(conn: Conn, *, scopes: list[str]) -> list[str]:
    """Lift the pauses of `scopes`; returns those that were paused."""
    rows = await session.fetch(conn, SQL.llm_pause_lift, scopes=scopes)
    return [str(row["scope"]) for row in rows]


async def release_waiting_replies(
    conn: Conn, *, now: dt.datetime, jitter: float
) -> list[uuid.UUID]:
    """Every reply waiting for a model tries again within `jitter` seconds of `now`, each at
    its own moment; returns their conversations, whose wake-up is moved to that moment too."""
    rows = await session.fetch(conn, SQL.release_waiting_plans, now=now, jitter=jitter)
    return [row["match_id"] for row in rows]
