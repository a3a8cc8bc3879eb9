"""Model failures that last: waited out, or paused until an operator (or a probe) fixes them.

- A transient failure (timeouts, 429, 5xx, every fallback model down, the breaker open) makes
  the plan wait: its `retry_at` moves on by the endpoint's Retry-After or an exponential backoff
  with jitter, capped at a few minutes, until LLM_OUTAGE_HORIZON after the first failure; only
  then is the reply dead-lettered. Nothing sleeps: the conversation is woken at `retry_at`.
- A failure only an operator can fix (401 key rejected, 402 no credits, 403 forbidden, 404 model
  gone) pauses the endpoint (401, 402) or the model (403, 404) in `bot.llm_pauses`. Every reply
  that needs it waits; one of them probes every LLM_PAUSE_PROBE_INTERVAL; the first success
  lifts the pause and releases every waiting reply. A pause recorded with other settings (a new
  key, another model or endpoint) is lifted at once.
- The shared breaker (`llm/breaker.py`) rests a failing model at most LLM_BREAKER_PROBE_INTERVAL
  between probes. A reply to a human who wrote while their conversation waited on the model
  probes at once; a call that closes the breaker releases every waiting reply (`recovered`).
  Released replies go on within RESUME_JITTER seconds, each at its own moment.

The decisions (`wait_for`, `scope_of`, `fingerprint`) are pure; the rest reads and writes
through `db/llm_pauses.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from dataclasses import dataclass

import structlog

from randomatch_bot.config import Settings
from randomatch_bot.db import llm_pauses
from randomatch_bot.db.types import Conn
from randomatch_bot.llm.retry import outage_delay

log = structlog.get_logger(__name__)

PAUSING_STATUSES = frozenset({401, 402, 403, 404})
ENDPOINT_WIDE = frozenset({401, 402})  # the key or the account: every model is concerned
RESUME_JITTER = 5.0  # seconds; replies released together do not all call in the same instant


def scope_of(status: int, model: str) -> str:
    """What a permanent failure pauses: the whole endpoint or one model."""
    return "endpoint" if status in ENDPOINT_WIDE else f"model:{model}"


def scopes_for(model: str) -> list[str]:
    """The pauses that stop a call to `model`."""
    return ["endpoint", f"model:{model}"]


def fingerprint(settings: Settings, scope: str) -> str:
    """Identifies the settings a pause was recorded with (a hash: the key never leaves)."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    text = "|".join([settings.llm_base_url, key, scope, ",".join(settings.llm_fallback_models)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Wait:
    """What to do after a failed generation: try again at `until`, or give up."""

    until: dt.datetime | None  # None: the outage horizon has passed, dead-letter the reply
    failures: int


def wait_for(
    *,
    failures: int,
    failing_since: dt.datetime,
    retry_after: float | None,
    now: dt.datetime,
    horizon: float,
    rng: random.Random,
) -> Wait:
    """When a plan whose generation failed `failures` times since `failing_since` tries again.

    `retry_after` (the endpoint's header, or how long the shared breaker stays open) is honoured
    with a little jitter; otherwise the plan's own exponential backoff applies. The last try is
    at the horizon; past it, give up.
    """
    end = failing_since + dt.timedelta(seconds=horizon)
    if now >= end:
        return Wait(None, failures)
    if retry_after is not None:
        delay = retry_after + rng.uniform(0.0, min(RESUME_JITTER, 0.1 * retry_after))
    else:
        delay = outage_delay(failures, None, rng)
    return Wait(min(now + dt.timedelta(seconds=delay), end), failures)


async def pause_hold(
    conn: Conn, settings: Settings, model: str, now: dt.datetime
) -> tuple[dt.datetime | None, bool]:
    """(wait until, probing) for a call to `model`: a time when it is paused and it is not this
    caller's turn to probe; (None, True) when this caller probes; (None, False) when not paused.
    """
    probing = False
    for paused in await llm_pauses.of_scopes(conn, scopes=scopes_for(model)):
        scope = paused.scope
        if paused.fingerprint != fingerprint(settings, scope):
            await llm_pauses.lift(conn, scopes=[scope])
            log.info("llm.pause_lifted", scope=scope, reason="settings changed")
            continue
        if paused.next_probe_at > now:
            return paused.next_probe_at, False
        next_probe = now + dt.timedelta(seconds=settings.llm_pause_probe_interval)
        if not await llm_pauses.claim_probe(conn, scope=scope, now=now, next_probe_at=next_probe):
            return next_probe, False
        log.info("llm.pause_probe", scope=scope)
        probing = True
    return None, probing


async def pause(
    conn: Conn, settings: Settings, model: str, status: int, reason: str, now: dt.datetime
) -> dt.datetime:
    """Pause what a permanent failure concerns; returns when the next probe is allowed."""
    scope = scope_of(status, model)
    next_probe = now + dt.timedelta(seconds=settings.llm_pause_probe_interval)
    await llm_pauses.record(
        conn,
        scope=scope,
        status=status,
        reason=reason[:500],
        fingerprint=fingerprint(settings, scope),
        paused_at=now,
        next_probe_at=next_probe,
    )
    log.error("llm.paused", scope=scope, status=status, reason=reason[:200])
    return next_probe


async def lift(conn: Conn, model: str, now: dt.datetime) -> list[uuid.UUID]:
    """The model answered a probe: lift its pauses and release every waiting reply; returns the
    conversations to wake."""
    lifted = await llm_pauses.lift(conn, scopes=scopes_for(model))
    if not lifted:
        return []
    log.warning("llm.resumed", scopes=lifted)
    return await llm_pauses.release_waiting_replies(conn, now=now, jitter=RESUME_JITTER)


async def recovered(conn: Conn, model: str, now: dt.datetime) -> list[uuid.UUID]:
    """The model answered after resting in the shared breaker: every reply waiting for it goes
    on within RESUME_JITTER seconds instead of at its own next try; returns the conversations
    to wake."""
    released = await llm_pauses.release_waiting_replies(conn, now=now, jitter=RESUME_JITTER)
    log.warning("llm.recovered", model=model, released=len(released))
    return released


async def lift_changed(conn: Conn, settings: Settings, now: dt.datetime) -> list[uuid.UUID]:
    """At start: pauses recorded with other settings (the operator fixed the key, the model,
    the endpoint) are lifted and their replies released; returns the conversations to wake."""
    stale = [
        paused.scope
        for paused in await llm_pauses.every(conn)
        if paused.fingerprint != fingerprint(settings, paused.scope)
    ]
    if not stale:
        return []
    await llm_pauses.lift(conn, scopes=stale)
    log.warning("llm.resumed", scopes=stale, reason="settings changed")
    return await llm_pauses.release_waiting_replies(conn, now=now, jitter=RESUME_JITTER)


async def paused_scopes(conn: Conn) -> list[dict[str, object]]:
    """Every pause, for `status`, `/ready`, the dashboard and the metrics (without the
    fingerprint, which only this module compares)."""
    return [
        {
            "scope": paused.scope,
            "status": paused.status,
            "reason": paused.reason,
            "paused_at": paused.paused_at,
            "next_probe_at": paused.next_probe_at,
        }
        for paused in await llm_pauses.every(conn)
    ]
