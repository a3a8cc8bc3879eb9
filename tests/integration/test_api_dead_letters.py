"""Dead letters through the API: a reply the model refused is listed, inspected, then retried
(and answered) or discarded (and never tried again)."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from randomatch_bot.api import create_app
from tests.support.api_server import asgi_client
from tests.support.databases import Couple, make_couple, say
from tests.support.openai_server import Fault, OpenAIServer
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration

TOKEN = "tok-dead-letters"


def llm_settings(make_settings: Any, server: OpenAIServer) -> Any:
    return make_settings(
        TIME_SCALE=0.01,
        LLM_BASE_URL=server.base_url,
        LLM_API_KEY="test-key",
        MONITORING_TOKEN=TOKEN,
    )


async def open_letter(http: httpx.AsyncClient) -> dict[str, Any]:
    letters = await eventually(
        lambda: http.get("/dead-letters"), lambda r: len(r.json()) == 1, timeout=30
    )
    return dict(letters.json()[0])


async def bot_replies(conn: asyncpg.Connection, couple: Couple) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
            couple.match_id,
            couple.bot_id,
        )
    )


async def test_retry_makes_the_message_answered(
    make_settings: Any, pool: asyncpg.Pool, openai_server: OpenAIServer
) -> None:
    """A request the model refuses (400) dead-letters the reply; retry via the API gets it
    answered once."""
    settings = llm_settings(make_settings, openai_server)
    openai_server.script(Fault(400, "context length exceeded"))
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app, token=TOKEN) as http, pool.acquire() as conn:
            message = await say(conn, couple, "Tu fais le GR20 cet été ?")
            letter = await open_letter(http)
            assert letter["match_id"] == str(couple.match_id)
            assert "400" in letter["error"]
            detail = (await http.get(f"/dead-letters/{letter['id']}")).json()
            assert [m["id"] for m in detail["messages"]] == [str(message)]
            assert detail["messages"][0]["content"] == "Tu fais le GR20 cet été ?"
            assert await bot_replies(conn, couple) == 0

            retried = await http.post(f"/dead-letters/{letter['id']}/retry")
            assert retried.status_code == 200, retried.text
            assert retried.json()["resolution"] == "retried"
            await eventually(
                lambda: conn.fetchval(
                    "SELECT plan_id FROM bot.answered_messages WHERE message_id = $1", message
                ),
                lambda plan: plan is not None,
                timeout=30,
            )
            again = await http.post(f"/dead-letters/{letter['id']}/retry")
            assert again.status_code == 409
            assert (await http.get("/dead-letters")).json() == []
            resolved = (await http.get("/dead-letters", params={"state": "resolved"})).json()
            assert [r["resolution"] for r in resolved] == ["retried"]
            status = await conn.fetchval(
                "SELECT status FROM bot.reply_plans WHERE id = "
                "(SELECT plan_id FROM bot.answered_messages WHERE message_id = $1)",
                message,
            )
            assert status == "done"
            assert await bot_replies(conn, couple) >= 1


async def test_discard_gives_up_on_the_messages(
    make_settings: Any, pool: asyncpg.Pool, openai_server: OpenAIServer
) -> None:
    """Discarding records the messages as handled by the failed plan: no reply, no new try, and
    the conversation answers the next message normally."""
    settings = llm_settings(make_settings, openai_server)
    openai_server.script(Fault(400, "context length exceeded"))
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app, token=TOKEN) as http, pool.acquire() as conn:
            first = await say(conn, couple, "Premier message")
            letter = await open_letter(http)
            response = await http.post(f"/dead-letters/{letter['id']}/discard")
            assert response.status_code == 200, response.text
            handled_by = await conn.fetchval(
                "SELECT plan_id FROM bot.answered_messages WHERE message_id = $1", first
            )
            assert str(handled_by) == letter["plan_id"]
            await eventually(
                lambda: conn.fetchval(
                    "SELECT status FROM bot.conversations WHERE match_id = $1", couple.match_id
                ),
                lambda status: status == "idle",
            )
            second = await say(conn, couple, "Deuxième message")
            plan = await eventually(
                lambda: conn.fetchrow(
                    "SELECT * FROM bot.reply_plans WHERE match_id = $1 AND status = 'done'",
                    couple.match_id,
                ),
                lambda row: row is not None,
                timeout=30,
            )
    assert plan["trigger_message_ids"] == [second]
