"""The catch-up scan on a database with many matches and messages (the data of
`bench/scan_scale.py`, at a small scale): it reads messages through the index on created_at,
never all of them, and finds exactly what the scan that visited every bot match found."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from bench.scan_scale import BEFORE_SQL, fill

from randomatch_bot.db import wakeups
from randomatch_bot.db.sql import SQL

pytestmark = pytest.mark.integration

MATCHES = 2_000
MESSAGES = 200_000  # over a year: about 550 in the catch-up's 24 hours


def scan_values(now: Any, revive: bool = True) -> dict[str, object]:
    return {"lookback_s": 86400.0, "now": now, "slack_s": 30.0, "limit": 10_000, "revive": revive}


def before_args(now: Any, revive: bool = True) -> tuple[object, ...]:
    # The scan of before takes the same values, in the order of its `$1 .. $5`.
    v = scan_values(now, revive)
    return (v["lookback_s"], v["now"], v["slack_s"], v["limit"], v["revive"])


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


@pytest.fixture
async def filled(db_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(db_dsn)
    await fill(conn, MATCHES, MESSAGES)
    try:
        yield conn
    finally:
        await conn.close()


async def test_scan_reads_messages_by_time_not_all_of_them(filled: asyncpg.Connection) -> None:
    """On 200,000 messages the plan reads public.messages through indexes only: the recent
    ones by created_at, the candidates' by (match_id, created_at); no sequential scan."""
    now = await filled.fetchval("SELECT now()")
    query = SQL.conversations_to_wake
    explained = await filled.fetchval(
        f"EXPLAIN (FORMAT JSON) {query.text}", *query.bind(scan_values(now))
    )
    plan = json.loads(explained)[0]["Plan"]
    on_messages = [n for n in nodes(plan) if n.get("Relation Name") == "messages"]
    assert on_messages
    assert all("Seq Scan" not in n["Node Type"] for n in on_messages), on_messages
    assert any(n.get("Index Name") == "bot_messages_created_idx" for n in on_messages)


async def test_scan_finds_what_the_full_scan_found(filled: asyncpg.Connection) -> None:
    """Overdue steps, unanswered messages whose NOTIFY was lost and new matches without an
    icebreaker: the same conversations, in the same order of due time, as the scan that
    visited every active bot match, with and without dead-letter revival."""
    now = await filled.fetchval("SELECT now()")
    for revive in (True, False):
        found = await wakeups.conversations_to_wake(
            filled, now=now, lookback_s=86400.0, slack_s=30.0, limit=10_000, revive=revive
        )
        full = await filled.fetch(BEFORE_SQL, *before_args(now, revive))
        assert sorted(r.match_id for r in found) == sorted(r["match_id"] for r in full)
        assert [r.next_wake_at for r in found] == [r["next_wake_at"] for r in full]
    lost = await filled.fetch(
        "SELECT DISTINCT msg.match_id FROM public.messages msg "
        "JOIN bot.conversations c ON c.match_id = msg.match_id AND c.status = 'idle' "
        "JOIN public.profiles p ON p.id = msg.sender_id AND NOT p.is_bot "
        "WHERE msg.created_at > now() - interval '1 day' "
        "AND NOT EXISTS (SELECT 1 FROM bot.answered_messages a WHERE a.message_id = msg.id)"
    )
    ids = {r.match_id for r in found}
    assert lost
    assert {r["match_id"] for r in lost} <= ids  # every lost notification is found
    assert any(r.next_wake_at is not None for r in found)  # overdue steps
    icebreakers = await filled.fetch(
        "SELECT m.id FROM public.matches m WHERE m.status = 'active' "
        "AND m.created_at > now() - interval '1 day' "
        "AND NOT EXISTS (SELECT 1 FROM public.messages WHERE match_id = m.id)"
    )
    assert icebreakers
    assert {r["id"] for r in icebreakers} <= ids
