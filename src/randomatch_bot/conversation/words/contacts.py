"""Ways to reach someone off the app, found by structure in a persona's raw reply.

`find(text)` returns every contact detail in `text`, each as a `Contact` (its kind and a
canonical value, so the same number written twice is the same item):

- phone numbers: `phonenumbers.PhoneNumberMatcher` with France as the default region, on the
  text with its numbers in words and its letters-for-digits undone (`deobfuscate.digits_view`),
  and again with the separators between digits removed (`deobfuscate.collapse_digit_runs`).
  Leniency is POSSIBLE (the length fits the country): a made-up "07 00 00 00 00" is as much an
  attempt as a real number, and measured on ordinary talk it flags nothing that VALID would not
  (altitudes, prices, dates and step counts are too short or lack the trunk prefix). Numbers in
  a national form of another country count when they are the length of a full number there
  (ten digits for the United States and the United Kingdom: "(555) 123-4567").
  Asking for or offering a number in words ("file-moi ton 06", "call me tonight") is a phone.
- e-mail addresses, with their spoken and bracketed forms ("camille [at] gmail [dot] com",
  "camille arobase gmail point com", "camille chez gmail point fr"); the domain's suffix is
  checked against the public suffix list.
- links: a scheme or "www", or a host name whose suffix is on the public suffix list
  (`tldextract` with its bundled snapshot, never fetched: `suffix_list_urls=()` and no disk
  cache), with "[dot]", " dot " and " point " read as dots before a common suffix. "bien.Je"
  (a missing space after a full stop) is a sentence, not a host.
- social handles and the platforms people move to (Instagram, Snapchat, Telegram, WhatsApp,
  Signal, Discord, Strava, Komoot, YouTube, TikTok, Facebook...): an "@handle", or a platform
  named as a place to continue or to find someone ("ajoute-moi sur insta", "my snap is kmi38",
  "on passe sur WhatsApp ?", "camille.rando sur insta"), not a platform named in passing
  ("Instagram ruine les spots", "j'ai vu ça sur Strava").

Pure functions; the suffix list is loaded once, on first use.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers
import tldextract

from randomatch_bot.conversation.words.deobfuscate import (
    chained_numbers,
    collapse_digit_runs,
    despace,
    digit_by_digit,
    digits_view,
    normalise,
    told_pairs,
)

__all__ = ["Contact", "Kind", "find", "find_kept"]

Kind = Literal["phone", "email", "url", "social_handle"]


@dataclass(frozen=True, slots=True)
class Contact:
    """One way to reach someone: its kind and a canonical value ("+33671289405")."""

    kind: Kind
    value: str


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


# --- user names ------------------------------------------------------------------------------
# A token that looks like a user name: letters with a dot, an underscore or digits in it.
_HANDLE_LIKE = (
    r"[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+)+[._]?|[A-Za-z][A-Za-z_]+\d{2,}[A-Za-z0-9_]*"
)
# "mon insta : …", "my snap is …", "insta 👉 …".
_EXPLICIT = r"\s*(?::|=|->|=>|→|⇒|➡|➜|➔|👉|»|>|c'est|cest|is|it's)\s*"
# A plain word as a user name only when the sentence ends on it ("mon insta c'est camille !").
_PLAIN = r"(?P<plain>[A-Za-z][\w.]{2,29})(?=\s*(?:$|[!?.,;)\n]|[^\w\s]))"
# Words that end "my snap is …" without being a user name.
# fmt: off
_NOT_A_NAME = frozenset((
    "dead", "broken", "down", "private", "public", "empty", "old", "new", "full", "gone",
    "deleted", "inactive", "boring", "same", "here", "there", "nothing", "mostly", "just", "only",
    "mine", "yours", "closed", "blocked", "banned", "hacked", "locked", "off", "mort", "morte",
    "cassé", "cassée", "vide", "privé", "privée", "nul", "nulle", "fermé", "fermée", "bloqué",
    "bloquée", "désactivé", "supprimé", "supprimée", "inactif", "inactive", "vieux", "ancien",
    "ancienne", "pareil", "ici", "là", "tout", "rien", "quoi", "what", "pas", "not", "juste",
    "perso", "secret", "nouveau", "nouvelle", "mieux", "better", "worse", "pire", "top", "génial",
    "great", "cool", "sympa", "super", "accro", "partout", "rare", "absente", "absent", "aussi",
    "also", "too", "toujours", "always", "never", "jamais", "souvent", "often", "moi", "toi",
    "me", "you", "lui", "elle", "ça", "ca", "that", "this", "it", "discret", "discrète", "nouvelle",
    "active", "actif", "dessus", "la", "there", "everywhere", "rarely", "rarement", "personne",
    "inscrite", "inscrit", "abonnée", "abonné", "connectée", "connecté", "obsessed", "addicted",
    "hooked", "nulle", "fan", "bof", "meh",
    "timide", "shy", "lazy", "quiet", "silent", "lurker", "bad", "good", "bonne", "bon",
    "mauvaise", "lente", "slow", "busy", "occupée", "occupé", "zen", "sage", "calme", "nouveau",
    "rouillée", "rouillé", "débutante", "débutant", "beginner", "là-bas", "pro",
))
# fmt: on
# An adjective ending a sentence ("my strava is embarrassing", "mon insta est chiant"): not a
# user name, which is a name or letters with digits.
_ADJECTIVE_END = re.compile(
    r"\w{3,}(?:ing|ive|ous|ful|ble|less|eux|euse|ique|ant|ante|ées|és|if|ère|ment)"
)


def _is_word(name: str) -> bool:
    """Whether a plain word after "mon insta c'est…" is an ordinary word, not a user name."""
    name = name.lower().rstrip(".")
    return name in _NOT_A_NAME or bool(_ADJECTIVE_END.fullmatch(name))


# --- the public suffix list -----------------------------------------------------------------
@functools.cache
def _suffixes() -> tldextract.TLDExtract:
    """The bundled public suffix list: no download (`suffix_list_urls=()`), no disk cache."""
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


def _has_public_suffix(host: str) -> bool:
    parts = _suffixes()(host)
    return bool(parts.suffix and parts.domain)


# Suffixes people spell out ("point com"): short and common, so that "point de vue" (".de")
# or "un point culminant" stays French.
_SPOKEN_SUFFIXES = (
    r"com|fr|net|org|io|me|co|be|ch|ca|eu|info|app|uk|us|ly|gg|xyz|tv|biz|site|online|"
    r"link|page|club|shop|store|art|dev|ai|to"
)
_MAIL_PROVIDERS = (
    r"gmail|googlemail|hotmail|yahoo|outlook|live|msn|icloud|me|orange|free|laposte|sfr|"
    r"wanadoo|proton(?:mail)?|pm|gmx|aol|bluewin|skynet|yandex|mail"
)


# --- phone numbers ---------------------------------------------------------------------------
_LENIENCY = phonenumbers.Leniency.POSSIBLE
# National forms of other countries, counted at the length of a full number there.
_OTHER_REGIONS = {"US": 10, "GB": 10}


def _phones(text: str) -> list[Contact]:
    found: list[Contact] = []
    view = digits_view(text)
    seen: set[tuple[int, int]] = set()
    for match in phonenumbers.PhoneNumberMatcher(view, "FR", leniency=_LENIENCY):
        found.append(_phone(match.number))
        seen.add((match.start, match.end))
    for region, digits in _OTHER_REGIONS.items():
        for match in phonenumbers.PhoneNumberMatcher(view, region, leniency=_LENIENCY):
            national = str(match.number.national_number)
            if (match.start, match.end) not in seen and (
                match.raw_string.lstrip().startswith("+") or len(national) >= digits
            ):
                found.append(_phone(match.number))
    # With the separators gone, only what starts like a number written on purpose: a trunk
    # "0" or a "+" ("0 6 7 1…", "06_71_28…"); "2023, 25 000" is not one.
    collapsed = collapse_digit_runs(view)
    for match in phonenumbers.PhoneNumberMatcher(collapsed, "FR", leniency=_LENIENCY):
        if match.raw_string.lstrip()[:1] in {"0", "+"}:
            found.append(_phone(match.number))
    # A French number told pair by pair, or with a pair too many ("06 12 45 67 89 10").
    runs = [*told_pairs(view), *_LONG_FRENCH_RUN.findall(collapsed)]
    for run in runs:
        number = _parse(run[:10], "FR")
        if number is not None and phonenumbers.is_possible_number(number):
            found.append(_phone(number))
    # Told in chunks with words between them, or digit by digit with no trunk "0".
    for told in chained_numbers(view):
        number = _parse(told, "GB" if len(told) == 11 and told[0] == "0" else "FR")
        if number is not None and phonenumbers.is_possible_number(number):
            found.append(_phone(number))
    found += [_spoken(told) for told in digit_by_digit(view)]
    # One number found in both views is one number.
    return list(dict.fromkeys(found))


def _spoken(digits: str) -> Contact:
    """A number told digit by digit, read as the country its length and prefix fit."""
    if digits.startswith("+"):
        raw, region = digits, "FR"
    elif len(digits) == 9:  # French, its "0" left out
        raw, region = "0" + digits, "FR"
    elif digits.startswith("0"):
        raw, region = digits, "FR" if len(digits) == 10 else "GB"
    else:
        raw, region = digits, "US"
    number = _parse(raw, region)
    return _phone(number) if number is not None else Contact("phone", digits)


_LONG_FRENCH_RUN = re.compile(r"(?<![\d+])0[1-9]\d{9,12}(?!\d)")


def _parse(digits: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None


def _phone(number: phonenumbers.PhoneNumber) -> Contact:
    return Contact("phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


_NUMBER_WORD = r"""(?:num(?:[ée]ro)?|num[ée]ro\s+de\s+(?:t[ée]l[ée]?(?:phone)?|portable)|06|07|
    t[ée]l(?:[ée]phone)?|portable|phone(?:\s+number)?|number|cell(?:\s+number)?|mobile|digits)
    (?!\s+(?:de|d'|of)\b)"""
_PHONE_TALK = _rx(
    rf"""\b(?:m'|me\s+|t'|te\s+)(?:donne|donnes|donner|envoie|envoies|envoyer|file|files|filer|
        passe|passes|passer|laisse|laisses|laisser|refile|refiler)\s+(?:ton|ta|mon|ma)\s+
        {_NUMBER_WORD}
      | \b(?:donne|envoie|file|passe|laisse|refile)[\s-]+moi\s+(?:ton|ta)\s+{_NUMBER_WORD}
      | \b(?:avoir|obtenir|r[ée]cup[ée]rer|noter)\s+ton\s+{_NUMBER_WORD}
      | \b(?:give|send|text|drop|share|get)\s+(?:me|you)\s+(?:your|my)\s+{_NUMBER_WORD}
      | \b(?:can|could|may)\s+i\s+(?:have|get|grab)\s+your\s+{_NUMBER_WORD}
      | \b(?:c'est\s+quoi|quel\s+est|what'?s|what\s+is)\s+(?:ton|your)\s+{_NUMBER_WORD}
      | \b(?:tu\s+veux|t'as\s+besoin\s+de|do\s+you\s+want|want)\s+(?:mon|my)\s+{_NUMBER_WORD}
      | \b(?:appelle|appelles|rappelle|texte|textes|sms|whatsapp|bipe)[\s-]*(?:moi|me)\b
      | \btu\s+m'(?:appelles|appeles|textes|sms)\b | \bon\s+s'appelle\s+(?:ce|demain|quand|\?)
      | \b(?:envoie|envoies|envoyer)[\s-]*(?:moi\s+|me\s+|m')?un\s+(?:sms|texto|message\s+au)\b
      | (?<!don't\s)(?<!not\s)(?<!never\s)(?<!stop\s)
        \b(?:call|text|ring|phone|whatsapp|facetime)\s+me\b
        (?!\s+(?:crazy|old|lazy|a\b|an\b|what|whatever|by|if|out))
      | \bgive\s+me\s+a\s+(?:call|ring)\b"""
)

# --- e-mail addresses ------------------------------------------------------------------------
_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
_EMAIL_WRITTEN = _rx(
    rf"""(?<![\w.+-])(?P<local>[\w.+-]*\w)\s*(?:@|{_OPEN}\s*(?:at|a|arobase|@)\s*{_CLOSE})\s*
        (?P<domain>\w[\w-]*(?:\s*(?:\.|{_OPEN}\s*(?:dot|point|pt|\.)\s*{_CLOSE}|\s(?:dot|point)\s)
        \s*\w[\w-]*)+)"""
)
_SP_AT = r"[\s,;]+(?:at|arobase|chez)[\s,;]+"
_SP_DOT = rf"\.(?=\w)|{_OPEN}\s*(?:dot|point|pt|\.)\s*{_CLOSE}|[\s,;]+(?:dot|point)[\s,;]+"
_EMAIL_SPOKEN = _rx(
    rf"""(?<![\w.+-])(?P<local>[\w.+-]*\w){_SP_AT}(?P<domain>\w[\w-]*)\s*(?:{_SP_DOT})\s*
        (?P<suffix>{_SPOKEN_SUFFIXES})\b"""
)
# A webmail named without its suffix: "cam@gmail", "cam at gmail", "camillerando sur gmail".
_WEBMAIL = r"(?:gmail|googlemail|hotmail|yahoo|outlook|icloud|proton(?:mail)?|gmx|laposte|wanadoo)"
_EMAIL_PROVIDER = _rx(
    rf"""(?<![\w.+-])(?P<local>[\w.+-]*\w)(?:\s*@\s*(?P<domain>{_MAIL_PROVIDERS})
      | (?:\s*{_OPEN}\s*(?:at|a|arobase|@)\s*{_CLOSE}\s*|{_SP_AT}|[\s,;]+(?:sur|on)\s+)
        (?P<webmail>{_WEBMAIL}))\b"""
)
# "mon gmail c'est margaux.vdl", "my email is lily.jones".
_EMAIL_NAMED = _rx(
    rf"""\b(?:mon|my|ton|your)\s+(?:adresse\s+)?(?:e-?mail|mail|courriel|{_WEBMAIL}|
        email\s+address|adresse\s+(?:e-?mail|mail))(?:\s+address)?
        {_EXPLICIT}@?(?:(?P<handle>{_HANDLE_LIKE})|{_PLAIN})"""
)
_SPOKEN_DOT = _rx(rf"\s*{_OPEN}\s*(?:dot|point|pt|\.)\s*{_CLOSE}\s*|\s+(?:dot|point)\s+|\s*\.\s*")


def _emails(text: str) -> tuple[list[Contact], list[tuple[int, int]]]:
    """The addresses in `text`, and where they are (a link inside one is not a link)."""
    found: list[Contact] = []
    spans: list[tuple[int, int]] = []
    for match in _EMAIL_WRITTEN.finditer(text):
        domain = _SPOKEN_DOT.sub(".", match["domain"]).lower()
        if _has_public_suffix(domain):
            found.append(Contact("email", f"{match['local'].lower()}@{domain}"))
            spans.append(match.span())
    for match in _EMAIL_SPOKEN.finditer(text):
        domain = f"{match['domain']}.{match['suffix']}".lower()
        found.append(Contact("email", f"{match['local'].lower()}@{domain}"))
        spans.append(match.span())
    for match in _EMAIL_PROVIDER.finditer(text):
        local, domain = match["local"].lower(), (match["domain"] or match["webmail"]).lower()
        if match["domain"] or (len(local) >= 3 and local not in _NOT_A_NAME):
            found.append(Contact("email", f"{local}@{domain}"))
            spans.append(match.span())
    for match in _EMAIL_NAMED.finditer(text):
        name = match["handle"] or match["plain"]
        if not (match["plain"] and _is_word(name)):
            found.append(Contact("email", name.lower() + "@"))
    return _dedup_prefixes(found), spans


def _dedup_prefixes(found: list[Contact]) -> list[Contact]:
    """One address matched by two patterns ("cam@gmail" and "cam@gmail.com") counts once."""
    values = [c.value for c in found]
    return list(
        dict.fromkeys(
            c for c in found if not any(v != c.value and v.startswith(c.value) for v in values)
        )
    )


# --- links -----------------------------------------------------------------------------------
_SCHEME = _rx(
    r"\b(?:https?|ftp)\s*:\s*/\s*/\s*(?P<rest>[^\s<>\"']+)|\bwww\s*\.\s*(?P<www>[^\s<>\"']+)"
)
_HOST = re.compile(
    r"(?<![\w@.\-])(?P<host>(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?P<tld>[^\W\d_]{2,63}))"
    r"(?P<path>/[^\s<>\"']*)?(?![\w@-])"
)
_HOST_SPOKEN = _rx(
    rf"""(?<![\w@.])(?P<name>[^\W_][\w-]*[^\W_])\s*(?:{_OPEN}\s*(?:dot|point|pt|\.)\s*{_CLOSE}|
        \s(?:dot|point)\s)\s*(?P<suffix>{_SPOKEN_SUFFIXES})\b(?!['-])"""
)
# A space before the dot, the suffix in lower case ("chloe-trek .com"; not "journée .Me").
_HOST_SPACED = re.compile(
    rf"(?<![\w@.])(?P<name>[^\W_][\w-]*[^\W_])\s+\.(?P<suffix>{_SPOKEN_SUFFIXES})\b(?![.'-]\w)"
)
_HOST_BRACKETED = _rx(
    rf"""(?<![\w@.])(?P<name>[^\W_][\w-]*[^\W_])\s*{_OPEN}\s*(?:dot|point|pt|\.)\s*{_CLOSE}\s*
        (?P<suffix>[^\W\d_]{{2,24}})\b"""
)


def _is_sentence_break(match: re.Match[str]) -> bool:
    """ "bien.Je pars": a full stop without its space, not a host name."""
    tld = match["tld"]
    return not match["path"] and tld[0].isupper() and not tld.isupper()


def _links(text: str, emails: list[tuple[int, int]]) -> list[Contact]:
    found: list[Contact] = []

    def in_email(match: re.Match[str]) -> bool:
        return any(start <= match.start() < end for start, end in emails)

    for match in _SCHEME.finditer(text):
        rest = match["rest"] or ("www." + match["www"])
        found.append(Contact("url", rest.rstrip(".,;:!?)]}").lower()))
    for match in _HOST.finditer(text):
        host = match["host"]
        if (
            in_email(match)
            or _is_sentence_break(match)
            or not re.search(r"[^\W\d_]", host[: -len(match["tld"])])
        ):
            continue
        if not _has_public_suffix(host):
            continue
        value = (host + (match["path"] or "")).rstrip(".,;:!?)]}").lower()
        found.append(Contact("url", value.removeprefix("www.")))
    for pattern in (_HOST_SPOKEN, _HOST_SPACED, _HOST_BRACKETED):
        for match in pattern.finditer(text):
            host = f"{match['name']}.{match['suffix']}".lower()
            if not in_email(match) and _has_public_suffix(host):
                found.append(Contact("url", host))
    return list(dict.fromkeys(found))


# --- handles and platforms -------------------------------------------------------------------
# Messaging apps: asking whether someone uses one, or preferring one, is an invitation.
_MESSENGERS = r"""(?:snap(?:chat)?|snp|t[ée]l[ée]gram(?:me)?|tg|tlg|wh?at'?s?\s?app?|was+ap+|wa|
    wtsp|wsp|signal|discord|messenger|kik|wechat|viber|skype|imessage|facetime)"""
_PLATFORMS = rf"""(?:insta(?:gram(?:me)?)?|instagrame|ig|{_MESSENGERS}|strava|komoot|youtube|
    yt|tiktok|tik\s?tok|facebook|fb|twitter|bluesky|threads|linkedin|onlyfans|mym|tinder|hinge|
    bumble|twitch|alltrails|wikiloc)\b"""
# An @handle; not an e-mail's domain, not a time ("@14h").
_HANDLE = re.compile(r"(?<![\w.@])@\s?(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?)")
_TIME = re.compile(r"\d{1,2}(?:h\d{0,2}|:\d{2})?|\d+")
# Trail, road and route names that look like handles ("GR20", "D1091", "TMB").
_ROUTE_CODE = re.compile(r"(?:GRP?|HRP|PR|TMB|[DNAE]|RN|RD|CD|SL|UTMB|UT|HR)\d+", re.IGNORECASE)
# Asking to be reached, found or followed somewhere ("ajoute-moi", "tu vas me trouver").
_NOT_AN_OBJECT = r"(?!\s+(?:un|une|des|du|de|le|la|les|l'|ce|cette|ça|ca|a|an|the|some)\b)"
_REACH = rf"""(?:
    \b(?:ajoute|ajoutes|suis|retrouve|[ée]cris|contacte|rejoins|texte|envoie|trouve|cherche|
       follow|dm|mp|capte|check|stalk)s?[\s-]+(?:moi|nous)\b{_NOT_AN_OBJECT}
  | \b(?:m'|me\s+|nous\s+)(?:ajouter|ajoutes?|ajoutez|suivre|retrouver|retrouves?|retrouveras|
       [ée]crire|[ée]cris|contacter|contactes?|joindre|trouver|trouves?|trouveras|parler|
       envoyer|envoies?|texter|textes?|appeler|appelles?|dm|follow|capter|chercher)\b
  | \b(?:s'|se\s+)(?:appeler|[ée]crire|parler|capter|ajouter|suivre|texter|appelle|[ée]crit|
       parle|capte|ajoute|suit)\b
  | \b(?:add|follow|find|text|dm|message|call|reach|hit|ping|contact|join|catch|look|
       msg|snap|friend|search\s+for)\s+(?:me|us)(?:\s+up)?\b{_NOT_AN_OBJECT}
  | \b(?:you'?ll|you\s+will|you\s+can|u\s+can)\s+find\s+me\b
  | \b(?:abonne[\s-]toi|abonnez[\s-]vous|subscribe|follow\s+my)\b
  | \b(?:je\s+r[ée]ponds\s+(?:mieux|plus\s+vite|plus)|i\s+(?:reply|answer|respond)\s+
       (?:faster|quicker|better|more))\b
  | \b(?:t'|te\s+)(?:ajoute|ajouter|ajouterai|follow|suis|suivrai|[ée]cris|[ée]crirai|
       envoie|enverrai|texte|appelle|capte|dm|mp|add)\b
  | \b(?:add|follow|text|message|dm|find|call|snap|msg)\s+(?:you|u|ya)\b
  | (?<!je\s)(?<!j'\s)(?<!tu\s)\b(?:viens|venez|rejoins|rejoignez|come)\b
  | (?:^|[.!?,;:(]\s*|\b(?:allez|bon|alors|et|ok|go|sinon)\s+)(?:passe|passez|passons)\b
  | \b(?:slide|slides|sliding)\s+(?:in|into)\b | \bhmu\b | \bhit\s+me\s+up\b
  | \b(?:shoot|drop)\s+me\s+a\b
)"""
# The same, narrowed to being found or followed, for a platform named before it: "écris-moi"
# after "j'ai vu sur Strava que…" is a message here.
_FIND_ME = rf"""(?:
    \b(?:ajoute|suis|retrouve|cherche|follow|dm|mp|stalk)s?[\s-]+moi\b{_NOT_AN_OBJECT}
  | \b(?:m'|me\s+)(?:ajouter|ajoutes?|suivre|retrouver|retrouves?|retrouveras|trouver|
       trouves?|trouveras|chercher|dm|follow)\b
  | \b(?:add|follow|find|dm|look|search\s+for)\s+me(?:\s+up)?\b{_NOT_AN_OBJECT}
  | \b(?:abonne[\s-]toi|abonnez[\s-]vous|subscribe|follow\s+my|message\s+me\s+there)\b
  | \bcherche\s+[A-Z][a-z]+\s+[A-Z][a-z]+
)"""
_REACH_ME = _rx(
    rf"""(?:{_REACH}
      | \bon\s+(?:passe|continue|parle|discute|s'[ée]crit|se\s+parle|se\s+capte|bascule|
           switche?|se\s+retrouve|s'ajoute|s'appelle|se\s+suit|papote|[ée]change|se\s+dm|
           se\s+mp|s'mp|se\s+snap|se\s+follow|s'envoie|se\s+texte|se\s+fait\s+un)
      | \b(?:passer|continuer|discuter|basculer|[ée]changer|papoter|bouger)\b
      | \blet'?s\s+(?:move|switch|continue|talk|chat|go|take\s+(?:this|it)|connect|text|
           keep\s+in\s+touch)
      | \b(?:we\s+(?:can|could|should)|can\s+we|could\s+we|shall\s+we|should\s+we)\s+
           (?:talk|chat|continue|move|switch|text|message|keep\s+talking|connect)
      | \b(?:move|switch|take\s+(?:this|it)|keep\s+in\s+touch|easier|simpler|plus\s+simple|
           plus\s+pratique|en\s+visio|video\s+call|visio)\b
    )[^.!?\n]{{0,30}}?\b(?:sur|on|via|par|en|to|over\s+to|over)\s+
    (?:mon\s+|ma\s+|my\s+|le\s+|the\s+)?{_PLATFORMS}"""
)
# The platform first, the request after it in the same reply ("Sur Strava je suis la seule
# Margaux de Chambéry, tu vas me trouver").
_PLATFORM_THEN_REACH = _rx(rf"""\b{_PLATFORMS}[^\n]{{0,80}}?{_FIND_ME}""")
# Somewhere else than here: "plus active sur insta qu'ici", "more on WhatsApp than here".
_RATHER_THAN_HERE = _rx(
    rf"""\b{_PLATFORMS}[^.!?\n]{{0,25}}?(?:qu'ici|que\s+(?:sur\s+)?(?:ici|l'appli|l'app|cette\s+app)|
        than\s+(?:here|on\s+here|this\s+app|on\s+this\s+app|the\s+app))"""
)
# Moving off the app without naming where: "on continue ailleurs ?", "let's take this elsewhere".
_ELSEWHERE = _rx(
    r"""\b(?:parler|parle|discuter|discute|[ée]crire|s'[ée]crire|garder\s+(?:le\s+)?contact|
        garde\s+(?:le\s+)?contact|rester\s+en\s+contact|talk|chat|keep\s+in\s+touch|
        stay\s+in\s+touch|keep\s+talking|continue\s+(?:this|our\s+(?:chat|conversation))|
        take\s+(?:this|it)|continuer\s+(?:la|cette|notre)\s+(?:conv|conversation|discussion)|
        continue\s+this)\b[^.!?\n]{0,25}?
        \b(?:ailleurs|autrement|en\s+dehors\s+d(?:e\s+l'appli|e\s+l'app|'ici)|hors\s+(?:de\s+)?
        l'?appli|somewhere\s+else|elsewhere|off\s+(?:the|this)\s+app|outside\s+(?:the|this)\s+app|
        off[\s-]app|another\s+way)\b
      | \bon\s+continue\s+(?:ailleurs|autrement)\s*\?"""
)
# A platform offered as a one-word question: "Signal ?", "WhatsApp plutôt ?".
_PLATFORM_QUESTION = _rx(
    rf"""(?:^|[.!?\n]\s*)(?:et\s+|ou\s+|or\s+|go\s+|on\s+va\s+sur\s+)?
        {_PLATFORMS}\s*(?:plut[ôo]t|instead|alors|then|
        du\s+coup)?\s*\?"""
)
# "(you|t'es) on WhatsApp?" asked without a verb.
_YOU_ON = _rx(rf"""\b(?:you|u|t'es|tu\s+es|toi)\s+(?:on|sur)\s+{_PLATFORMS}\s*\?""")
# A channel or account named in quotes: "ma chaîne YouTube c'est "Anaïs en vadrouille"".
_QUOTED_ACCOUNT = _rx(
    rf"""\b(?:mon|ma|my)\s+(?:compte|cha[îi]ne|channel|page|profil|profile|account)?\s*
        {_PLATFORMS}(?:\s+(?:channel|page|account))?\s*(?::|c'est|is|=|->|→|👉)\s*["«“'']"""
)
_ASK_ACCOUNT = _rx(
    rf"""(?:\b(?:c'est\s+quoi|quel\s+est|what'?s|what\s+is|donne[\s-]*moi|envoie[\s-]*moi|
        file[\s-]*moi|passe[\s-]*moi|give\s+me|send\s+me|je\s+te\s+donne|je\s+t'envoie|
        je\s+te\s+file|je\s+te\s+passe|je\s+te\s+laisse|je\s+te\s+mets|je\s+te\s+note|
        i'?ll\s+(?:give|send|drop|leave)\s+you|here'?s|voici|voil[àa]|
        tu\s+veux|do\s+you\s+want|want)
        \s+(?:ton|ta|your|ur|mon|ma|my)
      | \b(?:t'as|tu\s+as|as-tu|t'es\s+sur|tu\s+es\s+sur|es-tu\s+sur|are\s+you\s+on|
        r\s+u\s+on|do\s+you\s+have|do\s+u\s+have|d'you\s+have|you\s+have|u\s+have|
        have\s+you\s+got|you\s+got|u\s+got|ya\s+got|got)(?:\s+(?:un|une|a|an)|\s*l')?)
        \s*(?:compte\s+|account\s+|pseudo\s+|profil\s+|profile\s+|handle\s+|@\s*)?{_PLATFORMS}
        (?!\s+(?:de|des|du|d'|of|about|sur|on)\b)"""
)
# Asking whether someone uses a messaging app: "tu utilises WhatsApp ?", "do you use Signal?".
_USES_MESSENGER = _rx(
    rf"""\b(?:tu\s+utilises|t'utilises|tu\s+te\s+sers\s+de|t'es\s+(?:plut[ôo]t\s+)?
        |do\s+you\s+use|do\s+u\s+use|you\s+use|u\s+use|are\s+you\s+on|r\s+u\s+on)
        \s*(?:de\s+|d')?{_MESSENGERS}\b[^.!?\n]{{0,20}}\?"""
)
# Naming the account alone as a question: "ton insta ?", "et ton snap ?", "your IG?".
_ACCOUNT_QUESTION = _rx(
    rf"""\b(?:ton|ta|your|ur)\s+(?:compte\s+|account\s+|@\s*)?{_PLATFORMS}\s*
        (?:alors|du\s+coup|then|maybe|peut-[êe]tre)?\s*\?"""
)
# A messaging app preferred, or offered "if you prefer": "je préfère WhatsApp pour discuter",
# "I'm on Telegram if you prefer", "je suis sur Signal si jamais".
_PREFERRED = _rx(
    rf"""\b(?:je\s+pr[ée]f[èe]re(?:rais)?|j'aime\s+mieux|i'?d\s+(?:rather|prefer)|i\s+prefer|
        c'est\s+plus\s+(?:simple|pratique|facile)|it'?s\s+easier)\b[^.!?\n]{{0,15}}?
        \b(?:sur\s+|on\s+|par\s+|via\s+|use\s+|utiliser\s+)?{_MESSENGERS}\b
      | \b{_PLATFORMS}\s+(?:c'est\s+)?(?:pour|to|for)\s+(?:discuter|parler|papoter|
        [ée]changer|s'[ée]crire|se\s+parler|chat|chatting|talk|text|texting|message|keep\s+in\s+touch)
      | \b(?:je\s+suis|j'suis|chuis|moi\s+je\s+suis|i'?m|i\s+am)\s+(?:bien\s+|way\s+|much\s+)?
        (?:plus|more)\s+(?:r[ée]active?|active?|dispo|responsive|souvent|often)\s+(?:sur|on)\s+
        {_MESSENGERS}\b
      | \b(?:je\s+suis|j'suis|chuis|moi\s+je\s+suis|i'?m|i\s+am|j'ai|i\s+have|i'?ve\s+got|
        j'utilise|i\s+use)\s+(?:aussi\s+|also\s+|dispo\s+|plus\s+(?:dispo|active?|souvent)\s+|
        more\s+(?:active\s+)?)?(?:(?:sur|on)\s+)?{_PLATFORMS}[^.!?\n]{{0,30}}?\b(?:si\s+(?:tu|jamais|besoin|t'es|c'est)|if\s+(?:you|u|that|needed)|
        au\s+cas|in\s+case|au\s+besoin|quand\s+tu\s+veux|whenever|anytime)"""
)
# The account described instead of spelled: "mon snap c'est mon prénom + 38", "my IG is the
# same as here", "même pseudo sur insta".
_DESCRIBED_ACCOUNT = _rx(
    rf"""\b(?:mon|my)\s+(?:compte\s+|account\s+|pseudo\s+|profil\s+)?{_PLATFORMS}
        (?:\s+(?:account|handle|username|name|pseudo))?\s*(?::|=|->|→|c'est|cest|is|it's)\s*
        [^.!?\n]{{0,30}}?(?:\b(?:pr[ée]nom|first\s+name|(?:my|mon)\s+name|pseudo|username|
        handle|ici|here|on\s+here|suivi\s+de|followed\s+by)\b|(?:\+|\bplus)\s*\d)
      | \b(?:m[êe]me\s+(?:pseudo|nom|compte)|same\s+(?:username|handle|name|account))\b
        [^.!?\n]{{0,20}}?\b(?:sur|on)\s+{_PLATFORMS}
      | \b(?:sur|on)\s+{_PLATFORMS}[^.!?\n]{{0,25}}?\b(?:m[êe]me\s+(?:pseudo|nom|compte)|
        same\s+(?:username|handle|name|account))\b"""
)
# Sending a snap or a WhatsApp: "envoie-moi un snap", "je t'envoie un WhatsApp ce soir".
_SEND_ON = _rx(
    rf"""\b(?:envoie|envoies|envoyer|enverrai|send|sends|drop|shoot|fais|faire|faisons|
        let'?s\s+do|on\s+se\s+fait)\b[^.!?\n]{{0,15}}?\b(?:un|une|a|des|quelques)\s+
        (?:snaps?|whatsapps?|facetimes?|telegrams?|(?:dm|mp|message|vocal|appel|call)\s+
        (?:sur|on|via)\s+{_PLATFORMS})\b(?!\s+(?:of|de|du|des|d')\b)"""
)
# Looking someone up by name on a platform: "cherche clem rando sur insta", "type sam trails on
# IG".
_LOOK_UP = _rx(
    rf"""\b(?:cherche|tape|search(?:\s+for)?|look\s+up|type(?:\s+in)?)\s+
        (?!(?:un|une|des|du|de|le|la|les|l'|ce|cette|the|a|an|some|for|it|ça|ca)\b)
        (?P<handle>{_HANDLE_LIKE}|[A-Za-z]\w{{1,29}}\s[A-Za-z]\w{{1,29}}|(?-i:[A-Z])\w{{1,29}})\s+
        (?:sur|on)\s+{_PLATFORMS}"""
)
_OWN_ACCOUNT = _rx(
    rf"""\b(?:mon|ma|my|ton|ta|your)\s+(?:compte\s+|account\s+|pseudo\s+|profil\s+|profile\s+|
        handle\s+|user(?:name)?\s+)?{_PLATFORMS}(?:\s+(?:account|handle|username|name))?
        (?:{_EXPLICIT}@?{_PLAIN}|(?:{_EXPLICIT}|\s*\?\s*|\s+)@?(?P<handle>{_HANDLE_LIKE}))"""
)
_PLATFORM_THEN_HANDLE = _rx(
    rf"""\b{_PLATFORMS}(?:\s+(?:account|handle|username|name|pseudo))?\s*
        (?::|=|->|=>|→|⇒|➡|➜|➔|👉|»|>)\s*@?(?:(?P<handle>{_HANDLE_LIKE})|{_PLAIN})
      | \b{_PLATFORMS}\s+@?(?P<bare>{_HANDLE_LIKE})(?![\w@])"""
)
# The platform first, then the name: "sur insta je suis clem.rando", "on IG I'm sam_trails".
_PLATFORM_THEN_NAME = _rx(
    rf"""\b(?:sur|on)\s+{_PLATFORMS}\s*,?\s*
        (?:(?:je\s+suis|j'suis|i'?m|c'est|it'?s|moi\s+c'est)\s+@?(?P<handle>{_HANDLE_LIKE})
        |(?:je\s+suis|j'suis|i'?m|moi\s+c'est|je\s+m'appelle|my\s+name'?s|
        (?:mon|my)\s+(?:pseudo|nom|name|handle)\s+(?:c'est|est|is))\s+@?{_PLAIN})"""
)
_HANDLE_THEN_PLATFORM = _rx(
    rf"""(?<![\w@.])@?(?P<handle>{_HANDLE_LIKE})\s+(?:sur|on|via|par)\s+(?:mon\s+|my\s+)?
        {_PLATFORMS}"""
)
_NAMED_ACCOUNT = _rx(
    rf"""\b(?:(?:mon|my)\s+(?:pseudo|handle|username|user\s+name|compte|account|profil|profile)|
        (?:je\s+suis|i'?m|me\s+trouver|find\s+me)\b[^.!?\n]{{0,20}}?\b(?:sous|as|under)
        (?:\s+(?:le\s+nom|le\s+pseudo|the\s+name|the\s+handle))?)\s*(?::|c'est|is|=)?\s*
        @?(?P<handle>{_HANDLE_LIKE})"""
)
# A request to be reached followed by a user name after a colon: "m'ajouter sur snp : juju_rdo".
_REACH_THEN_NAME = _rx(
    rf"""{_REACH}[^.!?\n]{{0,30}}?(?::|->|→|👉)\s*@?(?P<handle>{_HANDLE_LIKE})"""
)
_TALK_PATTERNS = (
    _REACH_ME,
    _PLATFORM_THEN_REACH,
    _RATHER_THAN_HERE,
    _ELSEWHERE,
    _PLATFORM_QUESTION,
    _YOU_ON,
    _QUOTED_ACCOUNT,
    _ASK_ACCOUNT,
    _USES_MESSENGER,
    _ACCOUNT_QUESTION,
    _PREFERRED,
    _DESCRIBED_ACCOUNT,
    _SEND_ON,
)
_NAME_PATTERNS = (
    _OWN_ACCOUNT,
    _PLATFORM_THEN_HANDLE,
    _HANDLE_THEN_PLATFORM,
    _NAMED_ACCOUNT,
    _REACH_THEN_NAME,
    _LOOK_UP,
    _PLATFORM_THEN_NAME,
)


def _is_route(handle: str) -> bool:
    return bool(_ROUTE_CODE.fullmatch(handle.rstrip("._")))


def _socials(text: str) -> list[Contact]:
    found: list[Contact] = []
    for match in _HANDLE.finditer(text):
        name = match["name"]
        if not _TIME.fullmatch(name):
            found.append(Contact("social_handle", "@" + name.lower()))
    for pattern in _TALK_PATTERNS:
        for match in pattern.finditer(text):
            found.append(Contact("social_handle", _squash(match.group())))
    for pattern in _NAME_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            name = groups.get("handle") or groups.get("bare") or groups.get("plain") or ""
            if groups.get("plain") and _is_word(name):
                continue
            if groups.get("bare") and len(name.strip("._")) < 4:
                continue
            if name and not _is_route(name):
                found.append(Contact("social_handle", "@" + name.lower()))
    return list(dict.fromkeys(found))


# "clem underscore rando", "sam dot trails", "arobase clem_rando", "at sam.trails".
_SAID_UNDERSCORE = _rx(
    r"\s*\b(?:underscore|under\s+score|underline|tiret\s+(?:bas|du\s+(?:8|huit)))\b\s*"
)
_SAID_DOT = _rx(r"(?<=[^\W_])\s+(?:point|dot)\s+(?=[^\W\d_])")
_SAID_AT = re.compile(
    rf"(?:(?<=^)|(?<=[\s:(,]))(?:arobase|at)\s+(?=(?P<handle>{_HANDLE_LIKE})(?![\w@]))",
    re.IGNORECASE,
)


def _spoken_handles(text: str) -> str:
    """`text` with the spoken forms of "_", "." and "@" in user names written as signs; an
    address's domain ("at gmail.com") is left for the e-mail rules."""
    text = _SAID_DOT.sub(".", _SAID_UNDERSCORE.sub("_", text))

    def at(match: re.Match[str]) -> str:
        handle = match["handle"]
        if re.match(_WEBMAIL, handle, re.IGNORECASE) or _has_public_suffix(handle):
            return match.group()
        return "@"

    return _SAID_AT.sub(at, text)


# Platform names disguised by digits, signs or dots between the letters ("1nst4", "sn@p",
# "wh4ts4pp", "t3l3gram", "i.n.s.t.a"): written plainly before the other rules read them.
_LEET = {
    "a": "a4@*",
    "e": "e3€*",
    "i": "i1!|*",
    "o": "o0*",
    "s": "s5$",
    "t": "t7+",
    "g": "g9",
    "b": "b8",
}
_DISGUISABLE = (
    "instagram", "insta", "snapchat", "snap", "whatsapp", "telegram", "tiktok", "signal",
    "discord", "facebook", "youtube", "messenger", "strava",
)  # fmt: skip
_LETTER_GAP = r"[.\-_·•]?"


def _disguised(word: str) -> str:
    letters = [f"[{re.escape(_LEET.get(ch, ch))}]" for ch in word]
    return _LETTER_GAP.join(letters)


_DISGUISED_PLATFORM = re.compile(
    r"(?<![A-Za-z0-9@.])(?:"
    + "|".join(f"(?P<{word}>{_disguised(word)})" for word in _DISGUISABLE)
    + r")(?![A-Za-z0-9@])",
    re.IGNORECASE,
)


def undisguise_platforms(text: str) -> str:
    """`text` with platform names disguised in leetspeak or with signs written plainly."""

    def plain(match: re.Match[str]) -> str:
        # Signs between all the letters or none: "youtu.be" and "instagr.am" are links.
        gaps = len(re.findall(r"[.\-_·•]", match.group()))
        word = match.lastgroup or ""
        return word if gaps in {0, len(word) - 1} else match.group()

    return _DISGUISED_PLATFORM.sub(plain, text)


# "pierre-dot-alpes-at-gmail-dot-com", "jane_at_gmail_dot_com": the spoken signs joined to
# the words by hyphens or underscores, set apart by spaces for the spoken-address rules.
_JOINED_SIGN = _rx(r"(?<=[^\W_])\s*[-_]\s*(at|dot|point|arobase)\s*[-_]\s*(?=[^\W_])")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


# Texts whose contact details are kept (`find_kept`).
FIND_CACHE = 1024


def find(text: str) -> list[Contact]:
    """Every contact detail in `text`, in the order phone, e-mail, link, social handle."""
    return list(_find(text))


def find_kept(text: str) -> list[Contact]:
    """`find`, kept per text: for a text read again and again (the guard reads the tail of the
    persona's recent messages for each part and each try of a reply), not for a new one."""
    return list(_find_kept(text))


@functools.lru_cache(maxsize=FIND_CACHE)
def _find_kept(text: str) -> tuple[Contact, ...]:
    return _find(text)


def _find(text: str) -> tuple[Contact, ...]:
    text = undisguise_platforms(normalise(text))
    found = _phones(text)
    # Letters written one by one ("h t t p s", "e l o d i e _ 3 8") are read joined too.
    spelled = _JOINED_SIGN.sub(r" \1 ", text)
    for view in dict.fromkeys((text, despace(text), spelled)):
        found += [Contact("phone", _squash(m.group())) for m in _PHONE_TALK.finditer(view)]
        emails, spans = _emails(view)
        found += [*emails, *_links(view, spans), *_socials(view)]
    # A user name said aloud ("arobase clem underscore rando", "at sam dot trails").
    spoken = _spoken_handles(text)
    if spoken != text:
        found += _socials(spoken)
    order = {"phone": 0, "email": 1, "url": 2, "social_handle": 3}
    return tuple(sorted(dict.fromkeys(found), key=lambda contact: order[contact.kind]))
