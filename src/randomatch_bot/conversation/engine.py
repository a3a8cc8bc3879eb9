"""The conversation engine: one short, idempotent step at a time, redone safely from PostgreSQL.

Each call of `advance(match_id)` locks the conversation's row, reads where things stand and does
the one thing that is due — start a plan after the grouping window, mark messages read, start
"is typing…", send a part, pause — in the same transaction as the state change. It returns when
it wants to be called again; the worker turns that into a scheduled step on Redis. Nothing
sleeps: every human-like delay is a due time stored in the plan.

    idle ─(human writes)─► waiting (grouping) ─► reading ─► thinking ─► typing ⟲ parts ─► done
                               ▲                               │ (LLM call runs here)
                               └── interrupted (new human message at any step) ◄──┘

Exactly once: a part's message id is derived from (plan id, part index) and inserted with
ON CONFLICT DO NOTHING; the plan row is written before its first part; the conversation row lock
plus the plan's status make a stale or duplicate step a no-op; a partial unique index allows one
active plan per conversation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from randomatch_bot.config import Settings
from randomatch_bot.conversation import (
    availability,
    followup,
    memory,
    outage,
    policy,
    reactions,
    timing,
    typing_broadcast,
    typing_wait,
)
from randomatch_bot.conversation.composer import HISTORY_FETCH, Composer, Conversation
from randomatch_bot.conversation.persona import Persona, load_persona
from randomatch_bot.db import conversations, dead_letters, messages, plans, session
from randomatch_bot.db import typing_indicators as indicators
from randomatch_bot.db.conversations import MatchContext as _Context
from randomatch_bot.db.messages import HumanMessage
from randomatch_bot.db.plans import Plan
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import LLMCircuitOpen, LLMPermanentError, LLMRetryableError
from randomatch_bot.llm.types import LLMClient

if TYPE_CHECKING:
    import asyncpg

log = structlog.get_logger(__name__)

PART_NAMESPACE = uuid.UUID("6f1c1c39-5f43-4bb5-9b7a-4d3c2a8e0b11")
GENERATION_WATCH = 60.0  # seconds after which a missing generation is asked for again
PERSONA_RECHECK = 3600.0  # seconds between looks at a conversation of a disabled persona
# A step woken this little before its due time (the clocks of two hosts, the queue's resolution)
# runs now: asking for the same due time again would reuse the running step's key and be lost.
EARLY_TOLERANCE = dt.timedelta(milliseconds=250)
# An icebreaker is written a few minutes after the match (log-normal, seconds, before scale).
OPENER_MEDIAN, OPENER_MIN, OPENER_MAX = 180.0, 20.0, 1800.0

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _plan_id(rng: random.Random) -> uuid.UUID:
    # Drawn from a seeded RNG keyed by (match, epoch, time), so a seeded run on a virtual clock
    # (tests, simulator) repeats exactly, while ids stay unique even if the conversation's
    # state were ever reset and its epochs started again.
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def part_message_id(plan_id: uuid.UUID, index: int) -> uuid.UUID:
    """The deterministic id of a plan's part: inserting it twice inserts it once."""
    return uuid.uuid5(PART_NAMESPACE, f"{plan_id}:{index}")


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
class StepResult:
    """What a step did and what it wants next."""

    note: str
    wake_at: dt.datetime | None = None
    generate: uuid.UUID | None = None
    match_id: uuid.UUID | None = None
    remember: bool = False  # the match's long-term memory should be brought up to date
    resumed: tuple[uuid.UUID, ...] = ()  # conversations released by a lifted model pause


class ConversationEngine:
    """Runs conversation steps against PostgreSQL. Stateless: any worker may run any step."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        *,
        rng: SeededRandom | None = None,
        clock: Clock = utcnow,
        db_clock: bool | None = None,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.rng = rng or SeededRandom()
        self.clock = clock
        # Sent parts are stamped by PostgreSQL unless time is virtual (tests, the simulator).
        self.db_clock = clock is utcnow if db_clock is None else db_clock
        self.composer = Composer(pool, settings)
        # HOURS_CLOCK_OFFSET shifts the wall clock only: an injected clock is already the time
        # its caller chose.
        offset = settings.hours_clock_offset if clock is utcnow else 0.0
        self.hours_offset = dt.timedelta(seconds=offset)
        # TYPING_TRANSPORT, or `table` where the worker found no Supabase Realtime at start.
        self.typing_transport: str = settings.typing_transport

    # ------------------------------------------------------------------ advance
    async def advance(self, match_id: uuid.UUID) -> StepResult:
        """Do what is due in this conversation now; say when to come back."""
        async with session.transaction(self.pool) as conn:
            # The lock first, then the match: an unmatch committed while this step waited for
            # the lock is seen, so no part follows it.
            conv = await conversations.lock(conn, match_id=match_id)
            ctx = await self._context(conn, match_id)
            if ctx is None:
                await self._close_missing(conn, match_id)
                return StepResult("match gone")
            if conv is None:
                await conversations.ensure(
                    conn, match_id=match_id, bot_id=ctx.bot_id, human_id=ctx.human_id
                )
                conv = await conversations.lock(conn, match_id=match_id)
                assert conv is not None
            with structlog.contextvars.bound_contextvars(match_id=str(match_id)):
                return await self._advance_locked(conn, ctx, conv)

    async def _context(self, conn: Conn, match_id: uuid.UUID) -> _Context | None:
        return await conversations.match_context(conn, match_id=match_id)

    async def _close_missing(self, conn: Conn, match_id: uuid.UUID) -> None:
        plan = await plans.active_plan(conn, match_id=match_id)
        if plan is not None:
            await self._end_plan(conn, plan, "cancelled", "match or profile deleted", self.clock())

    async def _advance_locked(
        self, conn: Conn, ctx: _Context, conv: conversations.Conversation
    ) -> StepResult:
        now = self.clock()
        epoch = conv.epoch
        plan = await plans.active_plan(conn, match_id=ctx.match_id)

        if ctx.status != "active":
            if plan is not None:
                await self._end_plan(conn, plan, "cancelled", f"match {ctx.status}", now)
            await self._save(conn, ctx.match_id, epoch + 1, "closed", None)
            log.info("conversation closed", reason=ctx.status)
            return StepResult(f"match {ctx.status}")
        if conv.status == "dead_letter" and not await self._revive(conn, ctx, now):
            return StepResult("dead letter: waiting for an operator")

        unanswered = await messages.unanswered(
            conn,
            match_id=ctx.match_id,
            human_id=ctx.human_id,
            baseline_at=conv.baseline_at,
            since=now - dt.timedelta(seconds=self.settings.catchup_lookback),
        )
        group_from = unanswered[0] if unanswered else None
        if plan is not None:
            triggers = set(plan.trigger_message_ids)
            newer = [m for m in unanswered if m.id not in triggers]
            if newer:
                await self._end_plan(conn, plan, "interrupted", "new human message", now)
                epoch += 1
                # The human is writing again: a short grouping wait from the new messages, not
                # from the old ones (whose cap has long passed).
                group_from = newer[0]
                log.info("plan interrupted", plan_id=str(plan.id), sent=plan.next_part)
            else:
                return await self._step_plan(conn, ctx, plan, now)

        if not unanswered:
            if plan is None and conv.opened_at is None:
                opened = await self._maybe_open(conn, ctx, epoch + 1, now)
                if opened is not None:
                    return opened
            if plan is None:
                followed = await self._maybe_follow_up(conn, ctx, epoch, now)
                if followed is not None:
                    return followed
            await self._save(conn, ctx.match_id, epoch, "idle", None)
            return StepResult("nothing to answer")

        persona = await load_persona(conn, self.settings, ctx.bot_id, ctx.bot_name)
        if not persona.enabled:
            # Looked at again later: enabling the persona answers what is waiting.
            recheck = now + dt.timedelta(seconds=PERSONA_RECHECK)
            await self._save(conn, ctx.match_id, epoch, "waiting", recheck, hold="persona disabled")
            return StepResult("persona disabled", wake_at=recheck)
        profile = self._profile(persona)
        first, last = group_from or unanswered[0], unanswered[-1]
        due = timing.grouping_due(
            first.created_at,
            last.created_at,
            profile,
            self.rng(ctx.match_id, last.created_at.isoformat()),
        )
        if now < due - EARLY_TOLERANCE:
            await self._save(conn, ctx.match_id, epoch, "waiting", due)
            return StepResult("grouping", wake_at=due)
        typing = await indicators.human_typing(conn, match_id=ctx.match_id, human_id=ctx.human_id)
        hold_until = typing_wait.hold_while_typing(
            now,
            first.created_at,
            typing.is_typing,
            typing.updated_at,
            self.settings.time_scale,
        )
        if hold_until is not None:
            # The human is still typing: one reply after they finish (up to a cap).
            await self._save(conn, ctx.match_id, epoch, "waiting", hold_until)
            return StepResult("human typing", wake_at=hold_until)
        held = await self._policy_hold(conn, ctx, persona, epoch, now)
        if held is not None:
            return held

        return await self._start_plan(conn, ctx, persona, profile, unanswered, epoch + 1, now)

    async def _start_plan(
        self,
        conn: Conn,
        ctx: _Context,
        persona: Persona,
        profile: timing.TimingProfile,
        unanswered: Sequence[HumanMessage],
        epoch: int,
        now: dt.datetime,
    ) -> StepResult:
        rng = self.rng(ctx.match_id, epoch)
        plan_id = _plan_id(self.rng(ctx.match_id, epoch, now.isoformat(), "plan"))
        away = self._away(persona, now, rng)
        unread = [m.content for m in unanswered if m.read_at is None]
        reading = timing.reading_delay("\n".join(unread), profile, rng) if unread else 0.0
        read_due = now + dt.timedelta(seconds=away + reading)
        await plans.insert(
            conn,
            plan_id=plan_id,
            match_id=ctx.match_id,
            bot_id=ctx.bot_id,
            epoch=epoch,
            trigger_message_ids=[m.id for m in unanswered],
            read_due_at=read_due,
            created_at=now,
        )
        await self._save(conn, ctx.match_id, epoch, "replying", read_due)
        log.info(
            "plan started",
            plan_id=str(plan_id),
            messages=len(unanswered),
            away_s=round(away, 2),
            reading_s=round(reading, 2),
        )
        return StepResult("plan started", wake_at=read_due)

    async def _maybe_open(
        self, conn: Conn, ctx: _Context, epoch: int, now: dt.datetime
    ) -> StepResult | None:
        """Start an icebreaker in a fresh, silent match when the persona writes first."""
        persona = await load_persona(conn, self.settings, ctx.bot_id, ctx.bot_name)
        if not (persona.enabled and persona.icebreaker):
            return None
        if await messages.count(conn, match_id=ctx.match_id):
            return None
        rng = self.rng(ctx.match_id, "opener")
        plan_id = _plan_id(self.rng(ctx.match_id, epoch, now.isoformat(), "plan"))
        parts = self.composer.opener(persona, rng)
        if not parts:
            log.warning("icebreaker skipped: the persona has no greetings")
            return None
        away = self._away(persona, now, rng)
        # Seen the match, then a little while before writing: minutes, like a person.
        pause = self.settings.scaled(
            timing.truncated_lognormal(rng, OPENER_MEDIAN, 0.8, OPENER_MIN, OPENER_MAX)
        )
        start = now + dt.timedelta(seconds=away + pause)
        await plans.insert(
            conn,
            plan_id=plan_id,
            match_id=ctx.match_id,
            bot_id=ctx.bot_id,
            epoch=epoch,
            trigger_message_ids=[],
            read_due_at=now,
            created_at=now,
        )
        await plans.to_thinking(conn, plan_id=plan_id, think_until=start)
        await plans.set_parts(
            conn,
            plan_id=plan_id,
            parts=parts,
            model="greeting",
            prompt_tokens=0,
            completion_tokens=0,
            cost=0.0,
        )
        await conversations.mark_opened(conn, match_id=ctx.match_id, opened_at=now)
        await self._save(conn, ctx.match_id, epoch, "replying", start)
        log.info("icebreaker planned", plan_id=str(plan_id), in_s=round(away + pause, 1))
        return StepResult("icebreaker planned", wake_at=start)

    async def _maybe_follow_up(
        self, conn: Conn, ctx: _Context, epoch: int, now: dt.datetime
    ) -> StepResult | None:
        """Plan a follow-up in a silent match when one is due; say when one will be."""
        persona = await load_persona(conn, self.settings, ctx.bot_id, ctx.bot_name)
        when = await followup.next_followup(
            conn,
            persona,
            ctx.match_id,
            ctx.human_id,
            now,
            self.settings.time_scale,
            self.hours_offset,
        )
        if when is None:
            return None
        if when > now:
            await self._save(conn, ctx.match_id, epoch, "idle", when)
            return StepResult("follow-up later", wake_at=when)
        # A follow-up costs a model call like a reply: the same budgets and caps hold it.
        held = await self._policy_hold(conn, ctx, persona, epoch, now)
        if held is not None:
            return held
        # A plan with no trigger message: the same steps and guarantees as a reply.
        plan_id = _plan_id(self.rng(ctx.match_id, epoch + 1, now.isoformat(), "plan"))
        await plans.insert(
            conn,
            plan_id=plan_id,
            match_id=ctx.match_id,
            bot_id=ctx.bot_id,
            epoch=epoch + 1,
            trigger_message_ids=[],
            read_due_at=now,
            created_at=now,
        )
        await self._save(conn, ctx.match_id, epoch + 1, "replying", now)
        log.info("follow-up planned", plan_id=str(plan_id))
        return StepResult("follow-up planned", wake_at=now)

    async def _react(self, conn: Conn, ctx: _Context, plan: Plan) -> StepResult | None:
        """Maybe react with an emoji (where the app has reactions); a bare "ok" ends here."""
        if not plan.trigger_message_ids or not await reactions.reactions_available(conn):
            return None
        rows = await messages.texts(conn, message_ids=plan.trigger_message_ids)
        if not rows:
            return None
        reaction = await reactions.react(
            conn,
            match_id=ctx.match_id,
            bot_id=ctx.bot_id,
            message_id=rows[-1].id,
            texts=[r.content for r in rows],
            rng=self.rng(plan.id, "react"),
        )
        if reaction is None or not reaction.instead_of_reply:
            return None
        await messages.mark_answered(
            conn, message_ids=plan.trigger_message_ids, match_id=ctx.match_id, plan_id=plan.id
        )
        await plans.finish(conn, plan_id=plan.id, status="done", error=None)
        await self._save(conn, ctx.match_id, plan.epoch, "idle", None)
        log.info("reacted instead of replying", plan_id=str(plan.id), emoji=reaction.emoji)
        return StepResult("reacted instead of replying")

    async def _policy_hold(
        self, conn: Conn, ctx: _Context, persona: Persona, epoch: int, now: dt.datetime
    ) -> StepResult | None:
        """The step that waits when a policy (rate limit, budget, cap) holds the next reply
        or follow-up back, else None."""
        hold = await policy.check(
            conn,
            self.settings,
            match_id=ctx.match_id,
            bot_id=ctx.bot_id,
            timezone=persona.timezone,
            now=now,
            human_id=ctx.human_id,
        )
        if hold is None:
            return None
        await self._save(conn, ctx.match_id, epoch, "waiting", hold.until, hold=hold.reason)
        log.info("reply held", reason=hold.reason, until=hold.until.isoformat())
        return StepResult(f"held: {hold.reason}", wake_at=hold.until)

    # ------------------------------------------------------------------ plan steps
    async def _step_plan(
        self, conn: Conn, ctx: _Context, plan: Plan, now: dt.datetime
    ) -> StepResult:
        plan_id = plan.id
        due = plan.next_due_at
        status = plan.status
        epoch = plan.epoch

        if status == "thinking" and plan.parts is None:
            retry_at = plan.retry_at
            if retry_at is not None and now < retry_at:
                # The model is down or paused: wait for it, typing off.
                await self._save(conn, ctx.match_id, epoch, "replying", retry_at)
                return StepResult("waiting for the model", wake_at=retry_at)
            # The generation runs beside the thinking delay; ask again if it seems lost.
            watch = max(due or now, now) + dt.timedelta(seconds=GENERATION_WATCH)
            await self._save(conn, ctx.match_id, epoch, "replying", watch)
            return StepResult("waiting for generation", wake_at=watch, generate=plan_id)
        if due is not None and now < due - EARLY_TOLERANCE:
            wake = due
            if status == "typing" and plan.typing and self.typing_transport != "table":
                # A broadcast is not stored: say "typing" again while it lasts.
                await self._set_typing(conn, ctx.match_id, ctx.bot_id, True, now)
                wake = self._typing_wake(now, due)
            await self._save(conn, ctx.match_id, epoch, "replying", wake)
            return StepResult("not due yet", wake_at=wake)

        persona = await load_persona(conn, self.settings, ctx.bot_id, ctx.bot_name)
        profile = self._profile(persona)
        if not persona.enabled:
            # Disabled while replying: the plan stops here (unsent parts dropped, indicator
            # off); enabling the persona wakes the conversation, which answers then.
            await self._end_plan(conn, plan, "cancelled", "persona disabled", now)
            recheck = now + dt.timedelta(seconds=PERSONA_RECHECK)
            await self._save(
                conn, ctx.match_id, epoch + 1, "waiting", recheck, hold="persona disabled"
            )
            log.info("plan stopped: persona disabled", plan_id=str(plan_id))
            return StepResult("persona disabled", wake_at=recheck)

        if status == "reading":
            await messages.mark_read(conn, message_ids=plan.trigger_message_ids, read_at=now)
            reacted = await self._react(conn, ctx, plan)
            if reacted is not None:
                return reacted
            since = await messages.seconds_since_bot_message(
                conn, match_id=ctx.match_id, bot_id=ctx.bot_id, now=now
            )
            think = timing.thinking_delay(
                profile, self.rng(plan_id, "think"), seconds_since_last_bot_message=since
            )
            until = now + dt.timedelta(seconds=think)
            await plans.to_thinking(conn, plan_id=plan_id, think_until=until)
            await self._save(conn, ctx.match_id, epoch, "replying", until)
            log.info("messages read", plan_id=str(plan_id), thinking_s=round(think, 2))
            return StepResult("read", wake_at=until, generate=plan_id)

        parts = plan.parts or ()
        index = plan.next_part
        if status == "thinking" or not plan.typing:
            # Start typing part `index` (the first one after thinking, the next after a pause).
            await self._set_typing(conn, ctx.match_id, ctx.bot_id, True, now)
            duration = timing.typing_duration(
                parts[index], profile, self.rng(plan_id, "type", index)
            )
            until = now + dt.timedelta(seconds=duration)
            await plans.set_typing(
                conn, plan_id=plan_id, typing=True, next_part=index, due_at=until
            )
            wake = self._typing_wake(now, until)
            await self._save(conn, ctx.match_id, epoch, "replying", wake)
            return StepResult(f"typing part {index}", wake_at=wake)

        return await self._send_part(conn, ctx, plan, persona, profile, now)

    async def _send_part(
        self,
        conn: Conn,
        ctx: _Context,
        plan: Plan,
        persona: Persona,
        profile: timing.TimingProfile,
        now: dt.datetime,
    ) -> StepResult:
        """Typing is over: send the plan's next part, indicator off, then pause or finish."""
        plan_id = plan.id
        epoch = plan.epoch
        parts = plan.parts or ()
        index = plan.next_part
        message_id = part_message_id(plan_id, index)
        # The app orders messages by created_at, which PostgreSQL sets for the human's: the bot's
        # take the same clock, not this host's (None = the database's now()).
        sent_at = None if self.db_clock else now
        await messages.send_part(
            conn,
            message_id=message_id,
            plan_id=plan_id,
            match_id=ctx.match_id,
            bot_id=ctx.bot_id,
            index=index,
            content=parts[index],
            sent_at=sent_at,
        )
        await self._set_typing(conn, ctx.match_id, ctx.bot_id, False, now)
        log.info("part sent", plan_id=str(plan_id), part=index, of=len(parts))
        if index + 1 >= len(parts):
            await messages.mark_answered(
                conn, message_ids=plan.trigger_message_ids, match_id=ctx.match_id, plan_id=plan_id
            )
            await plans.finish(conn, plan_id=plan_id, status="done", error=None)
            wake = await followup.next_followup(
                conn,
                persona,
                ctx.match_id,
                ctx.human_id,
                now,
                self.settings.time_scale,
                self.hours_offset,
            )
            await self._save(conn, ctx.match_id, epoch, "idle", wake)
            return StepResult("reply done", wake_at=wake)
        pause = timing.pause_between_parts(profile, self.rng(plan_id, "pause", index))
        until = now + dt.timedelta(seconds=pause)
        await plans.set_typing(
            conn, plan_id=plan_id, typing=False, next_part=index + 1, due_at=until
        )
        await self._save(conn, ctx.match_id, epoch, "replying", until)
        return StepResult(f"sent part {index}", wake_at=until)

    # ------------------------------------------------------------------ generation
    async def generate(self, plan_id: uuid.UUID, llm: LLMClient) -> StepResult:
        """Compose the plan's parts with the model, outside any lock; store them if still wanted.

        Raises LLMError when the model fails; the worker retries and, after the last attempt,
        calls `dead_letter`.
        """
        probing = False
        async with session.connection(self.pool) as conn:
            plan = await plans.get_plan(conn, plan_id=plan_id)
            if plan is None or plan.status != "thinking" or plan.parts is not None:
                return StepResult("generation not needed")
            ctx = await self._context(conn, plan.match_id)
            if ctx is None:
                return StepResult("match gone")
            persona = await load_persona(conn, self.settings, ctx.bot_id, ctx.bot_name)
            model = persona.model or self.settings.llm_model
            if not llm.offline:
                held, probing = await outage.pause_hold(conn, self.settings, model, self.clock())
                if held is not None:
                    return await self._wait_for_model(plan, held, "model paused")
            history, stored = await self.composer.history(conn, ctx.match_id)
        with structlog.contextvars.bound_contextvars(
            match_id=str(ctx.match_id), plan_id=str(plan_id)
        ):
            try:
                composition = await self.composer.reply(
                    llm,
                    persona,
                    Conversation(ctx.match_id, ctx.bot_id, plan_id),
                    history,
                    stored,
                    self.rng(plan_id, "split"),
                    followup=not plan.trigger_message_ids,
                )
            except LLMRetryableError as exc:
                return await self._generation_failed(plan, exc)
            except LLMPermanentError as exc:
                if exc.status not in outage.PAUSING_STATUSES:
                    raise
                async with session.connection(self.pool) as conn:
                    probe_at = await outage.pause(
                        conn, self.settings, model, exc.status or 0, str(exc), self.clock()
                    )
                return await self._wait_for_model(plan, probe_at, "model paused")
        completion, parts = composition.completion, composition.parts
        resumed: list[uuid.UUID] = []
        if probing:
            async with session.connection(self.pool) as conn:
                resumed = await outage.lift(conn, model, self.clock())
        async with session.transaction(self.pool) as conn:
            await conversations.lock(conn, match_id=ctx.match_id)
            stored_parts = await plans.set_parts(
                conn,
                plan_id=plan_id,
                parts=parts,
                model=completion.model,
                prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens,
                cost=completion.cost,
            )
            if not stored_parts:
                return StepResult("generation dropped: plan moved on")
            think_until = plan.think_until or self.clock()
            wake = max(think_until, self.clock())
            await self._save(conn, ctx.match_id, plan.epoch, "replying", wake)
        log.info("reply composed", plan_id=str(plan_id), parts=len(parts), model=completion.model)
        return StepResult(
            "generated",
            wake_at=wake,
            match_id=ctx.match_id,
            remember=composition.memory_due,
            resumed=tuple(resumed),
        )

    async def _generation_failed(self, plan: Plan, error: LLMRetryableError) -> StepResult:
        """The model is down for now: wait for it (rescheduled, never slept) until the outage
        horizon, then dead-letter the reply."""
        now = self.clock()
        async with session.transaction(self.pool) as conn:
            await conversations.lock(conn, match_id=plan.match_id)
            # A breaker that was open made no call: the last real error is kept.
            detail = None if isinstance(error, LLMCircuitOpen) else str(error)[:2000]
            failed = await plans.generation_failed(conn, plan_id=plan.id, now=now, error=detail)
        if failed is None:
            return StepResult("generation dropped: plan moved on")
        wait = outage.wait_for(
            failures=failed.generation_failures,
            failing_since=failed.failing_since,
            retry_after=error.retry_after,
            now=now,
            horizon=self.settings.llm_outage_horizon,
            rng=self.rng(plan.id, "outage", failed.generation_failures),
        )
        if wait.until is None:
            cause = LLMRetryableError(failed.error) if detail is None and failed.error else error
            await self.dead_letter(plan.id, cause, wait.failures)
            return StepResult("dead letter: model down past the outage horizon")
        log.warning(
            "model down, reply waits",
            plan_id=str(plan.id),
            failures=wait.failures,
            retry_in_s=round((wait.until - now).total_seconds(), 1),
            error=str(error)[:200],
        )
        return await self._wait_for_model(plan, wait.until, "waiting for the model")

    async def _wait_for_model(self, plan: Plan, until: dt.datetime, note: str) -> StepResult:
        """Park a plan until `until`: the conversation is woken then and asks again."""
        async with session.transaction(self.pool) as conn:
            conv = await conversations.lock(conn, match_id=plan.match_id)
            moved = await plans.retry_at(conn, plan_id=plan.id, retry_at=until)
            if conv is None or not moved:
                return StepResult("generation dropped: plan moved on")
            await self._save(conn, plan.match_id, conv.epoch, "replying", until)
        return StepResult(note, wake_at=until, match_id=plan.match_id)

    async def remember(self, match_id: uuid.UUID, llm: LLMClient) -> bool:
        """Fold what the prompt window no longer holds into the match's long-term memory.

        Runs as its own task after a reply, so it never delays one.
        """
        async with session.connection(self.pool) as conn:
            ctx = await self._context(conn, match_id)
            if ctx is None:
                return False
            persona = await load_persona(conn, self.settings, ctx.bot_id, ctx.bot_name)
        return await memory.update_memory(
            self.pool,
            llm,
            match_id,
            bot_id=ctx.bot_id,
            persona_name=persona.name,
            max_messages=HISTORY_FETCH,
            model=persona.model,
        )

    # ------------------------------------------------------------------ failure
    async def dead_letter(
        self, plan_id: uuid.UUID, error: BaseException, attempts: int
    ) -> int | None:
        """Give up on a plan after its last attempt: record why, clear the indicator, park the
        conversation until an operator retries or discards it. Returns the dead letter's id."""
        async with session.transaction(self.pool) as conn:
            plan = await plans.get_plan(conn, plan_id=plan_id)
            if plan is None:
                return None
            conv = await conversations.lock(conn, match_id=plan.match_id)
            if conv is None or plan.status not in ("reading", "thinking", "typing"):
                return None
            message = f"{type(error).__name__}: {error}"[:2000]
            await self._end_plan(conn, plan, "failed", message, self.clock())
            letter_id = await dead_letters.insert(
                conn,
                match_id=plan.match_id,
                plan_id=plan_id,
                task="generate",
                payload={
                    "plan_id": str(plan_id),
                    "permanent": isinstance(error, LLMPermanentError),
                },
                error=message,
                attempts=attempts,
            )
            await self._save(conn, plan.match_id, conv.epoch + 1, "dead_letter", None, message)
        log.error("reply dead-lettered", plan_id=str(plan_id), error=message, attempts=attempts)
        return letter_id

    async def _revive(self, conn: Conn, ctx: _Context, now: dt.datetime) -> bool:
        """A human writing again in a dead-lettered conversation retries it (unless
        DEAD_LETTER_RETRY_ON_MESSAGE is off): the new plan answers everything unanswered."""
        if not self.settings.dead_letter_retry_on_message:
            return False
        letters = await dead_letters.open_of(conn, match_id=ctx.match_id)
        since = letters[0].created_at if letters else None
        if since is not None and not await messages.human_wrote_since(
            conn, match_id=ctx.match_id, human_id=ctx.human_id, since=since
        ):
            return False
        await dead_letters.revive(conn, match_id=ctx.match_id)
        log.info("dead letter revived by a new message", letters=[r.id for r in letters])
        return True

    async def step_failed(self, match_id: uuid.UUID, error: BaseException) -> int | None:
        """Count a failed step (its own transaction was rolled back); after STEP_FAILURE_LIMIT in
        a row the conversation is dead-lettered with the error, so that a step failing every
        time (a trigger rejecting the bot's message, a row gone) is seen and stops being tried.
        Returns the dead letter's id when it was written."""
        message = f"{type(error).__name__}: {error}"[:2000]
        async with session.transaction(self.pool) as conn:
            failed = await conversations.step_failed(conn, match_id=match_id, error=message)
            if failed is None or failed.step_failures < self.settings.step_failure_limit:
                return None
            plan = await plans.active_plan(conn, match_id=match_id)
            if plan is not None:
                await self._end_plan(conn, plan, "failed", message, self.clock())
            letter_id = await dead_letters.insert(
                conn,
                match_id=match_id,
                plan_id=plan.id if plan is not None else None,
                task="advance",
                payload={"match_id": str(match_id), "poison": True},
                error=message,
                attempts=failed.step_failures,
            )
            await self._save(conn, match_id, failed.epoch + 1, "dead_letter", None, message)
        log.error("conversation dead-lettered", error=message, attempts=failed.step_failures)
        return letter_id

    # ------------------------------------------------------------------ helpers
    async def _end_plan(
        self,
        conn: Conn,
        plan: Plan,
        status: str,
        reason: str | None,
        now: dt.datetime,
    ) -> None:
        await plans.finish(conn, plan_id=plan.id, status=status, error=reason)
        if plan.typing or status != "done":
            await self._set_typing(conn, plan.match_id, plan.bot_id, False, now)

    async def _set_typing(
        self, conn: Conn, match_id: uuid.UUID, bot_id: uuid.UUID, on: bool, now: dt.datetime
    ) -> None:
        """The bot's typing indicator on or off, by TYPING_TRANSPORT, in the step's transaction."""
        if self.typing_transport == "table":
            await indicators.write(conn, match_id=match_id, user_id=bot_id, is_typing=on, now=now)
            return
        expires = typing_broadcast.expires_at(self.settings, now) if on else None
        await indicators.broadcast(
            conn,
            match_id=match_id,
            user_id=bot_id,
            is_typing=on,
            now=now,
            transport=self.typing_transport,
            expires_at=expires,
        )

    def _typing_wake(self, now: dt.datetime, until: dt.datetime) -> dt.datetime:
        """When a typing bot next looks: at the part's end, or earlier to refresh a broadcast."""
        if self.typing_transport == "table":
            return until
        refresh = now + dt.timedelta(seconds=self.settings.typing_refresh_interval)
        return min(until, refresh)

    async def _save(
        self,
        conn: Conn,
        match_id: uuid.UUID,
        epoch: int,
        status: str,
        wake_at: dt.datetime | None,
        error: str | None = None,
        *,
        hold: str | None = None,
    ) -> None:
        await conversations.save(
            conn,
            match_id=match_id,
            epoch=epoch,
            status=status,
            wake_at=wake_at,
            error=error,
            hold=hold,
        )

    def _away(self, persona: Persona, now: dt.datetime, rng: random.Random) -> float:
        """Seconds until the persona is there to reply: night, or an occasional absence."""
        return availability.availability_delay(
            now + self.hours_offset,
            persona.active_hours,
            persona.timezone,
            rng,
            time_scale=self.settings.time_scale,
            absence_probability=persona.absence_probability,
        )

    def _profile(self, persona: Persona) -> timing.TimingProfile:
        return timing.TimingProfile.from_settings(
            self.settings,
            typing_speed_cps=persona.typing_speed_cps,
            min_thinking=persona.min_thinking,
            max_thinking=persona.max_thinking,
        )
