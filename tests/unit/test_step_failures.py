"""How a failed step is judged: the service's transient errors are retried without counting,
the others count toward the dead letter, and a bug is counted too but logged apart."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import pytest
import structlog
from redis import exceptions as redis_exceptions

from randomatch_bot.errors import (
    DatabaseError,
    DatabaseUnavailable,
    LLMPermanentError,
    RedisUnavailable,
)
from randomatch_bot.worker import tasks

MATCH = uuid.UUID(int=7)
PLAN = uuid.UUID(int=8)


@dataclass
class FailingEngine:
    """An engine whose steps raise `error`; records what the task asked it to count."""

    error: BaseException
    letter: bool = True  # whether a counted failure makes a dead letter
    counted: list[BaseException] = field(default_factory=list)
    dead_letters: list[tuple[uuid.UUID, BaseException, int]] = field(default_factory=list)

    async def advance(self, _match: uuid.UUID) -> Any:
        raise self.error

    async def generate(self, _plan: uuid.UUID, _llm: object) -> Any:
        raise self.error

    async def step_failed(self, _match: uuid.UUID, exc: BaseException) -> object | None:
        self.counted.append(exc)
        return object() if self.letter else None

    async def dead_letter(self, plan: uuid.UUID, exc: BaseException, attempt: int) -> None:
        self.dead_letters.append((plan, exc, attempt))


def run_with(engine: FailingEngine, attempts: int = 3) -> tasks.Runtime:
    return tasks.Runtime(cast(Any, None), cast(Any, engine), cast(Any, None), attempts=attempts)


def execution(attempt: int) -> Any:
    return SimpleNamespace(attempt=attempt, key=f"advance:{MATCH}:test")


async def run_advance(runtime: tasks.Runtime, attempt: int) -> None:
    token = tasks.install_runtime(runtime)
    try:
        await tasks.advance(str(MATCH), execution(attempt))
    finally:
        tasks.uninstall_runtime(token)


async def run_generate(runtime: tasks.Runtime, attempt: int) -> None:
    token = tasks.install_runtime(runtime)
    try:
        await tasks.generate(str(PLAN), execution(attempt))
    finally:
        tasks.uninstall_runtime(token)


@pytest.mark.parametrize(
    ("driver_error", "expected"),
    [
        (ConnectionResetError("database went away"), DatabaseUnavailable),
        (asyncpg.ConnectionDoesNotExistError("closed mid-query"), DatabaseUnavailable),
        (asyncpg.DeadlockDetectedError("deadlock"), tasks.TRANSIENT_ERRORS),
        (redis_exceptions.ConnectionError("Redis went away"), RedisUnavailable),
    ],
)
async def test_infrastructure_failures_are_retried_without_counting(
    driver_error: BaseException, expected: Any
) -> None:
    """A driver's connection error reaching a step comes out as the service's transient error,
    for docket to retry, and never counts toward the dead letter."""
    engine = FailingEngine(driver_error)
    with pytest.raises(expected) as raised:
        await run_advance(run_with(engine), attempt=1)
    assert raised.value.__cause__ is driver_error
    assert engine.counted == []


async def test_a_refused_statement_counts_toward_the_dead_letter() -> None:
    """A statement PostgreSQL refuses (a trigger's error) is counted, as the service's
    DatabaseError, and ends the task once the conversation is a dead letter."""
    engine = FailingEngine(asyncpg.RaiseError("the app refuses this message"))
    await run_advance(run_with(engine), attempt=1)
    assert len(engine.counted) == 1
    assert isinstance(engine.counted[0], DatabaseError)


async def test_a_bug_in_a_step_is_counted_and_logged_apart() -> None:
    """An error that is none of the service's (a bug) still counts toward the dead letter like
    before, and is logged as `step.bug` with its traceback."""
    engine = FailingEngine(KeyError("no such field"))
    with structlog.testing.capture_logs() as logs:
        await run_advance(run_with(engine), attempt=1)
    assert [type(e) for e in engine.counted] == [KeyError]
    bugs = [e for e in logs if e["event"] == "step.bug"]
    assert [e["task"] for e in bugs] == ["advance"]
    assert bugs[0]["exc_info"]


async def test_a_bug_not_yet_dead_lettered_is_retried() -> None:
    """A bug counted below the dead-letter limit is raised again for docket to retry."""
    engine = FailingEngine(KeyError("no such field"), letter=False)
    with pytest.raises(KeyError):
        await run_advance(run_with(engine), attempt=1)
    assert len(engine.counted) == 1


async def test_a_bug_while_composing_is_dead_lettered_on_the_last_attempt() -> None:
    """A bug in the generation is retried, then dead-lettered on the last attempt, and logged
    as a bug each time."""
    engine = FailingEngine(ZeroDivisionError("division by zero"))
    with structlog.testing.capture_logs() as logs, pytest.raises(ZeroDivisionError):
        await run_generate(run_with(engine, attempts=2), attempt=1)
    assert engine.dead_letters == []
    await run_generate(run_with(engine, attempts=2), attempt=2)
    assert [(plan, attempt) for plan, _, attempt in engine.dead_letters] == [(PLAN, 2)]
    assert [e["task"] for e in logs if e["event"] == "step.bug"] == ["generate"]


async def test_a_refused_request_is_dead_lettered_at_once_and_is_no_bug() -> None:
    """A request the model refuses is dead-lettered on its first attempt, without a bug log."""
    engine = FailingEngine(LLMPermanentError("400 bad request", status=400))
    with structlog.testing.capture_logs() as logs:
        await run_generate(run_with(engine), attempt=1)
    assert len(engine.dead_letters) == 1
    assert not [e for e in logs if e["event"] == "step.bug"]
