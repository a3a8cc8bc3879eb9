"""The human timing model: distributions checked on thousands of seeded draws."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona.timing import (
    GLANCE_BOUNDS,
    PAUSE_BOUNDS,
    READING_CAP,
    TYPING_MIN,
    TimingProfile,
    grouping_due,
    pause_between_parts,
    reading_delay,
    thinking_delay,
    truncated_lognormal,
    typing_duration,
)

N = 5000
T0 = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
PROFILE = TimingProfile()


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def draws(fn: Callable[[random.Random], float], n: int = N, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [fn(rng) for _ in range(n)]


def test_defaults_match_settings() -> None:
    """The profile's defaults are the documented environment defaults (docs/CONTRACT.md)."""
    fields = Settings.model_fields
    assert PROFILE.typing_speed_cps == fields["typing_speed_cps"].default == 3.5
    assert PROFILE.min_thinking == fields["min_thinking_delay"].default == 3.0
    assert PROFILE.max_thinking == fields["max_thinking_delay"].default == 15.0
    assert PROFILE.grouping_window == fields["grouping_window"].default
    assert PROFILE.grouping_cap == fields["grouping_cap"].default
    assert PROFILE.time_scale == fields["time_scale"].default == 1.0
    assert PROFILE.reading_wpm == 238.0


def test_from_settings_maps_names_and_applies_overrides() -> None:
    """from_settings reads the Settings attribute names and lets keyword overrides win."""
    settings = SimpleNamespace(
        typing_speed_cps=5.0,
        min_thinking_delay=1.0,
        max_thinking_delay=9.0,
        grouping_window=2.0,
        grouping_cap=20.0,
        time_scale=0.5,
    )
    profile = TimingProfile.from_settings(settings, typing_cap=10.0, time_scale=0.1)
    assert profile == TimingProfile(5.0, 1.0, 9.0, 2.0, 20.0, 238.0, 10.0, 0.1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_thinking": 10.0, "max_thinking": 5.0},
        {"typing_speed_cps": 0.0},
        {"time_scale": -1.0},
        {"grouping_cap": float("nan")},
    ],
)
def test_profile_rejects_impossible_values(kwargs: dict[str, float]) -> None:
    """A profile with inverted bounds, zero speed or negative/NaN values is refused."""
    with pytest.raises(ValueError, match=r"must be"):
        TimingProfile(**kwargs)


def test_truncated_lognormal_stays_in_bounds_without_piling_up() -> None:
    """Truncation keeps every draw inside the bounds and puts no spike on a bound."""
    values = draws(lambda r: truncated_lognormal(r, 5.0, 1.0, 3.0, 8.0))
    assert min(values) >= 3.0
    assert max(values) <= 8.0
    assert sum(v in (3.0, 8.0) for v in values) < 5


@pytest.mark.parametrize("gap", [10.0, 600.0, None])
def test_thinking_within_bounds_and_right_skewed(gap: float | None) -> None:
    """Thinking stays in [min, max] and has a long right tail (mean above median)."""
    values = draws(lambda r: thinking_delay(PROFILE, r, seconds_since_last_bot_message=gap))
    median = statistics.median(values)
    assert min(values) >= PROFILE.min_thinking
    assert max(values) <= PROFILE.max_thinking
    assert statistics.mean(values) > median
    assert quantile(values, 0.9) - median > median - quantile(values, 0.1)


def test_thinking_shorter_in_lively_exchange_than_after_silence() -> None:
    """Medians rise from a lively exchange through a pause to a long silence or first contact."""

    def median_for(gap: float | None) -> float:
        return statistics.median(
            draws(lambda r: thinking_delay(PROFILE, r, seconds_since_last_bot_message=gap))
        )

    lively, pause, silence, first = map(median_for, (30.0, 900.0, 7200.0, None))
    assert lively + 1.5 < silence
    assert lively < pause < silence
    assert silence == pytest.approx(first, rel=0.05)
    # The first bot's 3-15 s range read as "a few seconds, sometimes much longer".
    assert 4.0 <= lively <= 6.5
    assert 6.0 <= first <= 9.0


def test_thinking_tail_reaches_toward_max() -> None:
    """About one reply in ten after a silence takes more than 11 s, few reach the 15 s bound."""
    values = draws(lambda r: thinking_delay(PROFILE, r, seconds_since_last_bot_message=None))
    assert 10.0 <= quantile(values, 0.9) <= 14.0
    assert quantile(values, 0.99) <= PROFILE.max_thinking


def test_thinking_degenerate_bounds() -> None:
    """Equal bounds give exactly that delay; a zero minimum still gives values in range."""
    fixed = TimingProfile(min_thinking=4.0, max_thinking=4.0)
    assert set(draws(lambda r: thinking_delay(fixed, r, seconds_since_last_bot_message=5), 50)) == {
        4.0
    }
    open_low = TimingProfile(min_thinking=0.0, max_thinking=10.0)
    values = draws(lambda r: thinking_delay(open_low, r, seconds_since_last_bot_message=None))
    assert min(values) > 0.0
    assert max(values) <= 10.0


def test_typing_median_speed_is_profile_speed() -> None:
    """The median typing speed is the profile's chars/s, varying about ±20 % per message."""
    part = "Trop bien, tu pars de quel refuge ?"  # 35 chars: neither floor nor cap binds
    speeds = [len(part) / d for d in draws(lambda r: typing_duration(part, PROFILE, r))]
    assert statistics.median(speeds) == pytest.approx(PROFILE.typing_speed_cps, rel=0.03)
    assert quantile(speeds, 0.1) > 0.7 * PROFILE.typing_speed_cps
    assert quantile(speeds, 0.9) < 1.35 * PROFILE.typing_speed_cps
    # Palin et al. 2019: mobile typists 26-44 WPM for most, i.e. about 2.2-3.7 chars/s.
    assert 2.2 <= statistics.median(speeds) <= 3.7


def test_typing_respects_cap_and_floor() -> None:
    """A long part types for at most typing_cap; a two-letter part still shows ~1 s."""
    long_part = "a" * 500
    assert set(draws(lambda r: typing_duration(long_part, PROFILE, r), 200)) == {PROFILE.typing_cap}
    short = draws(lambda r: typing_duration("ok", PROFILE, r), 200)
    assert min(short) >= TYPING_MIN
    capped = TimingProfile(typing_cap=8.0)
    assert max(draws(lambda r: typing_duration("x" * 60, capped, r), 500)) <= 8.0


def test_reading_grows_with_length_and_is_capped() -> None:
    """Reading takes longer for longer messages, never past the cap."""

    def median_words(n: int) -> float:
        text = " ".join(["rando"] * n)
        return statistics.median(draws(lambda r: reading_delay(text, PROFILE, r)))

    medians = [median_words(n) for n in (1, 10, 30, 60)]
    assert medians == sorted(medians)
    assert medians[0] == pytest.approx(1.2 + 60 / 238, rel=0.15)  # a glance and one word
    assert min(draws(lambda r: reading_delay("", PROFILE, r), 500)) >= GLANCE_BOUNDS[0]
    assert max(draws(lambda r: reading_delay("mot " * 1000, PROFILE, r), 500)) == READING_CAP


def test_reading_speed_matches_brysbaert() -> None:
    """The marginal reading speed is 238 words per minute (Brysbaert 2019), within 8 %."""

    def median_seconds(n: int) -> float:
        text = " ".join(["sentier"] * n)
        return statistics.median(draws(lambda r: reading_delay(text, PROFILE, r)))

    wpm = 40 / (median_seconds(50) - median_seconds(10)) * 60
    assert wpm == pytest.approx(238.0, rel=0.08)


def test_pause_between_parts_is_short() -> None:
    """Pauses between burst parts are 1-3 s typically, within their bounds."""
    values = draws(lambda r: pause_between_parts(PROFILE, r))
    assert PAUSE_BOUNDS[0] <= min(values)
    assert max(values) <= PAUSE_BOUNDS[1]
    assert 1.3 <= statistics.median(values) <= 2.5
    assert quantile(values, 0.9) <= 3.5


def test_grouping_waits_a_jittered_quiet_window() -> None:
    """The reply starts about one window after the human's last message, never much sooner."""
    first = T0
    last = T0 + timedelta(seconds=3)
    waits = draws(
        lambda r: (grouping_due(first, last, PROFILE, r) - last).total_seconds(),
    )
    assert statistics.median(waits) == pytest.approx(PROFILE.grouping_window, rel=0.05)
    assert min(waits) >= 0.6 * PROFILE.grouping_window
    assert len({round(w, 3) for w in waits}) > N // 2  # jittered, not constant


def test_grouping_never_exceeds_cap() -> None:
    """However long the human keeps writing, the reply is due by first message + cap."""
    rng = random.Random(3)
    for _ in range(N):
        first = T0
        last = first + timedelta(seconds=rng.uniform(0, 60))
        due = grouping_due(first, last, PROFILE, rng)
        assert due <= first + timedelta(seconds=PROFILE.grouping_cap)
        assert due > first


def _scaled_pairs(scale: float) -> list[tuple[float, float]]:
    """The same draws at scale 1 and at `scale`, for each delay function."""
    full, fast = PROFILE, TimingProfile(time_scale=scale)
    text = "Salut ! Tu fais quoi ce week-end, une rando vers Chamrousse ?"
    functions: list[Callable[[TimingProfile, random.Random], float]] = [
        lambda p, r: reading_delay(text, p, r),
        lambda p, r: thinking_delay(p, r, seconds_since_last_bot_message=None),
        lambda p, r: thinking_delay(p, r, seconds_since_last_bot_message=30.0),
        lambda p, r: typing_duration(text, p, r),
        lambda p, r: typing_duration("a" * 400, p, r),
        pause_between_parts,
        lambda p, r: (grouping_due(T0, T0, p, r) - T0).total_seconds(),
    ]
    pairs: list[tuple[float, float]] = []
    for fn in functions:
        a, b = random.Random(11), random.Random(11)
        pairs.extend((fn(full, a), fn(fast, b)) for _ in range(500))
    return pairs


def test_time_scale_scales_every_delay_with_same_shape() -> None:
    """TIME_SCALE=0.01 makes every draw exactly 100 times shorter, draw for draw."""
    for slow, fast in _scaled_pairs(0.01):
        assert fast == pytest.approx(slow * 0.01, rel=1e-9, abs=1e-6)


def test_time_scale_zero_removes_every_delay() -> None:
    """TIME_SCALE=0 turns every delay into 0 and makes grouping due at once."""
    assert all(fast == 0.0 for _, fast in _scaled_pairs(0.0))
    zero = TimingProfile(time_scale=0.0)
    assert grouping_due(T0, T0 + timedelta(seconds=5), zero, random.Random(1)) == T0
