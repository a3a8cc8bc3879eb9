"""Token estimates for when the endpoint reports none (the offline responder, a server without
`usage`) and for sizing the prompt window.

Four characters per token holds for plain French or English text, but an emoji is one or two
characters and two to four tokens, and accented or non-Latin letters often cost a token each
half-word. Counting those separately keeps a chat full of emoji from passing for cheap.
"""

from __future__ import annotations

import math
import unicodedata

ASCII_CHARS_PER_TOKEN = 4  # plain French/English text
OTHER_CHARS_PER_TOKEN = 2  # accented and non-Latin letters
TOKENS_PER_EMOJI = 2  # pictographs and other symbols outside ASCII


def estimate_tokens(text: str) -> int:
    """A generous estimate of the tokens of `text` (at least 1)."""
    ascii_chars = other = symbols = 0
    for char in text:
        if ord(char) < 128:
            ascii_chars += 1
        elif ord(char) > 0xFFFF or unicodedata.category(char) in ("So", "Sk", "Cs"):
            symbols += 1
        elif unicodedata.category(char) in ("Mn", "Cf"):
            continue  # variation selectors and joiners ride along with their emoji
        else:
            other += 1
    estimate = (
        ascii_chars / ASCII_CHARS_PER_TOKEN
        + other / OTHER_CHARS_PER_TOKEN
        + symbols * TOKENS_PER_EMOJI
    )
    return max(1, math.ceil(estimate))
