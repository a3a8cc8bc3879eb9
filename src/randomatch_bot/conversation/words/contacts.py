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
    collapse_digit_runs,
    digits_view,
    normalise,
)

__all__ = ["Contact", "Kind", "find"]

Kind = Literal["phone", "email", "url", "social_handle"]


@dataclass(frozen=True, slots=True)
class Contact:
    """One way to reach someone: its kind and a canonical value ("+33671289405")."""

    kind: Kind
    value: str


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


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
    seen_spans: set[tuple[int, int, str]] = set()
    view = digits_view(text)
    for candidate in dict.fromkeys((view, collapse_digit_runs(view))):
        for match in phonenumbers.PhoneNumberMatcher(candidate, "FR", leniency=_LENIENCY):
            found.append(_phone(match.number))
            seen_spans.add((match.start, match.end, candidate))
        for region, digits in _OTHER_REGIONS.items():
            for match in phonenumbers.PhoneNumberMatcher(candidate, region, leniency=_LENIENCY):
                if (match.start, match.end, candidate) in seen_spans:
                    continue
                national = str(match.number.national_number)
                if match.raw_string.lstrip().startswith("+") or len(national) >= digits:
                    found.append(_phone(match.number))
    # One number found in both views is one number.
    return list(dict.fromkeys(found))


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
      | \b(?:appelle|appelles|rappelle|texte|textes|sms|whatsapp|bipe)[\s-]*(?:moi|me)\b
      | \btu\s+m'(?:appelles|appeles|textes|sms)\b | \bon\s+s'appelle\s+(?:ce|demain|quand|\?)
      | \b(?:envoie|envoies|envoyer)[\s-]*(?:moi\s+|me\s+|m')?un\s+(?:sms|texto|message\s+au)\b
      | \b(?:call|text|ring|phone|whatsapp|facetime)\s+me\b
        (?!\s+(?:crazy|old|lazy|a\b|an\b|what|whatever|by|if|out))
      | \bgive\s+me\s+a\s+(?:call|ring)\b"""
)

# --- e-mail addresses ------------------------------------------------------------------------
_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
_EMAIL_WRITTEN = _rx(
    rf"""(?P<local>[\w.+-]*\w)\s*(?:@|{_OPEN}\s*(?:at|arobase|@)\s*{_CLOSE})\s*
        (?P<domain>\w[\w-]*(?:\s*(?:\.|{_OPEN}\s*(?:dot|point|pt|\.)\s*{_CLOSE}|\s(?:dot|point)\s)
        \s*\w[\w-]*)+)"""
)
_EMAIL_SPOKEN = _rx(
    rf"""(?P<local>[\w.+-]*\w)\s+(?:at|arobase|chez)\s+(?P<domain>\w[\w-]*)
        \s*(?:\.(?=\w)|{_OPEN}\s*(?:dot|point|pt|\.)\s*{_CLOSE}|\s(?:dot|point)\s)\s*
        (?P<suffix>{_SPOKEN_SUFFIXES})\b"""
)
_EMAIL_PROVIDER = _rx(rf"(?P<local>[\w.+-]*\w)@(?P<domain>{_MAIL_PROVIDERS})\b")
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
        found.append(Contact("email", f"{match['local'].lower()}@{match['domain'].lower()}"))
        spans.append(match.span())
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
_SCHEME = _rx(r"\b(?:https?|ftp)\s*:\s*/\s*/\s*(?P<rest>[^\s<>\"']+)|\bwww\s*\.\s*(?P<www>[^\s<>\"']+)")
_HOST = re.compile(
    r"(?<![\w@.\-])(?P<host>(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?P<tld>[^\W\d_]{2,63}))"
    r"(?P<path>/[^\s<>\"']*)?(?![\w@-])"
)
_HOST_SPOKEN = _rx(
    rf"""(?<![\w@.])(?P<name>[^\W_][\w-]*[^\W_])\s*(?:{_OPEN}\s*(?:dot|point|pt|\.)\s*{_CLOSE}|
        \s(?:dot|point)\s)\s*(?P<suffix>{_SPOKEN_SUFFIXES})\b(?!['-])"""
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
        if in_email(match) or _is_sentence_break(match) or not re.search(r"[^\W\d_]", host[: -len(match["tld"])]):
            continue
        if not _has_public_suffix(host):
            continue
        value = (host + (match["path"] or "")).rstrip(".,;:!?)]}").lower()
        found.append(Contact("url", value.removeprefix("www.")))
    for pattern in (_HOST_SPOKEN, _HOST_BRACKETED):
        for match in pattern.finditer(text):
            host = f"{match['name']}.{match['suffix']}".lower()
            if not in_email(match) and _has_public_suffix(host):
                found.append(Contact("url", host))
    return list(dict.fromkeys(found))


# --- handles and platforms -------------------------------------------------------------------
_PLATFORMS = r"""(?:insta(?:gram)?|ig|snap(?:chat)?|telegram|tg|whats\s?app|whatsap|watsap|wa|
    signal|discord|strava|komoot|youtube|yt|tiktok|tik\s+tok|facebook|fb|messenger|twitter|
    bluesky|threads|kik|wechat|viber|skype|linkedin|onlyfans|mym|tinder|hinge|bumble|twitch|
    alltrails|wikiloc|imessage|facetime)\b"""
# An @handle; not an e-mail's domain, not a time ("@14h").
_HANDLE = re.compile(r"(?<![\w.@])@\s?(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?)")
_TIME = re.compile(r"\d{1,2}(?:h\d{0,2}|:\d{2})?|\d+")
# A token that looks like a user name: letters with a dot, an underscore or digits in it.
_HANDLE_LIKE = r"[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+)+[._]?|[A-Za-z]{2,}[A-Za-z_]*\d{2,}[A-Za-z0-9_]*"
# Trail, road and route names that look like handles ("GR20", "D1091", "TMB").
_ROUTE_CODE = re.compile(r"(?:GRP?|HRP|PR|TMB|[DNAE]|RN|RD|CD|SL|UTMB|UT|HR)\d+", re.IGNORECASE)
_REACH_ME = _rx(
    rf"""(?:
        \b(?:ajoute|ajoutes|suis|retrouve|[ée]cris|contacte|rejoins|texte|envoie|trouve|
           follow|dm|mp|capte|check|stalk)s?[\s-]+(?:moi|nous)\b
      | \b(?:m'|me\s+|nous\s+)(?:ajouter|ajoutes?|ajoutez|suivre|retrouver|retrouves?|[ée]crire|
           [ée]cris|contacter|contactes?|joindre|trouver|trouves?|parler|envoyer|envoies?|
           texter|textes?|appeler|appelles?|dm|follow|capter)\b
      | \b(?:add|follow|find|text|dm|message|call|reach|hit|ping|contact|join|catch|look|
           msg|snap|friend)\s+(?:me|us)(?:\s+up)?\b
      | \bon\s+(?:passe|continue|parle|discute|s'[ée]crit|se\s+parle|se\s+capte|bascule|
           switche?|se\s+retrouve|s'ajoute|s'appelle|se\s+suit|papote|[ée]change)
      | \b(?:passer|continuer|discuter|basculer|[ée]changer|papoter|bouger)\b
      | \blet'?s\s+(?:move|switch|continue|talk|chat|go|take\s+(?:this|it)|connect|text|
           keep\s+in\s+touch)
      | \b(?:we\s+(?:can|could|should)|can\s+we|could\s+we|shall\s+we|should\s+we)\s+
           (?:talk|chat|continue|move|switch|text|message|keep\s+talking|connect)
      | \b(?:move|switch|take\s+(?:this|it)|keep\s+in\s+touch|easier|simpler|plus\s+simple|
           plus\s+pratique)\b
    )[^.!?\n]{{0,30}}?\b(?:sur|on|via|par|en|to|over\s+to|over)\s+
    (?:mon\s+|ma\s+|my\s+|le\s+|the\s+)?{_PLATFORMS}"""
)
_ASK_ACCOUNT = _rx(
    rf"""(?:\b(?:c'est\s+quoi|quel\s+est|what'?s|what\s+is|donne[\s-]*moi|envoie[\s-]*moi|
        file[\s-]*moi|passe[\s-]*moi|give\s+me|send\s+me|je\s+te\s+donne|je\s+t'envoie|
        je\s+te\s+file|je\s+te\s+passe|i'?ll\s+(?:give|send)\s+you|here'?s|voici|voil[àa])
        \s+(?:ton|ta|your|mon|ma|my)
      | \b(?:t'as|tu\s+as|as-tu|t'es\s+sur|tu\s+es\s+sur|es-tu\s+sur|are\s+you\s+on|
        r\s+u\s+on|do\s+you\s+have|you\s+have|have\s+you\s+got)(?:\s+(?:un|une|a|an))?)
        \s*(?:compte\s+|account\s+|pseudo\s+|profil\s+|profile\s+|handle\s+|@\s*)?{_PLATFORMS}
        (?!\s+(?:de|des|du|d'|of|about|sur|on)\b)"""
)
# "mon insta : …", "my snap is …", "insta 👉 …".
_EXPLICIT = r"\s*(?::|=|->|→|👉|c'est|cest|is|it's)\s*"
# A plain word as a user name only when the sentence ends on it ("mon insta c'est camille !").
_PLAIN = r"(?P<plain>[A-Za-z][\w.]{2,29})(?=\s*(?:$|[!?.,;)\n]|[^\w\s]))"
_OWN_ACCOUNT = _rx(
    rf"""\b(?:mon|ma|my|ton|ta|your)\s+(?:compte\s+|account\s+|pseudo\s+|profil\s+|profile\s+|
        handle\s+|user(?:name)?\s+)?{_PLATFORMS}(?:\s+(?:account|handle|username|name))?
        (?:{_EXPLICIT}@?{_PLAIN}|(?:{_EXPLICIT}|\s+)@?(?P<handle>{_HANDLE_LIKE}))"""
)
_PLATFORM_THEN_HANDLE = _rx(
    rf"""\b{_PLATFORMS}(?:\s+(?:account|handle|username|name|pseudo))?\s*(?::|=|->|→|👉)\s*@?
        (?:(?P<handle>{_HANDLE_LIKE})|{_PLAIN})"""
)
# Words that end "my snap is …" without being a user name.
_NOT_A_NAME = frozenset(
    """dead broken down private public empty old new full gone deleted inactive boring same
    here there nothing mostly just only mine yours closed blocked banned hacked locked off
    mort morte cassé cassée vide privé privée nul nulle fermé fermée bloqué bloquée désactivé
    supprimé supprimée inactif inactive vieux ancien ancienne pareil ici là tout rien quoi
    what pas not juste perso secret nouveau nouvelle mieux better worse pire top génial
    great cool sympa super""".split()
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


def _is_route(handle: str) -> bool:
    return bool(_ROUTE_CODE.fullmatch(handle.rstrip("._")))


def _socials(text: str) -> list[Contact]:
    found: list[Contact] = []
    for match in _HANDLE.finditer(text):
        name = match["name"]
        if not _TIME.fullmatch(name):
            found.append(Contact("social_handle", "@" + name.lower()))
    for pattern in (_REACH_ME, _ASK_ACCOUNT):
        for match in pattern.finditer(text):
            found.append(Contact("social_handle", _squash(match.group())))
    for pattern in (_OWN_ACCOUNT, _PLATFORM_THEN_HANDLE, _HANDLE_THEN_PLATFORM, _NAMED_ACCOUNT):
        for match in pattern.finditer(text):
            groups = match.groupdict()
            name = groups.get("handle") or groups.get("plain") or ""
            if groups.get("plain") and name.lower() in _NOT_A_NAME:
                continue
            if name and not _is_route(name):
                found.append(Contact("social_handle", "@" + name.lower()))
    return list(dict.fromkeys(found))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def find(text: str) -> list[Contact]:
    """Every contact detail in `text`, in the order phone, e-mail, link, social handle."""
    text = normalise(text)
    phones = _phones(text)
    phones += [Contact("phone", _squash(m.group())) for m in _PHONE_TALK.finditer(text)]
    emails, spans = _emails(text)
    return [*phones, *emails, *_links(text, spans), *_socials(text)]
