"""The service on a Supabase-shaped database: non-superuser `postgres`, RLS, hidden `is_bot`,
default grants to `anon`/`authenticated`, and app users writing as `authenticated`."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from randomatch_bot.db.contract import ContractError
from randomatch_bot.db.migrate import migrate
from randomatch_bot.infra.embedded import Endpoints
from tests.support.databases import Couple, make_couple, make_profile
from tests.support.pipeline import eventually, running_pipeline
from tests.support.processes import cli
from tests.support.supabase import (
    RUNTIME_ROLE,
    as_app_user,
    create_runtime_role,
    runtime_dsn,
    say_as_user,
)

pytestmark = pytest.mark.integration

APP_ROLES = ("anon", "authenticated")


@pytest.fixture
def db_dsn(supabase_dsn: str) -> str:
    """In this module `pool` and `make_settings` use the migrated Supabase-shaped database."""
    return supabase_dsn


async def _bot_replies(conn: asyncpg.Connection, couple: Couple) -> list[str]:
    rows = await conn.fetch(
        "SELECT content FROM public.messages WHERE match_id = $1 AND sender_id = $2",
        couple.match_id,
        couple.bot_id,
    )
    return [r["content"] for r in rows]


async def test_service_runs_as_a_role_that_is_not_superuser(pool: asyncpg.Pool) -> None:
    """The service connects as `postgres`, which is not a superuser here, as on Supabase."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT current_user AS me, rolsuper, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        )
    assert row is not None
    assert (row["me"], row["rolsuper"], row["rolbypassrls"]) == ("postgres", False, True)


async def test_human_writing_as_authenticated_is_answered_without_the_scan(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A human INSERTs as `authenticated` under RLS with `is_bot` hidden, and the bot replies
    within seconds while the periodic scan runs only every ten minutes."""
    settings = make_settings(TIME_SCALE=0.02, CATCHUP_INTERVAL=600.0)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        async with as_app_user(conn, couple.human_id):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetchval("SELECT is_bot FROM public.profiles LIMIT 1")
    async with running_pipeline(settings) as pipeline, pool.acquire() as conn:
        assert pipeline.bridge is not None
        # The start-up scan ran before the message existed: only the trigger can wake the bot.
        await say_as_user(conn, couple, "Salut ! Tu marches où ce week-end ?")
        replies = await eventually(lambda: _bot_replies(conn, couple), bool, timeout=30)
    assert replies


async def test_trigger_error_becomes_a_warning_and_the_write_succeeds(pool: asyncpg.Pool) -> None:
    """An unexpected error inside the trigger is a WARNING; the app's INSERT still succeeds."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        # The app reshapes profiles after `migrate`: the trigger's look-up now fails.
        await conn.execute("ALTER TABLE public.profiles DROP COLUMN is_bot")
        notices: list[str] = []

        def collect(_: object, message: object) -> None:
            notices.append(str(message))

        conn.add_log_listener(collect)
        try:
            message_id = await say_as_user(conn, couple, "toujours là ?")
        finally:
            conn.remove_log_listener(collect)
        stored = await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE id = $1", message_id
        )
    assert stored == 1
    assert any("not signalled" in n and str(message_id) in n for n in notices), notices


async def test_app_users_reach_nothing_of_the_service(pool: asyncpg.Pool) -> None:
    """`anon` and `authenticated` can read or change no table and call no function of the
    service, whatever the default privileges of `public`."""
    async with pool.acquire() as conn:
        objects = await conn.fetch(
            "SELECT c.oid, c.relname, c.relkind FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'bot' AND c.relkind IN ('r', 'v', 'S', 'm')"
        )
        functions = await conn.fetch(
            "SELECT p.oid, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'bot'"
        )
        assert len(objects) > 5
        assert len(functions) >= 4
        for role in APP_ROLES:
            assert not await conn.fetchval("SELECT has_schema_privilege($1, 'bot', 'USAGE')", role)
            for obj in objects:
                if obj["relkind"] == "S":
                    probe = "SELECT has_sequence_privilege($1, $2::oid, 'SELECT, UPDATE, USAGE')"
                else:
                    probe = (
                        "SELECT has_table_privilege($1, $2::oid, "
                        "'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')"
                    )
                reachable = await conn.fetchval(probe, role, obj["oid"])
                assert not reachable, (role, obj["relname"])
            for fn in functions:
                assert not await conn.fetchval(
                    "SELECT has_function_privilege($1, $2::oid, 'EXECUTE')", role, fn["oid"]
                ), (role, fn["proname"])
        couple = await make_couple(conn)
        for user in (None, couple.human_id):
            for statement in (
                "SELECT count(*) FROM bot.personas",
                "UPDATE bot.conversations SET epoch = epoch + 1",
                "SELECT count(*) FROM bot.reply_latencies",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    async with as_app_user(conn, user):
                        await conn.execute(statement)


async def test_index_skipped_where_the_app_has_an_equivalent(pool: asyncpg.Pool) -> None:
    """The app's own (match_id, created_at DESC) index serves the service: none is added."""
    async with pool.acquire() as conn:
        names = await conn.fetch(
            "SELECT indexname FROM pg_indexes "
            "WHERE schemaname = 'public' AND tablename = 'messages'"
        )
    assert "bot_messages_match_created_idx" not in {r["indexname"] for r in names}
    assert "messages_match_id_created_at_idx" in {r["indexname"] for r in names}


async def test_profiles_without_is_bot_stops_migrate_and_changes_nothing(
    supabase_unmigrated_dsn: str, servers: Endpoints, tmp_path: Path
) -> None:
    """A `profiles` that marks bots another way makes `migrate` exit non-zero naming `is_bot`,
    install nothing, and human-to-human messages still insert afterwards."""
    conn = await asyncpg.connect(supabase_unmigrated_dsn)
    try:
        await conn.execute("ALTER TABLE public.profiles DROP COLUMN is_bot")
        await conn.execute("ALTER TABLE public.profiles ADD COLUMN kind text DEFAULT 'human'")
        env = {
            "POSTGRES_CONNECTION_STRING": supabase_unmigrated_dsn,
            "REDIS_URL": servers.redis_url,
        }
        result = await asyncio.to_thread(cli, "migrate", env=env, cwd=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        problems = [line for line in result.stderr.splitlines() if "public." in line]
        assert problems == ["  public.profiles.is_bot: missing (expected boolean)"], result.stderr
        assert "Traceback" not in result.stderr
        assert await conn.fetchval("SELECT to_regnamespace('bot')") is None
        a, b = uuid.uuid4(), uuid.uuid4()
        await conn.execute(
            "INSERT INTO public.profiles (id, display_name) VALUES ($1, 'Léa'), ($2, 'Tom')", a, b
        )
        match_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)", match_id, a, b
        )
        message_id = await say_as_user(conn, Couple(b, a, match_id), "on se voit au refuge ?")
        assert await conn.fetchval("SELECT count(*) FROM public.messages WHERE id = $1", message_id)
    finally:
        await conn.close()


async def test_missing_app_table_is_refused_then_created_closed(
    supabase_unmigrated_dsn: str,
) -> None:
    """A missing `typing_indicators` stops `migrate`; with the flag it is created with RLS on
    and no privilege for app users, despite the default grants of `public`."""
    conn = await asyncpg.connect(supabase_unmigrated_dsn)
    try:
        await conn.execute("DROP TABLE public.typing_indicators")
        with pytest.raises(ContractError) as refused:
            await migrate(conn)
        assert refused.value.problems == [
            "public.typing_indicators: missing (run `randomatch-bot migrate "
            "--create-missing-app-tables` to create it)"
        ]
        assert await conn.fetchval("SELECT to_regnamespace('bot')") is None
        report = await migrate(conn, create_missing_app_tables=True)
        assert report.created_app_tables == ["typing_indicators"]
        rls = await conn.fetchval(
            "SELECT relrowsecurity FROM pg_class WHERE oid = 'public.typing_indicators'::regclass"
        )
        assert rls is True
        for role in APP_ROLES:
            assert not await conn.fetchval(
                "SELECT has_table_privilege($1, 'public.typing_indicators', "
                "'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')",
                role,
            )
    finally:
        await conn.close()


async def test_wrong_type_and_missing_key_are_each_named(supabase_unmigrated_dsn: str) -> None:
    """Each mismatch is one line naming the table and column; nothing is installed."""
    conn = await asyncpg.connect(supabase_unmigrated_dsn)
    try:
        await conn.execute(
            "ALTER TABLE public.messages ALTER COLUMN created_at TYPE timestamp;"
            "ALTER TABLE public.typing_indicators DROP CONSTRAINT typing_indicators_pkey"
        )
        with pytest.raises(ContractError) as refused:
            await migrate(conn)
        assert refused.value.problems == [
            "public.messages.created_at: is timestamp without time zone, "
            "expected timestamp with time zone",
            "public.typing_indicators: no primary key or unique index on (match_id, user_id)",
        ]
        assert await conn.fetchval("SELECT to_regnamespace('bot')") is None
    finally:
        await conn.close()


async def test_inserts_never_queue_behind_a_migration_waiting_for_a_long_transaction(
    supabase_unmigrated_dsn: str,
) -> None:
    """While a long app transaction holds `messages`, the first migrate keeps retrying short
    lock waits instead of queueing the app's inserts behind it; once it ends, migrate ends."""
    setup = await asyncpg.connect(supabase_unmigrated_dsn)
    writer = await asyncpg.connect(supabase_unmigrated_dsn)
    migrator = await asyncpg.connect(supabase_unmigrated_dsn)
    try:
        a = await make_profile(setup, "Léa", bot=False)
        b = await make_profile(setup, "Tom", bot=False)
        match_id = uuid.uuid4()
        await setup.execute(
            "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)", match_id, a, b
        )
        slow = writer.transaction()
        await slow.start()
        # A slow app transaction that wrote a message: it holds ROW EXCLUSIVE on messages,
        # which installing a trigger must wait for.
        await writer.execute(
            "INSERT INTO public.messages (match_id, sender_id, content) VALUES ($1, $2, 'x')",
            match_id,
            b,
        )
        migration = asyncio.create_task(migrate(migrator))

        async def applied() -> list[str]:
            if await setup.fetchval("SELECT to_regclass('bot.schema_migrations')") is None:
                return []
            rows = await setup.fetch("SELECT version FROM bot.schema_migrations")
            return sorted(r["version"] for r in rows)

        # 0003 installs the trigger on messages: the first file that waits for that transaction.
        await eventually(applied, lambda done: "0002_bot_schema" in done)
        for index in range(5):
            # Far beyond a lock_timeout; without it the insert would wait for the transaction's end.
            await asyncio.wait_for(
                setup.execute(
                    "INSERT INTO public.messages (match_id, sender_id, content) "
                    "VALUES ($1, $2, $3)",
                    match_id,
                    a,
                    f"message {index}",
                ),
                timeout=10,
            )
            await asyncio.sleep(0.05)
        assert not migration.done()
        assert "0003_notify_trigger" not in await applied()
        await slow.rollback()
        await asyncio.wait_for(migration, timeout=120)
        assert await setup.fetchval("SELECT count(*) FROM public.messages") == 5
    finally:
        for conn in (setup, writer, migrator):
            await conn.close()


@pytest.mark.parametrize("transport", ["table", "broadcast", "both"])
async def test_documented_runtime_role_replies_under_rls(
    pool: asyncpg.Pool, make_settings: Any, supabase_dsn: str, transport: str
) -> None:
    """The least-privilege role of docs/sql (no superuser, no BYPASSRLS) sees the rows it
    needs under row-level security, and may use Realtime: with every typing transport, bridge
    and worker start as that role and a human writing as `authenticated` gets a reply."""
    async with pool.acquire() as conn:
        await create_runtime_role(conn)
        await create_runtime_role(conn)  # re-running it is harmless
        role = await conn.fetchrow(
            "SELECT rolsuper OR rolbypassrls AS bypass, "
            "has_schema_privilege(rolname, 'realtime', 'USAGE') AS realtime_usage, "
            "has_function_privilege(rolname, 'realtime.send(jsonb,text,text,boolean)', "
            "'EXECUTE') AS may_send FROM pg_roles WHERE rolname = $1",
            RUNTIME_ROLE,
        )
        assert role["bypass"] is False
        assert role["realtime_usage"] is True
        assert role["may_send"] is True
        couple = await make_couple(conn)
    settings = make_settings(
        POSTGRES_CONNECTION_STRING=runtime_dsn(supabase_dsn),
        TIME_SCALE=0.02,
        CATCHUP_INTERVAL=600.0,
        TYPING_TRANSPORT=transport,
    )
    async with running_pipeline(settings), pool.acquire() as conn:
        await say_as_user(conn, couple, "Tu connais le lac d'Allos ?")
        replies = await eventually(lambda: _bot_replies(conn, couple), bool, timeout=30)
        assert replies
        unread = await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2 "
            "AND read_at IS NULL",
            couple.match_id,
            couple.human_id,
        )
    assert unread == 0


def test_migrate_refuses_the_transaction_pooler(servers: Endpoints, tmp_path: Path) -> None:
    """`migrate` refuses a transaction-pooler URL (port 6543) before connecting, saying why."""
    env = {
        "POSTGRES_CONNECTION_STRING": "postgresql://u:pw@aws-0-eu.pooler.supabase.com:6543/postgres",
        "REDIS_URL": servers.redis_url,
    }
    result = cli("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "transaction-mode pooler" in lines[0]
    assert "5432" in lines[0]
    assert "pw@" not in result.stderr
