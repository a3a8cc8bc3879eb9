"""LISTEN `bot_events` → scheduled steps on Redis, with a catch-up scan as the safety net.

NOTIFY is a hint and PostgreSQL is the record: notifications sent while nobody listens are
gone. So the bridge LISTENs first, then scans for conversations that need waking (catch-up),
then waits; it scans again every CATCHUP_INTERVAL and after every reconnect. The LISTEN
connection is dedicated (never a pool connection), has TCP keepalives, and is checked with
`SELECT 1` whenever it has been silent for LISTEN_TIMEOUT.

Two bridges may run at once: a wake-up's task key is derived from the message id (or from
"catch-up" for the scan), so the second one to schedule finds the key taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import redis.asyncio as aioredis
import structlog
from docket import Docket

from randomatch_bot.bridge.payloads import (
    BadPayload,
    MatchCreatedEvent,
    MatchStatusEvent,
    parse_event,
)
from randomatch_bot.config import Settings
from randomatch_bot.db import listening, session, wakeups
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import DatabaseError, DatabaseUnavailable, RedisUnavailable
from randomatch_bot.infra.keys import Keys
from randomatch_bot.infra.listen import ListenConnection, check_alive, wait_for_event
from randomatch_bot.infra.postgres import check_listen_capable, connect
from randomatch_bot.infra.redis import redis_errors, wraps_redis_errors
from randomatch_bot.process_metrics import METRICS
from randomatch_bot.worker import tasks

if TYPE_CHECKING:
    import asyncpg

log = structlog.get_logger(__name__)

CHANNEL = "bot_events"


@wraps_redis_errors
async def bridge_ages(redis: aioredis.Redis, docket_name: str) -> dict[str, float]:
    """Seconds since each bridge of this deployment last beat (never negative); one hash per
    deployment, so two deployments sharing a Redis never see each other's bridges."""
    beats = await redis.hgetall(Keys(docket_name).bridge_heartbeat)
    now = time.time()
    return {
        (name.decode() if isinstance(name, bytes) else str(name)): max(0.0, now - float(at))
        for name, at in beats.items()
    }


QUEUE_USAGE_WARNING = 0.5  # fraction of PostgreSQL's notification queue
REDIS_RETRY = 1.0  # seconds between catch-up scans while Redis is away


def bridge_name() -> str:
    return f"{socket.gethostname()}#{os.getpid()}"


class Bridge:
    """One bridge process (or task, inside `run`)."""

    def __init__(
        self,
        settings: Settings,
        dsn: str,
        docket: Docket,
        redis: aioredis.Redis,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        name: str | None = None,
        pool: asyncpg.Pool | None = None,
    ) -> None:
        check_listen_capable(dsn)
        self.settings = settings
        self.dsn = dsn
        # The catch-up scans on this pool when given (no extra connection per scan).
        self.pool = pool
        self.docket = docket
        self.redis = redis
        self.clock = clock
        self.name = name or bridge_name()
        self._events: asyncio.Queue[str] = asyncio.Queue()
        # Set while LISTEN is in place; the heartbeat in Redis (what `/ready` and the test
        # fixtures read) is written only then, so "it beats" means "a NOTIFY now is heard".
        self.listening = asyncio.Event()
        self._redis_down = False  # a hand-over failed: scan again soon, until one succeeds
        self._listener = ListenConnection(
            dsn, self._serve, name="bridge", on_reconnect=METRICS.reconnects.inc
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Listen, catch up and hand work over until `stop` is set; reconnect on any loss."""
        heartbeat = asyncio.create_task(self._heartbeat(stop), name="bridge-heartbeat")
        try:
            await self._listener.run(stop)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _serve(
        self, conn: asyncpg.Connection, lost: asyncio.Event, stop: asyncio.Event
    ) -> None:
        await conn.add_listener(CHANNEL, self._on_notify)
        self.listening.set()
        try:
            await self._beat()
            log.info("bridge.listening", channel=CHANNEL, bridge=self.name)
            await self._listen(conn, lost, stop)
        finally:
            self.listening.clear()
            await self._unbeat()

    async def _listen(
        self, conn: asyncpg.Connection, lost: asyncio.Event, stop: asyncio.Event
    ) -> None:
        # LISTEN is in place before the scan, so nothing falls between the two.
        await self.catch_up()
        next_scan = time.monotonic() + self.settings.catchup_interval
        while not stop.is_set():
            if lost.is_set():
                raise ConnectionResetError("LISTEN connection closed")
            timeout = min(self.settings.listen_timeout, max(0.0, next_scan - time.monotonic()))
            payload = await self._next_event(stop, lost, timeout)
            if payload is not None:
                await self.handle(payload)
                if self._redis_down:
                    next_scan = min(next_scan, time.monotonic() + REDIS_RETRY)
                continue
            if time.monotonic() >= next_scan:
                await self.catch_up()
                await self._watch_queue(conn)
                # Redis away: what could not be handed over is found again by the next scan,
                # tried every REDIS_RETRY seconds until Redis is back.
                interval = REDIS_RETRY if self._redis_down else self.settings.catchup_interval
                next_scan = time.monotonic() + interval
            elif not stop.is_set():
                # Silent for LISTEN_TIMEOUT: make sure the connection still answers.
                await check_alive(conn, lost)

    async def _next_event(
        self, stop: asyncio.Event, lost: asyncio.Event, wait_s: float
    ) -> str | None:
        if not self._events.empty():
            return self._events.get_nowait()
        getter = asyncio.ensure_future(self._events.get())
        stopper = asyncio.ensure_future(stop.wait())
        gone = asyncio.ensure_future(lost.wait())
        done, pending = await asyncio.wait(
            {getter, stopper, gone}, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED
        )
        for future in pending:
            future.cancel()
        if getter in done:
            return getter.result()
        return None

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self._events.put_nowait(str(payload))

    async def handle(self, payload: str) -> None:
        """Validate one notification and schedule the conversation's step. With Redis away, the
        notification is left to the catch-up (PostgreSQL has the message) and the bridge goes on.
        """
        try:
            with redis_errors():
                await self._handle(payload)
        except RedisUnavailable as exc:
            self._redis_lost(exc)

    def _redis_lost(self, exc: BaseException) -> None:
        if not self._redis_down:
            log.warning(
                "bridge.redis_unavailable",
                hint="work is left to the catch-up until Redis is back",
                error=str(exc)[:200],
            )
        self._redis_down = True

    async def _handle(self, payload: str) -> None:
        try:
            event = parse_event(payload)
        except BadPayload as exc:
            METRICS.notifications.labels("malformed").inc()
            log.warning("bridge.notification_malformed", problem=str(exc), size=len(payload))
            return
        METRICS.notifications.labels(event.kind).inc()
        if isinstance(event, MatchCreatedEvent):
            await tasks.wake(self.docket, event.match_id, tasks.created_key(event.match_id))
            log.info("bridge.new_match", match_id=str(event.match_id))
            return
        if isinstance(event, MatchStatusEvent):
            key = tasks.status_key(event.match_id, event.status)
            await tasks.wake(self.docket, event.match_id, key)
            log.info(
                "bridge.match_status_changed", match_id=str(event.match_id), status=event.status
            )
            return
        key = tasks.message_key(event.match_id, event.message_id)
        scheduled = await tasks.wake(self.docket, event.match_id, key)
        lag = (self.clock() - event.created_at).total_seconds()
        METRICS.enqueue_latency.observe(max(0.0, lag))
        log.info(
            "bridge.message_handed_over",
            match_id=str(event.match_id),
            message_id=str(event.message_id),
            duplicate=not scheduled,
            lag_ms=round(lag * 1000, 1),
        )

    async def catch_up(self) -> int:
        """Wake every conversation that has unanswered messages and no wake-up on time."""
        now = self.clock()
        try:
            async with contextlib.AsyncExitStack() as stack:
                conn: Conn
                if self.pool is not None:
                    conn = await stack.enter_async_context(session.connection(self.pool))
                else:
                    conn = await connect(self.dsn)
                    stack.push_async_callback(session.wraps_errors(conn.close))
                rows = await wakeups.conversations_to_wake(
                    conn,
                    now=now,
                    lookback_s=self.settings.catchup_lookback,
                    slack_s=self.settings.catchup_slack,
                    limit=self.settings.catchup_batch,
                    revive=self.settings.dead_letter_retry_on_message,
                )
                closed = await wakeups.closed_with_replies(conn)
        except (DatabaseUnavailable, DatabaseError) as exc:
            log.warning("bridge.catch_up_failed", error=str(exc))
            return 0
        woken = 0
        try:
            with redis_errors():
                if self._redis_down:
                    await self.redis.ping()
                for row in rows:
                    if await tasks.wake(self.docket, row.match_id, tasks.catchup_key(row.match_id)):
                        woken += 1
                for match_id in closed:
                    await tasks.wake(self.docket, match_id, tasks.catchup_key(match_id))
        except RedisUnavailable as exc:
            self._redis_lost(exc)
            return woken
        if self._redis_down:
            log.info("bridge.redis_back", hint="due steps re-created from PostgreSQL", woken=woken)
            self._redis_down = False
        METRICS.catchup_wakes.inc(woken)
        if rows or closed:
            log.info("bridge.catch_up", woken=woken, candidates=len(rows), closed=len(closed))
        return woken

    async def _watch_queue(self, conn: asyncpg.Connection) -> None:
        usage = await listening.notification_queue_usage(conn)
        if usage is not None and usage > QUEUE_USAGE_WARNING:
            log.warning("bridge.notify_queue_filling", usage=round(usage, 3))

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self.listening.is_set():
                await self._beat()
            if await wait_for_event(stop, self.settings.heartbeat_interval):
                return

    async def _beat(self) -> None:
        key = Keys(self.settings.docket_name).bridge_heartbeat
        try:
            with redis_errors():
                await self.redis.hset(key, self.name, f"{time.time():.3f}")
                await self.redis.expire(key, 3600)
        except RedisUnavailable as exc:
            log.warning("bridge.heartbeat_failed", error=str(exc))

    async def _unbeat(self) -> None:
        """Withdraw this bridge's heartbeat when it stops listening (best effort)."""
        with contextlib.suppress(RedisUnavailable), redis_errors():
            await asyncio.wait_for(
                self.redis.hdel(Keys(self.settings.docket_name).bridge_heartbeat, self.name),
                timeout=2,
            )
