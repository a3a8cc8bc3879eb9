"""`/engagement`: does the persona keep people talking — per persona, per model or per
variant of a persona, over a window: the human's reply rate after a persona's turn, ghosting,
depth, the human's reply delay, unmatches and blocks, follow-up re-engagement, guard trips
per 100 replies, cost per conversation; and the worst conversations of the window, each a
link to its explanation (`/conversations/{match_id}`). Definitions in docs/API.md ("Engagement").

Each group's rates and mean depth come with 95 % intervals; by variant, each variant's reply
rate is tested against its persona's control (`base` when it has turns in the window, else
her oldest variant) and the answer says whether the difference is significant yet
(significance.py).

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

from randomatch_bot import significance
from randomatch_bot.api.auth import ReadOnly
from randomatch_bot.api.state import ApiState, State
from randomatch_bot.conversation.persona.variants import BASE
from randomatch_bot.db import console, session
from randomatch_bot.db import variants as variants_db
from randomatch_bot.db.console import Grouping
from randomatch_bot.db.types import Conn

MAX_WINDOW_HOURS = 24 * 90
DEFAULT_HOURS = 24 * 7
WORST = 20  # conversations listed as the worst of the window
CACHE_SECONDS = 30.0
CACHE_ENTRIES = 16

router = APIRouter(dependencies=[ReadOnly], tags=["engagement"])

# What `by` accepts (each one a WHEN in the queries of db/queries/console.sql).
By = Literal["persona", "model", "variant"]


class ReplyDelay(BaseModel):
    median_s: float | None
    p90_s: float | None


class Depth(BaseModel):
    mean: float | None = Field(description="Human turns in the window per conversation")
    median: float | None


class Intervals(BaseModel):
    """95 % intervals: Wilson for the rates, normal for the mean depth (null: too few)."""

    reply_rate: tuple[float, float] | None
    ghost_rate: tuple[float, float] | None
    depth_mean: tuple[float, float] | None


class Comparison(BaseModel):
    """A variant's reply rate against its persona's control, by the two-proportion z-test."""

    control: str = Field(description="The control's variant name ('base': no variant)")
    difference: float | None = Field(description="reply rate minus the control's")
    z: float | None
    p_value: float | None
    significant: bool = Field(description=f"p < {significance.ALPHA} with enough turns in both")
    statement: str = Field(description="The verdict in words")


class Group(BaseModel):
    key: str = Field(
        description="The bot's id (by=persona), the model (by=model), 'bot id/variant' "
        "(by=variant; 'bot id/base': no variant) or 'all'"
    )
    name: str = Field(description="The persona's name, the model, 'persona / variant', or 'all'")
    bot_id: uuid.UUID | None = Field(default=None, description="by=variant: the persona's bot")
    variant: str | None = Field(default=None, description="by=variant: the variant's name")
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
    intervals: Intervals | None = None
    comparison: Comparison | None = Field(
        default=None, description="by=variant: against the persona's control (null: it)"
    )


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
            intervals=Intervals(
                reply_rate=significance.wilson(t.replied, t.turns) if t else None,
                ghost_rate=significance.wilson(t.ghosted, t.conversations) if t else None,
                depth_mean=(
                    significance.mean_interval(t.depth_mean, t.depth_stddev, t.conversations)
                    if t
                    else None
                ),
            ),
        )
    return out


def _empty_total() -> Group:
    empty = console.Engagement([], [], [], [], [], [console.CostGroup("all", True, 0.0, 0)])
    return _groups(empty, {}, total=True)["all"]


async def compute(conn: Conn, start: dt.datetime, end: dt.datetime, by: Grouping) -> EngagementOut:
    """The engagement of [start, end) per group `by`, the total and the worst conversations."""
    data = await console.engagement(conn, start=start, end=end, by=by, worst=WORST)
    bot_ids = {w.bot_id for w in data.worst}
    if by in ("persona", "variant"):
        bot_ids |= {uuid.UUID(k.split("/")[0]) for k in _keys(data)}
    bot_names = await console.bot_names(conn, sorted(bot_ids)) if bot_ids else {}
    names = {str(k): v for k, v in bot_names.items()} if by == "persona" else {}
    if by == "variant":
        names = {k: _variant_name(k, bot_names) for k in _keys(data)}
    groups = _groups(data, names, total=False)
    if by == "variant":
        order = {(v.bot_id, v.name): v.id for v in await variants_db.listing(conn)}
        _compare_variants(groups, order)
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


def _variant_name(key: str, bot_names: dict[uuid.UUID, str]) -> str:
    bot, _, variant = key.partition("/")
    return f"{bot_names.get(uuid.UUID(bot), bot)} / {variant}"


def _compare_variants(groups: dict[str, Group], order: dict[tuple[uuid.UUID, str], int]) -> None:
    """Each variant group (key 'bot id/name') with its bot and name, and each one but its
    persona's control compared with it: the control is `base` when it has turns, else the
    oldest variant with turns (by id; `order` gives the ids)."""
    by_bot: dict[uuid.UUID, list[Group]] = {}
    for group in groups.values():
        bot, _, variant = group.key.partition("/")
        group.bot_id, group.variant = uuid.UUID(bot), variant
        by_bot.setdefault(group.bot_id, []).append(group)
    for bot_id, members in by_bot.items():
        with_turns = [g for g in members if g.turns > 0]
        if not with_turns:
            continue
        control = min(
            with_turns,
            key=lambda g: (
                -1 if g.variant == BASE else order.get((bot_id, g.variant or ""), 1 << 62)
            ),
        )
        for group in members:
            if group is not control:
                group.comparison = _comparison(group, control)


def _comparison(group: Group, control: Group) -> Comparison:
    d = significance.two_proportions(control.replied, control.turns, group.replied, group.turns)
    name = control.variant or BASE
    if not d.enough:
        statement = f"not yet significant: n too small (turns {group.turns} vs {control.turns})"
    elif d.significant:
        way = "higher" if d.difference > 0 else "lower"
        statement = f"significant: reply rate {way} than {name} (p = {d.p_value:.3g})"
    else:
        statement = f"not yet significant (p = {d.p_value:.3g}); more turns may tell"
    return Comparison(
        control=name,
        difference=d.difference if group.turns and control.turns else None,
        z=d.z,
        p_value=d.p_value,
        significant=d.significant,
        statement=statement,
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


async def has_variants(state: ApiState) -> bool:
    """Whether any persona has variants (the per-variant figures are computed only then)."""
    async with session.connection(state.resources.pool) as conn:
        return await variants_db.any_variant(conn)


async def variant_groups(
    state: ApiState, hours: float, bot_id: uuid.UUID | None = None
) -> list[Group]:
    """The per-variant groups over the `hours` ending now (of `bot_id` if given); none while
    no persona has variants."""
    if not await has_variants(state):
        return []
    result = await cached(state, hours, "variant")
    return [g for g in result.groups if bot_id is None or g.bot_id == bot_id]


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
    """Engagement per persona, per model or per variant over the window, the total, and the
    worst conversations (ghosted first, then the shallowest); by variant, each variant against
    its persona's control."""
    return await cached(state, hours, by)
