"""The demo conversation of `run` and `chat`: Camille (a bot) matched with a hiker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn

DEMO_BOT_ID = uuid.UUID("0c0ffee0-ca11-4e11-8000-000000000001")
DEMO_HUMAN_ID = uuid.UUID("0c0ffee0-ca11-4e11-8000-000000000002")


def demo_match_id(bot_id: uuid.UUID) -> uuid.UUID:
    """The demo match of a bot: stable across runs, different for each configured bot."""
    return uuid.uuid5(DEMO_HUMAN_ID, f"demo-match:{bot_id}")


@dataclass(frozen=True, slots=True)
class Demo:
    bot_id: uuid.UUID
    human_id: uuid.UUID
    match_id: uuid.UUID
    bot_name: str
    human_name: str


async def seed_demo(
    conn: Conn,
    *,
    bot_id: uuid.UUID | None = None,
    bot_name: str = "Camille",
    human_name: str = "Alex",
) -> Demo:
    """Create (or keep) the demo bot (BOT_ID's profile, or Camille's), the hiker, their match."""
    bot_id = bot_id or DEMO_BOT_ID
    match_id = demo_match_id(bot_id)
    async with session.in_transaction(conn):
        await session.execute(
            conn, SQL.upsert_profile, id=bot_id, display_name=bot_name, is_bot=True
        )
        await session.execute(
            conn, SQL.upsert_profile, id=DEMO_HUMAN_ID, display_name=human_name, is_bot=False
        )
        await session.execute(
            conn, SQL.ensure_match, match_id=match_id, user_a=DEMO_HUMAN_ID, user_b=bot_id
        )
    return Demo(bot_id, DEMO_HUMAN_ID, match_id, bot_name, human_name)
