"""Conversations closed for good, decided without a database: a minor's conversation gets one
closing line and nothing else, ever; a request to stop ends the follow-ups; an operator's
reopening stands for what was written before it."""

from __future__ import annotations

import dataclasses
import random
import uuid
from typing import Any

import pytest

from randomatch_bot.conversation.plan.machine import CLOSED_MINOR, decide
from randomatch_bot.conversation.plan.states import (
    Cancel,
    CloseForMinor,
    ConversationStatus,
    Fact,
    Load,
    MarkRead,
    RecordStop,
    SetAside,
    StartPlan,
    Wait,
)
from randomatch_bot.conversation.plan.states import (
    PlanStatus as Status,
)
from randomatch_bot.conversation.policies import closing
from randomatch_bot.conversation.words.closing import LINES, closing_line
from randomatch_bot.db.closures import Closures
from randomatch_bot.db.messages import FollowupState, HumanMessage
from tests.unit.test_plan_machine import (
    FOLLOWS,
    M1,
    M2,
    NOT_TYPING,
    NOW,
    TYPED,
    ago,
    persona,
    plan,
    rules,
    snapshot,
)

CLOSING_PLAN = uuid.UUID(int=99)
CLOSED = Closures(minor_id=7, minor_message_id=M1, minor_plan_id=CLOSING_PLAN, minor_at=ago(600))


def said(id_: uuid.UUID, text: str, seconds_ago: float = 60) -> HumanMessage:
    return HumanMessage(id_, text, ago(seconds_ago), None)


NONE = Closures()


def facts(*messages: HumanMessage, closures: Closures = NONE, **more: Any) -> Any:
    return {
        Fact.UNANSWERED: {"unanswered": messages},
        Fact.CLOSURES: {"closures": closures},
        **more,
    }


def test_closings_are_asked_for_with_the_messages() -> None:
    snap = snapshot().knowing(Fact.UNANSWERED, unanswered=(said(M1, "salut"),))
    assert decide(snap, NOW, rules()) == Load(Fact.CLOSURES)


def test_a_minor_gets_one_closing_line_without_a_model_call() -> None:
    snap = snapshot(facts=facts(said(M1, "salut !"), said(M2, "j'ai 15 ans et toi ?", 5)))
    assert decide(snap, NOW, rules()) == Load(Fact.PERSONA)
    snap = snap.knowing(Fact.PERSONA, **persona())
    action = decide(snap, NOW, rules())
    assert isinstance(action, CloseForMinor)
    assert action.message_id == M2
    assert action.triggers == (M1, M2)  # every message waiting is answered by the line
    assert action.cancel is None
    assert action.epoch == 6
    (line,) = action.parts
    assert line in LINES["fr"]
    assert "?" not in line  # it invites nothing
    assert action.read_due >= NOW
    assert decide(snap, NOW, rules()) == action  # a redone step decides the same


def test_the_closing_line_follows_the_persona_language() -> None:
    snap = snapshot(facts=facts(said(M1, "im 16 lol"), **{Fact.PERSONA: persona(language="en")}))
    action = decide(snap, NOW, rules())
    assert isinstance(action, CloseForMinor)
    assert action.parts[0] in LINES["en"]


def test_a_disabled_persona_closes_without_a_line() -> None:
    disabled = {Fact.PERSONA: persona(enabled=False)}
    snap = snapshot(facts=facts(said(M1, "je suis en 1ère"), **disabled))
    action = decide(snap, NOW, rules())
    assert isinstance(action, CloseForMinor)
    assert action.parts == ()


def test_a_reply_under_way_is_cancelled_by_the_closing() -> None:
    snap = snapshot(
        active=TYPED, facts=facts(said(M2, "16 ans et toi ?", 1), **{Fact.PERSONA: persona()})
    )
    action = decide(snap, NOW, rules())
    assert isinstance(action, CloseForMinor)
    assert action.cancel == TYPED


def test_a_closed_conversation_sets_aside_what_comes_next_and_stays_silent() -> None:
    snap = snapshot(facts=facts(said(M2, "tu fais quoi samedi ?"), closures=CLOSED))
    assert decide(snap, NOW, rules()) == SetAside((M2,), CLOSING_PLAN)
    after = dataclasses.replace(snap, set_aside=True)
    assert decide(after, NOW, rules()) == Wait(CLOSED_MINOR, 5, ConversationStatus.CLOSED, None)
    quiet = snapshot(facts=facts(closures=CLOSED, **{Fact.PERSONA: FOLLOWS}))
    # No icebreaker, no follow-up, no wake-up: nothing, ever.
    assert decide(quiet, NOW, rules()) == Wait(CLOSED_MINOR, 5, ConversationStatus.CLOSED, None)


def test_the_closing_line_goes_on_whatever_the_person_writes() -> None:
    line = plan(Status.READING, id=CLOSING_PLAN, parts=("On va s'arrêter là.",))
    snap = snapshot(
        active=line,
        facts=facts(said(M1, "j'ai 15 ans"), said(M2, "allo ?", 1), closures=CLOSED),
    )
    assert decide(snap, NOW, rules()) == SetAside((M2,), CLOSING_PLAN)
    after = dataclasses.replace(snap.knowing(Fact.PERSONA, **persona()), set_aside=True)
    assert decide(after, NOW, rules()) == MarkRead(line)


def test_after_the_closing_line_no_follow_up() -> None:
    sent = plan(Status.TYPING, id=CLOSING_PLAN, parts=("On va s'arrêter là.",), typing=True)
    snap = snapshot(
        active=sent,
        facts=facts(closures=CLOSED, **{Fact.PERSONA: FOLLOWS}),
        sent=True,
        finished=True,
    )
    assert decide(snap, NOW, rules()) == Wait(CLOSED_MINOR, 5, ConversationStatus.CLOSED, None)


def test_another_plan_in_a_closed_conversation_is_cancelled() -> None:
    snap = snapshot(active=TYPED, facts=facts(closures=CLOSED))
    assert decide(snap, NOW, rules()) == Cancel(TYPED, CLOSED_MINOR)


def test_a_reopening_stands_for_what_was_written_before_it() -> None:
    reopened = Closures(minor_reopened_at=ago(30), minor_reopened_plan_id=CLOSING_PLAN)
    before = said(M1, "j'ai 15 ans", 600)
    snap = snapshot(
        facts=facts(
            before,
            said(M2, "tu fais quoi samedi ?", 10),
            closures=reopened,
            **{Fact.PERSONA: persona(), Fact.HUMAN_TYPING: NOT_TYPING, Fact.POLICY: {}},
        )
    )
    assert isinstance(decide(snap, NOW, rules()), StartPlan)
    again = snapshot(facts=facts(said(M2, "j'ai 16 ans en vrai", 10), closures=reopened))
    assert decide(again.knowing(Fact.PERSONA, **persona()), NOW, rules()).__class__ is CloseForMinor


def test_a_closing_line_reopened_before_it_was_sent_is_dropped() -> None:
    line = plan(Status.READING, id=CLOSING_PLAN, parts=("On va s'arrêter là.",))
    reopened = Closures(minor_reopened_at=ago(5), minor_reopened_plan_id=CLOSING_PLAN)
    snap = snapshot(active=line, facts=facts(closures=reopened))
    assert decide(snap, NOW, rules()) == Cancel(line, "conversation reopened")


def test_a_request_to_stop_is_recorded_and_the_reply_goes_on() -> None:
    snap = snapshot(facts=facts(said(M1, "ne me contacte plus stp")))
    assert decide(snap, NOW, rules()) == RecordStop(M1)
    recorded = snap.knowing(Fact.CLOSURES, closures=Closures(stop_id=3))
    assert decide(recorded, NOW, rules()) == Load(Fact.PERSONA)  # answered like any message


def test_no_follow_up_after_a_request_to_stop() -> None:
    silent = FollowupState(ago(7200), ago(7300), 0, ("ok",))
    snap = snapshot(
        facts=facts(
            closures=Closures(stop_id=3),
            **{Fact.PERSONA: FOLLOWS, Fact.FOLLOWUP: {"followup": silent}},
        )
    )
    assert decide(snap, NOW, rules()) == Wait("nothing to answer", 5, ConversationStatus.IDLE, None)
    without = snapshot(facts=facts(**{Fact.PERSONA: FOLLOWS, Fact.FOLLOWUP: {"followup": silent}}))
    assert isinstance(decide(without, NOW, rules()), Load)  # the follow-up's policy


def test_the_policy_reads_only_messages_after_a_reopening() -> None:
    messages = [said(M1, "leave me alone", 600), said(M2, "j'ai 15 ans", 600)]
    reopened = Closures(minor_reopened_at=ago(60), stop_reopened_at=ago(60))
    assert closing.minor_message(messages, reopened, NOW.date()) is None
    assert closing.stop_message(messages, reopened) is None
    assert closing.minor_message(messages, Closures(), NOW.date()) == messages[1]
    assert closing.stop_message(messages, Closures()) == messages[0]
    assert closing.followups_stopped(Closures(minor_id=1))
    assert not closing.followups_stopped(Closures())


@pytest.mark.parametrize("language", ["fr", "en", "de"])
def test_closing_lines_are_short_final_and_vary(language: str) -> None:
    lines = {closing_line(language, random.Random(seed)) for seed in range(50)}
    assert len(lines) >= 3
    for line in lines:
        assert len(line) <= 80
        assert "?" not in line
    assert (language == "de") <= (lines <= set(LINES["fr"]))
