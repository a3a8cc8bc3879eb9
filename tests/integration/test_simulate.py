"""`randomatch-bot simulate`: scripted conversations against the engine on their own database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from randomatch_bot.config import Settings
from randomatch_bot.simulate import SimulationOptions, simulate, write_outputs
from randomatch_bot.simulate.report import METRICS
from tests.support.processes import cli

pytestmark = pytest.mark.integration

# Need replies of several parts or turns of at least ten words, which a small run may lack.
MAY_BE_EMPTY = {"part_gap", "reading_wpm"}


def test_small_simulation_reports_human_scale_timing(tmp_path: Path) -> None:
    """Five conversations of three turns give every figure within the persona's bounds."""
    settings = Settings(_env_file=None, LLM_API_KEY=None, ABSENCE_PROBABILITY=0.0)  # type: ignore[call-arg]
    report = simulate(settings, SimulationOptions(conversations=5, turns=3, seed=7))
    summaries = report.summaries()

    assert report.counts["conversations"] == 5
    assert report.counts["replies"] >= 5 * 3 * 0.8
    for spec in METRICS:
        assert spec.key in MAY_BE_EMPTY or summaries[spec.key].n > 0, spec.key
    typing = summaries["typing_speed"].median
    assert abs(typing - settings.typing_speed_cps) <= 0.3 * settings.typing_speed_cps
    # Every reply waited at least the shortest thinking delay after the last message.
    assert min(report.values["reply_delay_last"]) >= settings.min_thinking_delay
    thinking = report.values["thinking"]
    assert settings.min_thinking_delay <= min(thinking)
    assert max(thinking) <= settings.max_thinking_delay
    assert max(report.values["parts_per_reply"]) <= settings.max_parts

    paths = write_outputs(report, tmp_path / "out")
    assert paths["plot"].stat().st_size > 10_000
    assert paths["plot"].read_bytes().startswith(b"\x89PNG")
    data = json.loads(paths["json"].read_text("utf-8"))
    assert set(data["metrics"]) == {spec.key for spec in METRICS}
    assert "| metric |" in paths["markdown"].read_text("utf-8")


def test_simulate_command(tmp_path: Path) -> None:
    """`randomatch-bot simulate` prints the table and writes its three files."""
    out = tmp_path / "sim"
    done = cli(
        "simulate", "--conversations", "3", "--turns", "2", "--out", str(out),
        env={}, cwd=tmp_path, timeout=90,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Typing speed" in done.stdout
    assert {p.name for p in out.iterdir()} == {"report.md", "report.json", "timing.png"}
