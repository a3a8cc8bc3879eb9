"""What the monitoring reads: cumulative totals and histograms for the metrics, counts by
state for `status` and the dashboard, and the conversations under way."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import migrate, session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class BotTotals(FromRow):
    """Replies finished and parts sent by one bot since the beginning."""

    bot_id: uuid.UUID
    replies: int
    parts: int


@dataclass(frozen=True, slots=True)
class LatencyBucket(FromRow):
    """How many durations of one label fall in one bucket (the index of the first bound that
    holds them; the number of bounds for those above all), and their sum in seconds."""

    label: str
    bucket: int
    n: int
    total: float


@dataclass(frozen=True, slots=True)
class LlmTotals(FromRow):
    """Model calls of one model, outcome and HTTP status ('none' without one), since the
    beginning, with their tokens and cost (USD)."""

    model: str
    ok: bool
    status: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost: float


@dataclass(frozen=True, slots=True)
class StateCount(FromRow):
    """How many of a kind ('conversation', 'plan', 'dead_letters') have a label (a status, or
    'all' / 'open' for dead letters)."""

    kind: str
    label: str
    n: int


@dataclass(frozen=True, slots=True)
class ConversationUnderWay(FromRow):
    """A conversation grouping, replying or parked, with its reply in progress if any."""

    match_id: uuid.UUID
    bot_id: uuid.UUID
    bot_name: str | None
    status: str
    epoch: int
    next_wake_at: dt.datetime | None
    last_error: str | None
    updated_at: dt.datetime
    plan_id: uuid.UUID | None
    step: str | None
    next_part: int | None
    parts: int | None
    typing: bool | None
    next_due_at: dt.datetime | None
    plan_started_at: dt.datetime | None
    messages: int | None


@dataclass(frozen=True, slots=True)
class StatusCounts(FromRow):
    """The counts `randomatch-bot status` prints."""

    bots: int
    humans: int
    active_matches: int
    messages: int
    waiting: int
    in_flight: int
    dead_letters: int
    replies: int
    parts_sent: int


@dataclass(frozen=True, slots=True)
class LlmUsage(FromRow):
    """Model calls, failed calls and their cost (USD) over a period."""

    llm_calls: int
    llm_errors: int
    llm_cost: float


@dataclass(frozen=True, slots=True)
class HeldCount(FromRow):
    """How many conversations one policy (`hold_reason`) holds back."""

    hold_reason: str
    n: int


async def bot_totals(conn: Conn) -> list[BotTotals]:
    """Replies and parts per bot since the beginning."""
    return [BotTotals.from_row(r) for r in await session.fetch(conn, SQL.api_metric_totals)]


async def reply_latency_buckets(conn: Conn, *, bounds: Sequence[float]) -> list[LatencyBucket]:
    """The reply-latency histogram per bot (label: the bot's id) over ascending `bounds`."""
    rows = await session.fetch(conn, SQL.api_reply_latency_buckets, bounds=list(bounds))
    return [LatencyBucket.from_row(r) for r in rows]


async def llm_latency_buckets(conn: Conn, *, bounds: Sequence[float]) -> list[LatencyBucket]:
    """The model-call duration histogram per model (label) over ascending `bounds`."""
    rows = await session.fetch(conn, SQL.api_llm_latency_buckets, bounds=list(bounds))
    return [LatencyBucket.from_row(r) for r in rows]


async def llm_totals(conn: Conn) -> list[LlmTotals]:
    """Model calls by model, outcome and HTTP status since the beginning."""
    return [LlmTotals.from_row(r) for r in await session.fetch(conn, SQL.api_llm_totals)]


async def state_counts(conn: Conn) -> list[StateCount]:
    """Conversations and replies in progress by status, and dead letters (all and open)."""
    return [StateCount.from_row(r) for r in await session.fetch(conn, SQL.api_state_counts)]


async def conversations_under_way(conn: Conn, *, limit: int) -> list[ConversationUnderWay]:
    """Conversations grouping, replying or parked, the soonest due first, at most `limit`."""
    rows = await session.fetch(conn, SQL.api_conversations, limit=limit)
    return [ConversationUnderWay.from_row(r) for r in rows]


async def status_counts(conn: Conn) -> StatusCounts:
    """Profiles, matches, messages, conversations waiting, replies and dead letters."""
    row = await session.fetchrow(conn, SQL.status_counts)
    assert row is not None  # an aggregate of subqueries always returns its one row
    return StatusCounts.from_row(row)


async def llm_usage_since(conn: Conn, *, since: dt.datetime) -> LlmUsage:
    """Model calls, failures and cost since `since`."""
    row = await session.fetchrow(conn, SQL.status_llm_since, since=since)
    assert row is not None  # an aggregate without GROUP BY always returns its one row
    return LlmUsage.from_row(row)


async def held_counts(conn: Conn) -> list[HeldCount]:
    """How many conversations each policy holds back (policies holding none are absent)."""
    return [HeldCount.from_row(r) for r in await session.fetch(conn, SQL.held_conversations)]


@session.wraps_errors
async def schema_version(conn: Conn) -> str | None:
    """The newest applied migration, or None on a database never migrated (the migrations'
    own reading, with the driver's errors mapped like every query here)."""
    return await migrate.schema_version(conn)
