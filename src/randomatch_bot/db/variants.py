"""A persona's variants as stored (`bot.persona_variants`), the variant each conversation runs
(`bot.conversation_variants`), and the writes of `randomatch-bot persona variant ...`.

A conversation is given its variant by `bot.variant_pick` in the step's read (step.sql), so
that the persona a step and a generation read already carries the variant's settings."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Self

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class VariantSettings:
    """What a variant overrides of its persona; None keeps the persona's setting."""

    prompt: str | None = None
    prompt_mode: str = "replace"  # 'replace' the persona's prompt, or 'append' to it
    model: str | None = None
    temperature: float | None = None
    typing_speed_cps: float | None = None
    min_thinking: float | None = None
    max_thinking: float | None = None
    habits: tuple[str, ...] | None = None  # () none

    @classmethod
    def from_prefixed(cls, row: asyncpg.Record | Mapping[str, Any], prefix: str) -> Self:
        habits = row[prefix + "habits"]
        return cls(
            prompt=row[prefix + "prompt"],
            prompt_mode=row[prefix + "prompt_mode"] or "replace",
            model=row[prefix + "model"],
            temperature=row[prefix + "temperature"],
            typing_speed_cps=row[prefix + "typing_speed_cps"],
            min_thinking=row[prefix + "min_thinking"],
            max_thinking=row[prefix + "max_thinking"],
            habits=tuple(habits) if habits is not None else None,
        )


@dataclass(frozen=True, slots=True)
class ConversationVariant:
    """The variant a conversation runs, as the step's and the generation's reads give it."""

    id: int
    name: str
    settings: VariantSettings

    @classmethod
    def from_prefixed(
        cls, row: asyncpg.Record | Mapping[str, Any], prefix: str = "variant_"
    ) -> ConversationVariant | None:
        """The variant of a row's `variant_*` columns, or None when its id is NULL."""
        if row[prefix + "id"] is None:
            return None
        return cls(
            id=int(row[prefix + "id"]),
            name=str(row[prefix + "name"]),
            settings=VariantSettings.from_prefixed(row, prefix),
        )


@dataclass(frozen=True, slots=True)
class Variant:
    """A variant of a persona, with the conversations that run it."""

    id: int
    bot_id: uuid.UUID
    name: str
    weight: int
    settings: VariantSettings
    created_at: dt.datetime
    stopped_at: dt.datetime | None
    conversations: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Variant:
        return cls(
            id=int(row["id"]),
            bot_id=row["bot_id"],
            name=row["name"],
            weight=int(row["weight"]),
            settings=VariantSettings.from_prefixed(row, ""),
            created_at=row["created_at"],
            stopped_at=row["stopped_at"],
            conversations=int(row["conversations"]),
        )

    @property
    def active(self) -> bool:
        return self.stopped_at is None


@dataclass(frozen=True, slots=True)
class Stopped:
    """A variant stopped: whether it was stopped before, and how many conversations moved."""

    id: int
    already: bool
    moved: int


async def add(
    conn: Conn, *, bot_id: uuid.UUID, name: str, weight: int, settings: VariantSettings
) -> int | None:
    """A new variant's id; None when the persona has a variant of that name already."""
    values = {f.name: getattr(settings, f.name) for f in fields(settings)}
    habits: Sequence[str] | None = values.pop("habits")
    new_id: int | None = await session.fetchval(
        conn,
        SQL.variant_add,
        bot_id=bot_id,
        name=name,
        weight=weight,
        habits=list(habits) if habits is not None else None,
        **values,
    )
    return new_id


async def listing(conn: Conn, *, bot_id: uuid.UUID | None = None) -> list[Variant]:
    """The variants of a persona (of every persona when `bot_id` is None), oldest first."""
    return [Variant.from_row(r) for r in await session.fetch(conn, SQL.variant_list, bot_id=bot_id)]


async def of_conversation(conn: Conn, *, match_id: uuid.UUID) -> ConversationVariant | None:
    """The variant a conversation runs; None when none is recorded (the persona as she is)."""
    row = await session.fetchrow(conn, SQL.variant_of_conversation, match_id=match_id)
    return ConversationVariant.from_prefixed(row) if row is not None else None


async def any_variant(conn: Conn) -> bool:
    """Whether any persona has a variant."""
    found: bool = await session.fetchval(conn, SQL.variant_any)
    return found


async def base_conversations(conn: Conn, *, bot_id: uuid.UUID) -> int:
    """The persona's conversations that run no variant."""
    count: int = await session.fetchval(conn, SQL.variant_base_conversations, bot_id=bot_id)
    return count


async def stop(conn: Conn, *, bot_id: uuid.UUID, name: str, move: bool) -> Stopped | None:
    """Stop a variant (no new conversation gets it); with `move`, its conversations are given
    again among the persona's active variants. None when there is no such variant."""
    async with session.in_transaction(conn):
        row = await session.fetchrow(conn, SQL.variant_stop, bot_id=bot_id, name=name)
        if row is None:
            return None
        moved = 0
        if move:
            moved = await session.fetchval(
                conn, SQL.variant_move, bot_id=bot_id, variant_id=row["id"]
            )
    return Stopped(id=int(row["id"]), already=bool(row["already"]), moved=int(moved))
