"""Driving the conversation engine directly with a virtual clock: no Redis, no sleeping.

Each step says when it wants to run again; the driver jumps the clock there. What the worker
does with docket, in microseconds of wall time. The tests drive one conversation with `drive`;
the simulator interleaves many on one timeline with `step`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from randomatch_bot.conversation.plan.engine import ConversationEngine, StepResult
from randomatch_bot.llm.types import LLMClient

__all__ = ["Trace", "VirtualClock", "drive", "step"]

# What each step did, at the virtual time it ran.
Trace = list[tuple[dt.datetime, StepResult]]


class VirtualClock:
    """A clock that only moves when told to; pass it as the engine's `clock`."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` forward."""
        self.now += dt.timedelta(seconds=seconds)


async def step(
    engine: ConversationEngine, clock: VirtualClock, match_id: uuid.UUID, llm: LLMClient
) -> tuple[Trace, dt.datetime | None]:
    """Run one step of the conversation now, and the generation it asks for (the worker runs it
    beside the thinking delay; here the clock stands still meanwhile). Returns what was done and
    when the conversation wants its next step (None: nothing left to do)."""
    result = await engine.advance(match_id)
    # Steps due at once ran in one transaction: each is in the trace.
    trace: Trace = [(clock.now, r) for r in (*result.grouped, result)]
    wake = result.wake_at
    if result.generate is not None:
        generated = await engine.generate(result.generate, llm)
        trace.append((clock.now, generated))
        if generated.wake_at is not None:
            wake = min(generated.wake_at, wake or generated.wake_at)
    return trace, wake


async def drive(
    engine: ConversationEngine,
    clock: VirtualClock,
    match_id: uuid.UUID,
    llm: LLMClient,
    *,
    until: dt.datetime | None = None,
    max_steps: int = 200,
) -> Trace:
    """Run the conversation's steps at their due times until it has nothing left to do (or the
    next wake-up is after `until`); returns what each step did, with its time."""
    trace: Trace = []
    for _ in range(max_steps):
        done, wake = await step(engine, clock, match_id, llm)
        trace.extend(done)
        if wake is None or (until is not None and wake > until):
            return trace
        clock.now = max(clock.now, wake)
    raise AssertionError(f"conversation did not settle in {max_steps} steps: {trace[-3:]}")
