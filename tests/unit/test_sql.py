"""The named queries load, are described, are all used, and only `db/` runs SQL."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import asyncpg
import pytest

from randomatch_bot import errors
from randomatch_bot.db.session import connection, map_error
from randomatch_bot.db.sql import SQL, is_positional, parse

SRC = Path(__file__).resolve().parents[2] / "src" / "randomatch_bot"
DB = SRC / "db"
_RUNS_SQL = {"fetch", "fetchrow", "fetchval", "executemany", "copy_records_to_table"}


def _modules(root: Path) -> dict[str, str]:
    return {str(p.relative_to(SRC)): p.read_text("utf-8") for p in sorted(root.rglob("*.py"))}


def _runs_sql(source: str) -> bool:
    """True where the module calls a driver's query method, or `execute` with arguments (a
    Redis pipeline's `execute()` takes none)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _RUNS_SQL:
                return True
            if node.func.attr == "execute" and node.args:
                return True
    return False


def test_named_parameters_become_positions_of_first_appearance() -> None:
    """`:name` becomes `$n` in order of first use, reused names share a number, and casts,
    quoted strings, comments and dollar-quoted bodies are left alone."""
    query = parse(
        "x",
        "-- Does x.\nSELECT :b::uuid, ':a', c::text, $$ :z $$ -- :y\n"
        " FROM t WHERE d = :b AND e = :a",
    )
    assert query.description == "Does x."
    assert query.params == ("b", "a")
    assert (
        query.text
        == "SELECT $1::uuid, ':a', c::text, $$ :z $$ -- :y\n FROM t WHERE d = $1 AND e = $2"
    )
    assert query.bind({"a": 2, "b": 1}) == (1, 2)


def test_binding_names_the_missing_and_the_unknown_parameters() -> None:
    """A call without a parameter, or with one the query does not take, fails before any I/O."""
    query = parse("x", "-- Does x.\nSELECT :a, :b")
    with pytest.raises(TypeError, match="missing b; unknown c"):
        query.bind({"a": 1, "c": 3})


def test_every_query_is_described_and_selects_named_columns() -> None:
    """Each query says what it does in a comment, names its parameters, and selects named
    columns."""
    for query in SQL.all():
        assert not is_positional(query), f"{query.name} still uses $1, $2, ..."
        assert query.description, f"{query.name} has no description line"
        assert not re.search(r"SELECT\s+(\w+\.)?\*", query.text, re.I), f"{query.name}: SELECT *"


def test_every_query_is_used_and_every_use_exists() -> None:
    """Every query in `db/queries` is run somewhere in `db/`, and every `SQL.x` names one."""
    names = {query.name for query in SQL.all()}
    used: set[str] = set()
    for path, source in _modules(SRC).items():
        if path == "db/sql.py":
            continue
        for match in re.finditer(r"\bSQL\.(\w+)\b", source):
            if match[1] == "all":
                continue
            assert match[1] in names, f"{path} uses unknown query {match[1]!r}"
            assert path.startswith("db/"), f"{path} uses SQL.{match[1]} outside db/"
            used.add(match[1])
    assert names - used == set(), "queries that nothing runs"


def test_only_db_modules_run_sql() -> None:
    """Outside `db/`, no module calls a driver's query method."""
    running = sorted(
        path
        for path, source in _modules(SRC).items()
        if not path.startswith("db/") and _runs_sql(source)
    )
    assert running == [], "modules running SQL outside db/"


@pytest.mark.parametrize(
    ("driver_error", "expected"),
    [
        (ConnectionResetError("reset by peer"), errors.DatabaseUnavailable),
        (asyncpg.ConnectionDoesNotExistError("closed"), errors.DatabaseUnavailable),
        (asyncpg.InterfaceError("pool is closing"), errors.DatabaseUnavailable),
        (asyncpg.TooManyConnectionsError("too many"), errors.DatabaseUnavailable),
        (asyncpg.InternalClientError("cut mid-query"), errors.DatabaseUnavailable),
        (asyncpg.CrashShutdownError("crash"), errors.DatabaseUnavailable),
        (asyncpg.DeadlockDetectedError("deadlock"), errors.DatabaseBusy),
        (asyncpg.UndefinedColumnError("no is_bot"), errors.SchemaMismatch),
        (asyncpg.InsufficientPrivilegeError("denied"), errors.SchemaMismatch),
        (asyncpg.LockNotAvailableError("lock"), errors.DatabaseBusy),
        (asyncpg.QueryCanceledError("timeout"), errors.DatabaseBusy),
        (asyncpg.UniqueViolationError("dup"), errors.DatabaseError),
    ],
)
def test_driver_errors_map_to_the_services_own(
    driver_error: BaseException, expected: type[errors.RandomatchError]
) -> None:
    """Each kind of driver or socket error becomes the matching error of `errors.py`."""
    mapped = map_error(driver_error)
    assert type(mapped) is expected
    assert isinstance(mapped, errors.RandomatchError)


def test_other_errors_pass_through_unmapped() -> None:
    """An error that is not the driver's is returned as it is."""
    error = ValueError("not a database problem")
    assert map_error(error) is error


async def test_giving_a_connection_back_maps_its_failure() -> None:
    """A connection whose reset fails as it goes back to the pool (a cut mid-query) raises the
    service's DatabaseUnavailable, not the driver's error."""

    class Pool:
        async def acquire(self) -> object:
            return object()

        async def release(self, _conn: object) -> None:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle")

    with pytest.raises(errors.DatabaseUnavailable) as caught:
        async with connection(Pool()):  # type: ignore[arg-type]
            pass
    assert isinstance(caught.value.__cause__, asyncpg.ConnectionDoesNotExistError)
