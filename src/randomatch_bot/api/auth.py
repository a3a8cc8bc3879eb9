"""Who may call what.

- `/health` is open (a load balancer's liveness probe carries no secret).
- Everything else needs `Authorization: Bearer <MONITORING_TOKEN>`.
- With no MONITORING_TOKEN configured the service listens on localhost only (the `api` command
  refuses another host), and as a second line of defence every protected route answers 403 to
  a client that is not on this machine.
- The demo chat of `run` is for the person at the keyboard: on localhost it needs no token.

The token is compared in constant time and never echoed, logged or put in a response.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from randomatch_bot.api.state import State, is_loopback

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="MonitoringToken",
    description="The value of MONITORING_TOKEN.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

LOCAL_ONLY = (
    "MONITORING_TOKEN is not set: this API answers requests from this machine only; "
    "set MONITORING_TOKEN to reach it from elsewhere"
)
UNAUTHORISED = "missing or wrong bearer token: send Authorization: Bearer <MONITORING_TOKEN>"


def _token_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


async def require_token(request: Request, state: State, credentials: Credentials) -> None:
    """Dependency of every monitoring route (all but /health)."""
    token = state.settings.monitoring_token
    client = request.client.host if request.client else None
    if token is None:
        if not is_loopback(client):
            raise HTTPException(status.HTTP_403_FORBIDDEN, LOCAL_ONLY)
        return
    if credentials is None or not _token_matches(credentials.credentials, token.get_secret_value()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"}
        )


async def require_local_or_token(request: Request, state: State, credentials: Credentials) -> None:
    """Dependency of the demo chat: free on localhost, the monitoring token elsewhere."""
    client = request.client.host if request.client else None
    if is_loopback(client):
        return
    await require_token(request, state, credentials)


Authorised = Depends(require_token)
LocalOrAuthorised = Depends(require_local_or_token)
