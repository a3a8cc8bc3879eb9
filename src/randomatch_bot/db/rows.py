"""Rows as frozen dataclasses: `from_row` for a dataclass whose fields are named like the
columns of the query that fills it."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    import asyncpg


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    # Read once per class: `fields()` walks the dataclass's metadata on every call.
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


class FromRow:
    """Mixin of a `@dataclass(frozen=True, slots=True)`: `from_row` reads each field from the
    column of the same name (a column missing from the query is a KeyError, at once). A row
    that needs a conversion writes its own `from_row`."""

    __slots__ = ()

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Self:
        """The dataclass of one row."""
        values: dict[str, Any] = {name: row[name] for name in _field_names(cls)}
        return cls(**values)
