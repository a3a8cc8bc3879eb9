"""The human timing model: how long a person waits, reads, thinks, types and pauses.

Pure functions: each takes a `random.Random` and a `TimingProfile`, returns seconds already
multiplied by `profile.time_scale` (TIME_SCALE), and never sleeps. Every draw consumes the same
random numbers whatever the scale, so a run at TIME_SCALE=0.01 has the same shape, 100 times
shorter. Delays are log-normal (human response times are heavy-tailed, not Poisson) and
truncated to their bounds by inverse-CDF sampling, so no probability piles up on a bound.
Figures and their sources: docs/TIMING.md.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from statistics import NormalDist
from typing import Any

__all__ = [
    "TimingProfile",
    "grouping_due",
    "pause_between_parts",
    "reading_delay",
    "thinking_delay",
    "typing_duration",
]

# --- defaults of the profile (seconds unless stated) ---
DEFAULT_TYPING_SPEED_CPS = (
    3.5  # chars/s; first bot's default. Palin 2019: mobile mean 36.2 WPM ≈ 3.0
)
DEFAULT_MIN_THINKING = 3.0  # s; the first bot's MIN_THINKING_DELAY
DEFAULT_MAX_THINKING = 15.0  # s; the first bot's MAX_THINKING_DELAY
DEFAULT_GROUPING_WINDOW = 4.0  # s; practitioners' debounce windows are 2-3 s, 1 s is too short
DEFAULT_GROUPING_CAP = 30.0  # s; a 3 s debounce "with a 30 s cap" (docs/TIMING.md, projects)
DEFAULT_READING_WPM = 238.0  # words/min; Brysbaert 2019, silent reading of non-fiction
DEFAULT_TYPING_CAP = 40.0  # s; longest single "is typing…" (about 140 chars at 3.5 chars/s)

# --- grouping: how long the human must have been quiet ---
GROUPING_SIGMA = 0.3  # log-normal spread of the window; design choice, keeps ±35 % at 1 sigma
GROUPING_FACTOR_BOUNDS = (0.6, 2.0)  # x window; never rushes in below 60 %

# --- reading ---
READING_SIGMA = 0.2  # most adults read 175-300 WPM around 238 (Brysbaert 2019): ≈ ±1.2 sigma
READING_FACTOR_BOUNDS = (0.6, 1.7)  # x words/wpm; slightly wider than 175-300 WPM
GLANCE_MEDIAN = 1.2  # s; opening the chat and finding the new lines; design choice, no figure
GLANCE_SIGMA = 0.4
GLANCE_BOUNDS = (0.5, 4.0)  # s
READING_CAP = 20.0  # s; about 70 words: beyond that a person skims

# --- thinking (composing the answer in one's head) ---
# The median sits at this fraction of [min, max]: low in a lively exchange, higher after a
# silence or at first contact. Dating-app waiting times are fat-tailed (Zhang & Yasseri 2016).
THINKING_LIVELY_POSITION = 0.12  # median ≈ 4.4 s with the 3-15 s defaults
THINKING_SILENT_POSITION = 0.35  # median ≈ 7.2 s with the 3-15 s defaults
LIVELY_GAP = 120.0  # s; last bot message this recent = a lively back-and-forth
SILENT_GAP = 3600.0  # s; from here on, as after a long silence
THINKING_SIGMA = 0.45  # log-normal spread of the main component
# Reply times fit a mixture of two log-normals (Stouffer et al. 2006): now and then the person
# is distracted and takes noticeably longer, which gives the tail its weight.
DISTRACTED_PROBABILITY = 0.15
DISTRACTED_FACTOR = 2.0  # x the main median
DISTRACTED_SIGMA = 0.6

# --- typing ---
TYPING_SIGMA = 0.2  # per-message variation of speed, ≈ ±20 % (log-normal)
TYPING_FACTOR_BOUNDS = (0.6, 1.7)
TYPING_MIN = 1.0  # s; even "ok" shows the indicator long enough to be seen

# --- pauses between the parts of a burst ---
# Practitioners report fragments 2-5 s apart (Baron 2010; chatwoot issue 14545); that gap
# includes typing the next fragment, so the bare pause is shorter.
PAUSE_MEDIAN = 1.8  # s
PAUSE_SIGMA = 0.4
PAUSE_BOUNDS = (0.7, 4.5)  # s

_STANDARD_NORMAL = NormalDist()
_UNIT_EPSILON = 1e-12  # keeps inv_cdf away from exactly 0 and 1


@dataclass(frozen=True, slots=True)
class TimingProfile:
    """The knobs of the timing model; seconds unless stated. `time_scale` scales every delay."""

    typing_speed_cps: float = DEFAULT_TYPING_SPEED_CPS
    min_thinking: float = DEFAULT_MIN_THINKING
    max_thinking: float = DEFAULT_MAX_THINKING
    grouping_window: float = DEFAULT_GROUPING_WINDOW
    grouping_cap: float = DEFAULT_GROUPING_CAP
    reading_wpm: float = DEFAULT_READING_WPM
    typing_cap: float = DEFAULT_TYPING_CAP  # longest single "is typing…" in seconds (before scale)
    time_scale: float = 1.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"TimingProfile.{field.name} must be finite and >= 0: {value}")
        if self.typing_speed_cps <= 0 or self.reading_wpm <= 0:
            raise ValueError("typing_speed_cps and reading_wpm must be > 0")
        if self.max_thinking < self.min_thinking:
            raise ValueError(
                f"max_thinking ({self.max_thinking}) must be >= min_thinking ({self.min_thinking})"
            )

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> TimingProfile:
        """Build a profile from `Settings` (or any object with the same attribute names)."""
        names = {
            "typing_speed_cps": "typing_speed_cps",
            "min_thinking": "min_thinking_delay",
            "max_thinking": "max_thinking_delay",
            "grouping_window": "grouping_window",
            "grouping_cap": "grouping_cap",
            "time_scale": "time_scale",
        }
        values: dict[str, Any] = {
            field: float(getattr(settings, attribute))
            for field, attribute in names.items()
            if getattr(settings, attribute, None) is not None
        }
        values.update(overrides)
        return cls(**values)


def truncated_lognormal(
    rng: random.Random, median: float, sigma: float, low: float, high: float
) -> float:
    """One log-normal draw conditioned on [low, high], using exactly one `rng.random()`.

    Inverse-CDF sampling keeps the shape inside the bounds (no spike at a bound, unlike
    clamping) and consumes a fixed amount of randomness, unlike rejection sampling.
    """
    u = rng.random()
    if high <= low or median <= 0 or sigma <= 0:
        return min(max(median, low), high) if high >= low else low
    mu = math.log(median)
    cdf_low = _STANDARD_NORMAL.cdf((math.log(low) - mu) / sigma) if low > 0 else 0.0
    cdf_high = _STANDARD_NORMAL.cdf((math.log(high) - mu) / sigma)
    p = cdf_low + (cdf_high - cdf_low) * u
    p = min(max(p, _UNIT_EPSILON), 1.0 - _UNIT_EPSILON)
    value = math.exp(mu + sigma * _STANDARD_NORMAL.inv_cdf(p))
    return min(max(value, low), high)


def grouping_due(
    first_unanswered_at: datetime,
    last_human_at: datetime,
    profile: TimingProfile,
    rng: random.Random,
) -> datetime:
    """When to start answering: the human quiet for a jittered window, within the cap.

    The result is `last_human_at` plus the jittered window, but never later than
    `first_unanswered_at` plus the cap (both scaled), so a human who keeps typing is not kept
    waiting forever. A result in the past means "due now".
    """
    factor = truncated_lognormal(rng, 1.0, GROUPING_SIGMA, *GROUPING_FACTOR_BOUNDS)
    quiet = profile.grouping_window * factor * profile.time_scale
    capped = first_unanswered_at + timedelta(seconds=profile.grouping_cap * profile.time_scale)
    return min(last_human_at + timedelta(seconds=quiet), capped)


def reading_delay(text: str, profile: TimingProfile, rng: random.Random) -> float:
    """Seconds to read `text` (the unanswered messages): a glance plus words / reading speed.

    Grows with the number of words, with per-reading variation, and is capped at
    `READING_CAP` seconds (before scale), since nobody studies a long message before answering.
    """
    words = len(text.split())
    factor = truncated_lognormal(rng, 1.0, READING_SIGMA, *READING_FACTOR_BOUNDS)
    glance = truncated_lognormal(rng, GLANCE_MEDIAN, GLANCE_SIGMA, *GLANCE_BOUNDS)
    seconds = glance + words * 60.0 / profile.reading_wpm * factor
    return min(seconds, READING_CAP) * profile.time_scale


def _thinking_position(seconds_since_last_bot_message: float | None) -> float:
    """Where the median sits in [min, max]: interpolated on log time between lively and silent."""
    if seconds_since_last_bot_message is None:
        return THINKING_SILENT_POSITION
    gap = max(seconds_since_last_bot_message, 0.0)
    if gap <= LIVELY_GAP:
        return THINKING_LIVELY_POSITION
    progress = min(math.log(gap / LIVELY_GAP) / math.log(SILENT_GAP / LIVELY_GAP), 1.0)
    return THINKING_LIVELY_POSITION + progress * (
        THINKING_SILENT_POSITION - THINKING_LIVELY_POSITION
    )


def thinking_delay(
    profile: TimingProfile,
    rng: random.Random,
    *,
    seconds_since_last_bot_message: float | None,
) -> float:
    """Seconds spent thinking before typing, in [min_thinking, max_thinking] (scaled).

    Right-skewed: a mixture of two log-normals (mostly prompt, sometimes distracted), truncated
    to the bounds. Shorter in a lively back-and-forth (the persona wrote less than ~2 minutes
    ago), longer after a long silence or at first contact (`None`).
    """
    low, high = profile.min_thinking, profile.max_thinking
    distracted = rng.random() < DISTRACTED_PROBABILITY
    median = low + _thinking_position(seconds_since_last_bot_message) * (high - low)
    if distracted:
        seconds = truncated_lognormal(rng, median * DISTRACTED_FACTOR, DISTRACTED_SIGMA, low, high)
    else:
        seconds = truncated_lognormal(rng, median, THINKING_SIGMA, low, high)
    return seconds * profile.time_scale


def typing_duration(part: str, profile: TimingProfile, rng: random.Random) -> float:
    """Seconds of "is typing…" for one part: its length / typing speed, varied and bounded.

    Per-message speed varies about ±20 % (log-normal); the result is at least `TYPING_MIN`
    and at most `profile.typing_cap` seconds before scale.
    """
    factor = truncated_lognormal(rng, 1.0, TYPING_SIGMA, *TYPING_FACTOR_BOUNDS)
    seconds = len(part.strip()) / profile.typing_speed_cps * factor
    cap = max(profile.typing_cap, TYPING_MIN)
    return min(max(seconds, TYPING_MIN), cap) * profile.time_scale


def pause_between_parts(profile: TimingProfile, rng: random.Random) -> float:
    """Seconds between sending one part of a burst and starting to type the next (scaled)."""
    return truncated_lognormal(rng, PAUSE_MEDIAN, PAUSE_SIGMA, *PAUSE_BOUNDS) * profile.time_scale
