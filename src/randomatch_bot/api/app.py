"""The FastAPI application: `create_app(settings, resources=None, demo=False)`.

The lifespan opens the service's resources (`randomatch_bot.supervisor.open_resources`) unless the
caller passes its own (`run` shares one set between bridge, worker and API), and in demo mode
seeds the demo conversation and starts the LISTEN hub of the chat page. Nothing connects at
import time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib.metadata import version

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from randomatch_bot.api import (
    chat,
    closures,
    conversation,
    dead_letters,
    engagement,
    monitoring,
    pages,
    personas,
    stats,
    takeover,
)
from randomatch_bot.api.auth import ReadOnly
from randomatch_bot.api.events import MatchEvents
from randomatch_bot.api.pages import STATIC_DIR
from randomatch_bot.api.state import ApiState
from randomatch_bot.config import Settings
from randomatch_bot.db import session
from randomatch_bot.db.demo import seed_demo
from randomatch_bot.errors import DatabaseError, InfrastructureError
from randomatch_bot.supervisor import Resources, open_resources

log = structlog.get_logger(__name__)

# Pages load only what the app serves itself: no CDN, no inline script, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
UNAVAILABLE = "a backing server (PostgreSQL or Redis) is unavailable; see /ready"


def create_app(
    settings: Settings, *, resources: Resources | None = None, demo: bool = False
) -> FastAPI:
    """The monitoring API (and in demo mode the chat page) for these settings."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            res = resources
            if res is None:
                res = await stack.enter_async_context(
                    open_resources(settings, pool_size=settings.api_pool_size)
                )
            state = ApiState(settings, res)
            if demo:
                async with session.connection(res.pool) as conn:
                    state.demo = await seed_demo(conn, bot_id=settings.bot_uuid)
                state.events = MatchEvents(res.endpoints.postgres_dsn)
                stop = asyncio.Event()
                listener = asyncio.create_task(state.events.run(stop), name="api-match-events")
                stack.push_async_callback(_stop_listener, state.events, stop, listener)
            if settings.monitoring_token is None:
                log.warning(
                    "api.local_only",
                    hint="MONITORING_TOKEN is not set: only this machine is answered",
                )
            app.state.api = state
            try:
                yield
            finally:
                app.state.api = None

    app = FastAPI(
        title="randomatch-bot monitoring",
        version=version("randomatch-bot"),
        description=(
            "Health, readiness, Prometheus metrics, response-time statistics, dead letters and "
            "conversations of the RandoMatch bot service. Everything except /health needs "
            "`Authorization: Bearer <MONITORING_TOKEN>`."
        ),
        lifespan=lifespan,
        docs_url=None,  # the Swagger page loads its script from a CDN; /openapi.json is enough
        redoc_url=None,
        openapi_url=None,  # served below, behind the token: the schema maps the attack surface
    )

    @app.get("/openapi.json", include_in_schema=False, dependencies=[ReadOnly])
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    app.include_router(monitoring.router)
    app.include_router(monitoring.readable)
    app.include_router(monitoring.protected)
    app.include_router(stats.router)
    app.include_router(engagement.router)
    # Before `/conversations/{match_id}`, which would take "closed" for a match id.
    app.include_router(closures.router)
    app.include_router(conversation.router)
    app.include_router(takeover.router)
    app.include_router(dead_letters.router)
    app.include_router(personas.router)
    app.include_router(pages.router)
    if demo:
        app.include_router(chat.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(InfrastructureError)
    @app.exception_handler(DatabaseError)
    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        # A server that is down is a 503 with a hint, never a 500 with a driver message. The
        # drivers' errors reach here already mapped (db/session.py, infra/redis.py).
        log.warning("api.backing_server_failed", path=request.url.path, error=str(exc))
        return JSONResponse({"detail": UNAVAILABLE}, status_code=503)

    return app


async def _stop_listener(
    events: MatchEvents, stop: asyncio.Event, task: asyncio.Task[None]
) -> None:
    events.close()
    stop.set()
    try:
        await asyncio.wait_for(task, timeout=5)
    except (TimeoutError, asyncio.CancelledError):
        pass
    except Exception as exc:
        log.warning("api.events_listener_failed", error=str(exc))
