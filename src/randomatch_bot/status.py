"""The service at a glance: what `randomatch-bot status` prints and the API serves."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis

from randomatch_bot.bridge.listener import bridge_ages
from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona.presence import waiting_conversations
from randomatch_bot.conversation.policies.outage import paused_scopes
from randomatch_bot.db import closures as closures_db
from randomatch_bot.db import monitoring as monitoring_db
from randomatch_bot.db.migrate import load_migrations
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import DatabaseError, DatabaseUnavailable, RedisUnavailable
from randomatch_bot.worker.tasks import queue_depth

HOLDS_SINCE = "0007_policies"  # the migration that records why a reply is held back
PAUSES_SINCE = "0013_outages"  # the migration that records paused models


@dataclass(slots=True)
class Status:
    """What `status`, `/ready` and the dashboard show; a server that is down is a value here."""

    postgres: str = "unknown"
    redis: str = "unknown"
    schema_version: str | None = None
    schema_latest: str | None = None
    llm: str = "unknown"
    counts: dict[str, int] = field(default_factory=dict)
    queue_due: int = 0  # steps ready to run now
    queue_scheduled: int = 0  # steps waiting for their time
    bridges: dict[str, float] = field(default_factory=dict)  # name -> seconds since heartbeat
    llm_online: bool = False
    llm_today: dict[str, float] = field(default_factory=dict)  # calls, errors, cost (USD)
    held: dict[str, int] = field(default_factory=dict)  # why replies wait -> conversations
    # Each conversation whose reply waits (soonest first): match, bot, reason, until.
    waiting: list[dict[str, str | None]] = field(default_factory=list)
    # Model failures only an operator can fix: 'endpoint' or 'model:<id>', why, next probe.
    paused: list[dict[str, Any]] = field(default_factory=list)
    # Conversations closed for good by what the person wrote: 'minor', 'stop' -> open ones.
    closed: dict[str, int] = field(default_factory=dict)

    @property
    def last_heartbeat_age(self) -> float | None:
        return min(self.bridges.values()) if self.bridges else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_heartbeat_age"] = self.last_heartbeat_age
        return data


def migrated_past(schema_version: str | None, migration: str) -> bool:
    """Whether a database at `schema_version` has `migration`: their numbers compared as
    numbers ("0100_x" is after "0013_outages", "0013_outages" is "0013_outages"), not as text."""
    if schema_version is None:
        return False
    return _number(schema_version) >= _number(migration)


def _number(version: str) -> int:
    head = version.split("_", 1)[0]
    return int(head) if head.isdigit() else -1


def start_of_today(settings: Settings, now: dt.datetime | None = None) -> dt.datetime:
    """Midnight of the current day in the bot's timezone, where "cost today" starts."""
    zone = ZoneInfo(settings.bot_timezone)
    local = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def llm_mode(settings: Settings) -> str:
    """One line saying which model answers, or that the offline responder does."""
    if settings.llm_online:
        return f"online: {settings.llm_model} via {settings.llm_base_url}"
    return "offline persona responder (no LLM_API_KEY set)"


async def collect_status(
    settings: Settings, conn: Conn | None, redis: aioredis.Redis | None
) -> Status:
    """Gather what can be gathered; a server that is down shows as such, it does not raise."""
    status = Status(llm=llm_mode(settings), llm_online=settings.llm_online)
    migrations = load_migrations()
    status.schema_latest = migrations[-1].version if migrations else None
    if conn is not None:
        try:
            status.schema_version = await monitoring_db.schema_version(conn)
            status.postgres = "ok"
            if status.schema_version is not None:
                counts = await monitoring_db.status_counts(conn)
                status.counts = {k: int(v) for k, v in asdict(counts).items()}
                today = await monitoring_db.llm_usage_since(conn, since=start_of_today(settings))
                status.llm_today = {k: float(v) for k, v in asdict(today).items()}
            if migrated_past(status.schema_version, HOLDS_SINCE):
                held = await monitoring_db.held_counts(conn)
                status.held = {h.hold_reason: h.n for h in held}
                now = dt.datetime.now(dt.UTC)
                status.waiting = [
                    {
                        "match_id": str(w.match_id),
                        "bot": w.bot_name,
                        "reason": w.presence.reason,
                        "until": w.presence.until.isoformat() if w.presence.until else None,
                    }
                    for w in await waiting_conversations(conn, settings, now)
                ]
            if migrated_past(status.schema_version, PAUSES_SINCE):
                status.paused = await paused_scopes(conn)
            if status.schema_version is not None:
                status.closed = await closures_db.open_counts(conn)
        except (DatabaseUnavailable, DatabaseError) as exc:
            status.postgres = f"error: {exc}"
    else:
        status.postgres = "unreachable"
    if redis is not None:
        try:
            status.queue_due, status.queue_scheduled = await queue_depth(
                redis, settings.docket_name
            )
            ages = await bridge_ages(redis, settings.docket_name)
            status.bridges = {name: round(age, 1) for name, age in ages.items()}
            status.redis = "ok"
        except RedisUnavailable as exc:
            status.redis = f"error: {exc}"
    else:
        status.redis = "unreachable"
    return status
