"""Secrets never reach a log line: not in an event, not in a formatted traceback."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import structlog

from randomatch_bot.config import Settings
from randomatch_bot.logs import configure_logging, redact_text

DSN_PASSWORD = "Pg-Pass-4f1b9c"
API_KEY = "sk-or-v1-5e1d0c0ffee5e1d0c0ffee5e1d0c0ffee"
BARE_PASSWORD = "Bare-Pw-77aa"
QUERY_TOKEN = "qtok-91c2e8"
DSN = f"postgresql://app:{DSN_PASSWORD}@db.internal:5432/app"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def _fail() -> None:
    settings = {"dsn": DSN, "key": API_KEY}
    raise RuntimeError(
        f"could not connect with {settings}, password={BARE_PASSWORD}, "
        f"callback https://hooks.example/cb?token={QUERY_TOKEN}&n=1"
    )


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_logged_exception_is_redacted(restore_logging: None, log_format: str) -> None:
    """A log.exception whose message and traceback hold every kind of secret shows none."""
    stream = io.StringIO()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        POSTGRES_CONNECTION_STRING=DSN,
        LLM_API_KEY=API_KEY,
        LOG_FORMAT=log_format,
    )
    configure_logging(settings, stream=stream)
    log = structlog.get_logger("test")
    try:
        _fail()
    except RuntimeError:
        log.exception("step failed", dsn=DSN)
        logging.getLogger("uvicorn.error").exception("library failure")
    output = stream.getvalue()
    assert "Traceback" in output
    assert output.count("step failed") == 1
    assert "library failure" in output
    for secret in (DSN_PASSWORD, API_KEY, BARE_PASSWORD, QUERY_TOKEN):
        assert secret not in output


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("host=db password=Hunter2x user=app", "Hunter2x"),
        ('{"api_key": "abcd1234"}', "abcd1234"),
        ("https://x.io/cb?access_token=zz998877&page=2", "zz998877"),
        ("Authorization: Bearer abcdefghijkl", "abcdefghijkl"),
        ("PGPASSWORD=Hunter2x psql", "Hunter2x"),
        ("key sk-or-v1-0123456789abcdef0123", "0123456789abcdef0123"),
        # Each with nothing but its own pattern's marks (the quick pre-check must let it by).
        ("postgres://app:Hunter2x@db:5432/x", "Hunter2x"),
        ("sent sk-0123456789abcdef0123 along", "0123456789abcdef0123"),
        ("Basic dXNlcjpIdW50ZXIyeA==", "dXNlcjpIdW50ZXIyeA=="),
        ("https://x.io/img?sig=zz998877", "zz998877"),
        ("PWD: Hunter2x", "Hunter2x"),
        ("\u017fecret=Hunter2x", "Hunter2x"),  # a long s, which IGNORECASE takes for an s
    ],
)
def test_bare_secrets_are_redacted(text: str, hidden: str) -> None:
    """Secrets with no configured value (assignments, query tokens, bearer, key shapes) go."""
    assert hidden not in redact_text(text)


def test_counts_are_not_secrets() -> None:
    """Token counts in log lines stay readable."""
    line = "llm.completion prompt_tokens=475 completion_tokens=8"
    assert redact_text(line) == line


def test_a_line_without_secret_marks_is_unchanged() -> None:
    """A usual event line (ids, names, times) comes out exactly as it went in."""
    line = (
        "2026-11-26T04:16:48Z [info] plan.part_sent match_id=9765beec-d82a-4520-941e-1656963fd424"
        " of=2 part=0 plan_id=e18ea2c9-64f2-4c91-9607-12435aef8b5d"
    )
    assert redact_text(line) == line
    assert redact_text("the password is Hunter2x", ["Hunter2x"]) == "the password is ***"
