"""Personas: who a bot is and how it behaves. A bot with no row in `bot.personas` uses the
default persona built from configuration: Camille's character (`personas/camille.yaml`, named
after the bot's profile) with the behaviour settings of the environment."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, replace
from typing import Any

from randomatch_bot.config import ActiveHours, Settings
from randomatch_bot.conversation.persona import variants
from randomatch_bot.conversation.persona.files import (
    CARD_EXTENSION,
    PersonaSpec,
    bundled_persona,
    fill_placeholders,
)
from randomatch_bot.conversation.persona.life import Life
from randomatch_bot.db import personas
from randomatch_bot.db import variants as variants_db
from randomatch_bot.db.personas import PersonaListing, PersonaRow
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import PersonaError

DEFAULT_PERSONA_NAME = "Camille"
DEFAULT_PERSONA_FILE = "camille"  # personas/camille.yaml in the package
DEFAULT_EMOJI = "rare"


@functools.cache
def _default_spec() -> PersonaSpec:
    return bundled_persona(DEFAULT_PERSONA_FILE).spec


# The default character with `{name}` where the bot's name goes (str.format), kept for callers
# that check replies against it. Read from package data, like the SQL files.
DEFAULT_SYSTEM_PROMPT = _default_spec().composed_prompt("{name}")


@dataclass(frozen=True, slots=True)
class Persona:
    """A bot's character and its behaviour settings, resolved against the defaults."""

    bot_id: uuid.UUID
    name: str
    system_prompt: str
    language: str
    timezone: str
    active_hours: ActiveHours
    typing_speed_cps: float
    min_thinking: float
    max_thinking: float
    model: str
    temperature: float
    enabled: bool = True
    card: dict[str, Any] | None = None  # the Character Card V2 the row was imported from
    greetings: tuple[str, ...] = ()  # first messages, when the bot writes first
    icebreaker: bool = False  # may write first in a fresh match
    absence_probability: float = 0.0  # chance of a long "busy" pause before a reply
    emoji: str = DEFAULT_EMOJI  # "none" | "rare" | "often"
    tags: tuple[str, ...] = ()
    habits: frozenset[str] = frozenset()  # "lowercase", "slang", "typos" (conversation/style)
    followup_after: float = 0.0  # hours of silence before writing again; 0 = never
    followup_max: int = 1  # follow-ups per silence
    meetings: bool = False  # may arrange a real-world meeting with a place and a time
    # Her canon, her week and what she told this person, when the conversation runs with them
    # (SELF_CONSISTENCY; attached by the engine before a reply, persona/life.py).
    life: Life | None = None
    variant: str | None = None  # the variant the conversation runs (persona/variants.py)

    @classmethod
    def default(cls, settings: Settings, bot_id: uuid.UUID, name: str | None = None) -> Persona:
        """The configured persona, named after the bot's profile when it has one."""
        persona_name = name or DEFAULT_PERSONA_NAME
        spec = _default_spec()
        system_prompt, card, greetings = _default_texts(persona_name)
        return cls(
            bot_id=bot_id,
            name=persona_name,
            system_prompt=system_prompt,
            language=spec.language,
            timezone=settings.bot_timezone,
            active_hours=settings.active_hours,
            typing_speed_cps=settings.typing_speed_cps,
            min_thinking=settings.min_thinking_delay,
            max_thinking=settings.max_thinking_delay,
            model=settings.llm_model,
            temperature=settings.llm_temperature,
            absence_probability=settings.absence_probability,
            card=card,
            greetings=greetings,
            emoji=spec.emoji or DEFAULT_EMOJI,
            tags=tuple(spec.tags),
            habits=frozenset(spec.habits),
            followup_after=_first(spec.followup_after, settings.followup_after),
            followup_max=int(_first(spec.followup_max, settings.followup_max)),
            meetings=spec.allow_meetings,
        )

    def with_row(self, row: PersonaRow) -> Persona:
        """This persona overridden by the non-null columns of a `bot.personas` row, then by
        the conversation's variant the row carries, if any."""
        return variants.applied(self._with_row(row), row.variant)

    def _with_row(self, row: PersonaRow) -> Persona:
        return replace(
            self,
            name=row.name,
            system_prompt=row.system_prompt,
            language=row.language,
            timezone=row.timezone,
            active_hours=ActiveHours(row.active_hours),
            typing_speed_cps=row.typing_speed_cps or self.typing_speed_cps,
            min_thinking=_first(row.min_thinking, self.min_thinking),
            max_thinking=_first(row.max_thinking, self.max_thinking),
            model=row.model or self.model,
            temperature=_first(row.temperature, self.temperature),
            enabled=row.enabled,
            card=row.card,
            greetings=row.greetings,
            icebreaker=row.icebreaker,
            absence_probability=_first(row.absence_probability, self.absence_probability),
            emoji=row.emoji or self.emoji,
            tags=row.tags,
            habits=_habits(row.card),
            followup_after=_first(_ours(row.card, "followup_after"), self.followup_after),
            followup_max=int(_first(_ours(row.card, "followup_max"), self.followup_max)),
            meetings=bool(_extension(row.card).get("allow_meetings")),
        )

    @property
    def post_history_instructions(self) -> str:
        """The card's instructions meant to follow the conversation in the prompt, or ""."""
        data = (self.card or {}).get("data")
        text = data.get("post_history_instructions") if isinstance(data, dict) else None
        return fill_placeholders(text, self.name).strip() if isinstance(text, str) else ""


@functools.lru_cache(maxsize=256)
def _default_texts(name: str) -> tuple[str, dict[str, Any], tuple[str, ...]]:
    """The default persona's prompt, card and greetings for a bot named `name`: built once per
    name, not on every step (a persona's card is only read)."""
    spec = _default_spec()
    return spec.composed_prompt(name), spec.as_card(), tuple(spec.all_greetings(name))


def _first(value: float | None, default: float) -> float:
    return default if value is None else float(value)


def _extension(card: dict[str, Any] | None) -> dict[str, Any]:
    # Settings kept in the card's own extension (no column): the card is stored with the row.
    data = (card or {}).get("data")
    extensions = data.get("extensions") if isinstance(data, dict) else None
    ours = extensions.get(CARD_EXTENSION) if isinstance(extensions, dict) else None
    return ours if isinstance(ours, dict) else {}


def _habits(card: dict[str, Any] | None) -> frozenset[str]:
    habits = _extension(card).get("habits")
    return frozenset(h for h in habits or () if isinstance(h, str))


def _ours(card: dict[str, Any] | None, key: str) -> float | None:
    value = _extension(card).get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


async def load_persona(
    conn: Conn,
    settings: Settings,
    bot_id: uuid.UUID,
    profile_name: str | None,
    match_id: uuid.UUID | None = None,
) -> Persona:
    """The persona of a bot: its row in `bot.personas`, else the configured default; with
    `match_id`, as that conversation runs her (its variant, if any). A step and a generation
    read both at once instead (db/steps.py, `generation_context`)."""
    row = await personas.get(conn, bot_id=bot_id)
    if row is not None and match_id is not None:
        variant = await variants_db.of_conversation(conn, match_id=match_id)
        if variant is not None:
            row = replace(row, variant=variant)
    return persona_of(settings, bot_id, profile_name, row)


def persona_of(
    settings: Settings, bot_id: uuid.UUID, profile_name: str | None, row: PersonaRow | None
) -> Persona:
    """The persona of a bot whose `bot.personas` row (None: none) was read already."""
    base = Persona.default(settings, bot_id, profile_name)
    return base if row is None else base.with_row(row)


# --- administration (`randomatch-bot persona ...`) ---------------------------------------


async def list_personas(conn: Conn) -> list[PersonaListing]:
    """Every bot profile with its persona row, if any, and rows whose profile is gone."""
    return await personas.listing(conn)


async def resolve_persona(conn: Conn, ref: str) -> uuid.UUID:
    """A persona's bot id from a UUID or a persona name; PersonaError when none or ambiguous."""
    try:
        return uuid.UUID(ref)
    except ValueError:
        pass
    bot_ids = await personas.bot_ids_named(conn, name=ref)
    if not bot_ids:
        raise PersonaError(f"no persona named {ref!r}; see `randomatch-bot persona list`")
    if len(bot_ids) > 1:
        ids = ", ".join(str(bot_id) for bot_id in bot_ids)
        raise PersonaError(f"several personas are named {ref!r} ({ids}); give the bot id")
    return bot_ids[0]


async def set_persona_enabled(conn: Conn, bot_id: uuid.UUID, enabled: bool) -> str:
    """Enable or disable a persona row; returns its name. PersonaError when there is no row."""
    name = await personas.set_enabled(conn, bot_id=bot_id, enabled=enabled)
    if name is None:
        raise PersonaError(
            f"bot {bot_id} has no persona row (it uses the default persona); "
            "add one with `randomatch-bot persona add FILE --bot-id ...`"
        )
    if enabled:
        # Its conversations were parked for an hour at a time: the next catch-up wakes them.
        await personas.release_holds(conn, bot_id=bot_id)
    return name
