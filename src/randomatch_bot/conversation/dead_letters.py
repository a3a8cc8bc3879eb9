"""Resolving dead letters, one or many, for the API and the CLI alike.

- retry: the letter is resolved ('retried'), the parked conversation goes back to idle and is
  woken; the engine then answers every unanswered message of the match, the failed ones too.
- discard: the letter is resolved ('discarded') and its plan's messages are recorded as handled
  by the failed plan, so nothing tries them again; the conversation is woken for any message
  that arrived since.

Each letter is resolved in its own transaction under the conversation's row lock, the one every
engine step takes, and only an open letter can be resolved: doing it twice does nothing the
second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg
from docket import Docket

from randomatch_bot.db.queries import Q
from randomatch_bot.errors import RandomatchError
from randomatch_bot.worker import tasks

RESOLUTIONS = ("retried", "discarded")


class LetterNotFound(RandomatchError):
    """No dead letter has this id."""


class LetterAlreadyResolved(RandomatchError):
    """The dead letter was retried or discarded already."""


@dataclass(frozen=True, slots=True)
class Resolved:
    id: int
    resolution: str
    match_id: uuid.UUID | None
    woken: bool


async def resolve(pool: asyncpg.Pool, docket: Docket, letter_id: int, resolution: str) -> Resolved:
    """Resolve one open letter and wake its conversation (see the module docstring)."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, not {resolution!r}")
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(Q.api_dead_letter, letter_id)
        if row is None:
            raise LetterNotFound(f"no dead letter {letter_id}")
        match_id: uuid.UUID | None = row["match_id"]
        if match_id is not None:
            # The engine's lock, taken before the letter's: same order as every engine step.
            await conn.fetchrow(Q.lock_conversation, match_id)
        resolved = await conn.fetchrow(Q.api_resolve_dead_letter, letter_id, resolution)
        if resolved is None:
            raise LetterAlreadyResolved(f"dead letter {letter_id} is already {row['resolution']}")
        if resolution == "discarded" and row["plan_id"] is not None:
            await conn.execute(Q.api_give_up_messages, row["plan_id"])
        if match_id is not None:
            await conn.execute(Q.api_conversation_resume, match_id)
    woken = False
    if match_id is not None:
        # After the commit, so that the step finds the conversation idle.
        key = f"advance:{match_id}:{resolution}:{letter_id}"
        woken = await tasks.wake(docket, match_id, key)
    return Resolved(letter_id, resolution, match_id, woken)


async def open_ids(pool: asyncpg.Pool) -> list[int]:
    """Every open dead letter, oldest first."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(Q.open_dead_letter_ids)
    return [int(r["id"]) for r in rows]


async def resolve_many(
    pool: asyncpg.Pool, docket: Docket, ids: Iterable[int], resolution: str
) -> tuple[list[Resolved], dict[int, str]]:
    """Resolve each letter; returns what was resolved and, per id, why one was not."""
    done: list[Resolved] = []
    problems: dict[int, str] = {}
    for letter_id in ids:
        try:
            done.append(await resolve(pool, docket, letter_id, resolution))
        except (LetterNotFound, LetterAlreadyResolved) as exc:
            problems[letter_id] = str(exc)
    return done, problems
