"""Personal data: what the service keeps about a person, and erasing it.

The service keeps, per match with a bot: the conversation's state (with the person's id), the
reply plans (the parts the persona wrote), which messages were answered and when parts were
sent, dead letters (which may quote messages), and the long-term memory (a summary and facts
such as a first name or a region). All of it is erased:

- on demand, for one person (`randomatch-bot forget --user UUID`, the right to erasure). The
  erasure holds: a memory update or a reply under way when it runs writes nothing back, and the
  match is recorded as forgotten (its id only, `bot.forgotten_matches`), so a wake-up or
  follow-up left over, the catch-up scan or a later message there does nothing: the persona
  does not write in that match again;
- when the app deletes the match or the person's profile (at the next purge);
- `MEMORY_RETENTION_DAYS` after the match was unmatched or blocked (a rematch stops the clock).

Model-call records (`bot.llm_calls`) stay for the bots' budgets and cost figures, stripped of
what points at the conversation. The messages themselves live in the app's tables
(`public.messages`), which the app owns: the service never deletes them.
"""

from __future__ import annotations

import datetime as dt
import uuid

import structlog

from randomatch_bot.db import personal_data, session
from randomatch_bot.db.personal_data import Erased
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import RandomatchError

log = structlog.get_logger(__name__)

PURGE_INTERVAL = 300.0  # seconds between two purges by a worker
PURGE_BATCH = 500  # matches erased per purge at most; a backlog goes over several purges


async def erase_matches(conn: Conn, match_ids: list[uuid.UUID]) -> Erased:
    """Erase what the service keeps about these matches, in one statement."""
    if not match_ids:
        return Erased()
    return await personal_data.erase_matches(conn, match_ids=match_ids)


async def forget_person(conn: Conn, user_id: uuid.UUID) -> Erased:
    """Erase everything the service keeps about one person (not a bot)."""
    if await personal_data.is_bot_profile(conn, user_id=user_id):
        raise RandomatchError(
            f"{user_id} is a bot's profile; `forget` is for people. Disable the persona with "
            "`randomatch-bot persona disable` instead"
        )
    async with session.in_transaction(conn):
        matches = await personal_data.matches_of_person(conn, user_id=user_id)
        if matches:
            # Locked first, in statements of their own: whatever the service was writing there
            # is committed before the erasure reads, or finds the match forgotten after it.
            await personal_data.hold_for_erasure(conn, match_ids=matches)
            await personal_data.remember_forgotten(conn, match_ids=matches)
        erased = await erase_matches(conn, matches)
    log.info("privacy.forgotten", matches=erased.matches, rows=erased.total)
    return erased


async def purge(conn: Conn, *, retention_days: int, now: dt.datetime) -> Erased:
    """Erase deleted matches and matches closed longer than the retention period."""
    async with session.in_transaction(conn):
        await personal_data.mark_closed_matches(conn, now=now)
        oldest_kept = now - dt.timedelta(days=retention_days)
        expired = await personal_data.expired_matches(
            conn, oldest_kept=oldest_kept, limit=PURGE_BATCH
        )
        erased = await erase_matches(conn, expired)
        await personal_data.drop_gone_forgotten(conn)
    if erased.matches:
        log.info("privacy.purged", matches=erased.matches, rows=erased.total)
    return erased
