"""The database contract: migrations create what is missing, keep app data, re-run cleanly."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from randomatch_bot.db.migrate import load_migrations, migrate, schema_version

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
    """Pre-existing app tables with extra columns and rows are left exactly as they were."""
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
        await migrate(conn)
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
