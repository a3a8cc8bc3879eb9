"""The simulator's metrics, computed on hand-made replies and traces."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from pathlib import Path

import pytest

from randomatch_bot.conversation.plan.engine import StepResult
from randomatch_bot.simulate.report import (
    METRICS,
    HumanMessage,
    Reply,
    Report,
    SentPart,
    compute_metrics,
    percentile,
    render_table,
    summarize,
    typing_starts,
)

T0 = dt.datetime(2026, 6, 13, 10, 0, tzinfo=dt.UTC)
MATCH = uuid.UUID(int=1)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def two_part_reply() -> Reply:
    """Two human messages at 0 s and 3 s, read at 10 s, two parts sent at 26 s and 31 s."""
    question = "Tu randonnes où le week-end, plutôt dans le Vercors ou en Chartreuse ?"
    return Reply(
        match_id=MATCH,
        started_at=at(7),
        read_at=at(10),
        think_until=at(16),
        triggers=(HumanMessage(at(0), at(10), "Salut !"), HumanMessage(at(3), at(10), question)),
        parts=(
            SentPart(0, "x" * 35, at(26), typing_started_at=at(16)),
            SentPart(1, "Top !", at(31), typing_started_at=at(29)),
        ),
    )


def test_percentile_interpolates_between_ranks() -> None:
    """Percentiles interpolate linearly between ranks, as numpy's default does."""
    values = [4.0, 1.0, 3.0, 2.0, 5.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 10) == pytest.approx(1.4)
    assert percentile(values, 90) == pytest.approx(4.6)
    assert math.isnan(percentile([], 50))


def test_summarize_gives_median_tails_and_mean() -> None:
    """A summary holds the count, median, p10, p90 and mean."""
    summary = summarize([1.0, 2.0, 3.0, 4.0, 100.0])
    assert (summary.n, summary.median, summary.mean) == (5, 3.0, 22.0)
    assert summary.p10 < summary.median < summary.p90


def test_typing_starts_pairs_typing_with_the_sent_part() -> None:
    """Each sent part is paired with the "typing part i" step before it."""
    trace = [
        (at(10), StepResult("read")),
        (at(10), StepResult("generated")),
        (at(16), StepResult("typing part 0")),
        (at(26), StepResult("sent part 0")),
        (at(28), StepResult("typing part 1")),
        (at(31), StepResult("reply done")),
    ]
    assert typing_starts(trace) == {at(26): at(16), at(31): at(28)}


def test_typing_interrupted_by_a_new_message_is_not_paired() -> None:
    """Typing cut short by an interruption produces no part, so it pairs with nothing."""
    trace = [
        (at(16), StepResult("typing part 0")),
        (at(20), StepResult("grouping")),
        (at(40), StepResult("plan started")),
        (at(45), StepResult("read")),
        (at(50), StepResult("typing part 0")),
        (at(60), StepResult("reply done")),
    ]
    assert typing_starts(trace) == {at(60): at(50)}


def test_compute_metrics_on_a_two_part_reply() -> None:
    """Delays are measured from the turn's last and first messages; typing speed per part."""
    values = compute_metrics([two_part_reply()])
    assert values["reply_delay_last"] == [23.0]
    assert values["reply_delay_first"] == [26.0]
    assert values["grouping_wait"] == [4.0]
    assert values["seen_after"] == [10.0, 7.0]
    assert values["reading"] == [3.0]
    words = 2 + 13  # "Salut !" and the question, split on spaces as the engine counts them
    assert values["reading_wpm"] == [pytest.approx(words / 3.0 * 60)]
    assert values["thinking"] == [6.0]
    assert values["typing_speed"] == [pytest.approx(3.5), pytest.approx(5 / 2)]
    assert values["parts_per_reply"] == [2.0]
    assert values["part_gap"] == [5.0]
    assert values["part_chars"] == [35.0, 5.0]
    assert values["part_words"] == [1.0, 2.0]


def test_messages_read_by_an_interrupted_plan_are_not_read_again() -> None:
    """The reading step counts only what this plan read; read receipts count every message."""
    reply = two_part_reply()
    earlier = HumanMessage(at(-30), at(-20), "Bonjour, je m'appelle Julie et je vis à Annecy")
    values = compute_metrics([Reply(**{**_fields(reply), "triggers": (earlier, *reply.triggers)})])
    assert values["seen_after"] == [10.0, 10.0, 7.0]
    assert values["reading_wpm"] == [pytest.approx(15 / 3.0 * 60)]
    assert values["reply_delay_first"] == [56.0]


def test_reading_pace_skips_replies_that_waited_for_availability() -> None:
    """A reading step that includes an absence says nothing about reading speed."""
    reply = two_part_reply()
    late = {**_fields(reply), "read_at": at(7 + 3600)}
    late["triggers"] = tuple(
        HumanMessage(m.created_at, at(7 + 3600), m.text) for m in reply.triggers
    )
    values = compute_metrics([Reply(**late)])
    assert values["reading"] == [3600.0]
    assert values["reading_wpm"] == []


def test_thinking_falls_back_to_think_until_without_a_trace() -> None:
    """Without the trace's typing start, thinking ends at the plan's think_until."""
    reply = two_part_reply()
    parts = tuple(SentPart(p.index, p.text, p.sent_at) for p in reply.parts)
    values = compute_metrics([Reply(**{**_fields(reply), "parts": parts})])
    assert values["thinking"] == [6.0]
    assert values["typing_speed"] == []


def test_report_json_and_table_hold_every_metric() -> None:
    """The JSON view is valid JSON (an empty metric is null) and the table has every row."""
    values = compute_metrics([two_part_reply()])
    values["part_gap"] = []
    report = Report({"conversations": 1, "turns": 1}, {"replies": 1}, values)
    data = json.loads(json.dumps(report.as_dict(), allow_nan=False))
    assert set(data["metrics"]) == {spec.key for spec in METRICS}
    assert data["metrics"]["part_gap"]["median"] is None
    assert data["metrics"]["thinking"]["median"] == 6.0
    table = render_table(report)
    for spec in METRICS:
        assert spec.label in table
    assert len(table.splitlines()) == len(METRICS) + 2


def test_plot_writes_a_png(tmp_path: Path) -> None:
    """The plot is a PNG file, drawn without a display and without warnings."""
    from randomatch_bot.simulate.plot import plot_report

    values = compute_metrics([two_part_reply()] * 5)
    report = Report({"conversations": 1, "turns": 5, "llm": "offline"}, {"replies": 5}, values)
    path = plot_report(report, tmp_path / "plot.png")
    assert path.read_bytes().startswith(b"\x89PNG")


def _fields(reply: Reply) -> dict[str, object]:
    return {name: getattr(reply, name) for name in Reply.__slots__}
