"""The pure parts of waiting out a model: backoff, the plan's next try, the breaker's states."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from randomatch_bot.conversation.policies.outage import scope_of, wait_for
from randomatch_bot.llm.breaker import PROBE_TTL, MemoryBreaker, rest_delay
from randomatch_bot.llm.retry import OUTAGE_CAP, outage_delay

T0 = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)


def test_outage_delay_grows_and_is_capped() -> None:
    """Backoff doubles per failure with jitter, never above the cap, never below Retry-After."""
    rng = random.Random(0)
    delays = [outage_delay(n, None, rng) for n in range(1, 12)]
    assert 2.5 <= delays[0] <= 5.0
    assert all(d <= OUTAGE_CAP for d in delays)
    assert delays[-1] >= OUTAGE_CAP / 2
    assert outage_delay(1, 120.0, rng) == 120.0


def test_wait_for_honours_retry_after_then_gives_up_at_the_horizon() -> None:
    """A plan waits Retry-After (plus a little jitter) and never past the horizon; at the
    horizon it gives up."""
    rng = random.Random(1)
    wait = wait_for(failures=1, failing_since=T0, retry_after=120.0, now=T0, horizon=3600, rng=rng)
    assert wait.until is not None
    assert 120 <= (wait.until - T0).total_seconds() <= 125
    late = T0 + dt.timedelta(seconds=3590)
    capped = wait_for(
        failures=9, failing_since=T0, retry_after=600.0, now=late, horizon=3600, rng=rng
    )
    assert capped.until == T0 + dt.timedelta(seconds=3600)
    over = wait_for(
        failures=10,
        failing_since=T0,
        retry_after=None,
        now=T0 + dt.timedelta(seconds=3600),
        horizon=3600,
        rng=rng,
    )
    assert over.until is None


def test_scope_of_permanent_failures() -> None:
    """A key or credit problem pauses the endpoint; a forbidden or retired model only itself."""
    assert scope_of(401, "m") == "endpoint"
    assert scope_of(402, "m") == "endpoint"
    assert scope_of(403, "m") == "model:m"
    assert scope_of(404, "m") == "model:m"


async def test_memory_breaker_opens_lets_one_probe_and_closes() -> None:
    """Closed: calls go. After a failure: open for the delay. Then one probe, the others wait;
    the probe's success closes it, and says that it was open."""
    now = [1000.0]
    breaker = MemoryBreaker(clock=lambda: now[0], rng=random.Random(2))
    assert await breaker.wait_before("m") == 0
    delay = await breaker.failed("m", 20.0)
    assert delay == 20.0
    assert await breaker.wait_before("m") == 20.0
    assert await breaker.wait_before("other") == 0
    now[0] += 21
    assert await breaker.wait_before("m") == 0  # this caller probes
    assert 0 < await breaker.wait_before("m") <= PROBE_TTL  # the others wait for the probe
    assert await breaker.succeeded("m") is True
    assert await breaker.wait_before("m") == 0
    assert await breaker.succeeded("m") is False  # already closed: nothing to release


def test_the_breaker_rests_less_than_the_probe_interval_whatever_the_failures() -> None:
    """However many failures and whatever Retry-After (an hour's quota), the breaker rests at
    most 90 % of the interval (the waiting reply's jitter adds at most 10 %), jittered (equal
    jitter at the bound, so probes do not fall in step); short Retry-Afters are honoured."""
    rng = random.Random(3)
    for interval in (30.0, 5.0):
        long_waits = [rest_delay(n, None, rng, interval) for n in range(8, 40)]
        long_waits += [rest_delay(1, 3600.0, rng, interval) for _ in range(30)]
        assert all(0.45 * interval <= d <= 0.9 * interval for d in long_waits)
        assert len({round(d, 6) for d in long_waits}) > 20
        # the plan waits the breaker's rest plus its own jitter (at most 10 % of it)
        worst = max(long_waits)
        plan = wait_for(
            failures=30, failing_since=T0, retry_after=worst, now=T0, horizon=3600, rng=rng
        )
        assert plan.until is not None
        assert (plan.until - T0).total_seconds() <= interval
    assert 2.5 <= rest_delay(1, None, rng, 30.0) <= 5.0  # the backoff still starts small
    assert rest_delay(1, 12.0, rng, 30.0) == 12.0


async def test_a_human_waiting_makes_the_breaker_probe_at_once_one_caller_at_a_time() -> None:
    """While the breaker rests, a caller answering a human who wrote probes at once; while
    that probe runs the others wait (at once or not); a failed probe rests again."""
    now = [1000.0]
    breaker = MemoryBreaker(clock=lambda: now[0], rng=random.Random(4))
    rest = await breaker.failed("m", None)
    assert await breaker.wait_before("m") == pytest.approx(rest)
    assert await breaker.wait_before("m", at_once=True) == 0  # probes now, before the rest ends
    assert await breaker.wait_before("m", at_once=True) > 0  # one probe at a time
    assert await breaker.wait_before("m") > 0
    rest = await breaker.failed("m", None)
    assert await breaker.wait_before("m") == pytest.approx(rest)
    assert await breaker.wait_before("m", at_once=True) == 0
    assert await breaker.succeeded("m") is True
