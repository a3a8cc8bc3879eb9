"""Serving the API with uvicorn: alone (`randomatch-bot api`) or beside bridge and worker in
the event loop of `run` (then `randomatch_bot.supervisor.serve` owns the signals, not uvicorn)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterator

import structlog
import uvicorn
from fastapi import FastAPI

from randomatch_bot.api.state import ApiState, is_loopback
from randomatch_bot.errors import ConfigurationError, RandomatchError

log = structlog.get_logger(__name__)

GRACEFUL_SHUTDOWN = 3  # seconds for open requests (a chat stream) before they are cut
STARTUP_FAILURE = "the API did not start (see the log above)"


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: the caller decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def check_bind(host: str, *, token_set: bool) -> None:
    """Without MONITORING_TOKEN the API must stay on this machine."""
    if not token_set and not is_loopback(host):
        raise ConfigurationError(
            f"MONITORING_TOKEN is not set: refusing to listen on {host}; set MONITORING_TOKEN "
            "or listen on 127.0.0.1"
        )


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now so that a port in use is one clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port"
        ) from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    """http://host:port/ of a bound socket (the real port when 0 was asked)."""
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    if host in ("0.0.0.0", "[::]"):  # noqa: S104 - reading the address, not binding it
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


async def serve_app(
    app: FastAPI,
    sock: socket.socket,
    stop: asyncio.Event,
    *,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Serve `app` on `sock` until `stop` is set (or the server fails)."""
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,  # the service configured logging already
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
        proxy_headers=False,  # a forwarded-for header must not make a client "local"
    )
    server = _Server(config)
    task = asyncio.create_task(_serve(server, sock), name="api-server")
    stopper = asyncio.create_task(stop.wait(), name="api-stop")
    try:
        while not server.started and not task.done():
            await asyncio.wait({task, stopper}, timeout=0.05, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                break
        if server.started and on_started is not None:
            on_started()
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        state: ApiState | None = getattr(app.state, "api", None)
        if state is not None and state.events is not None:
            state.events.close()  # chat streams end, so the server stops without waiting
        server.should_exit = True
        stopper.cancel()
        await task


async def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:  # uvicorn exits when the lifespan or the bind fails
        raise RandomatchError(STARTUP_FAILURE) from exc
    finally:
        sock.close()
