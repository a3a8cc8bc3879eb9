"""Health, readiness, Prometheus metrics, the status overview and conversations in progress."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from randomatch_bot.api import metrics
from randomatch_bot.api.auth import Authorised, ReadOnly
from randomatch_bot.api.state import ApiState, State
from randomatch_bot.bridge.listener import bridge_ages
from randomatch_bot.conversation.policies.outage import paused_scopes
from randomatch_bot.db import monitoring as monitoring_db
from randomatch_bot.db import session
from randomatch_bot.errors import DatabaseError, DatabaseUnavailable, RedisUnavailable
from randomatch_bot.infra.redis import redis_errors
from randomatch_bot.status import collect_status, llm_mode

router = APIRouter()
protected = APIRouter(dependencies=[Authorised])
readable = APIRouter(dependencies=[ReadOnly])  # also open to METRICS_TOKEN

CHECK_TIMEOUT = 3.0  # seconds for one readiness check
FRESH_HEARTBEAT_MIN = 30.0  # seconds; a bridge silent longer than this (or 3 beats) is stale


class Health(BaseModel):
    status: str


class Check(BaseModel):
    ok: bool
    detail: str


class BridgeCheck(BaseModel):
    ok: bool
    detail: str
    heartbeat_age_s: float | None
    bridges: int


class Llm(BaseModel):
    online: bool
    mode: str
    # "paused: operator action needed" — the endpoint or models a 401/402/403/404 paused.
    ok: bool = True
    paused: list[str] = []
    detail: str = ""


class Readiness(BaseModel):
    ready: bool
    # "ok"; "degraded" while PostgreSQL or Redis is away (the processes wait for it, none exits:
    # work missed meanwhile is recovered from PostgreSQL); "down" when both are.
    status: str = "ok"
    postgres: Check
    redis: Check
    bridge: BridgeCheck
    llm: Llm


class Conversation(BaseModel):
    match_id: uuid.UUID
    bot_id: uuid.UUID
    bot_name: str | None
    status: str
    epoch: int
    next_wake_at: dt.datetime | None
    last_error: str | None
    updated_at: dt.datetime
    plan_id: uuid.UUID | None
    step: str | None
    next_part: int | None
    parts: int | None
    typing: bool | None
    next_due_at: dt.datetime | None
    plan_started_at: dt.datetime | None
    messages: int | None


@router.get("/health", response_model=Health, tags=["health"])
async def health() -> Health:
    """Liveness: the process answers. No token, no database."""
    return Health(status="ok")


async def _check_postgres(state: ApiState) -> Check:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            async with session.connection(state.resources.pool) as conn:
                version = await monitoring_db.schema_version(conn)
    except (DatabaseUnavailable, DatabaseError, TimeoutError) as exc:
        return Check(ok=False, detail=state.scrub(f"unreachable: {type(exc).__name__}") or "")
    if version is None:
        return Check(ok=False, detail="reachable, not migrated: run `randomatch-bot migrate`")
    return Check(ok=True, detail=f"ok, schema {version}")


async def _check_redis(state: ApiState) -> tuple[Check, BridgeCheck]:
    fresh = max(FRESH_HEARTBEAT_MIN, 3 * state.settings.heartbeat_interval)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            with redis_errors():
                await state.resources.redis.ping()
            by_bridge = await bridge_ages(state.resources.redis, state.settings.docket_name)
    except (RedisUnavailable, TimeoutError) as exc:
        down = f"unknown: Redis unreachable ({type(exc).__name__})"
        return (
            Check(ok=False, detail=f"unreachable: {type(exc).__name__}"),
            BridgeCheck(ok=False, detail=down, heartbeat_age_s=None, bridges=0),
        )
    ages = list(by_bridge.values())
    age = min(ages) if ages else None
    if age is None:
        bridge = BridgeCheck(
            ok=False, detail="no bridge heartbeat", heartbeat_age_s=None, bridges=0
        )
    else:
        alive = sum(1 for a in ages if a <= fresh)
        detail = f"last heartbeat {age:.1f} s ago" if age <= fresh else f"stale: {age:.0f} s ago"
        bridge = BridgeCheck(
            ok=age <= fresh, detail=detail, heartbeat_age_s=round(age, 1), bridges=alive
        )
    return Check(ok=True, detail="ok"), bridge


@readable.get(
    "/ready",
    response_model=Readiness,
    tags=["health"],
    responses={503: {"model": Readiness, "description": "PostgreSQL or Redis not ready"}},
)
async def ready(state: State) -> JSONResponse:
    """Readiness: PostgreSQL (migrated) and Redis answer. The bridge's heartbeat and the LLM
    mode are reported too; a silent bridge does not make this process unready (it is not this
    process's fault), but its `ok` is false and the operator should look."""
    postgres, (redis, bridge) = await asyncio.gather(_check_postgres(state), _check_redis(state))
    llm = Llm(online=state.settings.llm_online, mode=state.scrub(llm_mode(state.settings)) or "")
    if postgres.ok:
        llm = await _check_pauses(state, llm)
    body = Readiness(
        ready=postgres.ok and redis.ok,
        status="ok"
        if postgres.ok and redis.ok
        else "degraded"
        if postgres.ok or redis.ok
        else "down",
        postgres=postgres,
        redis=redis,
        bridge=bridge,
        llm=llm,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.ready else 503)


async def _check_pauses(state: ApiState, llm: Llm) -> Llm:
    """A paused model does not make this process unready (a restart cannot fix it), but it is
    said plainly: replies wait until an operator fixes the key, credits or model."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), session.connection(state.resources.pool) as conn:
            pauses = await paused_scopes(conn)
    except (DatabaseUnavailable, DatabaseError, TimeoutError):
        return llm
    if not pauses:
        return llm
    reasons = "; ".join(f"{p['scope']}: {p['reason']}" for p in pauses)
    return llm.model_copy(
        update={
            "ok": False,
            "paused": [str(p["scope"]) for p in pauses],
            "detail": state.scrub(f"paused: operator action needed ({reasons})") or "",
        }
    )


@readable.get(
    "/metrics",
    tags=["metrics"],
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
)
async def prometheus(state: State) -> Response:
    """Prometheus text exposition, correct across separate worker and bridge processes."""
    return Response(await metrics.render(state), media_type=CONTENT_TYPE_LATEST)


@readable.get("/overview", tags=["status"])
async def overview(state: State) -> dict[str, Any]:
    """What `randomatch-bot status` prints, as JSON (the dashboard's counters)."""
    async with session.connection(state.resources.pool) as conn:
        report = await collect_status(state.settings, conn, state.resources.redis)
    data = report.as_dict()
    for key in ("postgres", "redis", "llm"):
        data[key] = state.scrub(data[key])
    data["demo"] = state.demo is not None
    return data


@protected.get("/conversations", response_model=list[Conversation], tags=["status"])
async def conversations(
    state: State, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[Conversation]:
    """Conversations under way (grouping, replying, parked) with their step and next due time."""
    async with session.connection(state.resources.pool) as conn:
        under_way = await monitoring_db.conversations_under_way(conn, limit=limit)
    return [
        Conversation(**{**asdict(c), "last_error": state.scrub(c.last_error)}) for c in under_way
    ]
