"""Prometheus metrics of this process. The API also derives figures from PostgreSQL and Redis,
so that what separate worker and bridge processes did is visible from one endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from collections.abc import Iterator

import redis.asyncio as aioredis
import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from randomatch_bot.errors import RedisUnavailable
from randomatch_bot.infra.keys import Keys
from randomatch_bot.infra.redis import wraps_redis_errors

log = structlog.get_logger(__name__)


class Metrics:
    """The service's own counters, in a registry of their own (no import-time global state
    in the default registry, so tests can build as many as they like)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.steps = Counter(
            "randomatch_steps", "Conversation steps run", ["task"], registry=self.registry
        )
        self.step_errors = Counter(
            "randomatch_step_errors",
            "Conversation steps that raised",
            ["task"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "randomatch_dead_letters_created",
            "Replies given up after the last attempt",
            registry=self.registry,
        )
        self.notifications = Counter(
            "randomatch_bridge_notifications",
            "NOTIFY payloads received",
            ["kind"],
            registry=self.registry,
        )
        self.reconnects = Counter(
            "randomatch_bridge_reconnects",
            "LISTEN connections re-established",
            registry=self.registry,
        )
        self.catchup_wakes = Counter(
            "randomatch_bridge_catchup_wakes",
            "Conversations woken by the catch-up scan",
            registry=self.registry,
        )
        self.guard_trips = Counter(
            "randomatch_guard_trips",
            "Replies the output guard kept from a person, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.guard_reviews = Counter(
            "randomatch_guard_reviews",
            "Replies shown to the reviewing model, by outcome (passed, flagged, failed)",
            ["outcome"],
            registry=self.registry,
        )
        self.typing_fallbacks = Counter(
            "randomatch_typing_broadcast_fallbacks",
            "Typing states written to typing_indicators because the broadcast was not stored",
            registry=self.registry,
        )
        self.conversations_closed = Counter(
            "randomatch_conversations_closed",
            "Conversations closed for good by what the person wrote (minor), or whose "
            "follow-ups ended (stop), by reason",
            ["reason"],
            registry=self.registry,
        )
        self.self_contradictions = Counter(
            "randomatch_self_contradictions",
            "Replies asked for again because they contradicted what the persona said of "
            "herself, by layer (rules, reviewer) and fact (age, ville, day, other)",
            ["layer", "fact"],
            registry=self.registry,
        )
        self.step_batch = Histogram(
            "randomatch_step_batch_size",
            "Conversations whose due steps ran in one transaction",
            buckets=(2, 4, 8, 16, 32),
            registry=self.registry,
        )
        self.enqueue_latency = Histogram(
            "randomatch_bridge_enqueue_seconds",
            "From message INSERT to work scheduled",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )


METRICS = Metrics()


# --------------------------------------------------------------------------- across processes
# Bridge and worker usually run as separate processes (Railway services, several replicas), and
# the API is yet another one. Each process copies its own counters into a Redis hash now and
# then; the API adds up every process's copy at scrape time. A process that stops publishing
# drops out after PUBLISH_TTL, which Prometheus sees as a counter reset (rate() handles it).
# The hashes live under the deployment's keys (`Keys.metrics`): two deployments sharing a Redis
# each add up their own processes only.
PUBLISH_INTERVAL = 5.0  # seconds between two copies
PUBLISH_TTL = 300  # seconds a silent process's counters stay visible

SampleKey = tuple[str, str, tuple[tuple[str, str], ...]]  # family, sample name, labels


def process_name() -> str:
    """host#pid, as the bridge names itself in its heartbeat."""
    return f"{socket.gethostname()}#{os.getpid()}"


def samples_of(registry: CollectorRegistry) -> dict[SampleKey, float]:
    """The additive samples of a registry (`_created` timestamps are not additive)."""
    values: dict[SampleKey, float] = {}
    for family in registry.collect():
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            key = (family.name, sample.name, tuple(sorted(sample.labels.items())))
            values[key] = values.get(key, 0.0) + sample.value
    return values


def _encode(key: SampleKey) -> str:
    return json.dumps([key[0], key[1], [list(pair) for pair in key[2]]])


def _decode(raw: str | bytes) -> SampleKey:
    family, name, labels = json.loads(raw)
    return str(family), str(name), tuple((str(k), str(v)) for k, v in labels)


@wraps_redis_errors
async def publish(
    redis: aioredis.Redis,
    keys: Keys,
    *,
    process: str | None = None,
    registry: CollectorRegistry | None = None,
) -> None:
    """Copy this process's counters to Redis under its name, in its deployment."""
    values = samples_of(registry or METRICS.registry)
    if not values:
        return
    key = keys.metrics(process or process_name())
    await redis.hset(key, mapping={_encode(k): repr(v) for k, v in values.items()})
    await redis.expire(key, PUBLISH_TTL)


async def publish_forever(
    redis: aioredis.Redis,
    stop: asyncio.Event,
    keys: Keys,
    *,
    process: str | None = None,
    interval: float = PUBLISH_INTERVAL,
) -> None:
    """A `serve` component for bridge and worker processes: publish until `stop`, then once
    more so that the last counts survive a clean shutdown for PUBLISH_TTL."""
    while True:
        try:
            await publish(redis, keys, process=process)
        except RedisUnavailable as exc:  # a Redis hiccup must not take the process down
            log.warning("metrics.publish_failed", error=str(exc))
        if stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


@wraps_redis_errors
async def read_published(
    redis: aioredis.Redis, keys: Keys, *, exclude: str | None = None
) -> dict[SampleKey, float]:
    """Every other process's published counters of this deployment, added up."""
    totals: dict[SampleKey, float] = {}
    async for key in redis.scan_iter(match=keys.metrics_pattern, count=100):
        name = key.decode() if isinstance(key, bytes) else str(key)
        if exclude is not None and name == keys.metrics(exclude):
            continue
        for field, value in (await redis.hgetall(name)).items():
            try:
                sample = _decode(field)
                totals[sample] = totals.get(sample, 0.0) + float(value)
            except (ValueError, TypeError):
                continue  # a foreign or older entry; skipping it beats failing the scrape
    return totals


class MergedCollector(Collector):
    """This process's metric families with the other processes' published samples added in."""

    def __init__(self, registry: CollectorRegistry, others: dict[SampleKey, float]) -> None:
        self.registry = registry
        self.others = others

    def collect(self) -> Iterator[Metric]:
        merged = samples_of(self.registry)
        for key, value in self.others.items():
            merged[key] = merged.get(key, 0.0) + value
        for family in self.registry.collect():
            out = Metric(family.name, family.documentation, family.type, family.unit)
            for (name, sample, labels), value in sorted(merged.items()):
                if name == family.name:
                    out.add_sample(sample, dict(labels), value)
            yield out
