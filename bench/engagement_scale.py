"""The engagement figures (`GET /engagement`) on a large database:
`make bench-engagement` or `python -m bench.engagement_scale [--matches N] [--messages N]
[--days N] [--runs N] [--plans]`.

Builds the database of `bench/scan_scale.py` (100,000 matches with five bots, one in ten
unmatched, 10 million messages over a year), then adds what the service writes for the bots'
messages of the last `--days` days (`bench/engagement_fill.sql`: a plan, its part, a model call
each, a follow-up in twenty, a guard trip in 200, the time each unmatch was seen), and keeps
the engagement turns decided over those days as the worker does (D34; timed, then one
incremental keeping a sweep's interval later, timed). Then runs
each engagement query for windows of 24 hours, 7 days and 30 days, grouped by persona, by
model and by variant, several times (the first run warms the cache and is not counted), and
prints the median of each (each gives its groups and the total in one pass) and their sum, one
`/engagement` answer, with the key lines of one EXPLAIN (ANALYZE, BUFFERS) when asked.

Runs on fresh embedded PostgreSQL in a temporary directory; compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg

from bench.scan_scale import _database, _key_lines, _timed, fill
from randomatch_bot.db import console
from randomatch_bot.db.console import WORK_MEM
from randomatch_bot.db.migrate import migrate
from randomatch_bot.db.sql import SQL, Query
from randomatch_bot.infra.embedded import EmbeddedServers
from randomatch_bot.worker.service import KEEP_INTERVAL

HERE = Path(__file__).parent
FILL_SQL = (HERE / "engagement_fill.sql").read_text("utf-8")
WINDOWS = (24, 24 * 7, 24 * 30)
# By variant every conversation here runs none (`base`): the figure is the cost of its joins.
GROUPINGS = ("persona", "model", "variant")
QUERIES = (
    SQL.engagement_turns,
    SQL.engagement_followups,
    SQL.engagement_closures,
    SQL.engagement_guard,
    SQL.engagement_cost,
)


async def fill_engagement(conn: asyncpg.Connection, days: int) -> None:
    """Add the service's rows of the last `days` days (bench/engagement_fill.sql)."""
    await conn.execute("SET session_replication_role = replica")
    await conn.execute("SELECT set_config('bench.days', $1, false)", str(days))
    for statement in FILL_SQL.split("\n\n"):
        code = [line for line in statement.splitlines() if not line.startswith("--")]
        if code:
            await _timed(conn, statement, code[0])
    await conn.execute("RESET session_replication_role")
    await _timed(conn, "VACUUM ANALYZE", "VACUUM ANALYZE")


def _args(query: Query, start: dt.datetime, end: dt.datetime, by: str) -> tuple[object, ...]:
    values: dict[str, object] = {"start": start, "end": end, "by": by}
    if "worst" in query.params:
        values["worst"] = 20
    return query.bind(values)


async def _time(
    conn: asyncpg.Connection, query: Query, args: tuple[object, ...], runs: int
) -> tuple[float, int]:
    timings: list[float] = []
    rows = 0
    for attempt in range(runs + 1):
        started = time.perf_counter()
        found = await conn.fetch(query.text, *args)
        if attempt:
            timings.append((time.perf_counter() - started) * 1000)
        rows = len(found)
    return statistics.median(timings), rows


async def keep_engagement(conn: asyncpg.Connection, days: int) -> None:
    """Keep the turns decided over the last `days` days as the worker does (D34), timed, then
    one incremental keeping a sweep's interval later, timed."""
    now = await conn.fetchval("SELECT now()")
    started = time.perf_counter()
    kept = await console.keep_turns(conn, now=now, keep=dt.timedelta(days=days))
    print(
        f"{time.perf_counter() - started:8.1f} s  kept the turns of {days} days: "
        f"{kept.added:,} turns in {kept.steps} steps",
        flush=True,
    )
    # As autovacuum does after many inserts: the kept turns are read from their indexes only.
    await _timed(conn, "VACUUM ANALYZE bot.engagement_turns", "VACUUM ANALYZE bot.engagement_turns")
    later = now + dt.timedelta(seconds=KEEP_INTERVAL)
    started = time.perf_counter()
    kept = await console.keep_turns(conn, now=later, keep=dt.timedelta(days=days))
    print(
        f"{(time.perf_counter() - started) * 1000:8.1f} ms one incremental keeping "
        f"({KEEP_INTERVAL:.0f} s later): {kept.added:,} turns",
        flush=True,
    )


async def _run(dsn: str, runs: int, plans: bool) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        end = await conn.fetchval("SELECT now()")
        # As the service runs them (db/console.py): sorts in memory.
        await conn.execute(f"SET work_mem = '{WORK_MEM}'")
        for hours in WINDOWS:
            start = end - dt.timedelta(hours=hours)
            for by in GROUPINGS:
                print(f"\n== window {hours} h, by {by}", flush=True)
                answer = 0.0
                for query in QUERIES:
                    median, rows = await _time(conn, query, _args(query, start, end, by), runs)
                    answer += median
                    print(f"   {query.name:<22} {median:8.1f} ms ({rows} rows)", flush=True)
                    if plans:
                        explain = await conn.fetch(
                            f"EXPLAIN (ANALYZE, BUFFERS) {query.text}",
                            *_args(query, start, end, by),
                        )
                        for line in _key_lines([r[0] for r in explain]):
                            print(f"      {line}")
                print(f"   one /engagement answer (every query): {answer:.0f} ms", flush=True)
    finally:
        await conn.close()


async def bench(
    matches: int, messages: int, days: int, runs: int, plans: bool, data_dir: Path
) -> None:
    with EmbeddedServers(data_dir, exclusive=True) as servers:
        assert servers.endpoints is not None
        base = servers.endpoints.postgres_dsn
        admin = await asyncpg.connect(base)
        try:
            await admin.execute("CREATE DATABASE bench_engagement")
        finally:
            await admin.close()
        dsn = _database(base, "bench_engagement")
        print(f"building {matches:,} matches, {messages:,} messages, {days} days of plans ...")
        started = time.perf_counter()
        conn = await asyncpg.connect(dsn)
        try:
            await migrate(conn, create_missing_app_tables=True)
            await fill(conn, matches, messages)
            await fill_engagement(conn, days)
            await keep_engagement(conn, days)
            counts = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM bot.reply_plans) AS plans, "
                "(SELECT count(*) FROM bot.conversations) AS conversations"
            )
        finally:
            await conn.close()
        print(
            f"built in {time.perf_counter() - started:.1f} s: {counts['conversations']:,} "
            f"conversations, {counts['plans']:,} plans",
            flush=True,
        )
        await _run(dsn, runs, plans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=35, help="days of plans, parts and calls")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query")
    parser.add_argument("--plans", action="store_true", help="print the key lines of each plan")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="randomatch-bench-engagement-"))
    data_dir.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    try:
        asyncio.run(bench(args.matches, args.messages, args.days, args.runs, args.plans, data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
