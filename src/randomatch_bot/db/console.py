"""The operator's console: engagement figures per group over a window, and what the service
recorded about one conversation (messages, plans, plan events, model calls, guard trips).
Definitions in docs/API.md ("Engagement"); queries in db/queries/console.sql."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn

# How engagement is grouped (each query also gives the total, key 'all'); by variant the key is
# 'bot id/variant name' ('bot id/base': no variant). A new grouping is one more value here and
# one more WHEN in each engagement query.
Grouping = Literal["persona", "model", "variant"]
# Sort memory of the engagement queries (a week of a large app's messages sorts in memory).
WORK_MEM = "64MB"


@dataclass(frozen=True, slots=True)
class TurnGroup(FromRow):
    """The persona's turns decided in the window, and the conversations they belong to."""

    key: str
    is_total: bool
    turns: int
    replied: int
    pending: int
    delay_median_s: float | None
    delay_p90_s: float | None
    conversations: int
    ghosted: int
    depth_mean: float | None
    depth_stddev: float | None
    depth_median: float | None


@dataclass(frozen=True, slots=True)
class WorstConversation(FromRow):
    """A conversation of the window, ghosted first, then the shallowest."""

    key: str
    match_id: uuid.UUID
    bot_id: uuid.UUID
    ghosted: int
    depth: int
    last_turn_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FollowupGroup(FromRow):
    key: str
    is_total: bool
    followups: int
    reengaged: int


@dataclass(frozen=True, slots=True)
class ClosureGroup(FromRow):
    key: str
    is_total: bool
    closed: int
    blocked: int


@dataclass(frozen=True, slots=True)
class GuardGroup(FromRow):
    key: str
    is_total: bool
    replies: int
    trips: int


@dataclass(frozen=True, slots=True)
class CostGroup(FromRow):
    key: str
    is_total: bool
    cost: float
    conversations: int


@dataclass(frozen=True, slots=True)
class Engagement:
    """Every engagement query's rows for one window and grouping."""

    turns: list[TurnGroup]
    worst: list[WorstConversation]
    followups: list[FollowupGroup]
    closures: list[ClosureGroup]
    guard: list[GuardGroup]
    cost: list[CostGroup]


async def engagement(
    conn: Conn, *, start: dt.datetime, end: dt.datetime, by: Grouping, worst: int = 20
) -> Engagement:
    """The engagement figures of [start, end) grouped `by`, with the `worst` conversations."""
    window: dict[str, object] = {"start": start, "end": end, "by": by}
    async with conn.transaction():
        await session.fetchval(conn, SQL.engagement_work_mem, work_mem=WORK_MEM)
        return await _engagement(conn, window, worst)


async def _engagement(conn: Conn, window: dict[str, object], worst: int) -> Engagement:
    rows = await session.fetch(conn, SQL.engagement_turns, worst=worst, **window)
    return Engagement(
        turns=[TurnGroup.from_row(r) for r in rows if r["kind"] in ("group", "total")],
        worst=[WorstConversation.from_row(r) for r in rows if r["kind"] == "worst"],
        followups=[
            FollowupGroup.from_row(r)
            for r in await session.fetch(conn, SQL.engagement_followups, **window)
        ],
        closures=[
            ClosureGroup.from_row(r)
            for r in await session.fetch(conn, SQL.engagement_closures, **window)
        ],
        guard=[
            GuardGroup.from_row(r)
            for r in await session.fetch(conn, SQL.engagement_guard, **window)
        ],
        cost=[
            CostGroup.from_row(r) for r in await session.fetch(conn, SQL.engagement_cost, **window)
        ],
    )


async def bot_names(conn: Conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The display names of these bots."""
    rows = await session.fetch(conn, SQL.engagement_bot_names, ids=list(ids))
    return {r["bot_id"]: r["name"] for r in rows}


async def record_guard_trips(
    pool: asyncpg.Pool,
    *,
    bot_id: uuid.UUID | None,
    match_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
    reasons: Sequence[str],
    stage: str,
) -> None:
    """One row per reason the guard kept a reply from the person at `stage`."""
    async with session.connection(pool) as conn:
        await session.execute(
            conn,
            SQL.record_guard_trip,
            bot_id=bot_id,
            match_id=match_id,
            plan_id=plan_id,
            reasons=list(reasons),
            stage=stage,
        )


# ---------------------------------------------------------------------- one conversation
@dataclass(frozen=True, slots=True)
class MatchRow(FromRow):
    match_id: uuid.UUID
    match_status: str | None
    bot_id: uuid.UUID | None
    bot_name: str | None
    human_id: uuid.UUID | None
    human_name: str | None
    status: str | None
    epoch: int | None
    hold_reason: str | None
    next_wake_at: dt.datetime | None
    last_error: str | None
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    taken_over_until: dt.datetime | None
    takeover_reason: str | None


@dataclass(frozen=True, slots=True)
class MessageRow(FromRow):
    id: uuid.UUID
    sender_id: uuid.UUID | None
    content: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    plan_id: uuid.UUID | None
    part_index: int | None


@dataclass(frozen=True, slots=True)
class PlanRow(FromRow):
    id: uuid.UUID
    status: str
    trigger_message_ids: list[uuid.UUID]
    read_due_at: dt.datetime
    think_until: dt.datetime | None
    parts: int
    next_part: int
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost: float | None
    error: str | None
    generation_failures: int
    created_at: dt.datetime
    finished_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class EventRow(FromRow):
    id: int
    plan_id: uuid.UUID | None
    kind: str
    part: int | None
    at: dt.datetime
    until: dt.datetime | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class CallRow(FromRow):
    plan_id: uuid.UUID | None
    purpose: str
    model: str
    ok: bool
    status: int | None
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    latency_ms: int
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TripRow(FromRow):
    plan_id: uuid.UUID | None
    reason: str
    stage: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the service recorded about one match, from its oldest message shown on."""

    match: MatchRow
    messages: list[MessageRow]
    plans: list[PlanRow]
    events: list[EventRow]
    calls: list[CallRow]
    trips: list[TripRow]


async def recorded(conn: Conn, *, match_id: uuid.UUID, limit: int) -> Recorded | None:
    """The match's newest `limit` messages and what the service recorded since the oldest of
    them; None when neither the app nor the service knows the match. Read in one snapshot: a
    reply finishing meanwhile is seen whole or not at all (its parts with its status)."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await _recorded(conn, match_id=match_id, limit=limit)


async def _recorded(conn: Conn, *, match_id: uuid.UUID, limit: int) -> Recorded | None:
    row = await session.fetchrow(conn, SQL.console_match, match_id=match_id)
    if row is None:
        return None
    messages = [
        MessageRow.from_row(r)
        for r in await session.fetch(conn, SQL.console_messages, match_id=match_id, limit=limit)
    ]
    # A reply answering the oldest message shown was planned after it; a little before covers
    # the conversation's own waits (grouping) and icebreakers of an empty match.
    since = (
        messages[0].created_at - dt.timedelta(hours=1)
        if messages
        else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    )
    args = {"match_id": match_id, "since": since}
    return Recorded(
        match=MatchRow.from_row(row),
        messages=messages,
        plans=[PlanRow.from_row(r) for r in await session.fetch(conn, SQL.console_plans, **args)],
        events=[
            EventRow.from_row(r) for r in await session.fetch(conn, SQL.console_events, **args)
        ],
        calls=[CallRow.from_row(r) for r in await session.fetch(conn, SQL.console_calls, **args)],
        trips=[TripRow.from_row(r) for r in await session.fetch(conn, SQL.console_trips, **args)],
    )


# The kept turns (D34): as far back as the longest window (api/engagement.py, 90 days) and a
# day; a step of keeping covers at most a day of decisions, in its own transaction; the turns
# of the last KEEP_LAG are left to the live computation (a message written now may commit a
# little later with an earlier time).
KEEP_DAYS = 91
KEEP_STEP = dt.timedelta(days=1)
KEEP_LAG = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Kept:
    """What one keeping did: turns added, turns dropped (older than kept), steps run, and the
    watermark it left (None: it had nothing to do yet)."""

    added: int
    dropped: int
    steps: int
    kept_until: dt.datetime | None


async def keep_turns(
    conn: Conn,
    *,
    now: dt.datetime,
    keep: dt.timedelta = dt.timedelta(days=KEEP_DAYS),
    step: dt.timedelta = KEEP_STEP,
    lag: dt.timedelta = KEEP_LAG,
    max_steps: int | None = None,
) -> Kept:
    """Keep the turns decided up to `now - lag` in bot.engagement_turns, from the watermark on
    (the first time, from `now - lag - keep`), a `step` at a time and at most `max_steps` steps;
    drops those decided before `now - lag - keep`. Idempotent: a second call at the same `now`
    adds nothing."""
    target = now - lag
    added = dropped = steps = 0
    kept_until: dt.datetime | None = None
    while max_steps is None or steps < max_steps:
        async with conn.transaction():
            row = await session.fetchrow(conn, SQL.engagement_watermark)
            kept_from = target - keep
            start = kept_from
            if row is not None:
                kept_from = max(row["kept_from"], kept_from)
                start = max(row["kept_until"], kept_from)
                kept_until = row["kept_until"]
            end = min(start + step, target)
            if row is not None and end <= row["kept_until"]:
                break
            added += await session.fetchval(conn, SQL.engagement_keep, start=start, end=end)
            dropped += await session.fetchval(
                conn, SQL.engagement_set_watermark, kept_from=kept_from, kept_until=end
            )
            steps += 1
            kept_until = end
    return Kept(added, dropped, steps, kept_until)
