"""The database contract: migrations create what is missing, keep app data, re-run cleanly."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from randomatch_bot.db.migrate import RENUMBERED, load_migrations, migrate, schema_version

pytestmark = pytest.mark.integration

CONTRACT_COLUMNS = {
    "profiles": {"id", "display_name", "is_bot", "created_at"},
    "matches": {"id", "user_a", "user_b", "status", "created_at"},
    "messages": {"id", "match_id", "sender_id", "content", "created_at", "read_at"},
    "typing_indicators": {"match_id", "user_id", "is_typing", "updated_at"},
}


async def _columns(conn: asyncpg.Connection, table: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = $1",
        table,
    )
    return {r["column_name"] for r in rows}


async def test_fresh_database_gets_the_contract(empty_dsn: str) -> None:
    """An empty database gains the app tables, the bot schema and the trigger."""
    conn = await asyncpg.connect(empty_dsn)
    try:
        report = await migrate(conn)
        assert report.applied == [m.version for m in load_migrations()]
        for table, columns in CONTRACT_COLUMNS.items():
            assert columns <= await _columns(conn, table)
        trigger = await conn.fetchval(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'on_message_notify_bot'"
        )
        assert trigger == 1
        assert await schema_version(conn) == load_migrations()[-1].version
    finally:
        await conn.close()


async def test_second_run_is_a_no_op(empty_dsn: str) -> None:
    """Migrating twice applies nothing the second time and changes no object."""
    conn = await asyncpg.connect(empty_dsn)
    try:
        await migrate(conn)
        before = await conn.fetch("SELECT version, applied_at FROM bot.schema_migrations")
        report = await migrate(conn)
        after = await conn.fetch("SELECT version, applied_at FROM bot.schema_migrations")
        assert report.applied == []
        assert report.changed == []
        assert before == after
    finally:
        await conn.close()


async def test_existing_app_schema_is_kept(empty_dsn: str) -> None:
    """Pre-existing app tables with extra columns and rows are left exactly as they were;
    the missing one is created on request."""
    conn = await asyncpg.connect(empty_dsn)
    try:
        await conn.execute(
            """
            CREATE TABLE public.profiles (
                id uuid PRIMARY KEY, display_name text NOT NULL,
                is_bot boolean NOT NULL DEFAULT false, created_at timestamptz,
                bio text, avatar_url text);
            CREATE TABLE public.matches (
                id uuid PRIMARY KEY, user_a uuid, user_b uuid,
                status text NOT NULL DEFAULT 'active', created_at timestamptz,
                superlike boolean DEFAULT false);
            CREATE TABLE public.messages (
                id uuid PRIMARY KEY DEFAULT gen_random_uuid(), match_id uuid, sender_id uuid,
                content text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
                read_at timestamptz NULL, attachment jsonb);
            """
        )
        person = uuid.uuid4()
        await conn.execute(
            "INSERT INTO public.profiles (id, display_name, bio) "
            "VALUES ($1, 'Léa', 'GR20 en 2024')",
            person,
        )
        await conn.execute(
            "INSERT INTO public.messages (match_id, sender_id, content, attachment) "
            "VALUES ($1, $2, 'coucou', '{\"k\": 1}')",
            uuid.uuid4(),
            person,
        )
        before = await conn.fetch("SELECT * FROM public.messages ORDER BY id")
        report = await migrate(conn, create_missing_app_tables=True)
        assert report.created_app_tables == ["typing_indicators"]
        assert "bio" in await _columns(conn, "profiles")
        assert "superlike" in await _columns(conn, "matches")
        assert "attachment" in await _columns(conn, "messages")
        assert await conn.fetch("SELECT * FROM public.messages ORDER BY id") == before
        bio = await conn.fetchval("SELECT bio FROM public.profiles WHERE id = $1", person)
        assert bio == "GR20 en 2024"
        # What was missing was added.
        assert CONTRACT_COLUMNS["typing_indicators"] <= await _columns(conn, "typing_indicators")
    finally:
        await conn.close()


async def test_realtime_publication_gains_the_tables(empty_dsn: str) -> None:
    """Where Supabase's publication exists, messages and typing indicators are added to it."""
    conn = await asyncpg.connect(empty_dsn)
    try:
        await conn.execute("CREATE PUBLICATION supabase_realtime")
        await migrate(conn)
        tables = {
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_publication_tables WHERE pubname = 'supabase_realtime'"
            )
        }
        assert {"messages", "typing_indicators"} <= tables
    finally:
        await conn.close()


async def test_concurrent_migrations_do_not_race(empty_dsn: str) -> None:
    """Two processes migrating at once both succeed and apply each file once."""
    import asyncio

    a = await asyncpg.connect(empty_dsn)
    b = await asyncpg.connect(empty_dsn)
    try:
        ra, rb = await asyncio.gather(migrate(a), migrate(b))
        assert sorted(ra.applied + rb.applied) == [m.version for m in load_migrations()]
    finally:
        await a.close()
        await b.close()


async def test_fresh_database_tables_are_closed_and_indexed(empty_dsn: str) -> None:
    """On a fresh database the app tables are created with row-level security on, and the
    messages index is built (concurrently, by its own migration)."""
    conn = await asyncpg.connect(empty_dsn)
    try:
        report = await migrate(conn)
        assert report.created_app_tables == ["profiles", "matches", "messages", "typing_indicators"]
        rls = await conn.fetch(
            "SELECT relname, relrowsecurity FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        )
        assert {r["relname"]: r["relrowsecurity"] for r in rls} == {
            "profiles": True,
            "matches": True,
            "messages": True,
            "typing_indicators": True,
        }
        valid = await conn.fetchval(
            "SELECT indisvalid FROM pg_index "
            "WHERE indexrelid = 'public.bot_messages_match_created_idx'::regclass"
        )
        assert valid is True
    finally:
        await conn.close()


async def test_index_of_the_first_release_counts_as_built(empty_dsn: str) -> None:
    """A database migrated before the index moved out of 0001 is not told that 0001 changed,
    and the index it has already is kept, not built twice."""
    conn = await asyncpg.connect(empty_dsn)
    try:
        await migrate(conn)
        await conn.execute(
            "UPDATE bot.schema_migrations SET checksum = $1 WHERE version = '0001_app_tables'",
            "92feb36870bed5362ec4c74abbd5778675b2a1135a9d329207c7c0ac06f8bbdb",
        )
        await conn.execute(
            "DELETE FROM bot.schema_migrations WHERE version = '0011_messages_match_created_index'"
        )
        report = await migrate(conn)
        assert report.changed == []
        assert report.applied == ["0011_messages_match_created_index"]
        count = await conn.fetchval(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'messages' "
            "AND indexdef LIKE '%(match_id, created_at)%'"
        )
        assert count == 1
    finally:
        await conn.close()


async def test_migrations_whose_comment_changed_are_not_reported_changed(empty_dsn: str) -> None:
    """A database that applied 0003 and 0009 before their first comment line was reworded is
    not told that they changed, while any other checksum still is."""
    conn = await asyncpg.connect(empty_dsn)
    try:
        await migrate(conn)
        set_checksum = "UPDATE bot.schema_migrations SET checksum = $2 WHERE version = $1"
        await conn.execute(
            set_checksum,
            "0003_notify_trigger",
            "fc24375c4f0807fa930c9c354cceab8aceaf4901dea1573b527b3e1d03a7ec8b",
        )
        await conn.execute(
            set_checksum,
            "0009_reply_latency_view",
            "8b266330ba5f6e96408601d71e4da1526f8c78ccda39c85cbc50e9b4e7df8d90",
        )
        assert (await migrate(conn)).changed == []
        await conn.execute(set_checksum, "0009_reply_latency_view", "0" * 64)
        assert (await migrate(conn)).changed == ["0009_reply_latency_view"]
    finally:
        await conn.close()


async def test_migrations_are_numbered_without_gaps(empty_dsn: str) -> None:
    """One numbering, 0001 to the last, each number once."""
    numbers = [int(m.version[:4]) for m in load_migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


async def test_a_database_of_the_former_numbering_upgrades_cleanly(empty_dsn: str) -> None:
    """A database that recorded the migrations under their former numbers — and one that
    has not applied the latest yet — is renamed, applies only what it lacks, and is told
    nothing changed; a second run is a no-op."""
    conn = await asyncpg.connect(empty_dsn)
    try:
        await migrate(conn)
        applied_at = await conn.fetch("SELECT version, applied_at FROM bot.schema_migrations")
        for old, new in RENUMBERED.items():
            await conn.execute(
                "UPDATE bot.schema_migrations SET version = $1 WHERE version = $2", old, new
            )
        latest = max(RENUMBERED.values())
        await conn.execute(
            "DELETE FROM bot.schema_migrations WHERE version = $1",
            next(old for old, new in RENUMBERED.items() if new == latest),
        )
        report = await migrate(conn)
        assert report.changed == []
        # The latest migration is idempotent: re-applied, it leaves the schema as it was.
        assert report.applied == [latest]
        rows = await conn.fetch("SELECT version FROM bot.schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == [m.version for m in load_migrations()]
        now = await conn.fetch("SELECT version, applied_at FROM bot.schema_migrations")
        kept = {r["version"]: r["applied_at"] for r in now if r["version"] != latest}
        # Renamed, not re-applied: each keeps the time it was first applied.
        assert kept == {
            RENUMBERED.get(r["version"], r["version"]): r["applied_at"]
            for r in applied_at
            if r["version"] != latest
        }
        assert (await migrate(conn)).applied == []
    finally:
        await conn.close()
