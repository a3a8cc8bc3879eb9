"""One LISTEN connection for the whole API, fanned out to the pages that follow a match.

Migration 0005 notifies `match_events` with `{match_id, kind}` when a message is inserted or
read, or a typing indicator changes, in a match with a bot. Each subscriber (one open chat page)
has a queue of size one: a notification only says "look again", so several in a row collapse
into one look. After a reconnect every subscriber is told to look again, since notifications
sent while nobody listened are gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator

import asyncpg
import structlog

from randomatch_bot.infra.listen import ListenConnection, check_alive

log = structlog.get_logger(__name__)

CHANNEL = "match_events"
LOOK = "look"  # something changed: read the match again
CLOSED = "closed"  # the API is stopping: end the stream
SILENCE_CHECK = 30.0  # seconds of silence before checking the connection with SELECT 1
RECONNECT_MAX = 15.0  # seconds: a page waits for this listener, so it retries more often


class MatchEvents:
    """The API's LISTEN hub; `run(stop)` is a supervised background task of the lifespan."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._subscribers: dict[uuid.UUID, set[asyncio.Queue[str]]] = {}
        self._closed = False
        self._listener = ListenConnection(
            dsn, self._listen, name="match events", reconnect_max=RECONNECT_MAX
        )

    @contextlib.contextmanager
    def subscribe(self, match_id: uuid.UUID) -> Iterator[asyncio.Queue[str]]:
        """A queue that receives LOOK when the match changes, CLOSED at shutdown."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        if self._closed:
            queue.put_nowait(CLOSED)
        self._subscribers.setdefault(match_id, set()).add(queue)
        try:
            yield queue
        finally:
            subscribers = self._subscribers.get(match_id)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[match_id]

    def close(self) -> None:
        """End every stream (their handlers return) so the server can stop promptly."""
        self._closed = True
        for queues in self._subscribers.values():
            for queue in queues:
                _replace(queue, CLOSED)

    def _signal(self, queues: set[asyncio.Queue[str]]) -> None:
        for queue in queues:
            with contextlib.suppress(asyncio.QueueFull):  # a look is already pending
                queue.put_nowait(LOOK)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            match_id = uuid.UUID(str(json.loads(str(payload))["match_id"]))
        except (ValueError, KeyError, TypeError):
            log.warning("api.match_event_malformed", size=len(str(payload)))
            return
        self._signal(self._subscribers.get(match_id, set()))

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until `stop`; reconnect with backoff on any loss."""
        await self._listener.run(stop)

    @property
    def connected(self) -> asyncio.Event:
        return self._listener.connected

    async def _listen(
        self, conn: asyncpg.Connection, lost: asyncio.Event, stop: asyncio.Event
    ) -> None:
        await conn.add_listener(CHANNEL, self._on_notify)
        # Whatever happened while we were not listening: every page looks again.
        for queues in list(self._subscribers.values()):
            self._signal(queues)
        while not stop.is_set():
            if lost.is_set():
                raise ConnectionResetError("LISTEN connection closed")
            stopper = asyncio.ensure_future(stop.wait())
            gone = asyncio.ensure_future(lost.wait())
            done, pending = await asyncio.wait(
                {stopper, gone}, timeout=SILENCE_CHECK, return_when=asyncio.FIRST_COMPLETED
            )
            for future in pending:
                future.cancel()
            if not done:
                await check_alive(conn, lost)


def _replace(queue: asyncio.Queue[str], item: str) -> None:
    with contextlib.suppress(asyncio.QueueEmpty):
        queue.get_nowait()
    queue.put_nowait(item)
