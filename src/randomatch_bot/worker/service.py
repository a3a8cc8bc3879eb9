"""A worker process: docket's Worker running the conversation tasks, plus the sweeper.

Side tasks are named and supervised: if one dies, the worker says which and stops. SIGTERM (or
`stop`) drains in two phases: in-flight steps get SHUTDOWN_GRACE seconds to finish, then they
are cancelled; a cancelled step was not acknowledged, so docket hands it to another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from typing import TYPE_CHECKING

import structlog
from docket import Docket, ExponentialRetry, Worker

from randomatch_bot import privacy
from randomatch_bot.config import Settings
from randomatch_bot.conversation.plan import typing_broadcast
from randomatch_bot.conversation.plan.engine import ConversationEngine, SeededRandom
from randomatch_bot.conversation.policies import limits as policy
from randomatch_bot.conversation.policies import outage
from randomatch_bot.conversation.policies.closing import ConfirmMinor, MinorReview
from randomatch_bot.conversation.words import reviewer
from randomatch_bot.db import console, housekeeping, session
from randomatch_bot.errors import DatabaseError, DatabaseUnavailable
from randomatch_bot.infra.keys import Keys
from randomatch_bot.llm import build_llm_client
from randomatch_bot.llm.breaker import RedisBreaker
from randomatch_bot.llm.types import LLMClient
from randomatch_bot.worker import tasks

if TYPE_CHECKING:
    import asyncpg

log = structlog.get_logger(__name__)

MAX_RETRY_DELAY = 60.0  # seconds between two attempts of a failing step, at most
# The engagement turns are kept every KEEP_INTERVAL seconds, at most KEEP_MAX_STEPS days of
# them at a time (D34): `/engagement` computes live what was decided since.
KEEP_INTERVAL = 60.0
KEEP_MAX_STEPS = 7


def register_tasks(docket: Docket) -> None:
    for task in tasks.TASKS:
        docket.register(task)


async def sweep_once(pool: asyncpg.Pool, settings: Settings) -> int:
    """Clear typing indicators that a crash left on; returns how many."""
    async with session.connection(pool) as conn:
        cleared = await housekeeping.clear_stale_typing(
            conn, stale_after=settings.stale_typing_after
        )
    for indicator in cleared:
        log.warning("typing.stale_cleared", match_id=str(indicator.match_id))
    return len(cleared)


async def _purge_once(pool: asyncpg.Pool, settings: Settings) -> None:
    try:
        async with session.connection(pool) as conn:
            await privacy.purge(
                conn, retention_days=settings.memory_retention_days, now=dt.datetime.now(dt.UTC)
            )
    except (DatabaseUnavailable, DatabaseError) as exc:  # a failed purge is retried, never fatal
        log.warning("privacy.purge_failed", error=type(exc).__name__)


async def keep_turns_once(pool: asyncpg.Pool, *, now: dt.datetime) -> console.Kept:
    """Keep the engagement turns decided since the last time (D34), at most KEEP_MAX_STEPS
    days of them: a first keeping of a large database catches up over several sweeps."""
    async with session.connection(pool) as conn:
        kept = await console.keep_turns(conn, now=now, max_steps=KEEP_MAX_STEPS)
    if kept.steps > 1:
        log.info("engagement.turns_kept", added=kept.added, dropped=kept.dropped, steps=kept.steps)
    return kept


async def _keep_once(pool: asyncpg.Pool) -> None:
    try:
        await keep_turns_once(pool, now=dt.datetime.now(dt.UTC))
    except (DatabaseUnavailable, DatabaseError) as exc:  # retried at the next interval
        log.warning("engagement.keep_failed", error=type(exc).__name__)


async def _sweeper(pool: asyncpg.Pool, settings: Settings, stop: asyncio.Event) -> None:
    # The first purge waits one interval: a starting worker has replies to send first.
    next_purge = time.monotonic() + privacy.PURGE_INTERVAL
    next_keep = time.monotonic() + KEEP_INTERVAL
    while not stop.is_set():
        try:
            await sweep_once(pool, settings)
        except (DatabaseUnavailable, DatabaseError) as exc:
            log.warning("worker.sweep_failed", error=str(exc))
        if time.monotonic() >= next_keep:
            next_keep = time.monotonic() + KEEP_INTERVAL
            await _keep_once(pool)
        if time.monotonic() >= next_purge:
            next_purge = time.monotonic() + privacy.PURGE_INTERVAL
            await _purge_once(pool, settings)
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
    confirm_minor: ConfirmMinor | None = None,
) -> None:
    """Serve conversation steps until `stop` is set, then drain. `confirm_minor`: what confirms
    a minor's closing (`policies/closing.py`); by default the reviewing model, when it is on."""
    own_llm = llm is None
    # One circuit breaker per model, shared through Redis by every worker of the deployment.
    client = llm or build_llm_client(
        settings,
        breaker=RedisBreaker(
            docket.redis, Keys(docket.name), interval=settings.llm_breaker_probe_interval
        ),
    )
    if confirm_minor is None and reviewer.enabled(settings, client):
        confirm_minor = _minor_reviewer(settings, client)
    engine = ConversationEngine(pool, settings, rng=rng, confirm_minor=confirm_minor)
    engine.typing_transport = await typing_broadcast.effective_transport(pool, settings)
    # In this call's context only: the steps that docket's Worker starts below inherit it.
    runtime = tasks.Runtime(docket, engine, client, settings.step_attempts)
    token = tasks.install_runtime(runtime)
    register_tasks(docket)
    retry = ExponentialRetry(
        attempts=settings.step_attempts,
        minimum_delay=dt.timedelta(seconds=settings.step_retry_delay),
        maximum_delay=dt.timedelta(seconds=max(settings.step_retry_delay, MAX_RETRY_DELAY)),
    )
    log.info(
        "worker.starting",
        llm=client.mode,
        concurrency=settings.worker_concurrency,
        guard=_guard_layers(settings, client),
    )
    unlimited = policy.unlimited_budgets(settings)
    if unlimited and not settings.embedded_postgres:
        log.warning("worker.spending_uncapped", hint="set these above 0", unlimited=unlimited)
    if client.offline:
        log.warning(
            "worker.offline_responder",
            hint="LLM_API_KEY is not set, so the offline persona responder answers",
        )
    if not reviewer.enabled(settings, client):
        log.warning(
            "worker.guard_rules_only",
            hint="no reviewing model: the guard's rules judge replies alone (GUARD_REVIEW)",
        )
    else:
        check = await client.check_model()
        if check.warning:
            log.warning("worker.model_check", model=check.model, warning=check.warning)
        await _lift_changed_pauses(pool, settings, docket)
    try:
        async with Worker(
            docket,
            name=name,
            concurrency=settings.worker_concurrency,
            redelivery_timeout=dt.timedelta(seconds=settings.redelivery_timeout),
            minimum_check_interval=dt.timedelta(seconds=settings.docket_poll_interval),
            scheduling_resolution=dt.timedelta(seconds=settings.docket_poll_interval),
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
                        "worker.side_task_died", task=task.get_name(), error=str(task.exception())
                    )
            stop.set()
            await _drain(runner, settings.shutdown_grace)
            for task in (sweeper, stopper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        tasks.uninstall_runtime(token)
        if own_llm:
            await client.aclose()
    log.info("worker.stopped")


async def _lift_changed_pauses(pool: asyncpg.Pool, settings: Settings, docket: Docket) -> None:
    """A pause recorded with other settings ends when a worker starts with the fixed ones."""
    now = dt.datetime.now(dt.UTC)
    async with session.connection(pool) as conn:
        released = await outage.lift_changed(conn, settings, now)
    for match_id in released:
        await tasks.wake(docket, match_id, f"advance:{match_id}:resume:{now.timestamp():.0f}")


async def _drain(runner: asyncio.Task[None], grace: float) -> None:
    if runner.done():
        return
    runner.cancel()  # docket finishes in-flight steps on the first cancellation
    done, _ = await asyncio.wait({runner}, timeout=grace)
    if not done:
        log.warning(
            "worker.drain_timeout",
            hint="steps still running after the grace period are handed back",
        )
        runner.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await runner


def _guard_layers(settings: Settings, client: LLMClient) -> str:
    """What judges a reply before it is sent: the rules, and the reviewer when it is on."""
    if reviewer.enabled(settings, client):
        return f"rules+reviewer:{settings.guard_model}"
    return "rules"


def _minor_reviewer(settings: Settings, client: LLMClient) -> ConfirmMinor:
    """The reviewing model as the judge of a minor's closing."""

    async def confirm(review: MinorReview) -> bool | None:
        return await reviewer.confirm_minor(review.message, review.before, settings, client)

    return confirm
