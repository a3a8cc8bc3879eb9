"""`/metrics`: Prometheus figures that hold however many processes do the work.

Most figures are read at scrape time from where the work leaves its trace — PostgreSQL (plans,
sent parts, model calls, dead letters, conversations) and Redis (the task queue, the bridges'
heartbeats) — so a worker or bridge in another process, on another machine, or restarted an
hour ago is counted all the same. The counters that exist only in a process's memory (bridge
notifications, reconnects, catch-up wakes, step errors) are this process's registry plus what
the other processes published to Redis (`randomatch_bot.process_metrics.publish_forever`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from randomatch_bot.api import engagement
from randomatch_bot.api.state import ApiState
from randomatch_bot.bridge.listener import bridge_ages
from randomatch_bot.conversation.policies.outage import paused_scopes
from randomatch_bot.db import monitoring as monitoring_db
from randomatch_bot.db import session
from randomatch_bot.db.monitoring import LlmTotals
from randomatch_bot.errors import DatabaseError, DatabaseUnavailable, RedisUnavailable
from randomatch_bot.process_metrics import METRICS, MergedCollector, SampleKey, read_published
from randomatch_bot.worker.tasks import queue_depth

# Seconds. A human-like reply takes from a few seconds to many minutes (and overnight).
REPLY_BUCKETS = (1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
# Seconds. A model call takes from a fraction of a second to its timeout.
LLM_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)
# Hours of the engagement gauges' window (ending at the scrape; cached 30 s, api/engagement.py).
ENGAGEMENT_HOURS = 24.0
# The engagement gauges per variant of a persona (only while a persona has variants).
VARIANT_GAUGES: tuple[tuple[str, str, Callable[[engagement.Group], float | None]], ...] = (
    ("reply_rate", "Persona turns answered by the human within 24 h", lambda g: g.reply_rate),
    (
        "reply_rate_low",
        "Lower end of the reply rate's 95 % Wilson interval",
        lambda g: g.intervals.reply_rate[0] if g.intervals and g.intervals.reply_rate else None,
    ),
    (
        "reply_rate_high",
        "Upper end of the reply rate's 95 % Wilson interval",
        lambda g: g.intervals.reply_rate[1] if g.intervals and g.intervals.reply_rate else None,
    ),
    ("ghost_rate", "Conversations whose latest turn went unanswered 24 h", lambda g: g.ghost_rate),
    (
        "reply_rate_significant",
        "1 when the reply rate differs from the persona's control (p < 0.05), else 0",
        lambda g: float(g.comparison.significant) if g.comparison else None,
    ),
)
# The engagement gauges per persona: name, help, the figure of an `engagement.Group`.
ENGAGEMENT_GAUGES: tuple[tuple[str, str, Callable[[engagement.Group], float | None]], ...] = (
    ("reply_rate", "Persona turns answered by the human within 24 h", lambda g: g.reply_rate),
    (
        "ghost_rate",
        "Conversations whose latest persona turn went unanswered 24 h",
        lambda g: g.ghost_rate,
    ),
    ("depth_mean", "Human turns per conversation", lambda g: g.depth.mean),
    (
        "reply_delay_median_seconds",
        "The human's median reply delay",
        lambda g: g.reply_delay.median_s,
    ),
    (
        "reply_delay_p90_seconds",
        "The human's 90th percentile reply delay",
        lambda g: g.reply_delay.p90_s,
    ),
    (
        "unmatch_rate",
        "Unmatches and blocks within 24 h of a persona message per conversation",
        lambda g: g.unmatch_rate,
    ),
    ("reengagement_rate", "Follow-ups answered within 24 h", lambda g: g.reengagement_rate),
    (
        "guard_trips_per_100_replies",
        "Guard trips per 100 replies",
        lambda g: g.guard_trips_per_100_replies,
    ),
    (
        "cost_per_conversation_usd",
        "Model cost per conversation",
        lambda g: g.cost_per_conversation_usd,
    ),
)


@dataclass(slots=True)
class Histogram:
    """Cumulative buckets per label value, built from per-bucket counts."""

    bounds: Sequence[float]
    buckets: dict[str, list[int]] = field(default_factory=dict)
    sums: dict[str, float] = field(default_factory=dict)

    def add(self, label: str, bucket: int, count: int, total: float) -> None:
        counts = self.buckets.setdefault(label, [0] * (len(self.bounds) + 1))
        counts[min(bucket, len(self.bounds))] += count
        self.sums[label] = self.sums.get(label, 0.0) + total

    def family(self, name: str, doc: str, label: str) -> HistogramMetricFamily:
        out = HistogramMetricFamily(name, doc, labels=[label])
        for value, counts in sorted(self.buckets.items()):
            cumulative, running = [], 0
            for bound, count in zip([*map(str, self.bounds), "+Inf"], counts, strict=True):
                running += count
                cumulative.append((bound, float(running)))
            out.add_metric([value], cumulative, self.sums[value])
        return out


@dataclass(slots=True)
class Snapshot:
    """Everything one scrape reports, gathered before the exposition is written."""

    up: dict[str, int] = field(default_factory=dict)
    replies: dict[str, int] = field(default_factory=dict)
    parts: dict[str, int] = field(default_factory=dict)
    reply_latency: Histogram = field(default_factory=lambda: Histogram(REPLY_BUCKETS))
    llm_latency: Histogram = field(default_factory=lambda: Histogram(LLM_BUCKETS))
    llm_calls: list[LlmTotals] = field(default_factory=list)
    conversations: dict[str, int] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)
    dead_letters_open: int = 0
    llm_paused: dict[str, int] = field(default_factory=dict)  # scope -> 1 while paused
    dead_letters_total: int = 0
    queue_due: int = 0
    queue_scheduled: int = 0
    heartbeats: dict[str, float] = field(default_factory=dict)
    published: dict[SampleKey, float] = field(default_factory=dict)
    engagement_variants: list[engagement.Group] = field(default_factory=list)
    engagement: list[engagement.Group] = field(default_factory=list)


async def gather(state: ApiState) -> Snapshot:
    """Read PostgreSQL and Redis; a source that fails is reported as down, not raised."""
    snap = Snapshot()
    res = state.resources
    try:
        async with session.connection(res.pool) as conn:
            for totals in await monitoring_db.bot_totals(conn):
                snap.replies[str(totals.bot_id)] = totals.replies
                snap.parts[str(totals.bot_id)] = totals.parts
            for b in await monitoring_db.reply_latency_buckets(conn, bounds=REPLY_BUCKETS):
                snap.reply_latency.add(str(b.label), b.bucket, b.n, b.total)
            for b in await monitoring_db.llm_latency_buckets(conn, bounds=LLM_BUCKETS):
                snap.llm_latency.add(str(b.label), b.bucket, b.n, b.total)
            snap.llm_calls = await monitoring_db.llm_totals(conn)
            for count in await monitoring_db.state_counts(conn):
                if count.kind == "conversation":
                    snap.conversations[count.label] = count.n
                elif count.kind == "plan":
                    snap.in_flight[count.label] = count.n
                elif count.label == "open":
                    snap.dead_letters_open = count.n
                else:
                    snap.dead_letters_total = count.n
            for pause in await paused_scopes(conn):
                snap.llm_paused[str(pause["scope"])] = 1
        by_persona = await engagement.cached(state, ENGAGEMENT_HOURS, "persona")
        snap.engagement = by_persona.groups
        if await engagement.has_variants(state):
            by_variant = await engagement.cached(state, ENGAGEMENT_HOURS, "variant")
            snap.engagement_variants = by_variant.groups
        snap.up["postgres"] = 1
    except (DatabaseUnavailable, DatabaseError):
        snap.up["postgres"] = 0
    try:
        snap.queue_due, snap.queue_scheduled = await queue_depth(
            res.redis, state.settings.docket_name
        )
        snap.heartbeats.update(await bridge_ages(res.redis, state.settings.docket_name))
        snap.published = await read_published(res.redis, res.keys, exclude=state.process)
        snap.up["redis"] = 1
    except RedisUnavailable:
        snap.up["redis"] = 0
    return snap


class SnapshotCollector(Collector):
    """Turns a Snapshot into metric families (prometheus_client calls `collect` synchronously,
    so the asynchronous reading happens before, in `gather`)."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[Metric]:
        s = self.snap
        yield _gauge(
            "randomatch_source_up", "1 when the source answered this scrape", "source", s.up.items()
        )
        yield _counter(
            "randomatch_replies", "Replies finished (all parts sent)", "bot_id", s.replies.items()
        )
        yield _counter(
            "randomatch_reply_parts_sent",
            "Reply parts inserted as messages",
            "bot_id",
            s.parts.items(),
        )
        yield s.reply_latency.family(
            "randomatch_reply_latency_seconds",
            "From the human's (earliest unanswered) message to the reply's first part",
            "bot_id",
        )
        yield s.llm_latency.family("randomatch_llm_latency_seconds", "Model call duration", "model")
        calls = CounterMetricFamily(
            "randomatch_llm_calls", "Model calls by outcome", labels=["model", "outcome"]
        )
        errors = CounterMetricFamily(
            "randomatch_llm_errors", "Failed model calls by HTTP status", labels=["status"]
        )
        tokens = CounterMetricFamily(
            "randomatch_llm_tokens", "Tokens used", labels=["model", "kind"]
        )
        cost = CounterMetricFamily("randomatch_llm_cost_usd", "Model cost in USD", labels=["model"])
        by_status: dict[str, float] = {}
        for row in s.llm_calls:
            outcome = "ok" if row.ok else "error"
            calls.add_metric([row.model, outcome], row.calls)
            if not row.ok:
                by_status[row.status] = by_status.get(row.status, 0) + row.calls
            tokens.add_metric([row.model, "prompt"], row.prompt_tokens)
            tokens.add_metric([row.model, "completion"], row.completion_tokens)
            cost.add_metric([row.model], row.cost)
        for status, count in sorted(by_status.items()):
            errors.add_metric([status], count)
        yield from (calls, errors, tokens, cost)
        yield _gauge("randomatch_queue_due", "Steps ready to run now", None, [("", s.queue_due)])
        yield _gauge(
            "randomatch_queue_scheduled",
            "Steps scheduled for later",
            None,
            [("", s.queue_scheduled)],
        )
        yield _gauge(
            "randomatch_conversations", "Conversations by state", "status", s.conversations.items()
        )
        yield _gauge(
            "randomatch_replies_in_flight",
            "Replies in progress by step",
            "step",
            s.in_flight.items(),
        )
        yield _gauge(
            "randomatch_dead_letters_open",
            "Dead letters awaiting an operator",
            None,
            [("", s.dead_letters_open)],
        )
        yield _counter(
            "randomatch_dead_letters_recorded",
            "Dead letters ever recorded",
            None,
            [("", s.dead_letters_total)],
        )
        yield _gauge(
            "randomatch_llm_paused",
            "1 while a model failure only an operator can fix pauses replies (alert on it)",
            "scope",
            s.llm_paused.items(),
        )
        for name, doc, figure in ENGAGEMENT_GAUGES:
            values = [(g.key, figure(g)) for g in s.engagement]
            yield _gauge(
                f"randomatch_engagement_{name}",
                f"{doc} (last {ENGAGEMENT_HOURS:g} h, docs/API.md)",
                "bot_id",
                [(key, value) for key, value in values if value is not None],
            )
        for name, doc, figure in VARIANT_GAUGES:
            yield _gauge(
                f"randomatch_engagement_variant_{name}",
                f"{doc} (per persona variant 'bot id/name', last {ENGAGEMENT_HOURS:g} h)",
                "variant",
                [(g.key, v) for g in s.engagement_variants if (v := figure(g)) is not None],
            )
        yield _gauge(
            "randomatch_bridge_heartbeat_age_seconds",
            "Seconds since each bridge's last heartbeat",
            "bridge",
            s.heartbeats.items(),
        )


def _gauge(
    name: str, doc: str, label: str | None, values: Iterable[tuple[str, float]]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label] if label else [])
    for value, number in sorted(values):
        family.add_metric([value] if label else [], number)
    return family


def _counter(
    name: str, doc: str, label: str | None, values: Iterable[tuple[str, float]]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, doc, labels=[label] if label else [])
    for value, number in sorted(values):
        family.add_metric([value] if label else [], number)
    return family


async def render(state: ApiState) -> bytes:
    """The text exposition of one scrape."""
    snap = await gather(state)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snap))
    registry.register(MergedCollector(METRICS.registry, snap.published))
    return generate_latest(registry)
