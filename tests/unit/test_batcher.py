"""The batcher of concurrent steps (`worker/batch.py`) without servers: a caller that submits
again as soon as its result arrives is served, whatever the lanes' bookkeeping."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from randomatch_bot.worker.batch import Batcher


async def double(items: Sequence[int]) -> list[int]:
    return [2 * item for item in items]


async def test_a_caller_submitting_again_at_once_gets_a_lane() -> None:
    """The lane that served the first item has ended but its done-callback has not run yet
    when the caller submits again: the second item still runs (it waited forever before)."""
    batcher: Batcher[int, int] = Batcher(double, size=4, lanes=1)

    async def twice() -> tuple[int, int]:
        first = await batcher.submit(3)
        return first, await batcher.submit(4)

    assert await asyncio.wait_for(twice(), timeout=5) == (6, 8)


async def test_lanes_never_exceed_their_number() -> None:
    """Many callers at once: never more lanes running than allowed, and every caller served."""
    running = 0
    most = 0

    async def run(items: Sequence[int]) -> list[int]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        running -= 1
        return [2 * item for item in items]

    batcher: Batcher[int, int] = Batcher(run, size=2, lanes=2)

    async def caller(item: int) -> list[int]:
        return [await batcher.submit(item), await batcher.submit(item + 100)]

    results = await asyncio.wait_for(asyncio.gather(*(caller(i) for i in range(20))), timeout=5)
    assert results == [[2 * i, 2 * (i + 100)] for i in range(20)]
    assert most <= 2
