"""An operator takes a conversation over, writes as the persona, and hands it back; for the
API and the CLI alike.

- take over: until `until` (TAKEOVER_TIMEOUT hours by default) the conversation is held
  ("taken over", the first policy of conversation/policies/limits.py): no reply, follow-up,
  reaction or typing of the persona's own. A reply in progress stops here, between two steps
  (this takes the conversation's row lock, which every step holds while it runs): the parts
  sent stay, the others are dropped, the typing indicator goes off. An icebreaker is not
  written either, planned or due: the persona writes it when she resumes, if the match is
  still silent then.
- send: the operator's text becomes a plan of one part, written already, answering the
  person's unanswered messages: the same steps read them ("Vu"), think, show "is typing…"
  for as long as the persona would take to type it, and send it through the same
  exactly-once path (a part's id is derived from its plan). What the person writes meanwhile
  does not interrupt it, as it would the persona's reply: it goes out as planned, and the new
  messages wait for the operator (or for the persona, once she resumes).
- resume: by hand, or by itself when the takeover ends (the conversation is woken then): the
  persona answers whatever is unanswered, with what the operator wrote in the conversation.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docket import Docket

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona import timing
from randomatch_bot.conversation.persona.card import load_persona
from randomatch_bot.db import conversations, messages, plans, session, takeover
from randomatch_bot.db import typing_indicators as indicators
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import RandomatchError
from randomatch_bot.worker import tasks

if TYPE_CHECKING:
    import asyncpg

MAX_TEXT = 2000  # characters of one operator message


class MatchNotFound(RandomatchError):
    """No match of a bot and a person has this id."""


class NotTakenOver(RandomatchError):
    """The operator writes only in a conversation taken over."""


class StillSending(RandomatchError):
    """The operator's previous message is still being read, typed or sent."""


@dataclass(frozen=True, slots=True)
class Takeover:
    match_id: uuid.UUID
    until: dt.datetime | None
    reason: str | None
    stopped_plan: uuid.UUID | None = None  # the persona's reply stopped by the takeover
    plan_id: uuid.UUID | None = None  # the operator's message, as a plan
    woken: bool = False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def take_over(
    pool: asyncpg.Pool,
    docket: Docket,
    settings: Settings,
    match_id: uuid.UUID,
    *,
    reason: str | None = None,
    minutes: float | None = None,
) -> Takeover:
    """Take the conversation over for `minutes` (TAKEOVER_TIMEOUT hours by default)."""
    now = _now()
    length = (
        dt.timedelta(minutes=minutes) if minutes else dt.timedelta(hours=settings.takeover_timeout)
    )
    until = now + length
    stopped = None
    async with session.transaction(pool) as conn:
        ctx = await conversations.match_context(conn, match_id=match_id)
        if ctx is None:
            raise MatchNotFound(f"no match {match_id} between a bot and a person")
        await conversations.ensure(
            conn, match_id=match_id, bot_id=ctx.bot_id, human_id=ctx.human_id
        )
        await conversations.lock(conn, match_id=match_id)
        active = await takeover.active_plan(conn, match_id=match_id)
        if active is not None and not active.operator:
            await plans.finish(conn, plan_id=active.id, status="cancelled", error="taken over")
            await _typing_off(conn, settings, match_id, ctx.bot_id, now)
            if active.greeting:
                # Written when the persona resumes, if the match is still silent then.
                await takeover.unopen(conn, match_id=match_id)
            stopped = active.id
        if active is not None and active.operator:
            # The operator's message goes on: extend the takeover only.
            await takeover.extend(conn, match_id=match_id, until=until, reason=reason)
        elif (
            await takeover.start(conn, match_id=match_id, until=until, reason=reason, now=now)
            is None
        ):
            raise NotTakenOver(f"conversation {match_id} is closed (unmatched or blocked)")
    # Woken when it ends: the persona then answers what is unanswered.
    woken = await tasks.wake(docket, match_id, f"advance:{match_id}:takeover-end:{until}", until)
    return Takeover(match_id, until, reason, stopped_plan=stopped, woken=woken)


async def resume(pool: asyncpg.Pool, docket: Docket, match_id: uuid.UUID) -> Takeover:
    """Hand the conversation back to the persona now; it answers what is unanswered."""
    async with session.transaction(pool) as conn:
        ctx = await conversations.match_context(conn, match_id=match_id)
        if ctx is None:
            raise MatchNotFound(f"no match {match_id} between a bot and a person")
        await conversations.lock(conn, match_id=match_id)
        active = await takeover.active_plan(conn, match_id=match_id)
        if active is not None and active.operator:
            # The operator's last message is still going out: it finishes, then she takes over.
            await takeover.extend(conn, match_id=match_id, until=_now(), reason=None)
            ended = True
        else:
            ended = await takeover.end(conn, match_id=match_id)
    if not ended:
        raise NotTakenOver(f"conversation {match_id} is not taken over")
    woken = await tasks.wake(docket, match_id, f"advance:{match_id}:resume:{uuid.uuid4()}")
    return Takeover(match_id, None, None, woken=woken)


async def send(
    pool: asyncpg.Pool, docket: Docket, settings: Settings, match_id: uuid.UUID, text: str
) -> Takeover:
    """Send `text` as the persona in a conversation taken over, paced like her."""
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise ValueError(f"the text must have 1 to {MAX_TEXT} characters")
    now = _now()
    plan_id = uuid.uuid4()
    async with session.transaction(pool) as conn:
        ctx = await conversations.match_context(conn, match_id=match_id)
        if ctx is None:
            raise MatchNotFound(f"no match {match_id} between a bot and a person")
        conversation = await conversations.lock(conn, match_id=match_id)
        until = await takeover.taken_over_until(conn, match_id=match_id)
        if conversation is None or until is None or until <= now:
            raise NotTakenOver(f"take conversation {match_id} over before writing in it")
        active = await takeover.active_plan(conn, match_id=match_id)
        if active is not None:
            raise StillSending("the previous message is still being sent; try again shortly")
        unanswered = await messages.unanswered(
            conn,
            match_id=match_id,
            human_id=ctx.human_id,
            baseline_at=conversation.baseline_at,
            since=now - dt.timedelta(seconds=settings.catchup_lookback),
        )
        persona = await load_persona(conn, settings, ctx.bot_id, ctx.bot_name, match_id=match_id)
        profile = timing.TimingProfile.from_settings(
            settings,
            typing_speed_cps=persona.typing_speed_cps,
            min_thinking=persona.min_thinking,
            max_thinking=persona.max_thinking,
        )
        unread = [m.content for m in unanswered if m.read_at is None]
        rng = random.Random(plan_id.int)
        reading = timing.reading_delay("\n".join(unread), profile, rng) if unread else 0.0
        read_due = now + dt.timedelta(seconds=reading)
        await takeover.operator_plan(
            conn,
            plan_id=plan_id,
            match_id=match_id,
            trigger_message_ids=[m.id for m in unanswered],
            content=text,
            read_due_at=read_due,
            now=now,
        )
    woken = await tasks.wake(docket, match_id, f"advance:{match_id}:operator:{plan_id}", read_due)
    return Takeover(match_id, until, None, plan_id=plan_id, woken=woken)


async def _typing_off(
    conn: Conn,
    settings: Settings,
    match_id: uuid.UUID,
    bot_id: uuid.UUID,
    now: dt.datetime,
) -> None:
    """The persona's indicator off, by TYPING_TRANSPORT (as the steps do)."""
    if settings.typing_transport == "table":
        await indicators.write(conn, match_id=match_id, user_id=bot_id, is_typing=False, now=now)
        return
    await indicators.broadcast(
        conn,
        match_id=match_id,
        user_id=bot_id,
        is_typing=False,
        now=now,
        transport=settings.typing_transport,
        expires_at=None,
    )
