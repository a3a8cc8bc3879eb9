"""`/engagement`: does the persona keep people talking — per persona or per model, over a
window: the human's reply rate after a persona's turn, ghosting, depth, the human's reply
delay, unmatches and blocks, follow-up re-engagement, guard trips per 100 replies, cost per
conversation; and the worst conversations of the window, each a link to its explanation
(`/conversations/{match_id}`). Definitions in docs/API.md ("Engagement").

The figures are read from the app's messages and `bot.*` (db/queries/console.sql); a result
is kept `CACHE_SECONDS` so that the dashboard, `/stats` and `/metrics` polling together cost
one computation.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from randomatch_bot.api.auth import ReadOnly
from randomatch_bot.api.state import ApiState, State
from randomatch_bot.db import console, session
from randomatch_bot.db.console import Grouping
from randomatch_bot.db.types import Conn

MAX_WINDOW_HOURS = 24 * 90
DEFAULT_HOURS = 24 * 7
WORST = 20  # conversations listed as the worst of the window
CACHE_SECONDS = 30.0
CACHE_ENTRIES = 16

router = APIRouter(dependencies=[ReadOnly], tags=["engagement"])

# What `by` accepts; the persona's variants will be one more value (and one more WHEN in the
# queries of db/queries/console.sql).
By = Literal["persona", "model"]


class ReplyDelay(BaseModel):
    median_s: float | None
    p90_s: float | None


class Depth(BaseModel):
    mean: float | None = Field(description="Human turns in the window per conversation")
    median: float | None


class Group(BaseModel):
    key: str = Field(description="The bot's id (by=persona), the model (by=model) or 'all'")
    name: str = Field(description="The persona's name, the model, or 'all'")
    turns: int = Field(description="Persona turns decided in the window")
    replied: int = Field(description="... answered by the human within 24 h")
    reply_rate: float | None
    pending: int = Field(description="Persona turns younger than 24 h, not answered yet")
    reply_delay: ReplyDelay
    conversations: int = Field(description="Conversations with a persona turn decided")
    ghosted: int = Field(description="... whose latest decided turn went unanswered 24 h")
    ghost_rate: float | None
    depth: Depth
    unmatches: int = Field(description="Unmatches and blocks within 24 h of a persona message")
    blocks: int
    unmatch_rate: float | None = Field(description="unmatches / conversations")
    followups: int = Field(description="Follow-ups decided in the window")
    reengaged: int = Field(description="... followed by a human message within 24 h")
    reengagement_rate: float | None
    replies: int = Field(description="Replies whose first part was sent in the window")
    guard_trips: int
    guard_trips_per_100_replies: float | None
    cost_usd: float
    cost_per_conversation_usd: float | None


class Worst(BaseModel):
    match_id: uuid.UUID
    bot_id: uuid.UUID
    bot_name: str | None
    key: str
    ghosted: bool
    depth: int
    last_turn_at: dt.datetime
    url: str = Field(description="The conversation explained (page and JSON)")


class EngagementWindow(BaseModel):
    start: dt.datetime
    end: dt.datetime
    hours: float


class EngagementOut(BaseModel):
    window: EngagementWindow
    by: str
    groups: list[Group]
    total: Group
    worst: list[Worst]


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def is_total(self) -> bool: ...


def _ratio(part: float, whole: float, scale: float = 1.0) -> float | None:
    return part * scale / whole if whole else None


def _groups(data: console.Engagement, names: dict[str, str], *, total: bool) -> dict[str, Group]:
    """The groups of `data` (or its total, key 'all', when `total`)."""

    def keyed(rows: Sequence[_Keyed]) -> dict[str, Any]:
        return {r.key: r for r in rows if r.is_total == total}

    turns, followups = keyed(data.turns), keyed(data.followups)
    closures, guard, cost = keyed(data.closures), keyed(data.guard), keyed(data.cost)
    keys = sorted(set(turns) | set(followups) | set(closures) | set(guard) | set(cost))
    out: dict[str, Group] = {}
    for key in keys:
        t, f, c = turns.get(key), followups.get(key), closures.get(key)
        g, s = guard.get(key), cost.get(key)
        conversations = t.conversations if t else 0
        unmatches = c.closed if c else 0
        out[key] = Group(
            key=key,
            name=names.get(key, key),
            turns=t.turns if t else 0,
            replied=t.replied if t else 0,
            reply_rate=_ratio(t.replied, t.turns) if t else None,
            pending=t.pending if t else 0,
            reply_delay=ReplyDelay(
                median_s=t.delay_median_s if t else None, p90_s=t.delay_p90_s if t else None
            ),
            conversations=conversations,
            ghosted=t.ghosted if t else 0,
            ghost_rate=_ratio(t.ghosted, t.conversations) if t else None,
            depth=Depth(mean=t.depth_mean if t else None, median=t.depth_median if t else None),
            unmatches=unmatches,
            blocks=c.blocked if c else 0,
            unmatch_rate=_ratio(unmatches, conversations),
            followups=f.followups if f else 0,
            reengaged=f.reengaged if f else 0,
            reengagement_rate=_ratio(f.reengaged, f.followups) if f else None,
            replies=g.replies if g else 0,
            guard_trips=g.trips if g else 0,
            guard_trips_per_100_replies=_ratio(g.trips, g.replies, 100.0) if g else None,
            cost_usd=s.cost if s else 0.0,
            cost_per_conversation_usd=_ratio(s.cost, s.conversations) if s else None,
        )
    return out


def _empty_total() -> Group:
    empty = console.Engagement([], [], [], [], [], [console.CostGroup("all", True, 0.0, 0)])
    return _groups(empty, {}, total=True)["all"]


async def compute(conn: Conn, start: dt.datetime, end: dt.datetime, by: Grouping) -> EngagementOut:
    """The engagement of [start, end) per group `by`, the total and the worst conversations."""
    data = await console.engagement(conn, start=start, end=end, by=by, worst=WORST)
    bot_ids = {w.bot_id for w in data.worst}
    if by == "persona":
        bot_ids |= {uuid.UUID(k) for k in _keys(data)}
    bot_names = await console.bot_names(conn, sorted(bot_ids)) if bot_ids else {}
    names = {str(k): v for k, v in bot_names.items()} if by == "persona" else {}
    groups = _groups(data, names, total=False)
    worst = [
        Worst(
            match_id=w.match_id,
            bot_id=w.bot_id,
            bot_name=bot_names.get(w.bot_id),
            key=w.key,
            ghosted=bool(w.ghosted),
            depth=w.depth,
            last_turn_at=w.last_turn_at,
            url=f"/conversations/{w.match_id}",
        )
        for w in data.worst
    ]
    return EngagementOut(
        window=EngagementWindow(start=start, end=end, hours=(end - start).total_seconds() / 3600),
        by=by,
        groups=list(groups.values()),
        total=_groups(data, {}, total=True).get("all") or _empty_total(),
        worst=worst,
    )


def _keys(data: console.Engagement) -> set[str]:
    keys: set[str] = set()
    rows: Sequence[_Keyed]
    for rows in (data.turns, data.followups, data.closures, data.guard, data.cost):
        keys |= {r.key for r in rows if not r.is_total}
    return keys


async def cached(state: ApiState, hours: float, by: Grouping) -> EngagementOut:
    """`compute` over the `hours` ending now, reused for `CACHE_SECONDS`."""
    cache = state.engagement_cache
    key = (round(hours, 3), by)
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        kept: EngagementOut = hit[1]
        return kept
    end = dt.datetime.now(dt.UTC)
    async with session.connection(state.resources.pool) as conn:
        result = await compute(conn, end - dt.timedelta(hours=hours), end, by)
    if len(cache) >= CACHE_ENTRIES:
        cache.clear()
    cache[key] = (time.monotonic(), result)
    return result


async def summary(state: ApiState, hours: float, bot_id: uuid.UUID | None = None) -> Group:
    """The engagement of every persona over the `hours` ending now (of `bot_id` if given)."""
    result = await cached(state, hours, "persona")
    if bot_id is None:
        return result.total
    found = [g for g in result.groups if g.key == str(bot_id)]
    return found[0] if found else _empty_total()


Hours = Annotated[
    float, Query(gt=0, le=MAX_WINDOW_HOURS, description="Window length in hours, ending now")
]


@router.get("/engagement", response_model=EngagementOut)
async def engagement(
    state: State, hours: Hours = DEFAULT_HOURS, by: By = "persona"
) -> EngagementOut:
    """Engagement per persona or per model over the window, the total, and the worst
    conversations (ghosted first, then the shallowest)."""
    return await cached(state, hours, by)
