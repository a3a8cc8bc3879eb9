"""Model faults that last, on a virtual clock: outages of minutes waited out, one probe per
interval through the shared breaker, paused models resumed by a probe or new settings."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from randomatch_bot.api import create_app
from randomatch_bot.config import Settings
from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.conversation.policies import outage
from randomatch_bot.conversation.policies.outage import RESUME_JITTER
from randomatch_bot.llm.breaker import MemoryBreaker
from randomatch_bot.llm.client import OpenAICompatibleClient
from randomatch_bot.simulate.driver import step
from randomatch_bot.status import collect_status
from randomatch_bot.supervisor import open_resources
from tests.integration.test_api import samples, total
from tests.support.api_server import asgi_client
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock
from tests.support.openai_server import Fault, OpenAIServer

pytestmark = pytest.mark.integration


def online(make_settings: Any, server: OpenAIServer, **extra: Any) -> Settings:
    values = {
        "LLM_BASE_URL": server.base_url,
        "LLM_API_KEY": "sk-test-not-a-real-key",
        "LLM_TIMEOUT": 2.0,
        "LLM_MAX_RETRIES": 0,
        "TIME_SCALE": 0.0,
    }
    values.update(extra)
    return make_settings(**values)  # type: ignore[no-any-return]


OPEN_CLIENTS: list[OpenAICompatibleClient] = []


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    yield
    while OPEN_CLIENTS:
        await OPEN_CLIENTS.pop().aclose()


def client(
    settings: Settings, clock: VirtualClock, *, interval: float = 30.0
) -> OpenAICompatibleClient:
    """The production client on the virtual clock: a breaker of its own (probing at least every
    `interval`), sleeping forbidden."""

    async def no_sleep(_seconds: float) -> None:
        raise AssertionError("the client must not sleep through an outage")

    def now() -> float:
        return clock.now.timestamp()

    breaker = MemoryBreaker(clock=now, rng=random.Random(1), interval=interval)
    llm = OpenAICompatibleClient(settings, sleep=no_sleep, rng=random.Random(0), breaker=breaker)
    OPEN_CLIENTS.append(llm)
    return llm


async def typing_on(conn: asyncpg.Connection, match_id: uuid.UUID) -> bool:
    value = await conn.fetchval(
        "SELECT bool_or(is_typing) FROM public.typing_indicators WHERE match_id = $1", match_id
    )
    return bool(value)


async def run_all(
    engine: ConversationEngine,
    clock: VirtualClock,
    matches: list[uuid.UUID],
    llm: OpenAICompatibleClient,
    conn: asyncpg.Connection,
    *,
    until: dt.datetime | None = None,
    max_steps: int = 400,
) -> list[str]:
    """Step every conversation at its due time on one timeline until none wants more; checks
    after each step that no indicator is on while a reply waits for the model."""
    due: dict[uuid.UUID, dt.datetime] = {m: clock.now for m in matches}
    notes: list[str] = []
    for _ in range(max_steps):
        if not due:
            return notes
        match_id = min(due, key=lambda m: due[m])
        if until is not None and due[match_id] > until:
            return notes
        clock.now = max(clock.now, due.pop(match_id))
        trace, wake = await step(engine, clock, match_id, llm)
        for _at, result in trace:
            notes.append(result.note)
            if result.note in ("waiting for the model", "model paused"):
                assert not await typing_on(conn, match_id)
            for other in result.resumed:
                due[other] = clock.now
        if wake is not None:
            due[match_id] = wake
    raise AssertionError(f"conversations did not settle: {notes[-5:]}")


class Outage:
    """The model's answers on the virtual clock: `faults` for the first calls, then Fault(503)
    until `until`, then the usual reply; records when (virtual time) each call came."""

    def __init__(
        self,
        clock: VirtualClock,
        faults: list[Fault] | None = None,
        until: dt.datetime | None = None,
    ) -> None:
        self.clock = clock
        self.faults = list(faults or [])
        self.until = until
        self.asked: list[dt.datetime] = []
        self.answered: list[dt.datetime] = []

    def __call__(self) -> Fault | None:
        now = self.clock.now
        self.asked.append(now)
        if self.faults:
            return self.faults.pop(0)
        if self.until is not None and now < self.until:
            return Fault(503)
        self.answered.append(now)
        return None


async def answered(conn: asyncpg.Connection, couple: Couple) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM bot.reply_plans WHERE match_id = $1 AND status = 'done'",
            couple.match_id,
        )
    )


async def test_outage_of_minutes_is_waited_out_and_answered(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """429 with Retry-After: 120 twice, then 5xx: the reply comes afterwards, once, without the
    human writing again, with no dead letter and typing off while it waits; the model is asked
    again at least every LLM_BREAKER_PROBE_INTERVAL (30 s), Retry-After or not."""
    settings = online(make_settings, openai_server)
    clock = VirtualClock()
    outage = Outage(
        clock,
        [
            Fault(429, retry_after="120"),
            Fault(429, retry_after="120"),
            Fault(503),
            Fault(502),
            Fault(500),
        ],
    )
    openai_server.down_while(outage)
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = client(settings, clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Tu connais le Vercors ?", at=clock.now)
        started = clock.now
        notes = await run_all(engine, clock, [couple.match_id], llm, conn)
        letters = await conn.fetchval("SELECT count(*) FROM bot.dead_letters")
        parts = await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE sender_id = $1", couple.bot_id
        )
        plan = await conn.fetchrow(
            "SELECT * FROM bot.reply_plans WHERE match_id = $1", couple.match_id
        )
        calls = await conn.fetch(
            "SELECT ok, status FROM bot.llm_calls WHERE purpose = 'reply' ORDER BY id"
        )
    waited = (clock.now - started).total_seconds()
    assert await answered_once(pool, couple)
    assert letters == 0
    assert parts >= 1
    assert plan["generation_failures"] == 5
    assert notes.count("waiting for the model") >= 5
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(outage.asked)]
    assert all(0 < gap <= 30 for gap in gaps), gaps
    assert 5 * 2.5 <= waited <= 5 * 30
    # One request per retry: the wait was a scheduled step, not a loop of calls.
    assert len(openai_server.chat_requests) == 6
    assert [c["status"] for c in calls] == [429, 429, 503, 502, 500, None]


async def answered_once(pool: asyncpg.Pool, couple: Couple) -> bool:
    async with pool.acquire() as conn:
        return await answered(conn, couple) == 1


async def test_breaker_costs_one_probe_per_interval_not_one_call_per_conversation(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """Five conversations during an outage: the breaker lets one probe through per interval,
    and once the model is back each conversation is answered exactly once."""
    settings = online(make_settings, openai_server)
    openai_server.script(Fault(503), Fault(503), Fault(503))
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = client(settings, clock)
    async with pool.acquire() as conn:
        couples = [await make_couple(conn, human_name=f"H{i}") for i in range(5)]
        for couple in couples:
            await say(conn, couple, "Salut !", at=clock.now)
        await run_all(engine, clock, [c.match_id for c in couples], llm, conn)
        done = [await answered(conn, c) for c in couples]
        failed_calls = await conn.fetchval("SELECT count(*) FROM bot.llm_calls WHERE NOT ok")
    assert done == [1, 1, 1, 1, 1]
    assert failed_calls == 3
    assert len(openai_server.chat_requests) == 3 + 5


async def test_fallback_model_answers_before_anyone_waits(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """The primary model down: the fallback model answers at once, nothing waits."""
    settings = online(make_settings, openai_server, LLM_FALLBACK_MODELS="test/fallback-model")
    openai_server.script(Fault(503))
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = client(settings, clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Coucou", at=clock.now)
        notes = await run_all(engine, clock, [couple.match_id], llm, conn)
    assert "waiting for the model" not in notes
    assert [r.body["model"] for r in openai_server.chat_requests] == [
        "x-ai/grok-4.20",
        "test/fallback-model",
    ]
    assert await answered_once(pool, couple)


async def test_outage_past_the_horizon_dead_letters(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A model down for longer than LLM_OUTAGE_HORIZON: the reply is dead-lettered with the
    error, after a bounded number of calls, and the indicator is off."""
    settings = online(make_settings, openai_server, LLM_OUTAGE_HORIZON=600)
    openai_server.script(*[Fault(500) for _ in range(100)])
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = client(settings, clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Allô ?", at=clock.now)
        started = clock.now
        await run_all(engine, clock, [couple.match_id], llm, conn)
        letter = await conn.fetchrow(
            "SELECT * FROM bot.dead_letters WHERE match_id = $1", couple.match_id
        )
        status = await conn.fetchval(
            "SELECT status FROM bot.conversations WHERE match_id = $1", couple.match_id
        )
        typing = await typing_on(conn, couple.match_id)
    assert letter is not None
    assert "500" in letter["error"]
    assert status == "dead_letter"
    assert not typing
    assert (clock.now - started).total_seconds() >= 600
    # One probe per 13.5-30 s once the backoff reaches the probe interval: bounded.
    assert len(openai_server.chat_requests) <= 600 / 13.5 + 6


async def test_401_pauses_every_reply_and_a_probe_resumes_them(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A 401 pauses the endpoint (shown by status), no conversation is dead-lettered, the other
    conversation waits without calling, and the first probe that succeeds answers both."""
    settings = online(make_settings, openai_server, LLM_PAUSE_PROBE_INTERVAL=300)
    openai_server.script(Fault(401, "Invalid API key."), Fault(401, "Invalid API key."))
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = client(settings, clock)
    async with pool.acquire() as conn:
        first, second = await make_couple(conn), await make_couple(conn, human_name="Zoé")
        await say(conn, first, "Salut", at=clock.now)
        await say(conn, second, "Hello", at=clock.now)
        before_probe = clock.now + dt.timedelta(seconds=250)
        await run_all(
            engine, clock, [first.match_id, second.match_id], llm, conn, until=before_probe
        )
        # Before the first probe: paused, visible, nobody answered, one call made.
        report = await collect_status(settings, conn, None)
        assert [p["scope"] for p in report.paused] == ["endpoint"]
        assert report.paused[0]["status"] == 401
        assert len(openai_server.chat_requests) == 1
        assert await answered(conn, first) + await answered(conn, second) == 0
        notes = await run_all(engine, clock, [first.match_id, second.match_id], llm, conn)
        letters = await conn.fetchval("SELECT count(*) FROM bot.dead_letters")
        pauses = await conn.fetchval("SELECT count(*) FROM bot.llm_pauses")
        report = await collect_status(settings, conn, None)
    assert "model paused" in notes
    assert letters == 0
    assert pauses == 0
    assert report.paused == []
    assert await answered_once(pool, first)
    assert await answered_once(pool, second)
    # 401, one failed probe (401), then one successful probe and the other reply.
    assert len(openai_server.chat_requests) == 4


async def test_new_settings_lift_a_pause(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A pause recorded with a rejected key is lifted as soon as the service runs with another
    key: the waiting reply is answered without waiting for the probe interval."""
    settings = online(make_settings, openai_server, LLM_PAUSE_PROBE_INTERVAL=3600)
    openai_server.script(Fault(401, "Invalid API key."))
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut", at=clock.now)
        await run_all(
            engine, clock, [couple.match_id], client(settings, clock), conn, until=clock.now
        )
        assert await conn.fetchval("SELECT count(*) FROM bot.llm_pauses") == 1
        fixed = online(
            make_settings,
            openai_server,
            LLM_API_KEY="sk-test-rotated-key",
            LLM_PAUSE_PROBE_INTERVAL=3600,
        )
        engine = ConversationEngine(pool, fixed, clock=clock)
        # The operator restarts the worker with the new key: at start it lifts the pause.
        assert await outage.lift_changed(conn, fixed, clock.now) == [couple.match_id]
        await run_all(engine, clock, [couple.match_id], client(fixed, clock), conn)
        pauses = await conn.fetchval("SELECT count(*) FROM bot.llm_pauses")
    assert pauses == 0
    assert await answered_once(pool, couple)


async def test_pause_shows_in_ready_metrics_and_overview(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A paused endpoint is said by /ready (process still ready), the overview, and the
    Prometheus gauge randomatch_llm_paused; lifting it clears all three."""
    settings = online(make_settings, openai_server)
    now = dt.datetime.now(dt.UTC)
    async with pool.acquire() as conn:
        await outage.pause(conn, settings, "x-ai/grok-4.20", 402, "no credits: top up", now)
    async with open_resources(settings) as res:
        app = create_app(settings, resources=res)
        async with asgi_client(app) as http:
            ready = (await http.get("/ready")).json()
            overview = (await http.get("/overview")).json()
            gauge = samples((await http.get("/metrics")).text)
            async with pool.acquire() as conn:
                await outage.lift(conn, "x-ai/grok-4.20", now)
            after = (await http.get("/ready")).json()
            gauge_after = samples((await http.get("/metrics")).text)
    assert ready["ready"] is True
    assert ready["llm"]["ok"] is False
    assert ready["llm"]["paused"] == ["endpoint"]
    assert "operator action needed" in ready["llm"]["detail"]
    assert "sk-test-not-a-real-key" not in json.dumps(ready)
    assert [p["scope"] for p in overview["paused"]] == ["endpoint"]
    assert gauge[("randomatch_llm_paused", (("scope", "endpoint"),))] == 1
    assert after["llm"]["ok"] is True
    assert total(gauge_after, "randomatch_llm_paused") == 0


async def plan_parts_at(conn: asyncpg.Connection, couple: Couple) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM bot.reply_plans WHERE match_id = $1 AND parts IS NOT NULL",
            couple.match_id,
        )
    )


async def test_a_model_back_after_150_s_is_noticed_within_30_s(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """The model down for 150 s while a reply waits: the shared breaker probes at least every
    LLM_BREAKER_PROBE_INTERVAL (30 s), so the reply is composed within 30 s of the model's
    return, with no one writing again."""
    settings = online(make_settings, openai_server)
    assert settings.llm_breaker_probe_interval == 30
    clock = VirtualClock()
    back = clock.now + dt.timedelta(seconds=150)
    outage = Outage(clock, until=back)
    openai_server.down_while(outage)
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = client(settings, clock, interval=settings.llm_breaker_probe_interval)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Tu connais le Vercors ?", at=clock.now)
        await run_all(engine, clock, [couple.match_id], llm, conn)
    assert await answered_once(pool, couple)
    assert len(outage.answered) == 1
    late = (outage.answered[0] - back).total_seconds()
    assert 0 <= late <= 30, late
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(outage.asked)]
    assert all(gap <= 30 for gap in gaps), gaps


async def test_a_human_writing_during_an_outage_probes_at_once_and_releases_everyone(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """Three replies wait on a model down for 150 s, the breaker resting long (an interval of
    300 s). When the model is back, one human writes again: that reply probes at once instead of
    waiting for the breaker, and its success releases the two other replies within
    RESUME_JITTER seconds, each at its own moment: all three are composed within seconds of
    the human's message, not minutes."""
    settings = online(make_settings, openai_server, LLM_BREAKER_PROBE_INTERVAL=300)
    clock = VirtualClock()
    back = clock.now + dt.timedelta(seconds=150)
    outage = Outage(clock, until=back)
    openai_server.down_while(outage)
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = client(settings, clock, interval=settings.llm_breaker_probe_interval)
    async with pool.acquire() as conn:
        couples = [await make_couple(conn, human_name=f"H{i}") for i in range(3)]
        for couple in couples:
            await say(conn, couple, "Salut !", at=clock.now)
        matches = [c.match_id for c in couples]
        await run_all(engine, clock, matches, llm, conn, until=back)
        assert [await plan_parts_at(conn, c) for c in couples] == [0, 0, 0]
        calls_during_outage = len(outage.asked)
        clock.now = back
        await say(conn, couples[0], "Tu es là ?", at=clock.now)
        await run_all(engine, clock, matches, llm, conn)
        done = [await answered(conn, c) for c in couples]
    assert done == [1, 1, 1]
    # The breaker kept the outage cheap: one failed call per rest, not per conversation.
    assert calls_during_outage <= 6
    first, *released = outage.answered
    assert len(released) == 2
    assert (first - back).total_seconds() <= 1, "the human's reply did not probe at once"
    spread = [(at - first).total_seconds() for at in released]
    assert all(0 <= s <= RESUME_JITTER for s in spread), spread
