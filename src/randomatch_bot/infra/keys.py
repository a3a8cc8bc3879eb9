"""The one owner of the Redis keys the service writes and reads itself.

A deployment is one queue name (`DOCKET_NAME`): every key of the service lives under that name
followed by a colon, the way docket keeps its own keys, so that two deployments sharing a Redis
(staging and production, two test runs) never read or add up each other's state. Docket's own
keys (its stream, its queue, the data of each scheduled step) stay docket's business; the keys
here take suffixes that no step key starts with (those start with `advance:`, `generate:` and
`remember:`), so the two never meet.

Any new key is added here, and to `Keys.all_patterns`, which a unit test checks.
"""

from __future__ import annotations

import re

# Characters that SCAN's MATCH pattern treats as glob syntax.
_GLOB = re.compile(r"([\\*?\[\]])")


class Keys:
    """Every Redis key of one deployment (the queue name, as docket's `prefix`)."""

    __slots__ = ("prefix",)

    def __init__(self, deployment: str) -> None:
        if not deployment:
            raise ValueError("a deployment needs a name")
        self.prefix = deployment

    def __repr__(self) -> str:
        return f"Keys({self.prefix!r})"

    def key(self, suffix: str) -> str:
        """`suffix` inside this deployment's namespace."""
        return f"{self.prefix}:{suffix}"

    @property
    def bridge_heartbeat(self) -> str:
        """Hash of bridge name -> unix time of its last beat."""
        return self.key("bridge-heartbeat")

    def metrics(self, process: str) -> str:
        """Hash of one process's published counters (sample key -> value)."""
        return self.key(f"metrics:{process}")

    @property
    def metrics_pattern(self) -> str:
        """SCAN pattern matching every process's `metrics` hash of this deployment only."""
        return _GLOB.sub(r"\\\1", self.key("metrics:")) + "*"

    def llm_breaker(self, model: str) -> str:
        """Hash of a model's circuit breaker (failures, open_until)."""
        return self.key(f"llm-breaker:{model}")

    def llm_probe(self, model: str) -> str:
        """Lock held by the one caller probing a half-open model."""
        return self.key(f"llm-breaker:{model}:probe")

    def all_patterns(self) -> dict[str, str]:
        """Each kind of key with a sample, for tests and for operators reading Redis."""
        return {
            "bridge_heartbeat": self.bridge_heartbeat,
            "metrics": self.metrics("host#1"),
            "metrics_pattern": self.metrics_pattern,
            "llm_breaker": self.llm_breaker("vendor/model"),
            "llm_probe": self.llm_probe("vendor/model"),
        }
