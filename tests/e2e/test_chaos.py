"""The bounded chaos run of CI: kills, a Redis restart (empty), a PostgreSQL restart and model
fault bursts while humans write; then every invariant of `tests/chaos.py` must hold."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.chaos import run_chaos

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.timeout(300)
async def test_bounded_chaos_keeps_every_invariant() -> None:
    """45 s of chaos over 12 conversations: each message answered once, no indicator on, no
    process dead, nothing stuck."""
    # Not under pytest's temporary root (mode 0700): PostgreSQL may run as another user.
    workdir = Path(tempfile.mkdtemp(prefix="randomatch-chaos-"))
    workdir.chmod(0o755)  # noqa: ASYNC240 - once, before anything runs
    try:
        report = await run_chaos(
            duration=45, conversations=12, seed=20261126, workdir=workdir, settle=120
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert report.violations == [], report.summary()
    assert report.kills >= 5
    assert report.redis_restarts == 1
    assert report.postgres_restarts == 1
    assert report.model_faults > 0
    assert report.messages >= 12
