"""Helpers for test databases and the app's rows."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def with_database(dsn: str, database: str) -> str:
    """The same server DSN pointing at another database."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@dataclass(frozen=True, slots=True)
class Couple:
    bot_id: uuid.UUID
    human_id: uuid.UUID
    match_id: uuid.UUID


async def make_profile(conn: asyncpg.Connection, name: str, *, bot: bool) -> uuid.UUID:
    profile_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO public.profiles (id, display_name, is_bot) VALUES ($1, $2, $3)",
        profile_id,
        name,
        bot,
    )
    return profile_id


async def make_couple(
    conn: asyncpg.Connection, *, bot_name: str = "Camille", human_name: str = "Alex"
) -> Couple:
    """A bot, a human and an active match between them."""
    bot_id = await make_profile(conn, bot_name, bot=True)
    human_id = await make_profile(conn, human_name, bot=False)
    match_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
        match_id,
        human_id,
        bot_id,
    )
    return Couple(bot_id, human_id, match_id)


async def say(
    conn: asyncpg.Connection, couple: Couple, text: str, *, at: dt.datetime | None = None
) -> uuid.UUID:
    """The human writes `text` in the match, as the app would (at `at`, default now())."""
    message_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO public.messages (match_id, sender_id, content, created_at) "
        "VALUES ($1, $2, $3, coalesce($4, now())) RETURNING id",
        couple.match_id,
        couple.human_id,
        text,
        at,
    )
    return message_id
