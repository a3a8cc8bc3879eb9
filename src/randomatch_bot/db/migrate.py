"""Ordered, idempotent SQL migrations recorded in `bot.schema_migrations`.

Each file in `migrations/` is applied once, in name order, inside its own transaction, under an
advisory lock so that two processes starting together do not race. The files themselves are
written to be re-runnable (`IF NOT EXISTS`, `CREATE OR REPLACE`), so a database that already
holds the app's tables gains only what is missing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

import asyncpg
import structlog

from randomatch_bot.db.types import Conn
from randomatch_bot.errors import MigrationError

log = structlog.get_logger(__name__)

# Any constant works; it only has to be the same in every process of the service.
_ADVISORY_LOCK_KEY = 0x52414E444F  # "RANDO"

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


@dataclass(frozen=True, slots=True)
class MigrationReport:
    applied: list[str]
    already: list[str]
    changed: list[str]  # applied before, file edited since: reported, never re-run silently

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


async def migrate(conn: Conn) -> MigrationReport:
    """Apply every pending migration; re-running is a no-op."""
    migrations = load_migrations()
    applied: list[str] = []
    already: list[str] = []
    changed: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
    try:
        await conn.execute(_BOOTSTRAP)
        rows = await conn.fetch("SELECT version, checksum FROM bot.schema_migrations")
        done = {row["version"]: row["checksum"] for row in rows}
        for migration in migrations:
            if migration.version in done:
                already.append(migration.version)
                if done[migration.version] != migration.checksum:
                    changed.append(migration.version)
                continue
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO bot.schema_migrations (version, checksum) VALUES ($1, $2)",
                        migration.version,
                        migration.checksum,
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(
                    f"migration {migration.version} failed and was rolled back: {exc}"
                ) from exc
            log.info("migration applied", version=migration.version)
            applied.append(migration.version)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)
    if changed:
        log.warning("applied migrations differ from the shipped files", versions=changed)
    return MigrationReport(applied=applied, already=already, changed=changed)


async def schema_version(conn: Conn) -> str | None:
    """The newest applied migration, or None on a database never migrated."""
    exists = await conn.fetchval("SELECT to_regclass('bot.schema_migrations') IS NOT NULL")
    if not exists:
        return None
    value = await conn.fetchval("SELECT max(version) FROM bot.schema_migrations")
    return str(value) if value is not None else None
