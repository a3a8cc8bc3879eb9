"""Work of concurrent steps taken together: one transaction for the conversations whose steps are
due at once, one Redis round trip for what they schedule next.

Each step stays a docket task of its own (its key, its attempts, its dead letter): a task hands
its conversation to a `Batcher` and waits for its own result. The batcher runs what is waiting
as soon as one of its lanes is free, so a lone step runs at once, and the steps that arrive
while every lane is busy (a burst, a catch-up, the replies a wave of model answers sends on)
run together in the next one. Nothing waits for a batch to fill.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

import structlog
from docket import Docket, TaskCall

from randomatch_bot.process_metrics import METRICS

if TYPE_CHECKING:
    from randomatch_bot.conversation.plan.engine import ConversationEngine, StepResult

log = structlog.get_logger(__name__)

# Conversations in one step transaction, at most: the locks of a batch are held until its
# commit, and the parts it sends are stamped with its start, so a batch stays short.
BATCH_SIZE = 16
# Batches in flight at once: the others' steps wait for a free lane (the pool's connections
# are shared with the generations).
BATCH_LANES = 4
SCHEDULE_BATCH = 256  # wake-ups scheduled in one pipelined round trip, at most

Item = TypeVar("Item")
Result = TypeVar("Result")


class Batcher(Generic[Item, Result]):
    """Hands items from concurrent callers to `run` in batches of at most `size`, with at most
    `lanes` batches running; each caller receives its own item's result or exception."""

    def __init__(
        self,
        run: Callable[[Sequence[Item]], Awaitable[Sequence[Result]]],
        *,
        size: int,
        lanes: int,
    ) -> None:
        self._run = run
        self._size = size
        self._lanes = lanes
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        return (await self.submit_many([item]))[0]

    async def submit_many(self, items: Sequence[Item]) -> list[Result]:
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Result]] = [loop.create_future() for _ in items]
        self._waiting.extend(zip(items, futures, strict=True))
        # A lane that has just ended is still in `_running` until its done-callback runs, after
        # the callers it woke: counted, the caller that submits again at once would wait for
        # a lane nobody starts.
        if sum(not lane.done() for lane in self._running) < self._lanes:
            # Started as a task: the callers ready in this turn of the loop join its batch.
            lane = asyncio.create_task(self._lane(), name="batch-lane")
            self._running.add(lane)
            lane.add_done_callback(self._running.discard)
        return [await future for future in futures]

    async def _lane(self) -> None:
        # The lane started in its first caller's context: what it logs is no one caller's.
        structlog.contextvars.unbind_contextvars("match_id", "plan_id")
        while self._waiting:
            batch, self._waiting = self._waiting[: self._size], self._waiting[self._size :]
            live = [(item, future) for item, future in batch if not future.done()]
            if not live:
                continue
            try:
                results = await self._run([item for item, _ in live])
            except BaseException as exc:
                for _, future in live:
                    if future.done():
                        continue
                    if isinstance(exc, asyncio.CancelledError):
                        future.cancel()
                    else:
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), result in zip(live, results, strict=True):
                if not future.done():
                    future.set_result(result)


class StepBatcher:
    """A worker's conversation steps, batched (`ConversationEngine.advance_many`)."""

    def __init__(
        self, engine: ConversationEngine, *, size: int = BATCH_SIZE, lanes: int = BATCH_LANES
    ) -> None:
        self.engine = engine
        self._batcher: Batcher[uuid.UUID, StepResult | None] = Batcher(
            self._advance_many, size=size, lanes=lanes
        )

    async def advance(self, match_id: uuid.UUID) -> StepResult:
        """The conversation's due steps, as `ConversationEngine.advance`, in a batch when
        others are due at once; when the batch could not take it, in its own transaction
        (whose failure is this step's)."""
        result = await self._batcher.submit(match_id)
        if result is None:
            result = await self.engine.advance(match_id)
        return result

    async def _advance_many(self, match_ids: Sequence[uuid.UUID]) -> list[StepResult | None]:
        if len(match_ids) == 1 or len(set(match_ids)) < len(match_ids):
            # Alone (or the same conversation twice): each runs as a step of its own.
            return [None] * len(match_ids)
        METRICS.step_batch.observe(len(match_ids))
        return await self.engine.advance_many(match_ids)


class ScheduleBatcher:
    """The wake-ups and tasks that steps ask for, sent to docket in pipelined round trips
    (`Docket.add_many`): one for all those asked at once, instead of one per task."""

    def __init__(self, docket: Docket, *, size: int = SCHEDULE_BATCH, lanes: int = 1) -> None:
        self.docket = docket
        self._batcher: Batcher[TaskCall, BaseException | None] = Batcher(
            self._add_many, size=size, lanes=lanes
        )

    async def add(self, calls: Sequence[TaskCall]) -> None:
        """Schedule `calls` (a key already scheduled is kept, as `Docket.add` does); raises the
        first failure to schedule one of them."""
        for error in await self._batcher.submit_many(calls):
            if error is not None:
                raise error

    async def _add_many(self, calls: Sequence[TaskCall]) -> list[BaseException | None]:
        executions = await self.docket.add_many(calls, chunk_size=None)
        return [execution.schedule_exception for execution in executions]
