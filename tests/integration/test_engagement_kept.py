"""The kept engagement turns (D34): `/engagement`'s figures read from the kept turns for the
closed part of a window and computed live for the rest are those computed live over the whole
window, wherever the watermark stands; keeping is idempotent and incremental (a keeping in
steps leaves the rows of one keeping from scratch); a turn decided unanswered stays a turn
though the persona writes again later."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import asyncpg
import pytest

from randomatch_bot.api.engagement import MAX_WINDOW_HOURS
from randomatch_bot.db import console
from randomatch_bot.worker.service import keep_turns_once
from tests.integration.test_api_console import Script
from tests.support.databases import Couple, make_couple, make_profile

pytestmark = pytest.mark.integration

H = dt.timedelta(hours=1)
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
GROUPINGS: tuple[console.Grouping, ...] = ("persona", "model", "variant")
WINDOWS = (24, 48, 96)
KEEP = 120 * H


async def random_history(conn: asyncpg.Connection, seed: int) -> list[Couple]:
    """Two personas in twelve matches, each a random exchange over the last 110 h (silences of
    more than a day included), three models, follow-ups; half of Camille's conversations run a
    variant, the others none."""
    rng = random.Random(seed)
    s = Script(conn, NOW)
    first = await make_couple(conn, bot_name="Camille", human_name="Alex")
    second = await make_couple(conn, bot_name="Léa", human_name="Bea")
    await conn.execute(
        "INSERT INTO bot.personas (bot_id, name, system_prompt) VALUES ($1, 'Camille', 'p')",
        first.bot_id,
    )
    variant = await conn.fetchval(
        "INSERT INTO bot.persona_variants (bot_id, name) VALUES ($1, 'curious') RETURNING id",
        first.bot_id,
    )
    couples = [first, second]
    for index in range(10):
        bot = (first, second)[index % 2].bot_id
        human = await make_profile(conn, f"Human {index}", bot=False)
        couple = Couple(bot, human, uuid.uuid4())
        await conn.execute(
            "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
            couple.match_id,
            human,
            bot,
        )
        couples.append(couple)
    for index, couple in enumerate(couples):
        await s.conversation(couple)
        if couple.bot_id == first.bot_id and index % 4 == 0:
            await conn.execute(
                "INSERT INTO bot.conversation_variants (match_id, variant_id) VALUES ($1, $2)",
                couple.match_id,
                variant,
            )
        ago = 110.0
        while True:
            ago -= rng.choice((0.2, 0.5, 1.0, 3.0, 8.0, 20.0, 26.0, 30.0))
            if ago <= 0.05:
                break
            if rng.random() < 0.5:
                await s.human(couple, ago)
            else:
                await s.persona(
                    couple,
                    ago,
                    model=rng.choice(("m1", "m2", "m3")),
                    followup=rng.random() < 0.2,
                )
    return couples


async def figures(conn: asyncpg.Connection) -> dict[tuple[int, str], console.Engagement]:
    return {
        (hours, by): await console.engagement(conn, start=NOW - hours * H, end=NOW, by=by, worst=50)
        for hours in WINDOWS
        for by in GROUPINGS
    }


async def kept_rows(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT match_id, message_id, bot_id, persona, model, at, decided_at, replied, delay_s "
        "FROM bot.engagement_turns ORDER BY match_id, message_id"
    )


@pytest.mark.parametrize("seed", [1, 2])
async def test_kept_turns_and_the_live_tail_give_the_live_figures(
    pool: asyncpg.Pool, seed: int
) -> None:
    """Every grouping and window gives the same figures with no kept turn, with the watermark
    60 h, 30 h, 7 h and 12 min back (kept in 5-hour steps), and when the window starts before
    the kept turns do."""
    async with pool.acquire() as conn:
        await random_history(conn, seed)
        live = await figures(conn)
        assert live[(96, "persona")].turns[-1].turns > 20  # a history worth comparing
        assert {g.key for g in live[(96, "model")].turns} >= {"m1", "m2", "m3", "all"}
        assert any(g.key.endswith("/curious") for g in live[(96, "variant")].turns)
        for lag in (60 * H, 30 * H, 7 * H, 0.2 * H):
            kept = await console.keep_turns(conn, now=NOW, keep=KEEP, step=5 * H, lag=lag)
            assert kept.kept_until == NOW - lag
            assert await figures(conn) == live, lag
        assert len(await kept_rows(conn)) > 40
        # Kept turns from 50 h back only: a 96-hour window is computed live, the others not.
        await conn.execute("TRUNCATE bot.engagement_turns, bot.engagement_watermark")
        await console.keep_turns(conn, now=NOW, keep=50 * H, lag=H)
        assert await figures(conn) == live


async def test_keeping_is_idempotent_and_incremental(pool: asyncpg.Pool) -> None:
    """A second keeping at the same time adds nothing; keeping every few hours as the messages
    come leaves the rows one keeping from scratch leaves; the worker's keeping goes a week of
    steps at a time."""
    async with pool.acquire() as conn:
        await random_history(conn, 3)
        first = await console.keep_turns(conn, now=NOW - 40 * H, keep=KEEP)
        assert first.added > 0
        again = await console.keep_turns(conn, now=NOW - 40 * H, keep=KEEP)
        assert (again.added, again.steps, again.kept_until) == (0, 0, first.kept_until)
        for hours in (30, 29.5, 12, 3, 0):
            step = await console.keep_turns(conn, now=NOW - hours * H, keep=KEEP)
            assert step.kept_until == NOW - hours * H - console.KEEP_LAG
        stepwise = await kept_rows(conn)
        await conn.execute("TRUNCATE bot.engagement_turns, bot.engagement_watermark")
        scratch = await console.keep_turns(conn, now=NOW, keep=KEEP)
        assert scratch.steps == 5  # 120 h, a day at a time
        assert await kept_rows(conn) == stepwise
    # The worker's keeping: the default 91 days, seven steps (days) a run.
    async with pool.acquire() as conn:
        await conn.execute("TRUNCATE bot.engagement_turns, bot.engagement_watermark")
    run = await keep_turns_once(pool, now=NOW)
    assert run.steps == 7
    assert run.kept_until == NOW - console.KEEP_LAG - (console.KEEP_DAYS - 7) * 24 * H


async def test_a_turn_unanswered_for_a_day_stays_one(pool: asyncpg.Pool) -> None:
    """The persona's turn unanswered for 24 h is decided unanswered, kept or live, though she
    writes again 30 h after it; her two messages 2 h apart are one turn."""
    async with pool.acquire() as conn:
        s = Script(conn, NOW)
        couple = await make_couple(conn)
        await s.conversation(couple)
        await s.human(couple, 47)
        await s.persona(couple, 46)
        await s.persona(couple, 16, 14)
        await s.human(couple, 13)
        live = await console.engagement(conn, start=NOW - 48 * H, end=NOW, by="persona")
        await console.keep_turns(conn, now=NOW, keep=KEEP)
        kept = await console.engagement(conn, start=NOW - 48 * H, end=NOW, by="persona")
    assert kept == live
    total = live.turns[-1]
    assert (total.turns, total.replied, total.conversations, total.ghosted) == (2, 1, 1, 0)
    assert total.delay_median_s == pytest.approx(3600)


def test_the_kept_turns_reach_back_over_the_longest_window() -> None:
    """The kept turns go back further than `/engagement`'s longest window, so that every
    window reads them for its closed part."""
    assert console.KEEP_DAYS * 24 > MAX_WINDOW_HOURS
