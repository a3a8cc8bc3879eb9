"""Driving the conversation engine directly with a virtual clock: no Redis, no sleeping.

Each step says when it wants to run again; the driver jumps the clock there. What the worker
does with docket, in microseconds of wall time.
"""

from __future__ import annotations

import datetime as dt
import uuid

from randomatch_bot.conversation.engine import ConversationEngine, StepResult
from randomatch_bot.llm.types import LLMClient


class VirtualClock:
    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


async def drive(
    engine: ConversationEngine,
    clock: VirtualClock,
    match_id: uuid.UUID,
    llm: LLMClient,
    *,
    until: dt.datetime | None = None,
    max_steps: int = 200,
) -> list[tuple[dt.datetime, StepResult]]:
    """Run the conversation's steps at their due times until it has nothing left to do (or the
    next wake-up is after `until`); returns what each step did, with its time."""
    trace: list[tuple[dt.datetime, StepResult]] = []
    result = await engine.advance(match_id)
    for _ in range(max_steps):
        trace.append((clock.now, result))
        if result.generate is not None:
            generated = await engine.generate(result.generate, llm)
            trace.append((clock.now, generated))
            if generated.wake_at is not None:
                wake = min(generated.wake_at, result.wake_at or generated.wake_at)
                result = StepResult(result.note, wake_at=wake)
        if result.wake_at is None or (until is not None and result.wake_at > until):
            return trace
        clock.now = max(clock.now, result.wake_at)
        result = await engine.advance(match_id)
    raise AssertionError(f"conversation did not settle in {max_steps} steps: {trace[-3:]}")
