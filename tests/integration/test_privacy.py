"""Personal data: `forget --user` erases all the service keeps about a person; so does deleting
the match or the profile, and an unmatch once the retention period has passed."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.db import console
from randomatch_bot.infra.embedded import Endpoints
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.privacy import forget_person, purge
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock, drive
from tests.support.processes import cli

pytestmark = pytest.mark.integration

START = dt.datetime(2026, 7, 14, 15, 0, tzinfo=dt.UTC)
# Every table of the `bot` schema with what ties a row to a conversation.
BY_MATCH = [
    "memories",
    "reply_plans",
    "answered_messages",
    "sent_parts",
    "dead_letters",
    "plan_events",
    "guard_trips",
    "conversation_closures",
    "engagement_turns",
]


async def a_conversation(conn: asyncpg.Connection, settings: Any, pool: asyncpg.Pool) -> Couple:
    """A match where the person said their name and region and the persona answered, with a
    memory, a dead letter and a request to stop on top."""
    clock = VirtualClock(START)
    engine = ConversationEngine(pool, settings, clock=clock)
    couple = await make_couple(conn)
    await say(conn, couple, "Salut, moi c'est Léa, je randonne dans le Vercors", at=clock.now)
    await drive(engine, clock, couple.match_id, OfflineResponder(), until=clock.now)
    await conn.execute(
        "INSERT INTO bot.memories (match_id, summary, facts) VALUES ($1, $2, $3::jsonb) "
        "ON CONFLICT (match_id) DO UPDATE SET facts = EXCLUDED.facts",
        couple.match_id,
        "Léa randonne dans le Vercors.",
        '{"prenom": "Léa", "region": "Vercors"}',
    )
    await conn.execute(
        "INSERT INTO bot.dead_letters (match_id, task, error, payload) "
        "VALUES ($1, 'generate', 'boom', '{\"text\": \"moi c est Léa\"}'::jsonb)",
        couple.match_id,
    )
    await conn.execute(
        "INSERT INTO bot.conversation_closures (match_id, reason) VALUES ($1, 'stop')",
        couple.match_id,
    )
    # The engagement turns kept of it (D34): the human's turn and the persona's, decided (from
    # scratch: a turn kept already stays as it is).
    await conn.execute("DELETE FROM bot.engagement_watermark")
    await console.keep_turns(conn, now=START + dt.timedelta(days=2))
    return couple


async def rows_about(conn: asyncpg.Connection, couple: Couple) -> dict[str, int]:
    """Rows of the service's tables that point at this person or their match."""
    counts = {
        table: await conn.fetchval(
            f"SELECT count(*) FROM bot.{table} WHERE match_id = $1",  # noqa: S608 - fixed names
            couple.match_id,
        )
        for table in BY_MATCH
    }
    counts["conversations"] = await conn.fetchval(
        "SELECT count(*) FROM bot.conversations WHERE match_id = $1 OR human_id = $2",
        couple.match_id,
        couple.human_id,
    )
    counts["llm_calls"] = await conn.fetchval(
        "SELECT count(*) FROM bot.llm_calls WHERE match_id = $1", couple.match_id
    )
    return counts


def nothing(counts: dict[str, int]) -> bool:
    return not any(counts.values())


async def test_forget_erases_everything_about_the_person(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """After forget, no row of the service points at the person; other people keep theirs."""
    settings = make_settings(TIME_SCALE=0.0)
    async with pool.acquire() as conn:
        couple = await a_conversation(conn, settings, pool)
        other = await a_conversation(conn, settings, pool)
        before = await rows_about(conn, couple)
        calls_before = await conn.fetchval("SELECT count(*) FROM bot.llm_calls")
        erased = await forget_person(conn, couple.human_id)
        after = await rows_about(conn, couple)
        others = await rows_about(conn, other)
        calls_after = await conn.fetchval("SELECT count(*) FROM bot.llm_calls")
    assert all(
        before[k] > 0
        for k in (
            "memories",
            "reply_plans",
            "conversations",
            "llm_calls",
            "plan_events",
            "engagement_turns",
        )
    )
    assert nothing(after), after
    assert erased.matches == 1
    assert erased.memories == 1
    assert erased.dead_letters == 1
    assert erased.closings == 1
    assert erased.llm_calls_anonymised == before["llm_calls"]
    assert calls_after == calls_before  # the bots' spend is still counted
    # The other person's conversation is untouched (its reply may have had more parts).
    assert all(
        others[k] > 0
        for k in ("memories", "reply_plans", "conversations", "sent_parts", "engagement_turns")
    )
    assert others["dead_letters"] == 1


async def test_deleting_the_profile_leaves_nothing(pool: asyncpg.Pool, make_settings: Any) -> None:
    """Once the app deletes a person (messages, match, profile), the next purge erases the rest."""
    settings = make_settings(TIME_SCALE=0.0)
    async with pool.acquire() as conn:
        couple = await a_conversation(conn, settings, pool)
        for statement in (
            "DELETE FROM public.messages WHERE match_id = $1",
            "DELETE FROM public.typing_indicators WHERE match_id = $1",
            "DELETE FROM public.matches WHERE id = $1",
        ):
            await conn.execute(statement, couple.match_id)
        await conn.execute("DELETE FROM public.profiles WHERE id = $1", couple.human_id)
        assert not nothing(await rows_about(conn, couple))
        erased = await purge(conn, retention_days=30, now=START)
        after = await rows_about(conn, couple)
    assert erased.matches == 1
    assert nothing(after), after


async def test_unmatch_is_erased_after_the_retention_period(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """An unmatched conversation is kept for MEMORY_RETENTION_DAYS, then erased; a rematch
    stops the clock."""
    settings = make_settings(TIME_SCALE=0.0)
    async with pool.acquire() as conn:
        couple = await a_conversation(conn, settings, pool)
        rematched = await a_conversation(conn, settings, pool)
        for c in (couple, rematched):
            await conn.execute(
                "UPDATE public.matches SET status = 'unmatched' WHERE id = $1", c.match_id
            )
        assert (await purge(conn, retention_days=30, now=START)).matches == 0
        await conn.execute(
            "UPDATE public.matches SET status = 'active' WHERE id = $1", rematched.match_id
        )
        assert (
            await purge(conn, retention_days=30, now=START + dt.timedelta(days=29))
        ).matches == 0
        assert (await rows_about(conn, couple))["memories"] == 1
        erased = await purge(conn, retention_days=30, now=START + dt.timedelta(days=31))
        gone = await rows_about(conn, couple)
        kept = await rows_about(conn, rematched)
    assert erased.matches == 1
    assert nothing(gone), gone
    assert kept["memories"] == 1
    assert kept["conversations"] == 1


def test_forget_command_says_what_it_removed(
    db_dsn: str, servers: Endpoints, tmp_path: Path
) -> None:
    """`forget --user` prints the counts; a bot's id and a malformed id are refused in one line."""
    import asyncio

    async def seed() -> tuple[uuid.UUID, uuid.UUID]:
        conn = await asyncpg.connect(db_dsn)
        try:
            couple = await make_couple(conn)
            await conn.execute(
                "INSERT INTO bot.memories (match_id, summary, facts) VALUES ($1, 'x', '{}')",
                couple.match_id,
            )
            await conn.execute(
                "INSERT INTO bot.conversations (match_id, bot_id, human_id) VALUES ($1, $2, $3)",
                couple.match_id,
                couple.bot_id,
                couple.human_id,
            )
            return couple.human_id, couple.bot_id
        finally:
            await conn.close()

    human, bot = asyncio.run(seed())
    env = {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": servers.redis_url}
    done = cli("forget", "--user", str(human), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"forgot {human}: 1 matches: 1 memories, 1 conversations" in done.stdout
    refused = cli("forget", "--user", str(bot), env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert "is a bot's profile" in refused.stderr
    assert "Traceback" not in refused.stderr
    bad = cli("forget", "--user", "not-a-uuid", env=env, cwd=tmp_path)
    assert bad.returncode == 2
    assert "--user: 'not-a-uuid' is not a UUID" in bad.stderr
