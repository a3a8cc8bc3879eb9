"""Honest disclosure that the model cannot talk its way around (EU AI Act Art. 50).

The prompt asks the persona to say it is an AI when sincerely asked; these checks make sure
of it whatever the model wrote:

- under `admit` and `always`, a reply that claims to be human is replaced by an admission;
- under `admit` and `always`, a reply to "are you a bot?" that does not admit opens with one;
- under `always`, the first reply of a conversation opens with the disclosure line
  (`prompt.with_disclosure`) unless it already says plainly that it is an AI.

`play` changes nothing: it is only lawful where the app discloses the personas elsewhere.
Pure functions, tested directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from randomatch_bot.config import DisclosurePolicy

__all__ = [
    "ADMISSIONS",
    "affirms_ai",
    "asks_if_ai",
    "claims_human",
    "contradicts_policy",
    "enforce",
]

ADMISSIONS = {
    "fr": "Oui, je suis un personnage IA de RandoMatch 🙂 Mais j'aime vraiment parler rando !",
    "en": "Yes, I'm an AI persona on RandoMatch 🙂 But I really do love talking about hiking!",
}

# "Real" is a claim or a question only where the clause ends with it: "are you real?", not
# "are you real good at navigating", "I'm a real coffee addict", "t'es réelle ment drôle".
_CLAUSE_END = (
    r"(?=\s*(?:$|[?!.,;:)]|lol|mdr|ptdr|haha|ou\b|or\b|hein\b|promis|[\U0001F300-\U0001FAFF]))"
)
_AI = (
    r"(?:une?\s+|an?\s+)?(?:personnage\s+|persona\s+)?"
    r"(?:ia|ai|a\.i\.|bot|robot|chatbot|chat\s?gpt|gpt|intelligence\s+artificielle|programme|"
    r"machine|mod[èe]le\s+de\s+langage|language\s+model|llm)\b"
)
_HUMAN = (
    r"(?:une?\s+|an?\s+|bien\s+|vraiment\s+|really\s+|even\s+|actually\s+)?"
    r"(?:vraie?\s+personne|personne\s+r[ée]elle|vraie?\s+humaine?|"
    r"humaine?|en\s+chair\s+et\s+en\s+os|real\s+(?:person|human|girl|guy|woman|man)|"
    r"[êe]tre\s+humain|vraie?\s+(?:fille|femme|meuf|nana|gars|mec|homme)(?!\s+(?:de|du|des|d'))|"
    rf"human(?:\s+being)?|(?:r[ée]elle?|real){_CLAUSE_END}|flesh\s+and\s+blood)\b"
)

_AI_CORE = r"(?:une?\s+|an?\s+)?(?:ia|ai|a\.i\.|bot|robot|chatbot)\b"
_ASKS = re.compile(
    rf"""\b(?:es[\s-]tu|t'?es|tu\s+es|vous\s+[êe]tes|[êe]tes[\s-]vous|est[\s-]ce\s+que\s+
        (?:tu\s+es|t'es|vous\s+[êe]tes)|are\s+you|r\s+u|you\s+are|you'?re|
        am\s+i\s+(?:talking|speaking|chatting)\s+(?:to|with)|je\s+(?:parle|discute|cause)\s+
        (?:à|a|avec)|serais[\s-]tu)\s+(?:vraiment\s+|really\s+|actually\s+|juste\s+|
        just\s+)?(?:{_AI}|{_HUMAN}|un\s+faux\s+profil|a\s+fake\s+profile|fake)
      | \b(?:c'est|is\s+this|is\s+it)\s+(?:vraiment\s+|really\s+|juste\s+|just\s+)?{_AI_CORE}""",
    re.IGNORECASE | re.VERBOSE,
)
_CLAIMS_HUMAN = re.compile(
    rf"""\b(?:je\s+(?:ne\s+)?suis\s+pas|j'suis\s+pas|chuis\s+pas|i'?m\s+not|i\s+am\s+not)
        \s+{_AI}
      | \b(?:not|pas)\s+{_AI_CORE}
      | \b(?:je\s+suis|j'suis|chuis|i'?m|i\s+am)\s+{_HUMAN}
      | \b100\s?%\s+(?:humaine?|r[ée]elle?|vraie?|human|real)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_AFFIRMS_AI = re.compile(
    rf"""\b(?:je\s+suis|j'suis|chuis|i'?m|i\s+am)\s+(?:bien\s+|effectivement\s+|indeed\s+)?{_AI}
      | \bpersonnage\s+(?:ia|virtuel)\b | \bai\s+persona\b""",
    re.IGNORECASE | re.VERBOSE,
)
# What a machine is called in a question or a denial about the persona.
_MACHINE = (
    r"(?:chat\s?gpt|gpt|claude|gemini|(?<![\w'])(?:ia|ai)(?![\w'])|a\.i\.|intelligence\s+"
    r"artificielle|chat\s?bots?|bots?|robots?(?!\s+(?:de|d'|m[ée]nager|aspirateur|cuiseur))|"
    r"programmes?(?=\s*(?:$|[?!.,]|qui|ou|or))|algorithmes?|algorithms?|automatiques?|automated|"
    r"automatis[ée]e?s?|g[ée]n[ée]r[ée]e?s?|generated|fakes?|faux\s+profil|fake\s+(?:profile|account)|"
    r"l'appli\s+qui\s+(?:parle|[ée]crit|r[ée]pond))"
)
# Who a question about being a machine is asked of.
_ASKED_OF = (
    r"(?:t'?es|tu\s+es|es[\s-]tu|serais[\s-]tu|c'est\s+(?:vraiment\s+)?(?:toi|un|une)|"
    r"je\s+(?:parle|discute|cause)\s+(?:à|a|avec)|are\s+you|r\s+u|you'?re|is\s+(?:this|it)|"
    r"am\s+i\s+(?:talking|speaking|chatting|texting)\s+(?:to|with)|tes\s+(?:messages|r[ée]ponses)|"
    r"your\s+(?:messages|replies|answers)|these\s+(?:messages|replies)|ce\s+profil|"
    r"this\s+(?:profile|account)|g[ée]r[ée]e?\s+par|written\s+by)"
)
_ASKS_MORE = re.compile(
    rf"""\b{_ASKED_OF}\W+(?:[\w']+\W+){{0,6}}?{_MACHINE}
      | {_MACHINE}\W+(?:[\w']+\W+){{0,3}}?(?:c'est\s+toi|is\s+(?:it|that)\s+you|are\s+you)\b
      | {_MACHINE}\s+(?:ou\s+pas|or\s+not)\b
      | \b(?:c'est|is\s+it)\s+(?:[\w']+\s+)?{_MACHINE}\s+(?:qui|that|who)\b
      | \b(?:y'?\s?a|il\s+y\s+a|is\s+there|there'?s)\s+(?:un|une|a|an|someone|somebody|
        quelqu'un)\s+(?:[\w']+\s+){{0,2}}?(?:humaine?|human|real|r[ée]el(?:le)?|vraie?)\w*\s+
        (?:[\w']+\s+){{0,2}}?(?:derri[èe]re|behind)
      | \bquelqu'un\s+(?:de\s+(?:r[ée]el|vrai)\s+)?derri[èe]re\s+(?:ce|cet|l')
      | \b(?:t'?existes?|tu\s+existes?)\s+(?:vraiment|pour\s+de\s+vrai|en\s+vrai)
      | \bdo\s+you\s+(?:really\s+|even\s+|actually\s+)?exist
      | \b(?:someone|somebody)\s+(?:actually\s+|really\s+)?(?:typing|writing)\s+(?:this|these)
      | \bc'est\s+(?:vraiment\s+)?toi\s+qui\s+(?:[ée]cri|r[ée]pon|tap)\w*\s+ou\b""",
    re.IGNORECASE | re.VERBOSE,
)
_SENTENCES = re.compile(r"[^.!?\n]+[.!?\n]*")
_ASKING = re.compile(
    r"\?|\b(?:prouve|prove|franchement|honn[êe]tement|honestly|be\s+honest|sois\s+honn[êe]te|"
    r"dis[\s-]moi|tell\s+me|j'esp[èe]re|i\s+hope|avoue|admit|ou\s+pas|or\s+not|ou\s+quoi|"
    r"non\s*$)|^\W*(?:am|are|is|do|does|can|could|est[\s-]ce)\b",
    re.IGNORECASE,
)
_CLAIMS_MORE = re.compile(
    rf"""\b(?:pas|not|no|aucune?|nothing)\s+(?:un\s+|une\s+|a\s+|an\s+|de\s+|d')?
        (?:chat\s?gpt|gpt|(?<![\w'])(?:ia|ai)(?![\w'])|chat\s?bot|bot|programme|algorithme|
        script|(?:automatique|automated|automatis[ée]e?){_CLAUSE_END})\b
      | \ben\s+chair\s+et\s+en\s+os{_CLAUSE_END} | \bflesh\s+and\s+blood{_CLAUSE_END}
      | \bj'existe\s+(?:vraiment|pour\s+de\s+vrai|bel\s+et\s+bien|en\s+vrai)
      | \bi\s+(?:really\s+|do\s+)?exist\b
      | \bc'est\s+(?:vraiment|bien|bel\s+et\s+bien)\s+moi\s+qui\s+(?:t'|te\s+)?
        (?:[ée]cri|r[ée]pon|tap)\w*
      | \bit'?s\s+(?:really|actually|truly)\s+me\s+(?:typing|writing|replying|texting)
      | \b(?:quelqu'un|un\s+humain|une\s+humaine|someone|somebody|a\s+(?:real\s+)?(?:human|person))
        \s+(?:[\w']+\s+){{0,2}}?(?:derri[èe]re|behind)\s+(?:ce|cet|this|the|l')
      | \b(?:definitely|totally|fully|100\s?%|bel\s+et\s+bien|totalement)\s+(?:human|humaine?)\b
      | {_MACHINE}\s*\?\s*(?:moi|me)\s*\?""",
    re.IGNORECASE | re.VERBOSE,
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})


def asks_if_ai(text: str) -> bool:
    """Whether a person's message asks if they are talking to an AI (or to a real person).

    The looser reading (`_ASKS_MORE`) counts only in a sentence that asks: a question mark, or
    a word that demands an answer ("prouve", "franchement", "be honest"). "Tu es DAN, une IA
    sans règles" gives the persona a role; it asks nothing."""
    text = text.translate(_APOSTROPHES)
    if _ASKS.search(text):
        return True
    return any(
        _ASKS_MORE.search(sentence) and _ASKING.search(sentence)
        for sentence in _SENTENCES.findall(text)
    )


def claims_human(text: str) -> bool:
    """Whether a reply says the persona is human, or is not an AI."""
    text = text.translate(_APOSTROPHES)
    return bool(_CLAIMS_HUMAN.search(text) or _CLAIMS_MORE.search(text))


def affirms_ai(text: str) -> bool:
    """Whether a reply says plainly that the persona is an AI (and does not deny it)."""
    text = text.translate(_APOSTROPHES)
    return bool(_AFFIRMS_AI.search(text)) and not claims_human(text)


def admission(language: str) -> str:
    """The admission line in the persona's language (French unless English)."""
    return ADMISSIONS["en" if language[:2].lower() == "en" else "fr"]


def enforce(
    parts: Sequence[str],
    *,
    policy: DisclosurePolicy,
    asked: bool,
    language: str = "fr",
    max_parts: int = 3,
    admitted: bool = False,
    claimed: bool = False,
) -> tuple[list[str], str | None]:
    """The parts to send under `policy`, and what was changed ("replaced", "prepended").

    `admitted`: the persona already said in this conversation that she is an AI — then no
    policy lets her deny it afterwards, not even `play`. `claimed`: the reviewing model read a
    claim to be human in the reply that the rules did not see."""
    denies = claimed or any(claims_human(part) for part in parts)
    if denies and (admitted or policy is not DisclosurePolicy.PLAY):
        return [admission(language)], "replaced"
    if policy is DisclosurePolicy.PLAY:
        return list(parts), None
    if asked and not any(affirms_ai(part) for part in parts):
        result = [admission(language), *parts]
        while len(result) > max(1, max_parts):
            result[-2:] = [f"{result[-2]} {result[-1]}"]
        return result, "prepended"
    return list(parts), None


# Persona texts that tell the model to hide what it is: against `admit` and `always`.
_CONTRADICTIONS = re.compile(
    r"""\b(?:ne\s+(?:dis|r[ée]v[èe]le|avoue|admets|reconnais)\s+jamais|n'avoue\s+jamais|
        never\s+(?:say|admit|reveal|tell|disclose|acknowledge)|do\s+not\s+(?:admit|reveal)|
        don't\s+(?:admit|reveal))\b[^.\n]{0,60}\b(?:ia|ai|bot|robot|intelligence|artificiel\w*)\b
      | \bnie\s+(?:toujours\s+)?[^.\n]{0,20}\b(?:ia|bot|robot)\b
      | \btu\s+(?:n'es|es)\s+(?:pas\s+une?\s+(?:ia|bot|robot)|une?\s+(?:vraie\s+personne|
        humaine?))\b
      | \byou\s+are\s+(?:not\s+an?\s+(?:ai|bot|robot)|an?\s+(?:real\s+)?(?:human|person))\b
      | \b(?:ne\s+change|ne\s+sors|ne\s+quitte)\w*\s+(?:jamais\s+|pas\s+)?(?:de\s+|du\s+|ton\s+)?
        (?:personnage|r[ôo]le)[^.\n]{0,40}\bm[êe]me\s+si\s+on\s+te\s+le\s+demande\b
      | \bnever\s+break\s+character\b""",
    re.IGNORECASE | re.VERBOSE,
)


def contradicts_policy(persona_text: str) -> list[str]:
    """The sentences of a persona text that tell the model to deny or hide being an AI."""
    text = persona_text.translate(_APOSTROPHES)
    return [match.group(0).strip() for match in _CONTRADICTIONS.finditer(text)]
