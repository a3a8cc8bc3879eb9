"""The reply pipeline (bridge + workers) running in the test's event loop, on real servers."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg

from randomatch_bot.bridge.listener import Bridge, bridge_ages
from randomatch_bot.config import Settings
from randomatch_bot.conversation.plan.engine import SeededRandom
from randomatch_bot.llm.types import LLMClient
from randomatch_bot.supervisor import Resources, open_resources
from randomatch_bot.worker.service import run_worker

T = TypeVar("T")

# A timeline of what the app would see, recorded by triggers with the wall clock of each
# change. Installed only in test databases.
EVENT_LOG_SQL = """
CREATE TABLE IF NOT EXISTS public.test_events (
    seq bigserial PRIMARY KEY, kind text NOT NULL, match_id uuid, actor uuid,
    detail text, at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE OR REPLACE FUNCTION public.test_log_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.test_events (kind, match_id, actor, detail)
        VALUES ('message', NEW.match_id, NEW.sender_id, NEW.id::text);
    ELSIF NEW.read_at IS NOT NULL AND OLD.read_at IS NULL THEN
        INSERT INTO public.test_events (kind, match_id, actor, detail)
        VALUES ('read', NEW.match_id, NEW.sender_id, NEW.id::text);
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION public.test_log_typing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.is_typing IS DISTINCT FROM OLD.is_typing THEN
        INSERT INTO public.test_events (kind, match_id, actor, detail)
        VALUES (CASE WHEN NEW.is_typing THEN 'typing_on' ELSE 'typing_off' END,
                NEW.match_id, NEW.user_id, NULL);
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS test_log_message ON public.messages;
CREATE TRIGGER test_log_message AFTER INSERT OR UPDATE ON public.messages
    FOR EACH ROW EXECUTE FUNCTION public.test_log_message();
DROP TRIGGER IF EXISTS test_log_typing ON public.typing_indicators;
CREATE TRIGGER test_log_typing AFTER INSERT OR UPDATE ON public.typing_indicators
    FOR EACH ROW EXECUTE FUNCTION public.test_log_typing();
"""


async def install_event_log(conn: asyncpg.Connection) -> None:
    await conn.execute(EVENT_LOG_SQL)


async def events(conn: asyncpg.Connection, match_id: uuid.UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT kind, actor, detail, at FROM public.test_events "
            "WHERE match_id = $1 ORDER BY seq",
            match_id,
        )
    )


async def eventually(
    probe: Callable[[], Awaitable[T]],
    predicate: Callable[[T], bool],
    *,
    timeout: float = 30.0,
    every: float = 0.05,
) -> T:
    """Poll `probe` until `predicate` holds (a condition with a deadline, not a guess)."""
    deadline = time.monotonic() + timeout
    value = await probe()
    while not predicate(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in {timeout} s; last value: {value!r}")
        await asyncio.sleep(every)
        value = await probe()
    return value


@dataclass
class Pipeline:
    """Bridge and workers of one test, stoppable and restartable."""

    resources: Resources
    settings: Settings
    llm: LLMClient | None = None
    rng: SeededRandom | None = None
    stops: list[asyncio.Event] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    bridge: Bridge | None = None

    async def start_bridge(self) -> Bridge:
        stop = asyncio.Event()
        res = self.resources
        # Its own name, so that its heartbeat is told apart from an earlier bridge of this test.
        bridge = Bridge(
            self.settings,
            res.endpoints.postgres_dsn,
            res.docket,
            res.redis,
            name=f"test-bridge-{uuid.uuid4().hex[:8]}",
        )
        self.stops.append(stop)
        self.tasks.append(asyncio.create_task(bridge.run(stop), name="test-bridge"))
        # The readiness signal `/ready` reads: the bridge beats only once LISTEN is in place,
        # so a NOTIFY sent after this is heard.
        await eventually(
            lambda: bridge_ages(res.redis, self.settings.docket_name),
            lambda ages: bridge.name in ages,
            timeout=15,
        )
        self.bridge = bridge
        return bridge

    def start_worker(self, name: str | None = None) -> asyncio.Event:
        stop = asyncio.Event()
        res = self.resources
        self.stops.append(stop)
        self.tasks.append(
            asyncio.create_task(
                run_worker(
                    self.settings,
                    res.pool,
                    res.docket,
                    stop,
                    llm=self.llm,
                    rng=self.rng,
                    name=name,
                ),
                name=f"test-worker-{name}",
            )
        )
        return stop

    async def stop(self) -> None:
        for stop in self.stops:
            stop.set()
        results = await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        self.stops.clear()
        for result in results:
            if isinstance(result, Exception):
                raise result


@contextlib.asynccontextmanager
async def running_pipeline(
    settings: Settings, *, workers: int = 1, bridge: bool = True, **kwargs: Any
) -> AsyncIterator[Pipeline]:
    async with open_resources(settings) as res:
        pipeline = Pipeline(res, settings, **kwargs)
        try:
            if bridge:
                await pipeline.start_bridge()
            for index in range(workers):
                pipeline.start_worker(f"w{index}")
            yield pipeline
        finally:
            await pipeline.stop()
