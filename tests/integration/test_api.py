"""The monitoring API: auth, no secret in any response, metrics, readiness, conversations."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from randomatch_bot import errors
from randomatch_bot.api import create_app
from randomatch_bot.api.app import UNAVAILABLE
from randomatch_bot.config import load_settings
from randomatch_bot.errors import ConfigurationError
from randomatch_bot.process_metrics import Metrics, publish
from randomatch_bot.supervisor import open_resources
from tests.support.api_server import asgi_client
from tests.support.databases import make_couple, say
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration

TOKEN = "tok-3f9a1c-monitoring"
PROTECTED = [
    "/ready",
    "/metrics",
    "/stats",
    "/stats/series",
    "/overview",
    "/conversations",
    "/dead-letters",
    "/dead-letters/1",
]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition, parsed by prometheus_client's own parser."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def total(values: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> float:
    return sum(v for (n, _), v in values.items() if n == name)


async def test_health_is_open_and_everything_else_needs_the_token(make_settings: Any) -> None:
    """/health answers without a token; every other route is 401 without or with a wrong one,
    and answers with the right one."""
    app = create_app(make_settings(MONITORING_TOKEN=TOKEN))
    async with asgi_client(app) as http:
        assert (await http.get("/health")).json() == {"status": "ok"}
        for path in PROTECTED:
            response = await http.get(path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
            wrong = await http.get(path, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401, path
        for action in ("retry", "discard"):
            assert (await http.post(f"/dead-letters/1/{action}")).status_code == 401
        for path in PROTECTED:
            response = await http.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
            expected = 404 if path == "/dead-letters/1" else 200
            assert response.status_code == expected, (path, response.text)


async def test_without_token_only_this_machine_is_served(make_settings: Any) -> None:
    """With no MONITORING_TOKEN a local client is served and a remote one gets 403 saying why."""
    app = create_app(make_settings(MONITORING_TOKEN=None))
    async with asgi_client(app) as local:
        assert (await local.get("/stats")).status_code == 200
    async with asgi_client(app, client=("203.0.113.7", 40000)) as remote:
        assert (await remote.get("/health")).status_code == 200
        response = await remote.get("/stats")
        assert response.status_code == 403
        assert "MONITORING_TOKEN is not set" in response.json()["detail"]


async def test_no_secret_in_any_response(make_settings: Any, pool: asyncpg.Pool) -> None:
    """Token, API key and URL passwords appear in no response, even inside recorded errors."""
    api_key = "sk-or-v1-verysecretkey123"
    settings = make_settings(
        MONITORING_TOKEN=TOKEN,
        LLM_API_KEY=api_key,
        LLM_BASE_URL="https://user:hunter2pass@llm.example/api/v1",
    )
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        leak = f"401 for key {api_key} at postgresql://bot:pgsecretpw@db:5432/app"
        await conn.execute(
            "INSERT INTO bot.conversations (match_id, bot_id, human_id, status, last_error) "
            "VALUES ($1, $2, $3, 'dead_letter', $4)",
            couple.match_id,
            couple.bot_id,
            couple.human_id,
            leak,
        )
        letter = await conn.fetchval(
            "INSERT INTO bot.dead_letters (match_id, task, error) VALUES ($1, 'generate', $2) "
            "RETURNING id",
            couple.match_id,
            leak,
        )
    app = create_app(settings)
    async with asgi_client(app, token=TOKEN) as http:
        paths = [*PROTECTED, f"/dead-letters/{letter}", "/openapi.json", "/health", "/dashboard"]
        bodies = []
        for path in paths:
            response = await http.get(path)
            assert response.status_code < 500, path
            bodies.append(response.text + json.dumps(dict(response.headers)))
        seen = "\n".join(bodies)
    assert "***" in seen  # the recorded errors are there, redacted
    for secret in (TOKEN, api_key, "hunter2pass", "pgsecretpw"):
        assert secret not in seen


async def test_metrics_parse_and_move_when_a_reply_is_sent(
    make_settings: Any, pool: asyncpg.Pool
) -> None:
    """/metrics parses with prometheus_client and counts a reply, its parts, its latency and
    its model call once the pipeline has answered."""
    settings = make_settings(TIME_SCALE=0.01)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app) as http:
            before = samples((await http.get("/metrics")).text)
            assert total(before, "randomatch_replies_total") == 0
            assert before[("randomatch_source_up", (("source", "postgres"),))] == 1
            async with pool.acquire() as conn:
                await say(conn, couple, "Salut ! Une rando au lac Blanc samedi ?")

            async def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
                return samples((await http.get("/metrics")).text)

            after = await eventually(
                scrape, lambda s: total(s, "randomatch_replies_total") == 1, timeout=30
            )
    parts = total(after, "randomatch_reply_parts_sent_total")
    assert 1 <= parts <= settings.max_parts
    bot = (("bot_id", str(couple.bot_id)),)
    assert after[("randomatch_reply_latency_seconds_count", bot)] == 1
    assert after[("randomatch_reply_latency_seconds_sum", bot)] > 0
    assert total(after, "randomatch_llm_calls_total") == 1
    assert total(after, "randomatch_llm_latency_seconds_count") == 1
    assert total(after, "randomatch_steps_total") > 0  # this process's own counters too
    assert total(after, "randomatch_dead_letters_open") == 0


async def test_metrics_add_up_counters_published_by_other_processes(make_settings: Any) -> None:
    """Counters that a separate bridge process published to Redis are added to /metrics."""
    settings = make_settings()
    bridge = Metrics()  # the registry of "another process"
    bridge.notifications.labels("message").inc(7)
    bridge.reconnects.inc(2)
    async with open_resources(settings) as res:
        await publish(res.redis, res.keys, process="bridge-host#4242", registry=bridge.registry)
        app = create_app(settings, resources=res)
        async with asgi_client(app) as http:
            first = samples((await http.get("/metrics")).text)
            await publish(res.redis, res.keys, process="bridge-host#4243", registry=bridge.registry)
            second = samples((await http.get("/metrics")).text)
        await res.redis.delete(res.keys.metrics("bridge-host#4242"))
        await res.redis.delete(res.keys.metrics("bridge-host#4243"))
    key = ("randomatch_bridge_notifications_total", (("kind", "message"),))
    assert second[key] - first[key] == 7
    assert (
        total(second, "randomatch_bridge_reconnects_total")
        - total(first, "randomatch_bridge_reconnects_total")
        == 2
    )


async def test_ready_reports_servers_bridge_and_llm_mode(make_settings: Any) -> None:
    """/ready says PostgreSQL and Redis are up, whether a bridge beats, and the LLM mode."""
    settings = make_settings(TIME_SCALE=0.01)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app) as http:
            body = (
                await eventually(
                    lambda: http.get("/ready"), lambda r: r.json()["bridge"]["ok"], timeout=15
                )
            ).json()
    assert body["ready"] is True
    assert body["postgres"]["ok"]
    assert "schema" in body["postgres"]["detail"]
    assert body["redis"]["ok"]
    assert body["bridge"]["heartbeat_age_s"] is not None
    assert body["llm"]["online"] is False
    assert body["llm"]["ok"] is True
    assert body["llm"]["paused"] == []
    assert "offline" in body["llm"]["mode"]


async def test_conversations_show_the_step_and_next_due_time(
    make_settings: Any, pool: asyncpg.Pool
) -> None:
    """A reply in progress is listed with its step, its part and when it is due next."""
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=42)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        message = await say(conn, couple, "hello")
        await conn.execute(
            "INSERT INTO bot.conversations (match_id, bot_id, human_id, status, next_wake_at) "
            "VALUES ($1, $2, $3, 'replying', $4)",
            couple.match_id,
            couple.bot_id,
            couple.human_id,
            due,
        )
        plan = uuid.uuid4()
        await conn.execute(
            "INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, "
            "trigger_message_ids, read_due_at, parts, next_part, typing, next_due_at) "
            "VALUES ($1, $2, $3, 1, 'typing', $4, now(), $5, 1, true, $6)",
            plan,
            couple.match_id,
            couple.bot_id,
            [message],
            ["Salut !", "Ça va ?"],
            due,
        )
    async with asgi_client(create_app(make_settings())) as http:
        rows = (await http.get("/conversations")).json()
    assert len(rows) == 1
    row = rows[0]
    assert row["match_id"] == str(couple.match_id)
    assert row["bot_name"] == "Camille"
    assert (row["step"], row["next_part"], row["parts"], row["typing"]) == ("typing", 1, 2, True)
    assert dt.datetime.fromisoformat(row["next_due_at"]) == due


async def test_pages_are_served_without_token_and_hold_no_data(make_settings: Any) -> None:
    """The dashboard page and its assets load without a token and without a CDN."""
    app = create_app(make_settings(MONITORING_TOKEN=TOKEN))
    async with asgi_client(app) as http:
        page = await http.get("/dashboard")
        assert page.status_code == 200
        assert "Content-Security-Policy" in page.headers
        for asset in ("/static/dashboard.js", "/static/style.css"):
            assert (await http.get(asset)).status_code == 200
        assert "http" not in page.text.replace("http://www.w3.org", "")
        root = await http.get("/", follow_redirects=False)
        assert root.status_code == 307
        assert (await http.get("/chat/events")).status_code == 404  # demo only


METRICS_TOKEN = "tok-readonly-9e1f0a77"
READ_ONLY = ["/ready", "/metrics", "/stats", "/stats/series", "/overview", "/openapi.json"]
ADMIN_ONLY = ["/conversations", "/dead-letters", "/dead-letters/1"]


async def test_metrics_token_reads_but_never_administers(make_settings: Any) -> None:
    """METRICS_TOKEN opens the read-only routes; the dead letters and their actions need
    MONITORING_TOKEN, which opens everything."""
    app = create_app(make_settings(MONITORING_TOKEN=TOKEN, METRICS_TOKEN=METRICS_TOKEN))
    async with asgi_client(app, token=METRICS_TOKEN) as reader:
        for path in READ_ONLY:
            assert (await reader.get(path)).status_code == 200, path
        for path in ADMIN_ONLY:
            assert (await reader.get(path)).status_code == 401, path
        for action in ("retry", "discard"):
            assert (await reader.post(f"/dead-letters/1/{action}")).status_code == 401
    async with asgi_client(app, token=TOKEN) as admin:
        for path in [*READ_ONLY, "/conversations", "/dead-letters"]:
            assert (await admin.get(path)).status_code == 200, path


async def test_openapi_needs_the_token(make_settings: Any) -> None:
    """/openapi.json is not served without a token."""
    app = create_app(make_settings(MONITORING_TOKEN=TOKEN))
    async with asgi_client(app) as anonymous:
        assert (await anonymous.get("/openapi.json")).status_code == 401
    async with asgi_client(app, token=TOKEN) as admin:
        schema = (await admin.get("/openapi.json")).json()
    assert "/dead-letters" in schema["paths"]


async def test_local_access_needs_a_local_host_name(make_settings: Any) -> None:
    """Without a token, a local request naming another host (DNS rebinding) is refused."""
    app = create_app(make_settings(MONITORING_TOKEN=None))
    async with asgi_client(app) as local:
        assert (await local.get("/stats")).status_code == 200
        assert (await local.get("/stats", headers={"Host": "127.0.0.1:8000"})).status_code == 200
        assert (await local.get("/stats", headers={"Host": "[::1]:8000"})).status_code == 200
        rebound = await local.get("/stats", headers={"Host": "evil.example:8000"})
        assert rebound.status_code == 403
        assert "Host header" in rebound.json()["detail"]


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_token_is_no_token(make_settings: Any, value: str) -> None:
    """MONITORING_TOKEN= (as in .env.example) leaves the API local-only, not open."""
    assert make_settings(MONITORING_TOKEN=value).monitoring_token is None


def test_a_short_token_is_refused() -> None:
    """A token shorter than 16 characters stops the service with a line naming the variable."""
    with pytest.raises(ConfigurationError, match="MONITORING_TOKEN: must be at least 16"):
        load_settings(_env_file=None, MONITORING_TOKEN="abc")
    with pytest.raises(ConfigurationError, match="METRICS_TOKEN"):
        load_settings(_env_file=None, METRICS_TOKEN="short")


@pytest.mark.parametrize(
    "failure",
    [
        errors.DatabaseUnavailable("PostgreSQL connection lost or refused: reset"),
        errors.RedisUnavailable("Redis command failed: Connection refused"),
        errors.DatabaseBusy("canceling statement due to lock timeout", sqlstate="55P03"),
    ],
)
async def test_a_backing_server_failure_is_a_503_with_a_hint(
    make_settings: Any, failure: errors.RandomatchError
) -> None:
    """A route failing on PostgreSQL or Redis (the service's mapped errors) answers 503 with
    the hint, never the driver's message."""
    app = create_app(make_settings(MONITORING_TOKEN=TOKEN))

    @app.get("/test-failure")
    async def fail() -> None:
        raise failure

    async with asgi_client(app, token=TOKEN) as http:
        response = await http.get("/test-failure")
    assert response.status_code == 503
    assert response.json() == {"detail": UNAVAILABLE}
