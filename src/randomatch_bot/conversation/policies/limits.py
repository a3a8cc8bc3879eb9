"""Policies that can hold a reply back: rate limits, the daily budget of a bot and the daily
caps of one person over all their matches with bots.

A held conversation is not dropped: it is woken again when the limit allows, and the reason
is kept on the conversation (`hold_reason`) for `status` and the API.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from randomatch_bot.config import Settings
from randomatch_bot.db import takeover, usage
from randomatch_bot.db.types import Conn

TAKEN_OVER = "taken over"  # the hold of a conversation an operator has taken over
MATCH_WINDOW = dt.timedelta(hours=1)
BOT_WINDOW = dt.timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Hold:
    """Do not start a reply before `until`, because of `reason`."""

    until: dt.datetime
    reason: str


def start_of_day(now: dt.datetime, tz: str) -> dt.datetime:
    """Midnight of `now`'s day in the persona's timezone, as an aware datetime."""
    local = now.astimezone(ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def next_day(now: dt.datetime, tz: str) -> dt.datetime:
    """Midnight after `now` in the persona's timezone (DST-safe: built from the calendar date)."""
    zone = ZoneInfo(tz)
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(0, 0), tzinfo=zone)


def human_over_cap(cost: float, replies: int, settings: Settings) -> str | None:
    """The daily cap one person has reached over all their matches with bots, if any (pure)."""
    if settings.human_daily_cost_budget and cost >= settings.human_daily_cost_budget:
        return (
            f"person's daily cost cap reached (${cost:.4f} of "
            f"${settings.human_daily_cost_budget:.2f})"
        )
    if settings.human_daily_replies and replies >= settings.human_daily_replies:
        return f"person's daily reply cap reached ({replies} of {settings.human_daily_replies})"
    return None


def unlimited_budgets(settings: Settings) -> list[str]:
    """The spending limits switched off (0), to warn about in production."""
    names = {
        "BOT_DAILY_COST_BUDGET": settings.bot_daily_cost_budget,
        "HUMAN_DAILY_COST_BUDGET": settings.human_daily_cost_budget,
        "HUMAN_DAILY_REPLIES": settings.human_daily_replies,
    }
    return [name for name, value in names.items() if not value]


def over_budget(tokens: int, cost: float, settings: Settings) -> str | None:
    """The budget a bot has spent today, if any (pure)."""
    if settings.bot_daily_token_budget and tokens >= settings.bot_daily_token_budget:
        return f"daily token budget spent ({tokens} of {settings.bot_daily_token_budget})"
    if settings.bot_daily_cost_budget and cost >= settings.bot_daily_cost_budget:
        return f"daily cost budget spent (${cost:.4f} of ${settings.bot_daily_cost_budget:.2f})"
    return None


def counted(
    settings: Settings,
    now: dt.datetime,
    default_timezone: str,
    *,
    grouping_quiet: float = 0.0,
    grouping_cap: float = 0.0,
) -> usage.PolicyQuery:
    """Which counts `hold_for` needs under these settings, for a step's one read (counted once
    a grouping may be over: see `PolicyQuery`)."""
    return usage.PolicyQuery(
        bot_budget=bool(settings.bot_daily_token_budget or settings.bot_daily_cost_budget),
        person_caps=bool(settings.human_daily_cost_budget or settings.human_daily_replies),
        match_since=now - MATCH_WINDOW if settings.match_replies_per_hour else None,
        bot_since=now - BOT_WINDOW if settings.bot_replies_per_minute else None,
        default_timezone=default_timezone,
        grouping_quiet=grouping_quiet,
        grouping_cap=grouping_cap,
    )


def hold_for(
    counts: usage.PolicyUsage, settings: Settings, now: dt.datetime, timezone: str
) -> Hold | None:
    """The first policy that holds a new reply back now, from the counts (pure): the bot's
    budget, the person's caps, then the match's and the bot's rate limits. An operator's
    takeover comes first: while it lasts the persona starts nothing of her own."""
    until = counts.taken_over_until
    if until is not None and until > now:
        return Hold(until, TAKEN_OVER)
    if settings.bot_daily_token_budget or settings.bot_daily_cost_budget:
        reason = over_budget(counts.spending.tokens, counts.spending.cost, settings)
        if reason is not None:
            return Hold(next_day(now, timezone), reason)
    if settings.human_daily_cost_budget or settings.human_daily_replies:
        reason = human_over_cap(counts.person.cost, counts.person.replies, settings)
        if reason is not None:
            return Hold(next_day(now, timezone), reason)
    if settings.match_replies_per_hour:
        recent = counts.match_replies
        if recent.count >= settings.match_replies_per_hour and recent.oldest is not None:
            return Hold(recent.oldest + MATCH_WINDOW, "match rate limit")
    if settings.bot_replies_per_minute:
        recent = counts.bot_replies
        if recent.count >= settings.bot_replies_per_minute and recent.oldest is not None:
            return Hold(recent.oldest + BOT_WINDOW, "bot rate limit")
    return None


async def check(
    conn: Conn,
    settings: Settings,
    *,
    match_id: uuid.UUID,
    bot_id: uuid.UUID,
    timezone: str,
    now: dt.datetime,
    human_id: uuid.UUID | None = None,
) -> Hold | None:
    """The first policy that holds a new reply back now, or None, counted with one statement
    per policy that is on (a step reads the same counts with its one read: `hold_for`). An
    operator's takeover comes first: while it lasts the persona starts nothing of her own."""
    until = await takeover.taken_over_until(conn, match_id=match_id)
    if until is not None and until > now:
        return Hold(until, TAKEN_OVER)
    if settings.bot_daily_token_budget or settings.bot_daily_cost_budget:
        spent = await usage.bot_spending_since(
            conn, bot_id=bot_id, since=start_of_day(now, timezone)
        )
        reason = over_budget(spent.tokens, spent.cost, settings)
        if reason is not None:
            return Hold(next_day(now, timezone), reason)
    if human_id is not None and (settings.human_daily_cost_budget or settings.human_daily_replies):
        person = await usage.person_usage_since(
            conn, human_id=human_id, since=start_of_day(now, timezone)
        )
        reason = human_over_cap(person.cost, person.replies, settings)
        if reason is not None:
            return Hold(next_day(now, timezone), reason)
    if settings.match_replies_per_hour:
        recent = await usage.match_replies_since(conn, match_id=match_id, since=now - MATCH_WINDOW)
        if recent.count >= settings.match_replies_per_hour and recent.oldest is not None:
            return Hold(recent.oldest + MATCH_WINDOW, "match rate limit")
    if settings.bot_replies_per_minute:
        recent = await usage.bot_replies_since(conn, bot_id=bot_id, since=now - BOT_WINDOW)
        if recent.count >= settings.bot_replies_per_minute and recent.oldest is not None:
            return Hold(recent.oldest + BOT_WINDOW, "bot rate limit")
    return None
