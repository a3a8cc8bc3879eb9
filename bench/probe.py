"""`randomatch-bot` with a lateness probe, for the stack benchmarks.

    BENCH_LATENESS_FILE=/tmp/x python -m bench.probe worker

runs the worker exactly as the console script does, and writes the lateness of every step it
started (docket's "punctuality": seconds from the step's due time to its start) to the file,
one number a line, when the process exits. docket reports it on each task's start log record;
the probe reads that record's field and never formats or prints it.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from pathlib import Path

from randomatch_bot.cli import main


class LatenessProbe(logging.Handler):
    """Collects the `punctuality` field of docket's task-start records."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.values: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        value = getattr(record, "punctuality", None)
        if isinstance(value, float):
            self.values.append(value)

    def dump(self, path: Path) -> None:
        path.write_text("".join(f"{v:.6f}\n" for v in self.values), "utf-8")


def run() -> None:
    target = os.environ.get("BENCH_LATENESS_FILE")
    if target:
        probe = LatenessProbe()
        docket_log = logging.getLogger("docket.worker")
        # Its own level and no propagation: the service's log configuration keeps docket at
        # WARNING for the operator, and the records stop here instead of being printed.
        docket_log.setLevel(logging.INFO)
        docket_log.propagate = False
        docket_log.addHandler(probe)
        atexit.register(probe.dump, Path(target))
    sys.argv = ["randomatch-bot", *sys.argv[1:]]
    main()


if __name__ == "__main__":
    run()
