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

What a step does is decided by `plan_machine.decide` from a snapshot, without I/O, and carried
out by `plan_steps`; this module loads the snapshot and runs the generation and the failures.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import structlog

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona import timing
from randomatch_bot.conversation.persona.card import load_persona, persona_of
from randomatch_bot.conversation.plan import steps as plan_steps
from randomatch_bot.conversation.plan.machine import (
    EARLY_TOLERANCE,
    GENERATION_WATCH,
    PERSONA_RECHECK,
    Rules,
    SeededRandom,
    part_message_id,
)
from randomatch_bot.conversation.plan.states import (
    ACTIVE_PLAN_STATUSES,
    ConversationStatus,
    Fact,
    PlanStatus,
    Snapshot,
)
from randomatch_bot.conversation.plan.steps import StepResult, end_plan, save
from randomatch_bot.conversation.policies import closing, outage
from randomatch_bot.conversation.policies import limits as policy_limits
from randomatch_bot.conversation.words import memory, week
from randomatch_bot.conversation.words.composer import (
    HISTORY_FETCH,
    MEMORY_LOOKAHEAD,
    Composer,
    Composition,
    Conversation,
)
from randomatch_bot.conversation.words.prompt import Memory
from randomatch_bot.db import closures, conversations, dead_letters, plans, session
from randomatch_bot.db import steps as step_db
from randomatch_bot.db.conversations import MatchContext
from randomatch_bot.db.llm_calls import record_llm_calls
from randomatch_bot.db.plans import Plan
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import LLMCircuitOpen, LLMPermanentError, LLMRetryableError
from randomatch_bot.llm.breaker import AtOnce, probing_at_once
from randomatch_bot.llm.types import LLMClient

if TYPE_CHECKING:
    import asyncpg

__all__ = [
    "EARLY_TOLERANCE",
    "GENERATION_WATCH",
    "PERSONA_RECHECK",
    "ConversationEngine",
    "SeededRandom",
    "StepResult",
    "part_message_id",
    "utcnow",
]

log = structlog.get_logger(__name__)

Clock = Callable[[], dt.datetime]
# A step reads again when its row moved under the lock; more than this many times is a bug.
READ_ATTEMPTS = 4
# Steps due at once run in one transaction, at most this many (a reply has about seven).
GROUPED_STEPS = 8


class _LockHeld(Exception):
    """A batched step found its conversation's lock held by another transaction."""


def snapshot_of(found: step_db.StepRead) -> Snapshot:
    """The plan machine's snapshot of what a step read: each fact its state read is loaded (the
    persona and the policy hold are built from the read when the decision asks for them)."""
    conv = found.conversation
    assert conv is not None
    assert found.match is not None
    loaded = {Fact.UNANSWERED}
    facts: dict[str, object] = {}
    if found.open_letters is not None:
        loaded |= {Fact.OPEN_LETTERS, Fact.WROTE_SINCE_LETTER}
        facts["open_letters"] = found.open_letters
        facts["wrote_since_letter"] = bool(found.wrote_since_letter)
    if found.human_typing is not None:
        loaded.add(Fact.HUMAN_TYPING)
        facts["human_typing"] = found.human_typing
    if found.since_bot_loaded:
        loaded.add(Fact.SINCE_BOT_MESSAGE)
        facts["since_bot_message"] = found.since_bot_message
    if found.match_messages is not None:
        loaded.add(Fact.MATCH_MESSAGES)
        facts["match_messages"] = found.match_messages
    if found.followup_loaded:
        loaded.add(Fact.FOLLOWUP)
        facts["followup"] = found.followup
    loaded.add(Fact.CLOSURES)
    facts["closures"] = found.closures
    return Snapshot(
        match=found.match,
        conversation=conv,
        epoch=conv.epoch,
        plan=found.plan,
        loaded=frozenset(loaded),
        unanswered=found.unanswered,
        **facts,  # type: ignore[arg-type]
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        confirm_minor: closing.ConfirmMinor | None = None,
    ) -> None:
        self.pool = pool
        # The reviewing model that confirms a minor's closing, where one is set (the hook of
        # `policies/closing.py`; none by default: the rules' verdict stands).
        self.confirm_minor = confirm_minor
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

    def rules(self) -> Rules:
        """What the plan machine decides with: the settings, the RNG and this engine's clocks."""
        return Rules(
            settings=self.settings,
            rng=self.rng,
            opener=self.composer.opener,
            typing_transport=self.typing_transport,
            db_clock=self.db_clock,
            hours_offset=self.hours_offset,
            review_minors=self.confirm_minor is not None,
        )

    # ------------------------------------------------------------------ advance
    async def advance(self, match_id: uuid.UUID) -> StepResult:
        """Do what is due in this conversation now; say when to come back.

        Steps due at once (no human-like delay between them: `TIME_SCALE=0`, a zero pause)
        run one after the other in the same transaction, under the lock taken once, up to
        `GROUPED_STEPS`: a failure or a crash rolls the group back, which no person can tell
        from one step, and the deterministic part ids keep its parts exactly-once when it is
        redone. The result is the last step's, with the group's earlier ones in `grouped`.
        """
        async with session.transaction(self.pool) as conn:
            return await self._group(conn, match_id)

    async def advance_many(self, match_ids: Sequence[uuid.UUID]) -> list[StepResult | None]:
        """Do what is due in several conversations in one transaction; each result in the order
        of `match_ids`, None for a conversation to advance alone with `advance`.

        Each conversation's steps run as in `advance`, under its own row lock, taken in the
        order of the ids (two batches never wait on each other in a cycle). A conversation
        whose lock another transaction holds is left out (None) rather than waited for with
        the others' locks held. Any failure rolls the whole batch back and every conversation
        of it is None: each then runs alone, in its own transaction, where a conversation that
        fails every time fails by itself, counted and retried as a step of its own.
        """
        results: dict[uuid.UUID, StepResult | None] = {}
        try:
            async with session.transaction(self.pool) as conn:
                for match_id in sorted(set(match_ids)):
                    try:
                        results[match_id] = await self._group(conn, match_id, wait=False)
                    except _LockHeld:
                        results[match_id] = None
        except Exception as exc:  # each runs alone, where its own failure is judged
            log.warning("step.batch_rolled_back", size=len(results), error=str(exc)[:200])
            return [None] * len(match_ids)
        return [results[match_id] for match_id in match_ids]

    async def _group(self, conn: Conn, match_id: uuid.UUID, *, wait: bool = True) -> StepResult:
        """The conversation's steps due at once, in the caller's transaction (`advance`)."""
        with structlog.contextvars.bound_contextvars(match_id=str(match_id)):
            result = await self._step(conn, match_id, wait=wait)
            earlier: list[StepResult] = []
            for _ in range(GROUPED_STEPS - 1):
                wake = result.wake_at
                if result.generate is not None or wake is None or wake > self.clock():
                    break
                earlier.append(result)
                result = await self._step(conn, match_id)
        return replace(result, grouped=tuple(earlier)) if earlier else result

    async def _step(self, conn: Conn, match_id: uuid.UUID, *, wait: bool = True) -> StepResult:
        """One step in the caller's transaction: its read, its decision, its write."""
        found, now = await self._read(conn, match_id, wait=wait)
        if found.match is None:
            await self._close_missing(conn, found.plan)
            return StepResult("match gone")
        if found.conversation is None:
            # The person was forgotten: a wake-up, follow-up or message there is left over,
            # and brings nothing back.
            return StepResult("match forgotten")
        prefetched = plan_steps.Prefetched(
            persona=found.persona, policy=found.policy, reactions=found.reactions
        )
        return await plan_steps.run(conn, snapshot_of(found), now, self.rules(), prefetched)

    async def _read(
        self, conn: Conn, match_id: uuid.UUID, *, wait: bool = True
    ) -> tuple[step_db.StepRead, dt.datetime]:
        """The step's one read, under the conversation's lock, and the time it was read at.

        The read takes the lock only when it is free. When another transaction holds it (a
        step of the same conversation: a rare branch), this step waits for it, then reads again,
        so that what was committed meanwhile is seen (an unmatch: no part follows it). It reads
        again too when a step committed between the statement's snapshot and the lock (`moved`)
        or created the conversation's row meanwhile. With `wait` false (a batch, holding other
        conversations' locks), a held lock raises `_LockHeld` instead, before anything is written.
        """
        settings = self.settings
        scale, early = settings.time_scale, EARLY_TOLERANCE.total_seconds()
        quiet = settings.grouping_window * timing.GROUPING_FACTOR_BOUNDS[0] * scale
        cap = settings.grouping_cap * scale
        for _ in range(READ_ATTEMPTS):
            now = self.clock()
            found = await step_db.read(
                conn,
                match_id=match_id,
                now=now,
                since=now - dt.timedelta(seconds=settings.catchup_lookback),
                followups_default=settings.followup_after > 0 and settings.followup_max > 0,
                policy=policy_limits.counted(
                    settings,
                    now,
                    settings.bot_timezone,
                    # The earliest a grouping may end (less the early tolerance), and its cap.
                    grouping_quiet=max(0.0, quiet - early),
                    grouping_cap=max(0.0, cap - early),
                ),
            )
            if found.moved:
                continue  # the lock is this step's now
            if found.conversation is None and found.match is not None:
                # No row to lock yet (first sight, and another first step or an erasure holds
                # the first-sight lock), or its lock held: wait for them, create the row (none
                # for a forgotten match), then read again (a rare branch).
                if not wait:
                    raise _LockHeld(match_id)
                match = found.match
                if not found.exists:
                    await conversations.ensure(
                        conn, match_id=match_id, bot_id=match.bot_id, human_id=match.human_id
                    )
                if await conversations.lock(conn, match_id=match_id) is None:
                    return found, now  # the match was forgotten
                continue
            return found, now
        raise RuntimeError(f"a step could not read its conversation in {READ_ATTEMPTS} attempts")

    async def _context(self, conn: Conn, match_id: uuid.UUID) -> MatchContext | None:
        return await conversations.match_context(conn, match_id=match_id)

    async def _close_missing(self, conn: Conn, plan: Plan | None) -> None:
        if plan is not None:
            await end_plan(
                conn,
                self.rules(),
                plan,
                PlanStatus.CANCELLED,
                "match or profile deleted",
                self.clock(),
            )

    # ------------------------------------------------------------------ generation
    async def generate(self, plan_id: uuid.UUID, llm: LLMClient) -> StepResult:
        """Compose the plan's parts with the model, outside any lock; store them if still wanted.

        Raises LLMError when the model fails; the worker retries and, after the last attempt,
        calls `dead_letter`.
        """
        probing = False
        history_fetch = HISTORY_FETCH + MEMORY_LOOKAHEAD
        read_at = self.clock()
        life_weeks = week.life_weeks(self.settings, read_at)
        async with session.connection(self.pool) as conn:
            # The plan, its match, the persona row, the history, the memory, the photos and the
            # persona's life in one statement, under the conversation's lock like every step:
            # an unmatch, a block or an erasure committed before is seen, and no model is asked.
            found = await conversations.generation_context(
                conn, plan_id=plan_id, history=history_fetch, life_weeks=life_weeks
            )
        if found is not None and not found.locked:
            # The lock was held (a step, an erasure) or moved under the read: wait for it, then
            # read again (a rare branch).
            async with session.transaction(self.pool) as conn:
                await conversations.lock_of_plan(conn, plan_id=plan_id)
                found = await conversations.generation_context(
                    conn, plan_id=plan_id, history=history_fetch, life_weeks=life_weeks
                )
        plan = found.plan if found is not None else None
        if plan is None or plan.status != PlanStatus.THINKING or plan.parts is not None:
            return StepResult("generation not needed")
        assert found is not None
        ctx = found.match
        if ctx is None:
            return StepResult("match gone")
        if ctx.status != "active":
            # The next step cancels the plan and clears what it showed.
            return StepResult(f"match {ctx.status}", wake_at=self.clock(), match_id=ctx.match_id)
        persona = persona_of(self.settings, ctx.bot_id, ctx.bot_name, found.persona)
        model = persona.model or self.settings.llm_model
        history = memory.history_of(found.history or ())
        row = found.memory
        stored = (
            memory.StoredMemory(Memory(row.summary, row.facts), row.covered_through)
            if row is not None
            else memory.StoredMemory(Memory(), None)
        )
        if not llm.offline:
            async with session.connection(self.pool) as conn:
                held, probing = await outage.pause_hold(conn, self.settings, model, self.clock())
                if held is not None:
                    return await self._wait_for_model(plan, held, "model paused")
        # Her canon, her week and what she told this person (SELF_CONSISTENCY), from the read;
        # her week built from the card when nobody wrote it, stored with the write.
        persona, new_week = week.attach_life(self.settings, persona, found.life, read_at)
        with (
            structlog.contextvars.bound_contextvars(
                match_id=str(ctx.match_id), plan_id=str(plan_id)
            ),
            probing_at_once(self._at_once(plan, llm)) as call,
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
                    photo_urls=found.photos,
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
        if probing or call.recovered:
            resumed = await self._model_back(
                model, composition, probing=probing, recovered=call.recovered
            )
        async with session.connection(self.pool) as conn:
            think_until = plan.think_until or self.clock()
            wake = max(think_until, self.clock())
            # The conversation's lock, the parts and the conversation's save in one statement,
            # its own transaction (the save only if the parts landed), with the model calls
            # the reply made and her new week.
            written = await plans.set_parts_saved(
                conn,
                plan_id=plan_id,
                match_id=ctx.match_id,
                parts=parts,
                model=completion.model,
                prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens,
                cost=completion.cost,
                saved=plans.Saved(plan.epoch, ConversationStatus.REPLYING, wake),
                calls=composition.calls,
                week=new_week,
            )
        if written.week_written and new_week is not None:
            week.log_written(new_week)
        if not written.stored:
            return StepResult("generation dropped: plan moved on")
        log.info("plan.composed", plan_id=str(plan_id), parts=len(parts), model=completion.model)
        return StepResult(
            "generated",
            wake_at=wake,
            match_id=ctx.match_id,
            remember=composition.memory_due,
            resumed=tuple(resumed),
        )

    async def _model_back(
        self, model: str, composition: Composition, *, probing: bool, recovered: bool
    ) -> list[uuid.UUID]:
        """The model answered after a pause (`probing`) or an open breaker: lift the pause,
        or mark the outage over; the conversations that waited on it, to wake."""
        try:
            async with session.connection(self.pool) as conn:
                resumed: list[uuid.UUID] = []
                if probing:
                    resumed = await outage.lift(conn, model, self.clock())
                if recovered and not resumed:
                    resumed = await outage.recovered(conn, model, self.clock())
                return resumed
        except Exception:
            # The write that records the reply's calls is not reached: they go now.
            await record_llm_calls(self.pool, composition.calls)
            raise

    def _at_once(self, plan: Plan, llm: LLMClient) -> bool | AtOnce:
        """Whether the human wrote while their conversation waited on the model, so that this
        first try probes the shared breaker at once instead of waiting for it to rest: a query
        asked only when the breaker rests."""
        if llm.offline or plan.generation_failures or not plan.trigger_message_ids:
            return False

        async def follows_a_model_wait() -> bool:
            async with session.connection(self.pool) as conn:
                return await plans.follows_a_model_wait(
                    conn, match_id=plan.match_id, plan_id=plan.id
                )

        return follows_a_model_wait

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
            "plan.model_waiting",
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
            await save(conn, plan.match_id, conv.epoch, ConversationStatus.REPLYING, until)
        return StepResult(note, wake_at=until, match_id=plan.match_id)

    async def remember(self, match_id: uuid.UUID, llm: LLMClient) -> bool:
        """Fold what the prompt window no longer holds into the match's long-term memory.

        Runs as its own task after a reply, so it never delays one.
        """
        async with session.connection(self.pool) as conn:
            ctx = await self._context(conn, match_id)
            if ctx is None:
                return False
            persona = await load_persona(
                conn, self.settings, ctx.bot_id, ctx.bot_name, match_id=match_id
            )
        updated = await memory.update_memory(
            self.pool,
            llm,
            match_id,
            bot_id=ctx.bot_id,
            persona_name=persona.name,
            max_messages=HISTORY_FETCH,
            model=persona.model,
            persona=persona,
            promote_after=self.settings.canon_promote_after,
        )
        # Her coming week, written by the model ahead of it (once per persona and week).
        await week.prepare_next_week(
            self.pool, self.settings, llm, persona, self.clock(), match_id=match_id
        )
        return updated

    # ------------------------------------------------------------------ closings
    async def review_minor(self, closure_id: int) -> StepResult:
        """Ask the reviewing model about a minor's closing, outside any lock: a verdict that
        the person is not a minor reopens the conversation (as an operator would, by
        `reviewer`) and wakes it; a confirmation or no verdict keeps it closed."""
        if self.confirm_minor is None:
            return StepResult("no reviewer")
        async with session.connection(self.pool) as conn:
            found = await closures.to_review(conn, closure_id=closure_id)
        if found is None or found.confirmed is not None:
            return StepResult("closing already judged")
        review = closing.MinorReview(found.message or "", tuple(found.before))
        with structlog.contextvars.bound_contextvars(match_id=str(found.match_id)):
            verdict = await self.confirm_minor(review)
            async with session.transaction(self.pool) as conn:
                await conversations.lock(conn, match_id=found.match_id)
                if verdict is None:
                    log.warning("closing.review_failed", hint="the conversation stays closed")
                    return StepResult("closing kept: no verdict")
                if verdict:
                    await closures.set_confirmed(conn, closure_id=closure_id, confirmed=True)
                    log.info("closing.confirmed", closure_id=closure_id)
                    return StepResult("closing confirmed")
                await closures.set_confirmed(conn, closure_id=closure_id, confirmed=False)
                await closures.reopen(
                    conn, match_id=found.match_id, reason="minor", by="reviewer", now=self.clock()
                )
            log.warning("closing.cleared_by_reviewer", closure_id=closure_id)
        return StepResult("closing cleared", wake_at=self.clock(), match_id=found.match_id)

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
            if conv is None or plan.status not in ACTIVE_PLAN_STATUSES:
                return None
            message = f"{type(error).__name__}: {error}"[:2000]
            await end_plan(conn, self.rules(), plan, PlanStatus.FAILED, message, self.clock())
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
            await save(
                conn, plan.match_id, conv.epoch + 1, ConversationStatus.DEAD_LETTER, None, message
            )
        log.error("plan.dead_lettered", plan_id=str(plan_id), error=message, attempts=attempts)
        return letter_id

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
                await end_plan(conn, self.rules(), plan, PlanStatus.FAILED, message, self.clock())
            letter_id = await dead_letters.insert(
                conn,
                match_id=match_id,
                plan_id=plan.id if plan is not None else None,
                task="advance",
                payload={"match_id": str(match_id), "poison": True},
                error=message,
                attempts=failed.step_failures,
            )
            await save(
                conn, match_id, failed.epoch + 1, ConversationStatus.DEAD_LETTER, None, message
            )
        log.error("conversation.dead_lettered", error=message, attempts=failed.step_failures)
        return letter_id

    # ------------------------------------------------------------------ helpers
