"""Conversations closed for good by what the person wrote (`words/signals.py`), and what a
closing stops. Pure: the plan machine asks, the engine records (`db/closures.py`).

- A person who says they are under 18 closes the conversation: one closing line, then no
  model call, reply, follow-up, icebreaker or reaction, whatever they write next.
- A person who asks the persona to stop writing ends the follow-ups; what they write later is
  still answered.

An operator may reopen a conversation closed by mistake: only messages written after that are
read for a new closing, so the operator's verdict stands for what came before.

A reviewing model may confirm a minor's closing (`ConfirmMinor`, optional): the conversation
closes at once on the rules' verdict, since a reply must not wait for a model, and a reviewer
who clears it reopens it as an operator would (`ConversationEngine.review_minor`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from randomatch_bot.conversation.words import signals
from randomatch_bot.db.closures import Closures
from randomatch_bot.db.messages import HumanMessage

__all__ = [
    "ConfirmMinor",
    "MinorReview",
    "followups_stopped",
    "minor_message",
    "stop_message",
]


def _after(messages: Iterable[HumanMessage], reopened_at: dt.datetime | None) -> list[HumanMessage]:
    return [m for m in messages if reopened_at is None or m.created_at > reopened_at]


def minor_message(
    unanswered: Iterable[HumanMessage], closures: Closures, today: dt.date
) -> HumanMessage | None:
    """The first unanswered message saying the person is under 18, written after the last
    reopening of such a closing; None when there is none or the conversation is closed."""
    if closures.closed:
        return None
    for message in _after(unanswered, closures.minor_reopened_at):
        if signals.declares_minor(message.content, today=today):
            return message
    return None


def stop_message(unanswered: Iterable[HumanMessage], closures: Closures) -> HumanMessage | None:
    """The first unanswered message asking the persona to stop writing, written after the last
    reopening of such a record; None when there is none or one is recorded already."""
    if closures.stopped:
        return None
    for message in _after(unanswered, closures.stop_reopened_at):
        if signals.asks_to_stop(message.content):
            return message
    return None


def followups_stopped(closures: Closures) -> bool:
    """No follow-up: the conversation is closed, or the person asked the persona to stop."""
    return closures.closed or closures.stopped


@dataclass(frozen=True, slots=True)
class MinorReview:
    """What the reviewing model is shown: the message that closed the conversation and the
    person's messages just before it (newest first)."""

    message: str
    before: tuple[str, ...]


# True: a minor, keep it closed; False: not one, reopen; None: no verdict (keep it closed).
ConfirmMinor = Callable[[MinorReview], Awaitable[bool | None]]
