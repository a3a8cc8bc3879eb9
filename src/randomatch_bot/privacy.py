"""Personal data: what the service keeps about a person, and erasing it.

The service keeps, per match with a bot: the conversation's state (with the person's id), the
reply plans (the parts the persona wrote), which messages were answered and when parts were
sent, dead letters (which may quote messages), and the long-term memory (a summary and facts
such as a first name or a region). All of it is erased:

- on demand, for one person (`randomatch-bot forget --user UUID`, the right to erasure);
- when the app deletes the match or the person's profile (at the next purge);
- `MEMORY_RETENTION_DAYS` after the match was unmatched or blocked (a rematch stops the clock).

Model-call records (`bot.llm_calls`) stay for the bots' budgets and cost figures, stripped of
what points at the conversation. The messages themselves live in the app's tables
(`public.messages`), which the app owns: the service never deletes them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, fields

import structlog

from randomatch_bot.db.queries import Q
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import RandomatchError

log = structlog.get_logger(__name__)

PURGE_INTERVAL = 300.0  # seconds between two purges by a worker
PURGE_BATCH = 500  # matches erased per purge at most; a backlog goes over several purges


@dataclass(frozen=True, slots=True)
class Erased:
    """How many rows of each kind were removed (or, for model calls, anonymised)."""

    matches: int = 0
    memories: int = 0
    conversations: int = 0
    reply_plans: int = 0
    answered_messages: int = 0
    sent_parts: int = 0
    dead_letters: int = 0
    llm_calls_anonymised: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self) if f.name != "matches")

    def describe(self) -> str:
        """One line for the operator: every kind, zeros included (they answer "was it there?")."""
        kinds = [f.name for f in fields(self) if f.name != "matches"]
        counts = ", ".join(f"{getattr(self, k)} {k.replace('_', ' ')}" for k in kinds)
        return f"{self.matches} matches: {counts}"


async def erase_matches(conn: Conn, match_ids: list[uuid.UUID]) -> Erased:
    """Erase what the service keeps about these matches, in one statement."""
    if not match_ids:
        return Erased()
    row = await conn.fetchrow(Q.erase_matches, match_ids)
    assert row is not None
    return Erased(matches=len(match_ids), **{key: int(value) for key, value in row.items()})


async def forget_person(conn: Conn, user_id: uuid.UUID) -> Erased:
    """Erase everything the service keeps about one person (not a bot)."""
    profile = await conn.fetchrow(Q.person_profile, user_id)
    if profile is not None and profile["is_bot"]:
        raise RandomatchError(
            f"{user_id} is a bot's profile; `forget` is for people. Disable the persona with "
            "`randomatch-bot persona disable` instead"
        )
    async with conn.transaction():
        matches = [row["match_id"] for row in await conn.fetch(Q.person_matches, user_id)]
        erased = await erase_matches(conn, matches)
    log.info("person forgotten", matches=erased.matches, rows=erased.total)
    return erased


async def purge(conn: Conn, *, retention_days: int, now: dt.datetime) -> Erased:
    """Erase deleted matches and matches closed longer than the retention period."""
    async with conn.transaction():
        await conn.execute(Q.mark_closed_matches, now)
        oldest_kept = now - dt.timedelta(days=retention_days)
        rows = await conn.fetch(Q.expired_matches, oldest_kept, PURGE_BATCH)
        erased = await erase_matches(conn, [row["match_id"] for row in rows])
    if erased.matches:
        log.info("personal data purged", matches=erased.matches, rows=erased.total)
    return erased
