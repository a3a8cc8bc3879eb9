"""The step's one read as the plan machine sees it, and the policy hold judged from its counts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from randomatch_bot.config import Settings
from randomatch_bot.conversation.plan.engine import snapshot_of
from randomatch_bot.conversation.plan.states import Fact
from randomatch_bot.conversation.policies import limits
from randomatch_bot.db.closures import Closures
from randomatch_bot.db.conversations import Conversation, MatchContext
from randomatch_bot.db.messages import FollowupState
from randomatch_bot.db.steps import StepRead
from randomatch_bot.db.typing_indicators import TypingState
from randomatch_bot.db.usage import BotSpending, PersonUsage, PolicyUsage, RecentReplies

NOW = dt.datetime(2026, 6, 13, 10, 0, tzinfo=dt.UTC)
MATCH, BOT, HUMAN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _read(**facts: object) -> StepRead:
    values: dict[str, object] = {
        "conversation": Conversation(MATCH, BOT, HUMAN, 3, "idle", None, None, None, None),
        "created": False,
        "moved": False,
        "match": MatchContext(MATCH, "active", BOT, "Camille", HUMAN),
        "plan": None,
        "persona": None,
        "unanswered": (),
        "open_letters": None,
        "wrote_since_letter": None,
        "human_typing": None,
        "since_bot_loaded": False,
        "since_bot_message": None,
        "reactions": None,
        "match_messages": None,
        "followup": None,
        "followup_loaded": False,
        "policy": None,
        "closures": Closures(),
    }
    values.update(facts)
    return StepRead(**values)  # type: ignore[arg-type]


def test_only_the_facts_read_are_loaded() -> None:
    snap = snapshot_of(_read())
    assert snap.loaded == {Fact.UNANSWERED, Fact.CLOSURES}
    assert snap.epoch == 3


def test_each_fact_read_is_loaded_with_its_value() -> None:
    typing = TypingState(True, NOW)
    followup = FollowupState(None, NOW, 0, ("Salut",))
    snap = snapshot_of(
        _read(
            open_letters=(),
            wrote_since_letter=False,
            human_typing=typing,
            since_bot_loaded=True,
            since_bot_message=None,
            match_messages=0,
            followup=followup,
            followup_loaded=True,
        )
    )
    assert snap.loaded == {
        Fact.UNANSWERED,
        Fact.CLOSURES,
        Fact.OPEN_LETTERS,
        Fact.WROTE_SINCE_LETTER,
        Fact.HUMAN_TYPING,
        Fact.SINCE_BOT_MESSAGE,
        Fact.MATCH_MESSAGES,
        Fact.FOLLOWUP,
    }
    assert snap.human_typing == typing
    assert snap.followup == followup
    assert snap.since_bot_message is None


def _usage(tokens: int = 0, person_replies: int = 0, match: int = 0, bot: int = 0) -> PolicyUsage:
    oldest = NOW - dt.timedelta(seconds=30)
    return PolicyUsage(
        spending=BotSpending(tokens=tokens, cost=0.0),
        person=PersonUsage(cost=0.0, replies=person_replies),
        match_replies=RecentReplies(count=match, oldest=oldest),
        bot_replies=RecentReplies(count=bot, oldest=oldest),
    )


def _settings(**env: object) -> Settings:
    base: dict[str, object] = {
        "_env_file": None,
        "POSTGRES_CONNECTION_STRING": "postgresql://x@localhost/x",
        "BOT_DAILY_TOKEN_BUDGET": 1000,
        "HUMAN_DAILY_REPLIES": 5,
        "MATCH_REPLIES_PER_HOUR": 3,
        "BOT_REPLIES_PER_MINUTE": 2,
    }
    base.update(env)
    return Settings(**base)  # type: ignore[arg-type]


def test_the_hold_is_the_first_policy_over_its_limit() -> None:
    settings = _settings()
    assert limits.hold_for(_usage(), settings, NOW, "Europe/Paris") is None
    budget = limits.hold_for(_usage(tokens=1000, bot=2), settings, NOW, "Europe/Paris")
    assert budget is not None
    assert "token budget" in budget.reason
    assert budget.until == limits.next_day(NOW, "Europe/Paris")
    person = limits.hold_for(_usage(person_replies=5, bot=2), settings, NOW, "Europe/Paris")
    assert person is not None
    assert "reply cap" in person.reason
    match = limits.hold_for(_usage(match=3, bot=2), settings, NOW, "Europe/Paris")
    assert match is not None
    assert match.reason == "match rate limit"
    assert match.until == NOW - dt.timedelta(seconds=30) + limits.MATCH_WINDOW
    bot = limits.hold_for(_usage(bot=2), settings, NOW, "Europe/Paris")
    assert bot is not None
    assert bot.reason == "bot rate limit"


def test_a_policy_switched_off_holds_nothing_and_is_not_counted() -> None:
    settings = _settings(
        BOT_DAILY_TOKEN_BUDGET=0, BOT_DAILY_COST_BUDGET=0, MATCH_REPLIES_PER_HOUR=0
    )
    assert limits.hold_for(_usage(tokens=10**9, match=99), settings, NOW, "UTC") is None
    query = limits.counted(settings, NOW, "UTC")
    assert not query.bot_budget
    assert query.match_since is None
    assert query.bot_since == NOW - limits.BOT_WINDOW


def test_a_takeover_holds_first_until_it_ends() -> None:
    settings = _settings()
    until = NOW + dt.timedelta(minutes=20)
    taken = dataclasses.replace(_usage(tokens=1000), taken_over_until=until)
    hold = limits.hold_for(taken, settings, NOW, "UTC")
    assert hold == limits.Hold(until, limits.TAKEN_OVER)
    ended = dataclasses.replace(_usage(), taken_over_until=NOW - dt.timedelta(seconds=1))
    assert limits.hold_for(ended, settings, NOW, "UTC") is None
