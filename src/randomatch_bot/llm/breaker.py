"""One circuit breaker per model, shared by every worker, so that an outage costs one probe per
interval instead of one call per waiting conversation.

    closed ──(a call fails after its own retries)──► open until T (Retry-After or backoff)
      ▲                                                  │ T passes
      └──────(the probe succeeds)──── half-open: one caller takes the probe lock and calls;
                                      the others wait; a failed probe opens it again, longer

The breaker rests at most 90 % of LLM_BREAKER_PROBE_INTERVAL (30 s) between probes, whatever
the number of failures or the endpoint's Retry-After, so that a model that is back is noticed
within that interval (a waiting reply adds up to 10 % of jitter before it asks). A caller that
answers a human who wrote while their conversation waited on the model probes at once, without
waiting for the rest to end (`probing_at_once`); a call that closes an open breaker says so
(`BreakerCall.recovered`), and the engine then releases every reply waiting on the model.

`RedisBreaker` keeps the state in Redis (one hash and one lock key per model, among the
deployment's keys: `Keys.llm_breaker`, `Keys.llm_probe`); `MemoryBreaker` keeps it in the
process (tests, the simulator). A breaker that cannot reach Redis lets calls through: the model
is then asked, as it would be without a breaker, rather than nobody being answered.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from randomatch_bot.errors import RedisUnavailable
from randomatch_bot.infra.keys import Keys
from randomatch_bot.infra.redis import wraps_redis_errors
from randomatch_bot.llm.retry import outage_delay

log = structlog.get_logger(__name__)

PROBE_TTL = 60.0  # seconds a probe may take before another caller may probe
PROBE_WAIT = 5.0  # seconds a caller waits while another one probes
STATE_TTL = 86400  # seconds a breaker's state outlives its last failure in Redis
PROBE_INTERVAL = 30.0  # seconds; the default of LLM_BREAKER_PROBE_INTERVAL
REST_SHARE = 0.9  # of the probe interval at most the breaker rests; the rest is the caller's jitter
# Seconds a worker trusts that a model's breaker is closed after Redis said so: under load the
# check before each model call costs one Redis read per model and this many seconds instead of
# one per call, and a breaker another worker opened is seen at most this late (a failure of this
# worker's own is seen at once).
CLOSED_FRESH = 0.5

Clock = Callable[[], float]


def rest_delay(
    failures: int, retry_after: float | None, rng: random.Random, interval: float
) -> float:
    """Seconds a breaker rests after `failures` failures in a row: the outage backoff (from
    5 s, doubling, equal jitter) and the endpoint's Retry-After, but never more than 90 % of
    `interval`, jittered below that bound when the backoff or Retry-After reaches it."""
    bound = REST_SHARE * interval
    delay = outage_delay(failures, retry_after, rng, cap=bound)
    if delay >= bound:
        delay = bound - rng.uniform(0.0, bound / 10.0)
    return delay


AtOnce = Callable[[], Awaitable[bool]]


@dataclass(slots=True)
class BreakerCall:
    """What one generation tells the breaker, and learns from it."""

    at_once: bool = False  # probe now even while the breaker rests: a human waits on the model
    recovered: bool = False  # a call of this generation closed an open breaker
    # Whether to probe at once, asked only when the breaker rests (a query the engine makes
    # once; a closed breaker, the usual case, never needs it).
    ask_at_once: AtOnce | None = None

    async def wants_at_once(self) -> bool:
        """`at_once`, asking `ask_at_once` the first time."""
        if self.ask_at_once is not None:
            ask, self.ask_at_once = self.ask_at_once, None
            self.at_once = self.at_once or await ask()
        return self.at_once


_CALL: ContextVar[BreakerCall | None] = ContextVar("breaker_call", default=None)


@contextmanager
def probing_at_once(at_once: bool | AtOnce) -> Iterator[BreakerCall]:
    """Within the block, model calls may probe an open breaker at once (`at_once`, or what it
    answers when the breaker rests), and whether one of them closed an open breaker is recorded
    in the yielded `BreakerCall`."""
    call = (
        BreakerCall(at_once=at_once)
        if isinstance(at_once, bool)
        else BreakerCall(ask_at_once=at_once)
    )
    token = _CALL.set(call)
    try:
        yield call
    finally:
        _CALL.reset(token)


def current_call() -> BreakerCall | None:
    """The generation the model call belongs to, when the engine said (see `probing_at_once`)."""
    return _CALL.get()


class Breaker(Protocol):
    """What the LLM client asks before and tells after calling a model."""

    async def wait_before(self, model: str, *, at_once: bool = False) -> float:
        """0 when the model may be called now (closed, or this caller probes), else seconds.
        `at_once`: probe now while it rests, unless another caller is probing."""
        ...

    async def failed(self, model: str, retry_after: float | None) -> float:
        """Record a failed call; returns the seconds the breaker stays open."""
        ...

    async def succeeded(self, model: str) -> bool:
        """Record a successful call: the breaker closes. True when it was open."""
        ...


@dataclass(slots=True)
class _Circuit:
    failures: int = 0
    open_until: float = 0.0
    probe_until: float = 0.0


class MemoryBreaker:
    """A breaker per process; same rules as `RedisBreaker`."""

    def __init__(
        self,
        *,
        clock: Clock = time.time,
        rng: random.Random | None = None,
        interval: float = PROBE_INTERVAL,
    ) -> None:
        self._clock = clock
        self._rng = rng or random.Random()
        self._interval = interval
        self._circuits: dict[str, _Circuit] = {}

    async def wait_before(self, model: str, *, at_once: bool = False) -> float:
        circuit = self._circuits.get(model)
        now = self._clock()
        if circuit is None or circuit.failures == 0:
            return 0.0
        if now < circuit.probe_until:
            return min(PROBE_WAIT, circuit.probe_until - now)
        if now < circuit.open_until and not at_once:
            return circuit.open_until - now
        circuit.probe_until = now + PROBE_TTL
        return 0.0

    async def failed(self, model: str, retry_after: float | None) -> float:
        circuit = self._circuits.setdefault(model, _Circuit())
        circuit.failures += 1
        delay = rest_delay(circuit.failures, retry_after, self._rng, self._interval)
        circuit.open_until = self._clock() + delay
        circuit.probe_until = 0.0
        return delay

    async def succeeded(self, model: str) -> bool:
        return self._circuits.pop(model, None) is not None


RedisSource = Callable[[], AbstractAsyncContextManager[Any]]


class RedisBreaker:
    """A breaker per model shared through Redis by every worker of the deployment."""

    def __init__(
        self,
        redis: RedisSource,
        keys: Keys,
        *,
        clock: Clock = time.time,
        rng: random.Random | None = None,
        interval: float = PROBE_INTERVAL,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._rng = rng or random.Random()
        self._interval = interval
        self._token = uuid.uuid4().hex
        self._open: set[str] = set()  # models this process saw failing: success must clear them
        self._closed_at: dict[str, float] = {}  # when Redis last said a model's breaker is closed

    def state_key(self, model: str) -> str:
        return self._keys.llm_breaker(model)

    def probe_key(self, model: str) -> str:
        return self._keys.llm_probe(model)

    async def wait_before(self, model: str, *, at_once: bool = False) -> float:
        checked = self._closed_at.get(model)
        if checked is not None and 0.0 <= self._clock() - checked < CLOSED_FRESH:
            return 0.0
        try:
            return await self._wait_before(model, at_once)
        except RedisUnavailable as exc:
            log.warning("llm.breaker_unavailable", error=str(exc)[:200])
            return 0.0

    @wraps_redis_errors
    async def _wait_before(self, model: str, at_once: bool) -> float:
        async with self._redis() as redis:
            state = await redis.hgetall(self.state_key(model))
            if not state:
                if model not in self._open:
                    self._closed_at[model] = self._clock()
                return 0.0
            self._closed_at.pop(model, None)
            self._open.add(model)
            open_until = float(_field(state, "open_until") or 0.0)
            now = self._clock()
            if now < open_until and not at_once:
                return open_until - now
            took = await redis.set(
                self.probe_key(model), self._token, nx=True, px=int(PROBE_TTL * 1000)
            )
            if took:
                reason = "rested" if now >= open_until else "a human wrote"
                log.info("llm.breaker_probe", model=model, reason=reason)
                return 0.0
            if now < open_until:
                return open_until - now
            remaining = await redis.pttl(self.probe_key(model))
            return max(0.05, min(PROBE_WAIT, float(remaining) / 1000.0))

    async def failed(self, model: str, retry_after: float | None) -> float:
        self._closed_at.pop(model, None)
        try:
            failures, delay = await self._record_failure(model, retry_after)
        except RedisUnavailable as exc:
            log.warning("llm.breaker_unavailable", error=str(exc)[:200])
            return rest_delay(1, retry_after, self._rng, self._interval)
        self._open.add(model)
        log.warning("llm.breaker_open", model=model, failures=failures, for_s=round(delay, 1))
        return delay

    @wraps_redis_errors
    async def _record_failure(self, model: str, retry_after: float | None) -> tuple[int, float]:
        async with self._redis() as redis:
            failures = int(await redis.hincrby(self.state_key(model), "failures", 1))
            delay = rest_delay(failures, retry_after, self._rng, self._interval)
            await redis.hset(self.state_key(model), "open_until", f"{self._clock() + delay}")
            await redis.expire(self.state_key(model), STATE_TTL)
            await redis.delete(self.probe_key(model))
        return failures, delay

    async def succeeded(self, model: str) -> bool:
        # Only a model seen open costs a Redis command: a healthy model's calls cost none.
        if model not in self._open:
            return False
        try:
            closed = await self._close(model)
        except RedisUnavailable as exc:
            log.warning("llm.breaker_unavailable", error=str(exc)[:200])
            return False
        self._open.discard(model)
        if closed:
            log.info("llm.breaker_closed", model=model)
        return closed

    @wraps_redis_errors
    async def _close(self, model: str) -> bool:
        """Close the breaker; True when it was open (another caller had not closed it)."""
        async with self._redis() as redis:
            closed = int(await redis.delete(self.state_key(model)))
            await redis.delete(self.probe_key(model))
        return closed > 0


def _field(state: Any, name: str) -> Any:
    value = state.get(name, state.get(name.encode()))
    return value.decode() if isinstance(value, bytes) else value
