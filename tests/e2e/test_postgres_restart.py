"""A PostgreSQL restart mid-run: the bridge reconnects, the workers retry, nothing is lost."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from randomatch_bot.infra.embedded import EmbeddedServers
from randomatch_bot.process_metrics import METRICS
from tests.support.databases import make_couple, say
from tests.support.pipeline import eventually, running_pipeline

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def test_postgres_restart_mid_run(
    embedded: EmbeddedServers, db_dsn: str, make_settings: Any
) -> None:
    """Messages before and after a database restart are all answered exactly once."""
    settings = make_settings(TIME_SCALE=0.05, GROUPING_WINDOW=1)
    conn = await asyncpg.connect(db_dsn)
    couples = [await make_couple(conn) for _ in range(8)]
    reconnects = METRICS.reconnects._value.get()
    async with running_pipeline(settings):
        for couple in couples[:4]:
            await say(conn, couple, "Avant le redémarrage : une rando ?")
        await conn.close()
        await asyncio.to_thread(embedded.restart_postgres)
        conn = await asyncpg.connect(db_dsn)
        for couple in couples[4:]:
            await say(conn, couple, "Après le redémarrage : toujours partante ?")

        async def finished() -> int:
            return int(
                await conn.fetchval("SELECT count(*) FROM bot.reply_plans WHERE status = 'done'")
            )

        await eventually(finished, lambda n: n == len(couples), timeout=90)
        answered = await conn.fetchval("SELECT count(*) FROM bot.answered_messages")
        plans = await conn.fetchval("SELECT count(*) FROM bot.reply_plans")
        duplicates = await conn.fetchval(
            "SELECT count(*) FROM (SELECT match_id, content FROM public.messages m "
            "JOIN public.profiles p ON p.id = m.sender_id AND p.is_bot "
            "GROUP BY match_id, content HAVING count(*) > 1) d"
        )
    await conn.close()
    assert answered == len(couples)
    assert plans == len(couples)
    assert duplicates == 0
    assert METRICS.reconnects._value.get() > reconnects
