"""The database contract with the app: the four app tables, checked before anything is changed.

The app owns `profiles`, `matches`, `messages` and `typing_indicators`. On a database with none
of them (the demo, the tests) `migrate` creates all four. Where any exists, the app is already
there: every table must hold the columns the service reads and writes, with compatible types,
and the keys its upserts rely on; otherwise `migrate` stops before changing anything, with one
line per problem, because triggers installed on a table that does not fit would break the
app's own writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from randomatch_bot.db import session
from randomatch_bot.db.sql import SQL
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import MigrationError

APP_TABLES = ("profiles", "matches", "messages", "typing_indicators")
APP_ROLES = ("anon", "authenticated")  # Supabase's roles for the anon key and signed-in users

_UUID = ("uuid",)
_TEXT = ("text", "character varying")
_BOOL = ("boolean",)
_TIMESTAMPTZ = ("timestamp with time zone",)

# table -> column -> accepted types (a prefix match, so varchar(n) is text enough).
REQUIRED_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "profiles": {"id": _UUID, "display_name": _TEXT, "is_bot": _BOOL},
    "matches": {"id": _UUID, "user_a": _UUID, "user_b": _UUID, "status": _TEXT},
    "messages": {
        "id": _UUID,
        "match_id": _UUID,
        "sender_id": _UUID,
        "content": _TEXT,
        "created_at": _TIMESTAMPTZ,
        "read_at": _TIMESTAMPTZ,
    },
    "typing_indicators": {
        "match_id": _UUID,
        "user_id": _UUID,
        "is_typing": _BOOL,
        "updated_at": _TIMESTAMPTZ,
    },
}

# The service upserts on these (ON CONFLICT ...): a unique key on exactly these columns.
REQUIRED_UNIQUE_KEYS: dict[str, frozenset[str]] = {
    "profiles": frozenset({"id"}),
    "matches": frozenset({"id"}),
    "messages": frozenset({"id"}),
    "typing_indicators": frozenset({"match_id", "user_id"}),
}


class ContractError(MigrationError):
    """The app's tables do not fit the contract; nothing was installed."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(
            "the app's tables do not match what the service needs; nothing was installed:\n" + lines
        )


@dataclass(slots=True)
class ContractCheck:
    """What `check_contract` found."""

    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def fresh(self) -> bool:
        """None of the app tables exists: a new database the service may set up entirely."""
        return not self.present


def _type_fits(actual: str, accepted: tuple[str, ...]) -> bool:
    return any(actual == name or actual.startswith(name + "(") for name in accepted)


async def check_contract(conn: Conn) -> ContractCheck:
    """Read the app tables' shape and list every mismatch (a missing table is not one here)."""
    tables = list(APP_TABLES)
    rows = await session.fetch(conn, SQL.app_table_columns, tables=tables)
    columns: dict[str, dict[str, str]] = {}
    for row in rows:
        columns.setdefault(row["table_name"], {})[row["column_name"]] = row["data_type"]
    check = ContractCheck(
        present=[t for t in APP_TABLES if t in columns],
        missing=[t for t in APP_TABLES if t not in columns],
    )
    if check.fresh:
        return check
    for table in check.present:
        found = columns[table]
        for column, accepted in REQUIRED_COLUMNS[table].items():
            if column not in found:
                check.problems.append(f"public.{table}.{column}: missing (expected {accepted[0]})")
            elif not _type_fits(found[column], accepted):
                check.problems.append(
                    f"public.{table}.{column}: is {found[column]}, expected {accepted[0]}"
                )
    keys: dict[str, list[frozenset[str]]] = {}
    for row in await session.fetch(conn, SQL.app_table_unique_keys, tables=tables):
        keys.setdefault(row["table_name"], []).append(frozenset(row["columns"]))
    for table in check.present:
        wanted = REQUIRED_UNIQUE_KEYS[table]
        if wanted <= set(columns[table]) and wanted not in keys.get(table, []):
            check.problems.append(
                f"public.{table}: no primary key or unique index on ({', '.join(sorted(wanted))})"
            )
    for row in await session.fetch(conn, SQL.app_table_access, tables=tables):
        table = row["table_name"]
        if not row["can_select"]:
            check.problems.append(
                f"public.{table}: the migrating role cannot read it; "
                "migrate as the tables' owner (postgres on Supabase)"
            )
        elif row["rls_hides_rows"]:
            check.problems.append(
                f"public.{table}: row-level security hides rows from the migrating role; "
                "migrate as the tables' owner or a role with BYPASSRLS (postgres on Supabase)"
            )
    return check


async def close_new_app_tables(conn: Conn, tables: Sequence[str]) -> None:
    """Row-level security on, and no privilege for app users, on tables the service created.

    On Supabase, default privileges grant every new `public` table to `anon` and
    `authenticated`; the service's own roles bypass RLS or are granted explicitly.
    """
    roles = [
        r["rolname"] for r in await session.fetch(conn, SQL.existing_roles, roles=list(APP_ROLES))
    ]
    grantees = ", ".join(["PUBLIC", *(f'"{role}"' for role in roles)])
    for table in tables:
        if table not in APP_TABLES:  # names are spliced into DDL: only ours
            raise ValueError(f"not an app table: {table}")
        await conn.execute(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")
        await conn.execute(f"REVOKE ALL ON public.{table} FROM {grantees}")
