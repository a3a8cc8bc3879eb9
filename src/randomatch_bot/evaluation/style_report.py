# ruff: noqa: E501 - the metric table reads best with one metric per line
"""How human a set of chat transcripts reads, in figures: a deterministic style report.

Measured over the messages of the speakers asked for (the persona's in a simulated
conversation, everyone's in the human corpus): part length in words and characters, the
share of short messages, assistant phrasing, markdown or list formatting, repeated openers,
sign-offs and messages, emoji and emoji floods, questions, lowercase starts and chat slang.
A "reply" is a run of consecutive messages of one speaker. Pure functions: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from randomatch_bot.conversation.words import style
from randomatch_bot.conversation.words.assistant_phrases import assistant_tells
from randomatch_bot.llm.phrases import normalize

__all__ = [
    "STYLE_METRICS",
    "Line",
    "StyleMetric",
    "Transcript",
    "metric",
    "render_style_table",
    "replies_of",
    "style_figures",
    "word_counts",
]

SHORT_WORDS = 5  # "≈ 80 % of chat utterances are 5 words or fewer" (Crystal, citing Werry)
REPEAT_WINDOW = 6  # replies looked back at for a repeated opener or sign-off

_FORMATTING = re.compile(
    r"\*\*|__|`|^\s{0,3}#{1,6}\s|^\s*(?:[-*+•]|\d{1,2}[.)])\s|\[[^\]]+\]\([^)]+\)", re.MULTILINE
)
_SLANG = re.compile(r"\b(?:mdr|ptdr|jsp|jpp|lol|tkt|bcp|stp|dsl|oklm|jsuis|chui|ouf)\b")
_EMOJI_RUN = re.compile(
    r"(?:[\U0001F000-\U0001FAFF\u2600-\u27BF][\ufe0f\u200d\U0001F3FB-\U0001F3FF]*\s*){2,}"
)


@dataclass(frozen=True, slots=True)
class Line:
    """One chat message: who sent it and what it says."""

    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    """One conversation; `persona` is the character the bot plays, when there is one."""

    id: str
    lines: tuple[Line, ...]
    persona: str = ""
    source: str = "bot"  # "bot": a simulated conversation; "human": from the human corpus
    bot_speaker: str | None = "bot"  # the speaker that is a bot, None when both are people


@dataclass(frozen=True, slots=True)
class StyleMetric:
    """One figure of the report, how it reads, and the published human figure if any."""

    key: str
    label: str
    unit: str
    published: str = ""  # a published human figure, with its source
    lower_is_better: bool | None = None  # None: closeness to the human corpus is what counts


STYLE_METRICS: tuple[StyleMetric, ...] = (
    StyleMetric("parts", "Messages measured", "n"),
    StyleMetric("part_words_median", "Message length, median", "words", "mean ≈ 6 (Werry, in Crystal)"),
    StyleMetric("part_words_p90", "Message length, 90th percentile", "words"),
    StyleMetric("part_words_mean", "Message length, mean", "words", "≈ 6 (Werry, in Crystal)"),
    StyleMetric("short_share", f"Messages of ≤ {SHORT_WORDS} words", "%", "≈ 80 % (Werry, in Crystal)"),
    StyleMetric("part_chars_median", "Message length, median", "chars", "SMS: 104 (Swiss SMS corpus)"),
    StyleMetric("parts_per_reply", "Messages per reply (run of one speaker)", "n"),
    StyleMetric("assistant_share", "Replies with assistant phrasing", "%", "", True),
    StyleMetric("formatting_share", "Messages with markdown or list marks", "%", "", True),
    StyleMetric("repeated_opener_share", f"Replies reusing an opener of the last {REPEAT_WINDOW}", "%", "", True),
    StyleMetric("repeated_closer_share", f"Replies reusing a sign-off of the last {REPEAT_WINDOW}", "%", "", True),
    StyleMetric("duplicate_share", "Messages already sent in the conversation", "%", "", True),
    StyleMetric("emoji_per_message", "Emoji per message", "n"),
    StyleMetric("emoji_share", "Messages with an emoji", "%"),
    StyleMetric("emoji_flood_share", "Messages with 2+ emoji in a row", "%", "", True),
    StyleMetric("question_share", "Replies asking a question", "%"),
    StyleMetric("lowercase_share", "Messages starting in lower case", "%"),
    StyleMetric("slang_share", "Messages with chat slang (mdr, jsp, …)", "%"),
)  # fmt: skip
_SPECS = {m.key: m for m in STYLE_METRICS}


def replies_of(transcript: Transcript, speakers: str = "bot") -> list[list[str]]:
    """The replies (runs of consecutive messages of one speaker) of the measured speakers:
    the bot's (`"bot"`) or everyone's (`"all"`)."""

    def measured(speaker: str) -> bool:
        return speakers != "bot" or speaker == transcript.bot_speaker

    replies: list[list[str]] = []
    previous: str | None = None
    for line in transcript.lines:
        if not line.text.strip():
            continue
        if line.speaker == previous and replies and measured(line.speaker):
            replies[-1].append(line.text)
        elif measured(line.speaker):
            replies.append([line.text])
        previous = line.speaker
    return replies


def word_counts(transcripts: Iterable[Transcript], speakers: str = "bot") -> list[int]:
    """Words per message of the measured speakers (see `style_figures`)."""
    return [len(part.split()) for t in transcripts for r in replies_of(t, speakers) for part in r]


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _share(hits: int, total: int) -> float:
    return 100.0 * hits / total if total else math.nan


@dataclass(slots=True)
class _Counts:
    words: list[float] = field(default_factory=list)
    chars: list[float] = field(default_factory=list)
    parts_per_reply: list[float] = field(default_factory=list)
    replies: int = 0
    assistant: int = 0
    formatting: int = 0
    repeated_opener: int = 0
    repeated_closer: int = 0
    duplicates: int = 0
    emoji: int = 0
    with_emoji: int = 0
    floods: int = 0
    questions: int = 0
    lowercase: int = 0
    slang: int = 0


def _closer(reply: list[str]) -> str | None:
    last = normalize(reply[-1])
    last = re.split(r"(?<=[.!?…])\s+", last)[-1]
    last = re.sub(r"[^\w' ?!]", "", last).strip()
    return last if last and len(last.split()) <= 4 else None


def _count_transcript(counts: _Counts, replies: list[list[str]]) -> None:
    openers: list[str | None] = []
    closers: list[str | None] = []
    seen: set[str] = set()
    for reply in replies:
        counts.replies += 1
        counts.parts_per_reply.append(float(len(reply)))
        joined = "\n".join(reply)
        counts.assistant += bool(assistant_tells(joined))
        counts.questions += "?" in joined
        opener, closer = style.opener_of(reply[0]), _closer(reply)
        counts.repeated_opener += opener is not None and opener in openers[-REPEAT_WINDOW:]
        counts.repeated_closer += closer is not None and closer in closers[-REPEAT_WINDOW:]
        openers.append(opener)
        closers.append(closer)
        for part in reply:
            text = part.strip()
            counts.words.append(float(len(text.split())))
            counts.chars.append(float(len(text)))
            counts.formatting += bool(_FORMATTING.search(text))
            key = normalize(text)
            counts.duplicates += key in seen and len(key.split()) > 2
            seen.add(key)
            emoji = style.count_emoji(text)
            counts.emoji += emoji
            counts.with_emoji += emoji > 0
            counts.floods += bool(_EMOJI_RUN.search(text))
            counts.lowercase += text[:1].islower()
            counts.slang += bool(_SLANG.search(normalize(text)))


def style_figures(transcripts: Iterable[Transcript], speakers: str = "bot") -> dict[str, float]:
    """Every metric of `STYLE_METRICS` over the transcripts' messages.

    `speakers="bot"`: only the bot's messages (a transcript's `bot_speaker`); `"all"`: every
    message, as for the human corpus. Shares are percentages; NaN when nothing was measured.
    """
    counts = _Counts()
    for transcript in transcripts:
        _count_transcript(counts, replies_of(transcript, speakers))
    parts = len(counts.words)
    return {
        "parts": float(parts),
        "part_words_median": _percentile(counts.words, 50),
        "part_words_p90": _percentile(counts.words, 90),
        "part_words_mean": sum(counts.words) / parts if parts else math.nan,
        "short_share": _share(sum(w <= SHORT_WORDS for w in counts.words), parts),
        "part_chars_median": _percentile(counts.chars, 50),
        "parts_per_reply": (
            sum(counts.parts_per_reply) / counts.replies if counts.replies else math.nan
        ),
        "assistant_share": _share(counts.assistant, counts.replies),
        "formatting_share": _share(counts.formatting, parts),
        "repeated_opener_share": _share(counts.repeated_opener, counts.replies),
        "repeated_closer_share": _share(counts.repeated_closer, counts.replies),
        "duplicate_share": _share(counts.duplicates, parts),
        "emoji_per_message": counts.emoji / parts if parts else math.nan,
        "emoji_share": _share(counts.with_emoji, parts),
        "emoji_flood_share": _share(counts.floods, parts),
        "question_share": _share(counts.questions, counts.replies),
        "lowercase_share": _share(counts.lowercase, parts),
        "slang_share": _share(counts.slang, parts),
    }


def _cell(value: float, unit: str) -> str:
    if math.isnan(value):
        return "-"
    if unit in ("%", "chars") or (unit == "words" and value >= 10):
        return f"{value:.0f}"
    return f"{value:.2f}" if unit == "n" and value < 10 else f"{value:.1f}"


def render_style_table(
    columns: Sequence[tuple[str, dict[str, float]]], *, with_published: bool = True
) -> str:
    """A markdown table: one row per metric, one column per (title, figures), then the
    published human figure."""
    head = ["metric", "unit", *(title for title, _ in columns)]
    if with_published:
        head.append("published human figure")
    lines = ["| " + " | ".join(head) + " |", "| --- | --- |" + " ---: |" * len(columns)]
    if with_published:
        lines[-1] += " --- |"
    for spec in STYLE_METRICS:
        cells = [_cell(figures.get(spec.key, math.nan), spec.unit) for _, figures in columns]
        row = [spec.label, spec.unit, *cells]
        if with_published:
            row.append(spec.published or "-")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def metric(key: str) -> StyleMetric:
    """The metric named `key`."""
    return _SPECS[key]
