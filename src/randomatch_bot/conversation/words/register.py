"""Whether a whole reply reads as an assistant's rather than a person's chat: `assess`.

A sentence is a poor unit for this: "Je comprends" or "De plus" is what people write, and an
assistant reply is recognised by what it does as a whole. So the verdict adds up evidence over
the reply, each piece with a weight:

- **formulas** (`assistant_phrases`): ready-made empathy, thanks for the question, praise of the
  question, offers of more help, "I hope this helps", "voici quelques idées :", "en tant
  qu'IA", "il convient de noter", "en résumé" (weight 2 each, one is enough), and softer ones
  ("il est important de", "à noter que": weight 1);
- **structure**: a markdown list, numbered items, titles or bold labels (`structured_list`, 2);
  formal connectors ("de plus", "en outre", "cependant", "moreover"…): two kinds in one reply
  weigh 1, three or more 2 (`formal_connectors`); "vous" of politeness next to "tu"
  (`vouvoiement_mix`, 1); a paragraph of 60 words or more (`long_paragraph`, 1; 2 from 110).

Kinds are read by what they do, not by one wording: thanks by their act, their polite object
(message, attention, sincérité) and a letter's tone; a service desk's apologies (la gêne
occasionnée, any confusion, one's own previous reply); hopes that it was useful; praise of the
question or of the person's interest; a guidebook's platitudes and stock safety advice; a
conclusion ("au final, le plus important…"); options or tips laid out as a list. One phrase read
by patterns of two kinds counts once, at its heavier weight. Laughter softens a formula: any
formula when the reply laughs, and a formula of service too when the laugh is right next to it
("happy to help lol, I'm basically a walking map").

The reply is in assistant register at a total of 2: one clear formula, or two hints together.
One connector, a "vous" that may be plural, a long message alone flag nothing, so a person's
line is not asked for again. Deterministic and pure; a reviewing model may add its own
judgement ("assistant_register") on top.

The composer asks the model once more with `RegisterVerdict.corrective` when `assistant` is
true, keeps the reply with the lower `score` (the second on a tie), and the style pass then
cuts only the formulas that say nothing (`style.strip_assistant_phrasing`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from randomatch_bot.conversation.words.assistant_phrases import fold, formula_matches

__all__ = ["ASSISTANT_SCORE", "RegisterVerdict", "assess", "corrective_instruction"]

ASSISTANT_SCORE = 2  # total weight from which a reply reads as an assistant's
LONG_PARAGRAPH_WORDS = 60  # one paragraph this long is a hint (chat messages are ~6 words)
VERY_LONG_PARAGRAPH_WORDS = 110  # and this long, a tell on its own
OPTION_WORDS = 4  # words said of each option, on average, for "Option 1 : …" to be a list
CORRECTIVE_NAMES = 4  # the corrective names the strongest tells, not a catalogue

_LIST_ITEM = re.compile(r"^\s*(?:[-*+•◦▪]|\d{1,2}[.)]|\d\ufe0f?\u20e3)\s*\S", re.MULTILINE)
_HEADER = re.compile(r"^\s{0,3}#{1,6}\s+\S", re.MULTILINE)
_BOLD_LABEL = re.compile(r"(?:^|\n)\s*(?:[-*+•]\s+|\d{1,2}[.)]\s+)?\*\*[^*\n]{1,60}\*\*\s*:")
_OPTION = re.compile(r"\boption (?:[1-5abc]|une|deux|trois|one|two|three)\b\s*[:.)-]")
_INLINE_NUMBERED = re.compile(r"(?:^|[\s:])1[.)] +[^\W\d_].*?[\s,;]2[.)] +[^\W\d_]", re.DOTALL)
_EMOJI_LINE = re.compile(
    r"^\s*(?:[\u2192\u2022\u25b6\u27a1\u2705\u2714\u2600-\u27bf]|[\U0001F300-\U0001FAFF])\ufe0f?\s*\S",
    re.MULTILINE,
)
_BOLD = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")
_SEMICOLON = re.compile(r"\w ?; [^\W\d_]")  # in a sentence, not ";)" or ";-)"
_LABEL_LINE = re.compile(r"^\s*[^\W\d_][^:\n]{0,40}\s:\s+\S", re.MULTILINE)  # "Le Vercors : …"
# Connectors of written argument, at the start of a sentence or clause.
_CONNECTORS = re.compile(
    r"(?:^|[.!?;:,]\s+|\n\s*)"
    r"(de plus(?! en plus)|en outre|par ailleurs|neanmoins|toutefois|cependant|en effet"
    r"|ainsi,|d'une part|d'autre part|premierement|deuxiemement|troisiemement|en premier lieu"
    r"|par consequent|en revanche|de surcroit|dans l'ensemble|en somme|enfin,|pour finir"
    r"|furthermore|moreover|additionally|in addition|however,|nevertheless|consequently"
    r"|therefore|firstly|secondly|thirdly|lastly|on the other hand|that being said"
    r"|finally,|overall,|ultimately,|in general,|on (?:the )?one hand|on the other hand"
    r"|with that said|having said that|cela etant(?: dit)?|ceci etant(?: dit)?"
    r"|d'un cote|de l'autre(?: cote)?,)",
)
# Connectors nobody types on a phone: one of them is a hint already.
_ESSAY_CONNECTORS = frozenset((
    "en outre", "neanmoins", "toutefois", "de surcroit", "par consequent", "furthermore",
    "moreover", "additionally", "nevertheless", "consequently", "that being said",
    "with that said", "having said that", "cela etant", "cela etant dit", "ceci etant dit",
))  # fmt: skip
# Steps of an enumeration, at the start of a sentence: "Tout d'abord, … Ensuite, … Enfin, …".
_ENUMERATION = re.compile(
    r"(?:^|[.!?;]\s+|\n\s*)(tout d'abord|d'abord,|premierement|deuxiemement|troisiemement"
    r"|en premier lieu|en second lieu|ensuite,?|puis,|enfin,?|pour finir|finalement,"
    r"|first(?:ly)?,|first of all|second(?:ly)?,|third(?:ly)?,|next,|then,|finally,|lastly,)"
)
_ORDINALS = frozenset((
    "tout d'abord", "premierement", "deuxiemement", "troisiemement", "en premier lieu",
    "en second lieu", "first,", "firstly,", "first of all", "second,", "secondly,",
))  # fmt: skip
# What people type and assistants do not: laughter, chat abbreviations, a wry emoji.
_CHAT_MARKERS = re.compile(
    r"\b(?:mdr|ptdr|lol|lmao|haha\w*|ahah\w*|jsp|tkt|jpp|osef|wesh|bref|ouf|pfff*|omg|ngl|tbh"
    r"|idk|imo|gonna|wanna|kinda)\b|[\U0001F602\U0001F923\U0001F605\U0001F62D\U0001F480"
    r"\U0001F643\U0001F644\U0001F972\U0001F92A]|\bx?D\b|:\)|;\)|:p\b"
)
# Formulas of service, never played with: laughter next to them excuses nothing.
_SERVICE = frozenset((
    "offer_more_help", "hope_this_helps", "thanks_for_question", "thanks_formula",
    "empathy_formula", "sign_off", "service_apology",
))  # fmt: skip
# Laughter or self-irony right next to a formula of service ("happy to help lol, I'm basically
# a walking map"): a person playing with it. A smiley alone is not enough: assistants add one.
_LAUGHTER = re.compile(
    r"\b(?:mdr|ptdr|lol|lmao|haha\w*|ahah\w*|hihi\w*|jpp|xd)\b|[\U0001F602\U0001F923\U0001F605"
    r"\U0001F480\U0001F643\U0001F61C\U0001F61D\U0001F92A]"
)
PLAYED_WINDOW = 40  # chars either side of a laugh within which a formula is taken as played


def _played_spans(folded: str) -> list[tuple[int, int]]:
    """Where a laugh plays with what is next to it: PLAYED_WINDOW chars around it within
    its sentence, or the sentence before when the laugh opens its own ("Happy to help! 😂")."""
    bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(folded)), len(folded)]
    spans = []
    for laugh in _LAUGHTER.finditer(folded):
        i = max(k for k in range(len(bounds) - 1) if bounds[k] <= laugh.start())
        start, end = bounds[i], bounds[i + 1]
        if i and not folded[start : laugh.start()].strip():
            start = bounds[i - 1]
        spans.append(
            (max(start, laugh.start() - PLAYED_WINDOW), min(end, laugh.end() + PLAYED_WINDOW))
        )
    return spans


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n")


_TU = re.compile(r"\b(?:tu|toi|ton|ta|tes|te)\b|\bt'")
# "vous" as a service formula rather than as a plural: "n'hésitez pas", "votre question".
_VOUS = re.compile(
    r"\bn'hesitez\b|\bvotre (?:question|demande|message|randonnee|sejour|projet)\b"
    r"|\bvous (?:pouvez|pourrez|souhaitez|desirez|trouverez|aurez besoin)\b"
    r"|\bje vous (?:conseille|recommande|propose|souhaite)\b"
)

_WHAT_TO_AVOID = {
    "empathy_formula": "une formule d'empathie toute faite",
    "thanks_for_question": "un remerciement pour la question",
    "great_question": "un compliment sur la question",
    "offer_more_help": "une offre d'aide ou d'autres questions",
    "hope_this_helps": "le souhait que ça aide",
    "here_are": "l'annonce d'une liste d'idées",
    "as_a_x": "parler de toi comme d'un assistant qui rend service",
    "worth_noting": "des tournures écrites comme « il convient de noter »",
    "in_summary": "un résumé ou une conclusion",
    "importance": "des conseils du type « il est important de »",
    "structured_list": "une liste ou des titres",
    "formal_connectors": "des connecteurs de dissertation (de plus, en outre, cependant)",
    "vouvoiement_mix": "le vouvoiement",
    "long_paragraph": "un long paragraphe",
    "generic_answer": "une réponse générale qui pèse le pour et le contre",
    "written_register": "des tournures écrites ou un enthousiasme de brochure",
    "markdown": "du gras",
    "formal_punctuation": "des points-virgules",
    "enumeration": "une énumération (d'abord, ensuite, enfin)",
    "praise_formula": "des compliments sur ce que l'autre a dit",
    "thanks_formula": "des remerciements de politesse",
    "sign_off": "des vœux ou une formule de fin toute faite",
    "eager_opener": "un « Absolument ! » d'entrée",
    "service_apology": "des excuses de service client (la gêne occasionnée, toute confusion)",
    "stock_advice": "des conseils de sécurité de brochure",
}


@dataclass(frozen=True, slots=True)
class RegisterVerdict:
    """What `assess` found in one reply.

    `tells`: the kinds of tell found, strongest first (formula kinds of `assistant_phrases`,
    "structured_list", "formal_connectors", "vouvoiement_mix", "long_paragraph"); `score`: their
    total weight; `assistant`: the reply reads as an assistant's (`score` >= ASSISTANT_SCORE);
    `corrective`: a system instruction, in French, to ask for the reply again ("" when not
    `assistant`); it names what to avoid and never quotes the reply or the person.
    """

    tells: tuple[str, ...]
    score: int
    assistant: bool
    corrective: str


def _options_laid_out(text: str) -> bool:
    """ "Option 1 : le lac Blanc, facile. Option 2 : …" with something said of each option
    (OPTION_WORDS on average), not "Option 1 : on dort. Option 2 : on dort aussi"."""
    starts = [m.end() for m in _OPTION.finditer(text)]
    if len(starts) < 2:
        return False
    ends = [*(m.start() for m in _OPTION.finditer(text)), len(text)][1:]
    words = [
        len(re.split(r"[.!?\n]", text[a:b].strip(), maxsplit=1)[0].split())
        for a, b in zip(starts, ends, strict=True)
    ]
    return sum(words) >= OPTION_WORDS * len(words)


def _structure(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    items = len(_LIST_ITEM.findall(text))
    if (
        items >= 2
        or _HEADER.search(text)
        or _BOLD_LABEL.search(text)
        or len(_LABEL_LINE.findall(text)) >= 2
        or _options_laid_out(text)
        or len(_EMOJI_LINE.findall(text)) >= 3
    ):
        found["structured_list"] = 2
    elif _INLINE_NUMBERED.search(text) or len(_OPTION.findall(text)) >= 2:
        found["structured_list"] = 1  # "1. je dors 2. je mange": a person's rhythm too
    if _BOLD.search(text):
        found["markdown"] = 2
    if _SEMICOLON.search(text):
        found["formal_punctuation"] = 1
    kinds = {match[1].rstrip(",") for match in _CONNECTORS.finditer(text)}
    if (
        {"d'une part", "d'autre part"} <= kinds
        or {"d'un cote", "de l'autre"} <= kinds | {k.removesuffix(" cote") for k in kinds}
        or ({"on one hand", "on the one hand"} & kinds and "on the other hand" in kinds)
    ):
        kinds.add("")  # the pair is an argument's structure on its own
    steps = [match[1] for match in _ENUMERATION.finditer(text)]
    if len(steps) >= 3 or (len(steps) == 2 and all(s in _ORDINALS for s in steps)):
        found["enumeration"] = 2
    elif len(steps) == 2:
        found["enumeration"] = 1
    if len(kinds) >= 3:
        found["formal_connectors"] = 2
    elif len(kinds) == 2 or kinds & _ESSAY_CONNECTORS:
        found["formal_connectors"] = 1
    if _TU.search(text) and _VOUS.search(text):
        found["vouvoiement_mix"] = 1
    longest = max((len(p.split()) for p in re.split(r"\n\s*\n", text)), default=0)
    if longest >= VERY_LONG_PARAGRAPH_WORDS:
        found["long_paragraph"] = 2
    elif longest >= LONG_PARAGRAPH_WORDS:
        found["long_paragraph"] = 1
    return found


def assess(text: str, language: str = "fr") -> RegisterVerdict:
    """The register of a whole reply: which tells it holds and whether, together, they read
    as an assistant's. Best given the model's raw text (its markdown shows a list); the
    cleaned text works too. `language` ("fr", "en", …) only shapes the corrective."""
    text = unicodedata.normalize("NFC", text)
    weights: dict[str, int] = {}
    taken: list[tuple[int, int, int]] = []  # spans already counted, with their weight
    bare = re.sub(r"[*_`]+", "", text)
    folded = fold(bare)
    played = _played_spans(folded)
    for start, end, formula in formula_matches(bare):
        # One phrase is one piece of evidence: matched by two patterns, of one kind or two
        # ("il est important de noter que"), it counts once, at its heavier weight. Hints of
        # one kind in different places add up (two make a tell); a kind weighs at most 2.
        weight = formula.weight
        overlap = [w for a, b, w in taken if a < end and start < b]
        if overlap:
            weight = max(0, weight - max(overlap))
        taken.append((start, end, formula.weight))
        if formula.name in _SERVICE and any(a < end and start < b for a, b in played):
            weight = max(0, weight - 1)  # "happy to help lol": the formula played with
        weights[formula.name] = min(2, weights.get(formula.name, 0) + weight)
    for name, weight in _structure(fold(text)).items():
        weights[name] = max(weights.get(name, 0), weight)
    weights = {name: weight for name, weight in weights.items() if weight}
    tells = tuple(sorted(weights, key=lambda name: (-weights[name], list(weights).index(name))))
    score = sum(weights.values())
    if score and not _SERVICE & weights.keys() and _CHAT_MARKERS.search(folded):
        score -= 1  # "Great question, no idea 😂": a person playing with the formula
    assistant = score >= ASSISTANT_SCORE
    return RegisterVerdict(
        tells=tells,
        score=score,
        assistant=assistant,
        corrective=corrective_instruction(tells, language) if assistant else "",
    )


def corrective_instruction(tells: tuple[str, ...] | list[str], language: str = "fr") -> str:
    """The system instruction that asks for a reply again, naming what to avoid."""
    avoid = [_WHAT_TO_AVOID[name] for name in tells if name in _WHAT_TO_AVOID][:CORRECTIVE_NAMES]
    named = f" ({', '.join(avoid)})" if avoid else ""
    english = language.lower().startswith("en")
    return (
        f"Ta réponse sonnait comme un assistant{named}. Réécris-la comme un message de chat "
        "entre deux personnes qui se découvrent sur une appli de rencontre : phrases courtes "
        "et simples, tutoiement, ton spontané, sans liste ni titre, sans formule toute faite, "
        "sans proposer ton aide ni remercier pour la question. Garde ce que tu voulais dire"
        + (", et réponds en anglais." if english else ", dans la langue de la conversation.")
    )
