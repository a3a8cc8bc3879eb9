"""Dead letters that do not silence anyone: a new human message revives the conversation, and a
conversation whose steps fail every time is isolated as a dead letter while the others go on."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from randomatch_bot.api import create_app
from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.db import wakeups
from randomatch_bot.infra.embedded import Endpoints
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.supervisor import open_resources
from tests.support.api_server import asgi_client
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.openai_server import Fault, OpenAIServer
from tests.support.pipeline import eventually, running_pipeline
from tests.support.processes import cli

pytestmark = pytest.mark.integration


def online(make_settings: Any, server: OpenAIServer, **extra: Any) -> Any:
    values = {
        "LLM_BASE_URL": server.base_url,
        "LLM_API_KEY": "sk-test-not-a-real-key",
        "LLM_TIMEOUT": 2.0,
        "LLM_MAX_RETRIES": 0,
        "TIME_SCALE": 0.01,
    }
    values.update(extra)
    return make_settings(**values)


async def letters(conn: asyncpg.Connection, match_id: uuid.UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch("SELECT * FROM bot.dead_letters WHERE match_id = $1 ORDER BY id", match_id)
    )


async def done_plans(conn: asyncpg.Connection, couple: Couple) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT * FROM bot.reply_plans WHERE match_id = $1 AND status = 'done'",
            couple.match_id,
        )
    )


async def test_new_message_revives_a_dead_letter(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """After a dead letter, the human writing again gets one reply that answers both messages,
    and the letter is resolved as retried, with no operator involved."""
    settings = online(make_settings, openai_server)
    openai_server.script(Fault(400, "context length exceeded"))
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings), pool.acquire() as conn:
        first = await say(conn, couple, "Tu fais le GR20 ?")
        await eventually(lambda: letters(conn, couple.match_id), lambda rows: len(rows) == 1)
        second = await say(conn, couple, "Allô ? 🙂")
        plans = await eventually(
            lambda: done_plans(conn, couple), lambda rows: len(rows) == 1, timeout=30
        )
        resolved = await letters(conn, couple.match_id)
        status = await conn.fetchval(
            "SELECT status FROM bot.conversations WHERE match_id = $1", couple.match_id
        )
    assert set(plans[0]["trigger_message_ids"]) == {first, second}
    assert [r["resolution"] for r in resolved] == ["retried"]
    assert status == "idle"


async def test_revival_can_be_turned_off(pool: asyncpg.Pool, make_settings: Any) -> None:
    """With DEAD_LETTER_RETRY_ON_MESSAGE=false a dead letter waits for an operator."""
    settings = make_settings(DEAD_LETTER_RETRY_ON_MESSAGE=False)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await engine.advance(couple.match_id)  # the conversation exists
        await conn.execute(
            "UPDATE bot.conversations SET status = 'dead_letter' WHERE match_id = $1",
            couple.match_id,
        )
        await conn.execute(
            "INSERT INTO bot.dead_letters (match_id, task, error, created_at) "
            "VALUES ($1, 'generate', 'x', $2)",
            couple.match_id,
            clock.now,
        )
        clock.advance(5)
        await say(conn, couple, "Hello ?", at=clock.now)
        trace = await drive(engine, clock, couple.match_id, OfflineResponder())
        open_letters = await conn.fetchval(
            "SELECT count(*) FROM bot.dead_letters WHERE resolved_at IS NULL"
        )
    assert [r.note for _, r in trace] == ["dead letter: waiting for an operator"]
    assert open_letters == 1


REJECT_BOT_SQL = """
CREATE OR REPLACE FUNCTION public.test_reject_bot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.match_id = '{match_id}'::uuid AND NEW.sender_id = '{bot_id}'::uuid THEN
        RAISE EXCEPTION 'the app refuses this message';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER test_reject_bot BEFORE INSERT ON public.messages
    FOR EACH ROW EXECUTE FUNCTION public.test_reject_bot();
"""


async def test_poison_conversation_is_isolated(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A trigger that rejects the bot's message in one match: that conversation becomes a dead
    letter with the error after STEP_FAILURE_LIMIT failed steps, the model is asked once for
    it, and the other conversations are answered."""
    settings = online(
        make_settings, openai_server, STEP_ATTEMPTS=2, STEP_FAILURE_LIMIT=4, CATCHUP_SLACK=0.5
    )
    async with pool.acquire() as conn:
        poison = await make_couple(conn)
        others = [await make_couple(conn, human_name=f"H{i}") for i in range(3)]
        await conn.execute(REJECT_BOT_SQL.format(match_id=poison.match_id, bot_id=poison.bot_id))
    async with running_pipeline(settings), pool.acquire() as conn:
        await say(conn, poison, "Premier !")
        for couple in others:
            await say(conn, couple, "Salut, tu randonnes où ?")
        letter = await eventually(
            lambda: letters(conn, poison.match_id), lambda rows: len(rows) == 1, timeout=60
        )
        for couple in others:
            await eventually(lambda c=couple: done_plans(conn, c), lambda rows: len(rows) == 1)
        status = await conn.fetchval(
            "SELECT status FROM bot.conversations WHERE match_id = $1", poison.match_id
        )
        plan = await conn.fetchval(
            "SELECT status FROM bot.reply_plans WHERE match_id = $1", poison.match_id
        )
        typing = await conn.fetchval(
            "SELECT count(*) FROM public.typing_indicators WHERE is_typing"
        )
    asked = [r for r in openai_server.chat_requests if "Premier" in r.last_user_content]
    assert letter[0]["task"] == "advance"
    assert "the app refuses this message" in letter[0]["error"]
    assert letter[0]["attempts"] == 4
    assert status == "dead_letter"
    assert plan == "failed"
    assert typing == 0
    assert len(asked) == 1


async def wake_list(conn: asyncpg.Connection, batch: int, revive: bool = True) -> list[uuid.UUID]:
    now = await conn.fetchval("SELECT now()")
    rows = await wakeups.conversations_to_wake(
        conn, now=now, lookback_s=86400.0, slack_s=1.0, limit=batch, revive=revive
    )
    return [r.match_id for r in rows]


async def test_catch_up_takes_oldest_first_and_skips_dead_letters(pool: asyncpg.Pool) -> None:
    """Dead-lettered conversations never fill the catch-up batch; the oldest unanswered come
    first; a dead letter comes back only when its human wrote since; an unseen new match with
    no message is found for its icebreaker."""
    async with pool.acquire() as conn:
        poisoned = [await make_couple(conn, human_name=f"P{i}") for i in range(3)]
        for couple in poisoned:
            await say(
                conn, couple, "vieux", at=await conn.fetchval("SELECT now() - '2 h'::interval")
            )
            await conn.execute(
                "INSERT INTO bot.conversations (match_id, bot_id, human_id, status, updated_at) "
                "VALUES ($1, $2, $3, 'dead_letter', now() - '1 h'::interval)",
                couple.match_id,
                couple.bot_id,
                couple.human_id,
            )
        waiting = [await make_couple(conn, human_name=f"W{i}") for i in range(3)]
        for minutes, couple in zip((30, 20, 10), waiting, strict=True):
            at = await conn.fetchval("SELECT now() - $1 * interval '1 minute'", minutes)
            await say(conn, couple, "coucou", at=at)
        assert await wake_list(conn, 2) == [waiting[0].match_id, waiting[1].match_id]
        # The human of a dead letter writes again: it is found (unless revival is off).
        await say(conn, poisoned[1], "tu es là ?")
        found = await wake_list(conn, 10)
        assert poisoned[1].match_id in found
        assert poisoned[0].match_id not in found
        assert poisoned[1].match_id not in await wake_list(conn, 10, revive=False)
        # A match created while the bridge was away: no conversation, no message yet.
        fresh = await make_couple(conn, human_name="New")
        assert fresh.match_id in await wake_list(conn, 10)


async def parked(conn: asyncpg.Connection, count: int) -> list[int]:
    """`count` conversations parked as dead letters, one open letter each; returns the ids."""
    ids = []
    for index in range(count):
        couple = await make_couple(conn, human_name=f"D{index}")
        await conn.execute(
            "INSERT INTO bot.conversations (match_id, bot_id, human_id, status) "
            "VALUES ($1, $2, $3, 'dead_letter')",
            couple.match_id,
            couple.bot_id,
            couple.human_id,
        )
        ids.append(
            await conn.fetchval(
                "INSERT INTO bot.dead_letters (match_id, task, error) "
                "VALUES ($1, 'generate', 'boom') RETURNING id",
                couple.match_id,
            )
        )
    return ids


async def resolutions(conn: asyncpg.Connection) -> list[str | None]:
    rows = await conn.fetch("SELECT resolution FROM bot.dead_letters ORDER BY id")
    return [r["resolution"] for r in rows]


def test_cli_lists_retries_and_discards_in_bulk(
    db_dsn: str, servers: Endpoints, tmp_path: Path
) -> None:
    """`dead-letters list`, `retry ID...` and `discard --all` act on the record; a second
    retry of the same letter says so and exits 1."""
    env = {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": servers.redis_url}

    async def setup() -> list[int]:
        conn = await asyncpg.connect(db_dsn)
        try:
            return await parked(conn, 3)
        finally:
            await conn.close()

    async def states() -> list[str | None]:
        conn = await asyncpg.connect(db_dsn)
        try:
            return await resolutions(conn)
        finally:
            await conn.close()

    ids = asyncio.run(setup())
    listed = cli("dead-letters", "list", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert all(str(i) in listed.stdout for i in ids)
    retried = cli("dead-letters", "retry", str(ids[0]), str(ids[1]), env=env, cwd=tmp_path)
    assert retried.returncode == 0, retried.stderr
    again = cli("dead-letters", "retry", str(ids[0]), env=env, cwd=tmp_path)
    assert again.returncode == 1
    assert "already retried" in again.stdout
    discarded = cli("dead-letters", "discard", "--all", env=env, cwd=tmp_path)
    assert discarded.returncode == 0, discarded.stderr
    assert asyncio.run(states()) == ["retried", "retried", "discarded"]
    neither = cli("dead-letters", "retry", env=env, cwd=tmp_path)
    assert neither.returncode == 2


async def test_api_bulk_retry_and_discard(make_settings: Any, pool: asyncpg.Pool) -> None:
    """POST /dead-letters/retry with ids and /dead-letters/discard with all: true resolve in
    bulk; unknown or resolved ids are reported, not fatal; neither ids nor all is a 422."""
    settings = make_settings(MONITORING_TOKEN="tok-bulk-0123456789abcdef")
    async with pool.acquire() as conn:
        ids = await parked(conn, 3)
    async with open_resources(settings) as res:
        app = create_app(settings, resources=res)
        async with asgi_client(app, token="tok-bulk-0123456789abcdef") as http:
            first = await http.post("/dead-letters/retry", json={"ids": [ids[0], 999999]})
            rest = await http.post("/dead-letters/discard", json={"all": True})
            bad = await http.post("/dead-letters/retry", json={})
    assert first.status_code == 200, first.text
    assert [r["id"] for r in first.json()["resolved"]] == [ids[0]]
    assert "999999" in first.json()["skipped"]
    assert sorted(r["id"] for r in rest.json()["resolved"]) == ids[1:]
    assert bad.status_code == 422
    async with pool.acquire() as conn:
        assert await resolutions(conn) == ["retried", "discarded", "discarded"]
