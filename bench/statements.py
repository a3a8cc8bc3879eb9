"""SQL statements per reply, by statement: `python -m bench.statements`.

Each statement is shown by its query's name in `db/queries/*.sql` (the driver's own and
`BEGIN`/`COMMIT` by their text).

Drives the conversation engine on a virtual clock (no Redis, offline responder) against a fresh
embedded PostgreSQL: each of N matches gets one human message, and every statement the
engine's connections send while the reply is made (steps, generation, pool resets) is counted
with asyncpg's query logger. The fewer statements a reply takes, the less PostgreSQL works per
reply; the figure is the cost of the steps themselves, without the worker's scheduling.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import tempfile
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from randomatch_bot.config import Settings
from randomatch_bot.conversation.plan.engine import ConversationEngine, SeededRandom
from randomatch_bot.db.sql import SQL
from randomatch_bot.infra import postgres
from randomatch_bot.infra.embedded import EmbeddedServers
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.simulate.driver import VirtualClock, drive
from randomatch_bot.supervisor import migrate_database

MESSAGE = "Salut ! Tu marches où ce week-end ? Moi je pensais au Vercors."


async def _couple(conn: asyncpg.Connection) -> uuid.UUID:
    bot_id, human_id, match_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        "INSERT INTO public.profiles (id, display_name, is_bot) VALUES ($1, 'Camille', true),"
        " ($2, 'Alex', false)",
        bot_id,
        human_id,
    )
    await conn.execute(
        "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
        match_id,
        human_id,
        bot_id,
    )
    return match_id


async def count(dsn: str, replies: int, parts: int) -> tuple[collections.Counter[str], int]:
    """Statements sent while `replies` replies of up to `parts` parts are made, and the steps."""
    counts: collections.Counter[str] = collections.Counter()
    counting = [False]
    names = {query.text: query.name for query in SQL.all()}

    def logged(record: Any) -> None:
        if counting[0]:
            name = names.get(record.query) or " ".join(record.query.split())[:60]
            counts[name] += 1

    async def init(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(logged)

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        POSTGRES_CONNECTION_STRING=dsn,
        TIME_SCALE=0.1,
        MAX_PARTS=parts,
        ACTIVE_HOURS="00:00-24:00",
        ABSENCE_PROBABILITY=0.0,
        MATCH_REPLIES_PER_HOUR=0,
        BOT_REPLIES_PER_MINUTE=0,
    )
    steps = 0
    # The worker's pool settings (no reset query on release), with the counting logger.
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=4, init=init, reset=postgres.keep_session
    )
    try:
        for n in range(replies):
            clock = VirtualClock()
            engine = ConversationEngine(pool, settings, clock=clock, rng=SeededRandom(n))
            async with pool.acquire() as conn:
                match_id = await _couple(conn)
                await conn.execute(
                    "INSERT INTO public.messages (match_id, sender_id, content, created_at) "
                    "SELECT $1, user_a, $2, $3 FROM public.matches WHERE id = $1",
                    match_id,
                    MESSAGE,
                    clock.now,
                )
            counting[0] = True
            trace = await drive(engine, clock, match_id, OfflineResponder())
            counting[0] = False
            steps += len(trace)
    finally:
        await pool.close()
    return counts, steps


async def main(replies: int, parts: int) -> None:
    with tempfile.TemporaryDirectory(prefix="randomatch-bench-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # noqa: ASYNC240 - once, before the server starts
        with EmbeddedServers(root / "pg", exclusive=True) as servers:
            assert servers.endpoints is not None
            dsn = servers.endpoints.postgres_dsn
            await migrate_database(dsn)
            counts, steps = await count(dsn, replies, parts)
    total = sum(counts.values())
    print(f"{replies} replies of up to {parts} parts, {steps / replies:.1f} steps each")
    print(f"SQL statements per reply: {total / replies:.1f}")
    for query, n in counts.most_common():
        print(f"  {n / replies:5.1f}  {query}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--replies", type=int, default=20, help="replies counted")
    parser.add_argument("--parts", type=int, default=2, help="MAX_PARTS")
    args = parser.parse_args()
    asyncio.run(main(args.replies, args.parts))
