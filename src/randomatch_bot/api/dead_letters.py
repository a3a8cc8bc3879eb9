"""Dead letters: replies given up after their last attempt, until an operator decides.

- retry: the letter is resolved ('retried'), the parked conversation goes back to idle and is
  woken; the engine then answers every unanswered message of the match, the failed ones too.
- discard: the letter is resolved ('discarded') and its plan's messages are recorded as handled
  by the failed plan, so nothing tries them again; the conversation is woken for any message
  that arrived since.

Both run under the conversation's row lock, the one every engine step takes, and only an open
letter can be resolved: a double click does nothing the second time (409).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from enum import StrEnum
from typing import Annotated, Any, Self

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field, model_validator

from randomatch_bot.api.auth import Authorised
from randomatch_bot.api.state import ApiState, State
from randomatch_bot.db.dead_letters import DeadLetter as StoredLetter
from randomatch_bot.worker import dead_letters as operations

router = APIRouter(prefix="/dead-letters", dependencies=[Authorised], tags=["dead letters"])

LetterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The dead letter's id")]


class LetterState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    ALL = "all"


class DeadLetter(BaseModel):
    id: int
    match_id: uuid.UUID | None
    plan_id: uuid.UUID | None
    bot_id: uuid.UUID | None
    task: str
    error: str
    attempts: int
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str | None
    conversation_status: str | None


class Message(BaseModel):
    id: uuid.UUID
    sender_id: uuid.UUID | None
    content: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class DeadLetterDetail(DeadLetter):
    payload: dict[str, Any]
    plan_status: str | None
    model: str | None
    messages: list[Message]


class Resolution(BaseModel):
    id: int
    resolution: str
    match_id: uuid.UUID | None
    woken: bool


def _letter(state: ApiState, letter: StoredLetter) -> dict[str, Any]:
    data = dataclasses.asdict(letter)
    data["error"] = state.scrub(data["error"]) or ""
    return data


@router.get("", response_model=list[DeadLetter])
async def list_letters(
    state: State,
    which: Annotated[LetterState, Query(alias="state")] = LetterState.OPEN,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeadLetter]:
    """Dead letters, newest first: open ones by default."""
    letters = await operations.listing(state.resources.pool, which=which.value, limit=limit)
    return [DeadLetter(**_letter(state, letter)) for letter in letters]


@router.get("/{letter_id}", response_model=DeadLetterDetail)
async def inspect_letter(state: State, letter_id: LetterId) -> DeadLetterDetail:
    """One dead letter with its error, payload and the messages its reply was answering."""
    try:
        detail, messages = await operations.inspect(state.resources.pool, letter_id)
    except operations.LetterNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    data = _letter(state, detail.letter)
    data["payload"] = json.loads(detail.payload or "{}")
    data["plan_status"] = detail.plan_status
    data["model"] = detail.model
    data["messages"] = [Message(**dataclasses.asdict(m)) for m in messages]
    return DeadLetterDetail(**data)


@router.post("/{letter_id}/retry", response_model=Resolution)
async def retry_letter(state: State, letter_id: LetterId) -> Resolution:
    """Try the conversation again: it answers everything unanswered, the failed messages too."""
    return await resolve(state, letter_id, "retried")


@router.post("/{letter_id}/discard", response_model=Resolution)
async def discard_letter(state: State, letter_id: LetterId) -> Resolution:
    """Give up on the messages of this letter; the conversation goes on with later ones."""
    return await resolve(state, letter_id, "discarded")


async def resolve(state: ApiState, letter_id: int, resolution: str) -> Resolution:
    """Resolve an open letter and wake its conversation (see the module docstring)."""
    res = state.resources
    try:
        done = await operations.resolve(res.pool, res.docket, letter_id, resolution)
    except operations.LetterNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except operations.LetterAlreadyResolved as exc:
        raise HTTPException(409, str(exc)) from exc
    return Resolution(
        id=done.id, resolution=done.resolution, match_id=done.match_id, woken=done.woken
    )


class Bulk(BaseModel):
    """Which letters: `ids`, or `all: true` for every open one."""

    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = []
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if self.all == bool(self.ids):
            raise ValueError("give either `ids` or `all: true`")
        return self


class BulkResult(BaseModel):
    resolved: list[Resolution]
    skipped: dict[int, str]


@router.post("/retry", response_model=BulkResult)
async def retry_many(state: State, body: Bulk) -> BulkResult:
    """Retry several letters at once (`ids`), or every open one (`all`)."""
    return await _bulk(state, body, "retried")


@router.post("/discard", response_model=BulkResult)
async def discard_many(state: State, body: Bulk) -> BulkResult:
    """Discard several letters at once (`ids`), or every open one (`all`)."""
    return await _bulk(state, body, "discarded")


async def _bulk(state: ApiState, body: Bulk, resolution: str) -> BulkResult:
    res = state.resources
    ids = await operations.open_ids(res.pool) if body.all else body.ids
    done, problems = await operations.resolve_many(res.pool, res.docket, ids, resolution)
    return BulkResult(
        resolved=[
            Resolution(id=d.id, resolution=d.resolution, match_id=d.match_id, woken=d.woken)
            for d in done
        ],
        skipped=problems,
    )
