"""Due steps run back to back in one task; a wake-up while the reply is composed is a watch."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from randomatch_bot.conversation.plan.engine import GENERATION_WATCH, StepResult
from randomatch_bot.worker import tasks

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
MATCH = uuid.UUID(int=7)
PLAN = uuid.UUID(int=8)


@dataclass
class FakeDocket:
    """Records what would be scheduled: (task name, key, when)."""

    added: list[tuple[str, str | None, dt.datetime | None]] = field(default_factory=list)

    def add(
        self, function: Callable[..., Any], *, when: dt.datetime | None = None, key: str = ""
    ) -> Callable[..., Any]:
        async def schedule(*_args: object) -> Any:
            self.added.append((function.__name__, key, when))
            return SimpleNamespace(disposition=SimpleNamespace(value="scheduled"))

        return schedule

    def call(
        self, function: Callable[..., Any], *, when: dt.datetime | None = None, key: str = ""
    ) -> Callable[..., Any]:
        return lambda *args: SimpleNamespace(function=function, key=key, when=when, args=args)

    async def add_many(self, calls: list[Any], *, chunk_size: int | None) -> list[Any]:
        self.added.extend((call.function.__name__, call.key, call.when) for call in calls)
        return [SimpleNamespace(schedule_exception=None) for _ in calls]


@dataclass
class FakeEngine:
    """Returns the scripted results of `advance`, one per call, on a fixed clock."""

    results: Iterator[StepResult]
    calls: int = 0

    def clock(self) -> dt.datetime:
        return NOW

    async def advance(self, _match: uuid.UUID) -> StepResult:
        self.calls += 1
        return next(self.results)


def runtime(results: list[StepResult]) -> tuple[tasks.Runtime, FakeEngine, FakeDocket]:
    engine, docket = FakeEngine(iter(results)), FakeDocket()
    return tasks.Runtime(docket, engine, None, 3), engine, docket  # type: ignore[arg-type]


async def test_steps_already_due_run_in_the_same_task() -> None:
    """Steps due now run one after the other until one waits for a later time."""
    later = NOW + dt.timedelta(seconds=5)
    run, engine, docket = runtime(
        [StepResult("typing", wake_at=NOW), StepResult("sent part 0", wake_at=later)]
    )
    result = await tasks._run_due_steps(run, MATCH, StepResult("read", wake_at=NOW))
    assert engine.calls == 2
    assert result.wake_at == later
    assert docket.added == []


async def test_a_step_that_asks_for_the_model_ends_the_run() -> None:
    """A step that starts a generation is handed back to be scheduled, not run further."""
    asks = StepResult("read", wake_at=NOW, generate=PLAN)
    run, engine, _ = runtime([])
    assert await tasks._run_due_steps(run, MATCH, asks) is asks
    assert engine.calls == 0


async def test_due_steps_in_a_row_are_bounded() -> None:
    """A conversation that stays due is run at most INLINE_STEPS times in one task."""
    run, engine, _ = runtime([StepResult("again", wake_at=NOW)] * (tasks.INLINE_STEPS + 5))
    result = await tasks._run_due_steps(run, MATCH, StepResult("first", wake_at=NOW))
    assert engine.calls == tasks.INLINE_STEPS
    assert result.wake_at == NOW


async def test_memory_wish_of_an_inline_step_is_scheduled() -> None:
    """A step run inline that asks for a memory update still gets it scheduled, with the wishes
    of the run's last step (one round trip)."""
    run, _, docket = runtime([StepResult("done")])
    last = await tasks._run_due_steps(run, MATCH, StepResult("sent", wake_at=NOW, remember=True))
    assert last.remember
    await tasks.follow_up(run.schedule, MATCH, last)
    assert [(name, key) for name, key, _ in docket.added] == [("remember", tasks.memory_key(MATCH))]


@pytest.mark.parametrize("thinking_left", [-1.0, 0.0])
async def test_wake_up_while_composing_is_a_watch(thinking_left: float) -> None:
    """Thinking already over when the generation starts: the wake-up is the generation watch."""
    docket = FakeDocket()
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=thinking_left)
    await tasks.follow_up(docket, MATCH, StepResult("read", wake_at=due, generate=PLAN))  # type: ignore[arg-type]
    (generation, wake) = docket.added
    assert generation[0] == "generate"
    assert wake[0] == "advance"
    assert wake[2] == due + dt.timedelta(seconds=GENERATION_WATCH)


async def test_wake_up_after_thinking_keeps_its_time() -> None:
    """Thinking still under way: the conversation is woken when it ends, as before."""
    docket = FakeDocket()
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    await tasks.follow_up(docket, MATCH, StepResult("read", wake_at=due, generate=PLAN))  # type: ignore[arg-type]
    assert docket.added[-1] == ("advance", tasks.wake_key(MATCH, due), due)


async def test_a_failing_inline_step_is_scheduled_as_a_task() -> None:
    """A due step that fails inline is handed back, so it is scheduled and retried on its own."""

    class Failing(FakeEngine):
        async def advance(self, _match: uuid.UUID) -> StepResult:
            self.calls += 1
            raise ConnectionResetError("database went away")

    engine, docket = Failing(iter([])), FakeDocket()
    run = tasks.Runtime(docket, engine, None, 3)  # type: ignore[arg-type]
    before = StepResult("composed", wake_at=NOW, match_id=MATCH)
    assert await tasks._run_due_steps(run, MATCH, before) is before
    assert engine.calls == 1
