"""What the policies count: replies begun per match and per bot in a window, and what a bot or
a person has spent since a time (`bot.reply_plans`, `bot.llm_calls`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class RecentReplies:
    """How many replies began since a time, and when the oldest of them did (None if none)."""

    count: int
    oldest: dt.datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> RecentReplies:
        return cls(count=int(row["n"]), oldest=row["oldest"])


@dataclass(frozen=True, slots=True)
class BotSpending:
    """The tokens and cost of one bot's model calls since a time."""

    tokens: int
    cost: float

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> BotSpending:
        return cls(tokens=int(row["tokens"]), cost=float(row["cost"]))


@dataclass(frozen=True, slots=True)
class PersonUsage:
    """What one person's conversations with every bot cost since a time, and how many replies
    began."""

    cost: float
    replies: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> PersonUsage:
        return cls(cost=float(row["cost"]), replies=int(row["replies"]))


@dataclass(frozen=True, slots=True)
class PolicyQuery:
    """Which policy counts to make (the settings that are on) and from when."""

    bot_budget: bool  # the bot's spending today
    person_caps: bool  # the person's cost and replies today, over all their bots
    match_since: dt.datetime | None  # replies of the match since then (None: no limit)
    bot_since: dt.datetime | None  # replies of the bot since then (None: no limit)
    default_timezone: str  # the day's start where the bot has no persona row
    grouping_quiet: float = 0.0  # seconds after the last message a grouping may end, at least
    grouping_cap: float = 0.0  # seconds after the first message a grouping ends, at most


@dataclass(frozen=True, slots=True)
class PolicyUsage:
    """What the policies count before a new reply, each as its function below returns it."""

    spending: BotSpending  # the bot's model calls today
    person: PersonUsage  # the person's conversations with every bot today
    match_replies: RecentReplies  # replies of the match in the match window
    bot_replies: RecentReplies  # replies of the bot in the bot window
    taken_over_until: dt.datetime | None = None  # an operator's takeover, until then


async def match_replies_since(
    conn: Conn, *, match_id: uuid.UUID, since: dt.datetime
) -> RecentReplies:
    """The replies of one match begun after `since` that sent something or still may."""
    row = await session.fetchrow(conn, SQL.match_plans_since, match_id=match_id, since=since)
    assert row is not None  # an aggregate always returns its row
    return RecentReplies.from_row(row)


async def bot_replies_since(conn: Conn, *, bot_id: uuid.UUID, since: dt.datetime) -> RecentReplies:
    """The replies of one bot, over all its matches, begun after `since` that sent something or
    still may."""
    row = await session.fetchrow(conn, SQL.bot_plans_since, bot_id=bot_id, since=since)
    assert row is not None  # an aggregate always returns its row
    return RecentReplies.from_row(row)


async def bot_spending_since(conn: Conn, *, bot_id: uuid.UUID, since: dt.datetime) -> BotSpending:
    """The tokens and cost of one bot's model calls from `since` on."""
    row = await session.fetchrow(conn, SQL.bot_usage_since, bot_id=bot_id, since=since)
    assert row is not None  # an aggregate always returns its row
    return BotSpending.from_row(row)


async def person_usage_since(conn: Conn, *, human_id: uuid.UUID, since: dt.datetime) -> PersonUsage:
    """What one person's conversations with every bot cost from `since` on, and how many
    replies began in them."""
    row = await session.fetchrow(conn, SQL.human_usage_since, human_id=human_id, since=since)
    assert row is not None  # an aggregate always returns its row
    return PersonUsage.from_row(row)
