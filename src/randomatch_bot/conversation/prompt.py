"""Building the model's prompt: the persona, what it remembers, and a token-bounded window of
the conversation. Pure functions: no I/O, so they are tested directly."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from randomatch_bot.config import DisclosurePolicy
from randomatch_bot.conversation.persona import Persona
from randomatch_bot.llm.types import ChatMessage

CHARS_PER_TOKEN = 4  # rough size of a token in French/English chat text
HISTORY_TOKEN_BUDGET = 1200  # recent messages kept verbatim in the prompt
TRUNCATION_MARK = " […]"

_DISCLOSURE = {
    DisclosurePolicy.ADMIT: (
        "Si on te demande sincèrement si tu es une IA ou un robot, tu ne le nies pas : tu dis "
        "simplement que tu es un personnage IA de RandoMatch, puis tu continues la conversation."
    ),
    DisclosurePolicy.ALWAYS: (
        "Tu es un personnage IA de RandoMatch et la personne le sait ; si on te le demande, "
        "tu le confirmes simplement."
    ),
    DisclosurePolicy.PLAY: "",
}

DISCLOSURE_LINE = "Petite précision : je suis un personnage IA de RandoMatch 🙂"
_MENTIONS_AI = re.compile(
    r"\b(IA|AI|intelligence artificielle|bot|robot|personnage virtuel)\b", re.IGNORECASE
)

_STYLE = (
    "Réponds comme dans une messagerie : un à {max_parts} messages courts (souvent une seule "
    "phrase chacun), séparés par une ligne vide. Pas de nom devant, pas de guillemets, pas "
    "de didascalies, pas de markdown."
)
_EMOJI = {
    "none": "N'utilise pas d'emoji.",
    "rare": "Un emoji de temps en temps, pas plus.",
    "often": "Tu mets volontiers des emojis, comme dans tes vrais messages.",
}


@dataclass(frozen=True, slots=True)
class HistoryMessage:
    sender_id: uuid.UUID
    content: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Memory:
    """Long-term memory of a match: a rolling summary and facts about the human."""

    summary: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.summary and not self.facts


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // CHARS_PER_TOKEN)


def clip(text: str, max_chars: int) -> str:
    """Text cut to max_chars at a word boundary, marked as cut."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - len(TRUNCATION_MARK)]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut + TRUNCATION_MARK


def system_prompt(
    persona: Persona,
    *,
    disclosure: DisclosurePolicy,
    memory: Memory | None = None,
    max_parts: int = 3,
) -> str:
    """The system message: character, style, disclosure duty and memory of this match."""
    parts = [persona.system_prompt.strip(), _STYLE.format(max_parts=max_parts)]
    if persona.emoji in _EMOJI:
        parts.append(_EMOJI[persona.emoji])
    if _DISCLOSURE[disclosure]:
        parts.append(_DISCLOSURE[disclosure])
    if memory is not None and not memory.empty:
        lines = ["Ce que tu sais de cette personne (conversation plus ancienne) :"]
        if memory.summary:
            lines.append(memory.summary.strip())
        for key, value in memory.facts.items():
            if value not in (None, "", [], {}):
                lines.append(f"- {key} : {value}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def window(
    history: Sequence[HistoryMessage],
    *,
    token_budget: int = HISTORY_TOKEN_BUDGET,
    max_message_chars: int = 4000,
) -> list[HistoryMessage]:
    """The newest messages that fit the budget, oldest first; the newest always fits (clipped)."""
    chosen: list[HistoryMessage] = []
    used = 0
    for message in sorted(history, key=lambda m: m.created_at, reverse=True):
        budget_chars = max(80, (token_budget - used) * CHARS_PER_TOKEN)
        content = clip(message.content, min(max_message_chars, budget_chars))
        cost = estimate_tokens(content)
        if chosen and used + cost > token_budget:
            break
        chosen.append(
            HistoryMessage(message.sender_id, content, message.created_at)
            if content is not message.content
            else message
        )
        used += cost
    chosen.reverse()
    return chosen


def reply_messages(
    persona: Persona,
    history: Sequence[HistoryMessage],
    *,
    disclosure: DisclosurePolicy,
    memory: Memory | None = None,
    token_budget: int = HISTORY_TOKEN_BUDGET,
    max_message_chars: int = 4000,
    max_parts: int = 3,
) -> list[ChatMessage]:
    """The chat-completion messages for the next reply of `persona` in this conversation.

    A Character Card's post-history instructions, when present, close the prompt as a second
    system message, where the card format intends them.
    """
    system = system_prompt(persona, disclosure=disclosure, memory=memory, max_parts=max_parts)
    messages = [ChatMessage("system", system)]
    for item in window(history, token_budget=token_budget, max_message_chars=max_message_chars):
        role: Literal["user", "assistant"] = (
            "assistant" if item.sender_id == persona.bot_id else "user"
        )
        content = item.content.strip() or "…"
        last = messages[-1]
        if last.role == role:
            # Several chat messages in a row from one side read as one turn to the model.
            messages[-1] = ChatMessage(role, f"{last.content}\n{content}")
        else:
            messages.append(ChatMessage(role, content))
    if persona.post_history_instructions:
        messages.append(ChatMessage("system", persona.post_history_instructions))
    return messages


def with_disclosure(parts: Sequence[str], max_parts: int) -> list[str]:
    """The parts of a first reply, opening with an AI disclosure unless they already make one.

    Used by DISCLOSURE_POLICY=always. The reply keeps at most `max_parts` parts: the last two
    are joined when the disclosure needs a slot.
    """
    if any(_MENTIONS_AI.search(part) for part in parts):
        return list(parts)
    result = [DISCLOSURE_LINE, *parts]
    while len(result) > max(1, max_parts):
        result[-2:] = [f"{result[-2]} {result[-1]}"]
    return result
