"""The bot's typing indicator over Supabase Realtime Broadcast (TYPING_TRANSPORT), on the
Supabase-shaped database: `realtime.send` stores each message in `realtime.messages`
(partitioned by day), and a test instrument copies each stored message, in order, to
`realtime.sent` (a message of a rolled-back step, or one that was not stored, leaves nothing)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from structlog.testing import capture_logs

from randomatch_bot.cli import _typing_transport_warning
from randomatch_bot.conversation.plan import typing_broadcast
from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.db import typing_indicators
from randomatch_bot.errors import DatabaseError
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.process_metrics import METRICS
from tests.support.databases import Couple, make_couple, make_profile, say
from tests.support.drive import VirtualClock, drive
from tests.support.pipeline import eventually, install_event_log, running_pipeline
from tests.support.supabase import (
    RUNTIME_ROLE,
    SUPERUSER,
    SupabaseCluster,
    as_app_user,
    create_runtime_role,
    runtime_dsn,
)

pytestmark = pytest.mark.integration

REPO = Path(__file__).parents[2]
LONG_QUESTION = "Tu connais le lac de Lauvitel ? On m'a dit que le bivouac y est superbe en juin."


@pytest.fixture
async def sb_pool(supabase_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh, migrated Supabase-shaped database, as the non-superuser `postgres`."""
    pool = await asyncpg.create_pool(supabase_dsn, min_size=1, max_size=10)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def sb_settings(make_settings: Any, supabase_dsn: str) -> Any:
    """Settings pointing at the Supabase-shaped database."""

    def build(**overrides: Any) -> Any:
        return make_settings(POSTGRES_CONNECTION_STRING=supabase_dsn, **overrides)

    return build


async def broadcasts(conn: asyncpg.Connection, couple: Couple) -> list[dict[str, Any]]:
    """The typing broadcasts of the match, oldest first, with the payload decoded."""
    rows = await conn.fetch(
        "SELECT payload, event, topic, private FROM realtime.sent ORDER BY id",
    )
    sent = [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]
    # Every call made by the service in this database is about this couple's match.
    assert all(s["topic"] == f"match:{couple.match_id}" for s in sent), sent
    return sent


async def bot_typing_row(conn: asyncpg.Connection, couple: Couple) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT is_typing, updated_at FROM public.typing_indicators "
        "WHERE match_id = $1 AND user_id = $2",
        couple.match_id,
        couple.bot_id,
    )


async def parts_sent(conn: asyncpg.Connection, couple: Couple) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
            couple.match_id,
            couple.bot_id,
        )
    )


def on_off(sent: list[dict[str, Any]]) -> list[bool]:
    """The typing states broadcast, with refreshes (repeated "on") collapsed."""
    states: list[bool] = []
    for item in sent:
        state = bool(item["payload"]["is_typing"])
        if not states or states[-1] != state:
            states.append(state)
    return states


async def _reply_leaves_typing_off(
    pool: asyncpg.Pool, engine: ConversationEngine, clock: VirtualClock
) -> None:
    """A new couple's message is answered to the end, and the bot's indicator row in the app's
    table is left off."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Coucou, ça va ?", at=clock.now)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder())
        row = await bot_typing_row(conn, couple)
    assert trace[-1][1].note == "reply done"
    assert row is not None
    assert row["is_typing"] is False


async def test_broadcast_reply_sends_typing_on_and_off_and_writes_no_row(
    sb_pool: asyncpg.Pool, sb_settings: Any
) -> None:
    """With `broadcast`, a reply through bridge and worker sends typing on and off per part on
    the match's private topic, and leaves no row in typing_indicators."""
    settings = sb_settings(TIME_SCALE=0.02, TYPING_TRANSPORT="broadcast")
    async with sb_pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), sb_pool.acquire() as conn:
        await say(conn, couple, "Salut ! Tu randonnes plutôt dans le Vercors ?")
        await eventually(
            lambda: conn.fetchval(
                "SELECT count(*) FROM bot.reply_plans WHERE match_id = $1 AND status = 'done'",
                couple.match_id,
            ),
            lambda n: n == 1,
        )
        sent = await broadcasts(conn, couple)
        parts = await parts_sent(conn, couple)
        row = await bot_typing_row(conn, couple)
    assert parts >= 1
    assert on_off(sent) == [True, False] * parts
    assert all(s["event"] == "typing" and s["private"] is True for s in sent)
    assert all(s["payload"]["user_id"] == str(couple.bot_id) for s in sent)
    assert all(s["payload"]["match_id"] == str(couple.match_id) for s in sent)
    for item in sent:
        expires = item["payload"]["expires_at"]
        assert (expires is not None) == item["payload"]["is_typing"], item
    assert row is None


async def test_both_broadcasts_and_writes_the_row(sb_pool: asyncpg.Pool, sb_settings: Any) -> None:
    """With `both`, each typing change is broadcast and the table row follows it too."""
    settings = sb_settings(TYPING_TRANSPORT="both")
    clock = VirtualClock()
    engine = ConversationEngine(sb_pool, settings, clock=clock)
    async with sb_pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Coucou, ça va ?", at=clock.now)
        await drive(engine, clock, couple.match_id, OfflineResponder())
        sent = await broadcasts(conn, couple)
        parts = await parts_sent(conn, couple)
        row = await bot_typing_row(conn, couple)
    assert parts >= 1
    assert on_off(sent) == [True, False] * parts
    assert all(s["private"] is True for s in sent)
    assert row is not None
    assert row["is_typing"] is False


async def test_long_typing_is_refreshed_until_the_part_is_sent(
    sb_pool: asyncpg.Pool, sb_settings: Any
) -> None:
    """During long typing the "on" broadcast is repeated every TYPING_REFRESH_INTERVAL, and the
    last one's expiry is still ahead when the part is sent, so the app never drops it early."""
    interval = 4.0
    settings = sb_settings(
        TIME_SCALE=1.0,
        TYPING_SPEED_CPS=1.0,
        TYPING_TRANSPORT="broadcast",
        TYPING_REFRESH_INTERVAL=interval,
    )
    clock = VirtualClock()
    engine = ConversationEngine(sb_pool, settings, clock=clock)
    async with sb_pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, LONG_QUESTION, at=clock.now)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder(), max_steps=400)
        sent = await broadcasts(conn, couple)
        parts = await parts_sent(conn, couple)
    sent_at = [t for t, r in trace if r.note.startswith("sent part") or r.note == "reply done"]
    assert len(sent_at) == parts >= 1
    assert on_off(sent) == [True, False] * parts
    # Split the broadcasts into one run of "on" per part.
    runs: list[list[dt.datetime]] = [[]]
    for item in sent:
        if item["payload"]["is_typing"]:
            runs[-1].append(dt.datetime.fromisoformat(item["payload"]["expires_at"]))
        else:
            runs.append([])
    runs = runs[:parts]
    lifetime = dt.timedelta(seconds=typing_broadcast.EXPIRY_INTERVALS * interval)
    slack = dt.timedelta(milliseconds=1)
    for expiries, sent_time in zip(runs, sent_at, strict=True):
        started = expiries[0] - lifetime
        # Typing lasts at least its length / speed (±20 %): several intervals here.
        if sent_time - started > dt.timedelta(seconds=interval) + slack:
            assert len(expiries) >= 2, (expiries, sent_time)
        gaps = [b - a for a, b in itertools.pairwise(expiries)]
        assert all(dt.timedelta(0) < g <= dt.timedelta(seconds=interval) + slack for g in gaps)
        assert expiries[-1] > sent_time
    assert any(len(expiries) >= 3 for expiries in runs), runs
    # The refresh steps say so in the trace, and nothing else changed the plan meanwhile.
    assert sum(r.note == "not due yet" for _, r in trace) == sum(len(e) - 1 for e in runs)


async def test_table_transport_broadcasts_nothing(sb_pool: asyncpg.Pool, sb_settings: Any) -> None:
    """With the default `table`, even long typing sends no broadcast and needs no extra step."""
    settings = sb_settings(TIME_SCALE=1.0, TYPING_SPEED_CPS=1.0)
    assert settings.typing_transport == "table"
    clock = VirtualClock()
    engine = ConversationEngine(sb_pool, settings, clock=clock)
    async with sb_pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, LONG_QUESTION, at=clock.now)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder(), max_steps=400)
        sent = await conn.fetchval("SELECT count(*) FROM realtime.sent")
        row = await bot_typing_row(conn, couple)
    assert sent == 0
    assert row is not None
    assert row["is_typing"] is False
    assert not any(r.note == "not due yet" for _, r in trace)


async def test_a_failing_realtime_send_falls_back_to_the_table(
    sb_pool: asyncpg.Pool,
    sb_settings: Any,
    supabase_cluster: SupabaseCluster,
    supabase_dsn: str,
) -> None:
    """When `realtime.send` raises, the step still succeeds and the table row carries typing."""
    database = urlsplit(supabase_dsn).path.lstrip("/")
    admin = await asyncpg.connect(supabase_cluster.dsn(database, user=SUPERUSER))
    try:
        await admin.execute(
            "CREATE OR REPLACE FUNCTION realtime.send(payload jsonb, event text, topic text, "
            "private boolean DEFAULT true) RETURNS void LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'realtime is down'; END; $$"
        )
    finally:
        await admin.close()
    settings = sb_settings(TYPING_TRANSPORT="broadcast")
    clock = VirtualClock()
    engine = ConversationEngine(sb_pool, settings, clock=clock)
    await _reply_leaves_typing_off(sb_pool, engine, clock)


async def test_without_realtime_broadcast_falls_back_to_the_table(
    pool: asyncpg.Pool, make_settings: Any, db_dsn: str
) -> None:
    """On plain PostgreSQL (no `realtime.send`), asking for `broadcast` is reported at start
    and by `migrate`, and replies still type through the table without failing a step."""
    settings = make_settings(TYPING_TRANSPORT="broadcast")
    with capture_logs() as logs:
        transport = await typing_broadcast.effective_transport(pool, settings)
    assert transport == "table"
    assert any("no realtime.send" in str(e.get("hint")) for e in logs), logs
    warning = await _typing_transport_warning(settings, db_dsn)
    assert warning is not None
    assert "TYPING_TRANSPORT=broadcast" in warning
    clock = VirtualClock()
    # Even an engine that was never told (no worker start check) falls back in SQL.
    engine = ConversationEngine(pool, settings, clock=clock)
    assert engine.typing_transport == "broadcast"
    await _reply_leaves_typing_off(pool, engine, clock)


async def test_broadcast_is_reported_available_on_supabase(
    sb_pool: asyncpg.Pool, sb_settings: Any, supabase_dsn: str
) -> None:
    """On a Supabase project the worker keeps `both` and `migrate` has nothing to warn about."""
    settings = sb_settings(TYPING_TRANSPORT="both")
    assert await typing_broadcast.effective_transport(sb_pool, settings) == "both"
    assert await _typing_transport_warning(settings, supabase_dsn) is None


async def test_runtime_role_broadcasts_through_the_service_function(
    sb_pool: asyncpg.Pool, sb_settings: Any, supabase_dsn: str
) -> None:
    """The least-privilege runtime role, created as the docs say, is told at start that it may
    broadcast, and broadcasts the bot's typing through `bot.set_typing`."""
    clock = VirtualClock()
    async with sb_pool.acquire() as conn:
        await create_runtime_role(conn)
        couple = await make_couple(conn)
        await say(conn, couple, "Coucou, ça va ?", at=clock.now)
    settings = sb_settings(TYPING_TRANSPORT="broadcast")
    runtime_pool = await asyncpg.create_pool(runtime_dsn(supabase_dsn), min_size=1, max_size=2)
    try:
        assert await typing_broadcast.effective_transport(runtime_pool, settings) == "broadcast"
        engine = ConversationEngine(runtime_pool, settings, clock=clock)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder())
    finally:
        await runtime_pool.close()
    assert await _typing_transport_warning(settings, runtime_dsn(supabase_dsn)) is None
    async with sb_pool.acquire() as conn:
        sent = await broadcasts(conn, couple)
        parts = await parts_sent(conn, couple)
        row = await bot_typing_row(conn, couple)
    assert trace[-1][1].note == "reply done"
    assert parts >= 1
    assert on_off(sent) == [True, False] * parts
    assert row is None


@pytest.mark.parametrize("transport", ["broadcast", "both"])
async def test_runtime_role_without_the_realtime_grant_falls_back_at_start(
    sb_pool: asyncpg.Pool, sb_settings: Any, supabase_dsn: str, transport: str
) -> None:
    """Realtime grants its schema to its own roles only: a runtime role without the grant (an
    older service_role.sql) is told so at start in one line naming the file to run, writes the
    table, and neither the probe nor `migrate`'s check raises; the file run again fixes it."""
    async with sb_pool.acquire() as conn:
        await create_runtime_role(conn)
        await conn.execute(f"REVOKE USAGE ON SCHEMA realtime FROM {RUNTIME_ROLE}")
    settings = sb_settings(TYPING_TRANSPORT=transport)
    runtime_pool = await asyncpg.create_pool(runtime_dsn(supabase_dsn), min_size=1, max_size=2)
    try:
        with capture_logs() as logs:
            assert await typing_broadcast.effective_transport(runtime_pool, settings) == "table"
        hints = [e["hint"] for e in logs if e["event"] == "typing.broadcast_unavailable"]
        assert len(hints) == 1, logs
        assert f"TYPING_TRANSPORT={transport}" in hints[0]
        assert f"role {RUNTIME_ROLE} lacks USAGE on schema realtime" in hints[0]
        assert "docs/sql/service_role.sql" in hints[0]
        assert await _typing_transport_warning(settings, runtime_dsn(supabase_dsn)) == hints[0]
        # An engine that was never told answers all the same (`bot.set_typing` runs as the
        # migration role), and leaves no indicator on.
        clock = VirtualClock()
        engine = ConversationEngine(runtime_pool, settings, clock=clock)
        async with sb_pool.acquire() as conn:
            couple = await make_couple(conn)
            await say(conn, couple, "Coucou, ça va ?", at=clock.now)
            trace = await drive(engine, clock, couple.match_id, OfflineResponder())
            row = await bot_typing_row(conn, couple)
        assert trace[-1][1].note == "reply done"
        assert row is None or row["is_typing"] is False
        async with sb_pool.acquire() as conn:
            await create_runtime_role(conn)
        assert await typing_broadcast.effective_transport(runtime_pool, settings) == transport
    finally:
        await runtime_pool.close()


async def test_a_probe_that_fails_never_stops_the_worker(
    sb_pool: asyncpg.Pool, sb_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the Realtime probe meets besides a lost connection, the worker starts with the
    table and says why."""

    async def refused(_conn: object) -> None:
        raise DatabaseError("permission denied for schema realtime", sqlstate="42501")

    monkeypatch.setattr(typing_indicators, "realtime_access", refused)
    settings = sb_settings(TYPING_TRANSPORT="broadcast")
    with capture_logs() as logs:
        assert await typing_broadcast.effective_transport(sb_pool, settings) == "table"
    hint = next(e["hint"] for e in logs if e["event"] == "typing.broadcast_unavailable")
    assert "permission denied for schema realtime" in hint
    assert "docs/sql/service_role.sql" in hint


def fallbacks() -> float:
    value = METRICS.registry.get_sample_value("randomatch_typing_broadcast_fallbacks_total")
    return value or 0.0


async def test_a_broadcast_that_was_not_stored_falls_back_to_the_table(
    sb_pool: asyncpg.Pool,
    sb_settings: Any,
    supabase_cluster: SupabaseCluster,
    supabase_dsn: str,
) -> None:
    """Today's `realtime.messages` partition is missing (Realtime not connected yet today):
    `realtime.send` only warns and stores nothing. `bot.set_typing` notices, the table carries
    every state, the indicator ends off, and each fallback is counted."""
    database = urlsplit(supabase_dsn).path.lstrip("/")
    admin = await asyncpg.connect(supabase_cluster.dsn(database, user=SUPERUSER))
    try:
        # Today's and tomorrow's (UTC): a run that crosses midnight finds none either.
        await admin.execute(
            """
            DO $$
            DECLARE d date;
            BEGIN
                FOR d IN SELECT (now() AT TIME ZONE 'UTC')::date + i FROM generate_series(0, 1) i
                LOOP
                    EXECUTE format('DROP TABLE realtime.%I',
                                   'messages_' || to_char(d, 'YYYY_MM_DD'));
                END LOOP;
            END $$;
            """
        )
    finally:
        await admin.close()
    async with sb_pool.acquire() as conn:
        await create_runtime_role(conn)
        await install_event_log(conn)
        # The test's own timeline is written by the runtime role's statements too.
        await conn.execute(
            f"GRANT INSERT ON public.test_events TO {RUNTIME_ROLE}; "
            f"GRANT USAGE ON SEQUENCE public.test_events_seq_seq TO {RUNTIME_ROLE}"
        )
    settings = sb_settings(TYPING_TRANSPORT="broadcast")
    before = fallbacks()
    clock = VirtualClock()
    runtime_pool = await asyncpg.create_pool(runtime_dsn(supabase_dsn), min_size=1, max_size=2)
    try:
        engine = ConversationEngine(runtime_pool, settings, clock=clock)
        async with sb_pool.acquire() as conn:
            couple = await make_couple(conn)
            await say(conn, couple, "Coucou, ça va ?", at=clock.now)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder())
    finally:
        await runtime_pool.close()
    async with sb_pool.acquire() as conn:
        sent = await broadcasts(conn, couple)
        parts = await parts_sent(conn, couple)
        row = await bot_typing_row(conn, couple)
        kinds = await conn.fetch(
            "SELECT kind FROM public.test_events WHERE match_id = $1 AND actor = $2 "
            "AND kind LIKE 'typing%' ORDER BY seq",
            couple.match_id,
            couple.bot_id,
        )
    assert trace[-1][1].note == "reply done"
    assert sent == []
    assert parts >= 1
    assert [k["kind"] for k in kinds] == ["typing_on", "typing_off"] * parts
    assert row is not None
    assert row["is_typing"] is False
    assert fallbacks() - before >= 2 * parts


async def test_only_the_match_members_may_join_the_typing_channel(
    sb_pool: asyncpg.Pool,
    sb_settings: Any,
    supabase_cluster: SupabaseCluster,
    supabase_dsn: str,
) -> None:
    """Under docs/sql/realtime_typing.sql, Realtime's check for a private channel (the topic in
    `realtime.topic()`, the user's JWT claims, SELECT on `realtime.messages`) admits the two
    members of the match, and neither another signed-in user nor `anon`."""
    typing_sql = (REPO / "docs" / "sql" / "realtime_typing.sql").read_text("utf-8")
    settings = sb_settings(TYPING_TRANSPORT="broadcast")
    clock = VirtualClock()
    engine = ConversationEngine(sb_pool, settings, clock=clock)
    # On Supabase, supautils' policy grants let `postgres` manage the policies of
    # realtime.messages; this cluster has no supautils, so the file runs as its superuser.
    database = urlsplit(supabase_dsn).path.lstrip("/")
    admin = await asyncpg.connect(supabase_cluster.dsn(database, user=SUPERUSER))
    try:
        await admin.execute(typing_sql)
    finally:
        await admin.close()
    async with sb_pool.acquire() as conn:
        couple = await make_couple(conn)
        stranger = await make_profile(conn, "Sam", bot=False)
        await say(conn, couple, "Coucou, ça va ?", at=clock.now)
        await drive(engine, clock, couple.match_id, OfflineResponder())

        async def may_read(user: uuid.UUID | None) -> int:
            async with as_app_user(conn, user):
                await conn.execute(
                    "SELECT set_config('realtime.topic', $1, true)", f"match:{couple.match_id}"
                )
                return int(await conn.fetchval("SELECT count(*) FROM realtime.messages"))

        seen = {
            "human": await may_read(couple.human_id),
            "bot": await may_read(couple.bot_id),
            "stranger": await may_read(stranger),
            "anon": await may_read(None),
        }
    assert seen["human"] > 0
    assert seen["bot"] == seen["human"]
    assert seen["stranger"] == 0
    assert seen["anon"] == 0
