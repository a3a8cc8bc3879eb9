"""Emoji reactions, where the app has a reactions table (an optional contract extension).

When the persona reads the human's messages it sometimes reacts to the last one with an
emoji chosen from what it says (a laugh, thanks, a summit, a photo, a plan…), never the one
it used in its last reactions. A message that only acknowledges ("ok", "top", "haha", "👍")
gets a reaction instead of a reply, as people do. Without the table nothing changes.
The choice is pure (`choose_reaction`); `react` writes it, once, under the step's lock.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from randomatch_bot.db import extensions
from randomatch_bot.db import reactions as stored
from randomatch_bot.db.types import Conn
from randomatch_bot.llm.phrases import normalize

__all__ = ["Reaction", "choose_reaction", "react", "reactions_available"]

REACTION_PROBABILITY = 0.25  # a reaction before replying, for a message that calls for one
ACKNOWLEDGEMENT_REACTION = 0.85  # a bare "ok" / "haha" gets a reaction instead of a reply

# (pattern on the normalised text, emoji that fit), most specific first.
_CUES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), emoji)
    for pattern, emoji in (
        (r"\b(?:ha){2,}|\bmdr+\b|\bptdr\b|\blol\b|😂|🤣", ("😂", "🤣", "😆")),
        (r"\bmerci\b|\bthanks?\b|\bc'est gentil\b", ("❤️", "🥰", "😊")),
        (r"\bphotos?\b|\bregarde\b|\bvue\b|\bpaysage", ("😍", "🤩", "🔥")),
        (r"\bsommet|\bmontagne|\bcrete|\bcol\b|\bd\+|\bdenivele", ("⛰️", "🔥", "💪")),
        (r"\blac\b|\blacs\b|\bcascade|\bbaignade", ("😍", "💙", "🤩")),
        (r"\bbivouac|\btente\b|\brefuge", ("⛺", "🔥", "😍")),
        (r"\bpluie|\borage|\btrempe|\bfroid\b", ("😅", "🥶", "😬")),
        (r"\bcourbature|\bampoule|\bmal aux\b|\bcreve|\bko\b", ("😅", "🫠", "💪")),
        (
            r"\bon se (?:voit|fait)|\bpartant|\bca te dit|\bdimanche\b|\bsamedi\b",
            ("😊", "🙌", "👍"),
        ),
        (r"\btrop bien\b|\bgenial\b|\bsuper\b|\btop\b|\bgrave\b|\bcarrement\b", ("👍", "🙌", "😄")),
    )
)
_GENERIC = ("👍", "😄", "🙂")
_ACKNOWLEDGEMENT = re.compile(
    r"^(?:ok(?:ay)?|d'?accord|dac|top|super|cool|parfait|genial|grave|carrement|trop bien|"
    r"haha+|(?:ha){2,}|mdr+|ptdr|lol|merci(?: beaucoup)?|j'avoue|yes|oui|ouais|vrai|ca marche|"
    r"[\W_]*)[\s!.?…\W]*$"
)


@dataclass(frozen=True, slots=True)
class Reaction:
    """An emoji for a message, and whether it stands instead of a reply."""

    emoji: str
    instead_of_reply: bool


def choose_reaction(
    texts: Sequence[str], recent: Sequence[str], rng: random.Random
) -> Reaction | None:
    """Whether to react to the last of `texts` (the messages being answered), and with what.

    `recent` holds the persona's last reactions in the match, avoided for variety.
    """
    if not texts:
        return None
    last = normalize(texts[-1])
    acknowledgement = all(_ACKNOWLEDGEMENT.match(normalize(t)) and "?" not in t for t in texts)
    chance = ACKNOWLEDGEMENT_REACTION if acknowledgement else REACTION_PROBABILITY
    if rng.random() >= chance:
        return None
    options = next((emoji for pattern, emoji in _CUES if pattern.search(last)), _GENERIC)
    fresh = [e for e in options if e not in recent] or [e for e in _GENERIC if e not in recent]
    return Reaction(rng.choice(fresh or list(options)), instead_of_reply=acknowledgement)


async def reactions_available(conn: Conn) -> bool:
    """Whether the app's database has a reactions table (see migration 0020)."""
    return (await extensions.find(conn)).reactions


async def react(
    conn: Conn,
    *,
    match_id: uuid.UUID,
    bot_id: uuid.UUID,
    message_id: uuid.UUID,
    texts: Sequence[str],
    rng: random.Random,
) -> Reaction | None:
    """Maybe react to `message_id` (the last message being answered); what was done, if any.
    The caller has checked `reactions_available`."""
    recent = await stored.recent_emoji(conn, match_id=match_id, bot_id=bot_id)
    reaction = choose_reaction(texts, recent, rng)
    if reaction is not None:
        await stored.add(conn, message_id=message_id, bot_id=bot_id, emoji=reaction.emoji)
    return reaction
