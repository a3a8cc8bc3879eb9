"""Choosing an emoji reaction: in context, with variety, instead of a reply for a bare "ok"."""

from __future__ import annotations

import random

from randomatch_bot.conversation.policies.reactions import choose_reaction


def reactions_to(texts: list[str], recent: list[str], n: int = 300) -> list[str]:
    chosen = [choose_reaction(texts, recent, random.Random(seed)) for seed in range(n)]
    return [r.emoji for r in chosen if r is not None]


def test_a_laugh_gets_a_laughing_emoji_instead_of_a_reply() -> None:
    """A bare "haha" is mostly answered by a laughing reaction alone."""
    chosen = [choose_reaction(["hahaha"], [], random.Random(seed)) for seed in range(200)]
    reacted = [r for r in chosen if r is not None]
    assert len(reacted) > 150
    assert all(r.instead_of_reply for r in reacted)
    assert {r.emoji for r in reacted} <= {"😂", "🤣", "😆"}


def test_a_real_message_gets_a_reaction_only_sometimes_and_still_a_reply() -> None:
    """A message with content gets a fitting reaction in about a quarter of cases, never
    instead of the reply."""
    texts = ["On a fait le sommet du Taillefer hier, 1400 m de dénivelé !"]
    chosen = [choose_reaction(texts, [], random.Random(seed)) for seed in range(400)]
    reacted = [r for r in chosen if r is not None]
    assert 60 <= len(reacted) <= 140
    assert not any(r.instead_of_reply for r in reacted)
    assert {r.emoji for r in reacted} <= {"⛰️", "🔥", "💪"}


def test_recent_reactions_are_not_reused() -> None:
    """The persona's last reactions in the match are avoided."""
    assert "😂" not in reactions_to(["mdr"], ["😂"])
    assert set(reactions_to(["mdr"], ["😂", "🤣"])) == {"😆"}


def test_a_question_is_never_just_reacted_to() -> None:
    """A message asking something is answered, even when it is short."""
    chosen = [choose_reaction(["ok ?"], [], random.Random(seed)) for seed in range(100)]
    assert not any(r is not None and r.instead_of_reply for r in chosen)
