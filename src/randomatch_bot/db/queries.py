"""Legacy access to the named queries as plain text, for callers not yet moved into `db/`.

New code calls a function of a `db/` module, which runs `db.sql.SQL.<name>` through
`db.session`. This module goes away once no caller is left (tests/unit/test_sql.py counts them).
"""

from __future__ import annotations

from randomatch_bot.db.sql import SQL, Query


class _Text:
    """`Q.name` is the query's text as asyncpg runs it, parameters as `$1, $2, ...`."""

    def __getattr__(self, name: str) -> str:
        query: Query = getattr(SQL, name)
        return query.text


Q = _Text()
