"""The monitoring API, its dashboard and (in `run`) the demo chat page.

    create_app(settings, resources=None, demo=False) -> FastAPI

Everything except `/health` needs MONITORING_TOKEN as a bearer token; with no token set, the
API answers requests from this machine only. See docs/API.md.
"""

from randomatch_bot.api.app import create_app

__all__ = ["create_app"]
