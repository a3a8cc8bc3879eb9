"""The pipeline against a model that fails: transient faults are ridden out, a refused request
ends in a dead letter with the error, an outage past the horizon too, and other conversations
carry on. (Outages of minutes and paused models: test_outages.py, on a virtual clock.)"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.support.databases import make_couple, say
from tests.support.openai_server import Fault, OpenAIServer, Reply
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration


def online(make_settings: Any, server: OpenAIServer, **extra: Any) -> Any:
    values = {
        "LLM_BASE_URL": server.base_url,
        "LLM_API_KEY": "sk-test-not-a-real-key",
        "LLM_TIMEOUT": 0.5,
        "LLM_MAX_RETRIES": 1,
        "STEP_ATTEMPTS": 6,
        "STEP_RETRY_DELAY": 0.05,
        "TIME_SCALE": 0.01,
    }
    values.update(extra)
    return make_settings(**values)


async def plan_statuses(conn: asyncpg.Connection, match_id: Any) -> list[str]:
    rows = await conn.fetch(
        "SELECT status FROM bot.reply_plans WHERE match_id = $1 ORDER BY created_at", match_id
    )
    return [r["status"] for r in rows]


async def test_transient_faults_then_recovery(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """500, 429 with Retry-After and a timeout in a row: the reply comes once the model recovers."""
    settings = online(make_settings, openai_server)
    openai_server.script(
        Fault(500),
        Fault(429, retry_after="1"),
        Reply("trop lent", delay=2.0),
        Fault(503),
        "Le Vercors, j'adore ! Tu y vas souvent ?",
    )
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        await say(conn, couple, "Salut, tu connais le Vercors ?")
        await eventually(
            lambda: plan_statuses(conn, couple.match_id), lambda s: s == ["done"], timeout=60
        )
        sent = await conn.fetch(
            "SELECT content FROM public.messages WHERE sender_id = $1", couple.bot_id
        )
        calls = await conn.fetch("SELECT ok, status FROM bot.llm_calls ORDER BY id")
    assert " ".join(r["content"] for r in sent) == "Le Vercors, j'adore ! Tu y vas souvent ?"
    assert len(openai_server.chat_requests) == 5
    assert calls[-1]["ok"] is True
    assert any(not r["ok"] for r in calls)


async def test_refused_request_dead_letters_and_others_go_on(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A 400 is not retried: dead letter with the error, indicator off, the next one answered."""
    settings = online(make_settings, openai_server)
    openai_server.script(Fault(400, message="context length exceeded"))
    async with pool.acquire() as conn:
        broken = await make_couple(conn)
        fine = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        await say(conn, broken, "Hello !")
        letter = await eventually(
            lambda: conn.fetchrow(
                "SELECT * FROM bot.dead_letters WHERE match_id = $1", broken.match_id
            ),
            lambda row: row is not None,
        )
        await say(conn, fine, "Coucou, une rando demain ?")
        await eventually(
            lambda: plan_statuses(conn, fine.match_id), lambda s: s == ["done"], timeout=30
        )
        conversation = await conn.fetchrow(
            "SELECT status, last_error FROM bot.conversations WHERE match_id = $1",
            broken.match_id,
        )
        typing = await conn.fetchval(
            "SELECT count(*) FROM public.typing_indicators WHERE is_typing"
        )
    assert letter["error"].startswith("LLMPermanentError")
    assert "400" in letter["error"]
    assert letter["attempts"] == 1
    assert "sk-test-not-a-real-key" not in letter["error"]
    assert conversation["status"] == "dead_letter"
    assert typing == 0
    assert len(openai_server.chat_requests) == 2


async def test_outage_past_the_horizon_dead_letters(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A model that keeps failing is waited for until LLM_OUTAGE_HORIZON, then dead-lettered."""
    settings = online(make_settings, openai_server, LLM_OUTAGE_HORIZON=2, LLM_MAX_RETRIES=0)
    openai_server.script(*[Fault(500) for _ in range(20)])
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        await say(conn, couple, "Tu es là ?")
        letter = await eventually(
            lambda: conn.fetchrow(
                "SELECT * FROM bot.dead_letters WHERE match_id = $1", couple.match_id
            ),
            lambda row: row is not None,
            timeout=30,
        )
        statuses = await plan_statuses(conn, couple.match_id)
    assert "500" in letter["error"]
    assert statuses == ["failed"]
    assert letter["attempts"] >= 2
    assert 1 <= len(openai_server.chat_requests) <= 5
