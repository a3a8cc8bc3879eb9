"""What the API's handlers share: settings, resources, the demo conversation, the event hub.

The lifespan builds one `ApiState` and puts it on `app.state.api`; handlers receive it through
the `State` dependency alias. Nothing here connects at import time.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from randomatch_bot.config import Settings
from randomatch_bot.db.demo import Demo
from randomatch_bot.logs import redact_text, settings_secrets
from randomatch_bot.process_metrics import process_name
from randomatch_bot.supervisor import Resources

if TYPE_CHECKING:
    from randomatch_bot.api.events import MatchEvents


@dataclass(slots=True)
class ApiState:
    """The API's share of the process: one per application, built by the lifespan."""

    settings: Settings
    resources: Resources
    demo: Demo | None = None
    events: MatchEvents | None = None
    # This process's name in the metrics published to Redis, so it is not counted twice.
    process: str = field(default_factory=process_name)
    # Engagement figures by (hours, grouping): (monotonic time computed, result).
    engagement_cache: dict[tuple[float, str], tuple[float, Any]] = field(default_factory=dict)

    def scrub(self, text: str | None) -> str | None:
        """Text fit for a response: configured secrets and URL passwords replaced by ***."""
        if text is None:
            return None
        return redact_text(text, settings_secrets(self.settings))


def get_state(request: Request) -> ApiState:
    """The application's state; a request before start-up is a bug, not a client error."""
    state: ApiState | None = getattr(request.app.state, "api", None)
    if state is None:
        raise RuntimeError("the API's lifespan has not run: serve it with uvicorn")
    return state


State = Annotated[ApiState, Depends(get_state)]


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`; False for anything else or unknown."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
