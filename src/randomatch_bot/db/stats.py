"""The figures of the stats API over a window: response time, model calls and messages, per
bot and in total, and the same per time bucket for the dashboard's charts."""

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
class ResponseFigures(FromRow):
    """Reply latency of one bot (`is_total`: of all bots, `bot_id` None) over the window."""

    bot_id: uuid.UUID | None
    is_total: bool
    replies: int
    mean_s: float | None
    p95_s: float | None
    max_s: float | None


@dataclass(frozen=True, slots=True)
class LlmFigures(FromRow):
    """Model calls of one bot (`is_total`: of all bots, `bot_id` None) over the window."""

    bot_id: uuid.UUID | None
    is_total: bool
    calls: int
    failed: int
    tokens: int
    cost: float
    mean_latency_s: float | None


@dataclass(frozen=True, slots=True)
class MessageFigures(FromRow):
    """Human messages received and answered, and parts sent, by one bot over the window."""

    bot_id: uuid.UUID
    name: str
    received: int
    answered: int
    parts_sent: int


@dataclass(frozen=True, slots=True)
class LatencyBucket(FromRow):
    """Reply latency in one time bucket (`bucket`: its start)."""

    bucket: dt.datetime
    replies: int
    mean_s: float | None
    p95_s: float | None


@dataclass(frozen=True, slots=True)
class MessageBucket(FromRow):
    """Human messages received and parts sent in one time bucket (`bucket`: its start)."""

    bucket: dt.datetime
    received: int
    sent: int


async def response_figures(
    conn: Conn, *, start: dt.datetime, end: dt.datetime, bot_id: uuid.UUID | None
) -> list[ResponseFigures]:
    """Reply latency per bot over [start, end) (only `bot_id` if given), plus the total row."""
    rows = await session.fetch(conn, SQL.api_stats_response, start=start, end=end, bot_id=bot_id)
    return [ResponseFigures.from_row(r) for r in rows]


async def llm_figures(
    conn: Conn, *, start: dt.datetime, end: dt.datetime, bot_id: uuid.UUID | None
) -> list[LlmFigures]:
    """Model calls per bot over [start, end) (only `bot_id` if given), plus the total row."""
    rows = await session.fetch(conn, SQL.api_stats_llm, start=start, end=end, bot_id=bot_id)
    return [LlmFigures.from_row(r) for r in rows]


async def message_figures(
    conn: Conn, *, start: dt.datetime, end: dt.datetime, bot_id: uuid.UUID | None
) -> list[MessageFigures]:
    """Messages per bot over [start, end) (only `bot_id` if given), every bot listed, by name."""
    rows = await session.fetch(conn, SQL.api_stats_messages, start=start, end=end, bot_id=bot_id)
    return [MessageFigures.from_row(r) for r in rows]


async def latency_series(
    conn: Conn,
    *,
    start: dt.datetime,
    end: dt.datetime,
    bucket_seconds: float,
    bot_id: uuid.UUID | None,
) -> list[LatencyBucket]:
    """Reply latency per bucket of `bucket_seconds` from `start` to `end`; empty buckets absent."""
    rows = await session.fetch(
        conn,
        SQL.api_series_latency,
        start=start,
        end=end,
        bucket_seconds=bucket_seconds,
        bot_id=bot_id,
    )
    return [LatencyBucket.from_row(r) for r in rows]


async def message_series(
    conn: Conn,
    *,
    start: dt.datetime,
    end: dt.datetime,
    bucket_seconds: float,
    bot_id: uuid.UUID | None,
) -> list[MessageBucket]:
    """Messages received and parts sent per bucket of `bucket_seconds` from `start` to `end`;
    empty buckets absent."""
    rows = await session.fetch(
        conn,
        SQL.api_series_messages,
        start=start,
        end=end,
        bucket_seconds=bucket_seconds,
        bot_id=bot_id,
    )
    return [MessageBucket.from_row(r) for r in rows]
