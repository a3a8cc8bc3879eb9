"""Persona files: the YAML format of the project and Character Card V2 JSON, parsed into one
validated `PersonaSpec`, and `import_persona` which writes it to `bot.personas`.

Every problem with a file becomes a `PersonaError` of one line that names the file and what is
wrong with it; parsing happens entirely before the database is touched, so a bad file writes
nothing.

YAML keys are the fields of `PersonaSpec` (see `camille.yaml` in the package). A Character
Card V2 (`{"spec": "chara_card_v2", "data": {...}}`) maps its character fields directly; the
service's own settings (bot id, timezone, active hours, ...) go in `data.extensions.randomatch`
with the same keys as the YAML format.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from randomatch_bot.config import ActiveHours
from randomatch_bot.db import personas, session
from randomatch_bot.db.personas import PersonaValues
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import MigrationError, PersonaError, SchemaMismatch

CARD_SPEC = "chara_card_v2"
CARD_EXTENSION = "randomatch"  # our key inside a card's `data.extensions`
HUMAN_PLACEHOLDER = "la personne"  # what {{user}} becomes: the bot never knows the name upfront
MAX_FILE_BYTES = 1_000_000  # a character card is a few kB; anything near this is not one
MAX_PROMPT_CHARS = 20_000  # keeps the persona's share of every prompt bounded

EmojiPolicy = Literal["none", "rare", "often"]
Habit = Literal["lowercase", "slang", "typos"]  # optional typing habits, see conversation/style

# {{char}}, {{user}} and {{original}} in any case and spacing; <BOT>/<USER> from older cards.
_PLACEHOLDER = re.compile(r"\{\{\s*(char|user|original)\s*\}\}|<(BOT|USER)>", re.IGNORECASE)
_START = re.compile(r"^\s*<START>\s*$", re.IGNORECASE | re.MULTILINE)


def fill_placeholders(text: str, name: str, *, user: str = HUMAN_PLACEHOLDER) -> str:
    """Text with {{char}} as the persona's name, {{user}} as `user`, {{original}} gone."""

    def replace(match: re.Match[str]) -> str:
        key = (match[1] or match[2]).lower()
        if key in ("char", "bot"):
            return name
        if key == "user":
            return user
        return ""

    filled = _PLACEHOLDER.sub(replace, text)
    if user:
        return filled
    # "Salut {{user}} !" addressed to someone whose name we do not know: "Salut !".
    return re.sub(r"[ \t]+([,.])|([ \t])[ \t]+", r"\1\2", filled)


class PersonaSpec(BaseModel):
    """A persona as written in a file, validated; `None` settings fall back to configuration."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    bot_id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=80)
    # character
    system_prompt: str = ""
    description: str = ""
    personality: str = ""
    scenario: str = ""
    mes_example: str = ""
    first_mes: str = ""
    greetings: list[str] = Field(default_factory=list)
    post_history_instructions: str = ""
    tags: list[str] = Field(default_factory=list)
    creator_notes: str = ""
    # behaviour
    language: str = Field(default="fr", min_length=2, max_length=16)
    timezone: str = "Europe/Paris"
    active_hours: str = "08:00-23:30"
    typing_speed_cps: float | None = Field(default=None, gt=0, le=50)
    min_thinking: float | None = Field(default=None, ge=0)
    max_thinking: float | None = Field(default=None, ge=0)
    model: str | None = Field(default=None, min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    enabled: bool | None = None  # None: keep what the operator set with enable/disable
    icebreaker: bool = False  # whether the bot may write first in a fresh match
    absence_probability: float | None = Field(default=None, ge=0, le=1)
    emoji: EmojiPolicy | None = None
    habits: list[Habit] = Field(default_factory=list)
    followup_after: float | None = Field(default=None, ge=0)  # hours; 0 = never
    followup_max: int | None = Field(default=None, ge=0, le=10)
    allow_meetings: bool = False  # may arrange a real-world meeting with a place and a time
    # The stable facts of her life (age, ville, metier, famille, ...), the start of her canon
    # (conversation/persona/life.py); what the character text says plainly is read too.
    canon: dict[str, str | int | float | list[str]] = Field(default_factory=dict)

    @field_validator("bot_id", mode="before")
    @classmethod
    def _check_bot_id(cls, value: Any) -> Any:
        if value is None or isinstance(value, uuid.UUID):
            return value
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise ValueError(f"{str(value)!r} is not a UUID") from None

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r} (expected an IANA name such as Europe/Paris)"
            ) from None
        return value

    @field_validator("active_hours", mode="before")
    @classmethod
    def _check_active_hours(cls, value: Any) -> str:
        # YAML reads an unquoted 08:00-23:30 as a string, but 0800 as a number: say so plainly.
        try:
            return ActiveHours(str(value)).text
        except ValueError as exc:
            raise ValueError(f"bad active hours: {exc}") from None

    @model_validator(mode="after")
    def _check_character(self) -> PersonaSpec:
        if not (self.system_prompt or self.description or self.personality):
            raise ValueError("no character: set system_prompt (or description / personality)")
        if (
            self.min_thinking is not None
            and self.max_thinking is not None
            and self.max_thinking < self.min_thinking
        ):
            raise ValueError("max_thinking must be at least min_thinking")
        if len(self.composed_prompt()) > MAX_PROMPT_CHARS:
            raise ValueError(f"the character is longer than {MAX_PROMPT_CHARS} characters")
        return self

    # --- derived -------------------------------------------------------------------------

    def composed_prompt(self, name: str | None = None) -> str:
        """The system prompt: system_prompt, description, personality, scenario, examples."""
        who = name or self.name
        parts = [self.system_prompt, self.description]
        if self.personality:
            parts.append(f"Ta personnalité : {self.personality}")
        if self.scenario:
            parts.append(f"Contexte : {self.scenario}")
        examples = _example_dialogue(self.mes_example, who)
        if examples:
            parts.append(
                "Exemples de dialogue (pour le ton seulement, ne les recopie pas) :\n" + examples
            )
        text = "\n\n".join(fill_placeholders(p, who).strip() for p in parts if p.strip())
        return re.sub(r"\n{3,}", "\n\n", text)

    def all_greetings(self, name: str | None = None) -> list[str]:
        """The first message and the alternative greetings, placeholders filled."""
        who = name or self.name
        texts = [self.first_mes, *self.greetings]
        # A greeting is addressed to the human directly: "Salut {{user}} !" becomes "Salut !".
        return [fill_placeholders(t, who, user="").strip() for t in texts if t.strip()]

    def as_card(self) -> dict[str, Any]:
        """This persona as a Character Card V2, the form stored in `bot.personas.card`."""
        settings = self.model_dump(
            mode="json",
            exclude_none=True,
            include={
                "bot_id",
                "language",
                "timezone",
                "active_hours",
                "typing_speed_cps",
                "min_thinking",
                "max_thinking",
                "model",
                "temperature",
                "enabled",
                "icebreaker",
                "absence_probability",
                "emoji",
                "habits",
                "followup_after",
                "followup_max",
                "allow_meetings",
                "canon",
            },
        )
        if not settings.get("canon"):
            settings.pop("canon", None)  # a card without one reads as before
        return {
            "spec": CARD_SPEC,
            "spec_version": "2.0",
            "data": {
                "name": self.name,
                "description": self.description,
                "personality": self.personality,
                "scenario": self.scenario,
                "first_mes": self.first_mes,
                "mes_example": self.mes_example,
                "creator_notes": self.creator_notes,
                "system_prompt": self.system_prompt,
                "post_history_instructions": self.post_history_instructions,
                "alternate_greetings": list(self.greetings),
                "tags": list(self.tags),
                "creator": "",
                "character_version": "",
                "extensions": {CARD_EXTENSION: settings},
            },
        }


def _example_dialogue(mes_example: str, name: str) -> str:
    text = _START.sub("", fill_placeholders(mes_example, name))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join(line[:1].upper() + line[1:] for line in lines)


# --- reading files -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadedPersona:
    """A parsed persona file: the spec, the card to store, and where it came from."""

    spec: PersonaSpec
    card: dict[str, Any]
    source: str  # file name, for messages and `persona show`
    kind: Literal["yaml", "card"]


def load_persona_file(path: Path) -> LoadedPersona:
    """Read and validate a YAML persona or a Character Card V2 JSON; PersonaError if bad."""
    label = str(path)
    try:
        size = path.stat().st_size
        text = "" if size > MAX_FILE_BYTES else path.read_text("utf-8")
    except UnicodeDecodeError:
        raise PersonaError(f"{label}: cannot read file: not UTF-8 text") from None
    except OSError as exc:
        raise PersonaError(f"{label}: cannot read file: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise PersonaError(f"{label}: file is larger than {MAX_FILE_BYTES} bytes")
    is_json = path.suffix.lower() == ".json"
    return parse_persona_text(text, label, expect_card=is_json)


def parse_persona_text(text: str, label: str, *, expect_card: bool = False) -> LoadedPersona:
    """Parse file contents (YAML, or JSON which is YAML too); a dict with `spec` is a card."""
    try:
        data = json.loads(text) if expect_card else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        what = "JSON" if expect_card else "YAML"
        raise PersonaError(f"{label}: not valid {what}: {_one_line(str(exc))}") from None
    if not isinstance(data, dict):
        raise PersonaError(f"{label}: expected a mapping of persona fields at the top level")
    if expect_card or "spec" in data or "data" in data:
        return _from_card(data, label)
    spec = _validate(data, label)
    return LoadedPersona(spec, spec.as_card(), label, "yaml")


def _from_card(card: dict[str, Any], label: str) -> LoadedPersona:
    spec_name = card.get("spec")
    if spec_name != CARD_SPEC:
        found = "no spec key" if spec_name is None else f"spec {spec_name!r}"
        raise PersonaError(
            f"{label}: wrong card spec ({found}): expected a Character Card V2 "
            f'with "spec": "{CARD_SPEC}"'
        )
    version = str(card.get("spec_version", ""))
    if not version.startswith("2"):
        raise PersonaError(f"{label}: unsupported spec_version {version!r}: expected 2.0")
    data = card.get("data")
    if not isinstance(data, dict):
        raise PersonaError(f"{label}: the card has no `data` object")
    extensions = data.get("extensions") or {}
    ours = extensions.get(CARD_EXTENSION) if isinstance(extensions, dict) else None
    if ours is not None and not isinstance(ours, dict):
        raise PersonaError(f"{label}: data.extensions.{CARD_EXTENSION} must be an object")
    fields: dict[str, Any] = {
        key: data[key]
        for key in (
            "name",
            "system_prompt",
            "description",
            "personality",
            "scenario",
            "mes_example",
            "first_mes",
            "post_history_instructions",
            "tags",
            "creator_notes",
        )
        if data.get(key) is not None
    }
    if data.get("alternate_greetings") is not None:
        fields["greetings"] = data["alternate_greetings"]
    fields.update(ours or {})
    return LoadedPersona(_validate(fields, label), card, label, "card")


def _validate(data: dict[str, Any], label: str) -> PersonaSpec:
    try:
        return PersonaSpec.model_validate(data)
    except ValidationError as exc:
        raise PersonaError(f"{label}: {describe(exc)}") from None


def describe(error: ValidationError) -> str:
    """One line for all of a spec's problems: `field: problem; field: problem`."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()))
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        if item.get("type") == "missing":
            message = "missing (required)"
        elif item.get("type") == "extra_forbidden":
            message = "unknown key"
        problems.append(f"{where}: {message}" if where else message)
    return _one_line("; ".join(problems))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def bundled_persona(name: str) -> LoadedPersona:
    """One of the example personas shipped in the package (`personas/<name>.yaml`)."""
    entry = resources.files("randomatch_bot") / "personas" / f"{name}.yaml"
    return parse_persona_text(entry.read_text("utf-8"), f"personas/{name}.yaml")


# --- importing into the database ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportResult:
    bot_id: uuid.UUID
    name: str
    outcome: Literal["created", "updated", "unchanged"]
    profile_created: bool


def resolve_bot_id(loaded: LoadedPersona, option: str | None) -> uuid.UUID:
    """The bot id from `--bot-id`, else from the file; PersonaError when neither gives one."""
    if option:
        try:
            return uuid.UUID(option)
        except ValueError:
            raise PersonaError(f"--bot-id: {option!r} is not a UUID") from None
    if loaded.spec.bot_id is not None:
        return loaded.spec.bot_id
    where = f"data.extensions.{CARD_EXTENSION}.bot_id" if loaded.kind == "card" else "key bot_id"
    raise PersonaError(f"{loaded.source}: no bot id: pass --bot-id UUID or set {where}")


def persona_row(loaded: LoadedPersona, bot_id: uuid.UUID) -> PersonaValues:
    """What importing this file for this bot writes to `bot.personas`, with its digest."""
    spec = loaded.spec
    values = PersonaValues(
        bot_id=bot_id,
        name=spec.name,
        system_prompt=spec.composed_prompt(),
        card=json.dumps(loaded.card, ensure_ascii=False, sort_keys=True),
        language=spec.language,
        timezone=spec.timezone,
        active_hours=spec.active_hours,
        typing_speed_cps=spec.typing_speed_cps,
        min_thinking=spec.min_thinking,
        max_thinking=spec.max_thinking,
        model=spec.model,
        temperature=spec.temperature,
        enabled=spec.enabled,
        icebreaker=spec.icebreaker,
        greetings=spec.all_greetings(),
        absence_probability=spec.absence_probability,
        emoji=spec.emoji,
        tags=list(spec.tags),
        source=loaded.source,
        source_digest="",
    )
    return replace(values, source_digest=_digest(values))


def _digest(values: PersonaValues) -> str:
    # What the file says, in the order of the fields (the table's columns), without where it was
    # read from: the same content from another path is unchanged. This is the digest the rows
    # already stored were written with, so re-adding an unchanged file stays a no-op.
    ordered = tuple(
        getattr(values, f.name) for f in fields(values) if f.name not in ("source", "source_digest")
    )
    return hashlib.sha256(repr(ordered).encode()).hexdigest()


async def import_persona(conn: Conn, loaded: LoadedPersona, bot_id: uuid.UUID) -> ImportResult:
    """Create the bot's profile if missing and upsert its persona, in one transaction."""
    values = persona_row(loaded, bot_id)
    try:
        async with session.in_transaction(conn):
            profile = await personas.profile(conn, bot_id=bot_id)
            if profile is not None and not profile.is_bot:
                raise PersonaError(
                    f"{loaded.source}: profile {bot_id} is a human's profile "
                    f"({profile.display_name!r}), not a bot's; nothing was written"
                )
            if profile is None:
                await personas.create_profile(conn, bot_id=bot_id, name=loaded.spec.name)
            outcome = await personas.upsert(conn, values=values)
    except SchemaMismatch as exc:
        raise MigrationError(
            f"the database schema is out of date ({exc}); run `randomatch-bot migrate` first"
        ) from exc
    return ImportResult(bot_id, loaded.spec.name, outcome, profile is None)
