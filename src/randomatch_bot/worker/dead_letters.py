"""Listing, inspecting and resolving dead letters, one or many, for the API and the CLI alike.

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
from typing import TYPE_CHECKING

from docket import Docket

from randomatch_bot.db import conversations, session
from randomatch_bot.db import dead_letters as stored
from randomatch_bot.db.dead_letters import DeadLetter, DeadLetterDetail, Message
from randomatch_bot.errors import RandomatchError
from randomatch_bot.worker import tasks

if TYPE_CHECKING:
    import asyncpg

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


async def listing(pool: asyncpg.Pool, *, which: str, limit: int) -> list[DeadLetter]:
    """At most `limit` dead letters, newest first: `which` is 'open', 'resolved' or 'all'."""
    async with session.connection(pool) as conn:
        return await stored.listing(conn, which=which, limit=limit)


async def inspect(pool: asyncpg.Pool, letter_id: int) -> tuple[DeadLetterDetail, list[Message]]:
    """One dead letter with the messages its reply was answering (those the app still has)."""
    async with session.connection(pool) as conn:
        detail = await stored.detail(conn, letter_id=letter_id)
        if detail is None:
            raise LetterNotFound(f"no dead letter {letter_id}")
        ids = detail.trigger_message_ids
        messages = await stored.messages(conn, ids=ids) if ids else []
    return detail, messages


async def resolve(pool: asyncpg.Pool, docket: Docket, letter_id: int, resolution: str) -> Resolved:
    """Resolve one open letter and wake its conversation (see the module docstring)."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, not {resolution!r}")
    async with session.transaction(pool) as conn:
        detail = await stored.detail(conn, letter_id=letter_id)
        if detail is None:
            raise LetterNotFound(f"no dead letter {letter_id}")
        letter = detail.letter
        match_id = letter.match_id
        if match_id is not None:
            # The engine's lock, taken before the letter's: same order as every engine step.
            await conversations.lock(conn, match_id=match_id)
        if not await stored.resolve(conn, letter_id=letter_id, resolution=resolution):
            raise LetterAlreadyResolved(f"dead letter {letter_id} is already {letter.resolution}")
        if resolution == "discarded" and letter.plan_id is not None:
            await stored.give_up_messages(conn, plan_id=letter.plan_id)
        if match_id is not None:
            await stored.resume_conversation(conn, match_id=match_id)
    woken = False
    if match_id is not None:
        # After the commit, so that the step finds the conversation idle.
        key = f"advance:{match_id}:{resolution}:{letter_id}"
        woken = await tasks.wake(docket, match_id, key)
    return Resolved(letter_id, resolution, match_id, woken)


async def open_ids(pool: asyncpg.Pool) -> list[int]:
    """Every open dead letter, oldest first."""
    async with session.connection(pool) as conn:
        return await stored.open_ids(conn)


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
