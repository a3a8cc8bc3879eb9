"""The conversation's state machine, decided without a database: every state and event, by table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.plan.machine import (
    EARLY_TOLERANCE,
    GENERATION_WATCH,
    PERSONA_RECHECK,
    Rules,
    SeededRandom,
    decide,
    part_message_id,
)
from randomatch_bot.conversation.plan.states import (
    Action,
    AnswerWithReaction,
    Close,
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
    Revive,
    SendPart,
    SkipOpener,
    Snapshot,
    StartPlan,
    StartThinking,
    StopPlan,
    TypePart,
    Wait,
)
from randomatch_bot.conversation.policies.limits import Hold as PolicyHold
from randomatch_bot.db.conversations import Conversation, MatchContext
from randomatch_bot.db.dead_letters import OpenLetter
from randomatch_bot.db.messages import FollowupState, HumanMessage
from randomatch_bot.db.plans import Plan
from randomatch_bot.db.typing_indicators import TypingState

MIGRATIONS = Path(__file__).resolve().parents[2] / "src" / "randomatch_bot" / "db" / "migrations"
NOW = dt.datetime(2026, 6, 13, 10, 0, tzinfo=dt.UTC)
MATCH, BOT, HUMAN, PLAN = (uuid.UUID(int=n) for n in (1, 2, 3, 4))
M1, M2 = uuid.UUID(int=11), uuid.UUID(int=12)
BASE: dict[str, Any] = {
    "TIME_SCALE": 1.0,
    "ACTIVE_HOURS": "00:00-24:00",
    "ABSENCE_PROBABILITY": 0.0,
}
SETTINGS = Settings(_env_file=None, **BASE)  # type: ignore[call-arg]
PERSONA = Persona.default(SETTINGS, BOT, "Camille")
OPENED_AT = NOW - dt.timedelta(hours=1)


def ago(seconds: float) -> dt.datetime:
    return NOW - dt.timedelta(seconds=seconds)


def later(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def rules(
    *,
    transport: str = "table",
    db_clock: bool = True,
    opener: Callable[[Persona, random.Random], list[str]] = lambda _p, _r: ["Salut !"],
    **settings: Any,
) -> Rules:
    values = {**BASE, **settings}
    return Rules(
        settings=Settings(_env_file=None, **values),  # type: ignore[call-arg]
        rng=SeededRandom(7),
        opener=opener,
        typing_transport=transport,
        db_clock=db_clock,
    )


def message(id_: uuid.UUID, seconds_ago: float, read: bool = False) -> HumanMessage:
    return HumanMessage(id_, "On marche où ?", ago(seconds_ago), ago(1) if read else None)


def plan(status: PlanStatus, **fields: Any) -> Plan:
    values: dict[str, Any] = {
        "id": PLAN,
        "match_id": MATCH,
        "bot_id": BOT,
        "epoch": 5,
        "status": status,
        "trigger_message_ids": (M1,),
        "read_due_at": ago(10),
        "think_until": None,
        "parts": None,
        "next_part": 0,
        "typing": False,
        "next_due_at": ago(1),
        "retry_at": None,
        "generation_failures": 0,
        "failing_since": None,
        "error": None,
    }
    values.update(fields)
    return Plan(**values)


def snapshot(
    *,
    match_status: str = "active",
    status: ConversationStatus = ConversationStatus.IDLE,
    opened_at: dt.datetime | None = OPENED_AT,
    active: Plan | None = None,
    facts: dict[Fact, dict[str, Any]] | None = None,
    **done: Any,
) -> Snapshot:
    """A conversation at epoch 5 with `facts` loaded (and `done`: what the step did so far)."""
    conv = Conversation(MATCH, BOT, HUMAN, 5, status, None, None, None, opened_at)
    snap = Snapshot(
        match=MatchContext(MATCH, match_status, BOT, "Camille", HUMAN),
        conversation=conv,
        epoch=5,
        plan=active,
    )
    for fact, values in (facts or {}).items():
        snap = snap.knowing(fact, **values)
    if Fact.UNANSWERED in snap.loaded and Fact.CLOSURES not in snap.loaded:
        # Read in the same statement as the unanswered messages: none by default.
        snap = snap.knowing(Fact.CLOSURES)
    return dataclasses.replace(snap, **done)


def persona(**fields: Any) -> dict[str, Any]:
    return {"persona": dataclasses.replace(PERSONA, **fields)}


UNANSWERED_NONE: dict[str, Any] = {"unanswered": ()}
QUIET = {Fact.UNANSWERED: UNANSWERED_NONE, Fact.PERSONA: persona()}
FOLLOWS = persona(followup_after=1.0, followup_max=2)
SILENT_FOR_2H = FollowupState(ago(7200), ago(7300), 0, ("On se voit samedi ?",))
ANSWERING = {
    Fact.UNANSWERED: {"unanswered": (message(M1, 60),)},
    Fact.PERSONA: persona(),
}
NOT_TYPING = {"human_typing": TypingState(False, ago(30))}
TYPED = plan(PlanStatus.TYPING, parts=("Salut", "ça va ?"), typing=True)
PLAN_FACTS = {Fact.UNANSWERED: UNANSWERED_NONE, Fact.PERSONA: persona()}
OPENING = {**QUIET, Fact.PERSONA: persona(icebreaker=True), Fact.MATCH_MESSAGES: {}}


# Each row: the state and what just happened, the snapshot, the rules, and what is expected
# (an action equal to it, or a predicate on the action).
CASES: list[tuple[str, Snapshot, Rules, Action | Callable[[Action], bool]]] = [
    # ---- the match ended
    ("unmatched, no plan", snapshot(match_status="unmatched"), rules(), Close("unmatched", 6)),
    (
        "blocked while typing",
        snapshot(match_status="blocked", active=TYPED),
        rules(),
        Close("blocked", 6),
    ),
    # ---- a dead letter
    (
        "dead letter, retry on message off",
        snapshot(status=ConversationStatus.DEAD_LETTER),
        rules(DEAD_LETTER_RETRY_ON_MESSAGE=False),
        Nothing("dead letter: waiting for an operator"),
    ),
    (
        "dead letter, letters unknown",
        snapshot(status=ConversationStatus.DEAD_LETTER),
        rules(),
        Load(Fact.OPEN_LETTERS),
    ),
    (
        "dead letter, none open",
        snapshot(status=ConversationStatus.DEAD_LETTER, facts={Fact.OPEN_LETTERS: {}}),
        rules(),
        Revive(),
    ),
    (
        "dead letter open, human's writing unknown",
        snapshot(
            status=ConversationStatus.DEAD_LETTER,
            facts={Fact.OPEN_LETTERS: {"open_letters": (OpenLetter(9, ago(60)),)}},
        ),
        rules(),
        Load(Fact.WROTE_SINCE_LETTER),
    ),
    (
        "dead letter open, human silent since",
        snapshot(
            status=ConversationStatus.DEAD_LETTER,
            facts={
                Fact.OPEN_LETTERS: {"open_letters": (OpenLetter(9, ago(60)),)},
                Fact.WROTE_SINCE_LETTER: {"wrote_since_letter": False},
            },
        ),
        rules(),
        Nothing("dead letter: waiting for an operator"),
    ),
    (
        "dead letter open, human wrote since",
        snapshot(
            status=ConversationStatus.DEAD_LETTER,
            facts={
                Fact.OPEN_LETTERS: {"open_letters": (OpenLetter(9, ago(60)),)},
                Fact.WROTE_SINCE_LETTER: {"wrote_since_letter": True},
            },
        ),
        rules(),
        Revive(),
    ),
    (
        "dead letter revived",
        snapshot(status=ConversationStatus.DEAD_LETTER, revived=True),
        rules(),
        Load(Fact.UNANSWERED),
    ),
    # ---- idle, nothing to answer
    ("idle, messages unknown", snapshot(), rules(), Load(Fact.UNANSWERED)),
    (
        "idle, persona unknown",
        snapshot(facts={Fact.UNANSWERED: UNANSWERED_NONE}),
        rules(),
        Load(Fact.PERSONA),
    ),
    (
        "idle, no follow-ups",
        snapshot(facts=QUIET),
        rules(),
        Wait("nothing to answer", 5, ConversationStatus.IDLE, None),
    ),
    (
        "fresh match, icebreaker persona, messages not counted",
        snapshot(opened_at=None, facts={**QUIET, Fact.PERSONA: persona(icebreaker=True)}),
        rules(),
        Load(Fact.MATCH_MESSAGES),
    ),
    (
        "fresh silent match, icebreaker persona, takeover unknown",
        snapshot(
            opened_at=None,
            facts={**QUIET, Fact.PERSONA: persona(icebreaker=True), Fact.MATCH_MESSAGES: {}},
        ),
        rules(),
        Load(Fact.POLICY),
    ),
    (
        "fresh silent match, icebreaker persona",
        snapshot(opened_at=None, facts={**OPENING, Fact.POLICY: {}}),
        rules(),
        lambda a: (
            isinstance(a, Open) and a.epoch == 6 and a.parts == ("Salut !",) and a.start > NOW
        ),
    ),
    (
        "fresh silent match taken over: no icebreaker until the operator hands it back",
        snapshot(
            opened_at=None,
            facts={**OPENING, Fact.POLICY: {"policy_hold": PolicyHold(later(600), "taken over")}},
        ),
        rules(),
        Hold(5, later(600), "taken over"),
    ),
    (
        "fresh silent match, a reply budget spent: the icebreaker costs no model call",
        snapshot(
            opened_at=None,
            facts={**OPENING, Fact.POLICY: {"policy_hold": PolicyHold(later(600), "budget")}},
        ),
        rules(),
        lambda a: isinstance(a, Open),
    ),
    (
        "fresh silent match, no greeting",
        snapshot(opened_at=None, facts={**OPENING, Fact.POLICY: {}}),
        rules(opener=lambda _p, _r: []),
        SkipOpener(),
    ),
    (
        "fresh match, greeting skipped",
        snapshot(
            opened_at=None,
            facts={**QUIET, Fact.PERSONA: persona(icebreaker=True), Fact.MATCH_MESSAGES: {}},
            opener_skipped=True,
        ),
        rules(),
        Wait("nothing to answer", 5, ConversationStatus.IDLE, None),
    ),
    (
        "fresh match where someone wrote already",
        snapshot(
            opened_at=None,
            facts={
                **QUIET,
                Fact.PERSONA: persona(icebreaker=True),
                Fact.MATCH_MESSAGES: {"match_messages": 2},
            },
        ),
        rules(),
        Wait("nothing to answer", 5, ConversationStatus.IDLE, None),
    ),
    (
        "fresh match, persona that never opens",
        snapshot(opened_at=None, facts=QUIET),
        rules(),
        Wait("nothing to answer", 5, ConversationStatus.IDLE, None),
    ),
    # ---- a silence and follow-ups
    (
        "silence, follow-up state unknown",
        snapshot(facts={**QUIET, Fact.PERSONA: FOLLOWS}),
        rules(),
        Load(Fact.FOLLOWUP),
    ),
    (
        "silence too short for a follow-up",
        snapshot(
            facts={
                **QUIET,
                Fact.PERSONA: FOLLOWS,
                Fact.FOLLOWUP: {
                    "followup": dataclasses.replace(SILENT_FOR_2H, last_bot_at=ago(60))
                },
            }
        ),
        rules(),
        Wait("follow-up later", 5, ConversationStatus.IDLE, later(3600 - 60)),
    ),
    (
        "follow-up due, policies unknown",
        snapshot(
            facts={**QUIET, Fact.PERSONA: FOLLOWS, Fact.FOLLOWUP: {"followup": SILENT_FOR_2H}}
        ),
        rules(),
        Load(Fact.POLICY),
    ),
    (
        "follow-up due, held by a policy",
        snapshot(
            facts={
                **QUIET,
                Fact.PERSONA: FOLLOWS,
                Fact.FOLLOWUP: {"followup": SILENT_FOR_2H},
                Fact.POLICY: {"policy_hold": PolicyHold(later(600), "bot budget")},
            }
        ),
        rules(),
        Hold(5, later(600), "bot budget"),
    ),
    (
        "follow-up due and allowed",
        snapshot(
            facts={
                **QUIET,
                Fact.PERSONA: FOLLOWS,
                Fact.FOLLOWUP: {"followup": SILENT_FOR_2H},
                Fact.POLICY: {},
            }
        ),
        rules(),
        lambda a: isinstance(a, StartPlan) and a.is_followup and a.epoch == 6 and a.read_due == NOW,
    ),
    (
        "follow-up after a request to stop",
        snapshot(
            facts={
                **QUIET,
                Fact.PERSONA: FOLLOWS,
                Fact.FOLLOWUP: {
                    "followup": dataclasses.replace(SILENT_FOR_2H, human_texts=("stop",))
                },
            }
        ),
        rules(),
        Wait("nothing to answer", 5, ConversationStatus.IDLE, None),
    ),
    # ---- messages to answer, no plan yet
    (
        "new message, persona unknown",
        snapshot(facts={Fact.UNANSWERED: {"unanswered": (message(M1, 60),)}}),
        rules(),
        Load(Fact.PERSONA),
    ),
    (
        "new message, persona disabled",
        snapshot(facts={**ANSWERING, Fact.PERSONA: persona(enabled=False)}),
        rules(),
        Wait(
            "persona disabled",
            5,
            ConversationStatus.WAITING,
            later(PERSONA_RECHECK),
            "persona disabled",
        ),
    ),
    (
        "new message, human maybe still writing",
        snapshot(facts={**ANSWERING, Fact.UNANSWERED: {"unanswered": (message(M1, 0.5),)}}),
        rules(),
        lambda a: (
            isinstance(a, Wait)
            and a.note == "grouping"
            and a.wake_at is not None
            and a.wake_at > NOW
            and a.status == ConversationStatus.WAITING
        ),
    ),
    (
        "grouping over, human's typing unknown",
        snapshot(facts=ANSWERING),
        rules(),
        Load(Fact.HUMAN_TYPING),
    ),
    (
        "grouping over, human typing",
        snapshot(
            facts={**ANSWERING, Fact.HUMAN_TYPING: {"human_typing": TypingState(True, ago(1))}}
        ),
        rules(),
        lambda a: (
            isinstance(a, Wait)
            and a.note == "human typing"
            and a.wake_at is not None
            and a.wake_at > NOW
        ),
    ),
    (
        "grouping over, policies unknown",
        snapshot(facts={**ANSWERING, Fact.HUMAN_TYPING: NOT_TYPING}),
        rules(),
        Load(Fact.POLICY),
    ),
    (
        "grouping over, rate limited",
        snapshot(
            facts={
                **ANSWERING,
                Fact.HUMAN_TYPING: NOT_TYPING,
                Fact.POLICY: {"policy_hold": PolicyHold(later(30), "rate limit")},
            }
        ),
        rules(),
        Hold(5, later(30), "rate limit"),
    ),
    (
        "grouping over, reply allowed",
        snapshot(facts={**ANSWERING, Fact.HUMAN_TYPING: NOT_TYPING, Fact.POLICY: {}}),
        rules(),
        lambda a: (
            isinstance(a, StartPlan)
            and a.triggers == (M1,)
            and a.epoch == 6
            and a.read_due > NOW
            and a.reading > 0
        ),
    ),
    (
        "grouping over, message read in the app already",
        snapshot(
            facts={
                **ANSWERING,
                Fact.UNANSWERED: {"unanswered": (message(M1, 60, read=True),)},
                Fact.HUMAN_TYPING: NOT_TYPING,
                Fact.POLICY: {},
            }
        ),
        rules(),
        lambda a: isinstance(a, StartPlan) and a.reading == 0.0 and a.read_due == NOW,
    ),
    (
        "interrupted plan: grouping counts from the new message",
        snapshot(
            facts={
                **ANSWERING,
                Fact.UNANSWERED: {"unanswered": (message(M1, 600), message(M2, 0.5))},
            },
            interrupted=(M1,),
            epoch=6,
        ),
        rules(),
        lambda a: isinstance(a, Wait) and a.note == "grouping" and a.epoch == 6,
    ),
    # ---- an active plan
    (
        "plan, a message it does not answer",
        snapshot(
            active=TYPED,
            facts={Fact.UNANSWERED: {"unanswered": (message(M1, 60), message(M2, 1))}},
        ),
        rules(),
        Interrupt(TYPED),
    ),
    (
        "thinking, model down until later",
        snapshot(active=plan(PlanStatus.THINKING, retry_at=later(120)), facts=PLAN_FACTS),
        rules(),
        Wait("waiting for the model", 5, ConversationStatus.REPLYING, later(120)),
    ),
    (
        "thinking, parts not generated yet",
        snapshot(active=plan(PlanStatus.THINKING, next_due_at=later(5)), facts=PLAN_FACTS),
        rules(),
        Wait(
            "waiting for generation",
            5,
            ConversationStatus.REPLYING,
            later(5 + GENERATION_WATCH),
            generate=PLAN,
        ),
    ),
    (
        "reading, not due yet",
        snapshot(active=plan(PlanStatus.READING, next_due_at=later(3)), facts=PLAN_FACTS),
        rules(),
        Wait("not due yet", 5, ConversationStatus.REPLYING, later(3)),
    ),
    (
        "typing a part, broadcast refreshed before its end",
        snapshot(active=dataclasses.replace(TYPED, next_due_at=later(20)), facts=PLAN_FACTS),
        rules(transport="broadcast", TYPING_REFRESH_INTERVAL=5.0),
        Wait("not due yet", 5, ConversationStatus.REPLYING, later(5), refresh_typing=True),
    ),
    (
        "woken a little early: runs now",
        snapshot(
            active=plan(PlanStatus.READING, next_due_at=NOW + EARLY_TOLERANCE / 2),
            facts=PLAN_FACTS,
        ),
        rules(),
        MarkRead(plan(PlanStatus.READING, next_due_at=NOW + EARLY_TOLERANCE / 2)),
    ),
    (
        "due plan, persona unknown",
        snapshot(active=plan(PlanStatus.READING), facts={Fact.UNANSWERED: UNANSWERED_NONE}),
        rules(),
        Load(Fact.PERSONA),
    ),
    (
        "due plan, persona disabled",
        snapshot(
            active=TYPED,
            facts={Fact.UNANSWERED: UNANSWERED_NONE, Fact.PERSONA: persona(enabled=False)},
        ),
        rules(),
        StopPlan(TYPED, 6, later(PERSONA_RECHECK)),
    ),
    (
        "reading done",
        snapshot(active=plan(PlanStatus.READING), facts=PLAN_FACTS),
        rules(),
        MarkRead(plan(PlanStatus.READING)),
    ),
    (
        "read, answered with an emoji",
        snapshot(active=plan(PlanStatus.READING), facts=PLAN_FACTS, read=ReadOutcome(True, "👍")),
        rules(),
        AnswerWithReaction(plan(PlanStatus.READING), "👍"),
    ),
    (
        "read, last bot message unknown",
        snapshot(active=plan(PlanStatus.READING), facts=PLAN_FACTS, read=ReadOutcome(False)),
        rules(),
        Load(Fact.SINCE_BOT_MESSAGE),
    ),
    (
        "read, starts thinking",
        snapshot(
            active=plan(PlanStatus.READING),
            facts={**PLAN_FACTS, Fact.SINCE_BOT_MESSAGE: {"since_bot_message": 30.0}},
            read=ReadOutcome(False),
        ),
        rules(),
        lambda a: isinstance(a, StartThinking) and a.until > NOW and a.think > 0,
    ),
    (
        "thought, parts ready: types the first",
        snapshot(active=plan(PlanStatus.THINKING, parts=("Salut", "ça va ?")), facts=PLAN_FACTS),
        rules(),
        lambda a: isinstance(a, TypePart) and a.index == 0 and a.until > NOW and a.wake == a.until,
    ),
    (
        "paused after a part: types the next",
        snapshot(active=dataclasses.replace(TYPED, typing=False, next_part=1), facts=PLAN_FACTS),
        rules(),
        lambda a: isinstance(a, TypePart) and a.index == 1,
    ),
    (
        "typing over, database clock",
        snapshot(active=TYPED, facts=PLAN_FACTS),
        rules(),
        SendPart(TYPED, 0, part_message_id(PLAN, 0), "Salut", None),
    ),
    (
        "typing over, virtual clock",
        snapshot(active=TYPED, facts=PLAN_FACTS),
        rules(db_clock=False),
        SendPart(TYPED, 0, part_message_id(PLAN, 0), "Salut", NOW),
    ),
    (
        "part sent, more to come",
        snapshot(active=TYPED, facts=PLAN_FACTS, sent=True),
        rules(),
        lambda a: isinstance(a, Pause) and a.next_part == 1 and a.until > NOW,
    ),
    (
        "last part sent",
        snapshot(active=dataclasses.replace(TYPED, next_part=1), facts=PLAN_FACTS, sent=True),
        rules(),
        FinishReply(dataclasses.replace(TYPED, next_part=1)),
    ),
    (
        "reply finished, no follow-ups",
        snapshot(
            active=dataclasses.replace(TYPED, next_part=1),
            facts=PLAN_FACTS,
            sent=True,
            finished=True,
        ),
        rules(),
        Wait("reply done", 5, ConversationStatus.IDLE, None),
    ),
    (
        "reply finished, follow-up state unknown",
        snapshot(
            active=dataclasses.replace(TYPED, next_part=1),
            facts={**PLAN_FACTS, Fact.PERSONA: FOLLOWS},
            sent=True,
            finished=True,
        ),
        rules(),
        Load(Fact.FOLLOWUP),
    ),
    (
        "reply finished, follow-up planned for later",
        snapshot(
            active=dataclasses.replace(TYPED, next_part=1),
            facts={
                **PLAN_FACTS,
                Fact.PERSONA: FOLLOWS,
                Fact.FOLLOWUP: {"followup": FollowupState(NOW, ago(60), 0, ())},
            },
            sent=True,
            finished=True,
        ),
        rules(),
        Wait("reply done", 5, ConversationStatus.IDLE, later(3600)),
    ),
]


@pytest.mark.parametrize(
    ("snap", "rules_", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_decide(snap: Snapshot, rules_: Rules, expected: Action | Callable[[Action], bool]) -> None:
    """In each state, on each event, the machine takes the expected next action."""
    action = decide(snap, NOW, rules_)
    if callable(expected) and not dataclasses.is_dataclass(expected):
        assert expected(action), action
    else:
        assert action == expected


def test_same_snapshot_same_decision() -> None:
    """A step redone after a crash decides the same: same plan id, same delays."""
    snap = snapshot(facts={**ANSWERING, Fact.HUMAN_TYPING: NOT_TYPING, Fact.POLICY: {}})
    first, again = decide(snap, NOW, rules()), decide(snap, NOW, rules())
    assert isinstance(first, StartPlan)
    assert first == again


def test_every_continuing_action_moves_the_step_on() -> None:
    """After each continuing action is recorded in the snapshot, the machine does not ask for
    it again: a step always ends."""
    after_interrupt = snapshot(
        facts={**ANSWERING, Fact.HUMAN_TYPING: NOT_TYPING, Fact.POLICY: {}},
        interrupted=(M2,),
        epoch=6,
    )
    assert isinstance(decide(after_interrupt, NOW, rules()), StartPlan)
    read = snapshot(active=plan(PlanStatus.READING), facts=PLAN_FACTS, read=ReadOutcome(False))
    assert not isinstance(decide(read, NOW, rules()), MarkRead)
    sent = snapshot(active=TYPED, facts=PLAN_FACTS, sent=True)
    assert not isinstance(decide(sent, NOW, rules()), SendPart)


def _check_values(table: str) -> set[str]:
    """The values of `table`'s status CHECK constraint, as the migrations write it."""
    text = "\n".join(p.read_text("utf-8") for p in sorted(MIGRATIONS.glob("*.sql")))
    create = re.search(rf"CREATE TABLE IF NOT EXISTS {re.escape(table)} \((.*?)\n\);", text, re.S)
    assert create, f"no CREATE TABLE for {table}"
    check = re.search(r"\bstatus\b[^,]*?CHECK \(status IN \(([^)]*)\)\)", create[1], re.S)
    assert check, f"no status CHECK in {table}"
    values = set(re.findall(r"'(\w+)'", check[1]))
    # A later migration changing the constraint must be read here too.
    assert not re.search(rf"ALTER TABLE {re.escape(table)}[^;]*status", text), "status altered"
    return values


@pytest.mark.parametrize(
    ("table", "enum"),
    [("bot.conversations", ConversationStatus), ("bot.reply_plans", PlanStatus)],
)
def test_status_enums_match_the_check_constraints(table: str, enum: Any) -> None:
    """Each status enum holds exactly the values the table's CHECK constraint allows."""
    assert {member.value for member in enum} == _check_values(table)


# Every state of an active plan, crossed with every event a step can meet: the kind of action.
PLAN_STATES: dict[str, Plan] = {
    "reading": plan(PlanStatus.READING),
    "thinking, no parts": plan(PlanStatus.THINKING),
    "thinking, parts ready": plan(PlanStatus.THINKING, parts=("Salut", "ça va ?")),
    "typing a part": TYPED,
    "paused between parts": dataclasses.replace(TYPED, typing=False, next_part=1),
}
EVENTS: dict[str, Callable[[Plan], Snapshot]] = {
    "not due": lambda p: snapshot(
        active=dataclasses.replace(p, next_due_at=later(30)), facts=PLAN_FACTS
    ),
    "due": lambda p: snapshot(active=p, facts=PLAN_FACTS),
    "new human message": lambda p: snapshot(
        active=p, facts={**PLAN_FACTS, Fact.UNANSWERED: {"unanswered": (message(M2, 1),)}}
    ),
    "persona disabled": lambda p: snapshot(
        active=p, facts={**PLAN_FACTS, Fact.PERSONA: persona(enabled=False)}
    ),
    "unmatched": lambda p: snapshot(match_status="unmatched", active=p, facts=PLAN_FACTS),
}
EXPECTED: dict[tuple[str, str], type] = {
    ("reading", "not due"): Wait,
    ("reading", "due"): MarkRead,
    ("reading", "persona disabled"): StopPlan,
    ("thinking, no parts", "not due"): Wait,  # the generation is asked for
    ("thinking, no parts", "due"): Wait,
    ("thinking, no parts", "persona disabled"): Wait,  # stopped once the parts are there
    ("thinking, parts ready", "not due"): Wait,
    ("thinking, parts ready", "due"): TypePart,
    ("thinking, parts ready", "persona disabled"): StopPlan,
    ("typing a part", "not due"): Wait,
    ("typing a part", "due"): SendPart,
    ("typing a part", "persona disabled"): StopPlan,
    ("paused between parts", "not due"): Wait,
    ("paused between parts", "due"): TypePart,
    ("paused between parts", "persona disabled"): StopPlan,
}


@pytest.mark.parametrize("event", list(EVENTS))
@pytest.mark.parametrize("state", list(PLAN_STATES))
def test_every_plan_state_meets_every_event(state: str, event: str) -> None:
    """A new human message interrupts a plan in any state, an unmatch closes it in any state,
    and otherwise each state answers each event with its own kind of action."""
    action = decide(EVENTS[event](PLAN_STATES[state]), NOW, rules())
    if event == "new human message":
        assert action == Interrupt(PLAN_STATES[state])
    elif event == "unmatched":
        assert action == Close("unmatched", 6)
    else:
        assert type(action) is EXPECTED[(state, event)], action
    if isinstance(action, Wait):
        # Only a plan still waiting for its parts asks for the generation.
        assert action.generate == (PLAN if state == "thinking, no parts" else None)


# The operator's message (a plan written already, in a conversation taken over) in each state.
OPERATOR_STATES: dict[str, Plan] = {
    "reading": plan(PlanStatus.READING, parts=("Coucou",), model="operator"),
    "thinking": plan(PlanStatus.THINKING, parts=("Coucou",), model="operator"),
    "typing": plan(PlanStatus.TYPING, parts=("Coucou",), typing=True, model="operator"),
}
OPERATOR_NEXT: dict[str, type] = {"reading": MarkRead, "thinking": TypePart, "typing": SendPart}


@pytest.mark.parametrize("state", list(OPERATOR_STATES))
def test_a_human_message_does_not_interrupt_the_operator(state: str) -> None:
    """The person writing again does not drop an operator's message: it goes on as planned."""
    active = OPERATOR_STATES[state]
    snap = snapshot(
        active=active,
        facts={**PLAN_FACTS, Fact.UNANSWERED: {"unanswered": (message(M1, 60), message(M2, 1))}},
    )
    assert type(decide(snap, NOW, rules())) is OPERATOR_NEXT[state]
    persona_plan = dataclasses.replace(active, model="gpt-4o-mini")
    assert decide(dataclasses.replace(snap, plan=persona_plan), NOW, rules()) == Interrupt(
        persona_plan
    )


def test_after_the_operator_message_the_new_messages_wait_for_their_answer() -> None:
    """Once the operator's message is out, what the person wrote meanwhile is a new reply to
    start (held while the conversation is taken over), not the end of a reply."""
    sent = dataclasses.replace(OPERATOR_STATES["typing"], next_part=0)
    facts = {
        **ANSWERING,
        Fact.UNANSWERED: {"unanswered": (message(M1, 60), message(M2, 30))},
        Fact.HUMAN_TYPING: NOT_TYPING,
        Fact.POLICY: {"policy_hold": PolicyHold(later(600), "taken over")},
    }
    snap = snapshot(active=sent, facts=facts, sent=True, finished=True)
    assert decide(snap, NOW, rules()) == Hold(5, later(600), "taken over")
    resumed = snapshot(active=sent, facts={**facts, Fact.POLICY: {}}, sent=True, finished=True)
    action = decide(resumed, NOW, rules())
    # A new plan answers the message written meanwhile, not the one the operator answered.
    assert isinstance(action, StartPlan), action
    assert action.triggers == (M2,)
