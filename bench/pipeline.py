"""Pipeline figures on this machine: `make bench` or `python -m bench.pipeline`.

1. detection latency — from the INSERT of a human message to its step scheduled on Redis
   (trigger → NOTIFY → bridge → docket), over sequential inserts;
2. replies per second with every human-like delay at zero (TIME_SCALE=0), offline responder,
   one worker process-equivalent (one event loop);
3. conversations held in waiting steps — N conversations waiting out a long grouping window:
   the worker's memory and Redis's memory per waiting conversation.

Everything runs on fresh embedded PostgreSQL and Redis in a temporary directory. Medians and
ratios are from one run; machines are noisy, so compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from randomatch_bot.bridge.listener import Bridge
from randomatch_bot.config import Settings
from randomatch_bot.infra.embedded import EmbeddedServers
from randomatch_bot.logs import configure_logging
from randomatch_bot.supervisor import migrate_database, open_resources
from randomatch_bot.worker.service import run_worker


class TimedBridge(Bridge):
    """A bridge that notes when each message's step was scheduled, by message id.

    Other notifications (a new match raises one too) are handled but not timed: keyed by the
    message id, a figure is never taken from the wrong wake-up.
    """

    scheduled: dict[str, float]
    arrived: asyncio.Event

    async def handle(self, payload: str) -> None:
        await super().handle(payload)
        message_id = json.loads(payload).get("message_id")
        if message_id is not None:
            self.scheduled[str(message_id)] = time.perf_counter()
            self.arrived.set()


def settings_for(dsn: str, redis_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "POSTGRES_CONNECTION_STRING": dsn,
        "REDIS_URL": redis_url,
        "DOCKET_NAME": f"bench-{uuid.uuid4().hex[:8]}",
        "LLM_API_KEY": None,
        "ACTIVE_HOURS": "00:00-24:00",
        "CATCHUP_INTERVAL": 3600,
        "WORKER_CONCURRENCY": 200,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def make_couples(conn: asyncpg.Connection, n: int) -> list[tuple[uuid.UUID, ...]]:
    rows = []
    for _ in range(n):
        bot, human, match = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        rows.append((bot, human, match))
    await conn.executemany(
        "INSERT INTO public.profiles (id, display_name, is_bot) VALUES ($1, 'Camille', true)",
        [(r[0],) for r in rows],
    )
    await conn.executemany(
        "INSERT INTO public.profiles (id, display_name, is_bot) VALUES ($1, 'Alex', false)",
        [(r[1],) for r in rows],
    )
    await conn.executemany(
        "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
        [(r[2], r[1], r[0]) for r in rows],
    )
    return rows


INSERT = "INSERT INTO public.messages (match_id, sender_id, content) VALUES ($1, $2, $3)"


async def detection_latency(dsn: str, redis_url: str, n: int) -> list[float]:
    settings = settings_for(dsn, redis_url)
    async with open_resources(settings) as res:
        bridge = TimedBridge(settings, dsn, res.docket, res.redis)
        bridge.scheduled = {}
        bridge.arrived = asyncio.Event()
        stop = asyncio.Event()
        task = asyncio.create_task(bridge.run(stop))
        await asyncio.wait_for(bridge.listening.wait(), 10)
        conn = await asyncpg.connect(dsn)
        couples = await make_couples(conn, 1)
        _bot, human, match = couples[0]
        latencies = []
        for index in range(n):
            start = time.perf_counter()
            row_id = await conn.fetchval(f"{INSERT} RETURNING id", match, human, f"m{index}")
            message_id = str(row_id)
            while message_id not in bridge.scheduled:
                bridge.arrived.clear()
                await asyncio.wait_for(bridge.arrived.wait(), 10)
            latencies.append(bridge.scheduled[message_id] - start)
        await conn.close()
        stop.set()
        await task
    return latencies


async def replies_per_second(dsn: str, redis_url: str, n: int) -> tuple[float, float]:
    settings = settings_for(dsn, redis_url, TIME_SCALE=0.0)
    conn = await asyncpg.connect(dsn)
    couples = await make_couples(conn, n)
    async with open_resources(settings, pool_size=20) as res:
        stop = asyncio.Event()
        bridge = Bridge(settings, dsn, res.docket, res.redis)
        tasks = [
            asyncio.create_task(bridge.run(stop)),
            asyncio.create_task(run_worker(settings, res.pool, res.docket, stop)),
        ]
        await asyncio.wait_for(bridge.listening.wait(), 10)
        start = time.perf_counter()
        await conn.executemany(
            INSERT, [(c[2], c[1], "Salut ! Une rando ce week-end ?") for c in couples]
        )
        done = 0
        while done < n:
            await asyncio.sleep(0.05)
            done = await conn.fetchval("SELECT count(*) FROM bot.reply_plans WHERE status = 'done'")
        elapsed = time.perf_counter() - start
        parts = await conn.fetchval("SELECT count(*) FROM bot.sent_parts")
        stop.set()
        await asyncio.gather(*tasks)
    await conn.close()
    return n / elapsed, parts / elapsed


async def waiting_conversations(dsn: str, redis_url: str, n: int) -> dict[str, float]:
    # A long grouping window: every conversation waits in a scheduled step.
    settings = settings_for(dsn, redis_url, TIME_SCALE=1.0, GROUPING_WINDOW=3600, GROUPING_CAP=3600)
    conn = await asyncpg.connect(dsn)
    couples = await make_couples(conn, n)
    process = psutil.Process(os.getpid())
    async with open_resources(settings, pool_size=20) as res:
        redis_before = (await res.redis.info("memory"))["used_memory"]
        gc.collect()
        rss_before = process.memory_info().rss
        stop = asyncio.Event()
        bridge = Bridge(settings, dsn, res.docket, res.redis)
        tasks = [
            asyncio.create_task(bridge.run(stop)),
            asyncio.create_task(run_worker(settings, res.pool, res.docket, stop)),
        ]
        await asyncio.wait_for(bridge.listening.wait(), 10)
        await conn.executemany(INSERT, [(c[2], c[1], "Coucou !") for c in couples])
        waiting = 0
        deadline = time.monotonic() + 300
        while waiting < n and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            waiting = await conn.fetchval(
                "SELECT count(*) FROM bot.conversations WHERE status = 'waiting'"
            )
        gc.collect()
        rss_after = process.memory_info().rss
        redis_after = (await res.redis.info("memory"))["used_memory"]
        scheduled = await res.redis.zcard(res.docket.queue_key)
        stop.set()
        await asyncio.gather(*tasks)
    await conn.close()
    return {
        "waiting": float(waiting),
        "scheduled": float(scheduled),
        "worker_rss_delta_mb": (rss_after - rss_before) / 2**20,
        "redis_bytes_per_conversation": (redis_after - redis_before) / max(1, waiting),
    }


async def fresh_database(admin_dsn: str, name: str) -> str:
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = admin_dsn.replace("/postgres?", f"/{name}?")
    await migrate_database(dsn)
    return dsn


async def main(args: argparse.Namespace) -> None:
    configure_logging(Settings(_env_file=None, LOG_LEVEL="WARNING"))  # type: ignore[call-arg]
    with tempfile.TemporaryDirectory() as tmp, EmbeddedServers(Path(tmp)) as servers:
        assert servers.endpoints is not None
        pg, redis_url = servers.endpoints.postgres_dsn, servers.endpoints.redis_url

        latencies = await detection_latency(
            await fresh_database(pg, "bench_latency"), redis_url, args.latency_samples
        )
        ms = sorted(x * 1000 for x in latencies)
        print(f"detection latency, INSERT -> step scheduled ({len(ms)} inserts):")
        print(
            f"  median {statistics.median(ms):.2f} ms   "
            f"p95 {ms[int(len(ms) * 0.95)]:.2f} ms   max {ms[-1]:.2f} ms"
        )

        rps, pps = await replies_per_second(
            await fresh_database(pg, "bench_rps"), redis_url, args.replies
        )
        print(
            f"replies with zero delays ({args.replies} conversations, 1 worker, offline responder):"
        )
        print(f"  {rps:.1f} replies/s   {pps:.1f} parts/s")

        held = await waiting_conversations(
            await fresh_database(pg, "bench_wait"), redis_url, args.waiting
        )
        print(f"conversations waiting in scheduled steps ({args.waiting} started):")
        print(
            f"  {held['waiting']:.0f} waiting, {held['scheduled']:.0f} steps scheduled on Redis; "
            f"worker RSS +{held['worker_rss_delta_mb']:.1f} MB; "
            f"Redis {held['redis_bytes_per_conversation']:.0f} bytes per waiting conversation"
        )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--waiting", type=int, default=3000)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
