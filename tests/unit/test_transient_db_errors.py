"""A step that fails for a passing database reason is retried without counting toward a dead
letter; a failure of the conversation itself is counted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from randomatch_bot.errors import DatabaseBusy, DatabaseError, DatabaseUnavailable
from randomatch_bot.worker import tasks

MATCH = uuid.UUID(int=7)


@dataclass
class FailingEngine:
    """An engine whose every step raises `error`; records the failures it is told to count."""

    error: BaseException
    counted: list[BaseException] = field(default_factory=list)

    async def advance(self, _match: uuid.UUID) -> None:
        raise self.error

    async def step_failed(self, _match: uuid.UUID, error: BaseException) -> None:
        self.counted.append(error)


@pytest.mark.parametrize(
    ("error", "counted"),
    [
        (DatabaseBusy("deadlock detected", sqlstate="40P01"), False),
        (DatabaseBusy("canceling statement due to statement timeout", sqlstate="57014"), False),
        (DatabaseUnavailable("connection refused"), False),
        (DatabaseError("new row violates check constraint", sqlstate="23514"), True),
    ],
)
async def test_failed_step_counts_only_when_the_conversation_is_at_fault(
    error: BaseException, counted: bool
) -> None:
    """Deadlocks, cancelled statements and lost connections (as db/session.py maps them) are
    transient; a statement PostgreSQL refuses counts toward STEP_FAILURE_LIMIT."""
    engine = FailingEngine(error)
    runtime = tasks.Runtime(None, engine, None, 3)  # type: ignore[arg-type]
    token = tasks.install_runtime(runtime)
    try:
        with pytest.raises(type(error)):
            await tasks.advance(str(MATCH), SimpleNamespace(attempt=1, key="k"))  # type: ignore[arg-type]
    finally:
        tasks.uninstall_runtime(token)
    assert engine.counted == ([error] if counted else [])
