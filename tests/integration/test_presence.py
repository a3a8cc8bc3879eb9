"""At night the persona sleeps, and the chat API and `status` say so and until when.

The night is brought by HOURS_CLOCK_OFFSET (the hours are judged at 03:00 in Paris), so these
tests see the same thing at any hour of the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import httpx
import pytest

from randomatch_bot.api import create_app
from randomatch_bot.conversation.persona.presence import waiting_conversations
from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.db.demo import seed_demo
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.status import collect_status
from tests.support.api_server import serving
from tests.support.databases import make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.night import night_offset
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration


def night_settings(make_settings: Any, **overrides: Any) -> Any:
    values = {
        "ACTIVE_HOURS": "08:00-23:30",
        "BOT_TIMEZONE": "Europe/Paris",
        "HOURS_CLOCK_OFFSET": night_offset(dt.datetime.now(dt.UTC)),
        "TIME_SCALE": 1.0,
    }
    return make_settings(**(values | overrides))


async def plan_due(conn: asyncpg.Connection, match_id: Any) -> dt.datetime | None:
    due: dt.datetime | None = await conn.fetchval(
        "SELECT read_due_at FROM bot.reply_plans WHERE match_id = $1", match_id
    )
    return due


async def test_night_message_waits_for_the_morning_and_the_page_says_so(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """At night the reply is planned for after 08:00, and presence and `status` say "dort"."""
    settings = night_settings(make_settings)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources, demo=True)
        async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            before = (await http.get("/chat/presence")).json()
            assert before["state"] == "asleep"
            assert before["label"] == "dort · répond vers 8\u00a0h"
            assert before["reason"] == "night"
            posted = await http.post("/chat/messages", json={"content": "Tu dors ?"})
            assert posted.status_code == 201
            async with pool.acquire() as conn:
                demo = await seed_demo(conn)
                due = await eventually(lambda: plan_due(conn, demo.match_id), bool)
                assert due is not None
                # 03:00 -> 08:00 plus the wake-up offset (2 to 75 min).
                ahead = (due - dt.datetime.now(dt.UTC)).total_seconds()
                assert 5 * 3600 - 120 < ahead < 7 * 3600
                after = (await http.get("/chat/presence")).json()
                assert after["state"] == "asleep"
                assert after["label"].startswith("dort · répond vers 8\u00a0h")
                assert dt.datetime.fromisoformat(after["until"]) == due
                waiting = await waiting_conversations(conn, settings, dt.datetime.now(dt.UTC))
                status = await collect_status(settings, conn, None)
    assert [(w.match_id, w.presence.reason, w.presence.until) for w in waiting] == [
        (demo.match_id, "night", due)
    ]
    assert status.waiting == [
        {
            "match_id": str(demo.match_id),
            "bot": "Camille",
            "reason": "night",
            "until": due.isoformat(),
        }
    ]


async def test_awake_persona_is_online_at_night(make_settings: Any) -> None:
    """With the hours pinned to the whole day, the night changes nothing: "en ligne"."""
    settings = night_settings(make_settings, ACTIVE_HOURS="00:00-24:00")
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources, demo=True)
        async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            shown = (await http.get("/chat/presence")).json()
    assert shown == {"state": "online", "label": "en ligne", "until": None, "reason": None}


async def test_status_lists_a_rate_limited_conversation_with_its_end(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A reply held by the match rate limit is listed by `status` as such, until the window ends."""
    settings = make_settings(TIME_SCALE=0.0, MATCH_REPLIES_PER_HOUR=1)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        for text in ("un", "deux"):
            await say(conn, couple, text, at=clock.now)
            await drive(engine, clock, couple.match_id, OfflineResponder(), until=clock.now)
            clock.advance(60)
        wake = await conn.fetchval(
            "SELECT next_wake_at FROM bot.conversations WHERE match_id = $1", couple.match_id
        )
        waiting = await waiting_conversations(conn, settings, clock.now)
    assert [(w.match_id, w.presence.reason, w.presence.until) for w in waiting] == [
        (couple.match_id, "match rate limit", wake)
    ]
    assert waiting[0].presence.label == "absente"
    assert wake > clock.now
