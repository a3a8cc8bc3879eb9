"""The persona's last words in a conversation closed for good (a person who said they are
under 18): short, final, in character, and inviting nothing — no question, no "see you", no
reason to write back. Chosen by the conversation's seeded RNG, so a redone step writes the same
line."""

from __future__ import annotations

import random

__all__ = ["LINES", "closing_line"]

LINES: dict[str, tuple[str, ...]] = {
    "fr": (
        "Je préfère qu'on en reste là. Prends soin de toi.",
        "Je vais m'arrêter là, c'est mieux comme ça. Bonne continuation.",
        "On va s'arrêter là. Prends soin de toi.",
        "Je préfère arrêter la conversation ici. Bonne route à toi.",
    ),
    "en": (
        "I'd rather leave it here. Take care.",
        "I'm going to stop here, it's better that way. All the best.",
        "Let's leave it here. Take care of yourself.",
        "I'd rather end the conversation here. All the best.",
    ),
}


def closing_line(language: str, rng: random.Random) -> str:
    """One closing line in the persona's language (French when it has none of its own)."""
    lines = LINES.get(language[:2].lower(), LINES["fr"])
    return rng.choice(lines)
