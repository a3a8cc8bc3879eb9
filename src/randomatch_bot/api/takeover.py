"""Takeover (admin token): an operator pauses the persona in one conversation, writes as her,
and hands the conversation back (worker/takeover.py says how each is carried out)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field, field_validator

from randomatch_bot.api.auth import Authorised
from randomatch_bot.api.state import State
from randomatch_bot.worker import takeover as operations

router = APIRouter(dependencies=[Authorised], tags=["takeover"])

MatchId = Annotated[uuid.UUID, Path(description="The match")]


class TakeoverIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500)
    minutes: float | None = Field(
        default=None, gt=0, le=60 * 24 * 30, description="Default: TAKEOVER_TIMEOUT hours"
    )


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=operations.MAX_TEXT)

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str) -> str:
        # What is sent is the text stripped: one that strips to nothing is refused here, with
        # the validation error's usual shape, as a too long one is.
        if not value.strip():
            raise ValueError("the text must have something to send")
        return value


class TakeoverOut(BaseModel):
    match_id: uuid.UUID
    taken_over_until: dt.datetime | None
    reason: str | None
    stopped_plan: uuid.UUID | None = Field(description="The persona's reply the takeover stopped")
    plan_id: uuid.UUID | None = Field(description="The operator's message, as a plan")
    woken: bool


def _out(done: operations.Takeover) -> TakeoverOut:
    return TakeoverOut(
        match_id=done.match_id,
        taken_over_until=done.until,
        reason=done.reason,
        stopped_plan=done.stopped_plan,
        plan_id=done.plan_id,
        woken=done.woken,
    )


@router.post("/conversations/{match_id}/takeover", response_model=TakeoverOut)
async def take_over(state: State, match_id: MatchId, body: TakeoverIn | None = None) -> TakeoverOut:
    """Pause the persona in this conversation (a reply in progress stops at its next step)."""
    body = body or TakeoverIn()
    res = state.resources
    try:
        done = await operations.take_over(
            res.pool, res.docket, state.settings, match_id, reason=body.reason, minutes=body.minutes
        )
    except operations.MatchNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except operations.NotTakenOver as exc:
        raise HTTPException(409, str(exc)) from exc
    return _out(done)


@router.post("/conversations/{match_id}/resume", response_model=TakeoverOut)
async def resume(state: State, match_id: MatchId) -> TakeoverOut:
    """Hand the conversation back to the persona: she answers what is unanswered."""
    res = state.resources
    try:
        return _out(await operations.resume(res.pool, res.docket, match_id))
    except operations.MatchNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except operations.NotTakenOver as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post("/conversations/{match_id}/messages", response_model=TakeoverOut)
async def send(state: State, match_id: MatchId, body: MessageIn) -> TakeoverOut:
    """Write as the persona in a conversation taken over: read, typing and sending paced
    like hers."""
    res = state.resources
    try:
        done = await operations.send(res.pool, res.docket, state.settings, match_id, body.text)
    except operations.MatchNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except (operations.NotTakenOver, operations.StillSending) as exc:
        raise HTTPException(409, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    return _out(done)
