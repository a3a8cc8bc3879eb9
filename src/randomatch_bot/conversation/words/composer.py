"""Composing a reply: the prompt (persona, memory, recent messages, photos), the model call,
cleaning and splitting into chat parts. Changes no plan: the engine reads what it needs with
the generation's one read and stores what comes out, and the model calls the reply made
(`Composition.calls`), with its one write under the conversation's lock. A reply that fails
writes the calls it made before the error goes on."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import structlog

from randomatch_bot.config import DisclosurePolicy, Settings
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.words import (
    consistency,
    disclosure,
    guard,
    memory,
    moderation,
    photos,
    prompt,
    register,
    reply_text,
    reviewer,
    style,
)
from randomatch_bot.conversation.words.prompt import FOLLOWUP_NOTE
from randomatch_bot.db import messages
from randomatch_bot.db.console import record_guard_trips
from randomatch_bot.db.llm_calls import LLMCall, record_llm_calls
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import LLMCircuitOpen, LLMError, LLMPermanentError
from randomatch_bot.llm.types import ChatMessage, Completion, LLMClient
from randomatch_bot.process_metrics import METRICS

if TYPE_CHECKING:
    import asyncpg

log = structlog.get_logger(__name__)

HISTORY_FETCH = 60  # messages that may enter the prompt window
# A few more are read so that the memory can tell which ones the window has started to drop.
MEMORY_LOOKAHEAD = 2 * memory.MEMORY_BATCH
# The persona's own recent messages the guard reads with a reply (a number split over them).
RECENT_OWN = guard.CONTEXT_MESSAGES
# Closes the prompt of the last try, after two replies that could not be sent.
LAST_TRY_NOTE = (
    "Ta réponse n'a pas pu être envoyée. Écris juste une ou deux phrases courtes et naturelles "
    "qui répondent à son dernier message, ou qui passent à autre chose avec légèreté, sans "
    "coordonnées, sans argent, sans rendez-vous précis, sans contenu sexuel. Ne t'excuse pas "
    "et n'explique rien."
)
FALLBACK_REPLY = "Haha pardon, j'ai perdu le fil 😅 tu disais ?"


@dataclass(frozen=True, slots=True)
class Composition:
    completion: Completion
    parts: list[str]
    memory_due: bool  # the rolling summary should absorb messages the window drops
    calls: tuple[LLMCall, ...] = ()  # the model calls made, for the caller's write to record


@dataclass(frozen=True, slots=True)
class Conversation:
    """Who talks in the match being answered, and the model calls made for the reply being
    composed (`calls`: a new list for each reply, returned in `Composition.calls`)."""

    match_id: uuid.UUID
    bot_id: uuid.UUID
    plan_id: uuid.UUID | None
    calls: list[LLMCall] = field(default_factory=list, compare=False, repr=False)


class Composer:
    """Turns a conversation's state into the parts of the next reply."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings

    async def history(
        self, conn: Conn, match_id: uuid.UUID
    ) -> tuple[list[prompt.HistoryMessage], memory.StoredMemory]:
        rows = await messages.recent(
            conn, match_id=match_id, limit=HISTORY_FETCH + MEMORY_LOOKAHEAD
        )
        return memory.history_of(rows), await memory.load_memory_state(conn, match_id)

    async def reply(
        self,
        llm: LLMClient,
        persona: Persona,
        conversation: Conversation,
        history: list[prompt.HistoryMessage],
        stored: memory.StoredMemory,
        rng: random.Random,
        *,
        followup: bool = False,
        photo_urls: Sequence[str] = (),
    ) -> Composition:
        """Ask the model for the next reply and shape it into chat parts; `followup`: the
        human has been silent and the persona writes again (conversation/followup); `photo_urls`:
        the human's photos since the persona last wrote, shown to the model (not with a
        follow-up). The model calls made are in `Composition.calls`; when the reply fails,
        they are written before the error goes on."""
        conversation = replace(conversation, calls=[])
        try:
            return await self._reply(
                llm, persona, conversation, history, stored, rng, followup, photo_urls
            )
        except Exception:
            await record_llm_calls(self.pool, conversation.calls)
            raise

    async def _reply(
        self,
        llm: LLMClient,
        persona: Persona,
        conversation: Conversation,
        history: list[prompt.HistoryMessage],
        stored: memory.StoredMemory,
        rng: random.Random,
        followup: bool,
        photo_urls: Sequence[str],
    ) -> Composition:
        newest = sorted(history, key=lambda m: m.created_at, reverse=True)[:HISTORY_FETCH]
        messages = prompt.reply_messages(
            persona,
            newest,
            disclosure=self.settings.disclosure_policy,
            memory=stored.memory,
            max_message_chars=self.settings.max_input_chars,
            max_parts=self.settings.max_parts,
        )
        unanswered = _unanswered(newest, persona.bot_id)
        # A person who says they are under 18 never gets here: the plan closes the
        # conversation before any model call (policies/closing.py).
        if followup:
            # Before the rules, which stay the last word of the prompt.
            messages.insert(len(messages) - 1, ChatMessage("system", FOLLOWUP_NOTE))
        recent = [m.content for m in newest if m.sender_id == persona.bot_id]
        oldest_first = sorted(newest, key=lambda m: m.created_at)
        context = [
            ("persona" if m.sender_id == persona.bot_id else "person", m.content)
            for m in oldest_first[-reviewer.CONTEXT_MESSAGES :]
        ]
        urls = [] if followup else list(photo_urls)
        if urls:
            messages = photos.with_photos(messages, urls)
        try:
            completion, parts, review = await self._usable_reply(
                llm, persona, messages, conversation, rng, recent, context
            )
        except LLMPermanentError as exc:
            if not urls or exc.status not in photos.REFUSED_STATUSES:
                raise
            # The model takes no image: the same turn without it, answered in character.
            log.warning(
                "reply.photo_refused", hint="answering without the photo", status=exc.status
            )
            completion, parts, review = await self._usable_reply(
                llm,
                persona,
                photos.without_photos(messages),
                conversation,
                rng,
                recent,
                context,
            )
        first_reply = all(m.sender_id != persona.bot_id for m in history)
        if first_reply and self.settings.disclosure_policy is DisclosurePolicy.ALWAYS:
            parts = prompt.with_disclosure(parts, self.settings.max_parts)
        parts, changed = disclosure.enforce(
            parts,
            policy=self.settings.disclosure_policy,
            asked=disclosure.asks_if_ai(unanswered) or review.person_asks_if_ai,
            language=persona.language,
            max_parts=self.settings.max_parts,
            admitted=any(disclosure.affirms_ai(text) for text in recent),
            claimed=review.claims_human,
        )
        if changed is not None:
            log.info("reply.disclosure_enforced", change=changed)
        due = memory.needs_update(stored.covered_through, history, max_messages=HISTORY_FETCH)
        return Composition(completion, parts, due, tuple(conversation.calls))

    def opener(self, persona: Persona, rng: random.Random) -> list[str]:
        """The first message of an icebreaker, from the persona's greetings (no model call)."""
        if not persona.greetings:
            return []
        greeting = rng.choice(persona.greetings)
        text = reply_text.clean_reply(greeting, persona_name=persona.name)
        if rules_verdict(greeting, text, (), allow_meetings=persona.meetings):
            log.warning("icebreaker.guard_blocked", hint="not writing first")
            return []
        parts = reply_text.split_reply(text, max_parts=self.settings.max_parts, rng=rng)
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
        recent: list[str],
        context: list[tuple[str, str]],
    ) -> tuple[Completion, list[str], reviewer.Review]:
        """A reply fit to send: asked for at most twice, checked by the guard (its rules on
        the raw text with the persona's recent messages, then the reviewing model), the
        leak checks and the assistant-register checks; when both are unusable, a last, short
        one in the persona's voice (`_last_try`)."""
        forbidden = reply_text.fragments_of(persona.system_prompt)
        leaks = _leak_check(persona, messages, forbidden)
        completion: Completion | None = None
        # A reply in an assistant's register is asked for again once, with an instruction
        # naming what to avoid; of the two, the one that reads least like an assistant goes
        # (the second on a tie), its unambiguous formulas cut by the style pass.
        reserve: tuple[Completion, list[str], reviewer.Review, int] | None = None
        blocked: list[guard.Reason] = []
        for attempt in range(2):
            completion = await self._call(llm, persona, messages, conversation)
            leaked = leaks(completion.text)
            text, review = await self._judged(
                completion, leaked, forbidden, llm, persona, conversation, recent, context
            )
            blocked = list(review.block)
            if text and not leaked and not blocked:
                fix = await consistency.recheck(
                    text,
                    persona,
                    recent=recent,
                    conversation=conversation,
                    reviewed=review.contradicts,
                )
                if fix is not None:
                    # It contradicts what she said of herself: asked for again, the fact stated.
                    messages = [*messages, fix]
                    continue
                verdict = register.assess(completion.text, persona.language)
                parts = self._chat_parts(text, persona, rng, recent)
                assistant = verdict.assistant or review.assistant_register
                if reserve is not None:
                    # The second reply, after an assistant-sounding first: the better one.
                    if verdict.score > reserve[3]:
                        return reserve[:3]
                    return completion, parts, review
                if not assistant:
                    return completion, parts, review
                reserve = (completion, parts, review, verdict.score)
                tells = list(verdict.tells) or ["reviewer"]
                log.warning("reply.regenerating", attempt=attempt, leaked=False, tells=tells)
                corrective = verdict.corrective or register.corrective_instruction(
                    ("structured_list",), persona.language
                )
                messages = [*messages, ChatMessage("system", corrective)]
                continue
            if blocked:
                await self._count_trips(blocked, f"attempt {attempt}", conversation)
                corrective = guard.corrective_instruction(blocked)
                messages = [*messages, ChatMessage("system", corrective)]
            else:
                log.warning("reply.regenerating", attempt=attempt, leaked=leaked, tells=[])
        assert completion is not None
        if reserve is not None:
            return reserve[:3]
        last = await self._last_try(llm, persona, messages, conversation, rng, recent, context)
        if last is not None:
            return last
        # Three times unusable: a short line in character rather than silence.
        if blocked:
            return completion, [guard.safe_line(blocked, persona.language)], _NO_REVIEW
        return completion, [FALLBACK_REPLY], _NO_REVIEW

    async def _last_try(
        self,
        llm: LLMClient,
        persona: Persona,
        messages: list[ChatMessage],
        conversation: Conversation,
        rng: random.Random,
        recent: list[str],
        context: list[tuple[str, str]],
    ) -> tuple[Completion, list[str], reviewer.Review] | None:
        """One more, short reply in the persona's voice that fits the conversation, asked
        for when two replies could not be sent and nothing of them could be kept: a natural
        line is worth a call more than a canned one, which reads as a bot's. None when it
        cannot be had (the same checks apply to it)."""
        forbidden = [
            *reply_text.fragments_of(persona.system_prompt),
            *reply_text.fragments_of(LAST_TRY_NOTE),
        ]
        messages = [*messages, ChatMessage("system", LAST_TRY_NOTE)]
        try:
            completion = await self._call(llm, persona, messages, conversation)
        except LLMError:
            return None
        if _leak_check(persona, messages, forbidden)(completion.text):
            return None
        text, review = await self._judged(
            completion, False, forbidden, llm, persona, conversation, recent, context
        )
        if not text or review.block:
            return None
        parts = self._chat_parts(text, persona, rng, recent)
        if not parts:
            return None
        log.info("reply.last_try")
        return completion, parts, review

    def _chat_parts(
        self,
        text: str,
        persona: Persona,
        rng: random.Random,
        recent: list[str],
    ) -> list[str]:
        profile = style.StyleProfile(emoji=persona.emoji, habits=persona.habits)
        parts = style.chat_parts(
            text, profile=profile, max_parts=self.settings.max_parts, rng=rng, recent=recent
        )
        if self.settings.disclosure_policy is not DisclosurePolicy.PLAY and (
            disclosure.claims_human(text) and not any(disclosure.claims_human(p) for p in parts)
        ):
            # The style pass (a typo, the word budget) hid the claim from `disclosure.enforce`,
            # which only sees the parts: the claim the model made is what counts. (A claim only
            # the reviewer read reaches `enforce` as `claimed`.)
            log.info("reply.disclosure_enforced", change="replaced")
            return [disclosure.admission(persona.language)]
        return parts

    async def _judged(
        self,
        completion: Completion,
        leaked: bool,
        forbidden: Sequence[str],
        llm: LLMClient,
        persona: Persona,
        conversation: Conversation,
        recent: list[str],
        context: list[tuple[str, str]],
    ) -> tuple[str, reviewer.Review]:
        """A model reply cleaned for chat, and the guard's verdict on it (`_blocked`)."""
        text = reply_text.clean_reply(
            style.without_headers(completion.text), persona_name=persona.name, forbidden=forbidden
        )
        review = await self._blocked(
            completion.text, text, leaked, llm, persona, conversation, recent, context
        )
        return text, review

    async def _blocked(
        self,
        raw: str,
        text: str,
        leaked: bool,
        llm: LLMClient,
        persona: Persona,
        conversation: Conversation,
        recent: list[str],
        context: list[tuple[str, str]],
    ) -> reviewer.Review:
        """Why the guard keeps a reply from the person: its rules on the raw model text and
        on the cleaned one, each with the persona's recent messages (a number split over two
        replies is seen whole), then — for a reply the rules pass — the reviewing model and
        the optional moderation model."""
        own = list(reversed(recent[:RECENT_OWN]))  # oldest first
        blocked = rules_verdict(raw, text, own, allow_meetings=persona.meetings)
        if not text or blocked or leaked:
            return reviewer.Review(block=tuple(blocked), checked=False)
        review = reviewer.Review(checked=False)
        if reviewer.enabled(self.settings, llm):
            life = persona.life
            facts = consistency.facts_for_review(life) if life and not life.empty else None
            review = await reviewer.review(
                text, context, self.settings, llm, allow_meetings=persona.meetings, facts=facts
            )
            await self._record_check(conversation, review.completion, "guard_review")
            if review.block:
                log.warning("reply.review_flagged", reasons=[r.value for r in review.block])
                return review
        if self.settings.moderation == "off":
            return review
        verdict = await moderation.moderate(text, self.settings, llm)
        await self._record_check(conversation, verdict.completion, "moderation")
        if verdict.flagged:
            log.warning("reply.moderation_flagged", categories=list(verdict.categories))
            return reviewer.Review(
                block=(guard.Reason.MODERATION,),
                assistant_register=review.assistant_register,
                claims_human=review.claims_human,
            )
        return review

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

    async def _count_trips(
        self, reasons: list[guard.Reason], stage: str, conversation: Conversation
    ) -> None:
        """Count, record (`bot.guard_trips`) and log a guard trip: the reasons only, never
        the text."""
        for reason in reasons:
            METRICS.guard_trips.labels(reason=reason.value).inc()
        log.warning(
            "reply.guard_blocked",
            reasons=[r.value for r in reasons],
            stage=stage,
            match_id=str(conversation.match_id),
        )
        await record_guard_trips(
            self.pool,
            bot_id=conversation.bot_id,
            match_id=conversation.match_id,
            plan_id=conversation.plan_id,
            reasons=[r.value for r in reasons],
            stage=stage,
        )

    async def _record_check(
        self, conversation: Conversation, completion: Completion | None, purpose: str
    ) -> None:
        """Account the call of a check on the reply (the reviewer's, the moderator's)."""
        if completion is not None:
            await self._record(
                conversation,
                completion.model,
                int(completion.latency_s * 1000),
                completion=completion,
                purpose=purpose,
            )

    async def _record(
        self,
        conversation: Conversation,
        model: str,
        latency_ms: int,
        *,
        completion: Completion | None = None,
        error: LLMError | None = None,
        purpose: str = "reply",
    ) -> None:
        """Account a call: kept with the reply, written with the generation's write."""
        conversation.calls.append(
            LLMCall.of(
                purpose=purpose,
                bot_id=conversation.bot_id,
                match_id=conversation.match_id,
                plan_id=conversation.plan_id,
                model=model,
                latency_ms=latency_ms,
                completion=completion,
                error=error,
            )
        )


# What a reply no reviewer judged reports.
_NO_REVIEW = reviewer.Review(checked=False)


def _leak_check(
    persona: Persona, messages: list[ChatMessage], forbidden: list[str]
) -> Callable[[str], bool]:
    """Whether a raw reply gives away its instructions: literal fragments, a paraphrase of
    the system messages' orders, or the persona addressed as its prompt does."""
    instructions = guard.instruction_pairs(
        "\n".join(m.content for m in messages if m.role == "system"),
        sayable=[*disclosure.ADMISSIONS.values(), prompt.DISCLOSURE_LINE],
    )

    def leaks(raw: str) -> bool:
        return (
            reply_text.leaks_instructions(raw, forbidden)
            or guard.paraphrases(raw, instructions)
            or guard.addresses_persona(raw, persona.name)
        )

    return leaks


def rules_verdict(
    raw: str, cleaned: str, own: Sequence[str], *, allow_meetings: bool = False
) -> list[guard.Reason]:
    """The guard's rules on the model's raw reply and on what the cleaner left of it, each read
    after the persona's own last messages (`own`, oldest first), so a number or an address
    split over several replies is seen whole (`guard.check`'s context rule)."""
    blocked = guard.check(raw, allow_meetings=allow_meetings, context=own)
    for reason in guard.check(cleaned, allow_meetings=allow_meetings, context=own):
        if reason not in blocked:
            blocked.append(reason)
    return blocked


def _unanswered(newest_first: list[prompt.HistoryMessage], bot_id: uuid.UUID) -> str:
    """What the human wrote since the persona's last message, oldest first."""
    texts: list[str] = []
    for message in newest_first:
        if message.sender_id == bot_id:
            break
        texts.append(message.content)
    return "\n".join(reversed(texts))
