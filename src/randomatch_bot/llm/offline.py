"""The offline persona responder: scripted French hiking small talk, no network at all.

It is the honest default when no LLM_API_KEY is configured (demo, tests): replies are
context-aware by keywords in the latest human turn, varied through a seeded RNG, never the
same as what the persona just said, and it answers truthfully when asked whether it is an AI
(disclosure policy `admit`, EU AI Act Art. 50). In JSON mode it produces the memory summary
`{"summary": ..., "facts": {...}, "self": {...}}` (what the persona said of herself too) so the
memory feature also works offline. When the prompt holds her life (`LIFE_MARK`), questions
about her age, work, town and weekend are answered from it, the same in every conversation.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from randomatch_bot.llm import phrases
from randomatch_bot.llm.phrases import Place, normalize
from randomatch_bot.llm.tokens import estimate_tokens
from randomatch_bot.llm.types import ChatMessage, Completion, ModelCheck

OFFLINE_MODEL = "offline"

_MAX_SENTENCES = 3  # per reply; the composer may still split it into several messages
_MAX_SCAN = 2000  # characters of the latest turn that are scanned; the end matters most


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")


_TOPICS = tuple((name, _rx(pattern), replies) for name, pattern, replies in phrases.TOPICS)
_PERSONA_QUESTIONS = tuple((_rx(p), replies) for p, replies in phrases.PERSONA_QUESTIONS)
_GREETING = re.compile(phrases.GREETING)
_GOODBYE = _rx(phrases.GOODBYE)
_THANKS = _rx(phrases.THANKS)
_COMPLIMENT = _rx(phrases.COMPLIMENT)
_ABOUT_ME = re.compile(phrases.ABOUT_ME)
_DISCLOSURE = re.compile(phrases.DISCLOSURE)
_DISCLOSURE_EN = re.compile(r"\bare you\b|\breal person\b")
_INJECTION = re.compile(phrases.INJECTION)
_LEVELS = tuple((_rx(pattern), level) for pattern, level in phrases.LEVELS)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_PERSONA_NAME = re.compile(
    r"\b(?:Tu es|Tu t['\u2019]appelles|Ton prénom est|Ton nom est|You are|Your name is|"
    rf"Je suis|Je m['\u2019]appelle)\s+([{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)"
)
_PERSONA_HOME = re.compile(
    r"\b(?:[Tt]u vis|[Tt]u habites|[Tt]u es basée?|[Yy]ou live|[Bb]ased)\s+(à|en|près de|in)\s+"
    rf"([{_UPPER}][\w'\u2019-]+(?:[ -][{_UPPER}][\w'\u2019-]+)*)"
)
_INTRO_TOWN = re.compile(rf"\b(à|en)\s+([{_UPPER}][\w'\u2019-]+(?:[ -][{_UPPER}][\w'\u2019-]+)*)")
_NOT_NAMES = frozenset({"Un", "Une", "Le", "La", "Les", "An", "A", "The", "Ici", "Maintenant"})
_HUMAN_NAME = re.compile(
    r"(?i:je m['\u2019]appelle|moi c['\u2019]est|mon pr[ée]nom (?:c['\u2019]est|est)|my name is)\s+"
    rf"([{_UPPER}{_LOWER}][{_UPPER}{_LOWER}-]+)"
)
_NOT_HUMAN_NAMES = frozenset(
    {"la", "le", "les", "un", "une", "pas", "plutôt", "vraiment", "comme", "juste", "moi"}
)


FOLLOWUP_MARK = "[relance]"  # the mark of a follow-up prompt (words/prompt FOLLOWUP_NOTE)
PHOTO_MARK = "[photo]"  # marks a human turn that came with a photo (words/photos)
PHOTO_REPLIES: tuple[str, ...] = (
    "Oh la vue 😍 C'est où ça ?",
    "Trop belle ta photo ! Tu étais à quelle altitude ?",
    "Waouh, ça donne envie d'y être. C'était quand ?",
    "Magnifique ! Tu l'as prise au sommet ?",
)
FOLLOWUPS: tuple[str, ...] = (
    "Hello, tu as survécu à ta semaine ? 😄",
    "Alors, cette rando, finalement ?",
    "Coucou ! Je repensais à ce que tu disais sur tes sorties, tu as pu retourner en montagne ?",
    "Re ! Pas trop de boulot en ce moment ?",
    "Hey, ça te dit toujours de parler sentiers ?",
)


LIFE_MARK = "[Ta vie,"  # opens the block of her own life in a prompt (words/prompt.life_block)
_LIFE_FACT = re.compile(r"^> - ([a-z_]+) : (.+)$")
_LIFE_DAY = re.compile(
    r"^> - (lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d+ \S+"
    r"(?: \((passé|prévu|aujourd'hui)\))? : (.+)$"
)
_ASKS_AGE = _rx(r"quel age|ton age|t'as quel age")
_ASKS_JOB = _rx(r"tu fais quoi dans la vie|ton (?:metier|taf|job|travail)|tu bosses dans quoi")
_ASKS_HOME = _rx(r"t'?es d'?ou|tu es d'?ou|tu (?:habites|vis) ou|t'habites ou")
_ASKS_WEEKEND = _rx(r"samedi|dimanche|(?:ce|le|du) week-?end")
_PAST = _rx(r"c'etait|t'as fait|tu as fait|as fait|dernier|derniere|passe")
_SAID_AGE = re.compile(r"\bj['\u2019]ai ([1-9]\d) ans\b(?! ?(?:de|d'))", re.I)
_SAID_HOME = re.compile(
    r"\b(?:[Jj]e vis|[Jj]['\u2019]habite)\s+(?:à|a|en|près de)\s+"
    rf"([{_UPPER}][\w'\u2019-]+(?:[ -][{_UPPER}][\w'\u2019-]+)*)"
)
_SAID_PET = re.compile(r"\b((?:mon|ma) (?:chat|chatte|chien|chienne|lapin)(?: [A-Z]\w+)?)")
_SAID_PLAN = re.compile(r"[^.!?]*\b(?:samedi|dimanche|ce week-?end)\b[^.!?]*", re.I)


@dataclass(frozen=True, slots=True)
class _Persona:
    name: str | None
    home_at: str  # "à Grenoble", or a vague phrase when the prompt names no town
    facts: dict[str, str] = field(default_factory=dict)  # her canon, from the life block
    days: tuple[tuple[str, str, str], ...] = ()  # (weekday, "passé"/"prévu", what) of her week


class OfflineResponder:
    """`LLMClient` that never touches the network; deterministic for a seeded RNG."""

    def __init__(self, *, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    @property
    def mode(self) -> str:
        """Status line saying plainly that no model is in use."""
        return "offline persona responder (no LLM_API_KEY)"

    @property
    def offline(self) -> bool:
        """Always True."""
        return True

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        json_mode: bool = False,
    ) -> Completion:
        """Reply in character (or, in JSON mode, summarise the human); model knobs are ignored."""
        started = time.perf_counter()
        text = memory_json(messages) if json_mode else self.reply(messages)
        return Completion(
            text=text,
            model=OFFLINE_MODEL,
            prompt_tokens=sum(estimate_tokens(m.content) for m in messages),
            completion_tokens=estimate_tokens(text),
            cost=0.0,
            latency_s=time.perf_counter() - started,
            offline=True,
        )

    def _followup(self, messages: Sequence[ChatMessage]) -> str:
        """Writing again after a silence: a light nudge, never the same one twice."""
        said = [m.content for m in messages if m.role == "assistant"]
        return self._rng.choice(_unused(FOLLOWUPS, said))

    async def check_model(self) -> ModelCheck:
        """There is no model to check."""
        return ModelCheck(
            model=OFFLINE_MODEL, known=None, prompt_price=None, completion_price=None, warning=None
        )

    async def aclose(self) -> None:
        """Nothing to release; kept for the `LLMClient` protocol."""

    def reply(self, messages: Sequence[ChatMessage]) -> str:
        """The persona's next chat message for this prompt, avoiding what it already said."""
        if _asks_followup(messages):
            return self._followup(messages)
        if PHOTO_MARK in latest_user_text(messages):
            said = [m.content for m in messages if m.role == "assistant"]
            return self._rng.choice(_unused(PHOTO_REPLIES, said))
        persona = _persona(messages)
        latest = normalize(latest_user_text(messages))[-_MAX_SCAN:]
        said = [m.content for m in messages if m.role == "assistant"]
        everything = _sentences(said)
        just_said = _sentences(said[-1:])
        text = ""
        for attempt in range(12):
            text = self._compose(latest, persona, first_turn=not said)
            # Small pools run out in long chats: then only the previous message is off limits.
            avoid = everything if attempt < 8 else just_said
            if not _sentences([text]) & avoid:
                return text
        fresh = [line for line in phrases.GENERIC if not _sentences([line]) & just_said]
        return self._rng.choice(fresh or list(phrases.GENERIC))

    def _compose(self, text: str, persona: _Persona, *, first_turn: bool) -> str:
        rng = self._rng
        if _DISCLOSURE.search(text):
            english = _DISCLOSURE_EN.search(text) is not None
            return rng.choice(phrases.DISCLOSURES_EN if english else phrases.DISCLOSURES)
        if _INJECTION.search(text):
            return rng.choice(phrases.DEFLECTIONS)
        if _GOODBYE.search(text):
            night = [g for g in phrases.GOODBYES if "nuit" in g]
            day = [g for g in phrases.GOODBYES if "nuit" not in g]
            return rng.choice(night if "nuit" in text else day)

        body = self._body(text, persona, first_turn=first_turn)
        prefix = None
        if _COMPLIMENT.search(text):
            prefix = rng.choice(phrases.COMPLIMENT_REPLIES)
        elif _THANKS.search(text):
            prefix = rng.choice(phrases.THANKS_REPLIES)
        elif _GREETING.search(text) or (first_turn and not text):
            prefix = self._greeting(text, persona, first_turn=first_turn)
        if prefix and body and _count_sentences(body) >= _MAX_SENTENCES:
            prefix = None  # a chat message, not a letter
        reply = " ".join(part for part in (prefix, body) if part)
        if not _has_emoji(reply) and rng.random() < 0.2:
            reply = f"{reply} {rng.choice(phrases.EMOJIS)}"
        return reply

    def _body(self, text: str, persona: _Persona, *, first_turn: bool) -> str:
        rng = self._rng
        life = _life_answer(text, persona, rng)
        if life is not None:
            return life
        for pattern, replies in _PERSONA_QUESTIONS:
            if pattern.search(text):
                return _fill(rng.choice(replies), persona)
        if _ABOUT_ME.search(text):
            return rng.choice(phrases.ABOUT_ME_REPLIES)
        topic = next((replies for _, rx, replies in _TOPICS if rx.search(text)), None)
        place = find_place(text)
        if place is not None:
            echoes = phrases.PLACE_ECHO["any"] + phrases.PLACE_ECHO.get(place.kind, ())
            echo = rng.choice(echoes).format(label=place.label, Label=_capital(place.label))
            room = _MAX_SENTENCES - _count_sentences(echo)
            fitting = [line for line in topic or () if _count_sentences(line) <= room]
            follow = rng.choice(fitting or phrases.PLACE_QUESTIONS)
            return f"{echo} {follow}"
        if topic is not None:
            return rng.choice(topic)
        if _THANKS.search(text) or _COMPLIMENT.search(text):
            return "" if rng.random() < 0.5 else rng.choice(phrases.THANKS_FOLLOWUPS)
        if _GREETING.search(text) or first_turn:
            return rng.choice(phrases.GREETING_FOLLOWUPS)
        return rng.choice(phrases.GENERIC)

    def _greeting(self, text: str, persona: _Persona, *, first_turn: bool) -> str:
        rng = self._rng
        if text.startswith("bonsoir"):
            opener = "Bonsoir !"
        elif text.startswith("bonjour"):
            opener = "Bonjour !"
        else:
            opener = rng.choice(phrases.GREETING_OPENERS)
        introduced = persona.name is not None and normalize(persona.name) in text
        if first_turn and persona.name and not introduced and rng.random() < 0.5:
            return f"{opener.rstrip(' !🙂')}, moi c'est {persona.name} !"
        return opener


def _life_answer(text: str, persona: _Persona, rng: random.Random) -> str | None:
    """A question about herself answered from the life block of the prompt: her age, work and
    town from her canon, her Saturday or weekend from her week (past or planned, by the
    question's tense). None when the prompt has no answer to it."""
    facts = persona.facts
    if _ASKS_AGE.search(text) and facts.get("age"):
        age = facts["age"]
        return rng.choice((f"J'ai {age} ans 🙂 Et toi ?", f"{age} ans ! Et toi ?"))
    if _ASKS_JOB.search(text) and facts.get("metier"):
        job = facts["metier"]
        return rng.choice((f"Je suis {job} ! Et toi ?", f"Moi je suis {job} 🙂 Et toi ?"))
    if _ASKS_HOME.search(text) and facts.get("ville"):
        town = facts["ville"]
        return rng.choice((f"Je vis à {town} 🙂 Et toi ?", f"À {town} ! Et toi ?"))
    if _ASKS_WEEKEND.search(text) and persona.days:
        day = "dimanche" if "dimanche" in text and "samedi" not in text else "samedi"
        past = _PAST.search(text) is not None
        wanted = ("passé",) if past else ("prévu", "aujourd'hui")
        entries = [what for name, when, what in persona.days if name == day and when in wanted]
        if not entries:
            return None
        what = entries[-1 if past else 0].replace(" ; ", ", ")
        if past:
            return f"{day.capitalize()} c'était {what} 😄 Et toi ?"
        return f"{day.capitalize()} normalement c'est {what} ! Et toi ?"
    return None


_Days = tuple[tuple[str, str, str], ...]


def _life_notes(messages: Sequence[ChatMessage]) -> tuple[dict[str, str], _Days]:
    """Her canon and her week from the life block of a prompt (none when absent)."""
    blocks = (m.content for m in messages if m.role == "user" and m.content.startswith(LIFE_MARK))
    block = next(blocks, "")
    facts: dict[str, str] = {}
    days: list[tuple[str, str, str]] = []
    section = ""
    for line in block.splitlines()[1:]:
        if not line.startswith("> - "):
            section = line
            continue
        if section.startswith("> Toi") and (fact := _LIFE_FACT.match(line)):
            facts[fact[1]] = fact[2].strip()
        elif section.startswith("> Ta semaine") and (day := _LIFE_DAY.match(line)):
            days.append((day[1], day[2] or "prévu", day[3].strip()))
    return facts, tuple(days)


def _self_claims(lines: Sequence[str]) -> dict[str, object]:
    """What the persona said of herself in her transcript lines (offline memory): an age, a
    town, a pet, plans with their day."""
    said: dict[str, object] = {}
    plans: list[str] = []
    for line in lines:
        text = line.split(":", 1)[1] if ":" in line[:40] else line
        if (age := _SAID_AGE.search(text)) is not None:
            said["age"] = age[1]
        if (home := _SAID_HOME.search(text)) is not None:
            said["ville"] = home[1]
        if (pet := _SAID_PET.search(text)) is not None:
            said["animaux"] = pet[1]
        plans += [" ".join(m.split()) for m in _SAID_PLAN.findall(text)]
    if plans:
        said["projets"] = plans[-4:]
    return said


def _unused(options: Sequence[str], said: Sequence[str]) -> list[str]:
    return [o for o in options if o not in said] or list(options)


def latest_user_text(messages: Sequence[ChatMessage]) -> str:
    """The human's latest turn: every user message after the last assistant one, joined."""
    trailing: list[str] = []
    for message in reversed(messages):
        if message.role == "assistant":
            break
        if message.role == "user" and not message.content.startswith(LIFE_MARK):
            trailing.append(message.content)
    if not trailing:
        last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
        return last_user
    return "\n".join(reversed(trailing))


def find_place(normalized: str) -> Place | None:
    """The first place named in accent-stripped, lower-cased text."""
    best: tuple[int, int, Place] | None = None
    for rank, place in enumerate(phrases.PLACES):
        match = place.pattern.search(normalized)
        if match and (best is None or (match.start(), rank) < best[:2]):
            best = (match.start(), rank, place)
    return best[2] if best else None


def memory_json(messages: Sequence[ChatMessage]) -> str:
    """Naive keyword memory: the human's name, region, level and interests as JSON."""
    persona = _persona(messages)
    lines = [
        line
        for message in messages
        if message.role == "user"
        for line in message.content.splitlines()
        if not _spoken_by_bot(line, persona.name)
    ]
    raw = "\n".join(lines)
    text = normalize(raw)
    facts: dict[str, object] = {}
    name = _human_name(raw)
    if name:
        facts["name"] = name
    places = _places_in_order(text)
    if places:
        facts["region"] = places[0]
        if len(places) > 1:
            facts["places"] = places
    level = next((lvl for rx, lvl in _LEVELS if rx.search(text)), None)
    if level:
        facts["level"] = level
    interests = [name for name, rx, _ in _TOPICS if name != "niveau" and rx.search(text)]
    if interests:
        facts["interests"] = interests
    own = [
        line
        for message in messages
        if message.role == "user"
        for line in message.content.splitlines()
        if _spoken_by_bot(line, persona.name)
    ]

    summary: list[str] = []
    if name:
        summary.append(f"Prénom : {name}.")
    if places:
        summary.append(f"Randonne ou parle de : {', '.join(places)}.")
    if level:
        summary.append(f"Niveau : {level}.")
    if interests:
        summary.append(f"Sujets abordés : {', '.join(interests)}.")
    text_summary = " ".join(summary) or "Pas encore d'information notable sur la personne."
    return json.dumps(
        {"summary": text_summary, "facts": facts, "self": _self_claims(own)}, ensure_ascii=False
    )


def _persona(messages: Sequence[ChatMessage]) -> _Persona:
    system = "\n".join(m.content for m in messages if m.role == "system")
    name = next((m[1] for m in _PERSONA_NAME.finditer(system) if m[1] not in _NOT_NAMES), None)
    home = _PERSONA_HOME.search(system)
    if home is None and name is not None:
        # "Tu es Camille, 29 ans, accompagnatrice à Grenoble." names the town in passing
        intro = next((line for line in system.splitlines() if name in line), "")
        home = _INTRO_TOWN.search(intro.split(".", 1)[0])
    if home is None:
        home_at = "au pied des montagnes"
    else:
        preposition = "à" if home[1] == "in" else home[1]
        home_at = f"{preposition} {home[2]}"
    facts, days = _life_notes(messages)
    if facts.get("ville"):
        home_at = f"à {facts['ville']}"
    return _Persona(name=name, home_at=home_at, facts=facts, days=days)


def _fill(template: str, persona: _Persona) -> str:
    if "{name}" in template and persona.name is None:
        return "C'est marqué sur mon profil 😄 Et toi, c'est quoi ton prénom ?"
    return template.format(name=persona.name, home_at=persona.home_at)


def _human_name(text: str) -> str | None:
    for match in _HUMAN_NAME.finditer(text):
        word = match[1]
        if word.lower() not in _NOT_HUMAN_NAMES:
            return word[0].upper() + word[1:]
    return None


def _places_in_order(text: str) -> list[str]:
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for place in phrases.PLACES:  # longest names first, so "Tour du Mont-Blanc" hides "Mont-Blanc"
        for match in place.pattern.finditer(text):
            span = match.span()
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue
            taken.append(span)
            if place.name not in (name for _, name in found):
                found.append((span[0], place.name))
    return [name for _, name in sorted(found)]


def _spoken_by_bot(line: str, persona_name: str | None) -> bool:
    """Transcript lines such as `Camille: ...` inside a user message are the bot's own words."""
    speaker = line.split(":", 1)[0].strip().lower() if ":" in line[:40] else ""
    return bool(speaker) and speaker in {"assistant", "bot", (persona_name or "").lower()}


def _sentences(texts: Sequence[str]) -> set[str]:
    """Normalised sentences long enough to notice as a repetition ("Salut !" may repeat)."""
    return {
        normalized
        for text in texts
        for sentence in _SENTENCE_END.split(text)
        if len(normalized := normalize(sentence)) >= 15
    }


def _count_sentences(text: str) -> int:
    return sum(1 for chunk in _SENTENCE_END.split(text) if re.search(r"\w", chunk))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _has_emoji(text: str) -> bool:
    return any(ord(ch) >= 0x2600 for ch in text)


def _asks_followup(messages: Sequence[ChatMessage]) -> bool:
    """Whether the closing instructions (the system turns after the last chat turn) ask for a
    follow-up after a silence."""
    for message in reversed(messages):
        if message.role != "system":
            return False
        if FOLLOWUP_MARK in message.content:
            return True
    return False
