"""/stats and /stats/series give the three figures of `/stats` exactly, for a scripted history."""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
import uuid
from typing import Any

import asyncpg
import pytest

from randomatch_bot.api import create_app
from tests.support.api_server import asgi_client
from tests.support.databases import Couple, make_couple

pytestmark = pytest.mark.integration


def p95(values: list[float]) -> float:
    """PostgreSQL's percentile_cont(0.95): linear interpolation between closest ranks."""
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def reply(
    conn: asyncpg.Connection, couple: Couple, asked: dt.datetime, latency: float, parts: int = 2
) -> None:
    """A human message at `asked` answered by a finished plan whose first part came `latency`
    seconds later, then one part per second."""
    message = await conn.fetchval(
        "INSERT INTO public.messages (match_id, sender_id, content, created_at) "
        "VALUES ($1, $2, 'hello', $3) RETURNING id",
        couple.match_id,
        couple.human_id,
        asked,
    )
    plan = uuid.uuid4()
    sent = asked + dt.timedelta(seconds=latency)
    await conn.execute(
        "INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, trigger_message_ids, "
        "read_due_at, finished_at) VALUES ($1, $2, $3, 1, 'done', $4, $5, $5)",
        plan,
        couple.match_id,
        couple.bot_id,
        [message],
        sent,
    )
    for index in range(parts):
        await conn.execute(
            "INSERT INTO bot.sent_parts (message_id, plan_id, match_id, part_index, sent_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            uuid.uuid4(),
            plan,
            couple.match_id,
            index,
            sent + dt.timedelta(seconds=index),
        )
    await conn.execute(
        "INSERT INTO bot.answered_messages (message_id, match_id, plan_id, answered_at) "
        "VALUES ($1, $2, $3, $4)",
        message,
        couple.match_id,
        plan,
        sent + dt.timedelta(seconds=parts),
    )


async def llm_call(conn: asyncpg.Connection, couple: Couple, *, ok: bool, at: dt.datetime) -> None:
    await conn.execute(
        "INSERT INTO bot.llm_calls (bot_id, match_id, model, ok, status, prompt_tokens, "
        "completion_tokens, cost, latency_ms, created_at) "
        "VALUES ($1, $2, 'x-ai/grok-4.20', $3, $4, 100, 20, 0.001, 800, $5)",
        couple.bot_id,
        couple.match_id,
        ok,
        None if ok else 503,
        at,
    )


async def conversation(conn: asyncpg.Connection, couple: Couple) -> None:
    await conn.execute(
        "INSERT INTO bot.conversations (match_id, bot_id, human_id) VALUES ($1, $2, $3)",
        couple.match_id,
        couple.bot_id,
        couple.human_id,
    )


async def test_stats_match_a_scripted_history(make_settings: Any, pool: asyncpg.Pool) -> None:
    """Mean and p95 response time, error rate and messages per hour equal the hand-computed
    figures, per bot and in total; what lies outside the window is left out."""
    now = dt.datetime.now(dt.UTC)
    camille_latencies = [2.0, 4.0, 6.0, 8.0, 30.0]
    lea_latencies = [10.0, 20.0]
    async with pool.acquire() as conn:
        camille = await make_couple(conn, bot_name="Camille")
        lea = await make_couple(conn, bot_name="Léa")
        for couple in (camille, lea):
            await conversation(conn, couple)
        for i, latency in enumerate(camille_latencies):
            await reply(conn, camille, now - dt.timedelta(minutes=50 - i * 5), latency)
        for i, latency in enumerate(lea_latencies):
            await reply(conn, lea, now - dt.timedelta(minutes=30 - i * 5), latency, parts=1)
        # Two hours ago: outside a one-hour window.
        await reply(conn, camille, now - dt.timedelta(hours=2), 500.0)
        for i in range(4):
            await llm_call(conn, camille, ok=True, at=now - dt.timedelta(minutes=40 - i))
        await llm_call(conn, camille, ok=False, at=now - dt.timedelta(minutes=20))
        await llm_call(conn, lea, ok=True, at=now - dt.timedelta(minutes=10))
        await llm_call(conn, camille, ok=False, at=now - dt.timedelta(hours=3))
    async with asgi_client(create_app(make_settings())) as http:
        body = (await http.get("/stats", params={"hours": 1})).json()
        one_bot = (await http.get("/stats", params={"hours": 1, "bot_id": str(lea.bot_id)})).json()
    assert body["window"]["hours"] == pytest.approx(1.0)
    bots = {b["name"]: b for b in body["bots"]}
    c = bots["Camille"]
    assert c["response_time"]["replies"] == 5
    assert c["response_time"]["mean_s"] == pytest.approx(statistics.mean(camille_latencies))
    assert c["response_time"]["p95_s"] == pytest.approx(p95(camille_latencies))
    assert c["response_time"]["max_s"] == pytest.approx(30.0)
    assert c["api"] == {
        "calls": 5,
        "failed": 1,
        "error_rate": pytest.approx(0.2),
        "tokens": 600,
        "cost_usd": pytest.approx(0.005),
        "mean_latency_s": pytest.approx(0.8),
    }
    assert c["messages"] == {
        "received": 5,
        "answered": 5,
        "parts_sent": 10,
        "per_hour": pytest.approx(5.0),
    }
    everyone = camille_latencies + lea_latencies
    t = body["total"]
    assert t["response_time"]["replies"] == 7
    assert t["response_time"]["mean_s"] == pytest.approx(statistics.mean(everyone))
    assert t["response_time"]["p95_s"] == pytest.approx(p95(everyone))
    assert t["api"]["error_rate"] == pytest.approx(1 / 6)
    assert t["messages"]["per_hour"] == pytest.approx(7.0)
    assert [b["name"] for b in one_bot["bots"]] == ["Léa"]
    assert one_bot["total"]["response_time"]["mean_s"] == pytest.approx(15.0)
    assert one_bot["total"]["api"]["error_rate"] == 0


async def test_series_buckets_latency_and_volume(make_settings: Any, pool: asyncpg.Pool) -> None:
    """Per-hour buckets hold each reply's latency and the messages of that hour; empty hours are
    zeros, not gaps."""
    now = dt.datetime.now(dt.UTC)
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await conversation(conn, couple)
        asked = max(this_hour, now - dt.timedelta(minutes=5)) - dt.timedelta(hours=2)
        await reply(conn, couple, asked, 4.0)
        await reply(conn, couple, asked + dt.timedelta(seconds=10), 8.0)
    async with asgi_client(create_app(make_settings())) as http:
        body = (await http.get("/stats/series", params={"hours": 6})).json()
        too_many = await http.get("/stats/series", params={"hours": 2000, "bucket_minutes": 1})
    assert too_many.status_code == 422
    buckets = body["buckets"]
    assert len(buckets) == 7
    busy = [b for b in buckets if b["replies"]]
    assert len(busy) == 1
    assert busy[0]["mean_s"] == pytest.approx(6.0)
    assert busy[0]["received"] == 2
    assert busy[0]["sent"] == 4
    assert sum(b["received"] for b in buckets) == 2
    starts = [dt.datetime.fromisoformat(b["start"]) for b in buckets]
    assert all(b - a == dt.timedelta(hours=1) for a, b in itertools.pairwise(starts))
