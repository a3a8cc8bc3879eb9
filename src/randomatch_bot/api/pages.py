"""The two pages: the dashboard (every mode) and, in `run`, the demo chat.

Both are static files served by the app itself — no CDN, no build step. The pages hold no
data and no secret: their scripts call the JSON endpoints, with the token the operator typed
(kept in sessionStorage) when one is configured.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from randomatch_bot.api.state import get_state

STATIC_DIR = Path(str(resources.files("randomatch_bot.api") / "static"))

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request) -> Response:
    """The chat in demo mode, else the dashboard."""
    if get_state(request).demo is not None:
        return FileResponse(STATIC_DIR / "chat.html", media_type="text/html")
    return RedirectResponse("/dashboard", status_code=307)


@router.get("/dashboard")
async def dashboard() -> FileResponse:
    """The monitoring dashboard."""
    return FileResponse(STATIC_DIR / "dashboard.html", media_type="text/html")
