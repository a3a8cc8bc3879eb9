"""The simulator's scripted humans: what they say and when."""

from __future__ import annotations

import random
import statistics

from randomatch_bot.simulate.humans import AWAY_BOUNDS, PROMPT_BOUNDS, ScriptedHuman


def test_reply_delays_are_heavy_tailed_and_bounded() -> None:
    """Delays before writing again have a long right tail and stay within their bounds."""
    human = ScriptedHuman.draw(random.Random(1))
    delays = [human.reply_delay() for _ in range(3000)]
    assert min(delays) >= PROMPT_BOUNDS[0]
    assert max(delays) <= AWAY_BOUNDS[1]
    assert statistics.mean(delays) > 2 * statistics.median(delays)


def test_opening_introduces_the_human() -> None:
    """The first turn greets and gives the human's name and region."""
    human = ScriptedHuman.draw(random.Random(2))
    text = " ".join(human.turn(0).messages)
    assert human.name in text
    assert human.region in text


def test_some_turns_are_bursts_of_quick_messages() -> None:
    """Some turns come as 2-3 messages a few seconds apart, the first after the given delay."""
    human = ScriptedHuman.draw(random.Random(3))
    turns = [human.turn(i, first_delay=30.0) for i in range(1, 200)]
    sizes = {len(t.messages) for t in turns}
    assert sizes == {1, 2, 3}
    for turn in turns:
        assert turn.delays[0] == 30.0
        assert all(1.0 <= gap <= 12.0 for gap in turn.delays[1:])


def test_a_seed_gives_the_same_human() -> None:
    """Two humans drawn from the same seed say the same things at the same times."""
    first, second = (ScriptedHuman.draw(random.Random(4)) for _ in range(2))
    assert [first.turn(i) for i in range(5)] == [second.turn(i) for i in range(5)]
    assert first.reply_delay() == second.reply_delay()
