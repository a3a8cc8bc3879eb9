"""Redis clients, with the URL validated once and the server pinged before use, and the one
place where redis-py's errors become the service's.

The service's own Redis calls (the bridge's heartbeat and hand-over, the metrics it publishes,
the model breaker, the readings of `status` and `/ready`) run inside `redis_errors()` or a
function decorated with `wraps_redis_errors`: whatever redis-py or the socket raises there
(`RedisError`, `OSError`, `TimeoutError`) comes out as `RedisUnavailable`, so callers catch one
error and an unexpected bug is never mistaken for an outage.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import ParamSpec, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.exceptions import AuthenticationError, RedisError

from randomatch_bot.errors import RedisUnavailable

PING_TIMEOUT = 5.0  # seconds
CONNECT_ATTEMPTS = 4  # at start-up, about 7 s of backoff in all

P = ParamSpec("P")
T = TypeVar("T")

# What a Redis call raises when the server is away, slow, restarting or refusing: redis-py's
# own errors (its ConnectionError and TimeoutError among them) and the socket's.
DRIVER_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


def map_redis_error(exc: BaseException) -> BaseException:
    """`RedisUnavailable` for a redis-py or socket error; any other exception unchanged."""
    if isinstance(exc, DRIVER_ERRORS):
        reason = str(exc).strip() or type(exc).__name__
        return RedisUnavailable(f"Redis command failed: {reason}")
    return exc


@contextmanager
def redis_errors() -> Iterator[None]:
    """Run a block of Redis calls with their driver and socket errors raised as
    `RedisUnavailable` (`raise ... from exc`, so the cause stays in the traceback)."""
    try:
        yield
    except DRIVER_ERRORS as exc:
        raise map_redis_error(exc) from exc


def wraps_redis_errors(func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Decorate an async function that calls Redis so that driver errors leave it mapped."""

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with redis_errors():
            return await func(*args, **kwargs)

    return wrapper


def describe_redis(url: str) -> str:
    """scheme://host:port of a Redis URL without credentials."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    try:
        port = parts.port or 6379
    except ValueError:
        port = 6379
    return f"{parts.scheme}://{parts.hostname or 'localhost'}:{port}"


def with_max_connections(url: str, connections: int) -> str:
    """The URL with its connection pool's size set (redis-py reads `max_connections` from the
    query), unless the operator set one in REDIS_URL."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "max_connections" for name, _ in query):
        return url
    query.append(("max_connections", str(connections)))
    return urlunsplit(parts._replace(query=urlencode(query)))


async def connect_redis(url: str, *, attempts: int = CONNECT_ATTEMPTS) -> aioredis.Redis:
    """A client whose server answered PING, or RedisUnavailable with what to check.

    A server that does not answer is asked again with a short backoff (a process started
    while Redis restarts waits for it rather than exiting); a malformed URL or a refused
    password is not retried.
    """
    last: BaseException | None = None
    for attempt in range(max(1, attempts)):
        client = _client(url)
        try:
            await client.ping()
        except (RedisError, OSError) as exc:
            await client.aclose()
            last = exc
            if isinstance(exc, AuthenticationError) or attempt + 1 >= attempts:
                break
            await asyncio.sleep(min(2.0**attempt, 5.0))
        else:
            return client
    raise RedisUnavailable(
        f"cannot reach Redis at {describe_redis(url)}: {last}; "
        "check REDIS_URL and that the server is up"
    ) from last


def _client(url: str) -> aioredis.Redis:
    try:
        client: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=PING_TIMEOUT,
            socket_timeout=PING_TIMEOUT * 2,
            health_check_interval=30,
            decode_responses=True,
        )
    except (ValueError, RedisError) as exc:
        raise RedisUnavailable(f"REDIS_URL is not a usable Redis URL: {exc}") from exc
    return client


@asynccontextmanager
async def open_redis(url: str) -> AsyncIterator[aioredis.Redis]:
    """`connect_redis` as an async context manager that always closes the client."""
    client = await connect_redis(url)
    try:
        yield client
    finally:
        await client.aclose()
