"""Prometheus metrics of this process. The API also derives figures from PostgreSQL and Redis,
so that what separate worker and bridge processes did is visible from one endpoint."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


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
        self.enqueue_latency = Histogram(
            "randomatch_bridge_enqueue_seconds",
            "From message INSERT to work scheduled",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )


METRICS = Metrics()
