"""Conversations closed for good by what the person wrote: a person who said they are under 18
(`minor`: one closing line, then nothing) or asked the persona to stop writing (`stop`: no
follow-up). The operator lists them (with the message that said it: admin only) and reopens
one closed by mistake; what the person writes from then on is answered."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel

from randomatch_bot.api.auth import Authorised
from randomatch_bot.api.state import State
from randomatch_bot.worker import closures as operations

router = APIRouter(prefix="/conversations", dependencies=[Authorised], tags=["closed"])


class ClosedState(StrEnum):
    OPEN = "open"
    REOPENED = "reopened"
    ALL = "all"


class Reason(StrEnum):
    MINOR = "minor"
    STOP = "stop"


class Closed(BaseModel):
    id: int
    match_id: uuid.UUID
    reason: str
    message_id: uuid.UUID | None
    message: str | None
    closed_at: dt.datetime
    reopened_at: dt.datetime | None
    reopened_by: str | None
    confirmed: bool | None
    bot_id: uuid.UUID | None
    human_id: uuid.UUID | None
    conversation_status: str | None


class Reopened(BaseModel):
    match_id: uuid.UUID
    reopened: list[str]
    woken: bool


@router.get("/closed", response_model=list[Closed])
async def closed(
    state: State,
    which: Annotated[ClosedState, Query(alias="state")] = ClosedState.OPEN,
    reason: Reason | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Closed]:
    """Closed conversations and stop records, newest first: open ones by default."""
    found = await operations.listing(
        state.resources.pool,
        which=which.value,
        reason=reason.value if reason is not None else None,
        limit=limit,
    )
    return [
        Closed(
            id=c.id,
            match_id=c.match_id,
            reason=c.reason,
            message_id=c.message_id,
            message=c.message,
            closed_at=c.closed_at,
            reopened_at=c.reopened_at,
            reopened_by=c.reopened_by,
            confirmed=c.confirmed,
            bot_id=c.bot_id,
            human_id=c.human_id,
            conversation_status=c.conversation_status,
        )
        for c in found
    ]


@router.post("/{match_id}/reopen", response_model=Reopened)
async def reopen(
    state: State,
    match_id: Annotated[uuid.UUID, Path(description="The conversation's match id")],
    reason: Reason | None = None,
) -> Reopened:
    """Reopen a conversation closed by mistake (its `reason` closing, or all), and wake it."""
    res = state.resources
    try:
        done = await operations.reopen(
            res.pool, res.docket, match_id, reason=reason.value if reason else None
        )
    except operations.NothingToReopen as exc:
        raise HTTPException(404, str(exc)) from exc
    return Reopened(match_id=done.match_id, reopened=list(done.reasons), woken=done.woken)
