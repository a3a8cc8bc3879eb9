"""Conversations closed for good, for the API and the CLI alike: list them, reopen one.

A conversation is closed for a `minor` when the person said they are under 18 (one closing
line, then nothing), and carries a `stop` record when they asked the persona to stop writing
(no follow-up). An operator who finds one closed by mistake reopens it: the closing is stamped
reopened (by whom, when), a conversation closed for a minor goes back to idle, and it is woken,
so that what the person writes from then on is answered (`docs/SAFETY.md`).

Reopening runs under the conversation's row lock, the one every engine step takes; reopening
twice does nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docket import Docket

from randomatch_bot.db import closures as stored
from randomatch_bot.db import conversations, session
from randomatch_bot.db.closures import REASONS, Closing
from randomatch_bot.errors import RandomatchError
from randomatch_bot.worker import tasks

if TYPE_CHECKING:
    import asyncpg

WHICH = ("open", "reopened", "all")


class NothingToReopen(RandomatchError):
    """The conversation has no open closing (of that reason)."""


@dataclass(frozen=True, slots=True)
class Reopened:
    match_id: uuid.UUID
    reasons: tuple[str, ...]
    woken: bool


async def listing(
    pool: asyncpg.Pool, *, which: str = "open", reason: str | None = None, limit: int = 100
) -> list[Closing]:
    """At most `limit` closings, newest first: `which` is 'open', 'reopened' or 'all';
    `reason` 'minor', 'stop' or None for both."""
    if which not in WHICH:
        raise ValueError(f"which must be one of {WHICH}, not {which!r}")
    if reason is not None and reason not in REASONS:
        raise ValueError(f"reason must be one of {REASONS}, not {reason!r}")
    async with session.connection(pool) as conn:
        return await stored.listing(conn, which=which, reason=reason, limit=limit)


async def reopen(
    pool: asyncpg.Pool,
    docket: Docket,
    match_id: uuid.UUID,
    *,
    reason: str | None = None,
    by: str = "operator",
    now: dt.datetime | None = None,
) -> Reopened:
    """Reopen the conversation's open closings (of `reason`, or all) and wake it; `now` (the
    wall clock by default) is when: only messages written after it may close it again."""
    if reason is not None and reason not in REASONS:
        raise ValueError(f"reason must be one of {REASONS}, not {reason!r}")
    async with session.transaction(pool) as conn:
        # The engine's lock first: same order as every engine step.
        await conversations.lock(conn, match_id=match_id)
        done = await stored.reopen(
            conn, match_id=match_id, reason=reason, by=by, now=now or dt.datetime.now(dt.UTC)
        )
    if not done:
        what = f"no open {reason} closing" if reason else "no open closing"
        raise NothingToReopen(f"{what} in conversation {match_id}")
    # After the commit, so that the step finds the conversation reopened.
    key = f"advance:{match_id}:reopened:{done[0].id}"
    woken = await tasks.wake(docket, match_id, key)
    return Reopened(match_id, tuple(sorted({r.reason for r in done})), woken)
