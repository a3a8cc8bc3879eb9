"""Her life from one read: the weeks a generation asks for, and what it builds and stores."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona import life
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.words import week
from randomatch_bot.db.life import CanonRow, LifeRead, WeekRow

BOT = uuid.UUID(int=7)
# Wednesday 17 June 2026, 07:00 UTC (09:00 in Paris).
NOW = dt.datetime(2026, 6, 17, 7, 0, tzinfo=dt.UTC)
ZONES = ("UTC", "Europe/Paris", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Los_Angeles")


def settings(**extra: object) -> Settings:
    return Settings(_env_file=None, **extra)  # type: ignore[call-arg]


def camille(timezone: str = "Europe/Paris") -> Persona:
    return dataclasses.replace(Persona.default(settings(), BOT), timezone=timezone)


@pytest.mark.parametrize("timezone", ZONES)
def test_the_weeks_read_hold_her_last_week_and_this_week_in_any_time_zone(timezone: str) -> None:
    """Every hour of a fortnight (over two Monday midnights), in zones from UTC-11 to UTC+14,
    her last week and this week are among the three weeks at most that the read asks for."""
    for hour in range(0, 14 * 24):
        now = NOW + dt.timedelta(hours=hour)
        asked = life.weeks_near(now)
        today = life.local_today(now, timezone)
        assert life.iso_week(today) in asked, (now, timezone)
        assert life.iso_week(today - dt.timedelta(days=7)) in asked, (now, timezone)
        assert len(asked) <= 3


def test_a_week_nobody_wrote_comes_from_the_card_and_is_given_to_store() -> None:
    """Without this week stored, her agenda is the card's (the same wherever it is computed)
    and the generation's write gets it to store; her canon and what she told are read too."""
    persona = camille()
    updated = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    read = LifeRead(
        canon=(CanonRow("animaux", "un chat, Pixel", "promoted", 3, updated),),
        told={"ville": "Grenoble"},
        weeks={},
    )
    with_life, new = week.attach_life(settings(), persona, read, NOW)
    assert with_life.life is not None
    assert with_life.life.canon["animaux"] == "un chat, Pixel"
    assert with_life.life.told == {"ville": "Grenoble"}
    card = life.card_week(BOT, "2026-W25", system_prompt=persona.system_prompt, tags=persona.tags)
    assert new is not None
    assert (new.bot_id, new.week, new.source) == (BOT, "2026-W25", "card")
    assert list(new.days) == life.days_json(card.days)
    assert set(card.days) <= set(with_life.life.days)


def test_a_stored_week_is_read_and_nothing_is_stored_over_it() -> None:
    """This week written (by the model ahead of it): her agenda is that one, nothing to store."""
    days = ({"date": "2026-06-20", "text": "Rando au Moucherotte ; brouillard"},)
    stored = WeekRow("2026-W25", days, "model", NOW)
    read = LifeRead(canon=(), told={}, weeks={"2026-W25": stored})
    with_life, new = week.attach_life(settings(), camille(), read, NOW)
    assert new is None
    assert with_life.life is not None
    assert [d.text for d in with_life.life.days if d.date >= NOW.date()] == [
        "Rando au Moucherotte ; brouillard"
    ]


def test_without_self_consistency_nothing_is_read_or_stored() -> None:
    off = settings(SELF_CONSISTENCY=False)
    assert week.life_weeks(off, NOW) is None
    persona = camille()
    read = LifeRead(canon=(), told={"age": "29"}, weeks={})
    assert week.attach_life(off, persona, read, NOW) == (persona, None)
    assert week.attach_life(settings(), persona, None, NOW) == (persona, None)
