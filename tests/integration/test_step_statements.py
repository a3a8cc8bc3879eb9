"""A step reads once and writes once: the statements each step of a reply sends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.plan.engine import ConversationEngine, SeededRandom
from randomatch_bot.db.sql import SQL
from randomatch_bot.infra import postgres
from randomatch_bot.llm import OfflineResponder
from randomatch_bot.simulate.driver import VirtualClock, step
from tests.support.databases import make_couple, say

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def logged(db_dsn: str) -> AsyncIterator[tuple[asyncpg.Pool, list[str]]]:
    """A pool set up as the worker's, whose statements are listed as they are sent."""
    sent: list[str] = []

    async def init(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(lambda record: sent.append(record.query))

    pool = await asyncpg.create_pool(
        db_dsn, min_size=1, max_size=2, init=init, reset=postgres.keep_session
    )
    try:
        yield pool, sent
    finally:
        await pool.close()


def _names(sent: list[str]) -> list[str]:
    """The statements by query name (BEGIN and COMMIT as such); the driver's own introspection
    of a new connection is left out."""
    names = {query.text: query.name for query in SQL.all()}
    out = []
    for text in sent:
        if "set_config('jit'" in text or text.startswith("WITH RECURSIVE typeinfo_tree"):
            continue
        out.append(names.get(text, text.split(";")[0].strip()))
    return out


@pytest.mark.parametrize("self_consistency", [True, False], ids=["life", "no-life"])
async def test_each_step_of_a_reply_is_begin_read_write_commit(
    logged: tuple[asyncpg.Pool, list[str]], make_settings: Any, self_consistency: bool
) -> None:
    """Every step of a two-part reply, the first one included (which creates the conversation's
    row), is one transaction of four statements; the generation sends two, its read (the
    photos and the persona's life in it) and its write (the model call's record and her week,
    written from the card at her first reply of the week, in it)."""
    pool, sent = logged
    settings = make_settings(
        TIME_SCALE=0.1,
        MAX_PARTS=2,
        ACTIVE_HOURS="00:00-24:00",
        SELF_CONSISTENCY=self_consistency,
    )
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock, rng=SeededRandom(3))
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut ! Tu marches où ce week-end ?", at=clock.now)
    steps: list[tuple[str, list[str]]] = []
    wake = clock.now
    for _ in range(20):
        clock.now = max(clock.now, wake)
        sent.clear()
        result = await engine.advance(couple.match_id)
        steps.append((result.note, _names(sent)))
        wake = result.wake_at  # type: ignore[assignment]
        if result.generate is not None:
            sent.clear()
            generated = await engine.generate(result.generate, OfflineResponder())
            steps.append((generated.note, _names(sent)))
            wake = min(wake, generated.wake_at or wake)
        if wake is None:
            break
    notes = [note for note, _ in steps]
    # The timing and the split are drawn per plan (its random id): the grouping, a pause or a
    # second part may be due at once and run in the same transaction as the step before.
    assert notes[notes.index("plan started") :][:3] == ["plan started", "read", "generated"]
    assert notes[0] in {"grouping", "plan started"}, notes
    assert notes[-1] == "reply done", notes
    for note, statements in steps:
        if note == "generated":
            assert statements == ["generation_context", "plan_set_parts_saved"], statements
        else:
            assert statements == ["BEGIN", "step_read", "step_write", "COMMIT"], (note, statements)
    total = sum(len(statements) for _, statements in steps)
    assert total == 4 * (len(steps) - 1) + 2
    async with pool.acquire() as conn:
        calls = await conn.fetch(
            "SELECT purpose, ok, plan_id FROM bot.llm_calls WHERE match_id = $1", couple.match_id
        )
        weeks = await conn.fetchval(
            "SELECT count(*) FROM bot.persona_weeks WHERE bot_id = $1", couple.bot_id
        )
    # The record went out with the write, and her week with it when her life is on.
    assert [(c["purpose"], c["ok"]) for c in calls] == [("reply", True)]
    assert calls[0]["plan_id"] is not None
    assert weeks == (1 if self_consistency else 0)


async def test_a_step_that_finds_the_lock_held_waits_and_reads_again(
    logged: tuple[asyncpg.Pool, list[str]], make_settings: Any, db_dsn: str
) -> None:
    """The rare branch: another transaction holds the conversation's lock, so the read takes
    none; the step waits for the lock, then reads again (two statements more)."""
    pool, sent = logged
    settings = make_settings(TIME_SCALE=0.1)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        await say(conn, couple, "Salut !", at=clock.now)
    await step(engine, clock, couple.match_id, OfflineResponder())
    holder = await asyncpg.connect(db_dsn)  # not logged
    try:
        async with holder.transaction():
            await holder.execute(
                "SELECT 1 FROM bot.conversations WHERE match_id = $1 FOR UPDATE", couple.match_id
            )
            sent.clear()
            advancing = asyncio.create_task(engine.advance(couple.match_id))
            await asyncio.sleep(0.3)  # the step now waits for the lock
        await asyncio.wait_for(advancing, timeout=30)
    finally:
        await holder.close()
    names = _names(sent)
    assert names == [
        "BEGIN",
        "step_read",
        "lock_conversation",
        "step_read",
        "step_write",
        "COMMIT",
    ], names
