"""Where the backing servers are: the configured URLs, or the embedded pair for local use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from randomatch_bot.config import Settings
from randomatch_bot.errors import ConfigurationError
from randomatch_bot.infra.embedded import EmbeddedServers, Endpoints

log = structlog.get_logger(__name__)


def check_production(settings: Settings) -> None:
    """In production a missing URL is an error: embedded servers are for this machine only."""
    if not settings.production:
        return
    missing = [
        name
        for name, value in (
            ("POSTGRES_CONNECTION_STRING", settings.postgres_connection_string),
            ("REDIS_URL", settings.redis_url),
        )
        if value is None
    ]
    if missing:
        raise ConfigurationError(
            f"{' and '.join(missing)} not set: with APP_ENV=production or a remote server URL "
            "configured, the service never starts embedded servers; set "
            f"{' and '.join(missing)}"
        )


def refuse_demo_in_production(settings: Settings, command: str) -> None:
    """`run` and `chat` seed demo profiles: never into a production database."""
    if settings.production:
        raise ConfigurationError(
            f"`{command}` seeds demo profiles and is for local use only (APP_ENV=production or "
            "a remote database is configured): run `bridge`, `worker` and `api` instead"
        )


def report_unused(settings: Settings) -> None:
    """Say at start that the Supabase API settings are set but not used by this service."""
    unused = [
        name
        for name, value in (
            ("SUPABASE_URL", settings.supabase_url),
            ("SUPABASE_SERVICE_KEY", settings.supabase_service_key),
        )
        if value
    ]
    if unused:
        log.warning(
            "config.unused_setting",
            hint="the service talks to PostgreSQL directly (POSTGRES_CONNECTION_STRING); "
            "typing broadcasts are sent from SQL",
            variables=unused,
        )


@contextmanager
def resolve_endpoints(settings: Settings, *, exclusive: bool = False) -> Iterator[Endpoints]:
    """The endpoints to use; starts (or attaches to) embedded servers for what is not set.

    `exclusive` is for `run`, which must own the embedded servers; see EmbeddedServers.
    """
    check_production(settings)
    report_unused(settings)
    pg = settings.postgres_connection_string
    redis = settings.redis_url
    if pg is not None and redis is not None:
        yield Endpoints(pg.get_secret_value(), redis.get_secret_value(), embedded=False)
        return
    with EmbeddedServers(settings.data_dir, exclusive=exclusive) as servers:
        assert servers.endpoints is not None
        yield Endpoints(
            pg.get_secret_value() if pg is not None else servers.endpoints.postgres_dsn,
            redis.get_secret_value() if redis is not None else servers.endpoints.redis_url,
            embedded=True,
            owner_pid=servers.endpoints.owner_pid,
        )
