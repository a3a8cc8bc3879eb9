"""What the conversation's state machine reads and returns: the statuses, the snapshot of a
conversation one step sees, and the actions `plan_machine.decide` chooses from."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field, replace
from enum import StrEnum

from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.policies.limits import Hold as PolicyHold
from randomatch_bot.db.closures import Closures
from randomatch_bot.db.conversations import Conversation, MatchContext
from randomatch_bot.db.dead_letters import OpenLetter
from randomatch_bot.db.messages import FollowupState, HumanMessage
from randomatch_bot.db.plans import Plan
from randomatch_bot.db.typing_indicators import TypingState


class ConversationStatus(StrEnum):
    """`bot.conversations.status` (its CHECK constraint holds the same values)."""

    IDLE = "idle"
    WAITING = "waiting"
    REPLYING = "replying"
    DEAD_LETTER = "dead_letter"
    CLOSED = "closed"


class PlanStatus(StrEnum):
    """`bot.reply_plans.status` (its CHECK constraint holds the same values)."""

    READING = "reading"
    THINKING = "thinking"
    TYPING = "typing"
    DONE = "done"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        """Whether a plan in this status is still being carried out."""
        return self in ACTIVE_PLAN_STATUSES


ACTIVE_PLAN_STATUSES = frozenset({PlanStatus.READING, PlanStatus.THINKING, PlanStatus.TYPING})


class Fact(StrEnum):
    """What the engine loads when a decision asks for it."""

    OPEN_LETTERS = "open_letters"  # the conversation's open dead letters
    WROTE_SINCE_LETTER = "wrote_since_letter"  # the human wrote after the newest open letter
    UNANSWERED = "unanswered"  # the human's unanswered messages
    CLOSURES = "closures"  # the conversation's closings for good (a minor, a request to stop)
    PERSONA = "persona"
    MATCH_MESSAGES = "match_messages"  # how many messages the match has
    FOLLOWUP = "followup"  # the silence a follow-up depends on
    HUMAN_TYPING = "human_typing"
    POLICY = "policy"  # the policy hold on a new reply, if any
    SINCE_BOT_MESSAGE = "since_bot_message"  # seconds since the bot last wrote


@dataclass(frozen=True, slots=True)
class ReadOutcome:
    """What marking a plan's messages read led to: an emoji instead of a reply, or not."""

    reacted: bool
    emoji: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A conversation as one step sees it under its lock, and what the step did so far."""

    match: MatchContext
    conversation: Conversation
    epoch: int
    plan: Plan | None
    loaded: frozenset[Fact] = frozenset()
    # Facts, meaningful once in `loaded`.
    open_letters: tuple[OpenLetter, ...] = ()
    wrote_since_letter: bool = False
    unanswered: tuple[HumanMessage, ...] = ()
    closures: Closures = field(default_factory=Closures)
    persona: Persona | None = None
    match_messages: int = 0
    followup: FollowupState | None = None
    human_typing: TypingState = field(default_factory=lambda: TypingState(None, None))
    policy_hold: PolicyHold | None = None
    since_bot_message: float | None = None
    # What this step did already (continuing actions).
    revived: bool = False
    interrupted: tuple[uuid.UUID, ...] | None = None  # triggers of the plan interrupted now
    opener_skipped: bool = False
    read: ReadOutcome | None = None
    sent: bool = False
    finished: bool = False
    set_aside: bool = False  # the messages of a closed conversation were set aside

    def knowing(self, fact: Fact, **values: object) -> Snapshot:
        """This snapshot with `fact` loaded as `values`."""
        return replace(self, loaded=self.loaded | {fact}, **values)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- actions
@dataclass(frozen=True, slots=True)
class Load:
    """Load `fact` into the snapshot, then decide again."""

    fact: Fact


@dataclass(frozen=True, slots=True)
class Revive:
    """Resolve the conversation's open dead letters ('retried'): the human wrote again."""


@dataclass(frozen=True, slots=True)
class Interrupt:
    """End the active plan (interrupted): the human wrote something it does not answer."""

    plan: Plan


@dataclass(frozen=True, slots=True)
class SkipOpener:
    """The persona has no greeting to open with: say so, and consider a follow-up."""


@dataclass(frozen=True, slots=True)
class MarkRead:
    """Mark the plan's messages read, and maybe react with an emoji instead of replying."""

    plan: Plan


@dataclass(frozen=True, slots=True)
class SendPart:
    """Send the plan's part `index` (typing is over), indicator off."""

    plan: Plan
    index: int
    message_id: uuid.UUID
    content: str
    sent_at: dt.datetime | None  # None: the database's clock


@dataclass(frozen=True, slots=True)
class FinishReply:
    """The last part is sent: the trigger messages are answered, the plan is done."""

    plan: Plan


@dataclass(frozen=True, slots=True)
class Close:
    """The match ended (`reason` is its status): cancel any plan, close the conversation."""

    reason: str
    epoch: int


@dataclass(frozen=True, slots=True)
class Cancel:
    """End a plan that must not go on (cancelled): a reply in a conversation closed for good,
    or the closing line of a conversation reopened meanwhile."""

    plan: Plan
    reason: str


@dataclass(frozen=True, slots=True)
class CloseForMinor:
    """The person said they are under 18: cancel any plan, record the closing, and plan the
    closing line (`parts`, none when the persona is disabled) answering `triggers`."""

    cancel: Plan | None
    plan_id: uuid.UUID
    epoch: int
    message_id: uuid.UUID
    triggers: tuple[uuid.UUID, ...]
    parts: tuple[str, ...]
    read_due: dt.datetime


@dataclass(frozen=True, slots=True)
class RecordStop:
    """The person asked the persona to stop writing: no follow-up from now on."""

    message_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class SetAside:
    """Messages written in a closed conversation: handled by the closing, never answered."""

    message_ids: tuple[uuid.UUID, ...]
    plan_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Nothing:
    """Change nothing (a dead letter waits for an operator)."""

    note: str


@dataclass(frozen=True, slots=True)
class Wait:
    """Store the conversation's status and when to look again; nothing else happens now."""

    note: str
    epoch: int
    status: ConversationStatus
    wake_at: dt.datetime | None
    hold: str | None = None
    generate: uuid.UUID | None = None  # the plan whose generation is asked for
    refresh_typing: bool = False  # say "typing" again first (a broadcast is not stored)


@dataclass(frozen=True, slots=True)
class Hold:
    """A policy (rate limit, budget, cap) holds the next reply or follow-up back."""

    epoch: int
    until: dt.datetime
    reason: str


@dataclass(frozen=True, slots=True)
class StartPlan:
    """Write a new plan reading `triggers` until `read_due` (no trigger: a follow-up)."""

    plan_id: uuid.UUID
    epoch: int
    triggers: tuple[uuid.UUID, ...]
    read_due: dt.datetime
    away: float = 0.0
    reading: float = 0.0

    @property
    def is_followup(self) -> bool:
        return not self.triggers


@dataclass(frozen=True, slots=True)
class Open:
    """Plan an icebreaker: `parts` from the persona's greetings, typed from `start`."""

    plan_id: uuid.UUID
    epoch: int
    parts: tuple[str, ...]
    start: dt.datetime
    delay: float


@dataclass(frozen=True, slots=True)
class StopPlan:
    """The persona was disabled while replying: cancel the plan, look again at `recheck`."""

    plan: Plan
    epoch: int
    recheck: dt.datetime


@dataclass(frozen=True, slots=True)
class AnswerWithReaction:
    """An emoji answered the plan's messages: the plan is done without a reply."""

    plan: Plan
    emoji: str | None


@dataclass(frozen=True, slots=True)
class StartThinking:
    """The messages are read: think (the reply is generated meanwhile) until `until`."""

    plan: Plan
    until: dt.datetime
    think: float


@dataclass(frozen=True, slots=True)
class TypePart:
    """Start "is typing…" for part `index` until `until`; look again at `wake`."""

    plan: Plan
    index: int
    until: dt.datetime
    wake: dt.datetime


@dataclass(frozen=True, slots=True)
class Pause:
    """A part was sent: pause (typing off) until `until`, then type part `next_part`."""

    plan: Plan
    next_part: int
    until: dt.datetime


Action = (
    Load
    | Revive
    | Interrupt
    | SkipOpener
    | MarkRead
    | SendPart
    | FinishReply
    | Close
    | Cancel
    | CloseForMinor
    | RecordStop
    | SetAside
    | Nothing
    | Wait
    | Hold
    | StartPlan
    | Open
    | StopPlan
    | AnswerWithReaction
    | StartThinking
    | TypePart
    | Pause
)
CONTINUING = (
    Revive,
    Interrupt,
    SkipOpener,
    MarkRead,
    SendPart,
    FinishReply,
    Cancel,
    RecordStop,
    SetAside,
)
