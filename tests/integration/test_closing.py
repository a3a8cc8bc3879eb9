"""Conversations closed for good, through the whole pipeline: a person who says they are under
18 gets one closing line and then nothing, whatever they write (no model call, no follow-up),
until an operator reopens it; a person who asks the persona to stop gets no follow-up, ever."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from randomatch_bot.api import create_app
from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.conversation.policies.closing import MinorReview
from randomatch_bot.conversation.words.closing import LINES
from randomatch_bot.infra.embedded import Endpoints
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.llm.types import ChatMessage, Completion
from randomatch_bot.process_metrics import METRICS
from randomatch_bot.worker import closures as operations
from tests.support.api_server import asgi_client
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.openai_server import OpenAIServer
from tests.support.pipeline import eventually, running_pipeline
from tests.support.processes import cli

pytestmark = pytest.mark.integration

TOKEN = "tok-closed-conversations"
# A Saturday 10:00 in Paris.
START = dt.datetime(2026, 6, 13, 8, 0, tzinfo=dt.UTC)


async def bot_texts(conn: asyncpg.Connection, couple: Couple) -> list[str]:
    rows = await conn.fetch(
        "SELECT content FROM public.messages WHERE match_id = $1 AND sender_id = $2 "
        "ORDER BY created_at, id",
        couple.match_id,
        couple.bot_id,
    )
    return [r["content"] for r in rows]


async def handled(conn: asyncpg.Connection, message_id: uuid.UUID) -> bool:
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM bot.answered_messages WHERE message_id = $1)", message_id
    )
    return bool(found)


def closed_total(reason: str) -> float:
    value = METRICS.registry.get_sample_value(
        "randomatch_conversations_closed_total", {"reason": reason}
    )
    return value or 0.0


async def test_a_minor_gets_one_closing_line_then_nothing_until_reopened(
    make_settings: Any, pool: asyncpg.Pool, openai_server: OpenAIServer
) -> None:
    """ "j'ai 15 ans" closes the conversation with one closing line and no model call; the next
    message gets no reply, no model call and no follow-up; the operator sees it in the API,
    reopens it, and the message after that is answered by the model."""
    settings = make_settings(
        TIME_SCALE=0.01,
        FOLLOWUP_AFTER=1,
        LLM_BASE_URL=openai_server.base_url,
        LLM_API_KEY="sk-test",
        MONITORING_TOKEN=TOKEN,
    )
    before = closed_total("minor")
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app, token=TOKEN) as http, pool.acquire() as conn:
            declared = await say(conn, couple, "salut ! j'ai 15 ans et toi ?")
            sent = await eventually(lambda: bot_texts(conn, couple), lambda t: len(t) == 1)
            assert sent[0] in LINES["fr"]
            assert openai_server.chat_requests == []
            assert closed_total("minor") == before + 1

            later = await say(conn, couple, "tu fais quoi samedi ?")
            await eventually(lambda: handled(conn, later), bool)
            state = await conn.fetchrow(
                "SELECT status, next_wake_at FROM bot.conversations WHERE match_id = $1",
                couple.match_id,
            )
            # Closed, and nothing scheduled: no reply, no follow-up, ever.
            assert (state["status"], state["next_wake_at"]) == ("closed", None)
            assert await bot_texts(conn, couple) == sent
            assert openai_server.chat_requests == []
            assert not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM bot.reply_plans WHERE match_id = $1 "
                "AND status IN ('reading', 'thinking', 'typing'))",
                couple.match_id,
            )

            listed = (await http.get("/conversations/closed")).json()
            mine = [c for c in listed if c["match_id"] == str(couple.match_id)]
            assert [(c["reason"], c["message_id"]) for c in mine] == [("minor", str(declared))]
            assert mine[0]["message"] == "salut ! j'ai 15 ans et toi ?"
            assert mine[0]["conversation_status"] == "closed"

            assert (await http.get("/overview")).json()["closed"]["minor"] >= 1
            scraped = (await http.get("/metrics")).text
            assert 'randomatch_conversations_closed_total{reason="minor"}' in scraped

            reopened = await http.post(f"/conversations/{couple.match_id}/reopen")
            assert reopened.status_code == 200, reopened.text
            assert reopened.json()["reopened"] == ["minor"]
            again = await http.post(f"/conversations/{couple.match_id}/reopen")
            assert again.status_code == 404
            assert (await http.get("/conversations/closed")).json() == []
            gone = (await http.get("/conversations/closed?state=reopened")).json()
            assert [c["reopened_by"] for c in gone] == ["operator"]

            await say(conn, couple, "et sinon, tu randonnes où ?")
            texts = await eventually(lambda: bot_texts(conn, couple), lambda t: len(t) > 1)
            assert texts[0] == sent[0]
            assert len(openai_server.chat_requests) >= 1


class CountingResponder(OfflineResponder):
    """The offline responder, counting the prompts it answers."""

    def __init__(self) -> None:
        super().__init__()
        self.prompts: list[list[ChatMessage]] = []

    async def complete(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Completion:
        self.prompts.append(list(messages))
        return await super().complete(messages, **kwargs)


async def test_a_closed_conversation_stays_silent_for_days(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """Days of silence and later messages: no follow-up, no reply, no model call, no icebreaker;
    the closing line was sent once."""
    settings = make_settings(
        TIME_SCALE=1.0, FOLLOWUP_AFTER=2, FOLLOWUP_MAX=3, ABSENCE_PROBABILITY=0.0
    )
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = CountingResponder()
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Coucou ! je suis en 1ère, et toi tu fais quoi ?", at=clock.now)
        trace = await drive(engine, clock, couple.match_id, llm)
        assert trace[0][1].note == "closed: minor"
        sent = await bot_texts(conn, couple)
        assert len(sent) == 1
        for day in range(3):
            clock.advance(26 * 3600)
            await say(conn, couple, f"allo ? ({day})", at=clock.now)
            more = await drive(engine, clock, couple.match_id, llm)
            assert all(r.wake_at is None for _, r in more), more
        clock.advance(72 * 3600)
        assert [r.note for _, r in await drive(engine, clock, couple.match_id, llm)] == [
            "closed: minor"
        ]
        assert await bot_texts(conn, couple) == sent
    assert llm.prompts == []


async def test_no_follow_up_after_a_request_to_stop_ever(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A request to stop is answered like any message, recorded, and no follow-up comes after
    it, nor after a later exchange in the same conversation."""
    settings = make_settings(TIME_SCALE=1.0, FOLLOWUP_AFTER=2, ABSENCE_PROBABILITY=0.0)
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = OfflineResponder()
    before = closed_total("stop")
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        asked = await say(conn, couple, "Écoute, ne me contacte plus stp.", at=clock.now)
        trace = await drive(engine, clock, couple.match_id, llm)
        assert "follow-up planned" not in [r.note for _, r in trace]
        assert len(await bot_texts(conn, couple)) >= 1  # answered: a stop closes nothing
        recorded = await conn.fetchrow(
            "SELECT reason, message_id FROM bot.conversation_closures WHERE match_id = $1",
            couple.match_id,
        )
        assert (recorded["reason"], recorded["message_id"]) == ("stop", asked)
        # Much later, more than 20 messages on: still no follow-up.
        for n in range(22):
            clock.advance(3600)
            await say(conn, couple, f"bon, on a fait la boucle du lac ({n})", at=clock.now)
            await drive(engine, clock, couple.match_id, llm, until=clock.now)
        clock.advance(600)
        trace = await drive(engine, clock, couple.match_id, llm)
        assert "follow-up planned" not in [r.note for _, r in trace]
    assert closed_total("stop") == before + 1

    # The same conversation without the request gets its follow-up (the control).
    async with pool.acquire() as conn:
        control = await make_couple(conn, human_name="Sam")
        await say(conn, control, "Écoute, on a fait un stop au refuge.", at=clock.now)
        trace = await drive(engine, clock, control.match_id, llm)
        assert "follow-up planned" in [r.note for _, r in trace]


async def test_a_reviewer_who_clears_a_closing_reopens_it(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """With a reviewing model set, the closing asks for its verdict: cleared, the closing line
    still to be sent is dropped and the message is answered; confirmed, it stays closed."""
    settings = make_settings(TIME_SCALE=1.0, ABSENCE_PROBABILITY=0.0)
    reviews: list[MinorReview] = []

    def reviewer(verdict: bool) -> Any:
        async def confirm(review: MinorReview) -> bool:
            reviews.append(review)
            return verdict

        return confirm

    clock = VirtualClock(START)
    async with pool.acquire() as conn:
        cleared = await make_couple(conn)
        engine = ConversationEngine(pool, settings, clock=clock, confirm_minor=reviewer(False))
        await say(conn, cleared, "On a fait une rando avec ma fille,", at=clock.now)
        await say(conn, cleared, "elle dit : j'ai 15 ans et toi ?", at=clock.now)
        first = await engine.advance(cleared.match_id)
        assert first.note == "closed: minor"
        assert first.review is not None
        result = await engine.review_minor(first.review)
        assert result.note == "closing cleared"
        assert reviews[-1].message == "elle dit : j'ai 15 ans et toi ?"
        assert reviews[-1].before == ("On a fait une rando avec ma fille,",)
        await drive(engine, clock, cleared.match_id, OfflineResponder())
        texts = await bot_texts(conn, cleared)
        assert texts
        assert not set(texts) & set(LINES["fr"])
        row = await conn.fetchrow(
            "SELECT reopened_by, confirmed FROM bot.conversation_closures WHERE match_id = $1",
            cleared.match_id,
        )
        assert (row["reopened_by"], row["confirmed"]) == ("reviewer", False)

        kept = await make_couple(conn, human_name="Léa")
        engine = ConversationEngine(pool, settings, clock=clock, confirm_minor=reviewer(True))
        await say(conn, kept, "16 ans et toi ?", at=clock.now)
        first = await engine.advance(kept.match_id)
        assert first.review is not None
        assert (await engine.review_minor(first.review)).note == "closing confirmed"
        assert (await engine.review_minor(first.review)).note == "closing already judged"
        await drive(engine, clock, kept.match_id, OfflineResponder())
        assert [t in LINES["fr"] for t in await bot_texts(conn, kept)] == [True]


async def test_reopening_what_is_not_closed(pool: asyncpg.Pool, make_settings: Any) -> None:
    """Reopening a conversation that is not closed says so; unknown values are refused."""
    settings = make_settings()
    async with running_pipeline(settings, workers=0, bridge=False) as pipeline:
        res = pipeline.resources
        with pytest.raises(operations.NothingToReopen):
            await operations.reopen(res.pool, res.docket, uuid.uuid4())
        with pytest.raises(ValueError, match="reason"):
            await operations.reopen(res.pool, res.docket, uuid.uuid4(), reason="bored")
        with pytest.raises(ValueError, match="which"):
            await operations.listing(res.pool, which="some")


def test_cli_lists_and_reopens(db_dsn: str, servers: Endpoints, tmp_path: Path) -> None:
    """`conversation closed` lists a minor's closing with what was said; `conversation reopen`
    reopens it once, then says there is nothing to reopen."""
    env = {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": servers.redis_url}

    async def seed() -> uuid.UUID:
        conn = await asyncpg.connect(db_dsn)
        try:
            couple = await make_couple(conn)
            message = await say(conn, couple, "j'ai 16 ans")
            await conn.execute(
                "INSERT INTO bot.conversations (match_id, bot_id, human_id, status) "
                "VALUES ($1, $2, $3, 'closed')",
                couple.match_id,
                couple.bot_id,
                couple.human_id,
            )
            await conn.execute(
                "INSERT INTO bot.conversation_closures (match_id, reason, message_id) "
                "VALUES ($1, 'minor', $2)",
                couple.match_id,
                message,
            )
            return couple.match_id
        finally:
            await conn.close()

    async def status(match_id: uuid.UUID) -> str:
        conn = await asyncpg.connect(db_dsn)
        try:
            return str(
                await conn.fetchval(
                    "SELECT status FROM bot.conversations WHERE match_id = $1", match_id
                )
            )
        finally:
            await conn.close()

    match_id = asyncio.run(seed())
    listed = cli("conversation", "closed", "--reason", "minor", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert str(match_id) in listed.stdout
    assert "j'ai 16 ans" in listed.stdout
    reopened = cli("conversation", "reopen", str(match_id), env=env, cwd=tmp_path)
    assert reopened.returncode == 0, reopened.stderr
    assert "reopened (minor)" in reopened.stdout
    assert asyncio.run(status(match_id)) == "idle"
    again = cli("conversation", "reopen", str(match_id), env=env, cwd=tmp_path)
    assert again.returncode == 1
    assert "no open closing" in again.stdout
    assert "Traceback" not in again.stderr
    bad = cli("conversation", "reopen", "nope", env=env, cwd=tmp_path)
    assert bad.returncode == 2
