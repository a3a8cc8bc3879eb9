"""Pure retry policy for LLM calls: which statuses to retry, how long to wait.

Kept free of I/O so the policy is unit-testable with a seeded RNG and a fixed clock.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping

BACKOFF_BASE = 0.5  # seconds before the first retry, doubled per attempt
BACKOFF_CAP = 20.0  # seconds; exponential growth stops here
# seconds; a server asking for longer (quota exhausted for the hour) is better served by the
# engine rescheduling the step than by a worker slot sleeping on it
MAX_RETRY_AFTER = 10.0

# 408/409/425 are "try again" by definition; 429 is rate limiting. 402 (no credits) is
# deliberately absent: retrying blindly would only burn attempts until a human tops up.
_RETRYABLE_4XX = frozenset({408, 409, 425, 429})


def is_retryable_status(status: int) -> bool:
    """True for HTTP statuses where the same request may succeed later."""
    return status in _RETRYABLE_4XX or status >= 500


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait according to `retry-after-ms` / `Retry-After` (seconds or HTTP date).

    Returns None when the headers carry no usable hint; never a negative number.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000.0
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            return max(0.0, value)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        current = time.time() if now is None else now
        return max(0.0, when.timestamp() - current)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def backoff_delay(retry: int, rng: random.Random) -> float:
    """Delay before retry number `retry` (0-based): exponential, capped, with jitter.

    "Equal jitter" keeps at least half of the exponential step, so many workers hitting the
    same outage spread out without collapsing back to an immediate retry storm.
    """
    step = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(0, retry))
    return step / 2.0 + rng.uniform(0.0, step / 2.0)


# An outage outlasting the call's own retries is waited out by rescheduling the step: the wait
# grows from OUTAGE_BASE, doubling per failure, up to OUTAGE_CAP (seconds), with equal jitter.
OUTAGE_BASE = 5.0
OUTAGE_CAP = 300.0


def outage_delay(
    failures: int,
    retry_after: float | None,
    rng: random.Random,
    *,
    cap: float = OUTAGE_CAP,
) -> float:
    """Seconds before the next try of a model that failed `failures` times in a row (1-based).

    The endpoint's `Retry-After` is honoured as a minimum (it knows when its quota resets);
    without one, exponential backoff with equal jitter, capped at `cap`.
    """
    step = min(cap, OUTAGE_BASE * 2.0 ** max(0, failures - 1))
    jittered = step / 2.0 + rng.uniform(0.0, step / 2.0)
    return max(jittered, retry_after or 0.0)
