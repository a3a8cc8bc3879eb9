"""The operator's console: /engagement per persona and per model on a scripted history whose
figures are computed by hand, its summary in /stats and gauges in /metrics, who may see what,
and one real conversation explained step by step by /conversations/{match_id}."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import pytest

from randomatch_bot.api import create_app
from tests.support.api_server import asgi_client
from tests.support.databases import Couple, make_couple, make_profile, say
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration

ADMIN = "tok-console-admin-0001"
READER = "tok-console-reader-001"
H = dt.timedelta(hours=1)


class Script:
    """Writes a conversation as the app and the service would have: messages, plans, parts."""

    def __init__(self, conn: asyncpg.Connection, now: dt.datetime) -> None:
        self.conn, self.now = conn, now

    async def conversation(self, couple: Couple, *, closed_at: dt.datetime | None = None) -> None:
        await self.conn.execute(
            "INSERT INTO bot.conversations (match_id, bot_id, human_id, status, closed_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            couple.match_id,
            couple.bot_id,
            couple.human_id,
            "closed" if closed_at else "idle",
            closed_at,
        )
        if closed_at:
            await self.conn.execute(
                "UPDATE public.matches SET status = 'unmatched' WHERE id = $1", couple.match_id
            )

    async def human(self, couple: Couple, hours_ago: float) -> uuid.UUID:
        return await say(self.conn, couple, "salut", at=self.now - hours_ago * H)

    async def persona(
        self,
        couple: Couple,
        *hours_ago: float,
        model: str = "m1",
        followup: bool = False,
        answers: list[uuid.UUID] | None = None,
    ) -> uuid.UUID:
        """One plan sending a part at each of `hours_ago`; no trigger message: a follow-up."""
        plan = uuid.uuid4()
        first = self.now - hours_ago[0] * H
        triggers = [] if followup else (answers or [uuid.uuid4()])
        await self.conn.execute(
            "INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, "
            "trigger_message_ids, read_due_at, model, created_at, finished_at) "
            "VALUES ($1, $2, $3, 1, 'done', $4, $5, $6, $5, $5)",
            plan,
            couple.match_id,
            couple.bot_id,
            triggers,
            first,
            model,
        )
        for index, ago in enumerate(hours_ago):
            message = uuid.uuid4()
            at = self.now - ago * H
            await self.conn.execute(
                "INSERT INTO public.messages (id, match_id, sender_id, content, created_at) "
                "VALUES ($1, $2, $3, 'coucou', $4)",
                message,
                couple.match_id,
                couple.bot_id,
                at,
            )
            await self.conn.execute(
                "INSERT INTO bot.sent_parts (message_id, plan_id, match_id, part_index, sent_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                message,
                plan,
                couple.match_id,
                index,
                at,
            )
        return plan

    async def call(self, couple: Couple, hours_ago: float, model: str, cost: float) -> None:
        await self.conn.execute(
            "INSERT INTO bot.llm_calls (bot_id, match_id, model, ok, prompt_tokens, "
            "completion_tokens, cost, latency_ms, created_at) "
            "VALUES ($1, $2, $3, true, 10, 5, $4, 500, $5)",
            couple.bot_id,
            couple.match_id,
            model,
            cost,
            self.now - hours_ago * H,
        )


async def scripted_history(conn: asyncpg.Connection) -> dict[str, Couple]:
    """Camille in three matches (A1, A2, A3: unmatched), Léa in one (B1); see the expected
    figures in the tests below. Times are hours before now."""
    s = Script(conn, dt.datetime.now(dt.UTC))
    a1 = await make_couple(conn, bot_name="Camille", human_name="Alex")
    a2 = Couple(a1.bot_id, await make_profile(conn, "Bea", bot=False), uuid.uuid4())
    a3 = Couple(a1.bot_id, await make_profile(conn, "Chris", bot=False), uuid.uuid4())
    b1 = await make_couple(conn, bot_name="Léa", human_name="Dom")
    for couple in (a2, a3):
        await conn.execute(
            "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
            couple.match_id,
            couple.human_id,
            couple.bot_id,
        )
    await s.conversation(a1)
    await s.conversation(a2)
    await s.conversation(a3, closed_at=s.now - 45 * H)
    await s.conversation(b1)
    # A1: a turn answered after 1 h, a two-part turn answered after 2 h, a last one unanswered
    # (decided 6 h ago): ghosted; two human turns.
    await s.persona(a1, 40)
    await s.human(a1, 39)
    await s.persona(a1, 38, 37.9)
    await s.human(a1, 35.9)
    await s.persona(a1, 30)
    await s.call(a1, 39, "m1", 0.01)
    # A2 (model m2): one human turn of two messages answers a turn after 1 h; the last turn is
    # 10 h old (pending); two human turns; two guard trips on the answered turn's plan.
    await s.human(a2, 20)
    guarded = await s.persona(a2, 19, model="m2")
    await s.human(a2, 18)
    await s.human(a2, 17.5)
    await s.persona(a2, 10, model="m2")
    await s.call(a2, 19, "m2", 0.01)
    await s.call(a2, 18, "m2", 0.02)
    for _ in range(2):
        await conn.execute(
            "INSERT INTO bot.guard_trips (bot_id, match_id, plan_id, reason, stage, created_at) "
            "VALUES ($1, $2, $3, 'contact', 'attempt 0', $4)",
            a2.bot_id,
            a2.match_id,
            guarded,
            s.now - 19 * H,
        )
    # A3: long ago (outside), then a reply and a follow-up 10 h later that nobody answers
    # (decided 26 h ago); unmatched 5 h after the follow-up; no human turn in the window.
    await s.persona(a3, 100)
    await s.human(a3, 99)
    await s.persona(a3, 60)
    await s.persona(a3, 50, followup=True)
    await s.call(a3, 60, "m1", 0.05)  # outside the window
    # B1 (Léa): a turn unanswered for 24 h (decided 46 h ago: it stays a turn though she
    # writes again later), a follow-up answered after 30 min, then a reply answered 25 h
    # later: not within 24 h (decided 5 h ago), ghosted; two human turns.
    await s.persona(b1, 70)
    await s.persona(b1, 30, followup=True)
    await s.human(b1, 29.5)
    await s.persona(b1, 29)
    await s.human(b1, 4)
    await s.call(b1, 29, "m1", 0.006)
    return {"A1": a1, "A2": a2, "A3": a3, "B1": b1}


def p(values: list[float], q: float) -> float:
    """PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def test_engagement_per_persona_and_model_matches_the_hand_computed_figures(
    make_settings: Any, pool: asyncpg.Pool
) -> None:
    """Reply rate, pending turns, reply delay, ghosting, depth, unmatches, follow-up
    re-engagement, guard trips per 100 replies and cost per conversation over 48 h, per
    persona, per model and in total, and the worst conversations in order."""
    async with pool.acquire() as conn:
        couples = await scripted_history(conn)
    settings = make_settings(MONITORING_TOKEN=ADMIN, METRICS_TOKEN=READER)
    async with asgi_client(create_app(settings), token=READER) as http:
        by_persona = (await http.get("/engagement", params={"hours": 48})).json()
        by_model = (await http.get("/engagement", params={"hours": 48, "by": "model"})).json()
        stats = (await http.get("/stats", params={"hours": 48})).json()
        bad = await http.get("/engagement", params={"by": "colour"})
    assert bad.status_code == 422
    groups = {g["name"]: g for g in by_persona["groups"]}
    assert set(groups) == {"Camille", "Léa"}
    c, lea = groups["Camille"], groups["Léa"]
    assert c["key"] == str(couples["A1"].bot_id)
    assert (c["turns"], c["replied"], c["pending"]) == (5, 3, 1)
    assert c["reply_rate"] == pytest.approx(0.6)
    assert c["reply_delay"]["median_s"] == pytest.approx(3600)
    assert c["reply_delay"]["p90_s"] == pytest.approx(p([3600, 7200, 3600], 0.9))
    assert (c["conversations"], c["ghosted"]) == (3, 2)
    assert c["ghost_rate"] == pytest.approx(2 / 3)
    assert c["depth"] == {"mean": pytest.approx(4 / 3), "median": pytest.approx(2)}
    assert (c["unmatches"], c["blocks"]) == (1, 0)
    assert c["unmatch_rate"] == pytest.approx(1 / 3)
    assert (c["followups"], c["reengaged"], c["reengagement_rate"]) == (1, 0, 0.0)
    assert (c["replies"], c["guard_trips"]) == (5, 2)
    assert c["guard_trips_per_100_replies"] == pytest.approx(40.0)
    assert c["cost_usd"] == pytest.approx(0.04)
    assert c["cost_per_conversation_usd"] == pytest.approx(0.02)

    assert (lea["turns"], lea["replied"], lea["pending"]) == (3, 1, 0)
    assert lea["reply_delay"] == {"median_s": pytest.approx(1800), "p90_s": pytest.approx(1800)}
    assert (lea["conversations"], lea["ghosted"], lea["depth"]["mean"]) == (1, 1, 2.0)
    assert (lea["followups"], lea["reengaged"], lea["reengagement_rate"]) == (1, 1, 1.0)
    assert (lea["replies"], lea["guard_trips"], lea["guard_trips_per_100_replies"]) == (2, 0, 0)
    assert lea["unmatches"] == 0
    assert lea["cost_per_conversation_usd"] == pytest.approx(0.006)

    total = by_persona["total"]
    assert (total["turns"], total["replied"], total["pending"]) == (8, 4, 1)
    assert total["reply_delay"]["median_s"] == pytest.approx(3600)
    assert total["reply_delay"]["p90_s"] == pytest.approx(p([1800, 3600, 3600, 7200], 0.9))
    assert (total["conversations"], total["ghosted"]) == (4, 3)
    assert total["depth"] == {"mean": pytest.approx(1.5), "median": pytest.approx(2)}
    assert (total["followups"], total["reengaged"], total["unmatches"]) == (2, 1, 1)
    assert total["guard_trips_per_100_replies"] == pytest.approx(200 / 7)
    assert total["cost_per_conversation_usd"] == pytest.approx(0.046 / 3)
    assert stats["engagement"]["turns"] == 8
    assert stats["engagement"]["reply_rate"] == pytest.approx(4 / 8)

    worst = [w["match_id"] for w in by_persona["worst"]]
    expected = ["A3", "B1", "A1", "A2"]
    assert worst == [str(couples[k].match_id) for k in expected]
    assert [w["ghosted"] for w in by_persona["worst"]] == [True, True, True, False]
    assert by_persona["worst"][0]["url"] == f"/conversations/{couples['A3'].match_id}"
    assert by_persona["worst"][1]["bot_name"] == "Léa"

    models = {g["key"]: g for g in by_model["groups"]}
    assert set(models) == {"m1", "m2"}
    m1, m2 = models["m1"], models["m2"]
    assert (m1["turns"], m1["replied"], m1["pending"]) == (7, 3, 0)
    assert (m1["conversations"], m1["ghosted"]) == (3, 3)
    assert (m1["followups"], m1["reengaged"], m1["unmatches"]) == (2, 1, 1)
    assert (m1["replies"], m1["guard_trips"]) == (5, 0)
    assert m1["cost_per_conversation_usd"] == pytest.approx(0.008)
    assert (m2["turns"], m2["replied"], m2["pending"], m2["ghosted"]) == (1, 1, 1, 0)
    assert m2["reply_delay"]["median_s"] == pytest.approx(3600)
    assert (m2["replies"], m2["guard_trips"], m2["guard_trips_per_100_replies"]) == (2, 2, 100)
    assert m2["cost_per_conversation_usd"] == pytest.approx(0.03)
    assert by_model["total"]["turns"] == 8


async def test_engagement_gauges_per_persona_in_metrics(
    make_settings: Any, pool: asyncpg.Pool
) -> None:
    """/metrics carries the engagement of the last 24 h per persona as gauges."""
    async with pool.acquire() as conn:
        couples = await scripted_history(conn)
    async with asgi_client(create_app(make_settings())) as http:
        text = (await http.get("/metrics")).text
    camille = f'bot_id="{couples["A1"].bot_id}"'
    lines = [line for line in text.splitlines() if line.startswith("randomatch_engagement_")]
    # In the last 24 h Camille has two decided turns (A1's last, unanswered; A2's, answered).
    assert f"randomatch_engagement_reply_rate{{{camille}}} 0.5" in lines
    assert any(line.startswith("randomatch_engagement_ghost_rate{") for line in lines)
    assert any(
        line.startswith("randomatch_engagement_guard_trips_per_100_replies{") for line in lines
    )


async def test_who_may_see_engagement_and_a_conversation(
    make_settings: Any, pool: asyncpg.Pool
) -> None:
    """No token: 401. The read-only token: engagement, and a conversation with its personal
    data masked. The admin token: everything. A browser gets the page without a token."""
    async with pool.acquire() as conn:
        couples = await scripted_history(conn)
        await conn.execute(
            "INSERT INTO bot.memories (match_id, summary, facts) VALUES ($1, $2, $3)",
            couples["A1"].match_id,
            "Alex aime le Vercors",
            '{"first_name": "Alex", "region": "Isère"}',
        )
    path = f"/conversations/{couples['A1'].match_id}"
    settings = make_settings(MONITORING_TOKEN=ADMIN, METRICS_TOKEN=READER)
    app = create_app(settings)
    async with asgi_client(app) as anonymous:
        assert (await anonymous.get("/engagement")).status_code == 401
        assert (await anonymous.get(path)).status_code == 401
        page = await anonymous.get(path, headers={"Accept": "text/html,*/*"})
        assert page.status_code == 200
        assert "conversation.js" in page.text
    async with asgi_client(app, token=READER) as reader:
        assert (await reader.get("/engagement")).status_code == 200
        masked = (await reader.get(path)).json()
        assert (await reader.get("/conversations")).status_code == 401  # the admin's list
    async with asgi_client(app, token=ADMIN) as admin:
        full = (await admin.get(path)).json()
        missing = await admin.get(f"/conversations/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert full["redacted"] is False
    assert masked["redacted"] is True
    assert {m["content"] for m in full["messages"]} == {"coucou", "salut"}
    assert {m["content"] for m in masked["messages"]} == {"•••"}
    assert full["match"]["human_name"] == "Alex"
    assert masked["match"]["human_name"] == "•••"
    assert full["memory"]["summary"] == "Alex aime le Vercors"
    assert masked["memory"] == {
        "summary": "•••",
        "facts": {"first_name": "•••", "region": "•••"},
        "covered_through": None,
    }
    assert masked["match"]["bot_name"] == "Camille"
    assert [r["sent"] for r in full["replies"]] == [1, 2, 1]
    assert full["cost_usd"] == pytest.approx(0.01)


async def test_a_real_reply_is_explained_step_by_step(
    make_settings: Any, pool: asyncpg.Pool
) -> None:
    """A reply through the real pipeline: its timeline has the grouping wait, the reading,
    "read", the thinking, the generation with its model, typing before each part, each part
    sent and the end, in order; the model call and its cost are the reply's."""
    # Delays long enough that no step runs early (a step due within 250 ms runs at once).
    settings = make_settings(TIME_SCALE=0.1, MAX_PARTS=3)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app) as http:
            async with pool.acquire() as conn:
                await say(conn, couple, "Salut ! Tu as fait le GR20 ? Je cherche des conseils")

            async def explained() -> dict[str, Any]:
                body: dict[str, Any] = (await http.get(f"/conversations/{couple.match_id}")).json()
                return body

            body = await eventually(
                explained,
                lambda b: bool(b["replies"]) and b["replies"][0]["status"] == "done",
                timeout=30,
            )
    reply = body["replies"][0]
    assert reply["kind"] == "reply"
    assert reply["sent"] == reply["parts"] >= 1
    assert reply["model"]
    assert reply["calls"]
    assert reply["calls"][0]["purpose"] == "reply"
    steps = [s["step"] for s in reply["timeline"]]
    assert steps[0] == "wait"
    assert reply["timeline"][0]["reason"] == "grouping"
    for name in ("read", "thinking", "generated", "typing", "sent", "done"):
        assert name in steps, steps
    assert steps.index("read") < steps.index("thinking") < steps.index("typing")
    assert steps[-1] == "done"
    typing = [s for s in reply["timeline"] if s["step"] == "typing"]
    sent = [s for s in reply["timeline"] if s["step"] == "sent"]
    assert [s["part"] for s in typing] == [s["part"] for s in sent] == list(range(reply["parts"]))
    assert all(s["seconds"] is not None and s["seconds"] >= 0 for s in typing)
    pauses = [s for s in reply["timeline"] if s["step"] == "pause"]
    assert [s["part"] for s in pauses] == list(range(1, reply["parts"]))
    starts = [s["start"] for s in reply["timeline"]]
    assert starts == sorted(starts)


async def test_engagement_of_an_empty_database(make_settings: Any) -> None:
    """No conversation yet: no group, a total of zeros and no rate (nothing to divide)."""
    async with asgi_client(create_app(make_settings())) as http:
        body = (await http.get("/engagement", params={"by": "model"})).json()
        stats = (await http.get("/stats")).json()
    assert body["groups"] == []
    assert body["worst"] == []
    total = body["total"]
    assert (total["turns"], total["replies"], total["guard_trips"], total["cost_usd"]) == (
        0,
        0,
        0,
        0,
    )
    assert total["reply_rate"] is None
    assert stats["engagement"]["turns"] == 0
