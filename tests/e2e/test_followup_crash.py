"""Follow-ups under kill -9: each silent match gets exactly one follow-up, sent once."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.e2e.test_crash_recovery import service_env
from tests.support.databases import make_couple, say
from tests.support.pipeline import eventually
from tests.support.processes import Service

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def test_follow_ups_exactly_once_while_workers_are_killed(
    pool: asyncpg.Pool, make_settings: Any, tmp_path: Path
) -> None:
    """Workers killed with SIGKILL while replies and follow-ups are under way: every match ends
    with one reply and one follow-up, each part inserted once, no indicator left on."""
    settings = make_settings(TIME_SCALE=0.05, GROUPING_WINDOW=2)
    # 0.01 h = 36 s, 1.8 s at this scale: the follow-ups fall inside the kills.
    env = {**service_env(settings), "FOLLOWUP_AFTER": "0.01", "FOLLOWUP_MAX": "1"}
    rng = random.Random(20261126)
    async with pool.acquire() as conn:
        couples = [await make_couple(conn) for _ in range(8)]
    bridge = Service("bridge", env=env, cwd=tmp_path)
    workers = [Service("worker", "--name", f"w{i}", env=env, cwd=tmp_path) for i in range(2)]

    async def finished() -> int:
        async with pool.acquire() as conn:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM bot.reply_plans WHERE status = 'done' "
                    "AND match_id = ANY($1::uuid[])",
                    [c.match_id for c in couples],
                )
            )

    try:
        bridge.wait_for("bridge.listening", timeout=60)
        async with pool.acquire() as conn:
            for couple in couples:
                await say(conn, couple, "Salut ! Tu marches où ce week-end ?")
        for kill in range(8):
            await asyncio.sleep(rng.uniform(0.4, 1.2))
            index = rng.randrange(len(workers))
            workers[index].kill()
            workers[index] = Service("worker", "--name", f"w{index}-{kill}", env=env, cwd=tmp_path)
        await eventually(finished, lambda n: n == 2 * len(couples), timeout=120)
        await asyncio.sleep(3)  # a follow-up too many would be due by now (FOLLOWUP_MAX=1)
        async with pool.acquire() as conn:
            await eventually(
                lambda: conn.fetchval(
                    "SELECT count(*) FROM public.typing_indicators WHERE is_typing"
                ),
                lambda n: n == 0,
                timeout=20,
            )
            for couple in couples:
                plans = await conn.fetch(
                    "SELECT trigger_message_ids, parts FROM bot.reply_plans "
                    "WHERE match_id = $1 AND status = 'done' ORDER BY created_at",
                    couple.match_id,
                )
                assert len(plans) == 2
                assert plans[0]["trigger_message_ids"] != []
                assert plans[1]["trigger_message_ids"] == []
                sent = await conn.fetch(
                    "SELECT content FROM public.messages WHERE match_id = $1 AND sender_id = $2 "
                    "ORDER BY created_at, id",
                    couple.match_id,
                    couple.bot_id,
                )
                assert [r["content"] for r in sent] == [*plans[0]["parts"], *plans[1]["parts"]]
    finally:
        for service in [bridge, *workers]:
            service.kill()
