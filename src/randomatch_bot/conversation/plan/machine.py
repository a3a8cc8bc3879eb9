"""The conversation's state machine: what a step does, decided from a snapshot, without I/O.

`decide(snapshot, now, rules)` looks at what the engine loaded under the conversation's lock
(the match, the conversation, its active plan, and the facts asked for so far) and returns one
`Action`. Clock, RNG and settings come in as arguments, so every branch is tested without a
database (tests/unit/test_plan_machine.py).

Three kinds of action:
- `Load(fact)`: the decision needs one more fact (the persona, the human's typing row, a
  policy's hold, ...). The step's one read brings every fact its state may ask for, so the
  engine answers from it; a fact outside its state's gate is read apart (a rare branch).
- A continuing action (`Interrupt`, `Revive`, `SkipOpener`, `MarkRead`, `SendPart`,
  `FinishReply`, `Cancel`, `RecordStop`, `SetAside`): the engine carries it out, records it in
  the snapshot, and asks again.

What the person wrote may end the conversation for good before anything else is decided
(`policies/closing.py`): a person who says they are under 18 gets one closing line and nothing
after it; one who asks the persona to stop writing gets no follow-up any more.
- A final action (every other one): the engine carries it out and the step ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona import availability, timing
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.plan import typing_wait
from randomatch_bot.conversation.plan.states import (
    Action,
    AnswerWithReaction,
    Cancel,
    Close,
    CloseForMinor,
    ConversationStatus,
    Fact,
    FinishReply,
    Hold,
    Interrupt,
    Load,
    MarkRead,
    Nothing,
    Open,
    Pause,
    PlanStatus,
    RecordStop,
    Revive,
    SendPart,
    SetAside,
    SkipOpener,
    Snapshot,
    StartPlan,
    StartThinking,
    StopPlan,
    TypePart,
    Wait,
)
from randomatch_bot.conversation.policies import closing, followup
from randomatch_bot.conversation.policies.limits import TAKEN_OVER
from randomatch_bot.conversation.words.closing import closing_line
from randomatch_bot.db.messages import HumanMessage
from randomatch_bot.db.plans import Plan

__all__ = [
    "Rules",
    "SeededRandom",
    "decide",
    "part_message_id",
    "plan_id_from",
]

PART_NAMESPACE = uuid.UUID("6f1c1c39-5f43-4bb5-9b7a-4d3c2a8e0b11")
GENERATION_WATCH = 60.0  # seconds after which a missing generation is asked for again
PERSONA_RECHECK = 3600.0  # seconds between looks at a conversation of a disabled persona
# A step woken this little before its due time (the clocks of two hosts, the queue's resolution)
# runs now: asking for the same due time again would reuse the running step's key and be lost.
EARLY_TOLERANCE = dt.timedelta(milliseconds=250)
# An icebreaker is written a few minutes after the match (log-normal, seconds, before scale).
OPENER_MEDIAN, OPENER_MIN, OPENER_MAX = 180.0, 20.0, 1800.0
MATCH_ACTIVE = "active"  # public.matches.status of a match still going on (the app's value)
PERSONA_DISABLED = "persona disabled"  # the hold of a conversation whose persona is off
CLOSED_MINOR = "closed: minor"  # the note of a step in a conversation closed for a minor


def part_message_id(plan_id: uuid.UUID, index: int) -> uuid.UUID:
    """The deterministic id of a plan's part: inserting it twice inserts it once."""
    return uuid.uuid5(PART_NAMESPACE, f"{plan_id}:{index}")


def plan_id_from(rng: random.Random) -> uuid.UUID:
    """A new plan's id. Drawn from a seeded RNG keyed by (match, epoch, time), so a seeded run
    on a virtual clock (tests, simulator) repeats exactly, while ids stay unique even if the
    conversation's state were ever reset and its epochs started again."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class SeededRandom:
    """RNGs derived from a base seed and a decision's identity.

    A step that is redone after a crash draws the same delays as the first time, so redoing
    never changes a plan's shape; tests pass a base seed to vary the whole run.
    """

    def __init__(self, seed: int | str = 0) -> None:
        self.seed = seed

    def __call__(self, *parts: object) -> random.Random:
        text = ":".join(str(p) for p in (self.seed, *parts))
        return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything a decision depends on besides the snapshot and the time."""

    settings: Settings
    rng: SeededRandom
    # The icebreaker's parts from the persona's greetings (the composer's, no model call).
    opener: Callable[[Persona, random.Random], list[str]]
    typing_transport: str = "table"
    db_clock: bool = True  # parts stamped by PostgreSQL (else by `now`, a virtual clock)
    hours_offset: dt.timedelta = dt.timedelta(0)  # HOURS_CLOCK_OFFSET on the wall clock
    review_minors: bool = False  # a reviewing model confirms a minor's closing

    def profile(self, persona: Persona) -> timing.TimingProfile:
        """The persona's timing profile under these settings."""
        return timing.TimingProfile.from_settings(
            self.settings,
            typing_speed_cps=persona.typing_speed_cps,
            min_thinking=persona.min_thinking,
            max_thinking=persona.max_thinking,
        )

    def away(self, persona: Persona, now: dt.datetime, rng: random.Random) -> float:
        """Seconds until the persona is there to reply: night, or an occasional absence."""
        return availability.availability_delay(
            now + self.hours_offset,
            persona.active_hours,
            persona.timezone,
            rng,
            time_scale=self.settings.time_scale,
            absence_probability=persona.absence_probability,
        )

    def typing_wake(self, now: dt.datetime, until: dt.datetime) -> dt.datetime:
        """When a typing bot next looks: at the part's end, or earlier to refresh a broadcast."""
        if self.typing_transport == "table":
            return until
        refresh = now + dt.timedelta(seconds=self.settings.typing_refresh_interval)
        return min(until, refresh)


# ---------------------------------------------------------------------- decide
def decide(snap: Snapshot, now: dt.datetime, rules: Rules) -> Action:
    """The one thing this conversation's step does next (see the module docstring)."""
    if snap.match.status != MATCH_ACTIVE:
        return Close(snap.match.status, snap.epoch + 1)
    if snap.conversation.status == ConversationStatus.DEAD_LETTER and not snap.revived:
        if not rules.settings.dead_letter_retry_on_message:
            return Nothing("dead letter: waiting for an operator")
        if Fact.OPEN_LETTERS not in snap.loaded:
            return Load(Fact.OPEN_LETTERS)
        if snap.open_letters:
            if Fact.WROTE_SINCE_LETTER not in snap.loaded:
                return Load(Fact.WROTE_SINCE_LETTER)
            if not snap.wrote_since_letter:
                return Nothing("dead letter: waiting for an operator")
        return Revive()
    if Fact.UNANSWERED not in snap.loaded:
        return Load(Fact.UNANSWERED)
    if Fact.CLOSURES not in snap.loaded:
        return Load(Fact.CLOSURES)
    closures = snap.closures
    if closures.closed:
        return _closed(snap, now, rules)
    plan = snap.plan
    if plan is not None and plan.id == closures.minor_reopened_plan_id:
        # Reopened while its closing line was still to be sent: the line goes too.
        return Cancel(plan, "conversation reopened")
    minor = closing.minor_message(snap.unanswered, closures, now.date())
    if minor is not None:
        return _close_for_minor(snap, minor, now, rules)
    asked = closing.stop_message(snap.unanswered, closures)
    if asked is not None:
        return RecordStop(asked.id)
    if plan is not None:
        triggers = set(plan.trigger_message_ids)
        if not any(m.id not in triggers for m in snap.unanswered):
            return _plan_step(snap, plan, now, rules)
        if not plan.operator:
            return Interrupt(plan)
        # An operator's message is never dropped nor answered over: it goes out as planned,
        # and what the person wrote meanwhile waits for it, then for the operator (or for the
        # persona, once the conversation is handed back).
        if not snap.finished:
            return _plan_step(snap, plan, now, rules)
        snap = replace(
            snap, plan=None, unanswered=tuple(m for m in snap.unanswered if m.id not in triggers)
        )
    if not snap.unanswered:
        return _silence(snap, now, rules)
    return _reply(snap, now, rules)


def _persona(snap: Snapshot) -> Persona | Load:
    if Fact.PERSONA not in snap.loaded or snap.persona is None:
        return Load(Fact.PERSONA)
    return snap.persona


def _closed(snap: Snapshot, now: dt.datetime, rules: Rules) -> Action:
    """A conversation closed for a minor: its closing line goes on, everything else is set
    aside, and nothing else ever happens (no reply, follow-up, icebreaker or reaction)."""
    closures, plan = snap.closures, snap.plan
    closing_plan = closures.minor_plan_id or uuid.uuid5(
        PART_NAMESPACE, f"closing:{closures.minor_id}"
    )
    if plan is not None and plan.id != closing_plan:
        return Cancel(plan, CLOSED_MINOR)
    triggers = set(plan.trigger_message_ids) if plan is not None else set()
    pending = tuple(m.id for m in snap.unanswered if m.id not in triggers)
    if pending and not snap.set_aside:
        return SetAside(pending, closing_plan)
    if plan is not None:
        return _plan_step(snap, plan, now, rules)
    return Wait(CLOSED_MINOR, snap.epoch, ConversationStatus.CLOSED, None)


def _close_for_minor(
    snap: Snapshot, message: HumanMessage, now: dt.datetime, rules: Rules
) -> Action:
    """The person said they are under 18: close the conversation with one closing line, read
    and typed like a reply (no model call), answering every message waiting."""
    persona = _persona(snap)
    if isinstance(persona, Load):
        return persona
    match_id, epoch = snap.match.match_id, snap.epoch + 1
    plan_id = plan_id_from(rules.rng(match_id, epoch, now.isoformat(), "closing"))
    triggers = tuple(m.id for m in snap.unanswered)
    if not persona.enabled:
        return CloseForMinor(snap.plan, plan_id, epoch, message.id, triggers, (), now)
    rng = rules.rng(match_id, epoch)
    away = rules.away(persona, now, rng)
    unread = [m.content for m in snap.unanswered if m.read_at is None]
    profile = rules.profile(persona)
    reading = timing.reading_delay("\n".join(unread), profile, rng) if unread else 0.0
    line = closing_line(persona.language, rules.rng(match_id, epoch, "closing line"))
    read_due = now + dt.timedelta(seconds=away + reading)
    return CloseForMinor(snap.plan, plan_id, epoch, message.id, triggers, (line,), read_due)


def _silence(snap: Snapshot, now: dt.datetime, rules: Rules) -> Action:
    """Nothing to answer and no plan: an icebreaker, a follow-up, or idle."""
    persona = _persona(snap)
    if isinstance(persona, Load):
        return persona
    opening = snap.conversation.opened_at is None and not snap.opener_skipped
    if opening and persona.enabled and persona.icebreaker:
        if Fact.MATCH_MESSAGES not in snap.loaded:
            return Load(Fact.MATCH_MESSAGES)
        if not snap.match_messages:
            # Taken over, the persona writes nothing of her own, an icebreaker neither: it is
            # written when the takeover ends, if the match is still silent then.
            held = _taken_over(snap)
            if held is not None:
                return held
            return _open(snap, persona, now, rules)
    when = None
    if followup.wants_followups(persona) and not closing.followups_stopped(snap.closures):
        if Fact.FOLLOWUP not in snap.loaded:
            return Load(Fact.FOLLOWUP)
        when = followup.followup_at(
            snap.followup, persona, now, rules.settings.time_scale, rules.hours_offset
        )
    if when is None:
        return Wait("nothing to answer", snap.epoch, ConversationStatus.IDLE, None)
    if when > now:
        return Wait("follow-up later", snap.epoch, ConversationStatus.IDLE, when)
    # A follow-up costs a model call like a reply: the same budgets and caps hold it.
    held = _policy(snap)
    if held is not None:
        return held
    # A plan with no trigger message: the same steps and guarantees as a reply.
    epoch = snap.epoch + 1
    plan_id = plan_id_from(rules.rng(snap.match.match_id, epoch, now.isoformat(), "plan"))
    return StartPlan(plan_id, epoch, (), now)


def _open(snap: Snapshot, persona: Persona, now: dt.datetime, rules: Rules) -> Action:
    """An icebreaker in a fresh, silent match, when the persona writes first."""
    match_id, epoch = snap.match.match_id, snap.epoch + 1
    rng = rules.rng(match_id, "opener")
    plan_id = plan_id_from(rules.rng(match_id, epoch, now.isoformat(), "plan"))
    parts = rules.opener(persona, rng)
    if not parts:
        return SkipOpener()
    away = rules.away(persona, now, rng)
    # Seen the match, then a little while before writing: minutes, like a person.
    pause = rules.settings.scaled(
        timing.truncated_lognormal(rng, OPENER_MEDIAN, 0.8, OPENER_MIN, OPENER_MAX)
    )
    start = now + dt.timedelta(seconds=away + pause)
    return Open(plan_id, epoch, tuple(parts), start, away + pause)


def _policy(snap: Snapshot) -> Load | Hold | None:
    if Fact.POLICY not in snap.loaded:
        return Load(Fact.POLICY)
    hold = snap.policy_hold
    return Hold(snap.epoch, hold.until, hold.reason) if hold is not None else None


def _taken_over(snap: Snapshot) -> Load | Hold | None:
    """The operator's hold, if the conversation is taken over (the first of the policies);
    the others hold a new reply and its model call, not an icebreaker."""
    held = _policy(snap)
    if isinstance(held, Hold) and held.reason != TAKEN_OVER:
        return None
    return held


def _reply(snap: Snapshot, now: dt.datetime, rules: Rules) -> Action:
    """Messages to answer and no plan: wait for the group to end, or start a plan."""
    persona = _persona(snap)
    if isinstance(persona, Load):
        return persona
    if not persona.enabled:
        # Looked at again later: enabling the persona answers what is waiting.
        recheck = now + dt.timedelta(seconds=PERSONA_RECHECK)
        return Wait(
            PERSONA_DISABLED, snap.epoch, ConversationStatus.WAITING, recheck, PERSONA_DISABLED
        )
    profile = rules.profile(persona)
    unanswered = snap.unanswered
    first = unanswered[0]
    if snap.interrupted is not None:
        # The human is writing again: a short grouping wait from the new messages, not from
        # the old ones (whose cap has long passed).
        interrupted = set(snap.interrupted)
        first = next(m for m in unanswered if m.id not in interrupted)
    last = unanswered[-1]
    due = timing.grouping_due(
        first.created_at,
        last.created_at,
        profile,
        rules.rng(snap.match.match_id, last.created_at.isoformat()),
    )
    if now < due - EARLY_TOLERANCE:
        return Wait("grouping", snap.epoch, ConversationStatus.WAITING, due)
    if Fact.HUMAN_TYPING not in snap.loaded:
        return Load(Fact.HUMAN_TYPING)
    hold_until = typing_wait.hold_while_typing(
        now,
        first.created_at,
        snap.human_typing.is_typing,
        snap.human_typing.updated_at,
        rules.settings.time_scale,
    )
    if hold_until is not None:
        # The human is still typing: one reply after they finish (up to a cap).
        return Wait("human typing", snap.epoch, ConversationStatus.WAITING, hold_until)
    held = _policy(snap)
    if held is not None:
        return held
    epoch = snap.epoch + 1
    match_id = snap.match.match_id
    rng = rules.rng(match_id, epoch)
    plan_id = plan_id_from(rules.rng(match_id, epoch, now.isoformat(), "plan"))
    away = rules.away(persona, now, rng)
    unread = [m.content for m in unanswered if m.read_at is None]
    reading = timing.reading_delay("\n".join(unread), profile, rng) if unread else 0.0
    read_due = now + dt.timedelta(seconds=away + reading)
    return StartPlan(plan_id, epoch, tuple(m.id for m in unanswered), read_due, away, reading)


def _plan_step(snap: Snapshot, plan: Plan, now: dt.datetime, rules: Rules) -> Action:
    """The active plan's next step: wait, read, think, type, send, pause or finish."""
    epoch, due = plan.epoch, plan.next_due_at
    if plan.status == PlanStatus.THINKING and plan.parts is None:
        if plan.retry_at is not None and now < plan.retry_at:
            # The model is down or paused: wait for it, typing off.
            return Wait("waiting for the model", epoch, ConversationStatus.REPLYING, plan.retry_at)
        # The generation runs beside the thinking delay; ask again if it seems lost.
        watch = max(due or now, now) + dt.timedelta(seconds=GENERATION_WATCH)
        return Wait(
            "waiting for generation", epoch, ConversationStatus.REPLYING, watch, generate=plan.id
        )
    if due is not None and now < due - EARLY_TOLERANCE:
        # A broadcast is not stored: say "typing" again while it lasts.
        refresh = (
            plan.status == PlanStatus.TYPING and plan.typing and rules.typing_transport != "table"
        )
        wake = rules.typing_wake(now, due) if refresh else due
        return Wait("not due yet", epoch, ConversationStatus.REPLYING, wake, refresh_typing=refresh)

    persona = _persona(snap)
    if isinstance(persona, Load):
        return persona
    if not persona.enabled:
        # Disabled while replying: the plan stops here (unsent parts dropped, indicator
        # off); enabling the persona wakes the conversation, which answers then.
        return StopPlan(plan, epoch + 1, now + dt.timedelta(seconds=PERSONA_RECHECK))
    profile = rules.profile(persona)

    if plan.status == PlanStatus.READING:
        if snap.read is None:
            return MarkRead(plan)
        if snap.read.reacted:
            return AnswerWithReaction(plan, snap.read.emoji)
        if Fact.SINCE_BOT_MESSAGE not in snap.loaded:
            return Load(Fact.SINCE_BOT_MESSAGE)
        think = timing.thinking_delay(
            profile,
            rules.rng(plan.id, "think"),
            seconds_since_last_bot_message=snap.since_bot_message,
        )
        return StartThinking(plan, now + dt.timedelta(seconds=think), think)

    parts = plan.parts or ()
    index = plan.next_part
    if plan.status == PlanStatus.THINKING or not plan.typing:
        # Start typing part `index` (the first one after thinking, the next after a pause).
        duration = timing.typing_duration(parts[index], profile, rules.rng(plan.id, "type", index))
        until = now + dt.timedelta(seconds=duration)
        return TypePart(plan, index, until, rules.typing_wake(now, until))

    if not snap.sent:
        # The app orders messages by created_at, which PostgreSQL sets for the human's: the
        # bot's take the same clock, not this host's (None = the database's now()).
        sent_at = None if rules.db_clock else now
        message_id = part_message_id(plan.id, index)
        return SendPart(plan, index, message_id, parts[index], sent_at)
    if index + 1 >= len(parts):
        if not snap.finished:
            return FinishReply(plan)
        if snap.closures.closed:
            return Wait(CLOSED_MINOR, epoch, ConversationStatus.CLOSED, None)
        when = None
        if followup.wants_followups(persona) and not closing.followups_stopped(snap.closures):
            if Fact.FOLLOWUP not in snap.loaded:
                return Load(Fact.FOLLOWUP)
            when = followup.followup_at(
                snap.followup, persona, now, rules.settings.time_scale, rules.hours_offset
            )
        return Wait("reply done", epoch, ConversationStatus.IDLE, when)
    pause = timing.pause_between_parts(profile, rules.rng(plan.id, "pause", index))
    return Pause(plan, index + 1, now + dt.timedelta(seconds=pause))
