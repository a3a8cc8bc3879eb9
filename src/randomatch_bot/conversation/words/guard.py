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
  conversation, a postal address, self-harm encouraged): narrow, high-precision structures
  only, because the words involved are everyday words ("300 €", "samedi 14h au parking", "sa
  queue", "minor blister", "j'ai 29 ans", "don't kill yourself on that climb") and the
  reviewing model is there for the rest. They read numbers in words as digits too. When in
  doubt these rules let the reply through.

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
from randomatch_bot.conversation.words.deobfuscate import digits_view, normalise

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
    (?:€|\$|£|k€|euros?|eur\b|dollars?|balles|bucks|pounds?|quid|boules)|[€$£]\s?\d[\d.,]*)"""
_PAY_APPS = r"(?:lydia|paypal|venmo|cash\s?app|zelle|revolut|wero|paylib|western\s+union)"
_MONEY_WORD = rf"""(?:\bargent\b|\bfric\b|\bthunes?\b|\bpognon\b|\bmoney\b|\bcash\b|\bfunds\b|
    {_AMOUNT}|\b(?:sur|on|via|by|par)\s+{_PAY_APPS}\b)"""
_GIFT_CARD = r"""(?:cartes?\s+(?:cadeaux?|google\s+play|steam|itunes|amazon|apple|pcs|neosurf|
    transcash|paysafe)|(?:google\s+play|steam|itunes|amazon|apple|visa)\s+(?:gift\s+)?cards?|
    gift\s*cards?|coupons?\s+(?:pcs|neosurf|transcash))"""
_MONEY_REQUEST = _rx(
    rf"""\b(?:m'|me\s+)(?:envoyer|envoies?|enverr\w*|pr[êe]t(?:er|es?|erais|erait|eras|erez)|
        avanc(?:er|es?|erais|erait|eras)|vir(?:er|es?|erais|erait|eras)|
        vers(?:er|es?|erais|erait)|d[ée]pann(?:er|es?|erais|erait)|faire\s+un\s+virement|
        faire\s+un\s+pr[êe]t|rembourser|payer|offrir)\b[^.!?\n]{{0,40}}?{_MONEY_WORD}
      | {_AMOUNT}[^.!?\n]{{0,20}}?\b(?:[àa]\s+me\s+(?:pr[êe]ter|avancer|donner|filer|envoyer)|
        to\s+(?:lend|spare|send|loan)\s+me|to\s+spare)
      | \b(?:t'aurais|tu\s+aurais|vous\s+auriez|could\s+you\s+spare|can\s+you\s+spare|
        have\s+you\s+got)\s+(?:pas\s+)?(?:un\s+peu\s+de\s+)?{_AMOUNT}
      | \b(?:lend|loan|wire|venmo|zelle|cash\s?app|paypal)\s+me\s+(?:\$|£|€)?\d
      | \b(?:mets|met|verse|vire|d[ée]pose|put|deposit|transfer)\s+{_AMOUNT}\s+
        (?:sur|on|in|into|to)\s+(?:mon|my)\s+(?:compte|account|{_PAY_APPS}|iban|rib|card|carte)
      | \b(?:tu\s+(?:me\s+|m'|pourrais\s+me\s+|peux\s+me\s+)|vous\s+(?:me|pourriez\s+me))
        (?:faire|fais|ferais|feras)\s+(?:un|une)\s+(?:petit\s+)?(?:virement|transfert|ch[èe]que|
        {_PAY_APPS})\b
      | \b(?:fais|faire|make|send)[\s-]*(?:moi\s+|me\s+)?(?:un|une|a)\s+(?:petit\s+)?
        {_PAY_APPS}\b
      | \b(?:tu\s+(?:me\s+)?(?:paies|payes|paierais|payerais|avances|r[èe]gles)|
        (?:could|can|would)\s+you\s+(?:pay|cover)(?:\s+for)?)\s+(?:le|la|les|mon|ma|mes|my|the)\s+
        (?:billet|train|avion|loyer|facture|essence|r[ée]paration|caution|ticket|flight|rent|bill|
        fare|deposit|repair)s?\b[^\n]{{0,40}}?{_AMOUNT}
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
        me\s+sauverait|m'aiderait|would\s+(?:save|help)\s+me|
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
# A street named, then its number ("rue des Lilas à Chambéry, au 12, deuxième étage", "on Maple
# Street, number 12"), often over two messages; not a date ("place du marché au 14 juillet") or
# a distance ("route du col au 15 km").
_MONTHS = (
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|"
    r"d[ée]cembre|january|february|march|april|may|june|july|august|september|october|"
    r"november|december"
)
_ADDRESS_NUMBER_AFTER = re.compile(
    rf"""(?:\b(?i:{_STREET})\s+(?i:de\s+la\s+|de\s+l'|du\s+|des\s+|de\s+|d')?[A-ZÉÈÀ][\w'-]+
        |\b(?:[A-Z][a-z]+\s+){{1,3}}(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Drive|Dr|Boulevard|
        Blvd|Close|Court|Way|Crescent|Terrace|Grove|Place)\b)
        [^.!?\n]{{0,50}}?(?i:\bau|\bnumber|\bnum[ée]ro|\bn°|\bno\.|\bat\s+number|\#)\s*
        \d{{1,4}}(?:\s?(?i:bis|ter))?\b
        (?!\s*(?i:h\b|h\d|km|m\b|min|mn|ans|€|%|[:.]\d|[èe]me|e\b|er\b|{_MONTHS}))""",
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

# A meeting proposed in other words: an invitation between the two of them, a concrete day or
# time, and a named venue or an address ("on prend un verre jeudi à 19h au Bistrot des Halles",
# "how about coffee Thursday at 10, the place by the station?"), or the terse form, a day and a
# time straight before a venue ("vendredi 19h au bar Le Mazot"). "2 bar" of pressure, "une pub"
# for boots, a day and a place of the persona's own plans ("samedi je vais au lac") are not.
_VENUE = r"""(?:(?<!\d\s)(?<!\d)bar|caf[ée]|coffee\s+shop|resto|restaurant|brasserie|bistrot?|
    (?<!une\s)(?<!la\s)(?<!a\s)pub|taverne|cr[êe]perie|pizzeria|salon\s+de\s+th[ée]|tea\s*room|
    gare|station|parking|car\s*park|arr[êe]t\s+de\s+bus|bus\s+stop|mairie|[ée]glise|fontaine|
    office\s+de\s+tourisme|visitor\s+cent(?:re|er)|h[ôo]tel|cin[ée]ma|cinema|mus[ée]e|museum|
    march[ée]|market|trailhead|entr[ée]e|sortie|statue)"""
_NAMED = r"(?-i:[A-Z])[\w'-]+(?:\s+(?:de\s+la|des|du|de|d'|of\s+the|of)?\s*(?-i:[A-Z])[\w'-]+)*"
_WHERE_NAMED = _rx(
    rf"""\b(?:au|aux|[àa]\s+la|[àa]\s+l'|at\s+the|at|devant\s+(?:le|la|l')?|
        en\s+face\s+d[eu]\s*(?:la\s+|l')?|in\s+front\s+of\s+(?:the\s+)?|outside\s+(?:the\s+)?|by\s+the|next\s+to\s+(?:the\s+)?|
        [àa]\s+c[ôo]t[ée]\s+d[eu]\s*(?:la\s+|l')?|pr[èe]s\s+d[eu]\s*(?:la\s+|l')?|the|chez)\s*
        (?:{_VENUE}\b|{_NAMED})
      | \b{_VENUE}\s+(?:{_NAMED}|(?:de\s+la|du|des|de|d')\s*{_NAMED})
      | \b{_NAMED}\s+(?:pub|bar|caf[ée]|inn|hotel|station|tavern)\b
      | \bchez\s+(?:moi|toi) | \bat\s+(?:mine|yours|my\s+place|your\s+place)\b
      | \b[àa]\s+(?!(?-i:[A-Z])\w*\s+(?:heures?|h)\b){_NAMED}
      | \b(?:at|au|[àa])\s+(?:the\s+|la\s+|l')?(?:top|foot|bottom|summit|sommet|pied|bout|
        entr[ée]e)\s+(?:of|du|de|de\s+la|des|d')\s*(?:the\s+|la\s+|l')?\w*\s*{_NAMED}
      | \b\d{{1,4}},?\s+(?:rue|avenue|bd|boulevard|place|quai|chemin|route)\s"""
)
_WHEN_CONCRETE = _rx(
    r"""\b\d{1,2}\s?h(?:\s?\d{2})?\b|\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(?:am|pm)\b|
        \b(?:at|vers|à|a|around|about)\s+\d{1,2}\b(?!\s*(?:km|m\b|%|€|ans|years|miles|min|mn|
        minutes?|mins?|h\b|heures?|hours?|jours?|days?|kilos?|kg))|
        \b\d{1,2}\s+heures?\b|
        \ble\s+(?:[1-9]|[12]\d|3[01])(?:er)?\b(?=\s*(?:[,;?!]|janvier|f[ée]vrier|mars|avril|mai|
        juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre))|
        \b(?:demain|apr[èe]s-demain|ce\s+soir|ce\s+midi|cet\s+apr[èe]m|cet\s+apr[èe]s-midi|
        ce\s+matin|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|midi|maintenant|
        tout\s+de\s+suite|tomorrow|tonight|this\s+(?:evening|afternoon|morning)|monday|tuesday|
        wednesday|thursday|friday|saturday|sunday|noon|right\s+now|sunrise|sunset|
        au\s+lever\s+du\s+soleil|au\s+coucher\s+du\s+soleil)\b"""
)
_INVITE = _rx(
    r"""\b(?:on\s+se\s+(?:voit|retrouve|rejoint|capte|fait|donne)|se\s+voir|se\s+retrouver|
        on\s+pourrait|on\s+peut|on\s+(?:prend|boit|mange|fait|va)\b[^.!?\n]*\?|
        (?:prendre|boire|prend|boit)\s+un\s+(?:verre|caf[ée]|pot|coup|godet)|
        tu\s+(?:viens|passes|peux\s+passer|veux\s+venir|es\s+dispo|serais\s+dispo|me\s+rejoins)
        (?!\s+(?:de|d')\b)|
        [çc]a\s+te\s+(?:dit|tente|va)|premier\s+date|(?:notre\s+)?(?:date|rencard|rencart)\b|
        rendez[\s-]vous|rdv|ensemble|toi\s+et\s+moi|je\s+passe\s+te|
        let'?s|shall\s+we|how\s+about|what\s+about|fancy|wanna|want\s+to\s+(?:grab|get|meet)|
        come\s+(?:find|meet|join|by|over|and)|pick\s+me\s+up|meet\s+(?:you|me)|together|
        we\s+(?:could|can|should)\s+(?:meet|grab|get|have)|are\s+you\s+free|you\s+free|
        grab\s+(?:a|some)\s+(?:coffee|drink|beer|bite|pint)|
        see\s+you\s+(?:(?:tomorrow|tonight|\w+day)\s+)?(?:at|on)\s+(?:the\s+)?\w|
        [àa]\s+(?:demain|ce\s+soir|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s*,?\s*
        (?:[àa]\s+|vers\s+)?\d)"""
)
_SOCIAL_VENUE = r"""(?:(?<!\d\s)(?<!\d)bar|caf[ée]|coffee\s+shop|resto|restaurant|brasserie|
    bistrot?|pub|taverne|cr[êe]perie|pizzeria|salon\s+de\s+th[ée]|tea\s*room|cin[ée]ma|cinema)"""
_TERSE_MEETING = _rx(
    rf"""(?:^|[:!?,\n]\s*|\bdate\s*:?\s*)
        (?:demain|ce\s+soir|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|tomorrow|tonight|
        monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s*,?\s*(?:[àa]\s+|at\s+)?
        (?:\d{{1,2}}\s?h(?:\s?\d{{2}})?|\d{{1,2}}[:.]\d{{2}}|\d{{1,2}}\s?(?:am|pm))\s*,?\s*
        (?:(?:au|aux|[àa]\s+la|[àa]\s+l'|at\s+the|at|the|chez|devant)\s*(?:{_SOCIAL_VENUE}\b|{_NAMED}|
        moi\b|toi\b)|(?:au|aux|[àa]\s+la|[àa]\s+l'|at\s+the|at|devant|outside|in\s+front\s+of)\s
        [^.!?\n]{{0,40}}\?)"""
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
        [ée]jacul\w*|(?:ma|ta)\s+bite|je\s+bande|tu\s+me\s+fais\s+bander|
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

# A proposition in verbs and body words, French and English slang: a sexual act with "te",
# "you" or "on"; an ambiguous body word ("queue", "chatte", "cul", "ass") only as the object of
# a sensual verb or of a photo ("sa queue remue", "la queue au refuge", "ma chatte dort", "a bite
# of your sandwich", "my ass is sore" are not).
_BODY = r"""(?:bite|teub|chibre|zizi|queue|foufoune|cul|fesses|seins|nichons|t[ée]tons|sexe|
    dick|cock|pussy|tits|boobs|ass|butt|nipples|balls|breasts)"""
_SEX_ACT = _rx(
    rf"""\b(?:te|t'|me|m'|vous)\s*(?:baiser|baise|sucer|suce|l[ée]cher|l[èe]che|chevaucher|
        doigter|branler|p[ée]n[ée]trer|enculer|sodomiser|pren(?:dre|nes?)\s+(?:par\s+derri[èe]re|
        sauvagement|contre\s+(?:un|le|la)\s+\w+)|faire\s+(?:mouiller|bander|grimper\s+aux\s+
        rideaux)|sentir\s+en\s+moi|avoir\s+en\s+moi|d[ée]foncer)\b
      | \b(?:on|nous|je|tu)\s+(?:se\s+|s')?(?:baise|baiserait|baiserais|baisera|couche(?:rait)?\s+
        ensemble|envoie\s+en\s+l'air|envoyer\s+en\s+l'air)\b
      | \bs'envoyer\s+en\s+l'air
      | \b(?:on|nous|qu'on|je\s+veux|j'ai\s+envie\s+de|tu\s+veux)\s+(?:\w+\s+){{0,2}}?
        (?:fait|fais|faire|ferait|fera|faisait|faisons)\s+l'amour\b
      | \b(?:tu\s+bandes|tu\s+mouilles|tu\s+me\s+fais\s+mouiller|je\s+mouille\s+(?:d[ée]j[àa]|
        rien\s+qu|en\s+pensant|pour\s+toi|quand\s+(?:tu|je\s+pense))|je\s+me\s+touche
        (?!\s+(?:le|la|les|l'|un|une|mon|ma|mes)\b)|(?:tailler|faire|veux|voudrais)\s+une\s+pipe)
      | \b(?:grosse|petite|[ée]norme|dure)\s+(?:bite|teub|chibre)
      | \b(?:big|huge|hard|small)\s+(?:dick|cock)
      | \b(?:(?:want|wanna|gonna|going|let\s+me|i'?d|i'?ll|would|could|can't\s+wait|love|need|
        dying|desperate)\s+(?:\w+\s+){{0,2}}?(?:fuck|screw|bang|ride|lick|suck|finger|
        eat\s+(?:you|u)\s+out|go\s+down\s+on)\s+(?:you|u|me)\b(?!\s+(?:up|off|over)\b)
        |let'?s\s+(?:fuck|bang|screw|have\s+sex|get\s+naked)|wanna\s+(?:fuck|bang|screw)|
        fuck\s+me\b(?!\s*(?:up|over|that)\b)(?=\s+(?:hard|now|tonight|please|baby|like)|
        \s*[.!?]|$)|suck\s+my\s+\w+|(?:you|u|te|t')\s+(?:inside|en|dans)\s+(?:me|moi)\b|
        i'?m\s+touching\s+myself|are\s+you\s+hard\s*\?|(?:i'?m|i\s+am|you'?re|are\s+you|
        getting)\s+(?:so\s+|all\s+)?(?:wet|hard|horny)\s+(?:for\s+(?:you|me)|thinking|just\s+
        thinking|right\s+now))
      | \b(?:montre|show|let\s+me\s+see|je\s+veux\s+voir|i\s+want\s+to\s+see|fais[\s-]moi\s+voir|
        wanna\s+see|sentir|toucher|l[ée]cher|sucer|caresser|go[ûu]ter|feel|touch|lick|suck|
        grab|spank|taste)[\s-]*(?:moi\s+|me\s+)?(?:ton|ta|tes|your|ur)\s+(?:\w+\s+)?{_BODY}\b
      | \b(?:l[ée]cher|sucer|doigter|bouffer)\s+(?:ta|ma)\s+(?:chatte|minou)\b
      | \b(?:photos?|pics?|pictures?|selfies?|vid[ée]os?)\s+(?:de|of)\s+(?:ton|ta|tes|your|ur)\s+
        (?:\w+\s+)?{_BODY}\b
      | \b(?:your|ur|tes)\s+(?:tits|boobs|nichons|seins)\b
      | \bphotos?\s+(?:de\s+toi\s+)?(?:torse\s+nu|en\s+(?:sous-v[êe]tements|lingerie|string|
        culotte|boxer))
      | \b(?:on|nous|toi\s+et\s+moi|tous\s+les\s+deux|qu'on)\b[^.!?\n]{{0,40}}?
        \bnue?s?\s+(?:sous\s+la\s+tente|ensemble|dans\s+(?:mon|ton|le|un)\s+(?:lit|duvet|sac\s+de\s+
        couchage)|contre\s+(?:moi|toi)|toi\s+et\s+moi)
      | \b(?:naked|nude)\s+(?:together|in\s+(?:my|your|the)\s+(?:tent|bed|sleeping\s+bag))"""
)

# Suggested with emoji or masked words: "ta b*** 🍆", "sans culotte 😈", "without the rest 😈",
# "ton 🍑". An aubergine in a recipe or "sans-culottes" in a history lesson is not.
_NAUGHTY = r"(?:😈|😏|💦|🔥|🍆|🍑|👅|🥵|😜|😘|🫦)"
_SEX_HINTED = _rx(
    rf"""\b(?:ta|ma|ton|mon|tes|mes|sa|son|your|my|ur)\s+(?:[bcqstdn][*\#]{{2,6}}[a-z]?|
        [bcqstdn][a-z]?[*\#]{{1,5}}[a-z]{{1,2}})(?![\w*\#])(?!\s*(?:de|d'|du|of)\b)
      | \b(?:ta|ma|ton|mon|tes|mes|your|my|ur)\s*(?:🍆|🍑|💦|👅)
      | (?:🍆|🍑|👅)\s*💦 | 💦\s*(?:🍆|🍑)
      | (?<!-)\b(?:sans|without|no)\s+(?:ma\s+|mon\s+|mes\s+|my\s+|a\s+|any\s+)?
        (?:culotte|string|soutif|soutien-gorge|slip|cale[çc]on|sous-v[êe]tements?|panties|knickers|
        underwear|bra|undies)\b[^.!?\n]{{0,25}}?{_NAUGHTY}
      | \b(?:je\s+suis|j'suis|je\s+serai|je\s+dors|je\s+t'attends|i'?m|i\s+am|i'?ll\s+be|
        i\s+sleep|waiting\s+for\s+you)\s+(?:\w+\s+)?(?:sans|without|with\s+no)\s+
        (?:ma\s+|mon\s+|mes\s+|my\s+|a\s+|any\s+)?(?:culotte|string|soutif|soutien-gorge|slip|
        cale[çc]on|sous-v[êe]tements?|panties|knickers|underwear|bra|undies)\b
      | \b(?:without|sans)\s+(?:the\s+rest(?!\s+of\b)|le\s+reste(?!\s+(?:de|d'|du|des)\b)|
        rien\s+d'autre|nothing\s+else|
        rien\s+(?:dessous|en\s+dessous)|anything\s+underneath)\b[^.!?\n]{{0,20}}?{_NAUGHTY}"""
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
        i\s+(?:just\s+)?turned)\s+(?:only\s+|just\s+|que\s+|actually\s+|really\s+|honestly\s+|
        technically\s+|still\s+|barely\s+)?(?:1[0-7]|[1-9])\b(?:\s*(?:ans\b|years?\b))?(?=\s*(?:[?!,.;)]|$|and\b|et\b|ans\b|years?\b|
        btw|lol|haha|😬|😅|😉))
      | \b(?:j'en\s+ai|t'en\s+as|tu\s+en\s+as)\s+(?:que\s+)?(?:1[0-7]|[1-9])\s+ans\b
      | \b(?:i'?m|i\s+am|you'?re|you\s+are)\s+not\s+18\s+yet\b
      | \b(?:je\s+n'ai|j'ai|t'as|tu\s+n'as)\s+pas\s+encore\s+18\s+ans\b
      | \b(?:1[0-7])\s*(?:ans|years?(?:\s+old)?|yo)\b[^\n]{0,60}?(?:l'[âa]ge\s+c'est\s+qu'?un\s+
        chiffre|age\s+is\s+just\s+a\s+number|personne\s+(?:ne\s+)?(?:le\s+)?saura|
        nobody\s+(?:has\s+to|needs\s+to|will)\s+know)"""
)
# Under 18 said another way: an age to come ("j'aurai 18 ans en juin", "I'm turning 17"), a
# birthday to come, "j'en ai 17" after an age, a school year or exam only pupils have.
_MINOR_SCHOOL = _rx(
    r"""\b(?:j'aurai|je\s+vais\s+avoir|je\s+vais\s+f[êe]ter\s+mes|je\s+f[êe]te(?:rai)?\s+mes|
        bient[ôo]t\s+mes|i'?ll\s+be|i'?ll\s+turn|i'?m\s+turning|i\s+turn|gonna\s+be|
        i'?m\s+going\s+to\s+be)\s+(?:1[0-8]|[1-9])\b
        (?=\s*(?:ans\b(?!\s+(?:de|d'))|years?\s+old|yo\b|next|soon|this|in\s+(?:january|february|
        march|april|may|june|july|august|september|october|november|december|\w+\s+months|
        a\s+(?:few\s+)?months?|a\s+year)|on\s+\w+day|[.!?,;]|$))
      | \b(?:ans|[âa]ge|age|18)\b[^\n]{0,60}?\bj'en\s+ai\s+(?:que\s+|seulement\s+|juste\s+)?
        (?:1[0-7]|[1-9])\b(?!\s*[^\W\d_])
      | \bje\s+(?:passe|pr[ée]pare|r[ée]vise|rate|stresse\s+pour)\s+(?:le|mon)\s+brevet
        (?!\s+(?:de\b|d'|du\b|f[ée]d[ée]ral|professionnel|pro\b))
      | \bje\s+(?:passe|pr[ée]pare|r[ée]vise)\s+(?:le|mon)\s+bac\s+(?:l'an\s+prochain|
        l'ann[ée]e\s+prochaine|de\s+fran[çc]ais|blanc)
      | \b(?:i'?m|i\s+am)\s+(?:a\s+)?(?:freshman|sophomore|junior|senior)\s+in\s+high\s+school
      | \b(?:i'?m|i\s+am)\s+(?:only\s+|just\s+|still\s+)?(?:in|starting|going\s+into)\s+
        (?:(?:[6-9]|1[0-2])(?:th)?\s+grade|grade\s+(?:[6-9]|1[0-2])|year\s+(?:[7-9]|1[0-3]))\b
        (?!\s+(?:of|de)\b)
      | \b(?:(?:ma|mon)\s+prof(?:esseure?)?\s+(?:principale?|de\s+(?:maths?|fran[çc]ais|
        anglais|physique|svt|histoire|[ée]co|sport|eps|espagnol|allemand|musique|techno|philo|
        latin|chimie))\s+m'a\s+coll[ée]e?(?!\s+(?:une?|des|la|le|les|l')\b)|
        j'ai\s+[ée]t[ée]\s+coll[ée]e?\s+(?:samedi|mercredi|en\s+retenue)|je\s+suis\s+en\s+
        retenue|i\s+(?:have|got)\s+detention(?=\s*(?:today|tomorrow|on|after|again|[.!?,]|$)))"""
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

# --- self-harm encouraged: the persona telling someone to hurt or kill themselves -------------
# Not a person's own dark thoughts ("parfois j'ai envie d'en finir": a human-side check), not
# "don't hurt yourself on the descent", "je meurs de chaud" or "jette-toi à l'eau".
_HARM_ACT = r"""(?:kill\s+yourself|kys|hurt\s+yourself|harm\s+yourself|cut\s+yourself|
    hang\s+yourself|off\s+yourself|end\s+(?:it\s+all|your\s+life)|
    starve\s+yourself|stop\s+eating(?=\s*(?:for|altogether|completely|entirely|[.!?,]|$))|
    jump\s+off\s+(?:a|the)\s+(?:bridge|cliff|roof)|overdose|take\s+all\s+(?:your|the|those)\s+pills|
    (?:te|t')\s*(?:tuer|suicider|pendre|foutre\s+en\s+l'air|faire\s+du\s+mal|scarifier|mutiler|
    couper\s+les\s+veines|ouvrir\s+les\s+veines|flinguer|jeter\s+(?:d'un|du\s+haut|sous|par)|
    laisser\s+(?:mourir|crever)|faire\s+vomir|affamer)|en\s+finir(?!\s+avec)|
    mourir(?!\s+(?:de|d')\b)|crever(?!\s+(?:de|d'|le|la|les|l'|un|une|des|ton|ta|tes)\b)|arr[êe]te(?:r|z)?\s+de\s+manger(?!\s+(?:des|du|de|d'|les|le|la|[çc]a|
    n'importe|autant|trop|tes|ton|ta)\b)|ne\s+plus\s+manger|sauter\s+(?:d'un\s+pont|du\s+haut|
    par\s+la\s+fen[êe]tre))"""
_SELF_HARM = _rx(
    rf"""\b(?:just|go(?:\s+and)?|you\s+should|u\s+should|why\s+don'?t\s+you|you\s+might\s+as\s+well|
        might\s+as\s+well|maybe\s+you\s+should|you\s+could\s+just|you\s+ought\s+to|
        do\s+(?:us|everyone|the\s+world)\s+a\s+favou?r\s+and|tu\s+devrais|tu\s+pourrais|
        t'as\s+qu'[àa]|tu\s+n'as\s+qu'[àa]|t'as\s+juste\s+[àa]|il\s+faut\s+que\s+tu|
        pourquoi\s+(?:tu\s+ne\s+|tu\s+)?(?:vas|va)\s+pas|vas[\s-]y)\b[^.!?\n]{{0,25}}?
        \b{_HARM_ACT}
      | \b(?<!don't\s)(?<!not\s){_HARM_ACT}[^.!?\n]{{0,40}}?(?:then\b|alors\b|vas[\s-]y|
        go\s+for\s+it|fais[\s-]le|do\s+it|nobody'?s\s+stopping\s+you|personne\s+(?:ne\s+)?
        t'en\s+emp[êe]che|c'est\s+ton\s+choix|it'?s\s+your\s+choice|[çc]a\s+soulage|it\s+helps|
        it'?ll\s+help|[çc]a\s+(?:te\s+)?(?:fait|fera)\s+du\s+bien|[çc]a\s+aide|you'?ll\s+feel\s+better|
        tu\s+(?:te\s+sentiras|iras)\s+mieux|tu\s+verras|je\s+t'assure|trust\s+me|lol\b)
      | (?:^|[.!?,;:]\s*)(?:just\s+|go\s+|then\s+|so\s+)?(?:kill|hang|off|hurt|cut|harm|starve)\s+
        yourself\b(?!\s+(?:a|an|some)\b)
      | \bjette[\s-]toi\s+(?:d'un|du\s+haut|sous|par)\b | \bfais[\s-]toi\s+vomir\b
      | \b(?:tue|pends|suicide|scarifie|flingue|mutile)[\s-]toi\b
      | \bfous[\s-]toi\s+en\s+l'air
      | \b(?<!on\s)va\s+(?:te\s+(?:pendre|tuer|jeter|noyer)|crever|mourir)\b
        (?!\s+(?:de|d'|le|la|les|l'|un|une|des|ton|ta|tes|son|sa|ses)\b)
      | \bgo\s+die\b | \bkys\b
      | \bpourquoi\s+tu\s+(?:ne\s+)?(?:te|t')\s*(?:suicides|tues|pends|flingues)\s+pas\b
      | \b(?:the\s+world|everyone|we)\s+(?:would|'d)\s+be\s+better\s+(?:off\s+)?without\s+you
      | \ble\s+monde\s+(?:serait|irait)\s+mieux\s+sans\s+toi
      | \b(?:personne|nobody|no\s+one)\s+(?:ne\s+)?(?:te\s+)?(?:regretterait|manquerait|
        would\s+miss\s+you|would\s+care\s+if\s+you)"""
)

# The same told in other words: pills by the box ("prends toute la boîte de cachets", "take the
# whole bottle of pills"), cutting, jumping or hanging offered as a relief or a solution ("vas-y,
# coupe-toi si ça te soulage", "jumping off that cliff would solve everything", "t'as qu'à
# sauter"), death wished on the other ("you'd be better off dead"). Not "saute ce ruisseau",
# "cut the rope", "je suis morte de fatigue", "prends toute la boîte de biscuits".
_PILLS = r"""(?:cachets?|m[ée]docs?|m[ée]dicaments?|comprim[ée]s?|pilules?|somnif[èe]res?|
    anxiolytiques?|antid[ée]presseurs?|parac[ée]tamol|doliprane|pills?|meds|tablets?|
    sleeping\s+pills?|painkillers?|paracetamol|tylenol|xanax|tramadol|insulin[e]?)"""
_SOLVES = r"""(?:(?:(?:would|will|'d|'ll|could|might)\s+)?(?:solve|fix|end)\s+
    (?:everything|it\s+all|all\s+(?:your|of\s+your)\s+problems|your\s+problems)|problem\s+solved|
    (?:r[ée]glera(?:it)?|r[ée]soudra(?:it)?|arrangera(?:it)?)\s+(?:tout|tous\s+tes\s+probl[èe]mes|
    tes\s+probl[èe]mes)|t'auras\s+plus\s+mal|tu\s+n'auras\s+plus\s+mal|tu\s+souffriras\s+plus|
    you\s+won'?t\s+(?:feel|hurt)\s+(?:anything|a\s+thing|anymore)|[çc]a\s+(?:te\s+)?soulage(?:ra)?|
    it'?ll\s+help|it\s+helps|you'?ll\s+feel\s+better|tu\s+(?:te\s+sentiras|iras)\s+mieux)"""
_SELF_HARM_MORE = _rx(
    rf"""\b(?:prends|prenez|prendre|avale|avales|avaler|avalez|take|swallow|down|pop)\b
        [^.!?\n]{{0,12}}?\b(?:toute?\s+(?:la|ta|une|cette)|(?:the|a|that|your)\s+whole|
        (?:une|la|ta)|an?\s+entire|the\s+entire)\s+(?:bo[iî]te|plaquette|flacon|tube|bottle|box|
        pack|packet|strip)\s+(?:enti[èe]re\s+)?(?:de\s+|d'|of\s+)(?:\w+\s+)?{_PILLS}
      | \b(?:prends|prenez|prendre|avale|avales|avaler|avalez|take|swallow|down|pop)\b
        [^.!?\n]{{0,12}}?\b(?:toute?s?\s+(?:la|les|tes|ta|ton|ces)|tous\s+(?:les|tes|ces)|
        tout\s+(?:le|ton|ce)|(?:the|a|that|your)\s+whole|all\s+(?:the|your|those|these|
        of\s+(?:the|your|those)))\s+(?:\w+\s+){{0,2}}?{_PILLS}\b[^.!?\n]{{0,30}}?
        (?:d'un\s+coup|en\s+m[êe]me\s+temps|[àa]\s+la\s+fois|at\s+once|all\s+together|
        in\s+one\s+go|{_SOLVES})
      | \b(?:coupe|coupes|taillade|ouvre)[\s-]toi\b(?!\s+(?:les\s+(?:cheveux|ongles)|une?|des|du|
        de|la|le|l'|un\s+morceau|en\s+(?:deux|quatre)|[àa]\s+manger))
      | \b(?:you'?d|you\s+would|you'?re|you\s+are|u\s+would|u'?re|t'es|tu\s+es|tu\s+serais|
        tu\s+seras|tu\s+serai)\s+(?:\w+\s+)?(?:better\s+off\s+dead|mieux\s+mort(?:e|s|es)?)\b
        (?!\s+(?:de|d'|tired|beat))
      | \b(?:t'as|tu\s+as|tu\s+n'as|t'a)\s+(?:juste\s+|plus\s+)?qu'[àa]\s+
        (?:sauter|te\s+jeter|te\s+pendre|te\s+tuer|crever|mourir|en\s+finir)\b
        (?=\s*(?:[.!?,;…]|$|alors|du\s+coup|ça\s+r[ée]glera|then|lol|😂|🙃|🤷))
      | \b(?:jump(?:ing)?|leap(?:ing)?|throw(?:ing)?\s+yourself)\s+(?:off|from)\s+
        (?:a|the|that|this|your|some)\s+(?:\w+\s+)?(?:cliff|bridge|roof|building|balcony|ledge|
        window|tower)\b[^.!?\n]{{0,30}}?{_SOLVES}
      | \b(?:te\s+jeter|se\s+jeter|te\s+pendre|se\s+pendre|te\s+couper|te\s+tailler|
        cut(?:ting)?\s+(?:yourself|your\s+(?:wrists?|arms?|thighs?|skin))|
        hang(?:ing)?\s+yourself|avaler\s+(?:tes|les|des)\s+{_PILLS})
        \b[^.!?\n]{{0,40}}?{_SOLVES}
      | \b(?:cutting|jumping|sauter|te\s+couper|the\s+pills|les\s+cachets)\s*(?:,\s*)?
        (?:(?:would|will|'d|'ll|could|c'est|[çc]a)\s+{_SOLVES}|(?:would|will|could|might)\s+
        (?:really\s+)?help(?!\s+(?:you\s+)?(?:cool|get|warm|cross|reach)))
      | \b(?:vas[\s-]y|go\s+ahead(?:\s+and)?|just|allez)\s*,?\s*(?:cut|coupe[\s-]toi|saute|jump|
        hang\s+yourself|pends[\s-]toi)\b[^.!?\n]{{0,30}}?{_SOLVES}
      | \b(?:saute|jette[\s-]toi)\s+(?:du\s+haut\s+)?(?:de\s+la|du|d'un|d'une|de\s+ce|de\s+cette|
        par\s+la)\s+(?:falaise|pont|toit|balcon|fen[êe]tre|immeuble|viaduc)\b
        (?![^.!?\n]{{0,30}}?\b(?:dans\s+l'eau|dans\s+le\s+lac|[àa]\s+l'eau|parachute|
        parapente|[ée]lastique|saut\s+[àa]\s+l'[ée]lastique))
      | \b(?:why\s+don'?t\s+you|you\s+should|u\s+should|just)\s+(?:just\s+)?
        (?:jump|hang\s+yourself|take\s+(?:all|the\s+whole))\b(?=\s*(?:off\s+(?:a|the|that)\s+
        (?:cliff|bridge|roof|building|balcony)|[.!?]?\s*$|already|then))"""
)

_ADDRESS_RULES = (_ADDRESS, _ADDRESS_NUMBER_AFTER, _POSTCODE_CITY, _ADDRESS_ASKED)
_MEANING: tuple[tuple[Reason, tuple[re.Pattern[str], ...]], ...] = (
    (Reason.ADDRESS, _ADDRESS_RULES),
    (Reason.SEXUAL, (_SEXUAL, _SEX_ACT, _SEX_HINTED)),
    (Reason.MINOR, (_MINOR_AGE, _MINOR_BARE, _MINOR_SAID, _MINOR_SCHOOL)),
    (Reason.SELF_HARM, (_SELF_HARM, _SELF_HARM_MORE)),
)
_CONTACT_REASONS = {
    "phone": Reason.PHONE,
    "email": Reason.EMAIL,
    "url": Reason.URL,
    "social_handle": Reason.SOCIAL,
}
CONTEXT_MESSAGES = 4  # the persona's last messages read together with a reply
CONTEXT_CHARS = 240  # of their end, at most
HEAD_CHARS = 2 * CONTEXT_CHARS  # of a reply's start, read after them


def _arranges_meeting(text: str) -> bool:
    """A meeting with both a time and a place, in one sentence (or two in a row, for an
    invitation naming its venue)."""
    sentences = re.split(r"(?<=[.!?\n])\s+", text)
    for sentence in sentences:
        if _MEET.search(sentence) and _WHEN.search(sentence) and _WHERE.search(sentence):
            return True
    if _TERSE_MEETING.search(text):
        return True
    for pair in (" ".join(sentences[i : i + 2]) for i in range(len(sentences))):
        if _INVITE.search(pair) and _WHEN_CONCRETE.search(pair) and _WHERE_NAMED.search(pair):
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
    written) by `text`; one the tail already held is not counted again. Only the head of a long
    reply is joined to the tail: an item across the join starts there, the rest is in `own`.
    """
    recent = [message.strip() for message in context[-CONTEXT_MESSAGES:] if message.strip()]
    tail = " ".join(recent)[-CONTEXT_CHARS:]
    own = contacts.find(text)
    if not tail:
        return own
    head = text if len(text) <= HEAD_CHARS else text[:HEAD_CHARS].rsplit(None, 1)[0]
    joined = collections.Counter(contacts.find(f"{tail} {head}"))
    joined.subtract(collections.Counter(contacts.find_kept(tail)))
    return [*own, *(item for item, count in joined.items() if count > 0 and item not in own)]


def _address_over_messages(text: str, context: Sequence[str]) -> bool:
    """A postal address completed by `text` after the tail of `context` ("j'habite rue des
    Lilas" then "au 12, deuxième étage"); one wholly in earlier messages is not counted again."""
    recent = [message.strip() for message in context[-CONTEXT_MESSAGES:] if message.strip()]
    tail = normalise(" ".join(recent)[-CONTEXT_CHARS:])
    if not tail:
        return False
    head = text if len(text) <= HEAD_CHARS else text[:HEAD_CHARS].rsplit(None, 1)[0]
    joined = f"{tail} {normalise(head)}"
    for before, view in ((tail, joined), (digits_view(tail), digits_view(joined))):
        if any(m.end() > len(before) for r in _ADDRESS_RULES for m in r.finditer(view)):
            return True
    return False


def check(text: str, *, allow_meetings: bool = False, context: Sequence[str] = ()) -> list[Reason]:
    """The reasons raw reply `text` must not be sent, in a fixed order; [] when it may be.

    `context` is the persona's own recent messages in the conversation, oldest first: a contact
    detail split between them and `text` is caught, one wholly in them is not counted again.
    """
    found = {_CONTACT_REASONS[item.kind] for item in _new_contacts(text, context)}
    if context and _address_over_messages(text, context):
        found.add(Reason.ADDRESS)
    plain = normalise(text)
    # The meaning rules read numbers in words as digits too ("seize ans", "a hundred quid").
    for view in dict.fromkeys((plain, digits_view(plain))):
        found.update(reason for reason, rules in _MEANING if any(r.search(view) for r in rules))
        if _asks_for_money(view):
            found.add(Reason.MONEY)
        if not allow_meetings and _arranges_meeting(view):
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
    Reason.SELF_HARM: "un encouragement à se faire du mal",
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
