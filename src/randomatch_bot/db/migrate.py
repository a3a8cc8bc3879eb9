"""Ordered, idempotent SQL migrations recorded in `bot.schema_migrations`.

Each file in `migrations/` is applied once, in name order, under an advisory lock so that two
processes starting together do not race. The files themselves are written to be re-runnable
(`IF NOT EXISTS`, `CREATE OR REPLACE`), so a database that already holds the app's tables gains
only what is missing.

The app keeps writing while this runs, on a large database. So, before anything is changed, the
app's tables are checked against the contract (`db/contract.py`); each file runs in its own
transaction under a short `lock_timeout`, retried with backoff, so that the app's writes never
queue for long behind a lock we wait for; and a file that builds an index CONCURRENTLY runs
outside a transaction and is skipped where an equivalent index exists. At the end, everything
in the schema `bot` is closed to app users again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import random
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg
import structlog

from randomatch_bot.db.contract import ContractError, check_contract, close_new_app_tables
from randomatch_bot.db.sql import SQL
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import MigrationError

log = structlog.get_logger(__name__)

# Any constant works; it only has to be the same in every process of the service.
_ADVISORY_LOCK_KEY = 0x52414E444F  # "RANDO"

# While a migration waits for a lock on an app table, the app's writes queue behind it: each
# attempt gives up after LOCK_TIMEOUT and is retried, until LOCK_WAIT_TOTAL has passed.
LOCK_TIMEOUT = 0.2  # seconds
LOCK_WAIT_TOTAL = 300.0  # seconds

# Files edited after they were released, in ways that change nothing on a database that
# applied them: their earlier checksums are not reported as changed.
_EQUIVALENT_CHECKSUMS = {
    # 0001 built the messages index non-concurrently; 0011 builds it now.
    "0001_app_tables": {"92feb36870bed5362ec4c74abbd5778675b2a1135a9d329207c7c0ac06f8bbdb"},
    # 0003 and 0009: only their first comment line changed (it cited a document outside the
    # repository).
    "0003_notify_trigger": {"fc24375c4f0807fa930c9c354cceab8aceaf4901dea1573b527b3e1d03a7ec8b"},
    "0009_reply_latency_view": {"8b266330ba5f6e96408601d71e4da1526f8c78ccda39c85cbc50e9b4e7df8d90"},
}

# The migration files were renumbered without gaps for the 0.2 series: the version a database
# migrated before recorded, and the file's name now (same content, same checksum). `migrate`
# renames the recorded rows first (`renumber_migrations`), so such a database applies nothing
# again and reports nothing changed.
RENUMBERED: dict[str, str] = {
    "0012_messages_match_created_index": "0011_messages_match_created_index",
    "0013_typing_broadcast": "0012_typing_broadcast",
    "0020_outages": "0013_outages",
    "0021_messages_created_index": "0014_messages_created_index",
    "0022_matches_created_index": "0015_matches_created_index",
    "0023_answered_at_index": "0016_answered_at_index",
    "0024_profiles_bots_index": "0017_profiles_bots_index",
    "0030_human_caps": "0018_human_caps",
    "0031_personal_data": "0019_personal_data",
    "0045_contract_extensions": "0020_contract_extensions",
    "0046_message_photos": "0021_message_photos",
    "0065_extensions_for_this_role": "0022_extensions_for_this_role",
    "0066_typing_broadcast_checked": "0023_typing_broadcast_checked",
    "0067_functions_search_path": "0024_functions_search_path",
    "0068_conversation_closures": "0025_conversation_closures",
    "0069_forgotten_matches": "0026_forgotten_matches",
    "0070_persona_life": "0027_persona_life",
    "0071_console": "0028_console",
    "0072_takeover": "0029_takeover",
}

_CONCURRENT_INDEX = re.compile(
    r"CREATE\s+INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+ON\s+(\w+)\.(\w+)\s*"
    r"\(([^)]*)\)",
    re.I,
)

_BOOTSTRAP = """
CREATE SCHEMA IF NOT EXISTS bot;
CREATE TABLE IF NOT EXISTS bot.schema_migrations (
    version    text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: str  # the file name without `.sql`, e.g. "0001_app_tables"
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def concurrent_index(self) -> tuple[str, str, str, list[str]] | None:
        """(index, schema, table, columns) when the file builds one index CONCURRENTLY."""
        found = _CONCURRENT_INDEX.search(self.sql)
        if found is None:
            return None
        columns = [column.strip() for column in found[4].split(",")]
        return found[1], found[2], found[3], columns


@dataclass(frozen=True, slots=True)
class MigrationReport:
    applied: list[str]
    already: list[str]
    changed: list[str]  # applied before, file edited since: reported, never re-run silently
    created_app_tables: list[str] = dataclasses.field(default_factory=list)

    @property
    def current(self) -> str | None:
        versions = sorted(self.applied + self.already)
        return versions[-1] if versions else None


def load_migrations() -> list[Migration]:
    """The migration files shipped in the package, in the order they apply."""
    folder = resources.files("randomatch_bot.db") / "migrations"
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".sql")),
        key=lambda entry: entry.name,
    )
    return [Migration(entry.name.removesuffix(".sql"), entry.read_text("utf-8")) for entry in files]


async def migrate(
    conn: Conn,
    *,
    create_missing_app_tables: bool = False,
    lock_timeout: float = LOCK_TIMEOUT,
    lock_wait_total: float = LOCK_WAIT_TOTAL,
) -> MigrationReport:
    """Check the contract, then apply every pending migration; re-running is a no-op.

    Raises ContractError, having changed nothing, when an app table exists and does not fit,
    or when some app tables are missing and `create_missing_app_tables` is off.
    """
    migrations = load_migrations()
    applied: list[str] = []
    already: list[str] = []
    changed: list[str] = []
    await _take_migration_lock(conn)
    try:
        check = await check_contract(conn)
        problems = list(check.problems)
        if not check.fresh and check.missing and not create_missing_app_tables:
            problems += [
                f"public.{table}: missing (run `randomatch-bot migrate "
                "--create-missing-app-tables` to create it)"
                for table in check.missing
            ]
        if problems:
            raise ContractError(problems)
        await conn.execute(_BOOTSTRAP)
        created = list(check.missing)
        if created:
            await _create_app_tables(conn, migrations[0], created)
        renamed = await conn.fetch(
            SQL.renumber_migrations.text, list(RENUMBERED), list(RENUMBERED.values())
        )
        if renamed:
            log.info("migrate.renumbered", versions=len(renamed))
        rows = await conn.fetch("SELECT version, checksum FROM bot.schema_migrations")
        done = {row["version"]: row["checksum"] for row in rows}
        for migration in migrations:
            if migration.version in done:
                already.append(migration.version)
                recorded = done[migration.version]
                if recorded != migration.checksum and recorded not in _EQUIVALENT_CHECKSUMS.get(
                    migration.version, set()
                ):
                    changed.append(migration.version)
                continue
            try:
                if migration.concurrent_index is not None:
                    await _build_index(conn, migration)
                else:
                    await _apply_under_lock_timeout(conn, migration, lock_timeout, lock_wait_total)
            except asyncpg.PostgresError as exc:
                raise MigrationError(
                    f"migration {migration.version} failed and was rolled back: {exc}"
                ) from exc
            log.info("migrate.applied", version=migration.version)
            applied.append(migration.version)
        # Run on the raw connection: migrate handles the driver's errors itself (lock waits).
        await conn.execute(SQL.close_to_app_users.text)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)
    if changed:
        log.warning(
            "migrate.files_changed",
            hint="applied migrations differ from the shipped files",
            versions=changed,
        )
    return MigrationReport(
        applied=applied, already=already, changed=changed, created_app_tables=created
    )


async def _take_migration_lock(conn: Conn) -> None:
    """The advisory lock that serialises migrating processes, polled rather than waited for:
    a CREATE INDEX CONCURRENTLY in the holder waits for every open statement, including a
    blocking pg_advisory_lock() call, which would deadlock the two."""
    while True:
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", _ADVISORY_LOCK_KEY):
            return
        await asyncio.sleep(0.2)


async def _create_app_tables(conn: Conn, definitions: Migration, tables: list[str]) -> None:
    """Create the missing app tables (the first migration's definitions), closed to app users."""
    async with conn.transaction():
        await conn.execute(definitions.sql)
        await close_new_app_tables(conn, tables)
    log.info("migrate.app_tables_created", tables=tables)


async def _record(conn: Conn, migration: Migration) -> None:
    await conn.execute(
        "INSERT INTO bot.schema_migrations (version, checksum) VALUES ($1, $2)",
        migration.version,
        migration.checksum,
    )


async def _apply_under_lock_timeout(
    conn: Conn, migration: Migration, lock_timeout: float, lock_wait_total: float
) -> None:
    """Apply one file in a transaction; when a lock is not granted in time, roll back, wait
    a little (the app's queued writes go through meanwhile) and try again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + lock_wait_total
    attempt = 0
    while True:
        attempt += 1
        try:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'")
                await conn.execute(migration.sql)
                await _record(conn, migration)
        except asyncpg.LockNotAvailableError as exc:
            if loop.time() >= deadline:
                raise MigrationError(
                    f"migration {migration.version} could not take its locks in "
                    f"{lock_wait_total:.0f} s ({attempt} attempts): a long transaction holds "
                    "the app's tables; see pg_stat_activity, then run `migrate` again"
                ) from exc
            pause = min(2.0, 0.1 * attempt) * random.uniform(0.5, 1.0)
            if attempt == 1 or attempt % 10 == 0:
                log.info(
                    "migrate.waiting_for_lock",
                    version=migration.version,
                    attempt=attempt,
                    error=str(exc),
                )
            await asyncio.sleep(pause)
        else:
            return


async def _build_index(conn: Conn, migration: Migration) -> None:
    """Build an index CONCURRENTLY (no transaction: app writes continue), unless an equivalent
    one exists; an invalid leftover of an interrupted build is dropped first."""
    spec = migration.concurrent_index
    assert spec is not None
    name, schema, table, columns = spec
    existing = await conn.fetchval(
        SQL.equivalent_index.text,
        *SQL.equivalent_index.bind({"schema": schema, "table": table, "columns": columns}),
    )
    if existing is not None:
        log.info(
            "migrate.index_exists",
            hint="an equivalent index exists",
            version=migration.version,
            index=existing,
        )
    else:
        if await conn.fetchval(
            SQL.invalid_index.text, *SQL.invalid_index.bind({"schema": schema, "name": name})
        ):
            await conn.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{schema}"."{name}"')
        # Waiting for older transactions is part of a concurrent build and blocks nobody.
        await conn.execute("SET lock_timeout = 0")
        try:
            await conn.execute(migration.sql)
        finally:
            await conn.execute("RESET lock_timeout")
    await _record(conn, migration)


async def schema_version(conn: Conn) -> str | None:
    """The newest applied migration, or None on a database never migrated."""
    exists = await conn.fetchval("SELECT to_regclass('bot.schema_migrations') IS NOT NULL")
    if not exists:
        return None
    value = await conn.fetchval("SELECT max(version) FROM bot.schema_migrations")
    return str(value) if value is not None else None
