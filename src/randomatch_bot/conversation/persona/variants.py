"""A persona's variants: which one a conversation is given, and the persona it then runs.

The assignment rule is `bot.variant_pick` (migration 0030), applied in the step's read and
recorded there once per conversation; `pick` is the same rule in Python, for the tests that
check its spread and for the demo (docs/DECISIONS.md, D32). A variant only overrides: what it
leaves None stays the persona's."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, get_args

from randomatch_bot.conversation.persona.files import Habit
from randomatch_bot.db import personas, variants
from randomatch_bot.db.variants import ConversationVariant, Stopped, Variant, VariantSettings
from randomatch_bot.errors import PersonaError

if TYPE_CHECKING:
    from randomatch_bot.conversation.persona.card import Persona
    from randomatch_bot.db.types import Conn

HABITS: tuple[str, ...] = get_args(Habit)  # the typing habits a persona file may name

BASE = "base"  # the figures' name for conversations that run no variant
HASH_DIGITS = 15  # hex digits of md5 read as the draw: 60 bits, a bigint in SQL


def draw(match_id: uuid.UUID, bot_id: uuid.UUID) -> int:
    """The match's fixed point: the first 15 hex digits of md5('match:bot') as an integer."""
    digest = hashlib.md5(f"{match_id}:{bot_id}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:HASH_DIGITS], 16)


def pick(match_id: uuid.UUID, bot_id: uuid.UUID, weights: Sequence[tuple[int, int]]) -> int | None:
    """The variant id a new conversation of `bot_id` in `match_id` is given among the active
    variants `weights` ((id, weight) pairs, any order); None when there is none. The draw
    modulo the total weight lands on the cumulative weights in id order."""
    ordered = sorted(weights)
    total = sum(w for _, w in ordered)
    if total <= 0:
        return None
    point = draw(match_id, bot_id) % total
    upto = 0
    for variant_id, weight in ordered:
        upto += weight
        if upto > point:
            return variant_id
    return None  # unreachable: the last cumulative weight is the total


def applied(persona: Persona, variant: ConversationVariant | None) -> Persona:
    """`persona` with the settings `variant` overrides (itself when None)."""
    if variant is None:
        return persona
    s = variant.settings
    prompt = persona.system_prompt
    if s.prompt:
        prompt = s.prompt if s.prompt_mode == "replace" else f"{prompt.rstrip()}\n\n{s.prompt}"
    return replace(
        persona,
        variant=variant.name,
        system_prompt=prompt,
        model=s.model or persona.model,
        temperature=persona.temperature if s.temperature is None else s.temperature,
        typing_speed_cps=s.typing_speed_cps or persona.typing_speed_cps,
        min_thinking=persona.min_thinking if s.min_thinking is None else s.min_thinking,
        max_thinking=persona.max_thinking if s.max_thinking is None else s.max_thinking,
        habits=persona.habits if s.habits is None else frozenset(s.habits),
    )


# --- administration (`randomatch-bot persona variant ...`, `/personas/{bot_id}/variants`) ---

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
MAX_WEIGHT = 1_000_000
MAX_PROMPT = 20_000  # characters of a variant's prompt
PROMPT_MODES = ("replace", "append")


def settings_of(
    *,
    prompt: str | None = None,
    prompt_mode: str = "replace",
    model: str | None = None,
    temperature: float | None = None,
    typing_speed_cps: float | None = None,
    min_thinking: float | None = None,
    max_thinking: float | None = None,
    habits: Sequence[str] | None = None,
) -> VariantSettings:
    """A variant's settings, checked; PersonaError naming the first bad one."""
    if prompt is not None and not prompt.strip():
        raise PersonaError("the variant's prompt is empty; leave it out to keep the persona's")
    if prompt is not None and len(prompt) > MAX_PROMPT:
        raise PersonaError(f"the variant's prompt is longer than {MAX_PROMPT} characters")
    if prompt_mode not in PROMPT_MODES:
        raise PersonaError(f"prompt mode {prompt_mode!r}: use {' or '.join(PROMPT_MODES)}")
    if model is not None and not model.strip():
        raise PersonaError("the variant's model is empty; leave it out to keep the persona's")
    if temperature is not None and not 0 <= temperature <= 2:
        raise PersonaError(f"temperature {temperature}: between 0 and 2")
    if typing_speed_cps is not None and not 0 < typing_speed_cps <= 100:
        raise PersonaError(f"typing speed {typing_speed_cps}: characters per second, 0 to 100")
    for label, value in (("min thinking", min_thinking), ("max thinking", max_thinking)):
        if value is not None and not 0 <= value <= 3600:
            raise PersonaError(f"{label} {value}: seconds, 0 to 3600")
    if min_thinking is not None and max_thinking is not None and max_thinking < min_thinking:
        raise PersonaError("max thinking is below min thinking")
    if habits is not None:
        unknown = [h for h in habits if h not in HABITS]
        if unknown:
            raise PersonaError(f"unknown habit {unknown[0]!r}; known: {', '.join(HABITS)}")
    return VariantSettings(
        prompt=prompt.strip() if prompt is not None else None,
        prompt_mode=prompt_mode,
        model=model.strip() if model is not None else None,
        temperature=temperature,
        typing_speed_cps=typing_speed_cps,
        min_thinking=min_thinking,
        max_thinking=max_thinking,
        habits=tuple(dict.fromkeys(habits)) if habits is not None else None,
    )


def check_name(name: str) -> str:
    """A variant's name, checked: letters, digits, `_.-`, at most 40, not `base`."""
    if not NAME.fullmatch(name):
        raise PersonaError(
            f"variant name {name!r}: 1 to 40 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    if name.lower() == BASE:
        raise PersonaError(f"{BASE!r} names the persona without a variant; choose another name")
    return name


def check_weight(weight: int) -> int:
    """A variant's weight, checked: a whole number from 1 to `MAX_WEIGHT`."""
    if not 1 <= weight <= MAX_WEIGHT:
        raise PersonaError(f"weight {weight}: a whole number from 1 to {MAX_WEIGHT}")
    return weight


def describe(v: Variant) -> dict[str, Any]:
    """A variant as JSON: its settings under `overrides` (only those it sets)."""
    s = v.settings
    overrides: dict[str, Any] = {
        "prompt": s.prompt,
        "prompt_mode": s.prompt_mode if s.prompt is not None else None,
        "model": s.model,
        "temperature": s.temperature,
        "typing_speed_cps": s.typing_speed_cps,
        "min_thinking": s.min_thinking,
        "max_thinking": s.max_thinking,
        "habits": list(s.habits) if s.habits is not None else None,
    }
    return {
        "id": v.id,
        "bot_id": str(v.bot_id),
        "name": v.name,
        "weight": v.weight,
        "active": v.active,
        "created_at": v.created_at.isoformat(),
        "stopped_at": v.stopped_at.isoformat() if v.stopped_at else None,
        "conversations": v.conversations,
        "overrides": {k: value for k, value in overrides.items() if value is not None},
    }


async def add_variant(
    conn: Conn, bot_id: uuid.UUID, name: str, weight: int, settings: VariantSettings
) -> Variant:
    """Add a variant to a persona that has a row; PersonaError when it has none or the name is
    taken (nothing is written then)."""
    check_name(name)
    check_weight(weight)
    if await personas.get(conn, bot_id=bot_id) is None:
        raise PersonaError(
            f"bot {bot_id} has no persona row (it uses the default persona); add one with "
            "`randomatch-bot persona add FILE --bot-id ...` before its variants"
        )
    new_id = await variants.add(conn, bot_id=bot_id, name=name, weight=weight, settings=settings)
    if new_id is None:
        raise PersonaError(f"the persona of bot {bot_id} has a variant named {name!r} already")
    found = [v for v in await variants.listing(conn, bot_id=bot_id) if v.id == new_id]
    return found[0]


async def list_variants(conn: Conn, bot_id: uuid.UUID | None = None) -> list[Variant]:
    """The variants of a persona (of every persona when None), oldest first, with counts."""
    return await variants.listing(conn, bot_id=bot_id)


async def stop_variant(conn: Conn, bot_id: uuid.UUID, name: str, *, move: bool) -> Stopped:
    """Stop a variant: no new conversation gets it. Its conversations keep it, or with `move`
    are given again among the persona's active variants (none left: they keep it)."""
    stopped = await variants.stop(conn, bot_id=bot_id, name=name, move=move)
    if stopped is None:
        raise PersonaError(
            f"the persona of bot {bot_id} has no variant named {name!r}; "
            "see `randomatch-bot persona variant list`"
        )
    return stopped
