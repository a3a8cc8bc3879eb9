"""`/stats`: the three figures the service is judged by — mean (and p95) response time, API
error rate, messages processed per hour — over a chosen window, per bot and in total;
`/stats/series` buckets them in time for the dashboard's charts.

Response time is the reply latency of /metrics: first part sent minus the earliest message the
reply answers. The API error rate is failed / all model calls. "Messages per hour" counts human
messages answered by a finished reply.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from randomatch_bot.api import engagement as engagement_api
from randomatch_bot.api.auth import ReadOnly
from randomatch_bot.api.engagement import Group as EngagementGroup
from randomatch_bot.api.state import State
from randomatch_bot.db import session
from randomatch_bot.db import stats as stats_db
from randomatch_bot.db.types import Conn

MAX_WINDOW_HOURS = 24 * 90  # the figures are computed by scanning the window: keep it bounded
MAX_BUCKETS = 2000

router = APIRouter(dependencies=[ReadOnly], tags=["stats"])


class Window(BaseModel):
    start: dt.datetime
    end: dt.datetime
    hours: float


class ResponseTime(BaseModel):
    replies: int = Field(description="Replies whose first part was sent in the window")
    mean_s: float | None
    p95_s: float | None
    max_s: float | None


class ApiCalls(BaseModel):
    calls: int
    failed: int
    error_rate: float | None = Field(description="failed / calls; null with no call")
    tokens: int
    cost_usd: float
    mean_latency_s: float | None


class Messages(BaseModel):
    received: int = Field(description="Human messages written in the window")
    answered: int = Field(description="Human messages answered by a finished reply")
    parts_sent: int
    per_hour: float = Field(description="answered / window hours (messages processed per hour)")


class Figures(BaseModel):
    response_time: ResponseTime
    api: ApiCalls
    messages: Messages


class BotFigures(Figures):
    bot_id: uuid.UUID
    name: str


class StatsOut(BaseModel):
    window: Window
    bots: list[BotFigures]
    total: Figures
    engagement: EngagementGroup | None = Field(
        default=None,
        description="Engagement over the same window, of every persona (of `bot_id` if "
        "given); per persona and per model in /engagement",
    )
    engagement_variants: list[EngagementGroup] = Field(
        default_factory=list,
        description="Engagement per variant of a persona over the same window (of `bot_id` if "
        "given), with intervals and each variant against its persona's control; empty while "
        "no persona has variants. As /engagement?by=variant",
    )


class Bucket(BaseModel):
    start: dt.datetime
    replies: int
    mean_s: float | None
    p95_s: float | None
    received: int
    sent: int


class SeriesOut(BaseModel):
    window: Window
    bucket_minutes: float
    buckets: list[Bucket]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _figures(
    response: stats_db.ResponseFigures | None,
    llm: stats_db.LlmFigures | None,
    msgs: dict[str, int],
    hours: float,
) -> Figures:
    calls, failed = (llm.calls, llm.failed) if llm else (0, 0)
    return Figures(
        response_time=ResponseTime(
            replies=response.replies if response else 0,
            mean_s=response.mean_s if response else None,
            p95_s=response.p95_s if response else None,
            max_s=response.max_s if response else None,
        ),
        api=ApiCalls(
            calls=calls,
            failed=failed,
            error_rate=_ratio(failed, calls),
            tokens=llm.tokens if llm else 0,
            cost_usd=llm.cost if llm else 0.0,
            mean_latency_s=llm.mean_latency_s if llm else None,
        ),
        messages=Messages(
            received=msgs.get("received", 0),
            answered=msgs.get("answered", 0),
            parts_sent=msgs.get("parts_sent", 0),
            per_hour=msgs.get("answered", 0) / hours,
        ),
    )


async def compute_stats(
    conn: Conn, start: dt.datetime, end: dt.datetime, bot_id: uuid.UUID | None = None
) -> StatsOut:
    """The three figures per bot and in total over [start, end)."""
    hours = (end - start).total_seconds() / 3600
    response, response_total = _split(
        await stats_db.response_figures(conn, start=start, end=end, bot_id=bot_id)
    )
    llm, llm_total = _split(await stats_db.llm_figures(conn, start=start, end=end, bot_id=bot_id))
    bots: list[BotFigures] = []
    totals = {"received": 0, "answered": 0, "parts_sent": 0}
    for row in await stats_db.message_figures(conn, start=start, end=end, bot_id=bot_id):
        msgs = {"received": row.received, "answered": row.answered, "parts_sent": row.parts_sent}
        for key, value in msgs.items():
            totals[key] += value
        figures = _figures(response.get(row.bot_id), llm.get(row.bot_id), msgs, hours)
        bots.append(BotFigures(bot_id=row.bot_id, name=row.name, **dict(figures)))
    total = _figures(response_total, llm_total, totals, hours)
    return StatsOut(window=Window(start=start, end=end, hours=hours), bots=bots, total=total)


_Row = TypeVar("_Row", stats_db.ResponseFigures, stats_db.LlmFigures)


def _split(rows: list[_Row]) -> tuple[dict[uuid.UUID | None, _Row], _Row | None]:
    per_bot = {r.bot_id: r for r in rows if not r.is_total}
    total = next((r for r in rows if r.is_total), None)
    return per_bot, total


def _window(hours: float, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    end = now or dt.datetime.now(dt.UTC)
    return end - dt.timedelta(hours=hours), end


Hours = Annotated[
    float, Query(gt=0, le=MAX_WINDOW_HOURS, description="Window length in hours, ending now")
]
BotId = Annotated[uuid.UUID | None, Query(description="Only this bot")]


@router.get("/stats", response_model=StatsOut)
async def stats(state: State, hours: Hours = 24.0, bot_id: BotId = None) -> StatsOut:
    """Mean and p95 response time, API error rate and messages per hour, per bot."""
    start, end = _window(hours)
    async with session.connection(state.resources.pool) as conn:
        out = await compute_stats(conn, start, end, bot_id)
    out.engagement = await engagement_api.summary(state, hours, bot_id)
    out.engagement_variants = await engagement_api.variant_groups(state, hours, bot_id)
    return out


@router.get("/stats/series", response_model=SeriesOut)
async def series(
    state: State,
    hours: Hours = 24.0,
    bucket_minutes: Annotated[float, Query(ge=1, le=24 * 60)] = 60.0,
    bot_id: BotId = None,
) -> SeriesOut:
    """Reply latency and message counts per time bucket (the dashboard's charts)."""
    count = int(hours * 60 / bucket_minutes) + 1
    if count > MAX_BUCKETS:
        raise HTTPException(422, f"too many buckets ({count}); widen bucket_minutes")
    step = dt.timedelta(minutes=bucket_minutes)
    end = dt.datetime.now(dt.UTC)
    # Buckets aligned on the step (whole hours for 60 minutes), the last one holding `now`.
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    last = epoch + ((end - epoch) // step) * step
    start = last - step * (count - 1)
    seconds = step.total_seconds()
    async with session.connection(state.resources.pool) as conn:
        latency = {
            r.bucket: r
            for r in await stats_db.latency_series(
                conn, start=start, end=end, bucket_seconds=seconds, bot_id=bot_id
            )
        }
        messages = {
            r.bucket: r
            for r in await stats_db.message_series(
                conn, start=start, end=end, bucket_seconds=seconds, bot_id=bot_id
            )
        }
    buckets = []
    for index in range(count):
        at = start + step * index
        lat, msg = latency.get(at), messages.get(at)
        buckets.append(
            Bucket(
                start=at,
                replies=lat.replies if lat else 0,
                mean_s=lat.mean_s if lat else None,
                p95_s=lat.p95_s if lat else None,
                received=msg.received if msg else 0,
                sent=msg.sent if msg else 0,
            )
        )
    window = Window(start=start, end=end, hours=(end - start).total_seconds() / 3600)
    return SeriesOut(window=window, bucket_minutes=bucket_minutes, buckets=buckets)
