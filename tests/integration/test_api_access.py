"""Every route's access, from the app's own list of routes.

The walk takes `app.routes` of the API alone (`api`) and of the API with the demo chat (`run`),
and calls each route with no token, a wrong one, the read-only token (METRICS_TOKEN) and the
admin token (MONITORING_TOKEN); from this machine and from elsewhere; with a Host header naming
this machine and a foreign one (DNS rebinding); under every setup of the two tokens (both,
either alone, none). What each call must answer follows from the route's declared rule
(`ACCESS`, the rules of `randomatch_bot.api.auth` and docs/API.md). A route the walk finds
that is not declared fails the test: a new route is declared here, with its rule, before it
ships.

Calls go straight to the ASGI application and stop at the response's status line, so the
event stream of the chat (which never ends) is walked like the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount

from randomatch_bot.api import create_app

pytestmark = pytest.mark.integration

ADMIN = "tok-admin-3f9a1c-monitoring"
READER = "tok-reader-9e1f0a77-metrics"
WRONG = "tok-wrong-00000000-nothing"


class Rule(enum.Enum):
    OPEN = "open"  # liveness: anyone, anywhere
    PAGE = "page"  # a page or asset: no data, anyone (the page asks for the token itself)
    READ = "read"  # METRICS_TOKEN or MONITORING_TOKEN; this machine when MONITORING_TOKEN is unset
    ADMIN = "admin"  # MONITORING_TOKEN; this machine when it is unset
    CHAT = "chat"  # the demo chat: this machine without a token, MONITORING_TOKEN from anywhere


# Every route the app serves, (method, path as declared) -> rule. A route added to the app must
# be added here (and to the access table of docs/API.md).
ACCESS: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): Rule.OPEN,
    ("GET", "/"): Rule.PAGE,
    ("GET", "/dashboard"): Rule.PAGE,
    ("GET", "/static/{path}"): Rule.PAGE,
    ("GET", "/ready"): Rule.READ,
    ("GET", "/metrics"): Rule.READ,
    ("GET", "/stats"): Rule.READ,
    ("GET", "/stats/series"): Rule.READ,
    ("GET", "/overview"): Rule.READ,
    ("GET", "/openapi.json"): Rule.READ,
    ("GET", "/engagement"): Rule.READ,
    # Personal data masked unless the admin token is sent (test_api_console.py).
    ("GET", "/conversations/{match_id}"): Rule.READ,
    ("POST", "/conversations/{match_id}/takeover"): Rule.ADMIN,
    ("POST", "/conversations/{match_id}/messages"): Rule.ADMIN,
    ("POST", "/conversations/{match_id}/resume"): Rule.ADMIN,
    ("GET", "/conversations"): Rule.ADMIN,
    ("GET", "/personas/{bot_id}/canon"): Rule.ADMIN,
    ("GET", "/personas/{bot_id}/variants"): Rule.ADMIN,
    ("POST", "/personas/{bot_id}/variants"): Rule.ADMIN,
    ("POST", "/personas/{bot_id}/variants/{name}/stop"): Rule.ADMIN,
    ("GET", "/conversations/closed"): Rule.ADMIN,
    ("POST", "/conversations/{match_id}/reopen"): Rule.ADMIN,
    ("GET", "/dead-letters"): Rule.ADMIN,
    ("GET", "/dead-letters/{letter_id}"): Rule.ADMIN,
    ("POST", "/dead-letters/{letter_id}/retry"): Rule.ADMIN,
    ("POST", "/dead-letters/{letter_id}/discard"): Rule.ADMIN,
    ("POST", "/dead-letters/retry"): Rule.ADMIN,
    ("POST", "/dead-letters/discard"): Rule.ADMIN,
    ("GET", "/chat/events"): Rule.CHAT,
    ("GET", "/chat/presence"): Rule.CHAT,
    ("POST", "/chat/messages"): Rule.CHAT,
}

# What a call sends when the route needs more than its path: a valid body, a real file.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/dead-letters/retry"): {"all": True},
    ("POST", "/dead-letters/discard"): {"all": True},
    ("POST", "/chat/messages"): {"content": "Salut, tu randonnes où ?"},
    ("POST", "/conversations/{match_id}/messages"): {"text": "Coucou"},
    ("POST", "/personas/{bot_id}/variants"): {"name": "warm", "temperature": 0.5},
    ("POST", "/personas/{bot_id}/variants/{name}/stop"): {"move": False},
}
MOUNT_SAMPLES = {"/static/{path}": "/static/dashboard.js"}


@dataclass(frozen=True)
class Setup:
    name: str
    monitoring: str | None
    metrics: str | None

    def env(self) -> dict[str, Any]:
        return {"MONITORING_TOKEN": self.monitoring, "METRICS_TOKEN": self.metrics}


SETUPS = [
    Setup("both tokens", ADMIN, READER),
    Setup("MONITORING_TOKEN only", ADMIN, None),
    Setup("METRICS_TOKEN only", None, READER),
    Setup("no token", None, None),
]


@dataclass(frozen=True)
class Caller:
    local: bool  # the client's address is this machine's
    local_host: bool  # the Host header names this machine
    token: str | None

    @property
    def client(self) -> tuple[str, int]:
        return ("127.0.0.1", 50000) if self.local else ("203.0.113.7", 40000)

    @property
    def host(self) -> str:
        return "localhost:8000" if self.local_host else "evil.example:8000"

    def __str__(self) -> str:
        where = "here" if self.local else "elsewhere"
        host = "local Host" if self.local_host else "foreign Host"
        token = {None: "no token", ADMIN: "admin", READER: "reader", WRONG: "wrong"}[self.token]
        return f"{where}, {host}, {token}"


CALLERS = [
    Caller(local, local_host, token)
    for local in (True, False)
    for local_host in (True, False)
    for token in (None, WRONG, READER, ADMIN)
]


def expected(rule: Rule, setup: Setup, caller: Caller) -> int | None:
    """None when the call is let through, else the refusal's status: 401 (a token is the way
    in: send the right one) or 403 (only this machine may, and this is not it)."""
    if rule in (Rule.OPEN, Rule.PAGE):
        return None
    admin = setup.monitoring is not None and caller.token == setup.monitoring
    reader = setup.metrics is not None and caller.token == setup.metrics
    here = caller.local and caller.local_host
    if admin:
        return None  # the admin token opens every route, whatever the Host
    if rule is Rule.READ:
        if reader:
            return None
        if setup.monitoring is not None:
            return 401
        if here:
            return None
        return 401 if setup.metrics is not None and caller.token is not None else 403
    if rule is Rule.CHAT and caller.local:
        return None if caller.local_host else 403
    # ADMIN, and the chat from elsewhere
    if setup.monitoring is not None:
        return 401
    return None if here else 403


# --------------------------------------------------------------------------- the walk


def served_routes(app: FastAPI) -> Iterator[tuple[BaseRoute, str, set[str]]]:
    """Each route the app serves with its full path and methods. FastAPI (0.165) keeps an
    included router as one entry of `app.routes`, expanded by `iter_route_contexts`."""
    expand = getattr(fastapi_routing, "iter_route_contexts", None)
    if expand is None:  # an older FastAPI copies the routes into app.routes
        for route in app.routes:
            yield route, str(getattr(route, "path", "")), set(getattr(route, "methods", ()) or ())
        return
    for context in expand(app.routes):
        yield context.original_route, str(context.path), set(context.methods or ())


def declared_routes(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    """(method, declared path, a path to call) of every route the app serves."""
    for route, declared, methods in served_routes(app):
        if isinstance(route, Mount):
            mounted = f"{declared}/{{path}}"
            yield "GET", mounted, MOUNT_SAMPLES.get(mounted, f"{declared}/")
        elif isinstance(route, APIRoute):
            path = declared
            for field in route.dependant.path_params:
                annotation = field.field_info.annotation
                value = {int: "1", uuid.UUID: str(uuid.uuid4())}.get(annotation, "x")
                path = path.replace(f"{{{field.name}}}", value)
            for method in sorted(methods):
                yield method, declared, path
        else:
            raise AssertionError(f"a route of a kind the walk does not know: {route!r}")


async def status_of(app: FastAPI, method: str, path: str, caller: Caller, body: Any = None) -> int:
    """The status line's code of one call, straight through ASGI; the call is cut once the
    response has started (an event stream never ends)."""
    payload = json.dumps(body).encode() if body is not None else b""
    headers = [(b"host", caller.host.encode())]
    if caller.token is not None:
        headers.append((b"authorization", f"Bearer {caller.token}".encode()))
    if body is not None:
        headers += [(b"content-type", b"application/json")]
        headers += [(b"content-length", str(len(payload)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": caller.client,
        "server": ("127.0.0.1", 8000),
    }
    started = asyncio.Event()
    status: list[int] = []
    sent_body = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await started.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
            started.set()

    task = asyncio.create_task(app(scope, receive, send))
    waiter = asyncio.create_task(started.wait())
    try:
        await asyncio.wait({task, waiter}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert status, f"{method} {path} did not answer in 20 s"
    return status[0]


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


def allowed_status(status: int, path_has_params: bool) -> bool:
    """What a call let through may answer: a success or a redirect, or for a route about one
    object (a made-up id) that it is not found or already resolved."""
    if 200 <= status < 400:
        return True
    return path_has_params and status in (404, 409)


async def walk(app: FastAPI, setup: Setup) -> tuple[list[str], int]:
    """Every route with every caller; the mismatches, and how many calls were made."""
    problems: list[str] = []
    calls = 0
    for method, declared, path in declared_routes(app):
        rule = ACCESS.get((method, declared))
        if rule is None:
            problems.append(f"{method} {declared}: no access rule declared in ACCESS")
            continue
        for caller in CALLERS:
            status = await status_of(app, method, path, caller, BODIES.get((method, declared)))
            calls += 1
            want = expected(rule, setup, caller)
            ok = allowed_status(status, "{" in declared) if want is None else status == want
            if not ok:
                wanted = "let through" if want is None else str(want)
                problems.append(
                    f"[{setup.name}] {method} {declared} ({rule.value}) {caller}: "
                    f"answered {status}, wanted {wanted}"
                )
    return problems, calls


@pytest.mark.parametrize("demo", [False, True], ids=["api", "run"])
@pytest.mark.parametrize("setup", SETUPS, ids=[s.name for s in SETUPS])
async def test_every_route_answers_as_declared(
    make_settings: Any, setup: Setup, demo: bool
) -> None:
    """The whole matrix, for the API alone and for `run`'s (demo chat included)."""
    app = create_app(make_settings(**setup.env()), demo=demo)
    async with running(app):
        problems, calls = await walk(app, setup)
    walked = {(m, d) for m, d, _ in declared_routes(app)}
    assert not problems, "\n".join(problems)
    assert calls == len(walked) * len(CALLERS)
    chat = {key for key, rule in ACCESS.items() if rule is Rule.CHAT}
    assert (chat <= walked) is demo  # the chat is `run`'s only
    if demo:
        # `run` serves every declared route: none is declared for nothing.
        assert walked == set(ACCESS), set(ACCESS) - walked


async def test_a_route_without_a_declared_rule_fails_the_walk(make_settings: Any) -> None:
    """The walk notices a route nobody declared, whatever its guard."""
    app = create_app(make_settings(MONITORING_TOKEN=ADMIN), demo=False)

    @app.get("/undeclared")
    async def undeclared() -> dict[str, str]:
        return {"status": "ok"}

    async with running(app):
        problems, _ = await walk(app, SETUPS[1])
    assert problems == ["GET /undeclared: no access rule declared in ACCESS"]


async def test_with_only_metrics_token_a_scraper_reads_and_the_rest_stays_here(
    make_settings: Any,
) -> None:
    """METRICS_TOKEN alone: a scraper elsewhere reads /metrics with it and nothing else; this
    machine keeps every route without a token (even sending a stale one), and a page rebinding
    its name to 127.0.0.1 gets nothing."""
    setup = Setup("METRICS_TOKEN only", None, READER)
    app = create_app(make_settings(**setup.env()), demo=True)
    scraper = Caller(local=False, local_host=False, token=READER)
    here, stale = Caller(True, True, None), Caller(True, True, WRONG)
    rebinding = Caller(True, False, None)
    async with running(app):
        assert await status_of(app, "GET", "/metrics", scraper) == 200
        assert await status_of(app, "GET", "/dead-letters", scraper) == 403
        assert await status_of(app, "GET", "/chat/presence", scraper) == 403
        assert await status_of(app, "GET", "/metrics", Caller(False, True, WRONG)) == 401
        for caller in (here, stale):
            assert await status_of(app, "GET", "/stats", caller) == 200
            assert await status_of(app, "GET", "/dead-letters", caller) == 200
            assert await status_of(app, "GET", "/chat/presence", caller) == 200
        for path in ("/stats", "/dead-letters", "/chat/presence"):
            assert await status_of(app, "GET", path, rebinding) == 403
