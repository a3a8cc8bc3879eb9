"""The bot's typing indicator over Supabase Realtime Broadcast (TYPING_TRANSPORT), on the
Supabase-shaped database whose stub `realtime.send` records each call in `realtime.sent` (a
call of a rolled-back step leaves no record, as with the real one)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
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
from randomatch_bot.llm import OfflineResponder
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.pipeline import eventually, running_pipeline
from tests.support.supabase import SUPERUSER, SupabaseCluster

pytestmark = pytest.mark.integration

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
    """The least-privilege runtime role of docs/sql, which may not call `realtime.send`
    itself, broadcasts the bot's typing through `bot.set_typing`."""
    roles_sql = (Path(__file__).parents[2] / "docs" / "sql" / "service_role.sql").read_text()
    clock = VirtualClock()
    async with sb_pool.acquire() as conn:
        await conn.execute(roles_sql)
        may_send = await conn.fetchval(
            "SELECT has_function_privilege('randomatch_bot', "
            "'realtime.send(jsonb,text,text,boolean)', 'EXECUTE')"
        )
        couple = await make_couple(conn)
        await say(conn, couple, "Coucou, ça va ?", at=clock.now)
    assert may_send is False
    runtime_dsn = supabase_dsn.replace("://postgres:@", "://randomatch_bot:@", 1)
    assert runtime_dsn != supabase_dsn
    settings = sb_settings(TYPING_TRANSPORT="broadcast")
    runtime_pool = await asyncpg.create_pool(runtime_dsn, min_size=1, max_size=2)
    try:
        engine = ConversationEngine(runtime_pool, settings, clock=clock)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder())
    finally:
        await runtime_pool.close()
    async with sb_pool.acquire() as conn:
        sent = await broadcasts(conn, couple)
        parts = await parts_sent(conn, couple)
        row = await bot_typing_row(conn, couple)
    assert trace[-1][1].note == "reply done"
    assert parts >= 1
    assert on_off(sent) == [True, False] * parts
    assert row is None
