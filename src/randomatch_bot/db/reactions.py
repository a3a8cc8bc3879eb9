"""The persona's emoji reactions in the app's optional `public.message_reactions` table."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


async def recent_emoji(conn: Conn, *, match_id: uuid.UUID, bot_id: uuid.UUID) -> list[str]:
    """The emoji of the bot's last reactions in the match, newest first."""
    rows = await session.fetch(conn, SQL.bot_recent_reactions, match_id=match_id, bot_id=bot_id)
    return [row["emoji"] for row in rows]


async def add(conn: Conn, *, message_id: uuid.UUID, bot_id: uuid.UUID, emoji: str) -> None:
    """The bot's reaction to a message; nothing when the bot already reacted to it."""
    await session.execute(
        conn, SQL.insert_reaction, message_id=message_id, bot_id=bot_id, emoji=emoji
    )
