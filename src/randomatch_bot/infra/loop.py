"""The event loop of the service's processes: uvloop where it is installed, else asyncio's own.

uvloop runs the same asyncio code with its loop, transports and timers in C; the worker spends
most of its time there (a step is mostly round trips to PostgreSQL and Redis), so it pays. The
variable EVENT_LOOP=asyncio turns it off, to compare or to rule it out when diagnosing.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from randomatch_bot.errors import ConfigurationError

T = TypeVar("T")

LoopFactory = Callable[[], asyncio.AbstractEventLoop]
CHOICES = ("uvloop", "asyncio")


def loop_factory(env: Mapping[str, str] | None = None) -> LoopFactory | None:
    """uvloop's loop factory, or None for asyncio's default loop."""
    choice = (env if env is not None else os.environ).get("EVENT_LOOP", "uvloop").strip().lower()
    if choice not in CHOICES:
        raise ConfigurationError(f"EVENT_LOOP must be one of {', '.join(CHOICES)}, not {choice!r}")
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:  # a platform without uvloop wheels (Windows): asyncio's loop it is
        return None
    factory: LoopFactory = uvloop.new_event_loop
    return factory


def run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(coro)
