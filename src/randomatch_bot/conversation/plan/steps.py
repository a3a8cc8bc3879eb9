"""Carrying out the plan machine's actions, in the step's transaction, under the row lock.

`run` decides and carries out until a final action ends the step. The facts come with the
step's one read (`db.steps.read`); a fact its state did not read is read apart when the decision
asks for it all the same (`load`, a rare branch). The continuing actions' effects wait in a
`StepWrite` and are written with the final action's, in one statement (`db.steps.write`).
What cannot wait: a broadcast indicator (`TYPING_TRANSPORT` other than `table`), a reaction
(where the app has reactions), and an interrupted plan before a new one (the index of active
plans would see both in one statement). No decision is taken here: every branch is in `decide`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

import structlog

from randomatch_bot.conversation.persona.card import load_persona, persona_of
from randomatch_bot.conversation.plan import typing_broadcast
from randomatch_bot.conversation.plan.machine import (
    CLOSED_MINOR,
    PERSONA_DISABLED,
    Rules,
    decide,
)
from randomatch_bot.conversation.plan.states import (
    CONTINUING,
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
    ReadOutcome,
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
from randomatch_bot.conversation.policies import limits as policy
from randomatch_bot.conversation.policies import reactions
from randomatch_bot.db import closures, conversations, dead_letters, messages, plans
from randomatch_bot.db import steps as step_db
from randomatch_bot.db import typing_indicators as indicators
from randomatch_bot.db.personas import PersonaRow
from randomatch_bot.db.plans import Plan
from randomatch_bot.db.steps import NewPlan, Progress, Save, SentPart, StepWrite
from randomatch_bot.db.types import Conn
from randomatch_bot.db.usage import PolicyUsage
from randomatch_bot.process_metrics import METRICS

log = structlog.get_logger(__name__)

# A step takes a handful of actions (load, interrupt, load, ..., start); more means a loop.
MAX_ACTIONS = 32
GREETING_MODEL = "greeting"  # the model recorded for an icebreaker's parts (no model call)


@dataclass(frozen=True, slots=True)
class StepResult:
    """What a step did and what it wants next."""

    note: str
    wake_at: dt.datetime | None = None
    generate: uuid.UUID | None = None
    match_id: uuid.UUID | None = None
    remember: bool = False  # the match's long-term memory should be brought up to date
    resumed: tuple[uuid.UUID, ...] = ()  # conversations released by a lifted model pause
    review: int | None = None  # a minor's closing for the reviewing model to confirm
    grouped: tuple[StepResult, ...] = ()  # the steps run before this one in its transaction


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What the step's one read brought that is turned into a fact only when the decision asks
    for it: the persona row (None: the default persona), the policy counts and whether the app
    has reactions (None: not read in this state)."""

    persona: PersonaRow | None
    policy: PolicyUsage | None = None
    reactions: bool | None = None


async def run(
    conn: Conn,
    snap: Snapshot,
    now: dt.datetime,
    rules: Rules,
    prefetched: Prefetched | None = None,
) -> StepResult:
    """Decide and carry out until a final action ends the step."""
    pending = StepWrite(snap.match.match_id, snap.match.bot_id)
    for _ in range(MAX_ACTIONS):
        action = decide(snap, now, rules)
        if isinstance(action, Load):
            known = _prefetched(snap, action.fact, now, rules, prefetched)
            if known is None:
                # Read apart (a rare branch), after this step's writes so far, as it sees them.
                log.debug("plan.fact_read_apart", fact=action.fact.value)
                if not pending.empty:
                    await step_db.write(conn, pending)
                    pending = StepWrite(pending.match_id, pending.bot_id)
                known = await load(conn, snap, action.fact, now, rules)
            snap = known
        elif isinstance(action, CONTINUING):
            snap, pending = await _carry_on(conn, snap, action, now, rules, pending, prefetched)
        else:
            return await _finish(conn, snap, action, now, rules, pending)
    raise RuntimeError(f"a step took more than {MAX_ACTIONS} actions")


def _prefetched(
    snap: Snapshot, fact: Fact, now: dt.datetime, rules: Rules, prefetched: Prefetched | None
) -> Snapshot | None:
    """The snapshot with `fact` from what the step's read brought, or None when it did not."""
    if prefetched is None:
        return None
    ctx, settings = snap.match, rules.settings
    if fact is Fact.PERSONA:
        persona = persona_of(settings, ctx.bot_id, ctx.bot_name, prefetched.persona)
        return snap.knowing(fact, persona=persona)
    if fact is Fact.POLICY and prefetched.policy is not None:
        assert snap.persona is not None, "the persona is loaded before its policies"
        hold = policy.hold_for(prefetched.policy, settings, now, snap.persona.timezone)
        return snap.knowing(fact, policy_hold=hold)
    return None


async def load(conn: Conn, snap: Snapshot, fact: Fact, now: dt.datetime, rules: Rules) -> Snapshot:
    """The snapshot with `fact` read from the database."""
    ctx, settings = snap.match, rules.settings
    match fact:
        case Fact.OPEN_LETTERS:
            letters = await dead_letters.open_of(conn, match_id=ctx.match_id)
            return snap.knowing(fact, open_letters=tuple(letters))
        case Fact.WROTE_SINCE_LETTER:
            wrote = await messages.human_wrote_since(
                conn,
                match_id=ctx.match_id,
                human_id=ctx.human_id,
                since=snap.open_letters[0].created_at,
            )
            return snap.knowing(fact, wrote_since_letter=wrote)
        case Fact.UNANSWERED:
            unanswered = await messages.unanswered(
                conn,
                match_id=ctx.match_id,
                human_id=ctx.human_id,
                baseline_at=snap.conversation.baseline_at,
                since=now - dt.timedelta(seconds=settings.catchup_lookback),
            )
            return snap.knowing(fact, unanswered=tuple(unanswered))
        case Fact.CLOSURES:
            found = await closures.facts(conn, match_id=ctx.match_id)
            return snap.knowing(fact, closures=found)
        case Fact.PERSONA:
            persona = await load_persona(conn, settings, ctx.bot_id, ctx.bot_name)
            return snap.knowing(fact, persona=persona)
        case Fact.MATCH_MESSAGES:
            count = await messages.count(conn, match_id=ctx.match_id)
            return snap.knowing(fact, match_messages=count)
        case Fact.FOLLOWUP:
            state = await messages.followup_state(
                conn, match_id=ctx.match_id, bot_id=ctx.bot_id, human_id=ctx.human_id
            )
            return snap.knowing(fact, followup=state)
        case Fact.HUMAN_TYPING:
            typing = await indicators.human_typing(
                conn, match_id=ctx.match_id, human_id=ctx.human_id
            )
            return snap.knowing(fact, human_typing=typing)
        case Fact.POLICY:
            assert snap.persona is not None, "the persona is loaded before its policies"
            hold = await policy.check(
                conn,
                settings,
                match_id=ctx.match_id,
                bot_id=ctx.bot_id,
                timezone=snap.persona.timezone,
                now=now,
                human_id=ctx.human_id,
            )
            return snap.knowing(fact, policy_hold=hold)
        case Fact.SINCE_BOT_MESSAGE:
            since = await messages.seconds_since_bot_message(
                conn, match_id=ctx.match_id, bot_id=ctx.bot_id, now=now
            )
            return snap.knowing(fact, since_bot_message=since)
    raise AssertionError(f"unknown fact {fact!r}")


async def _carry_on(
    conn: Conn,
    snap: Snapshot,
    action: Action,
    now: dt.datetime,
    rules: Rules,
    pending: StepWrite,
    prefetched: Prefetched | None,
) -> tuple[Snapshot, StepWrite]:
    """Carry out a continuing action: its writes wait in `pending`, the snapshot records it."""
    ctx = snap.match
    match action:
        case Revive():
            log.info("dead_letter.revived", letters=[r.id for r in snap.open_letters])
            return replace(snap, revived=True), replace(pending, revive=True)
        case Interrupt(plan=plan):
            pending = await _ending(
                conn, rules, pending, plan, PlanStatus.INTERRUPTED, "new human message", now
            )
            log.info("plan.interrupted", plan_id=str(plan.id), sent=plan.next_part)
            snap = replace(
                snap, plan=None, epoch=snap.epoch + 1, interrupted=plan.trigger_message_ids
            )
            return snap, pending
        case SkipOpener():
            log.warning("icebreaker.skipped", hint="the persona has no greetings")
            return replace(snap, opener_skipped=True), pending
        case MarkRead(plan=plan):
            pending = replace(
                pending, plan_id=plan.id, read_ids=plan.trigger_message_ids, read_at=now
            )
            available = prefetched.reactions if prefetched is not None else None
            return replace(snap, read=await _react(conn, snap, plan, rules, available)), pending
        case SendPart(plan=plan, index=index):
            part = SentPart(action.message_id, index, action.content, action.sent_at)
            pending = replace(pending, plan_id=plan.id, part=part)
            pending = await _indicator(conn, rules, pending, ctx.match_id, ctx.bot_id, False, now)
            log.info("plan.part_sent", plan_id=str(plan.id), part=index, of=len(plan.parts or ()))
            followup = snap.followup
            if followup is not None:
                # Read before this part: the bot has written since (the follow-up counts from it).
                written = action.sent_at or now
                if followup.last_bot_at is None or followup.last_bot_at < written:
                    followup = replace(followup, last_bot_at=written)
            return replace(snap, sent=True, followup=followup), pending
        case FinishReply(plan=plan):
            pending = replace(
                pending,
                plan_id=plan.id,
                answered=plan.trigger_message_ids,
                end_status=PlanStatus.DONE,
                end_error=None,
            )
            return replace(snap, finished=True), pending
        case Cancel(plan=plan, reason=reason):
            pending = await _ending(conn, rules, pending, plan, PlanStatus.CANCELLED, reason, now)
            log.info("plan.cancelled", plan_id=str(plan.id), reason=reason)
            return replace(snap, plan=None, epoch=snap.epoch + 1), pending
        case RecordStop(message_id=message_id):
            # Its own statement, after the step's writes so far (a rare branch: a request to
            # stop); the record's id tells whether it is new.
            pending = await _flush(conn, pending)
            stop_id = await closures.close(
                conn,
                match_id=ctx.match_id,
                reason="stop",
                message_id=message_id,
                plan_id=None,
                closed_at=now,
            )
            if stop_id is not None:
                METRICS.conversations_closed.labels(reason="stop").inc()
                log.info("conversation.stop_recorded", message_id=str(message_id))
            return replace(snap, closures=replace(snap.closures, stop_id=stop_id or 0)), pending
        case SetAside(message_ids=ids, plan_id=plan_id):
            # Its own statement, after the step's writes so far (a rare branch: a closed
            # conversation's messages).
            pending = await _flush(conn, pending)
            await closures.set_aside(conn, match_id=ctx.match_id, plan_id=plan_id, message_ids=ids)
            log.info("conversation.messages_set_aside", messages=len(ids))
            return replace(snap, set_aside=True), pending
    raise AssertionError(f"not a continuing action: {action!r}")


async def _react(
    conn: Conn, snap: Snapshot, plan: Plan, rules: Rules, available: bool | None
) -> ReadOutcome:
    """Maybe react with an emoji (where the app has reactions); a bare "ok" ends here. A plan
    written in advance (a closing line) never reacts."""
    if plan.parts is not None or not plan.trigger_message_ids:
        return ReadOutcome(reacted=False)
    if available is None:
        available = await reactions.reactions_available(conn)
    if not available:
        return ReadOutcome(reacted=False)
    rows = await messages.texts(conn, message_ids=plan.trigger_message_ids)
    if not rows:
        return ReadOutcome(reacted=False)
    reaction = await reactions.react(
        conn,
        match_id=snap.match.match_id,
        bot_id=snap.match.bot_id,
        message_id=rows[-1].id,
        texts=[r.content for r in rows],
        rng=rules.rng(plan.id, "react"),
    )
    if reaction is None or not reaction.instead_of_reply:
        return ReadOutcome(reacted=False)
    return ReadOutcome(reacted=True, emoji=reaction.emoji)


async def _finish(
    conn: Conn,
    snap: Snapshot,
    action: Action,
    now: dt.datetime,
    rules: Rules,
    pending: StepWrite,
) -> StepResult:
    """Carry out a final action: the step's writes, in one statement, and its result."""
    match_id = snap.match.match_id
    match action:
        case Close(reason=reason, epoch=epoch):
            if snap.plan is not None:
                pending = await _ending(
                    conn, rules, pending, snap.plan, PlanStatus.CANCELLED, f"match {reason}", now
                )
            await _write(conn, pending, Save(epoch, ConversationStatus.CLOSED, None))
            log.info("conversation.closed", reason=reason)
            return StepResult(f"match {reason}")
        case CloseForMinor():
            # Its own statements, after the step's writes so far (a rare branch: a minor).
            pending = await _flush(conn, pending)
            return await _close_for_minor(conn, snap, action, now, rules)
        case Nothing(note=note):
            if not pending.empty:
                await step_db.write(conn, pending)
            return StepResult(note)
        case Wait():
            if action.refresh_typing:
                pending = await _indicator(
                    conn, rules, pending, match_id, snap.match.bot_id, True, now
                )
            saved = Save(action.epoch, action.status, action.wake_at, hold=action.hold)
            await _write(conn, pending, saved)
            return StepResult(action.note, wake_at=action.wake_at, generate=action.generate)
        case Hold(epoch=epoch, until=until, reason=reason):
            await _write(conn, pending, Save(epoch, ConversationStatus.WAITING, until, hold=reason))
            log.info("plan.held", reason=reason, until=until.isoformat())
            return StepResult(f"held: {reason}", wake_at=until)
        case StartPlan(plan_id=plan_id, epoch=epoch, read_due=read_due):
            new = NewPlan(
                plan_id, epoch, PlanStatus.READING, action.triggers, read_due, read_due, now
            )
            pending = await _before_new_plan(conn, pending)
            saved = Save(epoch, ConversationStatus.REPLYING, read_due)
            await _write(conn, replace(pending, new_plan=new), saved)
            if action.is_followup:
                log.info("followup.planned", plan_id=str(plan_id))
                return StepResult("follow-up planned", wake_at=read_due)
            log.info(
                "plan.started",
                plan_id=str(plan_id),
                messages=len(action.triggers),
                away_s=round(action.away, 2),
                reading_s=round(action.reading, 2),
            )
            return StepResult("plan started", wake_at=read_due)
        case Open(plan_id=plan_id, epoch=epoch, start=start):
            # Read at once, thinking until `start`, its parts the persona's greetings.
            new = NewPlan(
                plan_id,
                epoch,
                PlanStatus.THINKING,
                (),
                read_due_at=now,
                next_due_at=start,
                created_at=now,
                think_until=start,
                parts=action.parts,
                model=GREETING_MODEL,
                prompt_tokens=0,
                completion_tokens=0,
                cost=0.0,
            )
            pending = await _before_new_plan(conn, pending)
            saved = Save(epoch, ConversationStatus.REPLYING, start, opened_at=now)
            await _write(conn, replace(pending, new_plan=new), saved)
            log.info("icebreaker.planned", plan_id=str(plan_id), in_s=round(action.delay, 1))
            return StepResult("icebreaker planned", wake_at=start)
        case _:
            return await _finish_plan_step(conn, snap, action, now, rules, pending)


async def _close_for_minor(
    conn: Conn, snap: Snapshot, action: CloseForMinor, now: dt.datetime, rules: Rules
) -> StepResult:
    """Close the conversation for good: no plan but the closing line's, recorded for the
    operator; the messages waiting are answered by that line (or set aside without one)."""
    ctx = snap.match
    if action.cancel is not None:
        await end_plan(conn, rules, action.cancel, PlanStatus.CANCELLED, CLOSED_MINOR, now)
    closure_id = await closures.close(
        conn,
        match_id=ctx.match_id,
        reason="minor",
        message_id=action.message_id,
        plan_id=action.plan_id,
        closed_at=now,
    )
    METRICS.conversations_closed.labels(reason="minor").inc()
    # Ids only: never what the person wrote.
    log.warning(
        "conversation.closed_for_good",
        reason="minor",
        message_id=str(action.message_id),
        closing_line=bool(action.parts),
    )
    review = closure_id if rules.review_minors else None
    if not action.parts:
        await closures.set_aside(
            conn, match_id=ctx.match_id, plan_id=action.plan_id, message_ids=action.triggers
        )
        await save(conn, ctx.match_id, action.epoch, ConversationStatus.CLOSED, None)
        return StepResult(CLOSED_MINOR, review=review)
    await closures.insert_closing_plan(
        conn,
        plan_id=action.plan_id,
        match_id=ctx.match_id,
        bot_id=ctx.bot_id,
        epoch=action.epoch,
        trigger_message_ids=action.triggers,
        parts=action.parts,
        read_due_at=action.read_due,
        created_at=now,
    )
    return StepResult(CLOSED_MINOR, wake_at=action.read_due, review=review)


async def _finish_plan_step(
    conn: Conn,
    snap: Snapshot,
    action: Action,
    now: dt.datetime,
    rules: Rules,
    pending: StepWrite,
) -> StepResult:
    """Carry out a final action of the active plan's steps."""
    ctx = snap.match
    match action:
        case StopPlan(plan=plan, epoch=epoch, recheck=recheck):
            pending = await _ending(
                conn, rules, pending, plan, PlanStatus.CANCELLED, "persona disabled", now
            )
            saved = Save(epoch, ConversationStatus.WAITING, recheck, hold=PERSONA_DISABLED)
            await _write(conn, pending, saved)
            log.info("plan.persona_disabled", plan_id=str(plan.id))
            return StepResult("persona disabled", wake_at=recheck)
        case AnswerWithReaction(plan=plan, emoji=emoji):
            pending = replace(
                pending,
                plan_id=plan.id,
                answered=plan.trigger_message_ids,
                end_status=PlanStatus.DONE,
                end_error=None,
            )
            await _write(conn, pending, Save(plan.epoch, ConversationStatus.IDLE, None))
            log.info("plan.reacted", plan_id=str(plan.id), emoji=emoji)
            return StepResult("reacted instead of replying")
        case StartThinking(plan=plan, until=until, think=think):
            progress = Progress(PlanStatus.THINKING, due_at=until, think_until=until)
            pending = replace(pending, plan_id=plan.id, progress=progress)
            await _write(conn, pending, Save(plan.epoch, ConversationStatus.REPLYING, until))
            log.info("plan.read", plan_id=str(plan.id), thinking_s=round(think, 2))
            # A plan written in advance (a closing line) has nothing to generate.
            generate = plan.id if plan.parts is None else None
            return StepResult("read", wake_at=until, generate=generate)
        case TypePart(plan=plan, index=index, until=until, wake=wake):
            # A broadcast goes first, as before; the table's indicator is in the write.
            pending = await _indicator(conn, rules, pending, ctx.match_id, ctx.bot_id, True, now)
            progress = Progress(PlanStatus.TYPING, due_at=until, typing=True, next_part=index)
            pending = replace(pending, plan_id=plan.id, progress=progress)
            await _write(conn, pending, Save(plan.epoch, ConversationStatus.REPLYING, wake))
            return StepResult(f"typing part {index}", wake_at=wake)
        case Pause(plan=plan, next_part=next_part, until=until):
            progress = Progress(PlanStatus.TYPING, due_at=until, typing=False, next_part=next_part)
            pending = replace(pending, plan_id=plan.id, progress=progress)
            await _write(conn, pending, Save(plan.epoch, ConversationStatus.REPLYING, until))
            return StepResult(f"sent part {next_part - 1}", wake_at=until)
    raise AssertionError(f"not a final action: {action!r}")


async def _write(conn: Conn, pending: StepWrite, saved: Save) -> None:
    """The step's one write: what waited in `pending` and the conversation's save."""
    await step_db.write(conn, replace(pending, save=saved))


async def _ending(
    conn: Conn,
    rules: Rules,
    pending: StepWrite,
    plan: Plan,
    status: PlanStatus,
    reason: str,
    now: dt.datetime,
) -> StepWrite:
    """`pending` with `plan` ended (`end_plan`'s effects, written with the step's)."""
    pending = replace(pending, plan_id=plan.id, end_status=status, end_error=reason)
    return await _indicator(conn, rules, pending, plan.match_id, plan.bot_id, False, now)


async def _flush(conn: Conn, pending: StepWrite) -> StepWrite:
    """Write what waited in `pending` now, before a statement of its own that comes after it."""
    if pending.empty:
        return pending
    await step_db.write(conn, pending)
    return StepWrite(pending.match_id, pending.bot_id)


async def _before_new_plan(conn: Conn, pending: StepWrite) -> StepWrite:
    """A plan ended in this step is written before a new plan's statement: in one statement,
    the unique index of active plans would still see it active."""
    if pending.end_status is None:
        return pending
    await step_db.write(conn, pending)
    return StepWrite(pending.match_id, pending.bot_id)


async def _indicator(
    conn: Conn,
    rules: Rules,
    pending: StepWrite,
    match_id: uuid.UUID,
    bot_id: uuid.UUID,
    on: bool,
    now: dt.datetime,
) -> StepWrite:
    """The bot's indicator on or off: in the step's write with the table, now otherwise."""
    if rules.typing_transport == "table":
        return replace(pending, indicator=on, indicator_at=now)
    await set_typing(conn, rules, match_id, bot_id, on, now)
    return pending


# ---------------------------------------------------------------------- shared writes
async def end_plan(
    conn: Conn,
    rules: Rules,
    plan: Plan,
    status: PlanStatus,
    reason: str | None,
    now: dt.datetime,
) -> None:
    """End `plan` with `status`; the indicator goes off unless a finished plan left it off."""
    await plans.finish(conn, plan_id=plan.id, status=status, error=reason)
    if plan.typing or status != PlanStatus.DONE:
        await set_typing(conn, rules, plan.match_id, plan.bot_id, False, now)


async def set_typing(
    conn: Conn, rules: Rules, match_id: uuid.UUID, bot_id: uuid.UUID, on: bool, now: dt.datetime
) -> None:
    """The bot's typing indicator on or off, by TYPING_TRANSPORT, in the step's transaction."""
    if rules.typing_transport == "table":
        await indicators.write(conn, match_id=match_id, user_id=bot_id, is_typing=on, now=now)
        return
    expires = typing_broadcast.expires_at(rules.settings, now) if on else None
    await indicators.broadcast(
        conn,
        match_id=match_id,
        user_id=bot_id,
        is_typing=on,
        now=now,
        transport=rules.typing_transport,
        expires_at=expires,
    )


async def save(
    conn: Conn,
    match_id: uuid.UUID,
    epoch: int,
    status: ConversationStatus,
    wake_at: dt.datetime | None,
    error: str | None = None,
    *,
    hold: str | None = None,
) -> None:
    """Store where the conversation stands after a step that succeeded."""
    await conversations.save(
        conn,
        match_id=match_id,
        epoch=epoch,
        status=status,
        wake_at=wake_at,
        error=error,
        hold=hold,
    )
