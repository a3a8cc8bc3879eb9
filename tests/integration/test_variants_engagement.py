"""Engagement by variant end to end: `simulate --variants` writes the seeded demo into the
database, and `/engagement?by=variant`, `/stats` and `/metrics` show its two variants with
different reply rates, their intervals, and the difference significant; a demo too small for
the test says so."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from randomatch_bot.api import create_app
from randomatch_bot.api.engagement import compute
from randomatch_bot.infra.embedded import Endpoints
from randomatch_bot.simulate import variants_demo
from tests.support.processes import cli

pytestmark = pytest.mark.integration

READER = "reader-token-for-variants"
BOT = str(variants_demo.DEMO_BOT_ID)


def test_simulate_variants_then_engagement_by_variant(
    db_dsn: str, servers: Endpoints, tmp_path: Path, make_settings: Any
) -> None:
    """The demo's two variants differ in reply rate, significantly, with Wilson intervals
    that hold their rates; `curious` is compared with `classic` (the control)."""
    env = {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": servers.redis_url}
    made = cli(
        "simulate", "--variants", "--conversations", "240", "--seed", "3", env=env, cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    assert "variant classic:" in made.stdout
    assert "variant curious:" in made.stdout
    again = cli(
        "simulate", "--variants", "--conversations", "240", "--seed", "3", env=env, cwd=tmp_path
    )
    assert "there already" in again.stdout, again.stdout + again.stderr

    app = create_app(
        make_settings(METRICS_TOKEN=READER, MONITORING_TOKEN="admin-token-for-variants")
    )
    headers = {"Authorization": f"Bearer {READER}"}

    async def calls() -> tuple[dict[str, Any], dict[str, Any], str]:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client,
        ):
            eng = await client.get("/engagement?hours=240&by=variant", headers=headers)
            assert eng.status_code == 200, eng.text
            stats = await client.get("/stats?hours=240", headers=headers)
            assert stats.status_code == 200, stats.text
            metrics = await client.get("/metrics", headers=headers)
            assert metrics.status_code == 200
            return eng.json(), stats.json(), metrics.text

    eng, stats, metrics = asyncio.run(calls())
    groups = {g["key"]: g for g in eng["groups"]}
    classic, curious = groups[f"{BOT}/classic"], groups[f"{BOT}/curious"]
    assert (classic["name"], curious["name"]) == (
        f"{variants_demo.BOT_NAME} / classic",
        f"{variants_demo.BOT_NAME} / curious",
    )
    assert (classic["variant"], classic["bot_id"]) == ("classic", BOT)
    assert classic["turns"] > 100
    assert curious["turns"] > 100
    assert curious["reply_rate"] - classic["reply_rate"] > 0.15
    for group in (classic, curious):
        low, high = group["intervals"]["reply_rate"]
        assert low < group["reply_rate"] < high
        assert high - low < 0.2
        low, high = group["intervals"]["depth_mean"]
        assert low < group["depth"]["mean"] < high
    assert classic["comparison"] is None  # the control
    comparison = curious["comparison"]
    assert comparison["control"] == "classic"
    assert comparison["significant"] is True
    assert comparison["p_value"] < 0.05
    assert comparison["difference"] == pytest.approx(curious["reply_rate"] - classic["reply_rate"])
    assert comparison["statement"].startswith("significant: reply rate higher than classic")
    shown = {g["key"] for g in stats["engagement_variants"]}
    assert shown >= {f"{BOT}/classic", f"{BOT}/curious"}
    # The gauges' window is the last 24 h: the demo's variants, each labelled, as far as
    # their turns were decided then.
    samples = [
        line
        for line in metrics.splitlines()
        if line.startswith("randomatch_engagement_variant_reply_rate{")
    ]
    assert samples
    assert all(line.split('"')[1].startswith(BOT + "/") for line in samples)


async def test_a_small_demo_is_not_significant_yet(pool: asyncpg.Pool) -> None:
    """Six conversations: the comparison says the sample is too small, never significant."""
    now = dt.datetime.now(dt.UTC)
    async with pool.acquire() as conn:
        summary = await variants_demo.write(conn, conversations=6, seed=1, now=now)
        assert summary.written == 6
        result = await compute(conn, now - dt.timedelta(hours=240), now, "variant")
    compared = [g for g in result.groups if g.comparison is not None]
    assert compared
    for group in compared:
        assert group.comparison is not None
        assert not group.comparison.significant
        assert "n too small" in group.comparison.statement
