"""Two deployments (two queue names) sharing one Redis keep their state apart."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from randomatch_bot.infra.keys import Keys
from randomatch_bot.infra.redis import open_redis
from randomatch_bot.llm.breaker import CLOSED_FRESH, RedisBreaker
from randomatch_bot.process_metrics import Metrics, publish, read_published

NOTIFICATIONS = ("randomatch_bridge_notifications", "randomatch_bridge_notifications_total")


async def test_two_deployments_on_one_redis_keep_separate_metrics(make_settings: Any) -> None:
    """Each deployment adds up its own processes' published counters, never the other's."""
    settings = make_settings()
    blue, green = Keys(f"{settings.docket_name}-blue"), Keys(f"{settings.docket_name}-green")
    blue_bridge, green_bridge = Metrics(), Metrics()
    blue_bridge.notifications.labels("message").inc(7)
    green_bridge.notifications.labels("message").inc(100)
    sample = (*NOTIFICATIONS, (("kind", "message"),))
    async with open_redis(_redis_url(settings)) as redis:
        try:
            # The same process name in both: only the deployment tells them apart.
            await publish(redis, blue, process="host#1", registry=blue_bridge.registry)
            await publish(redis, green, process="host#1", registry=green_bridge.registry)
            await publish(redis, green, process="host#2", registry=green_bridge.registry)
            assert (await read_published(redis, blue))[sample] == 7
            assert (await read_published(redis, green))[sample] == 200
            assert (await read_published(redis, green, exclude="host#1"))[sample] == 100
        finally:
            await redis.delete(blue.metrics("host#1"), green.metrics("host#1"))
            await redis.delete(green.metrics("host#2"))


async def test_a_breaker_opened_in_one_deployment_leaves_the_other_closed(
    make_settings: Any,
) -> None:
    """A model failing for one deployment is still called by another on the same Redis."""
    settings = make_settings()
    blue, green = Keys(f"{settings.docket_name}-blue"), Keys(f"{settings.docket_name}-green")
    async with open_redis(_redis_url(settings)) as redis:

        @contextlib.asynccontextmanager
        async def source() -> AsyncIterator[Any]:
            yield redis

        try:
            await RedisBreaker(source, blue).failed("vendor/model", retry_after=30.0)
            assert await RedisBreaker(source, blue).wait_before("vendor/model") > 0
            assert await RedisBreaker(source, green).wait_before("vendor/model") == 0
        finally:
            await redis.delete(blue.llm_breaker("vendor/model"), blue.llm_probe("vendor/model"))


async def test_the_shared_breaker_rests_briefly_probes_at_once_and_says_it_closed(
    make_settings: Any,
) -> None:
    """On Redis, as the workers share it: the breaker rests less than its probe interval even
    with an hour's Retry-After; a worker answering a human who wrote probes at once while the
    others keep waiting; the success closes it and says so once, to one worker only."""
    settings = make_settings()
    keys = Keys(f"{settings.docket_name}-probe")
    now = [1000.0]
    async with open_redis(_redis_url(settings)) as redis:

        @contextlib.asynccontextmanager
        async def source() -> AsyncIterator[Any]:
            yield redis

        first, second = (
            RedisBreaker(source, keys, clock=lambda: now[0], interval=30.0) for _ in range(2)
        )
        try:
            rest = await first.failed("vendor/model", retry_after=3600.0)
            assert 24.0 <= rest <= 27.0
            assert await second.wait_before("vendor/model") == pytest.approx(rest)
            assert await second.wait_before("vendor/model", at_once=True) == 0  # probes now
            assert await first.wait_before("vendor/model", at_once=True) > 0  # one at a time
            assert await second.succeeded("vendor/model") is True
            assert await first.succeeded("vendor/model") is False  # closed by the other
            assert await first.wait_before("vendor/model") == 0
        finally:
            await redis.delete(keys.llm_breaker("vendor/model"), keys.llm_probe("vendor/model"))


def _redis_url(settings: Any) -> str:
    assert settings.redis_url is not None  # make_settings points at the test Redis
    return str(settings.redis_url.get_secret_value())


async def test_a_closed_breaker_is_read_once_per_freshness(make_settings: Any) -> None:
    """A worker trusts a closed breaker for CLOSED_FRESH seconds without asking Redis, so
    another worker's opening reaches it that late at most; its own failure at once."""
    settings = make_settings()
    keys = Keys(f"{settings.docket_name}-fresh")
    now = [1000.0]
    async with open_redis(_redis_url(settings)) as redis:
        reads = [0]

        @contextlib.asynccontextmanager
        async def source() -> AsyncIterator[Any]:
            reads[0] += 1
            yield redis

        mine, other = (RedisBreaker(source, keys, clock=lambda: now[0]) for _ in range(2))
        try:
            assert await mine.wait_before("vendor/model") == 0
            assert await mine.wait_before("vendor/model") == 0
            assert reads[0] == 1  # the second check was not a Redis read
            await other.failed("vendor/model", retry_after=10.0)
            assert await mine.wait_before("vendor/model") == 0  # not seen yet
            now[0] += CLOSED_FRESH
            assert await mine.wait_before("vendor/model") > 0  # seen
            await other.succeeded("vendor/model")
            now[0] += 60.0
            assert await mine.wait_before("vendor/model") == 0
            await mine.failed("vendor/model", retry_after=10.0)
            assert await mine.wait_before("vendor/model") > 0  # its own failure: at once
        finally:
            await redis.delete(keys.llm_breaker("vendor/model"), keys.llm_probe("vendor/model"))
