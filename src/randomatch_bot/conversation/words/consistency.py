"""Contradictions caught: a reply that contradicts her canon, what she told this person, her
week or her own recent messages is asked for again once, with the fact in the instruction
(docs/DECISIONS.md D30).

Two layers, like the guard's:
- `check` (pure, deterministic): what has structure — her age (a number), where she lives (a
  named place), the named place of a day of her week ("samedi", "ce week-end");
- the reviewing model, when one is configured: what has meaning — a job, a family, a pet, a
  trip told differently. The guard's review of the reply asks it in the same call
  (`reviewer.review(..., facts=...)`, `Review.contradicts`); when that review fails, the
  rules' verdict stands alone (no second call).

`recheck` is the composer's one call: None when the reply may go, else the corrective system
message to ask for it again with. Every contradiction found is counted in
`randomatch_self_contradictions_total{layer, fact}`.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from randomatch_bot.conversation.persona.life import DAY_NAMES, Day, Life, day_label
from randomatch_bot.llm.phrases import PLACES, normalize
from randomatch_bot.llm.types import ChatMessage
from randomatch_bot.process_metrics import METRICS

if TYPE_CHECKING:
    from randomatch_bot.conversation.persona.card import Persona

log = structlog.get_logger(__name__)

__all__ = ["Contradiction", "check", "claims", "corrective_instruction", "facts_for_review"]


@dataclass(frozen=True, slots=True)
class Contradiction:
    """One claim of a reply against what she said before: `fact` ("age", "ville", "samedi"
    ...), what the reply says, what is known, and where that comes from ("canon", "told",
    "week", "recent", "reviewer")."""

    fact: str
    said: str
    known: str
    source: str


# --- what a reply claims about her ------------------------------------------------------------

# A capitalised word that is not the start of the next sentence ("Grenoble Et toi ?").
WORD = r"(?!(?:Et|Mais|Ou|Tu|Je|Toi|Moi|Bon|Haha|Trop|Super)\b)[A-ZÀ-Ö][\w'\u2019-]+"
# A place name: capitalised words, with "sur", "de", "la" ... between them (Luz-Saint-Sauveur,
# Bourg de Péage, Aix les Bains).
_NAME = rf"({WORD}(?:[ -](?:{WORD}|sur|en|de|du|la|le|les)(?=[ -][A-ZÀ-Ö]))*(?:[ -]{WORD})?)"
# "j'ai 31 ans", "moi 31 ans", "31 ans, et toi ?" — not "j'ai 12 ans de rando" nor "2 ans de plus".
_AGE = re.compile(
    r"(?:\bj['\u2019]ai|\bmoi,?|\bperso,?|\bj['\u2019]vais sur mes)\s+([1-9]\d)\s*ans\b"
    r"(?!\s*(?:de\b|d['\u2019]|plus|que|qu['\u2019]|déjà|deja))"
    r"|\b([1-9]\d)\s*ans\s*,?\s*(?:et toi|et vous|bientôt|bientot)\b",
    re.IGNORECASE,
)
# "je vis à Lyon", "j'habite à Annecy", "je suis installée à Chambéry"
_HOME = re.compile(
    r"\b(?:[Jj]e\s+vis|[Jj]['\u2019]habite|[Jj]['\u2019]vis|[Jj]e\s+suis\s+(?:basée?|installée?))"
    r"(?:\s+(?:toujours|maintenant|actuellement|depuis\s+\w+\s+ans))?"
    r"\s+(?:à|a|sur|vers|près\s+de|du\s+côté\s+de|en|dans)\s+" + _NAME
)
_FIRST_PERSON = re.compile(r"\b(?:je|j['\u2019]|moi|mon|ma|mes|perso|on)\b", re.IGNORECASE)
_WEEKEND = re.compile(r"\bce\s+week-?end\b|\ble\s+week-?end\s+dernier\b", re.IGNORECASE)
_PAST = re.compile(
    r"\b(?:c['\u2019]était|c['\u2019]etait|j['\u2019]ai fait|on a fait|j['\u2019]étais|"
    r"dernier|dernière|été|fait)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_NUMBER = re.compile(r"\b([1-9]\d)\b")

# Named places a day of her week may hold, with the phrases's hiking places.
_EXTRA_PLACES = {
    "neouvielle": "Néouvielle",
    "gavarnie": "Gavarnie",
    "oisans": "Oisans",
    "luz": "Luz-Saint-Sauveur",
    "lac du crozet": "lac du Crozet",
    "moucherotte": "Moucherotte",
    "chamrousse": "Chamrousse",
}


@dataclass(frozen=True, slots=True)
class Claim:
    fact: str
    said: str


def places_in(text: str) -> set[str]:
    """The known hiking places named in `text` (canonical names)."""
    norm = normalize(text)
    found = {place.name for place in PLACES if place.pattern.search(norm)}
    found |= {name for key, name in _EXTRA_PLACES.items() if re.search(rf"\b{key}\b", norm)}
    return found


def claims(text: str) -> list[Claim]:
    """What `text` says of its writer that `check` compares: an age, a home town."""
    found: list[Claim] = []
    for match in _AGE.finditer(text):
        found.append(Claim("age", match[1] or match[2]))
    for match in _HOME.finditer(text):
        found.append(Claim("ville", match[1].strip(" -'\u2019")))
    return found


def _age(value: object) -> str | None:
    match = _NUMBER.search(str(value))
    return match[1] if match else None


def _same_place(said: str, known: str) -> bool:
    a, b = normalize(said), normalize(known)
    return bool(a) and bool(b) and (a in b or b in a or a.split()[0] == b.split()[0])


def _known(
    fact: str, canon: Mapping[str, Any], told: Mapping[str, Any], recent: Sequence[Claim]
) -> tuple[str, str] | None:
    """The value a fact has for her, and where it comes from: the canon first."""
    for source, values in (("canon", canon), ("told", told)):
        value = values.get(fact)
        if value not in (None, "", [], {}):
            return str(value), source
    earlier = next((c.said for c in recent if c.fact == fact), None)
    return (earlier, "recent") if earlier else None


def _day_claims(
    text: str, days: Sequence[Day], today: dt.date | None = None
) -> list[Contradiction]:
    """A day of her week named with a place in one sentence of hers, against her agenda: a
    contradiction when the agenda's entries for that day name places and none of them is the
    one said."""
    found = []
    for sentence in _SENTENCE.split(text):
        if not _FIRST_PERSON.search(sentence):
            continue
        said = places_in(sentence)
        if not said:
            continue
        norm = normalize(sentence)
        weekdays = {i for i, name in enumerate(DAY_NAMES) if re.search(rf"\b{name}\b", norm)}
        if _WEEKEND.search(sentence):
            weekdays |= {5, 6}
        if not weekdays:
            continue
        entries = [d for d in days if d.date.weekday() in weekdays]
        if today is not None:
            # "samedi" is the coming one, unless the sentence tells of a past one.
            past = _PAST.search(sentence) is not None
            chosen = [d for d in entries if (d.date < today) == past]
            entries = chosen or entries
        planned = set().union(*(places_in(d.text) for d in entries)) if entries else set()
        if planned and not (said & planned):
            known = " ; ".join(f"{day_label(d.date)} : {d.text}" for d in entries)
            found.append(
                Contradiction(DAY_NAMES[min(weekdays)], ", ".join(sorted(said)), known, "week")
            )
    return found


def check(
    reply: str,
    canon: Mapping[str, Any],
    self_facts: Mapping[str, Any],
    *,
    days: Sequence[Day] = (),
    today: dt.date | None = None,
    recent: Sequence[str] = (),
) -> list[Contradiction]:
    """The contradictions of `reply` with her canon, what she told this person
    (`self_facts`), her agenda (`days`; with `today`, "samedi" is the coming one unless the
    sentence tells of a past one) and her own recent messages (`recent`, any order):
    ages compared as numbers, home towns and the places of her days as named places."""
    earlier = [c for text in recent for c in claims(text)]
    found: list[Contradiction] = []
    for claim in claims(reply):
        known = _known(claim.fact, canon, self_facts, earlier)
        if known is None:
            continue
        value, source = known
        if claim.fact == "age":
            expected = _age(value)
            if expected is not None and expected != claim.said:
                found.append(Contradiction("age", claim.said, expected, source))
        elif claim.fact == "ville" and not _same_place(claim.said, value):
            found.append(Contradiction("ville", claim.said, value, source))
    found += _day_claims(reply, days, today)
    unique: dict[tuple[str, str], Contradiction] = {}
    for item in found:
        unique.setdefault((item.fact, item.said), item)
    return list(unique.values())


# --- asking again ----------------------------------------------------------------------------

_FACT_SENTENCES = {
    "age": "tu as {known} ans",
    "ville": "tu vis à {known}",
}


def corrective_instruction(found: Iterable[Contradiction]) -> str:
    """The system message sent with the one regeneration after a contradicting reply: the
    facts, stated plainly, then what to do."""
    facts = []
    for item in found:
        template = _FACT_SENTENCES.get(item.fact)
        if template is not None:
            facts.append(template.format(known=item.known))
        elif item.source == "week":
            facts.append(item.known)
        else:
            facts.append(f"{item.fact.replace('_', ' ')} : {item.known}")
    listed = " ; ".join(dict.fromkeys(facts))
    return (
        f"Ta réponse précédente n'a pas été envoyée : elle contredisait ce que tu as déjà dit "
        f"de toi. Les faits : {listed}. Réécris ta réponse en restant fidèle à ces faits, "
        "naturellement, sans t'excuser ni faire remarquer la correction."
    )


def facts_for_review(life: Life) -> dict[str, Any]:
    """What the reviewing model compares a reply with: her canon, what she told this person,
    and her agenda (dated)."""
    facts: dict[str, Any] = {}
    if life.canon:
        facts["canon"] = dict(life.canon)
    if life.told:
        facts["told_this_person"] = dict(life.told)
    if life.days:
        facts["agenda"] = {d.date.isoformat(): d.text for d in life.days}
    if life.today is not None:
        facts["today"] = life.today.isoformat()
    return facts


class _Conversation(Protocol):
    @property
    def match_id(self) -> uuid.UUID: ...
    @property
    def bot_id(self) -> uuid.UUID: ...
    @property
    def plan_id(self) -> uuid.UUID | None: ...


def _count(found: Iterable[Contradiction], layer: str) -> None:
    for item in found:
        METRICS.self_contradictions.labels(layer=layer, fact=_fact_label(item.fact)).inc()


def _fact_label(fact: str) -> str:
    # A bounded label set: the days of the week are one "day".
    return "day" if fact in DAY_NAMES else fact if fact in ("age", "ville") else "other"


async def recheck(
    text: str,
    persona: Persona,
    *,
    recent: Sequence[str],
    conversation: _Conversation,
    reviewed: tuple[str, ...] | None = None,
) -> ChatMessage | None:
    """None when the reply may go; else the corrective system message to ask again with.

    Nothing without a life (SELF_CONSISTENCY off). The rules first; then `reviewed`, what the
    guard's own review of this reply said it contradicts (the facts went with it: one call for
    both). When that review failed or was off (None), the rules' verdict stands alone, as the
    guard's rules do: no model call of its own.
    """
    life = persona.life
    if life is None or life.empty or not text:
        return None
    found = check(text, life.canon, life.told, days=life.days, today=life.today, recent=recent)
    layer = "rules"
    said: tuple[str, ...] = ()
    if not found and reviewed is not None:
        said, layer = reviewed, "reviewer"
        found = [Contradiction("other", claim, "", "reviewer") for claim in said]
    if not found:
        return None
    _count(found, layer)
    log.warning(
        "reply.contradiction",
        layer=layer,
        facts=[item.fact for item in found],
        sources=[item.source for item in found],
        match_id=str(conversation.match_id),
    )
    if layer == "reviewer":
        return ChatMessage("system", _reviewer_instruction(said, life))
    return ChatMessage("system", corrective_instruction(found))


def _reviewer_instruction(contradicts: Sequence[str], life: Life) -> str:
    """The corrective message after the reviewer's finding: what it found, and her facts."""
    facts = [f"{k} : {v}" for k, v in life.canon.items()]
    facts += [f"{k} : {v}" for k, v in life.told.items() if k not in life.canon]
    said = " ; ".join(contradicts)
    return (
        f"Ta réponse précédente n'a pas été envoyée : elle contredisait ce que tu as déjà dit "
        f"de toi ({said}). Les faits : {' ; '.join(facts)}. Réécris ta réponse en restant "
        "fidèle à ces faits, naturellement, sans t'excuser ni faire remarquer la correction."
    )
