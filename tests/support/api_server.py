"""The API on a real socket for tests: in the test's event loop, or in a thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator

import httpx
from fastapi import FastAPI

from randomatch_bot.api.server import bind, serve_app, url_of


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (ephemeral port) in this loop; yields its URL."""
    sock = bind("127.0.0.1", 0)
    url = url_of(sock)
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve_app(app, sock, stop, on_started=started.set))
    try:
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait({waiter, task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done():
            task.result()  # raises the start-up error
        assert started.is_set(), "the API did not start in 30 s"
        yield url
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


@contextlib.contextmanager
def serving_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve `app` from a thread with its own event loop, for synchronous clients."""
    sock = bind("127.0.0.1", 0)
    url = url_of(sock)
    started = threading.Event()
    holder: dict[str, object] = {}

    async def main() -> None:
        stop = asyncio.Event()
        holder["loop"], holder["stop"] = asyncio.get_running_loop(), stop
        await serve_app(app, sock, stop, on_started=started.set)

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported to the test below
            holder["error"] = exc
            started.set()

    thread = threading.Thread(target=target, name="api-test-server", daemon=True)
    thread.start()
    try:
        if not started.wait(30) or "error" in holder:
            raise RuntimeError(f"the API did not start: {holder.get('error')!r}")
        yield url
    finally:
        loop = holder.get("loop")
        stop = holder.get("stop")
        if isinstance(loop, asyncio.AbstractEventLoop) and isinstance(stop, asyncio.Event):
            loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)


@contextlib.asynccontextmanager
async def asgi_client(
    app: FastAPI, *, token: str | None = None, client: tuple[str, int] = ("127.0.0.1", 50000)
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client calling the app in-process, its lifespan run around it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://localhost", headers=headers
        ) as http:
            yield http
