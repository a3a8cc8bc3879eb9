"""What the worker's sweeper repairs: typing indicators that a crash left on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.rows import FromRow
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class ClearedIndicator(FromRow):
    """A bot's typing indicator switched off by the sweeper."""

    match_id: uuid.UUID
    user_id: uuid.UUID


async def clear_stale_typing(conn: Conn, *, stale_after: float) -> list[ClearedIndicator]:
    """Switch off the bots' typing indicators on for more than `stale_after` seconds with no
    reply typing in their match; returns those cleared."""
    rows = await session.fetch(conn, SQL.stale_typing_indicators, stale_after=stale_after)
    return [ClearedIndicator.from_row(row) for row in rows]
