"""What a persona's variants cost the step's one read (`step_read`):
`python -m bench.variant_step [--conversations N] [--runs N]`.

On a fresh embedded PostgreSQL, three personas with `--conversations` matches each: one
without variants, one with two variants whose conversations have theirs recorded (both with a
reply plan, as after a first reply), and one with two variants whose conversations are read
for the first time (the read creates the conversation, gives and records its variant). Prints
the median and 90th percentile of one `step_read` (in its transaction, as a step runs it) for
each, client-side. The first line on another version's `src` (without variants) gives what the
variant's join costs a persona that has none.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from bench.scan_scale import _database
from randomatch_bot.conversation.persona import variants
from randomatch_bot.conversation.persona.files import bundled_persona, import_persona
from randomatch_bot.db import steps
from randomatch_bot.db.migrate import migrate
from randomatch_bot.db.usage import PolicyQuery
from randomatch_bot.infra.embedded import EmbeddedServers

POLICY = PolicyQuery(False, False, None, None, "Europe/Paris")


async def _persona(
    conn: asyncpg.Connection, name: str, n: int, with_variants: bool
) -> list[uuid.UUID]:
    bot_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO public.profiles (id, display_name, is_bot) VALUES ($1, $2, true)", bot_id, name
    )
    await import_persona(conn, bundled_persona("camille"), bot_id)
    if with_variants:
        for label, weight in (("a", 1), ("b", 2)):
            await variants.add_variant(
                conn, bot_id, label, weight, variants.settings_of(temperature=0.5)
            )
    matches = []
    for i in range(n):
        human, match = uuid.uuid4(), uuid.uuid4()
        await conn.execute(
            "INSERT INTO public.profiles (id, display_name, is_bot) VALUES ($1, $2, false)",
            human,
            f"h{i}",
        )
        await conn.execute(
            "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
            match,
            human,
            bot_id,
        )
        await conn.execute(
            "INSERT INTO public.messages (match_id, sender_id, content) VALUES ($1, $2, 'Salut')",
            match,
            human,
        )
        matches.append(match)
    return matches


async def _read(conn: asyncpg.Connection, match_id: uuid.UUID) -> float:
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    async with conn.transaction():
        await steps.read(
            conn,
            match_id=match_id,
            now=now,
            since=now - dt.timedelta(days=1),
            followups_default=False,
            policy=POLICY,
        )
    return (time.perf_counter() - started) * 1000


def _line(label: str, timings: list[float]) -> str:
    p90 = statistics.quantiles(timings, n=10)[-1]
    return f"{label:<44} {statistics.median(timings):7.3f} ms   p90 {p90:7.3f} ms"


async def bench(conversations: int, runs: int, data_dir: Path) -> None:
    with EmbeddedServers(data_dir, exclusive=True) as servers:
        assert servers.endpoints is not None
        base = servers.endpoints.postgres_dsn
        admin = await asyncpg.connect(base)
        try:
            await admin.execute("CREATE DATABASE bench_variants")
        finally:
            await admin.close()
        conn = await asyncpg.connect(_database(base, "bench_variants"))
        try:
            await migrate(conn, create_missing_app_tables=True)
            plain = await _persona(conn, "Plain", conversations, False)
            recorded = await _persona(conn, "Recorded", conversations, True)
            first = await _persona(conn, "First", conversations, True)
            for match_id in recorded + plain:
                await _read(conn, match_id)  # conversations created, variants recorded
            # As after a first reply: the conversations have a plan.
            await conn.execute(
                "INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, "
                "trigger_message_ids, read_due_at, next_due_at) "
                "SELECT gen_random_uuid(), match_id, bot_id, 1, 'done', '{}', now(), now() "
                "FROM bot.conversations WHERE match_id = ANY($1::uuid[])",
                recorded + plain,
            )
            await conn.execute("VACUUM ANALYZE")
            none = [await _read(conn, m) for _ in range(runs) for m in plain]
            kept = [await _read(conn, m) for _ in range(runs) for m in recorded]
            given = [await _read(conn, m) for m in first]
            given_count = await conn.fetchval(
                "SELECT count(*) FROM bot.conversation_variants cv "
                "JOIN bot.conversations c USING (match_id) WHERE c.match_id = ANY($1::uuid[])",
                first,
            )
        finally:
            await conn.close()
    print(f"{conversations} conversations per persona, {runs} reads of each (first: one)")
    print(_line("step_read, persona without variants", none))
    print(_line("step_read, variant recorded", kept))
    print(_line("step_read, first sight: created, variant given", given))
    print(f"variants given at first sight: {given_count} of {len(first)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="randomatch-bench-variants-"))
    data_dir.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    try:
        asyncio.run(bench(args.conversations, args.runs, data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
