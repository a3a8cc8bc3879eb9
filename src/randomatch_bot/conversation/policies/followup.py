"""Writing once more after a silence: when, how often, and never after a request to stop.

When the human has not answered the persona's last message for the persona's
`followup_after` hours, the persona may write again, in context, within its active hours, at
most `followup_max` times per silence. Never after an unmatch or a block (the engine closes the
conversation first), never once the human has asked to be left alone, and never to a person
who said they are under 18: the plan machine records both for good (`policies/closing.py`) and
asks for no follow-up then; here, a request to stop among the human's recent messages is enough
too. A follow-up is a plan like a reply (same exactly-once guarantees) with no trigger messages.
"""

from __future__ import annotations

import datetime as dt
import uuid

from randomatch_bot.conversation.persona import availability
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.words import signals
from randomatch_bot.db import messages
from randomatch_bot.db.messages import FollowupState
from randomatch_bot.db.types import Conn

__all__ = [
    "followup_at",
    "followup_due",
    "next_followup",
    "wants_followups",
]


def followup_due(last_bot_at: dt.datetime, after_hours: float, time_scale: float) -> dt.datetime:
    """When a follow-up becomes due after the persona's last message."""
    return last_bot_at + dt.timedelta(hours=after_hours * time_scale)


def wants_followups(persona: Persona) -> bool:
    """Whether the persona ever follows up (enabled, with a delay and a number allowed)."""
    return persona.enabled and persona.followup_after > 0 and persona.followup_max > 0


def followup_at(
    state: FollowupState | None,
    persona: Persona,
    now: dt.datetime,
    time_scale: float,
    hours_offset: dt.timedelta = dt.timedelta(0),
) -> dt.datetime | None:
    """When the persona should write again after the silence `state` describes (maybe `now`),
    or None: see `next_followup`. No I/O."""
    if not wants_followups(persona):
        return None
    if state is None or state.last_bot_at is None or state.last_human_at is None:
        return None
    if state.last_human_at > state.last_bot_at or state.followups >= persona.followup_max:
        return None
    if any(signals.asks_to_stop(text) for text in state.human_texts):
        return None
    due = max(followup_due(state.last_bot_at, persona.followup_after, time_scale), now)
    opens = availability.next_active_start(
        due + hours_offset, persona.active_hours, persona.timezone
    )
    return opens - hours_offset if opens is not None else due


async def next_followup(
    conn: Conn,
    persona: Persona,
    match_id: uuid.UUID,
    human_id: uuid.UUID,
    now: dt.datetime,
    time_scale: float,
    hours_offset: dt.timedelta = dt.timedelta(0),
) -> dt.datetime | None:
    """When the persona should write again in this silent match (maybe `now`), or None.

    None when the persona does not follow up, the human never wrote or wrote last, asked to
    stop, or the follow-ups of this silence are used up. A due follow-up outside the persona's
    active hours waits for the next window; the hours are judged on the persona's clock,
    shifted by `hours_offset` (HOURS_CLOCK_OFFSET), as for a reply.
    """
    if not wants_followups(persona):
        return None
    state = await messages.followup_state(
        conn, match_id=match_id, bot_id=persona.bot_id, human_id=human_id
    )
    return followup_at(state, persona, now, time_scale, hours_offset)
