"""Steps of several conversations due at once run in one transaction, and a conversation whose
step fails every time fails alone: the others of its batch go on, it is retried and then
dead-lettered as a step of its own."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
from docket import Docket

from randomatch_bot.conversation.plan.engine import ConversationEngine, StepResult
from randomatch_bot.infra.embedded import Endpoints
from randomatch_bot.process_metrics import METRICS
from randomatch_bot.worker import tasks
from randomatch_bot.worker.batch import Batcher, StepBatcher
from tests.support.databases import Couple, make_couple, say

pytestmark = pytest.mark.integration

# Starting a plan fails, every time, in one conversation (the steps before create its row).
REJECT_PLAN_SQL = """
CREATE OR REPLACE FUNCTION bot.test_reject_plan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.match_id = '{match_id}'::uuid THEN
        RAISE EXCEPTION 'this plan is refused';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER test_reject_plan BEFORE INSERT ON bot.reply_plans
    FOR EACH ROW EXECUTE FUNCTION bot.test_reject_plan();
"""


def batches_seen() -> float:
    """How many batches of two conversations or more this process ran."""
    for metric in METRICS.step_batch.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count"):
                return sample.value
    return 0.0


async def couples_with_a_poison(
    conn: asyncpg.Connection, engine: ConversationEngine, others: int
) -> tuple[Couple, list[Couple]]:
    """A poison conversation and `others`, each with its row, then one message each."""
    poison = await make_couple(conn, human_name="Poison")
    healthy = [await make_couple(conn, human_name=f"H{i}") for i in range(others)]
    for couple in (poison, *healthy):
        await engine.advance(couple.match_id)  # the conversation's row exists
    await conn.execute(REJECT_PLAN_SQL.format(match_id=poison.match_id))
    for couple in (poison, *healthy):
        await say(conn, couple, "Salut, tu randonnes où ?")
    return poison, healthy


async def test_a_batch_gives_each_conversation_its_own_result(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """Five conversations and a poison one due at once: the batch is tried, rolled back by the
    poison one, and each runs alone; the five start their plans, the poison one's step raises
    its own error and leaves nothing behind."""
    engine = ConversationEngine(pool, make_settings())
    async with pool.acquire() as conn:
        poison, healthy = await couples_with_a_poison(conn, engine, 5)
        batcher = StepBatcher(engine, lanes=1)
        before = batches_seen()
        results = await asyncio.gather(
            *(batcher.advance(c.match_id) for c in (poison, *healthy)), return_exceptions=True
        )
        plans = await conn.fetch("SELECT match_id, status FROM bot.reply_plans")
    assert batches_seen() == before + 1
    assert isinstance(results[0], Exception)
    assert "this plan is refused" in str(results[0])
    for result in results[1:]:
        assert isinstance(result, StepResult)
        assert result.generate is not None
    assert {r["match_id"] for r in plans} == {c.match_id for c in healthy}


async def test_a_lone_step_runs_alone_and_a_batch_runs_once(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A step with nobody else due runs as before, in its own transaction; three due at once
    run in one batch; every plan is started once."""
    engine = ConversationEngine(pool, make_settings())
    async with pool.acquire() as conn:
        couples = [await make_couple(conn, human_name=f"B{i}") for i in range(4)]
        for couple in couples:
            await say(conn, couple, "Coucou")
        before = batches_seen()
        alone = await StepBatcher(engine, lanes=1).advance(couples[0].match_id)
        assert batches_seen() == before
        batcher = StepBatcher(engine, lanes=1)
        results = await asyncio.gather(*(batcher.advance(c.match_id) for c in couples[1:]))
        started = await conn.fetchval("SELECT count(*) FROM bot.reply_plans")
    assert batches_seen() == before + 1
    assert all(r.generate is not None for r in (alone, *results))
    assert started == 4


async def test_a_poison_conversation_is_retried_and_dead_lettered_alone(
    pool: asyncpg.Pool, make_settings: Any, servers: Endpoints
) -> None:
    """The worker's `advance` tasks of a batch: the healthy conversations schedule their
    generations; the poison one's task raises (docket retries it) and its failure is counted;
    at STEP_FAILURE_LIMIT it becomes a dead letter and its task ends, while the others are
    untouched."""
    settings = make_settings(STEP_FAILURE_LIMIT=2)
    engine = ConversationEngine(pool, settings)
    async with (
        Docket(name=f"test-batch-{uuid.uuid4().hex[:8]}", url=servers.redis_url) as docket,
        pool.acquire() as conn,
    ):
        poison, healthy = await couples_with_a_poison(conn, engine, 3)
        runtime = tasks.Runtime(docket, engine, None, attempts=5)  # type: ignore[arg-type]
        runtime.steps = StepBatcher(engine, lanes=1)
        token = tasks.install_runtime(runtime)
        try:
            first = await run_tasks(poison, healthy, attempt=1)
            failures = await conn.fetchval(
                "SELECT step_failures FROM bot.conversations WHERE match_id = $1",
                poison.match_id,
            )
            second = await run_tasks(poison, healthy, attempt=2)
        finally:
            tasks.uninstall_runtime(token)
        letter = await conn.fetchrow(
            "SELECT task, error FROM bot.dead_letters WHERE match_id = $1", poison.match_id
        )
        statuses = dict(await conn.fetch("SELECT match_id, status FROM bot.conversations"))
        generations = await docket.snapshot()
    assert isinstance(first[0], Exception)
    assert "this plan is refused" in str(first[0])
    assert first[1:] == [None] * len(healthy)
    assert failures == 1
    assert second == [None] * (1 + len(healthy))  # dead-lettered: the task is over
    assert letter is not None
    assert letter["task"] == "advance"
    assert "this plan is refused" in letter["error"]
    assert statuses[poison.match_id] == "dead_letter"
    assert all(statuses[c.match_id] == "replying" for c in healthy)
    keys = {execution.key for execution in generations.future}
    assert len({key for key in keys if key.startswith("generate:")}) == len(healthy)


async def run_tasks(poison: Couple, healthy: list[Couple], *, attempt: int) -> list[Any]:
    """`advance` of every conversation at once, as docket starts the tasks of one delivery."""
    execution = SimpleNamespace(attempt=attempt, key="")
    return await asyncio.gather(
        *(
            tasks.advance(str(c.match_id), execution)  # type: ignore[arg-type]
            for c in (poison, *healthy)
        ),
        return_exceptions=True,
    )


async def test_the_batcher_hands_each_caller_its_own_outcome() -> None:
    """Items waiting while the lane is busy run together; a failure of the batch reaches each
    of its callers, and the next batch runs all the same."""
    seen: list[list[int]] = []

    async def run(items: Any) -> list[int]:
        seen.append(list(items))
        if 13 in items:
            raise ValueError("thirteen")
        return [2 * item for item in items]

    batcher: Batcher[int, int] = Batcher(run, size=3, lanes=1)
    results = await asyncio.gather(
        *(batcher.submit(item) for item in (1, 2, 3, 4, 13, 6)), return_exceptions=True
    )
    assert seen == [[1, 2, 3], [4, 13, 6]]
    assert results[:3] == [2, 4, 6]
    assert all(isinstance(r, ValueError) for r in results[3:])
