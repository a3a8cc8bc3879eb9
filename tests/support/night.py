"""Night mode of the test suite: the active hours are judged as if it were 03:00 in Paris.

`RANDOMATCH_TEST_NIGHT=1 pytest ...` (what `make test-night` runs) sets HOURS_CLOCK_OFFSET for
the whole run, in this process and in the services the tests start, so that a test which only
passes while the persona is awake fails whatever the hour it runs at.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

NIGHT_ENV = "RANDOMATCH_TEST_NIGHT"
NIGHT_ZONE = "Europe/Paris"  # the default BOT_TIMEZONE and the demo persona's zone
# Well inside the night of the default hours (08:00-23:30), and a time every day shows (the
# spring-forward gap in Paris is 02:00-03:00).
NIGHT_TIME = dt.time(3, 0)


def night_offset(now: dt.datetime, zone: str = NIGHT_ZONE, at: dt.time = NIGHT_TIME) -> float:
    """Seconds to add to `now` so that the clock in `zone` shows `at` (the next such instant)."""
    local = now.astimezone(ZoneInfo(zone))
    target = dt.datetime.combine(local.date(), at, tzinfo=ZoneInfo(zone))
    if target <= local:
        target += dt.timedelta(days=1)
    return (target.astimezone(dt.UTC) - now).total_seconds()
