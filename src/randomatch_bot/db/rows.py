"""Rows as frozen dataclasses: `from_row` for a dataclass whose fields are named like the
columns of the query that fills it."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    import asyncpg


class FromRow:
    """Mixin of a `@dataclass(frozen=True, slots=True)`: `from_row` reads each field from the
    column of the same name (a column missing from the query is a KeyError, at once)."""

    __slots__ = ()

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Self:
        """The dataclass of one row."""
        values: dict[str, Any] = {f.name: row[f.name] for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**values)
