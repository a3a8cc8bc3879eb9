"""`/conversations/{match_id}`: one conversation explained — the transcript and, for each
reply, its timeline (each wait and why: grouping, a policy's hold, night, absence, an outage;
reading, thinking, typing and the pause before each part; each part sent), the model and its
cost, the guard's trips, and the memory in force.

The same address serves the page (`conversation.html`, static, no data) to a browser asking
for HTML, and the JSON to a client with a token: the admin token sees everything; the
read-only token sees the same with personal data masked (message texts, the person's name,
the memory's summary and the values of its facts).

The timeline is read from `bot.plan_events` (written by triggers as each step runs, migration
0028) and the plan's own columns; the reason of the wait before reading (night or absence) is
derived from the persona's active hours at the time the plan started.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from randomatch_bot.api.auth import Credentials, is_admin
from randomatch_bot.api.pages import STATIC_DIR
from randomatch_bot.api.state import ApiState, State
from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona import availability
from randomatch_bot.conversation.persona.card import Persona, load_persona
from randomatch_bot.db import console, session
from randomatch_bot.db import memory as memory_db

router = APIRouter(tags=["conversations"])

MASK = "•••"
# An absence lasts at least 20 minutes (conversation/persona/availability.py); reading a few
# messages takes seconds. A longer wait before reading, in the persona's active hours, is one.
ABSENCE_FROM = dt.timedelta(minutes=15)
HOLD_KINDS = {
    "grouping": "grouping",
    "match rate limit": "rate limit",
    "bot rate limit": "rate limit",
    "persona disabled": "persona disabled",
}


class Message(BaseModel):
    id: uuid.UUID
    sender: Literal["persona", "human", "other"]
    content: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    plan_id: uuid.UUID | None = Field(description="The reply that sent it (persona's)")
    part: int | None


class Step(BaseModel):
    step: str = Field(
        description="wait, away, reading, read, thinking, generated, outage, typing, pause, "
        "sent, done, interrupted, cancelled, failed"
    )
    start: dt.datetime
    end: dt.datetime | None
    seconds: float | None
    reason: str | None = Field(
        description="Why a wait: grouping, rate limit, budget, persona disabled, night, "
        "absence, outage; the model of `generated`; why a reply ended"
    )
    detail: str | None = None
    part: int | None = None


class Call(BaseModel):
    purpose: str
    model: str
    ok: bool
    status: int | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    latency_ms: int
    at: dt.datetime


class Trip(BaseModel):
    reason: str
    stage: str
    at: dt.datetime


class Reply(BaseModel):
    plan_id: uuid.UUID
    kind: Literal["reply", "followup", "icebreaker", "operator"]
    status: str
    answers: list[uuid.UUID]
    parts: int
    sent: int
    model: str | None
    cost_usd: float | None = Field(description="Every model call of this reply")
    tokens: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None
    calls: list[Call]
    guard: list[Trip]
    timeline: list[Step]


class Memory(BaseModel):
    summary: str
    facts: dict[str, Any]
    covered_through: dt.datetime | None


class Match(BaseModel):
    match_id: uuid.UUID
    match_status: str | None
    bot_id: uuid.UUID | None
    bot_name: str | None
    human_id: uuid.UUID | None
    human_name: str | None
    status: str | None = Field(description="The service's conversation status")
    hold_reason: str | None
    next_wake_at: dt.datetime | None
    last_error: str | None
    closed_at: dt.datetime | None
    taken_over_until: dt.datetime | None = Field(
        description="An operator holds the conversation until then (when in the future)"
    )
    takeover_reason: str | None
    variant: str | None = Field(
        default=None, description="The persona's variant the conversation runs (null: none)"
    )


class ConversationOut(BaseModel):
    redacted: bool = Field(description="True with the read-only token: personal data masked")
    match: Match
    messages: list[Message]
    replies: list[Reply]
    waits: list[Step] = Field(description="Waits recorded before any reply shown")
    memory: Memory | None
    cost_usd: float


def wants_page(request: Request) -> bool:
    """A browser navigating here asks for HTML first; API clients ask for JSON (or anything)."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def _seconds(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return (end - start).total_seconds() if end is not None else None


def _step(
    step: str,
    start: dt.datetime,
    end: dt.datetime | None = None,
    reason: str | None = None,
    *,
    part: int | None = None,
    detail: str | None = None,
) -> Step:
    return Step(
        step=step,
        start=start,
        end=end,
        seconds=_seconds(start, end),
        reason=reason,
        part=part,
        detail=detail,
    )


def hold_kind(reason: str | None) -> str:
    """The category of a conversation's hold: grouping, rate limit, budget, ..."""
    if reason is None:
        return "grouping"
    if reason in HOLD_KINDS:
        return HOLD_KINDS[reason]
    return "budget" if "budget" in reason or "cap" in reason else reason


def away_reason(
    started: dt.datetime, read_due: dt.datetime, persona: Persona, settings: Settings
) -> str:
    """Why a reply waited from its start to its reading: night (the persona's clock was outside
    its active hours), absence (a long wait in them), or none but reading."""
    clock = started + dt.timedelta(seconds=settings.hours_clock_offset)
    if not availability.is_active(clock, persona.active_hours, persona.timezone):
        return "night"
    scale = settings.time_scale if settings.time_scale > 0 else 1.0
    return "absence" if read_due - started >= ABSENCE_FROM * scale else "reading"


def timeline(
    plan: console.PlanRow,
    events: list[console.EventRow],
    waits: list[console.EventRow],
    messages: dict[uuid.UUID, console.MessageRow],
    sent: list[console.MessageRow],
    persona: Persona | None,
    settings: Settings,
    scrub: Any,
) -> list[Step]:
    """The steps of one reply, in order."""
    steps: list[Step] = []
    # The conversation's waits between the first message answered and the plan (grouping,
    # the human typing, a policy's hold).
    # The first one is counted from the message: its step ran a moment after it.
    first_at = min(
        (messages[i].created_at for i in plan.trigger_message_ids if i in messages), default=None
    )
    for index, wait in enumerate(waits):
        end = waits[index + 1].at if index + 1 < len(waits) else plan.created_at
        if wait.until is not None:
            end = min(end, max(wait.until, wait.at))
        start = min(first_at, wait.at) if index == 0 and first_at is not None else wait.at
        steps.append(_step("wait", start, end, hold_kind(wait.reason), detail=wait.reason))
    if not waits and first_at is not None and plan.created_at > first_at:
        # No wait recorded (the quiet was over by the first step): grouping all the same.
        steps.append(_step("wait", first_at, plan.created_at, "grouping"))
    icebreaker = plan.model == "greeting"
    if plan.read_due_at > plan.created_at:
        why = away_reason(plan.created_at, plan.read_due_at, persona, settings) if persona else None
        if why == "reading" or why is None:
            steps.append(_step("reading", plan.created_at, plan.read_due_at))
        else:
            steps.append(
                _step("away", plan.created_at, plan.read_due_at, why, detail="then reading")
            )
    read_at = next((e.at for e in events if e.kind == "read"), None)
    if read_at is None and plan.think_until is not None:
        read_at = plan.read_due_at
    if read_at is not None and not icebreaker:
        steps.append(_step("read", read_at))
    if read_at is not None and plan.think_until is not None:
        why = None
        if icebreaker and persona is not None:
            why = away_reason(read_at, plan.think_until, persona, settings)
            why = "opening pause" if why == "reading" else why
        written = "the operator's text" if plan.model == "operator" else "the reply is generated"
        steps.append(_step("thinking", read_at, plan.think_until, why, detail=written))
    for event in events:
        if event.kind == "generated":
            steps.append(_step("generated", event.at, reason=event.reason))
        elif event.kind == "outage":
            steps.append(
                _step("outage", event.at, event.until, "outage", detail=scrub(event.reason))
            )
        elif event.kind in ("typing", "pause"):
            steps.append(_step(event.kind, event.at, event.until, part=event.part))
        elif event.kind in ("done", "interrupted", "cancelled", "failed"):
            steps.append(_step(event.kind, event.at, reason=scrub(event.reason)))
    for message in sent:
        steps.append(_step("sent", message.created_at, part=message.part_index))
    if plan.finished_at is not None and not any(
        s.step in ("done", "interrupted", "cancelled", "failed") for s in steps
    ):
        steps.append(_step(plan.status, plan.finished_at, reason=scrub(plan.error)))
    steps.sort(key=lambda s: (s.start, _ORDER.get(s.step, len(_ORDER))))
    return steps


# Steps that start at the same instant, in the order they happen.
_ORDER = {
    name: index
    for index, name in enumerate(
        (
            "wait",
            "away",
            "reading",
            "read",
            "thinking",
            "generated",
            "outage",
            "typing",
            "sent",
            "pause",
            "done",
            "interrupted",
            "cancelled",
            "failed",
        )
    )
}


def _kind(plan: console.PlanRow) -> Literal["reply", "followup", "icebreaker", "operator"]:
    if plan.model == "operator":
        return "operator"
    if plan.trigger_message_ids:
        return "reply"
    return "icebreaker" if plan.model == "greeting" else "followup"


async def explain(
    state: ApiState, match_id: uuid.UUID, *, redact: bool, limit: int
) -> ConversationOut | None:
    """The conversation explained, or None when the match is unknown."""
    settings = state.settings
    async with session.connection(state.resources.pool) as conn:
        rec = await console.recorded(conn, match_id=match_id, limit=limit)
        if rec is None:
            return None
        stored = await memory_db.get(conn, match_id=match_id)
        persona = None
        if rec.match.bot_id is not None:
            persona = await load_persona(
                conn, settings, rec.match.bot_id, rec.match.bot_name or "persona", match_id
            )
    m = rec.match

    def text(value: str) -> str:
        return MASK if redact else value

    messages = [
        Message(
            id=msg.id,
            sender=(
                "persona"
                if msg.sender_id == m.bot_id and m.bot_id is not None
                else "human"
                if msg.sender_id == m.human_id
                else "other"
            ),
            content=text(msg.content),
            created_at=msg.created_at,
            read_at=msg.read_at,
            plan_id=msg.plan_id,
            part=msg.part_index,
        )
        for msg in rec.messages
    ]
    by_id = {msg.id: msg for msg in rec.messages}
    plan_events: dict[uuid.UUID, list[console.EventRow]] = {}
    conversation_waits: list[console.EventRow] = []
    for event in rec.events:
        if event.plan_id is None:
            if event.kind == "wait":
                conversation_waits.append(event)
        else:
            plan_events.setdefault(event.plan_id, []).append(event)
    replies: list[Reply] = []
    used_waits: set[int] = set()
    for plan in rec.plans:
        answered = [by_id[i] for i in plan.trigger_message_ids if i in by_id]
        first_at = min((a.created_at for a in answered), default=plan.created_at)
        waits = [w for w in conversation_waits if first_at <= w.at <= plan.created_at]
        used_waits |= {w.id for w in waits}
        calls = [c for c in rec.calls if c.plan_id == plan.id]
        sent = [msg for msg in rec.messages if msg.plan_id == plan.id]
        costs = [c.cost for c in calls if c.cost is not None]
        replies.append(
            Reply(
                plan_id=plan.id,
                kind=_kind(plan),
                status=plan.status,
                answers=list(plan.trigger_message_ids),
                parts=plan.parts,
                sent=len(sent),
                model=plan.model,
                cost_usd=sum(costs) if costs else plan.cost,
                tokens=sum(c.prompt_tokens + c.completion_tokens for c in calls),
                created_at=plan.created_at,
                finished_at=plan.finished_at,
                error=state.scrub(plan.error),
                calls=[
                    Call(
                        purpose=c.purpose,
                        model=c.model,
                        ok=c.ok,
                        status=c.status,
                        prompt_tokens=c.prompt_tokens,
                        completion_tokens=c.completion_tokens,
                        cost_usd=c.cost,
                        latency_ms=c.latency_ms,
                        at=c.created_at,
                    )
                    for c in calls
                ],
                guard=[
                    Trip(reason=t.reason, stage=t.stage, at=t.created_at)
                    for t in rec.trips
                    if t.plan_id == plan.id
                ],
                timeline=timeline(
                    plan,
                    plan_events.get(plan.id, []),
                    waits,
                    by_id,
                    sent,
                    persona,
                    settings,
                    state.scrub,
                ),
            )
        )
    other_waits = [
        _step("wait", w.at, w.until, hold_kind(w.reason), detail=w.reason)
        for w in conversation_waits
        if w.id not in used_waits
    ]
    memory = None
    if stored is not None:
        memory = Memory(
            summary=text(stored.summary) if stored.summary else "",
            facts={k: (MASK if redact else v) for k, v in stored.facts.items()},
            covered_through=stored.covered_through,
        )
    return ConversationOut(
        redacted=redact,
        match=Match(
            match_id=m.match_id,
            match_status=m.match_status,
            bot_id=m.bot_id,
            bot_name=m.bot_name,
            human_id=m.human_id,
            human_name=(MASK if redact and m.human_name else m.human_name),
            status=m.status,
            hold_reason=m.hold_reason,
            next_wake_at=m.next_wake_at,
            last_error=MASK if redact and m.last_error else state.scrub(m.last_error),
            closed_at=m.closed_at,
            taken_over_until=m.taken_over_until,
            takeover_reason=MASK if redact and m.takeover_reason else m.takeover_reason,
            variant=persona.variant if persona is not None else None,
        ),
        messages=messages,
        replies=replies,
        waits=other_waits,
        memory=memory,
        cost_usd=sum(c.cost for c in rec.calls if c.cost is not None),
    )


@router.get(
    "/conversations/{match_id}",
    response_model=ConversationOut,
    responses={200: {"content": {"text/html": {}}, "description": "JSON, or the page"}},
)
async def conversation(
    request: Request,
    response: Response,
    state: State,
    credentials: Credentials,
    match_id: Annotated[uuid.UUID, Path(description="The match")],
    limit: Annotated[int, Query(ge=1, le=2000, description="Newest messages shown")] = 200,
) -> Response | ConversationOut:
    """One conversation explained: the transcript and each reply's timeline, model, cost,
    guard trips, and the memory in force (admin token; the read-only token sees it with
    personal data masked). A browser asking for HTML gets the page instead."""
    # One address, two representations: caches must keep them apart.
    response.headers["Vary"] = "Accept, Authorization"
    if wants_page(request):
        return FileResponse(
            STATIC_DIR / "conversation.html", media_type="text/html", headers={"Vary": "Accept"}
        )
    response.headers["Cache-Control"] = "no-store"
    admin = await is_admin(request, state, credentials)
    out = await explain(state, match_id, redact=not admin, limit=limit)
    if out is None:
        raise HTTPException(404, "no such match")
    return out
