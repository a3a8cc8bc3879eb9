"""Composing a reply: the prompt (persona, memory, recent messages), the model call, cleaning
and splitting into chat parts. Reads the database, never changes a plan: the engine stores
what comes out, under the conversation's lock."""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass

import asyncpg
import structlog

from randomatch_bot.config import DisclosurePolicy, Settings
from randomatch_bot.conversation import compose, memory, prompt
from randomatch_bot.conversation.persona import Persona
from randomatch_bot.db.llm_calls import record_llm_call
from randomatch_bot.db.queries import Q
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import LLMCircuitOpen, LLMError
from randomatch_bot.llm.types import ChatMessage, Completion, LLMClient

log = structlog.get_logger(__name__)

HISTORY_FETCH = 60  # messages that may enter the prompt window
# A few more are read so that the memory can tell which ones the window has started to drop.
MEMORY_LOOKAHEAD = 2 * memory.MEMORY_BATCH
FALLBACK_REPLY = "Haha pardon, j'ai perdu le fil 😅 tu disais ?"


@dataclass(frozen=True, slots=True)
class Composition:
    completion: Completion
    parts: list[str]
    memory_due: bool  # the rolling summary should absorb messages the window drops


@dataclass(frozen=True, slots=True)
class Conversation:
    """Who talks in the match being answered."""

    match_id: uuid.UUID
    bot_id: uuid.UUID
    plan_id: uuid.UUID | None


class Composer:
    """Turns a conversation's state into the parts of the next reply."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings

    async def history(
        self, conn: Conn, match_id: uuid.UUID
    ) -> tuple[list[prompt.HistoryMessage], memory.StoredMemory]:
        rows = await conn.fetch(Q.recent_messages, match_id, HISTORY_FETCH + MEMORY_LOOKAHEAD)
        history = [
            prompt.HistoryMessage(r["sender_id"], r["content"], r["created_at"]) for r in rows
        ]
        return history, await memory.load_memory_state(conn, match_id)

    async def reply(
        self,
        llm: LLMClient,
        persona: Persona,
        conversation: Conversation,
        history: list[prompt.HistoryMessage],
        stored: memory.StoredMemory,
        rng: random.Random,
    ) -> Composition:
        """Ask the model for the next reply and shape it into chat parts."""
        newest = sorted(history, key=lambda m: m.created_at, reverse=True)[:HISTORY_FETCH]
        messages = prompt.reply_messages(
            persona,
            newest,
            disclosure=self.settings.disclosure_policy,
            memory=stored.memory,
            max_message_chars=self.settings.max_input_chars,
            max_parts=self.settings.max_parts,
        )
        completion, parts = await self._usable_reply(llm, persona, messages, conversation, rng)
        first_reply = all(m.sender_id != persona.bot_id for m in history)
        if first_reply and self.settings.disclosure_policy is DisclosurePolicy.ALWAYS:
            parts = prompt.with_disclosure(parts, self.settings.max_parts)
        due = memory.needs_update(stored.covered_through, history, max_messages=HISTORY_FETCH)
        return Composition(completion, parts, due)

    def opener(self, persona: Persona, rng: random.Random) -> list[str]:
        """The first message of an icebreaker, from the persona's greetings (no model call)."""
        if not persona.greetings:
            return []
        greeting = rng.choice(persona.greetings)
        text = compose.clean_reply(greeting, persona_name=persona.name)
        parts = compose.split_reply(text, max_parts=self.settings.max_parts, rng=rng)
        if self.settings.disclosure_policy is DisclosurePolicy.ALWAYS:
            parts = prompt.with_disclosure(parts, self.settings.max_parts)
        return parts

    async def _usable_reply(
        self,
        llm: LLMClient,
        persona: Persona,
        messages: list[ChatMessage],
        conversation: Conversation,
        rng: random.Random,
    ) -> tuple[Completion, list[str]]:
        forbidden = compose.fragments_of(persona.system_prompt)
        completion: Completion | None = None
        for attempt in range(2):
            completion = await self._call(llm, persona, messages, conversation)
            leaked = compose.leaks_instructions(completion.text, forbidden)
            text = compose.clean_reply(
                completion.text, persona_name=persona.name, forbidden=forbidden
            )
            if text and not leaked:
                return completion, compose.split_reply(
                    text, max_parts=self.settings.max_parts, rng=rng
                )
            log.warning("unusable reply, regenerating", attempt=attempt, leaked=leaked)
        assert completion is not None
        # Twice unusable: a short, safe answer in character rather than silence.
        return completion, [FALLBACK_REPLY]

    async def _call(
        self,
        llm: LLMClient,
        persona: Persona,
        messages: list[ChatMessage],
        conversation: Conversation,
    ) -> Completion:
        started = time.perf_counter()
        try:
            completion = await llm.complete(
                messages,
                model=persona.model,
                temperature=persona.temperature,
                max_tokens=self.settings.llm_max_tokens,
            )
        except LLMError as exc:
            if not isinstance(exc, LLMCircuitOpen):  # no request was made: nothing to account
                latency = int((time.perf_counter() - started) * 1000)
                await self._record(conversation, persona.model, latency, error=exc)
            raise
        await self._record(
            conversation, completion.model, int(completion.latency_s * 1000), completion=completion
        )
        return completion

    async def _record(
        self,
        conversation: Conversation,
        model: str,
        latency_ms: int,
        *,
        completion: Completion | None = None,
        error: LLMError | None = None,
    ) -> None:
        await record_llm_call(
            self.pool,
            purpose="reply",
            bot_id=conversation.bot_id,
            match_id=conversation.match_id,
            plan_id=conversation.plan_id,
            model=model,
            latency_ms=latency_ms,
            completion=completion,
            error=error,
        )
