"""Her week, written by the model once per persona and ISO week (persona/life.py holds the
agenda from the card and how it is read), and the persona a conversation runs with, her life
attached (`with_life`).

The memory task (`remember`, beside the conversation, never on a reply's path) asks the model
for a short dated agenda of her *coming* week, in JSON, with her canon and this week's agenda
for continuity, so that it is written before the week starts. The first writer wins in
`bot.persona_weeks`, so every conversation reads the same week. A week nobody wrote ahead
(offline, the first week, a persona without memory updates that week, a model that failed or
answered nothing usable) is stored from the card at her first reply of it: the week is fixed
once written, whatever happens later. A reply reads her life with its generation's one read
and stores such a week with its one write (`attach_life`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import time
import uuid
from typing import TYPE_CHECKING

import structlog

from randomatch_bot.conversation.persona import life as lives
from randomatch_bot.conversation.persona.life import Day, Week
from randomatch_bot.db import life as stored
from randomatch_bot.db import session
from randomatch_bot.db.llm_calls import record_llm_call
from randomatch_bot.errors import LLMError
from randomatch_bot.llm.types import ChatMessage, LLMClient

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.config import Settings
    from randomatch_bot.conversation.persona.card import Persona

log = structlog.get_logger(__name__)

WEEK_TIMEOUT = 20.0  # seconds the model may take to write her week
WEEK_MAX_TOKENS = 600
WEEK_TEMPERATURE = 0.9  # a life, not a summary
WEEK_MARK = "[semaine]"  # the offline responder recognises the request by it

_SYSTEM = """\
{mark} Tu es {name}. Écris ton agenda de la semaine du {monday} au {sunday} : ce que tu as \
fait ou vas faire, jour par jour, comme des notes pour toi-même. 3 à 6 entrées courtes \
(une phrase chacune, 120 caractères au plus), dont ton samedi et ton dimanche : une rando ou \
une sortie nommée (un lieu réel près de chez toi), la météo que tu as eue ou qui est annoncée, \
ton travail, une soirée. Réaliste et cohérent avec ce qui est vrai de toi et avec ta semaine \
dernière ; pas de rendez-vous avec quelqu'un de l'appli.
Réponds uniquement avec un objet JSON : {{"days": [{{"date": "AAAA-MM-JJ", "text": "..."}}]}}"""


def week_request(
    persona: Persona, canon: dict[str, str], iso: str, previous: Week
) -> list[ChatMessage]:
    """The JSON-mode prompt that writes her week."""
    monday = lives.week_monday(iso)
    sunday = monday + dt.timedelta(days=6)
    notes = {
        "ce_qui_est_vrai_de_toi": canon,
        "ta_semaine_derniere": lives.days_json(previous.days),
        "ton_personnage": persona.system_prompt[:1500],
    }
    return [
        ChatMessage(
            "system",
            _SYSTEM.format(
                mark=WEEK_MARK,
                name=persona.name,
                monday=f"{lives.day_label(monday)} ({monday.isoformat()})",
                sunday=f"{lives.day_label(sunday)} ({sunday.isoformat()})",
            ),
        ),
        ChatMessage("user", json.dumps(notes, ensure_ascii=False)),
    ]


def parse_week(text: str, iso: str) -> Week | None:
    """Her week from the model's answer; None when it holds no usable day of that week."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        data = json.loads(text[start : end + 1])
    except ValueError:
        return None
    raw = data.get("days") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return None
    days = tuple(d for d in raw if isinstance(d, dict))
    row = stored.WeekRow(iso, days, "model", dt.datetime.now(dt.UTC))
    week = lives.week_from_row(row)
    return week if week.days else None


async def ensure_week(
    pool: asyncpg.Pool,
    llm: LLMClient,
    persona: Persona,
    today: dt.date,
    *,
    match_id: uuid.UUID | None = None,
    use_model: bool = True,
) -> None:
    """Store her week of `today` unless it is stored already: by the model (`use_model`, not
    offline), else from the card."""
    iso = lives.iso_week(today)
    async with session.connection(pool) as conn:
        if await stored.weeks(conn, bot_id=persona.bot_id, weeks=[iso]):
            return
        canon = {e.key: e.value for e in await lives.canon_of(conn, persona)}
        previous = (await lives.weeks_around(conn, persona, today))[0]
    week: Week | None = None
    if use_model and not llm.offline:
        week = await _model_week(pool, llm, persona, canon, iso, previous, match_id)
    if week is None:
        week = lives.card_week(
            persona.bot_id, iso, system_prompt=persona.system_prompt, tags=persona.tags
        )
    async with session.connection(pool) as conn:
        written = await stored.store_week(
            conn,
            bot_id=persona.bot_id,
            week=iso,
            days=lives.days_json(week.days),
            source=week.source,
        )
    if written:
        log.info("week.written", bot_id=str(persona.bot_id), week=iso, source=week.source)


async def _model_week(
    pool: asyncpg.Pool,
    llm: LLMClient,
    persona: Persona,
    canon: dict[str, str],
    iso: str,
    previous: Week,
    match_id: uuid.UUID | None,
) -> Week | None:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(WEEK_TIMEOUT):
            completion = await llm.complete(
                week_request(persona, canon, iso, previous),
                model=persona.model,
                temperature=WEEK_TEMPERATURE,
                max_tokens=WEEK_MAX_TOKENS,
                json_mode=True,
            )
    except (TimeoutError, LLMError) as exc:
        error = exc if isinstance(exc, LLMError) else LLMError("timeout")
        await record_llm_call(
            pool,
            purpose="week",
            bot_id=persona.bot_id,
            match_id=match_id,
            plan_id=None,
            model=persona.model,
            latency_ms=int((time.perf_counter() - started) * 1000),
            error=error,
        )
        log.warning("week.model_failed", hint="her week comes from the card", error=str(exc)[:200])
        return None
    await record_llm_call(
        pool,
        purpose="week",
        bot_id=persona.bot_id,
        match_id=match_id,
        plan_id=None,
        model=completion.model,
        latency_ms=int(completion.latency_s * 1000),
        completion=completion,
    )
    week = parse_week(completion.text, iso)
    if week is None:
        log.warning("week.unusable_answer", hint="her week comes from the card")
    return week


def life_weeks(settings: Settings, now: dt.datetime) -> list[str] | None:
    """The ISO weeks a generation reads her agendas of with its one read; None when
    SELF_CONSISTENCY is off (her life is then not read)."""
    return lives.weeks_near(now) if settings.self_consistency else None


def attach_life(
    settings: Settings, persona: Persona, read: stored.LifeRead | None, now: dt.datetime
) -> tuple[Persona, stored.NewWeek | None]:
    """The persona with her life attached for this conversation, from one read of it
    (unchanged when SELF_CONSISTENCY is off or nothing was read); and her week of today when
    nobody wrote it yet: built from the card (no model call on a reply's path), to store with
    the caller's write (the first writer wins, and the card gives every conversation the same
    week)."""
    if not settings.self_consistency or read is None:
        return persona, None
    life, unwritten = lives.life_of(persona, read, now)
    new = None
    if unwritten is not None:
        new = stored.NewWeek(
            persona.bot_id, unwritten.iso, tuple(lives.days_json(unwritten.days)), unwritten.source
        )
    return dataclasses.replace(persona, life=life), new


def log_written(week: stored.NewWeek) -> None:
    log.info("week.written", bot_id=str(week.bot_id), week=week.week, source=week.source)


async def with_life(
    pool: asyncpg.Pool,
    settings: Settings,
    llm: LLMClient,
    persona: Persona,
    match_id: uuid.UUID,
    now: dt.datetime,
) -> Persona:
    """The persona with her life attached for this conversation (unchanged when
    SELF_CONSISTENCY is off), outside a generation: one read of her life, and her week of
    today stored from the card if nobody wrote it yet. (A generation reads the same with its
    own read and stores the week with its write: `attach_life`.)"""
    if not settings.self_consistency:
        return persona
    async with session.connection(pool) as conn:
        read = await stored.life(
            conn, bot_id=persona.bot_id, match_id=match_id, weeks=lives.weeks_near(now)
        )
        persona, new = attach_life(settings, persona, read, now)
        if new is not None and await stored.store_week(
            conn, bot_id=new.bot_id, week=new.week, days=new.days, source=new.source
        ):
            log_written(new)
    return persona


async def prepare_next_week(
    pool: asyncpg.Pool,
    settings: Settings,
    llm: LLMClient,
    persona: Persona,
    now: dt.datetime,
    *,
    match_id: uuid.UUID | None = None,
) -> None:
    """Have the model write her coming week ahead of it (from the memory task, never on a
    reply's path), so that it is there, the same for everyone, from its first day."""
    if not settings.self_consistency or llm.offline:
        return
    today = lives.local_today(now, persona.timezone)
    await ensure_week(pool, llm, persona, today + dt.timedelta(days=7), match_id=match_id)


__all__ = [
    "Day",
    "attach_life",
    "ensure_week",
    "life_weeks",
    "parse_week",
    "prepare_next_week",
    "week_request",
    "with_life",
]
