"""redis-py's and the socket's errors become `RedisUnavailable` at the Redis boundary."""

from __future__ import annotations

import socket

import pytest
import redis.asyncio as aioredis
from redis import exceptions as redis_exceptions

from randomatch_bot.errors import RedisUnavailable
from randomatch_bot.infra.redis import map_redis_error, redis_errors, wraps_redis_errors


@pytest.mark.parametrize(
    "driver_error",
    [
        redis_exceptions.ConnectionError("Error 111 connecting to localhost:6379"),
        redis_exceptions.TimeoutError("Timeout reading from socket"),
        redis_exceptions.BusyLoadingError("Redis is loading the dataset in memory"),
        redis_exceptions.ResponseError("READONLY You can't write against a read only replica"),
        ConnectionResetError("reset by peer"),
        TimeoutError(),
    ],
)
def test_driver_errors_become_redis_unavailable(driver_error: BaseException) -> None:
    """Each redis-py or socket error raised in the block leaves it as RedisUnavailable, with
    the driver's error as its cause and its message kept."""
    with pytest.raises(RedisUnavailable) as caught, redis_errors():
        raise driver_error
    assert caught.value.__cause__ is driver_error
    assert str(caught.value).startswith("Redis command failed: ")
    assert (str(driver_error) or type(driver_error).__name__) in str(caught.value)


def test_other_errors_pass_through_unmapped() -> None:
    """A bug in the block (not the driver's error) is not disguised as an outage."""
    with pytest.raises(KeyError), redis_errors():
        raise KeyError("a bug")
    error = ValueError("not a Redis problem")
    assert map_redis_error(error) is error


async def test_decorated_function_maps_and_returns() -> None:
    """A function decorated with `wraps_redis_errors` returns its value, and its driver errors
    come out mapped."""

    @wraps_redis_errors
    async def answer(fail: bool) -> int:
        if fail:
            raise redis_exceptions.ConnectionError("gone")
        return 42

    assert await answer(False) == 42
    with pytest.raises(RedisUnavailable, match="gone"):
        await answer(True)


async def test_a_server_that_is_not_there_raises_redis_unavailable() -> None:
    """A real client whose server does not listen raises RedisUnavailable through the mapping,
    not redis-py's ConnectionError."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    client = aioredis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=2)
    try:
        with pytest.raises(RedisUnavailable) as caught, redis_errors():
            await client.ping()
        assert isinstance(caught.value.__cause__, (redis_exceptions.ConnectionError, OSError))
    finally:
        await client.aclose()
