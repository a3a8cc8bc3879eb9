"""Photos the human sends, where the app can attach one (an optional contract extension).

The human's turn is shown to the model with its photos (OpenAI image parts), so a
vision-capable model reacts to the hike in the picture. A model that refuses images gets the
turn again without them and a note to answer in character as someone whose photo will not
load; the offline responder answers a photo in character. Pure helpers over the prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from randomatch_bot.llm.offline import PHOTO_MARK
from randomatch_bot.llm.types import ChatMessage

__all__ = ["NO_VISION_NOTE", "REFUSED_STATUSES", "with_photos", "without_photos"]

# What an endpoint answers when the model takes no image input.
REFUSED_STATUSES = frozenset({400, 404, 415, 422})
NO_VISION_NOTE = (
    "La personne vient d'envoyer une photo, mais elle ne s'affiche pas chez toi. Réagis "
    "naturellement, comme sur ton téléphone : dis que la photo ne charge pas et demande-lui "
    "ce qu'elle montre, sans parler de technique."
)


def with_photos(messages: Sequence[ChatMessage], urls: Sequence[str]) -> list[ChatMessage]:
    """`messages` with the photos attached to the last user turn, marked in its text."""
    out = list(messages)
    for index in range(len(out) - 1, -1, -1):
        if out[index].role == "user":
            turn = out[index]
            out[index] = replace(
                turn, content=f"{turn.content}\n{PHOTO_MARK}", image_urls=tuple(urls)
            )
            break
    return out


def without_photos(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """`messages` with no image parts, and the note for a model that cannot see them."""
    return [replace(m, image_urls=()) for m in messages] + [ChatMessage("system", NO_VISION_NOTE)]
