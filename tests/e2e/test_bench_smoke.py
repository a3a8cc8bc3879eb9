"""The benchmarks run (`make bench-smoke`): every figure is printed beside its floor. How fast
the service is, is for the benchmarks to print, never for a test to assert."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]


def run_module(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own benchmark modules with fixed arguments
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_stack_figures_smoke_prints_every_figure_with_its_floor() -> None:
    """The stack benchmarks in smoke mode answer every conversation and print each figure."""
    out = run_module("bench.figures", "--smoke")
    for label in (
        "all answered after",
        "replies per second",
        "CPU per reply, worker",
        "CPU per reply, postgres",
        "lateness, due -> started",
        "worker + Redis per conversation",
        "INSERT -> step scheduled",
    ):
        lines = [line for line in out.splitlines() if label in line]
        assert lines, f"{label!r} missing from:\n{out}"
        assert "floor" in lines[0]
    assert "20/20 answered" in out
    assert "40/40 answered" in out


def test_pipeline_bench_smoke_runs_to_the_end() -> None:
    """The in-process pipeline benchmark runs through its three figures."""
    out = run_module(
        "bench.pipeline", "--latency-samples", "5", "--replies", "5", "--waiting", "10"
    )
    assert "detection latency" in out
    assert "replies with zero delays" in out
    assert "conversations waiting in scheduled steps" in out


def test_engagement_bench_smoke_prints_every_query() -> None:
    """The engagement benchmark runs on a small database, keeps its turns as the worker does
    (then once more a minute later) and times every query."""
    out = run_module(
        "bench.engagement_scale", "--matches", "500", "--messages", "20000", "--runs", "1"
    )
    for name in ("engagement_turns", "engagement_followups", "engagement_closures"):
        assert name in out
    assert "one /engagement answer" in out
    assert "by variant" in out
    kept = re.search(r"kept the turns of 35 days: ([\d,]+) turns", out)
    assert kept is not None, out
    assert int(kept.group(1).replace(",", "")) > 0
    assert "one incremental keeping (60 s later)" in out


def test_variant_step_bench_smoke_prints_each_read() -> None:
    """The variants' step-read benchmark runs on a few conversations and gives each of them
    its variant at first sight."""
    out = run_module("bench.variant_step", "--conversations", "12", "--runs", "1")
    assert "step_read, persona without variants" in out
    assert "step_read, variant recorded" in out
    assert "variants given at first sight: 12 of 12" in out
