"""The human's own typing row keeps the grouping window open: one reply after they finish."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import pytest

from randomatch_bot.conversation.persona.timing import GROUPING_FACTOR_BOUNDS
from randomatch_bot.conversation.plan.engine import ConversationEngine
from randomatch_bot.conversation.plan.typing_wait import TYPING_HOLD_CAP
from randomatch_bot.llm import OfflineResponder
from tests.support.databases import Couple, make_couple, say
from tests.support.drive import VirtualClock, drive

pytestmark = pytest.mark.integration


async def human_types(conn: asyncpg.Connection, couple: Couple, on: bool, at: dt.datetime) -> None:
    """What the app writes while the human types: their own row in typing_indicators."""
    await conn.execute(
        "INSERT INTO public.typing_indicators (match_id, user_id, is_typing, updated_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (match_id, user_id) "
        "DO UPDATE SET is_typing = EXCLUDED.is_typing, updated_at = EXCLUDED.updated_at",
        couple.match_id,
        couple.human_id,
        on,
        at,
    )


async def plans(conn: asyncpg.Connection, match_id: uuid.UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT status, trigger_message_ids, created_at FROM bot.reply_plans "
            "WHERE match_id = $1 ORDER BY created_at",
            match_id,
        )
    )


async def test_grouping_holds_while_the_human_types(pool: asyncpg.Pool, make_settings: Any) -> None:
    """While the human's typing row is on, no plan starts; their next message and the first
    are answered by one reply once the row goes off."""
    settings = make_settings(TIME_SCALE=1.0, GROUPING_WINDOW=3, ABSENCE_PROBABILITY=0.0)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = OfflineResponder()
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
        first = await say(conn, couple, "Salut !", at=clock.now)
        await human_types(conn, couple, True, clock.now)
        # Past the jittered grouping window (at most GROUPING_FACTOR_BOUNDS[1] x 3 s), then well
        # past it: still holding, looking again every few seconds.
        clock.advance(3 * GROUPING_FACTOR_BOUNDS[1])
        for _ in range(10):
            clock.advance(4)
            await human_types(conn, couple, True, clock.now)  # the app refreshes the row
            result = await engine.advance(couple.match_id)
            assert result.note == "human typing", result
            assert result.wake_at is not None
            assert result.wake_at <= clock.now + dt.timedelta(seconds=5)
        assert await plans(conn, couple.match_id) == []
        second = await say(conn, couple, "Tu randonnes où en ce moment ?", at=clock.now)
        await human_types(conn, couple, False, clock.now)
        await drive(engine, clock, couple.match_id, llm)
        done = await plans(conn, couple.match_id)
    assert [p["status"] for p in done] == ["done"]
    assert done[0]["trigger_message_ids"] == [first, second]


async def test_typing_hold_has_a_cap_and_ignores_a_stale_row(
    pool: asyncpg.Pool, make_settings: Any
) -> None:
    """A human who never stops typing is answered at the cap; a row left on long ago holds
    nothing."""
    settings = make_settings(TIME_SCALE=1.0, GROUPING_WINDOW=3, ABSENCE_PROBABILITY=0.0)
    clock = VirtualClock()
    engine = ConversationEngine(pool, settings, clock=clock)
    llm = OfflineResponder()
    async with pool.acquire() as conn:
        typing = await make_couple(conn)
        started = clock.now
        await say(conn, typing, "Hello", at=clock.now)
        for _ in range(200):
            await human_types(conn, typing, True, clock.now)
            result = await engine.advance(typing.match_id)
            if result.note not in {"human typing", "grouping"}:
                break
            assert result.wake_at is not None
            clock.now = max(clock.now, result.wake_at)
        assert result.note == "plan started", result
        waited = (clock.now - started).total_seconds()
        assert TYPING_HOLD_CAP - 5 <= waited <= TYPING_HOLD_CAP + 5

        stale = await make_couple(conn, human_name="Sam")
        await human_types(conn, stale, True, clock.now - dt.timedelta(hours=1))
        await say(conn, stale, "Coucou", at=clock.now)
        trace = await drive(engine, clock, stale.match_id, llm)
    assert "human typing" not in [r.note for _, r in trace]
    assert "reply done" in [r.note for _, r in trace]
