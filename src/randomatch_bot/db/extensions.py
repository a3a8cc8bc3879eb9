"""The optional extensions of the app's contract this database has (`bot.contract_extensions`):
a reactions table, a photo column on messages, an attachments table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class Extensions:
    """What the app's database offers beyond the contract's four tables."""

    reactions: bool = False  # public.message_reactions, usable by the service's role
    message_image_column: str | None = None  # the column of public.messages holding a photo
    attachments: bool = False  # public.message_attachments, usable by the service's role

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Extensions:
        return cls(
            reactions=bool(row["reactions"]),
            message_image_column=row["message_image_column"] or None,
            attachments=bool(row["attachments"]),
        )


async def find(conn: Conn) -> Extensions:
    """The extensions found in the database (none where the view returns no row)."""
    row = await session.fetchrow(conn, SQL.contract_extensions)
    return Extensions.from_row(row) if row else Extensions()
