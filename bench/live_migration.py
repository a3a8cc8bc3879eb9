"""The first `migrate` on a large, busy database: `make bench-migrate` or
`python -m bench.live_migration [--rows N]`.

The app's four tables exist with N messages (one million by default) and no index on
(match_id, created_at); the app INSERTs a message every 50 ms and a long read (a REPEATABLE
READ transaction, as a report or a backup would hold) stays open for the first seconds. Then
`randomatch-bot migrate` runs for the first time. Printed: the worst and the 99th percentile
INSERT latency while it ran, and how long it took.

For comparison, the same load against what the first release did (the index built in the
migration's transaction, without CONCURRENTLY) on an identical copy of the database.

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
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from randomatch_bot.db.migrate import load_migrations, migrate
from randomatch_bot.infra.embedded import EmbeddedServers

INSERT_EVERY = 0.05  # seconds: the app's write rate during the migration
LONG_READ_FOR = 5.0  # seconds the long read stays open after the migration starts
MATCHES = 2_000

# The first release's 0001 built this inside the migration transaction.
OLD_INDEX = (
    "CREATE INDEX IF NOT EXISTS bot_messages_match_created_idx "
    "ON public.messages (match_id, created_at)"
)


def _database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@dataclass(frozen=True, slots=True)
class Figures:
    label: str
    seconds: float
    inserts: int
    worst_ms: float
    p99_ms: float
    median_ms: float


async def _fill(dsn: str, rows: int) -> None:
    """The app's tables as the app created them (`0001` without the index), with `rows`
    messages spread over MATCHES human-to-human matches."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = load_migrations()[0].sql
        await conn.execute(tables)
        await conn.execute(
            "INSERT INTO public.profiles (id, display_name) "
            "SELECT gen_random_uuid(), 'hiker ' || i FROM generate_series(1, $1::int) AS i",
            MATCHES * 2,
        )
        await conn.execute(
            """
            INSERT INTO public.matches (id, user_a, user_b)
            SELECT gen_random_uuid(), a.id, b.id
              FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM public.profiles) a
              JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM public.profiles) b
                ON b.n = a.n + 1
             WHERE a.n % 2 = 1
            """
        )
        # Foreign-key checks off for the bulk fill only (the rows are consistent by design).
        await conn.execute("SET session_replication_role = replica")
        await conn.execute(
            """
            WITH m AS (SELECT array_agg(id ORDER BY id) AS ids,
                              array_agg(user_a ORDER BY id) AS senders
                         FROM public.matches)
            INSERT INTO public.messages (match_id, sender_id, content, created_at)
            SELECT m.ids[1 + g % cardinality(m.ids)], m.senders[1 + g % cardinality(m.ids)],
                   'message ' || g, now() - g * interval '1 second'
              FROM m, generate_series(1, $1::int) AS g
            """,
            rows,
        )
        await conn.execute("RESET session_replication_role")
        await conn.execute("VACUUM ANALYZE public.messages")
    finally:
        await conn.close()


async def _under_load(
    label: str, dsn: str, run: Callable[[asyncpg.Connection], Awaitable[object]]
) -> Figures:
    """Run `run` while the app inserts every INSERT_EVERY and a long read is open."""
    app = await asyncpg.connect(dsn)
    reader = await asyncpg.connect(dsn)
    migrator = await asyncpg.connect(dsn)
    try:
        match = await app.fetchrow("SELECT id, user_a FROM public.matches LIMIT 1")
        assert match is not None
        read = reader.transaction(isolation="repeatable_read")
        await read.start()
        await reader.fetchval("SELECT count(*) FROM public.messages")
        latencies: list[float] = []
        done = asyncio.Event()

        async def write() -> None:
            while not done.is_set():
                started = time.perf_counter()
                await app.execute(
                    "INSERT INTO public.messages (match_id, sender_id, content) "
                    "VALUES ($1, $2, $3)",
                    match["id"],
                    match["user_a"],
                    f"live {uuid.uuid4()}",
                )
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(INSERT_EVERY)

        async def end_read() -> None:
            await asyncio.sleep(LONG_READ_FOR)
            await read.rollback()

        writer = asyncio.create_task(write())
        await asyncio.sleep(0.5)  # the app is writing before the migration starts
        started = time.perf_counter()
        reader_task = asyncio.create_task(end_read())
        await run(migrator)
        seconds = time.perf_counter() - started
        await reader_task
        done.set()
        await writer
    finally:
        for conn in (app, reader, migrator):
            await conn.close()
    ms = sorted(value * 1000 for value in latencies)
    return Figures(
        label=label,
        seconds=seconds,
        inserts=len(ms),
        worst_ms=ms[-1],
        p99_ms=ms[min(len(ms) - 1, int(len(ms) * 0.99))],
        median_ms=statistics.median(ms),
    )


async def _old_way(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await conn.execute(OLD_INDEX)


async def bench(rows: int, data_dir: Path) -> list[Figures]:
    with EmbeddedServers(data_dir, exclusive=True) as servers:
        assert servers.endpoints is not None
        base = servers.endpoints.postgres_dsn
        admin = await asyncpg.connect(base)
        try:
            await admin.execute("CREATE DATABASE bench_filled")
            filled = _database(base, "bench_filled")
            print(f"filling {rows:,} messages ...", flush=True)
            fill_started = time.perf_counter()
            await _fill(filled, rows)
            print(f"filled in {time.perf_counter() - fill_started:.1f} s", flush=True)
            await admin.execute("CREATE DATABASE bench_new TEMPLATE bench_filled")
            await admin.execute("CREATE DATABASE bench_old TEMPLATE bench_filled")
        finally:
            await admin.close()
        new = await _under_load("migrate (this release)", _database(base, "bench_new"), migrate)
        old = await _under_load(
            "index in the migration's transaction (first release)",
            _database(base, "bench_old"),
            _old_way,
        )
    return [new, old]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="messages in the table")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="randomatch-bench-migrate-"))
    data_dir.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    try:
        results = asyncio.run(bench(args.rows, data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\nfirst migrate on {args.rows:,} messages, an INSERT every 50 ms, a long read open")
    print(f"for the first {LONG_READ_FOR:.0f} s:\n")
    print(f"{'':55} {'took':>8} {'inserts':>8} {'worst':>9} {'p99':>9} {'median':>9}")
    for f in results:
        print(
            f"{f.label:55} {f.seconds:7.1f}s {f.inserts:8d} {f.worst_ms:7.0f}ms "
            f"{f.p99_ms:7.0f}ms {f.median_ms:7.1f}ms"
        )
    worst = results[0].worst_ms
    print(f"\nworst INSERT latency during the first migrate: {worst:.0f} ms (goal < 1000 ms)")


if __name__ == "__main__":
    main()
