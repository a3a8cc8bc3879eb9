"""The task runtime is each worker's own, never a process-wide value."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from randomatch_bot.worker import tasks


def runtime(label: str) -> tasks.Runtime:
    # The steps are not run here: only which runtime a task sees matters.
    return tasks.Runtime(cast(Any, label), cast(Any, None), cast(Any, None), attempts=3)


async def test_no_runtime_outside_a_worker() -> None:
    """A step run outside any worker fails plainly instead of using someone else's runtime."""
    with pytest.raises(RuntimeError, match="no worker runtime"):
        tasks.current_runtime()


async def test_each_worker_task_sees_its_own_runtime_and_keeps_it() -> None:
    """Two workers' tasks in one loop each see their runtime (and the steps they start too),
    and one worker uninstalling its runtime leaves the other's in place."""
    first_done, second_seen = asyncio.Event(), asyncio.Event()
    seen: dict[str, list[str]] = {"a": [], "b": []}

    async def worker(label: str) -> None:
        token = tasks.install_runtime(runtime(label))
        try:
            # A step started by the worker, as docket's Worker starts them.
            step = asyncio.create_task(_docket_of_current_runtime())
            seen[label].append(await step)
            if label == "a":
                await second_seen.wait()
            else:
                second_seen.set()
                await first_done.wait()  # "a" has uninstalled its runtime by now
                seen[label].append(await asyncio.create_task(_docket_of_current_runtime()))
        finally:
            tasks.uninstall_runtime(token)
            if label == "a":
                first_done.set()

    await asyncio.wait_for(asyncio.gather(worker("a"), worker("b")), timeout=10)
    assert seen == {"a": ["a"], "b": ["b", "b"]}
    with pytest.raises(RuntimeError):
        tasks.current_runtime()


async def _docket_of_current_runtime() -> str:
    return cast(str, tasks.current_runtime().docket)
