"""The scheduled steps on Redis (docket tasks) and the keys that make them collapse.

Four task functions exist: `advance(match_id)` runs one conversation step, `generate(plan_id)`
composes a reply with the model, `remember(match_id)` updates a match's long-term memory and
`review(closure_id)` asks the reviewing model about a minor's closing, where one is set. All
are short. Each step says when the conversation wants to
be woken next; that wake-up becomes a task whose key is derived from the due time, so a step
that is redone (by a retry, a redelivery, or two wake-ups racing) schedules the same key and
docket keeps one. Anything Redis forgets is found again by the bridge's catch-up from
PostgreSQL, which is the record.

The functions are module-level so that the bridge (which only schedules) and the workers (which
run them) agree on their names. What they run with (queue, engine, model) is each worker's own:
`run_worker` installs its `Runtime` in the context of its own asyncio task, which every step its
docket Worker starts inherits, so two workers in one event loop (two deployments, tests, the
terminal chat) never see or clear each other's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import redis.asyncio as aioredis
import structlog
from docket import CurrentExecution, Docket, Execution, TaskCall

from randomatch_bot.conversation.plan.engine import GENERATION_WATCH
from randomatch_bot.db import session
from randomatch_bot.errors import (
    DatabaseBusy,
    InfrastructureError,
    LLMPermanentError,
    RandomatchError,
)
from randomatch_bot.infra.redis import map_redis_error, wraps_redis_errors
from randomatch_bot.process_metrics import METRICS
from randomatch_bot.worker.batch import ScheduleBatcher, StepBatcher

if TYPE_CHECKING:
    from randomatch_bot.conversation.plan.engine import ConversationEngine, StepResult
    from randomatch_bot.llm.types import LLMClient

log = structlog.get_logger(__name__)

# Failures of the infrastructure, not of the conversation: they never count toward making a
# conversation a dead letter (a PostgreSQL restart fails every step for a while; a deadlock or
# a cancelled statement succeeds when tried again).
TRANSIENT_ERRORS: tuple[type[RandomatchError], ...] = (InfrastructureError, DatabaseBusy)
INLINE_STEPS = 8  # due steps run back to back in one task, at most (a reply has about six)


@dataclass(slots=True)
class Runtime:
    """What the task functions need, one per worker."""

    docket: Docket
    engine: ConversationEngine
    llm: LLMClient
    attempts: int
    # The steps of conversations due at once run in one transaction, and what they schedule
    # goes to Redis in one round trip (`worker/batch.py`).
    steps: StepBatcher = field(init=False)
    schedule: ScheduleBatcher = field(init=False)

    def __post_init__(self) -> None:
        self.steps = StepBatcher(self.engine)
        self.schedule = ScheduleBatcher(self.docket)


# A context variable, not a global: its value belongs to the task tree of the worker that set it.
_RUNTIME: ContextVar[Runtime] = ContextVar("randomatch_worker_runtime")


def install_runtime(runtime: Runtime) -> Token[Runtime]:
    """Make `runtime` the one of the calling task and of every task it starts from now on;
    hand the token back to `uninstall_runtime` when the worker stops."""
    return _RUNTIME.set(runtime)


def uninstall_runtime(token: Token[Runtime]) -> None:
    """Undo `install_runtime` in the calling task (other workers' runtimes are untouched)."""
    _RUNTIME.reset(token)


def current_runtime() -> Runtime:
    """The runtime of the worker running the calling step."""
    try:
        return _RUNTIME.get()
    except LookupError:
        raise RuntimeError("no worker runtime installed: tasks run only inside a worker") from None


# ---------------------------------------------------------------------- keys
def wake_key(match_id: uuid.UUID | str, when: dt.datetime) -> str:
    return f"advance:{match_id}:at:{int(when.timestamp() * 1000)}"


def message_key(match_id: uuid.UUID | str, message_id: uuid.UUID | str) -> str:
    return f"advance:{match_id}:msg:{message_id}"


def catchup_key(match_id: uuid.UUID | str) -> str:
    return f"advance:{match_id}:catchup"


def status_key(match_id: uuid.UUID | str, status: str) -> str:
    return f"advance:{match_id}:status:{status}"


def created_key(match_id: uuid.UUID | str) -> str:
    return f"advance:{match_id}:created"


def generate_key(plan_id: uuid.UUID | str) -> str:
    return f"generate:{plan_id}"


def memory_key(match_id: uuid.UUID | str) -> str:
    return f"remember:{match_id}"


def review_key(closure_id: int | str) -> str:
    return f"review:{closure_id}"


@wraps_redis_errors
async def queue_depth(redis: aioredis.Redis, docket_name: str) -> tuple[int, int]:
    """(steps due now, steps scheduled for later) in this deployment's queue."""
    docket = Docket(name=docket_name)  # for its key names only; no connection is opened
    return int(await redis.xlen(docket.stream_key)), int(await redis.zcard(docket.queue_key))


# ---------------------------------------------------------------------- scheduling
async def wake(
    docket: Docket, match_id: uuid.UUID | str, key: str, when: dt.datetime | None = None
) -> bool:
    """Schedule `advance(match_id)` under `key`; False when that key was already scheduled."""
    execution = await docket.add(advance, when=when, key=key)(str(match_id))
    return execution.disposition.value == "scheduled"


async def follow_up(
    docket: Docket | ScheduleBatcher,
    match_id: uuid.UUID | str,
    result: StepResult,
    *,
    running_key: str = "",
    step_clock: Callable[[], dt.datetime] | None = None,
) -> None:
    """Turn a step's wishes into scheduled tasks, sent in one round trip (a `ScheduleBatcher`
    joins them with those of the other steps that end at the same time).

    `running_key` is the key of the step asking: a step that ran before its due time (the clock
    of the host that scheduled it is ahead of this one's) asks for the same due time again, and
    docket refuses a key that is still running, so that wake-up takes a key of its own, due
    after what this host's clock (`step_clock`) says is left, instead of being lost.
    """
    calls = follow_up_calls(docket, match_id, result, running_key, step_clock)
    if not calls:
        return
    if isinstance(docket, ScheduleBatcher):
        await docket.add(calls)
        return
    for execution in await docket.add_many(calls, chunk_size=None):
        if execution.schedule_exception is not None:
            raise execution.schedule_exception


def follow_up_calls(
    docket: Docket | ScheduleBatcher,
    match_id: uuid.UUID | str,
    result: StepResult,
    running_key: str = "",
    step_clock: Callable[[], dt.datetime] | None = None,
) -> list[TaskCall]:
    """The tasks a step's result asks for (see `follow_up`)."""
    queue = docket.docket if isinstance(docket, ScheduleBatcher) else docket
    calls: list[TaskCall] = []
    wake_at = result.wake_at
    if result.generate is not None:
        calls.append(queue.call(generate, key=generate_key(result.generate))(str(result.generate)))
        if wake_at is not None and wake_at <= dt.datetime.now(dt.UTC):
            # Thinking is already over but the reply is still being composed: the generation
            # wakes the conversation when it ends, so this wake-up only watches for a lost one
            # (a step now would find no parts and ask for this same watch).
            wake_at += dt.timedelta(seconds=GENERATION_WATCH)
    if wake_at is not None:
        key, when = wake_key(match_id, wake_at), wake_at
        if key == running_key:
            key = f"{key}:again"
            if step_clock is not None:
                when = dt.datetime.now(dt.UTC) + (wake_at - step_clock())
        calls.append(queue.call(advance, when=when, key=key)(str(match_id)))
    for other in result.resumed:
        # A paused model answered again: every reply waiting for it goes on now.
        resume = f"advance:{other}:resume:{result.wake_at or ''}"
        calls.append(queue.call(advance, key=resume)(str(other)))
    if result.remember:
        calls.append(queue.call(remember, key=memory_key(match_id))(str(match_id)))
    if result.review is not None:
        calls.append(queue.call(review, key=review_key(result.review))(str(result.review)))
    return calls


async def ask_to_review(docket: Docket, closure_id: int) -> None:
    """Queue the reviewing model's look at a minor's closing (once per closing)."""
    await docket.add(review, key=review_key(closure_id))(str(closure_id))


async def ask_to_remember(docket: Docket, match_id: uuid.UUID | str) -> None:
    """Queue a memory update of the conversation. Keyed by match: while one update is queued
    or running, more requests add nothing."""
    await docket.add(remember, key=memory_key(match_id))(str(match_id))


# ---------------------------------------------------------------------- tasks
def service_error(exc: BaseException) -> BaseException:
    """The service's error for a driver's (asyncpg, redis-py, socket); any other unchanged."""
    mapped = session.map_error(exc)
    return map_redis_error(exc) if mapped is exc else mapped


@contextmanager
def _service_errors() -> Iterator[None]:
    """Run a step with the driver errors that reach it raised as the service's own. The queries
    of `db/` and the Redis calls of `infra/redis.py` map theirs already; docket's own Redis
    calls do not, so a step's failure is judged here on one family either way."""
    try:
        yield
    except RandomatchError:
        raise
    except Exception as exc:
        mapped = service_error(exc)
        if mapped is exc:
            raise
        raise mapped from exc


def _log_bug(task: str) -> None:
    """A step failed on something that is not one of the service's errors: a bug, logged with
    its traceback so that it is fixed rather than waited out."""
    log.exception("step.bug", task=task)


async def advance(match_id: str, execution: Execution = CurrentExecution()) -> None:
    """Run the due step of one conversation, then schedule what it asks for."""
    runtime = current_runtime()
    try:
        match = uuid.UUID(match_id)
    except ValueError:
        # Only the id is checked here: a ValueError from inside a step is a failure, retried.
        log.warning("step.not_a_match_id", value=match_id[:80])
        return
    with structlog.contextvars.bound_contextvars(match_id=match_id):
        try:
            with _service_errors():
                result = await runtime.steps.advance(match)
        except Exception as exc:
            if not isinstance(exc, RandomatchError):
                # The last resort, kept on purpose: a bug in a step must still count toward the
                # dead letter like any failure, or its conversation would be retried forever.
                _log_bug("advance")
            if await _advance_failed(runtime, match, exc, execution.attempt):
                return
            raise
        METRICS.steps.labels("advance").inc(1 + len(result.grouped))
        result = await _run_due_steps(runtime, match, result)
        await follow_up(
            runtime.schedule,
            match_id,
            result,
            running_key=execution.key,
            step_clock=runtime.engine.clock,
        )


async def _advance_failed(runtime: Runtime, match: uuid.UUID, exc: Exception, attempt: int) -> bool:
    """Count a failed `advance`; True when the task is over (the conversation became a dead
    letter, or this was the last attempt), False when docket should try it again."""
    METRICS.step_errors.labels("advance").inc()
    if not isinstance(exc, TRANSIENT_ERRORS) and await _count_failure(runtime, match, exc):
        return True  # dead-lettered: the catch-up leaves it alone
    if attempt >= runtime.attempts:
        # The catch-up finds the conversation overdue and wakes it again later.
        log.exception("step.failed_last_attempt")
        return True
    return False


async def _count_failure(runtime: Runtime, match: uuid.UUID, exc: BaseException) -> bool:
    """Record a failed step; True when it made the conversation a dead letter."""
    try:
        with _service_errors():
            letter = await runtime.engine.step_failed(match, exc)
    except RandomatchError as error:  # counting must never hide the step's own failure
        log.warning("step.failure_not_counted", error=str(error)[:200])
        return False
    except Exception:
        # The last resort here too, for the same reason: the step's failure is the one to
        # report and retry; a bug in counting it is logged apart.
        _log_bug("count_failure")
        return False
    if letter is None:
        return False
    METRICS.dead_letters.inc()
    return True


async def generate(plan_id: str, execution: Execution = CurrentExecution()) -> None:
    """Compose a plan's reply with the model; dead-letter it after the last attempt."""
    runtime = current_runtime()
    plan = uuid.UUID(plan_id)
    with structlog.contextvars.bound_contextvars(plan_id=plan_id):
        try:
            with _service_errors():
                result = await runtime.engine.generate(plan, runtime.llm)
        except Exception as exc:
            if not isinstance(exc, RandomatchError):
                # The last resort, kept on purpose: a bug while composing must still end in a dead
                # letter after the last attempt, or the reply would wait forever unseen.
                _log_bug("generate")
            if await _generate_failed(runtime, plan, exc, execution.attempt):
                return
            raise
        METRICS.steps.labels("generate").inc()
        match = result.match_id
        if match is not None:
            with structlog.contextvars.bound_contextvars(match_id=str(match)):
                result = await _run_due_steps(runtime, match, result)
            await follow_up(runtime.schedule, match, result)


async def _generate_failed(runtime: Runtime, plan: uuid.UUID, exc: Exception, attempt: int) -> bool:
    """Count a failed `generate`; True when the plan was dead-lettered (a request the model
    refuses, or the last attempt), False when docket should try it again."""
    METRICS.step_errors.labels("generate").inc()
    # Model outages and pauses are waited out by the engine; what reaches this point is a
    # request the model refuses (400) or a fault of our own.
    if isinstance(exc, LLMPermanentError) or attempt >= runtime.attempts:
        await runtime.engine.dead_letter(plan, exc, attempt)
        METRICS.dead_letters.inc()
        return True
    log.warning("step.generation_retry", attempt=attempt, error=str(exc)[:200])
    return False


async def _run_due_steps(runtime: Runtime, match: uuid.UUID, result: StepResult) -> StepResult:
    """Run the conversation's next steps here while they are already due (no human-like delay
    between them), instead of a scheduled task and a Redis round trip for each.

    A step that waits for the model or for a due time in the future ends the run; its wishes
    are scheduled by the caller. A step that fails here is not retried here: the last result's
    wake-up is scheduled as usual, and the step runs again as a task of its own, with its own
    attempts (every step is idempotent).
    """
    remember = False  # asked for by a step of the run: scheduled with the last one's wishes
    for _ in range(INLINE_STEPS):
        if result.generate is not None or result.wake_at is None or result.resumed:
            break
        if result.wake_at > runtime.engine.clock():
            break
        if result.remember:
            remember = True
            result = replace(result, remember=False)
        if result.review is not None:
            await ask_to_review(runtime.docket, result.review)
            result = replace(result, review=None)
        try:
            with _service_errors():
                result = await runtime.steps.advance(match)
        except RandomatchError as exc:
            METRICS.step_errors.labels("advance").inc()
            log.warning("step.due_step_failed", hint="scheduled as a task", error=str(exc)[:200])
            break
        except Exception:
            # The last resort: whatever fails here only ends the inline run, since the step is
            # scheduled as a task of its own, where a failure is counted (a bug included).
            METRICS.step_errors.labels("advance").inc()
            _log_bug("advance")
            break
        METRICS.steps.labels("advance").inc(1 + len(result.grouped))
    return replace(result, remember=True) if remember else result


async def remember(match_id: str) -> None:
    """Bring a match's long-term memory up to date (never raises for a model failure)."""
    runtime = current_runtime()
    with structlog.contextvars.bound_contextvars(match_id=match_id):
        updated = await runtime.engine.remember(uuid.UUID(match_id), runtime.llm)
    METRICS.steps.labels("remember").inc()
    log.debug("memory.step", updated=updated)


async def review(closure_id: str) -> None:
    """The reviewing model's look at a minor's closing: a conversation it clears is reopened
    and woken; one it confirms, or cannot judge, stays closed."""
    runtime = current_runtime()
    with _service_errors():
        result = await runtime.engine.review_minor(int(closure_id))
    METRICS.steps.labels("review").inc()
    if result.match_id is not None and result.wake_at is not None:
        key = f"advance:{result.match_id}:cleared:{closure_id}"
        await wake(runtime.docket, result.match_id, key)


TASKS: list[Callable[..., Awaitable[None]]] = [advance, generate, remember, review]
