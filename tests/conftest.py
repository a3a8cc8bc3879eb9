"""Shared fixtures: real embedded PostgreSQL and Redis (Valkey), started once per test run.

The schema is migrated once into a template database; each test gets a fresh copy of it
(CREATE DATABASE ... TEMPLATE), and its own task-queue name on Redis, so tests never see each
other's rows or steps.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from randomatch_bot.config import Settings
from randomatch_bot.infra.embedded import EmbeddedServers, Endpoints
from randomatch_bot.supervisor import migrate_database
from tests.support.databases import with_database
from tests.support.night import NIGHT_ENV, night_offset
from tests.support.supabase import (
    SupabaseCluster,
    create_roles,
    create_shaped_database,
    shape_database,
    start_cluster,
)
from tests.support.supabase import fresh_database as supabase_fresh_database

pytest_plugins = ["tests.support.openai_server"]

TEMPLATE_DB = "randomatch_template"


def pytest_configure(config: pytest.Config) -> None:
    """In night mode, judge the active hours at night for this run and its child processes."""
    if os.environ.get(NIGHT_ENV):
        offset = night_offset(dt.datetime.now(dt.UTC))
        os.environ["HOURS_CLOCK_OFFSET"] = f"{offset:.0f}"


def pytest_report_header(config: pytest.Config) -> str | None:
    if os.environ.get(NIGHT_ENV):
        return f"night mode: HOURS_CLOCK_OFFSET={os.environ['HOURS_CLOCK_OFFSET']} s"
    return None


@pytest.fixture(scope="session")
def embedded() -> Iterator[EmbeddedServers]:
    """The embedded PostgreSQL and Valkey shared by the whole test run.

    Not under pytest's own temporary root: pytest keeps that at mode 0700 (and resets it when
    another run starts), while PostgreSQL runs as an unprivileged user when we are root.
    """
    data_dir = Path(tempfile.mkdtemp(prefix="randomatch-test-"))
    data_dir.chmod(0o755)
    try:
        with EmbeddedServers(data_dir, exclusive=True) as servers:
            yield servers
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def servers(embedded: EmbeddedServers) -> Endpoints:
    """Where the shared embedded servers listen."""
    assert embedded.endpoints is not None
    return embedded.endpoints


@pytest.fixture(scope="session")
async def template_dsn(servers: Endpoints) -> str:
    """A database migrated once; tests copy it."""
    admin = await asyncpg.connect(servers.postgres_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    finally:
        await admin.close()
    dsn = with_database(servers.postgres_dsn, TEMPLATE_DB)
    await migrate_database(dsn)
    return dsn


async def _fresh_database(servers: Endpoints, template: str | None) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(servers.postgres_dsn)
    try:
        clause = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await admin.close()
    try:
        yield with_database(servers.postgres_dsn, name)
    finally:
        admin = await asyncpg.connect(servers.postgres_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def db_dsn(servers: Endpoints, template_dsn: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    async for dsn in _fresh_database(servers, TEMPLATE_DB):
        yield dsn


@pytest.fixture
async def empty_dsn(servers: Endpoints) -> AsyncIterator[str]:
    """A fresh database with nothing in it (for migration tests)."""
    async for dsn in _fresh_database(servers, None):
        yield dsn


@pytest.fixture
async def pool(db_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(db_dsn, min_size=1, max_size=10)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def make_settings(db_dsn: str, servers: Endpoints) -> Any:
    """Build Settings for this test's database and queue; never reads a developer's .env."""
    docket_name = f"test-{uuid.uuid4().hex[:12]}"

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "POSTGRES_CONNECTION_STRING": db_dsn,
            "REDIS_URL": servers.redis_url,
            "DOCKET_NAME": docket_name,
            "LLM_API_KEY": None,
            "TIME_SCALE": 0.0,
            "ACTIVE_HOURS": "00:00-24:00",
            "GROUPING_WINDOW": 4.0,
            "CATCHUP_INTERVAL": 1.0,
            "CATCHUP_SLACK": 1.0,
            "LISTEN_TIMEOUT": 2.0,
            "STEP_RETRY_DELAY": 0.05,
            "REDELIVERY_TIMEOUT": 5.0,
            "SHUTDOWN_GRACE": 5.0,
            # Policies and random absences are tested on purpose, not met by chance.
            "ABSENCE_PROBABILITY": 0.0,
            "MATCH_REPLIES_PER_HOUR": 0,
            "BOT_REPLIES_PER_MINUTE": 0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return build


@pytest.fixture
def settings(make_settings: Any) -> Settings:
    return make_settings()  # type: ignore[no-any-return]


# --- A Supabase-shaped database (see tests/support/supabase.py) ---

SUPABASE_SHAPE_DB = "supabase_shape"
SUPABASE_MIGRATED_DB = "supabase_migrated"


@pytest.fixture(scope="session")
def supabase_cluster() -> Iterator[SupabaseCluster]:
    """A second embedded cluster whose superuser is `supabase_admin`, started on first use."""
    data_dir = Path(tempfile.mkdtemp(prefix="randomatch-supabase-"))
    data_dir.chmod(0o755)
    try:
        with start_cluster(data_dir) as cluster:
            yield cluster
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
async def supabase_templates(supabase_cluster: SupabaseCluster) -> tuple[str, str]:
    """Two template databases: the app's project before the service, and after `migrate`."""
    await create_roles(supabase_cluster)
    admin = await asyncpg.connect(supabase_cluster.admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{SUPABASE_SHAPE_DB}" OWNER postgres')
    finally:
        await admin.close()
    await shape_database(supabase_cluster, SUPABASE_SHAPE_DB)
    migrated = await create_shaped_database(
        supabase_cluster, SUPABASE_MIGRATED_DB, template=SUPABASE_SHAPE_DB
    )
    await migrate_database(migrated)
    return SUPABASE_SHAPE_DB, SUPABASE_MIGRATED_DB


@pytest.fixture
async def supabase_dsn(
    supabase_cluster: SupabaseCluster, supabase_templates: tuple[str, str]
) -> AsyncIterator[str]:
    """A fresh Supabase-shaped database, migrated, as the non-superuser `postgres`."""
    async with supabase_fresh_database(supabase_cluster, supabase_templates[1]) as dsn:
        yield dsn


@pytest.fixture
async def supabase_unmigrated_dsn(
    supabase_cluster: SupabaseCluster, supabase_templates: tuple[str, str]
) -> AsyncIterator[str]:
    """A fresh Supabase-shaped database the service was never installed in, as `postgres`."""
    async with supabase_fresh_database(supabase_cluster, supabase_templates[0]) as dsn:
        yield dsn
