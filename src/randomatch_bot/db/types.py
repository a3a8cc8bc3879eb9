"""Type aliases for asyncpg objects used across the service."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import asyncpg
    from asyncpg.pool import PoolConnectionProxy

    # A connection from `asyncpg.connect` or one borrowed from a pool: both run queries alike.
    Conn: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
else:  # at run time the alias is only read by annotations, which are strings here
    Conn = object
