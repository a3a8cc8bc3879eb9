"""Personas as stored (`bot.personas`), the bot profiles they belong to, and the writes of
`randomatch-bot persona ...`."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL
from randomatch_bot.db.variants import ConversationVariant

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class PersonaRow:
    """A bot's row in `bot.personas`; None where a column leaves the setting to the default."""

    bot_id: uuid.UUID
    name: str
    system_prompt: str
    card: dict[str, Any] | None  # the Character Card V2 the row came from; None when empty
    language: str
    timezone: str
    active_hours: str
    typing_speed_cps: float | None
    min_thinking: float | None
    max_thinking: float | None
    model: str | None
    temperature: float | None
    enabled: bool
    icebreaker: bool
    greetings: tuple[str, ...]
    absence_probability: float | None
    emoji: str | None
    tags: tuple[str, ...]
    source: str | None
    source_digest: str | None
    # The variant the conversation runs (a step's and a generation's reads; None: none).
    variant: ConversationVariant | None = None

    @classmethod
    def from_row(
        cls,
        row: asyncpg.Record | Mapping[str, Any],
        variant: ConversationVariant | None = None,
    ) -> PersonaRow:
        return cls(
            bot_id=row["bot_id"],
            name=row["name"],
            system_prompt=row["system_prompt"],
            card=_as_card(row["card"]),
            language=row["language"],
            timezone=row["timezone"],
            active_hours=row["active_hours"],
            typing_speed_cps=row["typing_speed_cps"],
            min_thinking=row["min_thinking"],
            max_thinking=row["max_thinking"],
            model=row["model"],
            temperature=row["temperature"],
            enabled=row["enabled"],
            icebreaker=bool(row["icebreaker"]),
            greetings=tuple(row["greetings"] or ()),
            absence_probability=row["absence_probability"],
            emoji=row["emoji"],
            tags=tuple(row["tags"] or ()),
            source=row["source"],
            source_digest=row["source_digest"],
            variant=variant,
        )


def _as_card(value: Any) -> dict[str, Any] | None:
    # asyncpg hands jsonb over as text unless a codec is set on the connection.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return dict(value) if isinstance(value, dict) and value else None


@dataclass(frozen=True, slots=True)
class PersonaValues:
    """What importing a persona file writes to `bot.personas`, field for column. `enabled`
    None keeps what the operator chose; `source_digest` tells an unchanged file."""

    bot_id: uuid.UUID
    name: str
    system_prompt: str
    card: str  # the card as JSON text
    language: str
    timezone: str
    active_hours: str
    typing_speed_cps: float | None
    min_thinking: float | None
    max_thinking: float | None
    model: str | None
    temperature: float | None
    enabled: bool | None
    icebreaker: bool
    greetings: Sequence[str]
    absence_probability: float | None
    emoji: str | None
    tags: Sequence[str]
    source: str
    source_digest: str


@dataclass(frozen=True, slots=True)
class Profile:
    """A profile of the app (`public.profiles`), as persona management reads it."""

    id: uuid.UUID
    display_name: str | None
    is_bot: bool

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Profile:
        return cls(id=row["id"], display_name=row["display_name"], is_bot=bool(row["is_bot"]))


@dataclass(frozen=True, slots=True)
class PersonaListing(FromRow):
    """A bot profile with its persona row, or a persona row whose profile is gone; the persona
    fields are None for a bot that uses the default persona."""

    bot_id: uuid.UUID
    profile_name: str | None
    name: str | None
    enabled: bool | None
    language: str | None
    timezone: str | None
    active_hours: str | None
    model: str | None
    source: str | None
    updated_at: dt.datetime | None


async def get(conn: Conn, *, bot_id: uuid.UUID) -> PersonaRow | None:
    """The persona row of a bot, or None when it uses the default persona."""
    row = await session.fetchrow(conn, SQL.persona, bot_id=bot_id)
    return PersonaRow.from_row(row) if row else None


async def listing(conn: Conn) -> list[PersonaListing]:
    """Every bot profile with its persona row, if any, and rows whose profile is gone."""
    return [PersonaListing.from_row(row) for row in await session.fetch(conn, SQL.persona_list)]


async def bot_ids_named(conn: Conn, *, name: str) -> list[uuid.UUID]:
    """The bots whose persona has this name, whatever its case."""
    rows = await session.fetch(conn, SQL.persona_by_name, name=name)
    return [row["bot_id"] for row in rows]


async def set_enabled(conn: Conn, *, bot_id: uuid.UUID, enabled: bool) -> str | None:
    """Enable or disable a bot's persona row; its name, or None when it has no row."""
    name: str | None = await session.fetchval(
        conn, SQL.persona_set_enabled, bot_id=bot_id, enabled=enabled
    )
    return name


async def release_holds(conn: Conn, *, bot_id: uuid.UUID) -> None:
    """Let the conversations held back because the bot's persona was disabled wake again."""
    await session.execute(conn, SQL.release_persona_holds, bot_id=bot_id)


async def profile(conn: Conn, *, bot_id: uuid.UUID) -> Profile | None:
    """The bot's profile in the app, or None when there is none."""
    row = await session.fetchrow(conn, SQL.persona_profile, bot_id=bot_id)
    return Profile.from_row(row) if row else None


async def create_profile(conn: Conn, *, bot_id: uuid.UUID, name: str) -> None:
    """A bot profile named `name`, unless the profile exists (it keeps the app's name)."""
    await session.execute(conn, SQL.persona_create_profile, bot_id=bot_id, name=name)


async def upsert(conn: Conn, *, values: PersonaValues) -> Outcome:
    """Write a persona row: created, updated, or unchanged when the stored row came from
    content with the same digest."""
    params = {field.name: getattr(values, field.name) for field in fields(values)}
    row = await session.fetchrow(conn, SQL.persona_upsert, **params)
    if row is None:
        return "unchanged"
    return "created" if row["inserted"] else "updated"
