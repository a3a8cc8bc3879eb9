"""What the other side of a chat would see next to the persona's name, and why a reply waits.

`presence` is pure: from the persona's hours, the conversation's pending reply (when it will be
read) or policy hold, and `now`, it says "en ligne", "absente" or "dort · répond vers 8 h 10".
The chat page, the API and `status` all show this one answer, so none of them can say "en
ligne" for a persona that will not answer for hours.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from randomatch_bot.config import ActiveHours, Settings
from randomatch_bot.conversation.persona.availability import is_active, next_active_start
from randomatch_bot.conversation.persona.card import Persona, load_persona
from randomatch_bot.db import waiting as waiting_db
from randomatch_bot.db.types import Conn
from randomatch_bot.db.waiting import PendingReply

__all__ = [
    "ABSENT_AFTER",
    "MODEL_WAIT",
    "Presence",
    "PresenceState",
    "Waiting",
    "clock_time",
    "presence",
    "presence_of_match",
    "waiting_conversations",
]

# A pending reply due later than this (before TIME_SCALE) is an absence: reading and grouping
# a burst take under a minute, while a drawn absence lasts 20 minutes or more.
ABSENT_AFTER = 5 * 60.0  # s


NBSP = "\u00a0"
MODEL_WAIT = "waiting for the model"  # the reason shown while a reply waits out an outage


class PresenceState(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    ASLEEP = "asleep"


@dataclass(frozen=True, slots=True)
class Presence:
    """The presence shown for a persona, and for a held conversation why and until when."""

    state: PresenceState
    label: str  # what the chat header shows, in the persona's language (French)
    until: dt.datetime | None = None  # when the persona is expected back (UTC), if away
    reason: str | None = None  # night, absence, or the policy that holds the reply

    def as_dict(self) -> dict[str, str | None]:
        return {
            "state": self.state.value,
            "label": self.label,
            "until": self.until.isoformat() if self.until else None,
            "reason": self.reason,
        }


def clock_time(instant: dt.datetime, tz: str) -> str:
    """`8 h 10` / `8 h`: a local time as French speakers write it in a chat."""
    local = instant.astimezone(ZoneInfo(tz))
    return f"{local.hour} h {local.minute:02d}" if local.minute else f"{local.hour} h"


def presence(
    now: dt.datetime,
    *,
    hours: ActiveHours,
    tz: str,
    read_due_at: dt.datetime | None = None,
    reading: bool = True,
    held_until: dt.datetime | None = None,
    hold_reason: str | None = None,
    hours_offset: dt.timedelta = dt.timedelta(0),
    absent_after: float = ABSENT_AFTER,
) -> Presence:
    """The persona's presence at `now` (UTC).

    `read_due_at` is when the pending reply will be read (None when nothing waits), `reading`
    False once the persona has read it (thinking, typing: she is there). `held_until` and
    `hold_reason` are a policy hold (rate limit, budget). `hours_offset` is HOURS_CLOCK_OFFSET:
    the hours are judged, and times shown, on the persona's shifted clock. `absent_after` is
    ABSENT_AFTER already scaled by TIME_SCALE.
    """
    if now.tzinfo is None:
        raise ValueError("`now` must be an aware datetime (UTC)")
    if read_due_at is not None and (not reading or read_due_at <= now):
        return Presence(PresenceState.ONLINE, "en ligne")
    persona_now = now + hours_offset
    if not is_active(persona_now, hours, tz):
        opens = next_active_start(persona_now, hours, tz)
        back = read_due_at + hours_offset if read_due_at is not None else opens
        assert back is not None
        return Presence(
            PresenceState.ASLEEP,
            # No-break spaces: "8 h 10" never splits across lines in a narrow header.
            f"dort · répond vers {clock_time(back, tz).replace(' ', NBSP)}",
            until=back - hours_offset,
            reason="night",
        )
    if read_due_at is not None and (read_due_at - now).total_seconds() > absent_after:
        return Presence(PresenceState.AWAY, "absente", until=read_due_at, reason="absence")
    if hold_reason is not None and held_until is not None and held_until > now:
        return Presence(PresenceState.AWAY, "absente", until=held_until, reason=hold_reason)
    return Presence(PresenceState.ONLINE, "en ligne")


# --- read from the database (the chat page, the API, `status`) ----------------------------


def _from_pending(
    row: PendingReply, persona: Persona, settings: Settings, now: dt.datetime
) -> Presence:
    retry_at = row.retry_at
    if row.plan_status == "thinking" and retry_at is not None and retry_at > now:
        # The reply waits for the model (an outage, a pause an operator must lift): she is
        # not there, however long ago the messages were read.
        return presence(
            now,
            hours=persona.active_hours,
            tz=persona.timezone,
            held_until=retry_at,
            hold_reason=MODEL_WAIT,
            hours_offset=dt.timedelta(seconds=settings.hours_clock_offset),
            absent_after=ABSENT_AFTER * settings.time_scale,
        )
    return presence(
        now,
        hours=persona.active_hours,
        tz=persona.timezone,
        read_due_at=row.read_due_at if row.plan_status else None,
        reading=row.plan_status == "reading",
        held_until=row.next_wake_at,
        hold_reason=row.hold_reason,
        hours_offset=dt.timedelta(seconds=settings.hours_clock_offset),
        absent_after=ABSENT_AFTER * settings.time_scale,
    )


async def presence_of_match(
    conn: Conn, settings: Settings, persona: Persona, match_id: uuid.UUID, now: dt.datetime
) -> Presence:
    """The presence of `persona` as the human of `match_id` sees it at `now`."""
    pending = await waiting_db.pending_reply(conn, match_id=match_id)
    return _from_pending(pending, persona, settings, now)


@dataclass(frozen=True, slots=True)
class Waiting:
    """A conversation whose reply waits, and why and until when."""

    match_id: uuid.UUID
    bot_name: str | None
    presence: Presence


async def waiting_conversations(
    conn: Conn, settings: Settings, now: dt.datetime, limit: int = 20
) -> list[Waiting]:
    """Conversations held back at `now` (night, absence, rate limit, budget), soonest first."""
    personas: dict[uuid.UUID, Persona] = {}
    waiting: list[Waiting] = []
    for row in await waiting_db.waiting(conn, now=now, limit=limit):
        if row.bot_id not in personas:
            personas[row.bot_id] = await load_persona(conn, settings, row.bot_id, row.bot_name)
        shown = _from_pending(row.pending, personas[row.bot_id], settings, now)
        if shown.state is not PresenceState.ONLINE:
            waiting.append(Waiting(row.match_id, row.bot_name, shown))
    return waiting


async def asleep_notice(
    conn: Conn,
    settings: Settings,
    bot_id: uuid.UUID,
    name: str,
    now: dt.datetime,
    command: str = "run",
) -> str | None:
    """One line for `run` and `chat` when the persona is outside its hours at start, else None:
    when she will answer, and how to chat now (`command` is the one to repeat with --awake)."""
    persona = await load_persona(conn, settings, bot_id, name)
    offset = dt.timedelta(seconds=settings.hours_clock_offset)
    shown = presence(now, hours=persona.active_hours, tz=persona.timezone, hours_offset=offset)
    if shown.state is not PresenceState.ASLEEP or shown.until is None:
        return None
    wait = max(0, int((shown.until - now).total_seconds() * settings.time_scale))
    in_words = (
        f"{wait // 3600} h {wait % 3600 // 60:02d} min" if wait >= 3600 else f"{wait // 60} min"
    )
    return (
        f"{name} is asleep (active hours {persona.active_hours}, {persona.timezone}): she reads "
        f"messages from about {clock_time(shown.until + offset, persona.timezone)} (in "
        f"{in_words}). To chat now: `randomatch-bot {command} --awake`, or "
        f"`ACTIVE_HOURS=00:00-24:00 randomatch-bot {command}`."
    )
