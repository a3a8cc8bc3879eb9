"""The simulator's figures: per-reply timings read back from the database, summarised beside
the published human figures (docs/TIMING.md).

The database holds every time the engine wrote with its clock: when a plan started
(`reply_plans.created_at`), when the messages were read (`read_due_at`, `read_at`), when
thinking ended (`think_until`) and when each part was sent (`sent_parts.sent_at`). When a part's
"is typing…" started is not stored; it comes from the driver's trace (`typing_starts`).
Everything here is pure except `load_replies`, so the metrics are tested on hand-made replies.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from randomatch_bot.conversation.persona import timing
from randomatch_bot.db import simulation as sim_db
from randomatch_bot.db.types import Conn
from randomatch_bot.evaluation.style_report import Line, Transcript
from randomatch_bot.simulate.driver import Trace

__all__ = [
    "METRICS",
    "HumanMessage",
    "MetricSpec",
    "Reply",
    "Report",
    "SentPart",
    "Summary",
    "compute_metrics",
    "load_replies",
    "load_transcripts",
    "percentile",
    "render_table",
    "summarize",
    "typing_starts",
]

# A reading step longer than this also waited for the persona to be available (active hours,
# an absence): it says nothing about reading speed. Longest glance plus the reading cap.
_PURE_READING_MAX = timing.READING_CAP + timing.GLANCE_BOUNDS[1]
_MIN_WORDS_FOR_PACE = 10  # shorter turns are mostly the glance, not reading


@dataclass(frozen=True, slots=True)
class HumanMessage:
    """A message the reply answers."""

    created_at: dt.datetime
    read_at: dt.datetime | None
    text: str


@dataclass(frozen=True, slots=True)
class SentPart:
    """One part of the reply; `typing_started_at` from the trace (None if unknown)."""

    index: int
    text: str
    sent_at: dt.datetime
    typing_started_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A finished reply plan and what it answered."""

    match_id: uuid.UUID
    started_at: dt.datetime  # the plan was created: grouping over
    read_at: dt.datetime  # the reading step ran (read_due_at)
    think_until: dt.datetime | None
    triggers: tuple[HumanMessage, ...]
    parts: tuple[SentPart, ...]


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """What a metric measures and the human figure it is compared with."""

    key: str
    label: str
    unit: str
    human: str
    source: str
    references: tuple[tuple[float, str], ...] = ()  # vertical lines on the plot


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "reply_delay_last",
        "Reply delay from the turn's last message (first part sent)",
        "s",
        "heavy-tailed (log-normal); a message is seen after a median 6.15 min",
        "Stouffer 2006; Zhang & Yasseri 2016; Pielot 2014",
        ((369.0, "6.15 min: median time to see a message"),),
    ),
    MetricSpec(
        "reply_delay_first",
        "Reply delay from the turn's first message",
        "s",
        "same",
        "same",
    ),
    MetricSpec(
        "grouping_wait",
        "Waiting for the human to stop (last message → plan)",
        "s",
        "bots debounce 2-3 s; 3 s with a 30 s cap",
        "projects surveyed in docs/TIMING.md",
    ),
    MetricSpec(
        "seen_after",
        "Read receipt after (message → read_at)",
        "s",
        "median 6.15 min until a message is seen",
        "Pielot et al., CHI 2014",
    ),
    MetricSpec(
        "reading",
        "Reading step (plan → read_at)",
        "s",
        "238 WPM: 10 words ≈ 2.5 s, plus opening the chat",
        "Brysbaert 2019",
    ),
    MetricSpec(
        "reading_wpm",
        f"Reading pace, glance included (≥ {_MIN_WORDS_FOR_PACE} words)",
        "WPM",
        "238 WPM (most adults 175-300)",
        "Brysbaert 2019",
        ((238.0, "238 WPM: mean silent reading"),),
    ),
    MetricSpec(
        "thinking",
        "Thinking (read → typing starts)",
        "s",
        "no direct figure; right-skewed, heavy-tailed",
        "Stouffer 2006 (shape)",
    ),
    MetricSpec(
        "typing_speed",
        "Typing speed (part length / typing time)",
        "chars/s",
        "mean 3.0 (36.2 WPM); 75 % below 3.7 (44 WPM)",
        "Palin et al., MobileHCI 2019",
        ((3.0, "3.0: mobile mean"), (3.7, "3.7: 75 % of people type slower")),
    ),
    MetricSpec(
        "parts_per_reply",
        "Parts per reply",
        "parts",
        "no published frequency",
        "Baron 2010 (qualitative)",
    ),
    MetricSpec(
        "part_gap",
        "Gap between parts (sent → next sent)",
        "s",
        "fragments 2-5 s apart, typing included",
        "practitioners (chatwoot issue 14545)",
        ((2.0, "2 s"), (5.0, "5 s")),
    ),
    MetricSpec(
        "part_chars",
        "Part length",
        "chars",
        "SMS: median 104, mean 115",
        "Swiss SMS corpus",
        ((104.0, "104: SMS median"),),
    ),
    MetricSpec(
        "part_words",
        "Part length",
        "words",
        "chat: ≈ 80 % ≤ 5 words, mean ≈ 6",
        "Crystal, citing Werry",
        ((5.0, "5 words"), (6.0, "6: mean")),
    ),
)
SPECS = {spec.key: spec for spec in METRICS}


@dataclass(frozen=True, slots=True)
class Summary:
    """Median, 10th and 90th percentiles and mean of a sample (NaN when empty)."""

    n: int
    median: float
    p10: float
    p90: float
    mean: float


@dataclass(slots=True)
class Report:
    """Everything `simulate` writes: run parameters, counts, and each metric's values."""

    parameters: dict[str, Any]
    counts: dict[str, int]
    values: dict[str, list[float]]
    human_values: dict[str, list[float]] = field(default_factory=dict)
    wall_seconds: float = 0.0
    # Every conversation's messages, for the style figures (evaluation/style_report).
    transcripts: list[Transcript] = field(default_factory=list)

    def summaries(self) -> dict[str, Summary]:
        """The summary of every metric, in table order."""
        return {spec.key: summarize(self.values.get(spec.key, [])) for spec in METRICS}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view: parameters, counts, summaries with their human figure, values."""
        summaries = self.summaries()
        metrics = {
            spec.key: {
                "label": spec.label,
                "unit": spec.unit,
                **_json_summary(summaries[spec.key]),
                "human": spec.human,
                "source": spec.source,
                "values": [round(v, 4) for v in self.values.get(spec.key, [])],
            }
            for spec in METRICS
        }
        humans = {key: _json_summary(summarize(v)) for key, v in self.human_values.items()}
        return {
            "parameters": self.parameters,
            "counts": self.counts,
            "wall_seconds": round(self.wall_seconds, 2),
            "metrics": metrics,
            "scripted_humans": humans,
        }


def _json_summary(summary: Summary) -> dict[str, Any]:
    # NaN is not JSON: an empty metric is written as null.
    return {
        k: (None if isinstance(v, float) and math.isnan(v) else v)
        for k, v in asdict(summary).items()
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) with linear interpolation between ranks; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: Sequence[float]) -> Summary:
    """Median, p10, p90 and mean of `values`."""
    mean = sum(values) / len(values) if values else math.nan
    return Summary(
        len(values), percentile(values, 50), percentile(values, 10), percentile(values, 90), mean
    )


def typing_starts(trace: Trace) -> dict[dt.datetime, dt.datetime]:
    """For one conversation's trace: the time each part was sent → when its typing started.

    The engine notes "typing part i" when the indicator goes on and "sent part i" (or "reply
    done" for the last part) when the part is inserted; any other step in between (an
    interruption) means that typing never produced a part.
    """
    starts: dict[dt.datetime, dt.datetime] = {}
    typing_since: dt.datetime | None = None
    for at, result in trace:
        note = result.note
        if note.startswith("typing part "):
            typing_since = at
        elif note.startswith("sent part ") or note == "reply done":
            if typing_since is not None:
                starts[at] = typing_since
            typing_since = None
        elif note not in ("not due yet", "generated", "generation not needed"):
            typing_since = None
    return starts


def _seconds(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds()


def compute_metrics(replies: Iterable[Reply]) -> dict[str, list[float]]:
    """Every metric's values over the finished replies (one value per reply, message or part)."""
    values: dict[str, list[float]] = {spec.key: [] for spec in METRICS}
    for reply in replies:
        if not reply.parts or not reply.triggers:
            continue
        first_sent = reply.parts[0].sent_at
        sent_times = [m.created_at for m in reply.triggers]
        values["reply_delay_last"].append(_seconds(first_sent, max(sent_times)))
        values["reply_delay_first"].append(_seconds(first_sent, min(sent_times)))
        values["grouping_wait"].append(_seconds(reply.started_at, max(sent_times)))
        # A message is answered by exactly one finished plan, so each counts once here, even
        # when an interrupted plan had read it.
        for message in reply.triggers:
            if message.read_at is not None:
                values["seen_after"].append(_seconds(message.read_at, message.created_at))
        # Reading figures: only the messages this plan read itself.
        read_here = [m for m in reply.triggers if m.read_at == reply.read_at]
        if read_here:
            reading = _seconds(reply.read_at, reply.started_at)
            values["reading"].append(reading)
            words = sum(len(m.text.split()) for m in read_here)
            if words >= _MIN_WORDS_FOR_PACE and 0 < reading <= _PURE_READING_MAX:
                values["reading_wpm"].append(words / reading * 60.0)
        typing_from = reply.parts[0].typing_started_at or reply.think_until
        if typing_from is not None:
            values["thinking"].append(_seconds(typing_from, reply.read_at))
        values["parts_per_reply"].append(float(len(reply.parts)))
        for previous, part in zip(reply.parts, reply.parts[1:], strict=False):
            values["part_gap"].append(_seconds(part.sent_at, previous.sent_at))
        for part in reply.parts:
            text = part.text.strip()
            values["part_chars"].append(float(len(text)))
            values["part_words"].append(float(len(text.split())))
            if part.typing_started_at is not None:
                duration = _seconds(part.sent_at, part.typing_started_at)
                if duration > 0:
                    values["typing_speed"].append(len(text) / duration)
    return values


async def load_replies(
    conn: Conn, starts: Mapping[tuple[uuid.UUID, dt.datetime], dt.datetime]
) -> list[Reply]:
    """The finished replies of the (simulation's) database, with the typing starts of the trace
    keyed by (match id, time the part was sent)."""
    messages = {
        m.id: HumanMessage(m.created_at, m.read_at, m.content)
        for m in await sim_db.human_messages(conn)
    }
    parts: dict[uuid.UUID, list[SentPart]] = defaultdict(list)
    plans = await sim_db.done_plans(conn)
    match_of = {plan.id: plan.match_id for plan in plans}
    for part in await sim_db.sent_parts(conn):
        match_id = match_of.get(part.plan_id)
        start = starts.get((match_id, part.sent_at)) if match_id else None
        parts[part.plan_id].append(SentPart(part.part_index, part.content, part.sent_at, start))
    return [
        Reply(
            match_id=plan.match_id,
            started_at=plan.created_at,
            read_at=plan.read_due_at,
            think_until=plan.think_until,
            triggers=tuple(messages[m] for m in plan.trigger_message_ids if m in messages),
            parts=tuple(parts.get(plan.id, ())),
        )
        for plan in plans
    ]


async def load_transcripts(conn: Conn, persona_of: Mapping[str, str]) -> list[Transcript]:
    """Every conversation of the (simulation's) database as a transcript; `persona_of` gives
    the character of a bot by its name."""
    lines: dict[uuid.UUID, list[Line]] = defaultdict(list)
    bots: dict[uuid.UUID, str] = {}
    for line in await sim_db.transcript_lines(conn):
        speaker = "bot" if line.is_bot else "human"
        if line.is_bot:
            bots[line.match_id] = line.display_name
        lines[line.match_id].append(Line(speaker, line.content))
    return [
        Transcript(str(match_id), tuple(found), persona_of.get(bots.get(match_id, ""), ""))
        for match_id, found in lines.items()
    ]


def _number(value: float, unit: str) -> str:
    if math.isnan(value):
        return "-"
    if unit in ("chars", "words", "WPM") or abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}" if unit in ("parts", "chars/s") else f"{value:.1f}"


def render_table(report: Report) -> str:
    """The metrics as a markdown table, each beside its human figure and source."""
    lines = [
        "| metric | unit | n | median | p10 | p90 | mean | human figure | source |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for key, summary in report.summaries().items():
        spec = SPECS[key]
        cells = [_number(v, spec.unit) for v in (summary.median, summary.p10, summary.p90)]
        mean = _number(summary.mean, spec.unit)
        lines.append(
            f"| {spec.label} | {spec.unit} | {summary.n} | {' | '.join(cells)} | {mean} "
            f"| {spec.human} | {spec.source} |"
        )
    return "\n".join(lines)
