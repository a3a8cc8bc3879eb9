"""The bridge's catch-up scan and the worker's typing sweeper on a large database:
`make bench-scan` or `python -m bench.scan_scale [--matches N] [--messages N] [--runs N]`.

Builds, in SQL with generate_series, 100,000 matches with five bots (one in ten unmatched)
and 10 million messages spread evenly over a year (so about 27,000 in the last day), every
human message answered but a few, one conversation row per active match with a few steps
overdue, a few in progress and a few dead letters, and two typing indicators per match with
a few left on. Then runs each query several times (the first run warms the cache and is not
counted) and prints the median, with the key lines of one EXPLAIN (ANALYZE, BUFFERS).

"Before" is the scan as it was (it visits every active bot match) on the same database
without the indexes of migrations 0014 to 0017; "after" is the shipped query with them.

Runs on fresh embedded PostgreSQL in a temporary directory; one run, so compare runs on the
same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from randomatch_bot.config import Settings
from randomatch_bot.db.migrate import migrate
from randomatch_bot.db.sql import SQL
from randomatch_bot.infra.embedded import EmbeddedServers

HERE = Path(__file__).parent
BEFORE_SQL = (HERE / "scan_scale_before.sql").read_text("utf-8")
FILL_SQL = (HERE / "scan_scale_fill.sql").read_text("utf-8")
NEW_INDEXES = (
    "public.bot_messages_created_idx",
    "public.bot_matches_created_idx",
    "bot.answered_messages_answered_at_idx",
    "public.bot_profiles_bots_idx",
)


def _database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _timed(conn: asyncpg.Connection, sql: str, label: str) -> None:
    started = time.perf_counter()
    await conn.execute(sql)
    print(f"  {time.perf_counter() - started:6.1f} s  {label[:80]}", flush=True)


async def fill(conn: asyncpg.Connection, matches: int, messages: int) -> None:
    """Fill a migrated, empty database with the bench's rows (bench/scan_scale_fill.sql),
    printing how long each step took. Needs a superuser: the bulk load runs without
    foreign-key checks or notify triggers, and builds the messages indexes afterwards."""
    saved = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = 'public' AND tablename = 'messages' AND indexname LIKE 'bot_%'"
    )
    for row in saved:
        await conn.execute(f'DROP INDEX public."{row["indexname"]}"')
    await conn.execute("SET session_replication_role = replica")
    await conn.execute("SET maintenance_work_mem = '512MB'")
    await conn.execute("SELECT set_config('bench.matches', $1, false)", str(matches))
    await conn.execute("SELECT set_config('bench.messages', $1, false)", str(messages))
    for statement in FILL_SQL.split("\n\n"):
        code = [line for line in statement.splitlines() if not line.startswith("--")]
        if code:
            await _timed(conn, statement, code[0])
    for row in saved:
        await _timed(conn, row["indexdef"], row["indexdef"])
    await conn.execute("RESET session_replication_role")
    await conn.execute("RESET maintenance_work_mem")
    await _timed(conn, "VACUUM ANALYZE", "VACUUM ANALYZE")


def _key_lines(plan: list[str]) -> list[str]:
    """The lines that say how the big tables are read, and the totals."""
    keys = ("Scan", "Execution Time", "Planning Time")
    lines = [line.strip() for line in plan if any(key in line for key in keys)]
    buffers = next((line.strip() for line in plan if "Buffers:" in line), "")
    return [*lines, f"total {buffers}"]


async def _measure(
    conn: asyncpg.Connection, sql: str, args: tuple[object, ...], runs: int, *, update: bool
) -> tuple[float, list[str], int, int]:
    """Median client-side milliseconds over `runs` runs (after one warm-up), one plan, the
    rows found, and `runs`."""
    timings: list[float] = []
    rows = 0
    for attempt in range(runs + 1):
        tx = conn.transaction()
        await tx.start()
        started = time.perf_counter()
        found = await conn.fetch(sql, *args)
        elapsed = (time.perf_counter() - started) * 1000
        if update:
            await tx.rollback()  # the sweeper changes rows: each run sees the same database
        else:
            await tx.commit()
        if attempt:
            timings.append(elapsed)
        rows = len(found)
    tx = conn.transaction()
    await tx.start()
    plan = [r[0] for r in await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)]
    await tx.rollback()
    return statistics.median(timings), plan, rows, runs


def _default(field: str) -> object:
    """A setting's default: the bench measures the service as shipped."""
    return Settings.model_fields[field].default


async def _scan_args(conn: asyncpg.Connection) -> tuple[object, ...]:
    """The scan of before's arguments, in the order of its `$1 .. $5`."""
    now = await conn.fetchval("SELECT now()")
    return (
        _default("catchup_lookback"),
        now,
        _default("catchup_slack"),
        _default("catchup_batch"),
        _default("dead_letter_retry_on_message"),
    )


def _named_scan_args(before: tuple[object, ...]) -> tuple[object, ...]:
    """The same values for this release's scan, whose parameters are named."""
    names = ("lookback_s", "now", "slack_s", "limit", "revive")
    return SQL.conversations_to_wake.bind(dict(zip(names, before, strict=True)))


async def _run(dsn: str, runs: int, full_plans: bool) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        scan_args = await _scan_args(conn)
        named_args = _named_scan_args(scan_args)
        scan_sql = SQL.conversations_to_wake.text
        sweep = SQL.stale_typing_indicators
        sweep_args = sweep.bind({"stale_after": _default("stale_typing_after")})
        results = [
            ("catch-up scan (this release)", scan_sql, named_args, False),
            ("typing sweeper", sweep.text, sweep_args, True),
        ]
        figures = [
            (label, *await _measure(conn, sql, a, runs, update=u)) for label, sql, a, u in results
        ]
        # The same database as it was before: the old scan, without the new indexes.
        tx = conn.transaction()
        await tx.start()
        for name in NEW_INDEXES:
            await conn.execute(f"DROP INDEX IF EXISTS {name}")
        # Seconds per run at full size: three runs are enough to show it.
        slow_runs = min(runs, 3)
        before = await _measure(conn, BEFORE_SQL, scan_args, slow_runs, update=False)
        new_without = await _measure(conn, scan_sql, named_args, slow_runs, update=False)
        await tx.rollback()
        figures.append(("catch-up scan (before: every bot match)", *before))
        figures.append(("catch-up scan (this query, no new index)", *new_without))
    finally:
        await conn.close()
    for label, median_ms, plan, rows, count in figures:
        print(f"\n== {label}: median {median_ms:.1f} ms over {count} runs, {rows} rows")
        for line in plan if full_plans else _key_lines(plan):
            print(f"   {line}")


async def bench(matches: int, messages: int, runs: int, full_plans: bool, data_dir: Path) -> None:
    with EmbeddedServers(data_dir, exclusive=True) as servers:
        assert servers.endpoints is not None
        base = servers.endpoints.postgres_dsn
        admin = await asyncpg.connect(base)
        try:
            await admin.execute("CREATE DATABASE bench_scan")
        finally:
            await admin.close()
        dsn = _database(base, "bench_scan")
        print(f"building {matches:,} matches and {messages:,} messages ...", flush=True)
        started = time.perf_counter()
        conn = await asyncpg.connect(dsn)
        try:
            await migrate(conn, create_missing_app_tables=True)
            await fill(conn, matches, messages)
        finally:
            await conn.close()
        print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
        await _run(dsn, runs, full_plans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per query")
    parser.add_argument("--full-plans", action="store_true", help="print whole plans")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="randomatch-bench-scan-"))
    data_dir.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    try:
        asyncio.run(bench(args.matches, args.messages, args.runs, args.full_plans, data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
