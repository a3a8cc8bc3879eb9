"""What one conversation step reads and writes, each in one statement (`db/queries/step.sql`).

`read` takes the conversation's lock and returns, with the conversation, its match, its active
plan and the persona row, every fact the plan machine may ask for in the state found (each with
whether its gate held, so a fact never read is never taken for an empty one). `write` carries
out a step's effects and the conversation's save in one statement.

One more fact: a column in `step_read` and a field of `StepRead`, filled in `_step_read`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from randomatch_bot.db import session
from randomatch_bot.db.closures import Closures
from randomatch_bot.db.conversations import Conversation, MatchContext
from randomatch_bot.db.dead_letters import OpenLetter
from randomatch_bot.db.messages import FollowupState, HumanMessage
from randomatch_bot.db.personas import PersonaRow
from randomatch_bot.db.plans import Plan
from randomatch_bot.db.sql import SQL
from randomatch_bot.db.typing_indicators import TypingState
from randomatch_bot.db.usage import (
    BotSpending,
    PersonUsage,
    PolicyQuery,
    PolicyUsage,
    RecentReplies,
)
from randomatch_bot.db.variants import ConversationVariant

if TYPE_CHECKING:
    import asyncpg

    from randomatch_bot.db.types import Conn


@dataclass(frozen=True, slots=True)
class StepRead:
    """A step's one read. A fact's field is None when its state did not ask for it (its gate
    in `step_read` was false): the decision reads it apart if it asks all the same."""

    conversation: Conversation | None  # None: not created (the match is gone, or a race)
    created: bool  # the conversation's row was created by this read
    moved: bool  # a step committed between the read's snapshot and the lock: read again
    match: MatchContext | None  # None: the match or a profile is gone
    plan: Plan | None
    persona: PersonaRow | None  # None: the bot uses the default persona
    unanswered: tuple[HumanMessage, ...]
    open_letters: tuple[OpenLetter, ...] | None
    wrote_since_letter: bool | None
    human_typing: TypingState | None
    since_bot_loaded: bool
    since_bot_message: float | None  # seconds since the bot wrote (None: it never did)
    reactions: bool | None  # whether the app has a reactions table
    match_messages: int | None  # 1 when the match has a message, else 0
    followup: FollowupState | None
    followup_loaded: bool
    policy: PolicyUsage | None
    closures: Closures  # the conversation's closings (always read)
    exists: bool = True  # the conversation's row exists (when not read: its lock is held)


async def read(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    now: dt.datetime,
    since: dt.datetime,
    followups_default: bool,
    policy: PolicyQuery,
) -> StepRead:
    """The conversation of `match_id` locked until the transaction ends (created on first sight
    while the match is there), with everything a step may need; see `StepRead`."""
    row = await session.fetchrow(
        conn,
        SQL.step_read,
        match_id=match_id,
        since=since,
        now=now,
        followups_default=followups_default,
        bot_budget=policy.bot_budget,
        person_caps=policy.person_caps,
        default_timezone=policy.default_timezone,
        match_since=policy.match_since,
        bot_since=policy.bot_since,
        grouping_quiet=policy.grouping_quiet,
        grouping_cap=policy.grouping_cap,
    )
    assert row is not None  # the query always returns its one row
    return _step_read(row)


_CONVERSATION = tuple(f.name for f in fields(Conversation))
_PERSONA = tuple(f.name for f in fields(PersonaRow) if f.name != "variant")


def _step_read(row: asyncpg.Record) -> StepRead:
    conversation = None
    if row["conv_match_id"] is not None:
        conversation = Conversation(**{f: row["conv_" + f] for f in _CONVERSATION})
    persona = None
    if row["persona_bot_id"] is not None:
        persona = PersonaRow.from_row(
            {f: row["persona_" + f] for f in _PERSONA}, ConversationVariant.from_prefixed(row)
        )
    unanswered: tuple[HumanMessage, ...] = ()
    if row["unanswered_ids"] is not None:
        unanswered = tuple(
            HumanMessage(id=i, content=c, created_at=t, read_at=r)
            for i, c, t, r in zip(
                row["unanswered_ids"],
                row["unanswered_contents"],
                row["unanswered_created_ats"],
                row["unanswered_read_ats"],
                strict=True,
            )
        )
    letters = wrote = None
    if row["letters_loaded"]:
        letters = tuple(
            OpenLetter(id=i, created_at=t)
            for i, t in zip(row["letter_ids"] or (), row["letter_created_ats"] or (), strict=True)
        )
        wrote = bool(row["wrote_since_letter"])
    typing = None
    if row["typing_loaded"]:
        typing = TypingState(is_typing=row["human_is_typing"], updated_at=row["human_typing_at"])
    followup = None
    if row["followup_loaded"]:
        followup = FollowupState(
            last_bot_at=row["followup_last_bot_at"],
            last_human_at=row["followup_last_human_at"],
            followups=row["followup_count"],
            human_texts=tuple(row["followup_human_texts"]),
        )
    return StepRead(
        conversation=conversation,
        created=bool(row["conv_created"]),
        moved=bool(row["moved"]),
        match=MatchContext.from_row(row) if row["match_id"] is not None else None,
        plan=Plan.from_row(row, prefix="plan_") if row["plan_id"] is not None else None,
        persona=persona,
        unanswered=unanswered,
        open_letters=letters,
        wrote_since_letter=wrote,
        human_typing=typing,
        since_bot_loaded=bool(row["since_bot_loaded"]),
        since_bot_message=row["since_bot_message"],
        reactions=bool(row["reactions"]) if row["reactions_loaded"] else None,
        match_messages=int(row["match_messages"]) if row["match_messages_loaded"] else None,
        followup=followup,
        followup_loaded=bool(row["followup_loaded"]),
        policy=_policy(row) if row["policy_loaded"] else None,
        closures=Closures.from_prefixed(row, "closure_"),
        exists=bool(row["conv_exists"]),
    )


def _policy(row: asyncpg.Record) -> PolicyUsage:
    return PolicyUsage(
        spending=BotSpending(tokens=int(row["bot_tokens"]), cost=float(row["bot_cost"])),
        person=PersonUsage(cost=float(row["person_cost"]), replies=int(row["person_replies"])),
        match_replies=RecentReplies(count=int(row["match_replies"]), oldest=row["match_oldest"]),
        bot_replies=RecentReplies(count=int(row["bot_replies"]), oldest=row["bot_oldest"]),
        taken_over_until=row["conv_taken_over_until"],
    )


# ---------------------------------------------------------------------- the write
@dataclass(frozen=True, slots=True)
class SentPart:
    """A part sent as the bot's message, by its deterministic id (None `sent_at`: now())."""

    message_id: uuid.UUID
    index: int
    content: str
    sent_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Progress:
    """The active plan moves on: to thinking until `think_until`, or typing (or pausing
    before) part `next_part` until `due_at`."""

    status: str
    due_at: dt.datetime | None
    think_until: dt.datetime | None = None
    typing: bool | None = None
    next_part: int | None = None


@dataclass(frozen=True, slots=True)
class NewPlan:
    """A new plan: reading its triggers until `read_due_at`, or (an icebreaker) thinking with
    its parts already there."""

    plan_id: uuid.UUID
    epoch: int
    status: str
    triggers: tuple[uuid.UUID, ...]
    read_due_at: dt.datetime
    next_due_at: dt.datetime
    created_at: dt.datetime
    think_until: dt.datetime | None = None
    parts: tuple[str, ...] | None = None
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None


@dataclass(frozen=True, slots=True)
class Save:
    """Where the conversation stands after the step (as `conversations.save`)."""

    epoch: int
    status: str
    wake_at: dt.datetime | None
    error: str | None = None
    hold: str | None = None
    opened_at: dt.datetime | None = None  # the persona opened the match (kept once set)


@dataclass(frozen=True, slots=True)
class StepWrite:
    """A step's effects, written by `write` in one statement. `plan_id` is the active plan the
    effects on a plan (a part, answered messages, its end or its progress) apply to."""

    match_id: uuid.UUID
    bot_id: uuid.UUID
    plan_id: uuid.UUID | None = None
    revive: bool = False
    read_ids: tuple[uuid.UUID, ...] | None = None
    read_at: dt.datetime | None = None
    part: SentPart | None = None
    answered: tuple[uuid.UUID, ...] | None = None
    end_status: str | None = None
    end_error: str | None = None
    progress: Progress | None = None
    new_plan: NewPlan | None = None
    indicator: bool | None = None  # the bot's indicator in the app's table (None: untouched)
    indicator_at: dt.datetime | None = None
    save: Save | None = None

    @property
    def empty(self) -> bool:
        """Whether there is nothing to write."""
        return self == StepWrite(self.match_id, self.bot_id, self.plan_id)


async def write(conn: Conn, w: StepWrite) -> None:
    """Carry out `w` in one statement."""
    save, progress, new = w.save, w.progress, w.new_plan
    await session.execute(
        conn,
        SQL.step_write,
        **_write_params(w),
        save=save is not None,
        epoch=save.epoch if save else None,
        status=save.status if save else None,
        wake_at=save.wake_at if save else None,
        error=save.error if save else None,
        hold=save.hold if save else None,
        opened_at=save.opened_at if save else None,
        progress_status=progress.status if progress else None,
        think_until=progress.think_until if progress else None,
        typing=progress.typing if progress else None,
        next_part=progress.next_part if progress else None,
        due_at=progress.due_at if progress else None,
        **_new_plan_params(new),
    )


def _write_params(w: StepWrite) -> dict[str, Any]:
    part = w.part
    return {
        "match_id": w.match_id,
        "bot_id": w.bot_id,
        "plan_id": w.plan_id,
        "revive": w.revive,
        "read_ids": _ids(w.read_ids),
        "read_at": w.read_at,
        "part_id": part.message_id if part else None,
        "part_index": part.index if part else None,
        "part_content": part.content if part else None,
        "part_sent_at": part.sent_at if part else None,
        "answered_ids": _ids(w.answered),
        "end_status": w.end_status,
        "end_error": w.end_error,
        "indicator": w.indicator,
        "indicator_at": w.indicator_at,
    }


def _new_plan_params(new: NewPlan | None) -> dict[str, Any]:
    return {
        "new_plan_id": new.plan_id if new else None,
        "new_epoch": new.epoch if new else None,
        "new_status": new.status if new else None,
        "new_triggers": list(new.triggers) if new else None,
        "new_read_due_at": new.read_due_at if new else None,
        "new_think_until": new.think_until if new else None,
        "new_due_at": new.next_due_at if new else None,
        "new_parts": list(new.parts) if new and new.parts is not None else None,
        "new_model": new.model if new else None,
        "new_prompt_tokens": new.prompt_tokens if new else None,
        "new_completion_tokens": new.completion_tokens if new else None,
        "new_cost": new.cost if new else None,
        "new_created_at": new.created_at if new else None,
    }


def _ids(ids: Sequence[uuid.UUID] | None) -> list[uuid.UUID] | None:
    return list(ids) if ids is not None else None
