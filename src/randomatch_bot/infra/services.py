"""Where the backing servers are: the configured URLs, or the embedded pair for local use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from randomatch_bot.config import Settings
from randomatch_bot.infra.embedded import EmbeddedServers, Endpoints


@contextmanager
def resolve_endpoints(settings: Settings, *, exclusive: bool = False) -> Iterator[Endpoints]:
    """The endpoints to use; starts (or attaches to) embedded servers for what is not set.

    `exclusive` is for `run`, which must own the embedded servers; see EmbeddedServers.
    """
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
