"""Who may call what.

- `/health` is open (a load balancer's liveness probe carries no secret).
- Everything else needs a bearer token. `MONITORING_TOKEN` is the admin token: every route,
  including the dead letters (they show private messages) and their retry and discard.
  `METRICS_TOKEN`, when set, is a read-only token for scrapers and dashboards: `/metrics`,
  `/ready`, `/stats`, `/overview`, `/engagement` and `/openapi.json`, nothing that shows a
  message; `/conversations/{match_id}` answers it with personal data masked (`is_admin`).
- With no MONITORING_TOKEN configured the service listens on localhost only (the `api` command
  refuses another host), and as a second line of defence every protected route answers 403 to
  a client that is not on this machine. This machine is then the admin: it may call every
  route without a token, whatever token it sends (a stale one kept by the dashboard). With
  METRICS_TOKEN alone, a client elsewhere may read the read-only routes with it, nothing else.
- The demo chat of `run` is for the person at the keyboard: on localhost it needs no token;
  MONITORING_TOKEN opens it from anywhere, like every route.
- Whatever is allowed because the client is on this machine also needs a `Host` header naming
  this machine (localhost, 127.0.0.1, [::1]): a web page that rebinds its own domain to
  127.0.0.1 (DNS rebinding) sends its own name and is refused. A token is a token whatever
  the Host.
- Pages and their assets (`/`, `/dashboard`, `/static/*`) hold no data and need nothing.

Every route the app serves is declared with one of these rules in
tests/integration/test_api_access.py, which walks `app.routes` with and without each token,
from this machine and from elsewhere, with a local and a foreign Host.

Tokens are compared in constant time and never echoed, logged or put in a response.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from randomatch_bot.api.state import State, is_loopback

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="MonitoringToken",
    description="The value of MONITORING_TOKEN (or METRICS_TOKEN on read-only routes).",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

LOCAL_ONLY = (
    "MONITORING_TOKEN is not set: this API answers requests from this machine only; "
    "set MONITORING_TOKEN to reach it from elsewhere"
)
UNAUTHORISED = "missing or wrong bearer token: send Authorization: Bearer <MONITORING_TOKEN>"
BAD_HOST = (
    "requests allowed because they come from this machine must name it in the Host header "
    "(localhost, 127.0.0.1 or [::1])"
)


def _token_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _host_is_local(request: Request) -> bool:
    """Whether the Host header names this machine (port ignored)."""
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return is_loopback(name.strip("[]").lower())


def _require_local(request: Request) -> None:
    client = request.client.host if request.client else None
    if not is_loopback(client):
        raise HTTPException(status.HTTP_403_FORBIDDEN, LOCAL_ONLY)
    if not _host_is_local(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, BAD_HOST)


def _check(credentials: HTTPAuthorizationCredentials | None, *tokens: SecretStr | None) -> None:
    if not _matches_any(credentials, *tokens):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"}
        )


async def require_token(request: Request, state: State, credentials: Credentials) -> None:
    """Dependency of the admin routes: MONITORING_TOKEN (or this machine when it is unset)."""
    token = state.settings.monitoring_token
    if token is None:
        _require_local(request)
        return
    _check(credentials, token)


def _is_local(request: Request) -> bool:
    client = request.client.host if request.client else None
    return is_loopback(client) and _host_is_local(request)


def _matches_any(
    credentials: HTTPAuthorizationCredentials | None, *tokens: SecretStr | None
) -> bool:
    if credentials is None:
        return False
    # Every configured token is compared, so the time taken does not tell which one is close.
    matched = [
        _token_matches(credentials.credentials, token.get_secret_value())
        for token in tokens
        if token
    ]
    return any(matched)


async def require_reader(request: Request, state: State, credentials: Credentials) -> None:
    """Dependency of the read-only routes: METRICS_TOKEN or MONITORING_TOKEN; without
    MONITORING_TOKEN, this machine too (it may do more: the admin routes)."""
    settings = state.settings
    if _matches_any(credentials, settings.monitoring_token, settings.metrics_token):
        return
    if settings.monitoring_token is not None:
        _check(None, settings.monitoring_token)  # 401
    if _is_local(request):
        return  # whatever token it sent (a stale one in the dashboard): this machine is admin
    if settings.metrics_token is not None and credentials is not None:
        _check(None, settings.metrics_token)  # a scraper with a wrong token: 401
    _require_local(request)  # 403, saying why


async def is_admin(request: Request, state: State, credentials: Credentials) -> bool:
    """For a route open to both tokens that shows more to the admin: checks the caller as
    `require_reader` does (raising 401/403), then says whether it holds the admin token (or,
    with no MONITORING_TOKEN, is on this machine without a token)."""
    await require_reader(request, state, credentials)
    token = state.settings.monitoring_token
    if token is None:
        return credentials is None
    return credentials is not None and _token_matches(
        credentials.credentials, token.get_secret_value()
    )


async def require_local_or_token(request: Request, state: State, credentials: Credentials) -> None:
    """Dependency of the demo chat: free on this machine, MONITORING_TOKEN from anywhere."""
    if _matches_any(credentials, state.settings.monitoring_token):
        return
    client = request.client.host if request.client else None
    if is_loopback(client):
        if not _host_is_local(request):
            raise HTTPException(status.HTTP_403_FORBIDDEN, BAD_HOST)
        return
    await require_token(request, state, credentials)


Authorised = Depends(require_token)
ReadOnly = Depends(require_reader)
LocalOrAuthorised = Depends(require_local_or_token)
