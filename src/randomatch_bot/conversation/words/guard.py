"""The output guard: what a persona may not write to a person, whatever the model produced.

`check(text)` looks at one reply (or one part) and returns the reasons it must not be sent:
ways to reach someone off the app (phone numbers, emails, links, social handles, postal
addresses), asking for money or payment, arranging a real-world meeting with a place and a
time (unless the persona allows it), sexual content, and anything about minors. French and
English, with the usual obfuscations ("06 12 34 56 78", "camille [at] gmail [dot] com",
"@camille_rando"). Pure functions: no I/O, no model; the composer decides what to do with a
verdict (regenerate once with `corrective_instruction`, then `safe_line`).

The rules favour false alarms over misses: a blocked reply costs one regeneration, a missed
one may cost a person their money or their safety.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum

__all__ = [
    "Reason",
    "addresses_persona",
    "check",
    "check_all",
    "corrective_instruction",
    "declares_minor",
    "instruction_pairs",
    "paraphrases",
    "safe_line",
]


class Reason(StrEnum):
    """Why a reply was blocked; the label of the guard's metric and log line."""

    PHONE = "phone"
    EMAIL = "email"
    URL = "url"
    SOCIAL = "social_handle"
    MONEY = "money"
    ADDRESS = "address"
    MEETING = "meeting"
    SEXUAL = "sexual"
    MINOR = "minor"
    SELF_HARM = "self_harm"
    MODERATION = "moderation"  # flagged by the optional moderation model


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


# --- contact details ---------------------------------------------------------------------
# Nine or more digits in one run of digits and separators ("06 12 34 56 78", "+33 6 12 34 56
# 78", "0612345678"); altitudes, years, times and prices have fewer.
_DIGIT_RUN = re.compile(r"(?:\+|\b00)?\d(?:[\s.\-/()]{0,3}\d){8,}")
_NUMBER_WORDS = (
    r"z[ée]ro|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|"
    r"quinze|seize|vingt|trente|quarante|cinquante|soixante|septante|octante|nonante|"
    r"zero|one|two|three|four|five|seven|eight|nine|ten"
)
_SPELLED_NUMBER = _rx(rf"\b(?:(?:{_NUMBER_WORDS}|\d{{1,2}})[\s,.\-]+){{6,}}(?:{_NUMBER_WORDS})\b")
_PHONE_TALK = _rx(
    r"""\b(?:mon|my|ton|your)\s+(?:num(?:[ée]ro)?|t[ée]l|phone\s+number|number|cell|06|07)\b
      | \b(?:textos?|sms|whatsapp|text|texte)[\s-]*(?:moi|me)\b
      | \b(?:appelle|appelles|call|ring|phone)[\s-]*(?:moi|me)\s+(?:au|at|on|sur)\b
      | \b(?:envoie|donne|file|passe|laisse|send|give)[\s-]*(?:moi|me)\s+(?:ton|your)\s+
        (?:num|06|07|t[ée]l|phone|number|mail|e-?mail|adresse|address)"""
)
_EMAIL = _rx(
    r"""[\w.+-]+\s*(?:@|\[\s*at\s*\]|\(\s*at\s*\)|\s(?:at|arobase)\s)\s*[\w-]+
        \s*(?:\.|\[\s*dot\s*\]|\(\s*dot\s*\)|\s(?:dot|point)\s)\s*[a-z]{2,}\b"""
)
_TLDS = r"com|fr|net|org|io|me|ly|gg|co|app|link|xyz|info|be|ch|ca|eu|biz|ru|tk|site|online|to"
_URL = _rx(
    rf"""\b(?:https?|ftp)://\S+ | \bwww\.\S+
      | \b[\w-]+(?:\.[\w-]+)*\.(?:{_TLDS})\b(?:/\S*)?
      | \b[\w-]+\s?(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\s(?:dot|point)\s)\s?(?:{_TLDS})\b"""
)
_HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,29})")
_PLATFORMS = (
    r"insta(?:gram)?|snap(?:chat)?|telegram|whats\s?app|tiktok|facebook|fb|messenger|"
    r"twitter|discord|kik|wechat|viber|skype|linkedin|onlyfans|mym|tinder|hinge|bumble|bluesky"
)
_SOCIAL = _rx(
    rf"""\b(?:mon|ma|my|ton|ta|your)\s+(?:compte\s+|account\s+|profil\s+|profile\s+)?
        (?:{_PLATFORMS})\b
      | \b(?:ajoute|ajouter|add|follow|suis|retrouve|rejoins|join|[ée]cris|écrire|contacte|
        dm|message|passe|passons|passer|continue|continuons|move|switch|talk|parler|chat|
        viens|come)[\w'-]*\b[^.!?\n]{{0,40}}\b(?:sur|on|via|par)\s+(?:{_PLATFORMS})\b
      | \b(?:{_PLATFORMS})\s*(?::|=|->|c'est|is)\s*@?[\w.]{{3,}}"""
)

# --- money -------------------------------------------------------------------------------
_PAYMENT = _rx(
    r"""\b(?:paypal|lydia|western\s+union|moneygram|iban|rib|bitcoins?|btc|crypto(?:s|monnaies?)?|
        usdt|ethereum|venmo|cash\s?app|revolut|paylib|wero|neosurf|transcash|
        cashlib|carte\s+cadeau|cartes\s+cadeaux|gift\s*cards?|coupons?\s+(?:pcs|neosurf)|
        mandat\s+cash|virement|wire\s+transfer|bank\s+transfer|num[ée]ro\s+de\s+carte|
        card\s+number|cagnotte|leetchi|gofundme)\b"""
)
_MONEY_REQUEST = _rx(
    r"""\b(?:envoie|envoies|envoyer|envoyez|pr[êe]te|pr[êe]ter|pr[êe]tes|avance|avancer|
        donne|donner|verse|verser|rembourse|paie|payer|paye|d[ée]panne|d[ée]panner|aide|aider|
        send|sending|lend|loan|wire|transfer|pay|give|spot|help|need|besoin|urgence|urgent)\b
        [^.!?\n]{0,50}
        (?:\bargent\b|\bfric\b|\bthunes?\b|\bpognon\b|€|\beuros?\b|\$|\bdollars?\b|\bmoney\b|
        \bcash\b|\bbucks\b|\d+\s?(?:€|\$|k€|euros?|dollars?|balles))"""
)

# --- postal address ----------------------------------------------------------------------
_ADDRESS = _rx(
    r"""\b\d{1,4}\s?(?:bis|ter)?,?\s+(?:rue|avenue|av\.|bd|boulevard|chemin|impasse|all[ée]e|
        route|quai|r[ée]sidence|street|st\.|road|rd\.|lane|drive)\b
      | \b(?:mon|my|ton|your)\s+adresse\b | \b(?:my|your)\s+(?:home\s+)?address\b
      | \b(?:j'habite|je\s+vis|i\s+live)\s+(?:au|at)\s+\d"""
)
_POSTCODE_CITY = re.compile(r"\b\d{5}\s+[A-ZÉÈ][a-zéèêàç]+(?:[\s-][A-ZÉÈ][a-zéèêàç]+)*\b")

# --- a real-world meeting with a place and a time ----------------------------------------
_MEET = _rx(
    r"""\b(?:rendez[\s-]vous|rdv|(?:se|te|nous|vous)\s+(?:voir|voit|rencontrer|retrouver|
        rejoindre)|on\s+se\s+(?:voit|retrouve|rejoint|capte)|(?:je|j')\s*(?:te|t')\s*(?:retrouve|
        rejoins|attends|attendrai)|retrouve[\s-]moi|rejoins[\s-]moi|me\s+rejoindre|
        viens\s+(?:me|chez|au|à|a)|passe\s+(?:me|chez)|
        meet\s+(?:you|me|up)|let'?s\s+meet|see\s+you\s+(?:at|on|tomorrow|tonight)|come\s+over|
        join\s+me|pick\s+you\s+up|wait\s+for\s+you|i'?ll\s+wait)\b"""
)
_WHEN = _rx(
    r"""\b\d{1,2}\s?h(?:\s?\d{2})?\b|\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(?:am|pm)\b|
        \b(?:demain|apr[èe]s-demain|ce\s+soir|cet\s+apr[èe]m|ce\s+matin|ce\s+week-?end|
        lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|midi|minuit|
        tomorrow|tonight|this\s+(?:evening|afternoon|morning|weekend)|monday|tuesday|
        wednesday|thursday|friday|saturday|sunday|noon|midnight)\b"""
)
_WHERE = _rx(
    r"""\b(?:chez\s+(?:moi|toi)|my\s+place|your\s+place|devant|en\s+face|au\s+(?:caf[ée]|bar|
        parking|resto|restaurant|d[ée]part|pied|sommet|refuge|col|lac)|[àa]\s+la\s+(?:gare|
        sortie|station|terrasse|place)|[àa]\s+l'(?:entr[ée]e|arr[êe]t|h[ôo]tel)|parking|gare|
        caf[ée]|bar|station|hotel|h[ôo]tel|at\s+the|outside|in\s+front\s+of)\b"""
)

# --- sexual content ----------------------------------------------------------------------
_SEXUAL = _rx(
    r"""\b(?:sexe|sexuel\w*|sex|sexting|sextape|porn(?:o|ographi\w*)?|nudes?|
        photos?\s+(?:de\s+toi\s+)?(?:nue?s?|coquines?|hot|osées?)|pics?\s+(?:nude|hot|naked)|
        naked|à\s+poil|bais(?:e|es|ez|ons|ent)|baiser\s+avec|(?<!-)niquer|(?<!-)nique|coucher\s+avec|
        faire\s+l'amour|plan\s+cul|fellation|sucer|branler|branlette|masturb\w*|orgasm\w*|
        (?:te|me|fais|faire)\s+jouir|[ée]jacul\w*|(?:ma|ta|sa)\s+(?:bite|queue|chatte)|
        seins?\s+nus|[ée]rection|horny|fuck\w*|dick|pussy|blow\s?job|handjob|cumming|
        make\s+love|have\s+sex|sleep\s+with\s+(?:me|you)|boobs?|nsfw|xxx|kinky|bdsm)\b"""
)

# --- minors ------------------------------------------------------------------------------
_MINOR_WORDS = _rx(
    r"""\b(?:mineur(?:e|es|s)?|minors?|underage|under\s+18|moins\s+de\s+18\s+ans|
        coll[ée]gien(?:ne)?s?|lyc[ée]en(?:ne)?s?|teen(?:ager)?s?|pre-?teens?|
        high\s?school(?:er)?|middle\s+school|p[ée]dophil\w*|loli|jailbait)\b"""
)
# An age under 18 said of someone ("j'ai 15 ans", "you're 16", "14 yo"), not a duration
# ("j'ai 10 ans d'expérience", "2 ans de plus").
_MINOR_AGE = _rx(
    r"""\b(?:j'ai|tu\s+as|t'as|t'a|elle\s+a|il\s+a|[âa]g[ée]e?\s+de|i'?m|i\s+am|you'?re|
        you\s+are|she'?s|he'?s|aged?)\s+(?:1[0-7]|[1-9])\s*
        (?:ans\b(?!\s*(?:de\b|d'|plus|que|qu'|d[ée]j[àa]))|yo\b|y/o|years?\s+old\b)
      | \b(?:1[0-7]|[1-9])\s*(?:yo|y/o)\b"""
)

_RULES: tuple[tuple[Reason, tuple[re.Pattern[str], ...]], ...] = (
    (Reason.PHONE, (_DIGIT_RUN, _SPELLED_NUMBER, _PHONE_TALK)),
    (Reason.EMAIL, (_EMAIL,)),
    (Reason.URL, (_URL,)),
    (Reason.SOCIAL, (_HANDLE, _SOCIAL)),
    (Reason.MONEY, (_PAYMENT, _MONEY_REQUEST)),
    (Reason.ADDRESS, (_ADDRESS, _POSTCODE_CITY)),
    (Reason.SEXUAL, (_SEXUAL,)),
    (Reason.MINOR, (_MINOR_WORDS, _MINOR_AGE)),
)


def _normalise(text: str) -> str:
    """NFKC (full-width digits, styled letters), typographic apostrophes, no zero-widths."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
    return re.sub(r"[\u200b-\u200d\u2060\ufeff\u00ad]", "", text)


def _arranges_meeting(text: str) -> bool:
    """A meeting with both a time and a place, in one sentence."""
    for sentence in re.split(r"(?<=[.!?\n])\s+", text):
        if _MEET.search(sentence) and _WHEN.search(sentence) and _WHERE.search(sentence):
            return True
    return False


def check(text: str, *, allow_meetings: bool = False) -> list[Reason]:
    """The reasons `text` must not be sent, in a fixed order; [] when it may be."""
    text = _normalise(text)
    found = [reason for reason, patterns in _RULES if any(p.search(text) for p in patterns)]
    if not allow_meetings and _arranges_meeting(text):
        found.append(Reason.MEETING)
    return sorted(found, key=list(Reason).index)


# A person saying they are a minor: narrower than `_MINOR_WORDS`, because a false alarm here
# ends the conversation ("j'enseigne au lycée" is no such statement).
_SAYS_MINOR = _rx(
    r"""\b(?:je\s+suis|j'suis|chuis|i'?m|i\s+am)\s+(?:encore\s+|still\s+|only\s+)?
        (?:mineur(?:e)?|a\s+minor|underage|au\s+(?:coll[èe]ge|lyc[ée]e)|
        en\s+(?:seconde|premi[èe]re|terminale|[3-6]e|[3-6][èe]me)|lyc[ée]en(?:ne)?|
        coll[ée]gien(?:ne)?|in\s+(?:high|middle)\s+school|a\s+teen(?:ager)?)\b"""
)


def declares_minor(text: str) -> bool:
    """Whether a person's message says that someone in the conversation is under 18."""
    text = _normalise(text)
    return bool(_MINOR_AGE.search(text) or _SAYS_MINOR.search(text))


def check_all(parts: Iterable[str], *, allow_meetings: bool = False) -> list[Reason]:
    """`check` over several parts, and over them joined (a number split across two parts)."""
    parts = list(parts)
    found: set[Reason] = set()
    for text in [*parts, " ".join(parts)]:
        found.update(check(text, allow_meetings=allow_meetings))
    return sorted(found, key=list(Reason).index)


_WHAT = {
    Reason.PHONE: "un numéro de téléphone",
    Reason.EMAIL: "une adresse e-mail",
    Reason.URL: "un lien",
    Reason.SOCIAL: "un compte de réseau social ou une autre messagerie",
    Reason.MONEY: "une question d'argent ou de paiement",
    Reason.ADDRESS: "une adresse postale",
    Reason.MEETING: "un rendez-vous avec un lieu et une heure",
    Reason.SEXUAL: "du contenu sexuel",
    Reason.MINOR: "quelque chose sur des mineurs",
    Reason.MODERATION: "un contenu que la modération refuse",
}


def corrective_instruction(reasons: Iterable[Reason]) -> str:
    """The system message sent with the one regeneration after a blocked reply."""
    what = ", ".join(_WHAT[r] for r in reasons) or "un contenu interdit"
    return (
        f"Ta réponse précédente n'a pas été envoyée : elle contenait {what}. Réécris-la sans "
        "aucun numéro, e-mail, lien, pseudo, adresse, argent, rendez-vous précis, contenu "
        "sexuel ni rien sur des mineurs. Reste dans ton personnage et garde un ton naturel."
    )


_SAFE = {
    "fr": {
        "contact": "Je préfère qu'on continue à discuter ici pour l'instant 🙂 Tu marches où ce "
        "week-end ?",
        "money": "Ah non, les histoires d'argent très peu pour moi 😅 Parle-moi plutôt de ta "
        "dernière rando !",
        "sexual": "On va rester sur la rando, si tu veux bien 🙂",
        "minor": "Je préfère ne pas parler de ça. Tu randonnes plutôt en montagne ou en forêt ?",
        "other": "Je préfère qu'on parle d'autre chose 🙂 Tu as une rando en vue ?",
    },
    "en": {
        "contact": "I'd rather we keep chatting here for now 🙂 Where are you hiking this weekend?",
        "money": "Oh no, I don't do money stuff 😅 Tell me about your last hike instead!",
        "sexual": "Let's keep it about hiking, if that's ok 🙂",
        "minor": "I'd rather not talk about that. Do you hike more in the mountains or forests?",
        "other": "I'd rather talk about something else 🙂 Any hike planned?",
    },
}


def safe_line(reasons: Iterable[Reason], language: str = "fr") -> str:
    """A short in-character line sent instead of a reply blocked twice."""
    found = set(reasons)
    lines = _SAFE.get(language[:2].lower(), _SAFE["fr"])
    if Reason.MINOR in found:
        return lines["minor"]
    if Reason.SEXUAL in found:
        return lines["sexual"]
    if Reason.MONEY in found:
        return lines["money"]
    if found == {Reason.MODERATION}:
        return lines["other"]
    return lines["contact"]


# --- paraphrased leaks of the instructions -------------------------------------------------
# Words that carry no content: two texts sharing "de la" or "tu es" share nothing.
_STOPWORD_TEXT = (
    "a à au aux avec ce ces c cela d de des du elle en et est es il je j l la le les leur lui "
    "ma me mes moi mon n ne ni nous on ou où par pas pour qu que qui sa se ses si son sur t ta "
    "te tes toi ton tu un une vous y ça the a an and are as at be by for from i in is it me my "
    "not of on or so that the this to was with you your do don t s ca"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_META = re.compile(
    r"\b(?:consignes?|instructions?|r[èe]gles?|prompt|programm\w*|on\s+m'a\s+dit|je\s+dois|"
    r"je\s+suis\s+cens[ée]e?|i\s+(?:was|am)\s+told|i'?m\s+supposed|rules?|guidelines?)\b",
    re.IGNORECASE,
)
LEAK_MIN_SHARED = 3  # content-word pairs shared with the instructions: a paraphrase
LEAK_MIN_SHARED_META = 2  # the same when the reply also talks about instructions


def _content_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", _normalise(text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return [w for w in re.findall(r"[a-z0-9]+", text) if w not in _STOPWORDS and len(w) > 1]


PAIR_SPAN = 3  # words apart at most: a paraphrase drops or adds a word here and there


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    """Unordered pairs of content words at most PAIR_SPAN apart."""
    return {
        (a, b) if a <= b else (b, a)
        for i, a in enumerate(words)
        for b in words[i + 1 : i + 1 + PAIR_SPAN]
        if a != b
    }


_ORDER = re.compile(
    r"\b(?:jamais|toujours|pas|sans|ni|r[ée]ponds|[ée]cris|utilise|[ée]vite|interdit|dois|"
    r"never|always|not|don't|without|must|avoid|use|write|answer|reply)\b",
    re.IGNORECASE,
)


def instruction_pairs(
    instructions: str, *, sayable: Iterable[str] = ()
) -> frozenset[tuple[str, str]]:
    """The content-word pairs of the sentences of `instructions` that give orders.

    Descriptive sentences ("tu adores le Vercors") are left out, and so are the pairs of the
    `sayable` texts (the disclosure lines): the persona may say those.
    """
    pairs: set[tuple[str, str]] = set()
    for sentence in re.split(r"(?<=[.!?…:;])\s+|\n+", _normalise(instructions)):
        pairs |= _order_pairs(sentence)
    for text in sayable:
        pairs -= _text_pairs(text)
    return frozenset(pairs)


# The persona's sentences and the sayable lines recur in every reply: their pairs are computed
# once each (bounded: a sentence of the memory or the date is new now and then).
@functools.lru_cache(maxsize=8192)
def _order_pairs(sentence: str) -> frozenset[tuple[str, str]]:
    return frozenset(_pairs(_content_words(sentence))) if _ORDER.search(sentence) else frozenset()


@functools.lru_cache(maxsize=1024)
def _text_pairs(text: str) -> frozenset[tuple[str, str]]:
    return frozenset(_pairs(_content_words(text)))


def paraphrases(text: str, pairs: frozenset[tuple[str, str]]) -> bool:
    """Whether `text` restates the instructions in other words (word-pair overlap).

    A literal echo is caught by `reply_text.leaks_instructions`; this catches "on m'a dit de
    faire des messages courts, sans mise en forme, de jamais parler de ces consignes" too:
    pairs of nearby content words (stop words removed, accents folded) that the reply
    shares with the instruction sentences. Describing the persona ("j'adore le Vercors") is
    not a leak: only sentences that give orders are passed in.
    """
    shared = len(_pairs(_content_words(text)) & pairs)
    if shared >= LEAK_MIN_SHARED:
        return True
    return shared >= LEAK_MIN_SHARED_META and _META.search(_normalise(text)) is not None


_ADDRESSED = r"\b(?:tu\s+es|tu\s+t'appelles|ton\s+pr[ée]nom\s+est|you\s+are|your\s+name\s+is)"


def addresses_persona(text: str, persona_name: str) -> bool:
    """Whether `text` speaks to the persona as its prompt does ("Tu es Camille, 29 ans…").

    The persona talks about itself in the first person; "tu es Camille" in its own reply is
    the prompt being recited.
    """
    name = re.escape(persona_name.strip())
    if not name:
        return False
    return re.search(rf"{_ADDRESSED}\s+{name}\b", _normalise(text), re.IGNORECASE) is not None
