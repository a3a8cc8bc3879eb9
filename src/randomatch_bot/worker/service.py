"""A worker process: docket's Worker running the conversation tasks, plus the sweeper.

Side tasks are named and supervised: if one dies, the worker says which and stops. SIGTERM (or
`stop`) drains in two phases: in-flight steps get SHUTDOWN_GRACE seconds to finish, then they
are cancelled; a cancelled step was not acknowledged, so docket hands it to another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

import asyncpg
import structlog
from docket import Docket, ExponentialRetry, Worker

from randomatch_bot.config import Settings
from randomatch_bot.conversation.engine import ConversationEngine, SeededRandom
from randomatch_bot.db.queries import Q
from randomatch_bot.llm import build_llm_client
from randomatch_bot.llm.types import LLMClient
from randomatch_bot.worker import tasks

log = structlog.get_logger(__name__)

MAX_RETRY_DELAY = 60.0  # seconds between two attempts of a failing step, at most
# How often due steps are moved from the schedule to the stream: a step starts at most this
# late (plus the worker's own queueing); each move is one small Lua call on Redis.
SCHEDULING_RESOLUTION = dt.timedelta(milliseconds=20)


def register_tasks(docket: Docket) -> None:
    for task in tasks.TASKS:
        docket.register(task)


async def sweep_once(pool: asyncpg.Pool, settings: Settings) -> int:
    """Clear typing indicators that a crash left on; returns how many."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(Q.stale_typing_indicators, settings.stale_typing_after)
    for row in rows:
        log.warning("stale typing indicator cleared", match_id=str(row["match_id"]))
    return len(rows)


async def _sweeper(pool: asyncpg.Pool, settings: Settings, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await sweep_once(pool, settings)
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("sweep failed", error=str(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.sweep_interval)


async def run_worker(
    settings: Settings,
    pool: asyncpg.Pool,
    docket: Docket,
    stop: asyncio.Event,
    *,
    llm: LLMClient | None = None,
    rng: SeededRandom | None = None,
    name: str | None = None,
) -> None:
    """Serve conversation steps until `stop` is set, then drain."""
    own_llm = llm is None
    client = llm or build_llm_client(settings)
    engine = ConversationEngine(pool, settings, rng=rng)
    tasks.install_runtime(tasks.Runtime(docket, engine, client, settings.step_attempts))
    register_tasks(docket)
    retry = ExponentialRetry(
        attempts=settings.step_attempts,
        minimum_delay=dt.timedelta(seconds=settings.step_retry_delay),
        maximum_delay=dt.timedelta(seconds=max(settings.step_retry_delay, MAX_RETRY_DELAY)),
    )
    log.info("worker starting", llm=client.mode, concurrency=settings.worker_concurrency)
    if client.offline:
        log.warning("no LLM_API_KEY: replies come from the offline persona responder")
    else:
        check = await client.check_model()
        if check.warning:
            log.warning("LLM model check", model=check.model, warning=check.warning)
    try:
        async with Worker(
            docket,
            name=name,
            concurrency=settings.worker_concurrency,
            redelivery_timeout=dt.timedelta(seconds=settings.redelivery_timeout),
            minimum_check_interval=dt.timedelta(milliseconds=50),
            scheduling_resolution=SCHEDULING_RESOLUTION,
            dependencies=[retry],
        ) as worker:
            runner = asyncio.create_task(worker.run_forever(), name="worker-steps")
            sweeper = asyncio.create_task(_sweeper(pool, settings, stop), name="worker-sweeper")
            stopper = asyncio.create_task(stop.wait(), name="worker-stop")
            done, _ = await asyncio.wait(
                {runner, sweeper, stopper}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                if task is not stopper and task.exception() is not None:
                    log.error(
                        "worker side task died", task=task.get_name(), error=str(task.exception())
                    )
            stop.set()
            await _drain(runner, settings.shutdown_grace)
            for task in (sweeper, stopper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        tasks.install_runtime(None)
        if own_llm:
            await client.aclose()
    log.info("worker stopped")


async def _drain(runner: asyncio.Task[None], grace: float) -> None:
    if runner.done():
        return
    runner.cancel()  # docket finishes in-flight steps on the first cancellation
    done, _ = await asyncio.wait({runner}, timeout=grace)
    if not done:
        log.warning("steps still running after the grace period; handing them back")
        runner.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await runner
