"""The output guard: what a persona may not write to a person, whatever the model produced.

`check(text, context=...)` looks at one raw model reply (before any cleaning: brackets,
markdown and stage directions still in it) and returns the reasons it must not be sent. This
is the deterministic layer; a reviewing model judges meaning on top of it where one is
configured.

- Contact details, by structure and kept libraries (`contacts`): phone numbers
  (`phonenumbers`, numbers in words by `text2num`), e-mail addresses, links (the public suffix
  list bundled with `tldextract`, never fetched), social handles and the platforms people move
  to, after undoing obfuscation (`deobfuscate`: Unicode forms, keycap digits, letters for
  digits inside digit runs, separators, "[at]", "arobase", "point com"). The reply is checked
  together with the tail of `context`, the persona's own recent messages, so a number or a
  handle split over several messages is seen whole; only an item the new text contributes to
  counts, since one lying wholly in earlier messages was judged when they were sent. These
  rules aim at recall: a detail let through cannot be taken back.
- Meaning (money asked for, a meeting with a place and a time, sexual content, a minor in the
  conversation, a postal address): narrow rules for the unambiguous phrasings only, because
  the words involved are everyday words ("300 €", "samedi 14h au parking", "sa queue", "minor
  blister", "j'ai 29 ans") and the reviewing model is there for the rest. When in doubt these
  rules let the reply through.

Pure functions: no I/O, no model; the composer decides what to do with a verdict (regenerate
once with `corrective_instruction`, then `safe_line`).
"""

from __future__ import annotations

import collections
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from enum import StrEnum

from randomatch_bot.conversation.words import contacts
from randomatch_bot.conversation.words.deobfuscate import normalise

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


_normalise = normalise

# --- money: asked for or sent, not a price mentioned ----------------------------------------
# (An amount starts where a number starts, so that a long run of digits is read once.)
_AMOUNT = r"""(?:(?<![\d.,])(?<!\d\s)\d[\d\s.,]*+\s?
    (?:€|\$|£|k€|euros?|eur\b|dollars?|balles|bucks|pounds?)|[€$£]\s?\d[\d.,]*)"""
_PAY_APPS = r"(?:lydia|paypal|venmo|cash\s?app|zelle|revolut|wero|paylib|western\s+union)"
_MONEY_WORD = rf"""(?:\bargent\b|\bfric\b|\bthunes?\b|\bpognon\b|\bmoney\b|\bcash\b|\bfunds\b|
    {_AMOUNT}|\b(?:sur|on|via|by|par)\s+{_PAY_APPS}\b)"""
_GIFT_CARD = r"""(?:cartes?\s+(?:cadeaux?|google\s+play|steam|itunes|amazon|apple|pcs|neosurf|
    transcash|paysafe)|(?:google\s+play|steam|itunes|amazon|apple|visa)\s+(?:gift\s+)?cards?|
    gift\s*cards?|coupons?\s+(?:pcs|neosurf|transcash))"""
_MONEY_REQUEST = _rx(
    rf"""\b(?:m'|me\s+)(?:envoyer|envoies?|pr[êe]ter|pr[êe]tes?|avancer|avances?|virer|vires?|
        verser|verses?|d[ée]panner|d[ée]pannes?|faire\s+un\s+virement|faire\s+un\s+pr[êe]t|
        rembourser|payer|offrir)\b[^.!?\n]{{0,40}}?{_MONEY_WORD}
      | \b(?:envoie|pr[êe]te|avance|vire|verse|d[ée]panne|file|donne)[\s-]+moi\b
        [^.!?\n]{{0,40}}?{_MONEY_WORD}
      | \b(?:send|lend|loan|wire|transfer|give|spot|venmo|paypal)\s+me\b
        [^.!?\n]{{0,40}}?{_MONEY_WORD}
      | \b(?:could|can|would)\s+you\s+(?:send|lend|loan|wire|transfer|spot|cover)\b
        [^.!?\n]{{0,40}}?{_MONEY_WORD}
      | \b(?:fais|faire|make|send)[\s-]*(?:moi\s+|me\s+)?(?:un|une|a)\s+(?:virement|transfert|
        mandat|wire\s+transfer|bank\s+transfer)\b
      | \b(?:venmo|cash\s?app|paypal|zelle|revolut)\s+me\b
      | \b(?:besoin|need|il\s+me\s+faut|envoie|envoies|envoyer|send|ach[èe]te|acheter|buy|
        get\s+me|prends|m'envoies|m'envoyer)\b[^.!?\n]{{0,30}}?\b{_GIFT_CARD}"""
)
# A sum asked for with a promise to pay it back or a plea for help: "89 €, tu me l'avances ?",
# "short £150, could you help me out?" (not "aide-moi à choisir une tente à 300 €").
_PAY_BACK = _rx(
    r"""\b(?:tu\s+me\s+l'avances|tu\s+me\s+les\s+avances|je\s+te\s+(?:le\s+|les\s+)?(?:rends|
        rembourse)|i'?ll\s+pay\s+you\s+back|pay\s+you\s+back|help\s+me\s+out|
        m'aider(?!\s+[àa]\b)|aider\s*\?|me\s+d[ée]panner|d[ée]panne[\s-]moi|
        (?:could|can|would)\s+you\s+help(?!\s+me\s+(?:choose|pick|find|decide)))"""
)
# A need stated, then help asked: "j'ai besoin de 300 € … tu peux m'aider ?".
_MONEY_NEED = _rx(
    rf"""\b(?:besoin\s+(?:d'|de\s+l'|de\s+)?(?:argent|fric|thunes|{_AMOUNT})|
        need\s+(?:some\s+)?(?:money|cash|{_AMOUNT})|short\s+on\s+(?:money|cash)|
        gal[èe]re\s+(?:d'argent|financi[èe]re))"""
)
_HELP_ASKED = _rx(
    r"""\b(?:m'aider|aide[\s-]moi|me\s+d[ée]panner|d[ée]panne[\s-]moi|tu\s+(?:peux|pourrais)|
        vous\s+pourriez|help\s+me|could\s+you|can\s+you|would\s+you|me\s+pr[êe]ter|lend\s+me)"""
)
# Naming where to send money: "mon IBAN", "my PayPal", "achète-moi une carte cadeau".
_PAYMENT_CHANNEL = _rx(
    r"""\b(?:mon|my|ton|your|sur\s+mon|to\s+my)\s+(?:iban|rib|paypal|lydia|revolut|venmo|
        cash\s?app|wero|paylib|num[ée]ro\s+de\s+carte|card\s+number|(?:crypto|bitcoin|btc)\s+
        (?:wallet|address)|adresse\s+(?:bitcoin|btc|crypto)|coordonn[ée]es\s+bancaires|
        bank\s+details)\b
      | \b(?:western\s+union|moneygram|neosurf|transcash|pcs\s+mastercard|mandat\s+cash|
        (?:coupons?|recharges?|tickets?)\s+(?:pcs|neosurf|transcash|paysafe(?:card)?)|
        paysafecard)\b
      | \b(?:ach[èe]te|ach[èe]tes|acheter|buy|get|send|envoie|envoyer|prends)[\s-]*(?:moi|me)\s+
        [^.!?\n]{0,20}?\b(?:cartes?\s+cadeaux?|gift\s*cards?|steam\s+cards?|itunes\s+cards?)"""
)
_INVEST = _rx(
    r"""\b(?:crypto\w*|bitcoins?|btc|forex|trading|trader|binance|usdt|plateforme\s+
        d'investissement|investment\s+platform|crypto\s+platform)\b[^\n]{0,80}?
        \b(?:je\s+te\s+montre|je\s+peux\s+t'|je\s+t'explique|t'apprendre|d[ée]poser|
        get\s+you\s+in|show\s+you|teach\s+you|rapporte\s+\d+\s*%|doubling\s+(?:your\s+)?
        deposits?|doubles?\s+(?:your|ta|ton|tes|la)\s+\w+|returns?\s+of\s+\d)
      | \b(?:tu\s+devrais|you\s+should|je\s+peux\s+t'|i\s+can\s+(?:show|teach|help)\s+you|
        invest\s+with\s+me|investir\s+avec\s+moi)\b[^.!?\n]{0,40}?
        \b(?:crypto\w*|bitcoins?|btc|forex|trading|usdt|plateforme\s+d'investissement)\b"""
)

# --- postal address --------------------------------------------------------------------------
_STREET = (
    r"(?:rue|avenue|av\.|bd|boulevard|chemin|impasse|all[ée]e|route|quai|place|r[ée]sidence|"
    r"lotissement|square|cours|faubourg|lieu-dit)"
)
_ADDRESS = re.compile(
    rf"""\b\d{{1,4}}\s?(?:bis|ter)?,?\s+{_STREET}\s+(?:de\s+la\s+|de\s+l'|du\s+|des\s+|de\s+|d')?
        [A-ZÉÈÀ][\w'-]+
      | \b\d{{1,5}}\s+(?:[A-Z][a-z]+\s+){{1,3}}(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Drive|Dr|
        Boulevard|Blvd|Close|Court|Way|Crescent|Terrace)\b
      | \b(?:j'habite|je\s+vis|je\s+loge|i\s+live)\s+(?:au|at)\s+\d""",
    re.VERBOSE,
)
# "38000 Grenoble": a French postcode (department, three digits) and a capitalised name.
_POSTCODE_CITY = re.compile(
    r"(?<![\d\s.,])\s?\b(?:0[1-9]|[1-8]\d|9[0-5]|97)\d{3}\s+[A-ZÉÈ][a-zéèêàç]+"
    r"(?:[\s-][A-ZÉÈ]?[a-zéèêàç]+)*\b"
)
_ADDRESS_ASKED = _rx(
    r"""\b(?:donne|envoie|file|passe|give|send|text)[\s-]*(?:moi|me)\s+(?:ton|ta|your)\s+
        (?:adresse|address)\b(?!\s*(?:mail|e-?mail))
      | \b(?:c'est\s+quoi|quelle\s+est|what'?s)\s+(?:ton|ta|your)\s+
        (?:adresse|address|home\s+address)\b(?!\s*(?:mail|e-?mail))
      | \b(?:mon|my)\s+(?:adresse|address|home\s+address)\s*(?::|c'est|is)\s*\d"""
)

# --- a real-world meeting with a place and a time --------------------------------------------
_MEET = _rx(
    r"""\b(?:rendez[\s-]vous|rdv|on\s+se\s+(?:voit|retrouve|rejoint|capte|donne\s+rendez)|
        (?:je|j')\s*(?:te|t')\s*(?:retrouve|rejoins|attends|attendrai|r[ée]cup[èe]re)|
        retrouve[\s-]moi|rejoins[\s-]moi|me\s+rejoindre|viens\s+(?:me|chez)|
        passe\s+(?:me|chez\s+moi)|let'?s\s+meet|meet\s+(?:me|you|up)|
        see\s+you\s+(?:at|on|tomorrow|tonight|saturday|sunday)|come\s+over|join\s+me|
        pick\s+you\s+up|wait\s+for\s+you|i'?ll\s+wait)\b"""
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
        parking|resto|restaurant|d[ée]part|pied|sommet|refuge|col|lac|m[ée]tro|coin)|
        [àa]\s+la\s+(?:gare|sortie|station|terrasse|place|fontaine)|[àa]\s+l'(?:entr[ée]e|
        arr[êe]t|h[ôo]tel|office)|parking|gare|caf[ée]|bar|station|h[ôo]tel|
        at\s+the\s+(?:station|car\s*park|parking|trailhead|caf[ée]|bar|pub|hotel|entrance|
        bus\s+stop|summit|hut)|outside|in\s+front\s+of)\b"""
)

# --- sexual content --------------------------------------------------------------------------
_SEXUAL = _rx(
    r"""\b(?:sexting|sextape|sexcam|nudes?|nude\s+(?:pics?|photos?)|
        photos?\s+(?:de\s+toi\s+|de\s+moi\s+)?(?:nue?s?|coquines?|os[ée]es?|sexy|hot)\b|
        (?:hot|naked|sexy|spicy|dirty)\s+(?:pics?|photos?|selfies?)|
        naked(?!\s+eye)|[àa]\s+poil(?!\s+(?:long|court|ras|dur|lisse))|
        bais(?:e|es|ez|ons|ent)[\s-]+(?:moi|toi)|je\s+(?:te|vais\s+te)\s+baiser|baiser\s+avec|
        (?<!-)niquer|coucher\s+avec\s+(?:toi|moi)|faire\s+l'amour|plan\s+cul|fellation|
        cunnilingus|(?:te|me)\s+sucer|branlette|masturb\w*|orgasm\w*|(?:te|me)\s+faire\s+jouir|
        [ée]jacul\w*|(?:ma|ta)\s+(?:bite|chatte)|je\s+bande|tu\s+me\s+fais\s+bander|
        seins\s+nus|faire\s+du\s+sexe|sexe\s+(?:avec|ensemble)|porno?\b|pornograph\w*|
        horny|blow\s?job|hand\s?job|pussy|(?:my|your)\s+(?:dick|cock)|make\s+love|
        have\s+sex|sex\s+with|sleep\s+with\s+(?:me|you)|in\s+bed\s+with\s+(?:me|you)|
        nsfw|xxx|onlyfans|sext(?:o|os|er|ing|ed|s)?\b|tu\s+m'excites|you\s+turn\s+me\s+on|
        j'ai\s+envie\s+de\s+toi|(?:me|te)\s+d[ée]shabiller|undress\w*\s+(?:me|you)|
        (?:je\s+dors|je\s+suis|je\s+porte|photo\s+de\s+(?:moi|toi))\s+(?:rien|sans\s+rien)|
        je\s+(?:ne\s+)?porte\s+rien\s+sous|with\s+nothing\s+on|
        photo\s+de\s+(?:moi|toi)\s+(?:sans\s+rien|en\s+sous-v[êe]tements|en\s+lingerie)|
        (?:d[ée]cris|raconte|dis)[\s-]*moi\s+ce\s+que\s+tu\s+me\s+ferais(?!\s+[àa]\s+manger)|
        what\s+you'?d\s+do\s+to\s+me|
        (?:tes|your)\s+mains\s+sur\s+moi|your\s+hands\s+on\s+me)"""
)

# --- minors: someone in the conversation under 18 --------------------------------------------
# First or second person only: "ma fille a 15 ans" is a parent talking.
_MINOR_AGE = _rx(
    r"""\b(?:j'ai|tu\s+as|t'as|t'a|as-tu|j'ai\s+que|j'ai\s+seulement|tu\s+n'as\s+que|
        i'?m|i\s+am|you'?re|you\s+are|are\s+you|je\s+suis\s+[âa]g[ée]e?\s+de)\s+
        (?:only\s+|just\s+|seulement\s+|que\s+)?(?:1[0-7]|[1-9])\s*
        (?:ans\b(?!\s*(?:de\b|d'|plus|que|qu'|d[ée]j[àa]|apr[èe]s|avant|ensemble))|yo\b|y/o|
        years?\s+old\b)"""
)
# A bare age after "I'm" / "you're" ("I'm 16, I lied"), an age just reached, not yet 18.
_MINOR_BARE = _rx(
    r"""\b(?:i'?m|i\s+am|you'?re|you\s+are|are\s+you|j'ai\s+eu|je\s+viens\s+d'avoir|
        i\s+(?:just\s+)?turned)\s+(?:only\s+|just\s+|que\s+)?
        (?:1[0-7]|[1-9])\b(?:\s*(?:ans\b|years?\b))?(?=\s*(?:[?!,.;)]|$|and\b|et\b|ans\b|years?\b|
        btw|lol|haha|😬|😅|😉))
      | \b(?:j'en\s+ai|t'en\s+as|tu\s+en\s+as)\s+(?:que\s+)?(?:1[0-7]|[1-9])\s+ans\b
      | \b(?:i'?m|i\s+am|you'?re|you\s+are)\s+not\s+18\s+yet\b
      | \b(?:je\s+n'ai|j'ai|t'as|tu\s+n'as)\s+pas\s+encore\s+18\s+ans\b
      | \b(?:1[0-7])\s*(?:ans|years?(?:\s+old)?|yo)\b[^\n]{0,60}?(?:l'[âa]ge\s+c'est\s+qu'?un\s+
        chiffre|age\s+is\s+just\s+a\s+number|personne\s+(?:ne\s+)?(?:le\s+)?saura|
        nobody\s+(?:has\s+to|needs\s+to|will)\s+know)"""
)
_MINOR_SAID = _rx(
    r"""\b(?:je\s+suis|j'suis|chuis|tu\s+es|t'es|i'?m|i\s+am|you'?re|you\s+are|are\s+you|
        es-tu)\s+(?:encore\s+|still\s+|only\s+|juste\s+)?(?:mineure?s?|a\s+minor|underage|
        au\s+(?:coll[èe]ge|lyc[ée]e)|en\s+(?:seconde|premi[èe]re|terminale|[3-6]e|[3-6][èe]me)
        (?!\s+(?:ligne|classe|page|position|partie|place|main|vue|fois|heure|mi-temps|[ée]tape|
        ann[ée]e\s+de\s+(?:fac|licence|master|m[ée]decine)|de\s+cord[ée]e))|
        lyc[ée]enne?|coll[ée]gienne?|in\s+(?:high|middle)\s+school|
        a\s+(?:teen(?:ager)?|high\s*schooler))\b
      | \b(?:p[ée]dophil\w*|p[ée]docriminel\w*|jailbait|lolicon|child\s+porn)"""
)

_MEANING: tuple[tuple[Reason, tuple[re.Pattern[str], ...]], ...] = (
    (Reason.ADDRESS, (_ADDRESS, _POSTCODE_CITY, _ADDRESS_ASKED)),
    (Reason.SEXUAL, (_SEXUAL,)),
    (Reason.MINOR, (_MINOR_AGE, _MINOR_BARE, _MINOR_SAID)),
)
_CONTACT_REASONS = {
    "phone": Reason.PHONE,
    "email": Reason.EMAIL,
    "url": Reason.URL,
    "social_handle": Reason.SOCIAL,
}
CONTEXT_MESSAGES = 3  # the persona's last messages read together with a reply
CONTEXT_CHARS = 240  # of their end, at most


def _arranges_meeting(text: str) -> bool:
    """A meeting with both a time and a place, in one sentence."""
    for sentence in re.split(r"(?<=[.!?\n])\s+", text):
        if _MEET.search(sentence) and _WHEN.search(sentence) and _WHERE.search(sentence):
            return True
    return False


def _asks_for_money(text: str) -> bool:
    """Money asked for or a way to send it named; a price mentioned is not."""
    if any(p.search(text) for p in (_MONEY_REQUEST, _PAYMENT_CHANNEL, _INVEST)):
        return True
    if _MONEY_NEED.search(text) and _HELP_ASKED.search(text):
        return True
    return bool(re.search(_AMOUNT, text, re.VERBOSE | re.IGNORECASE) and _PAY_BACK.search(text))


def _new_contacts(text: str, context: Sequence[str]) -> list[contacts.Contact]:
    """The contact details `text` contributes to, read after the tail of `context`.

    An item found in the tail joined with `text` and not in the tail alone was completed (or
    written) by `text`; one the tail already held is not counted again.
    """
    recent = [message.strip() for message in context[-CONTEXT_MESSAGES:] if message.strip()]
    tail = " ".join(recent)[-CONTEXT_CHARS:]
    own = contacts.find(text)
    if not tail:
        return own
    joined = collections.Counter(contacts.find(f"{tail} {text}"))
    joined.subtract(collections.Counter(contacts.find(tail)))
    return [*own, *(item for item, count in joined.items() if count > 0 and item not in own)]


def check(text: str, *, allow_meetings: bool = False, context: Sequence[str] = ()) -> list[Reason]:
    """The reasons raw reply `text` must not be sent, in a fixed order; [] when it may be.

    `context` is the persona's own recent messages in the conversation, oldest first: a contact
    detail split between them and `text` is caught, one wholly in them is not counted again.
    """
    found = {_CONTACT_REASONS[item.kind] for item in _new_contacts(text, context)}
    plain = normalise(text)
    found.update(reason for reason, rules in _MEANING if any(r.search(plain) for r in rules))
    if _asks_for_money(plain):
        found.add(Reason.MONEY)
    if not allow_meetings and _arranges_meeting(plain):
        found.add(Reason.MEETING)
    return sorted(found, key=list(Reason).index)


# A person saying they are a minor (kept as it is until `declares_minor` is replaced).
_SAYS_MINOR = _rx(
    r"""\b(?:je\s+suis|j'suis|chuis|i'?m|i\s+am)\s+(?:encore\s+|still\s+|only\s+)?
        (?:mineur(?:e)?|a\s+minor|underage|au\s+(?:coll[èe]ge|lyc[ée]e)|
        en\s+(?:seconde|premi[èe]re|terminale|[3-6]e|[3-6][èe]me)|lyc[ée]en(?:ne)?|
        coll[ée]gien(?:ne)?|in\s+(?:high|middle)\s+school|a\s+teen(?:ager)?)\b"""
)
_DECLARED_AGE = _rx(
    r"""\b(?:j'ai|tu\s+as|t'as|t'a|elle\s+a|il\s+a|[âa]g[ée]e?\s+de|i'?m|i\s+am|you'?re|
        you\s+are|she'?s|he'?s|aged?)\s+(?:1[0-7]|[1-9])\s*
        (?:ans\b(?!\s*(?:de\b|d'|plus|que|qu'|d[ée]j[àa]))|yo\b|y/o|years?\s+old\b)
      | \b(?:1[0-7]|[1-9])\s*(?:yo|y/o)\b"""
)


def declares_minor(text: str) -> bool:
    """Whether a person's message says that someone in the conversation is under 18."""
    text = _normalise(text)
    return bool(_DECLARED_AGE.search(text) or _SAYS_MINOR.search(text))


def check_all(
    parts: Iterable[str], *, allow_meetings: bool = False, context: Sequence[str] = ()
) -> list[Reason]:
    """`check` over parts sent one after the other, each read after the ones before it."""
    earlier = list(context)
    found: set[Reason] = set()
    for part in parts:
        found.update(check(part, allow_meetings=allow_meetings, context=earlier))
        earlier.append(part)
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
