"""Contact details found by structure: each kind, its obfuscations, and what is not one."""

from __future__ import annotations

import socket
import urllib.request

import pytest
import requests

from randomatch_bot.conversation.words import contacts
from randomatch_bot.conversation.words.contacts import Contact


def _kinds(text: str) -> set[str]:
    return {contact.kind for contact in contacts.find(text)}


@pytest.mark.parametrize(
    "text",
    [
        "06 71 28 94 05",
        "06.71.28.94.05",
        "0671289405",
        "+33 6 71 28 94 05",
        "+33 (0)6 71 28 94 05",
        "zéro six soixante et onze vingt-huit quatre-vingt-quatorze zéro cinq",
        "zero six seven one two eight nine four zero five",
        "O6 7l 28 94 O5",
        "0 6 7 1 2 8 9 4 0 5",
        "06_71_28_94_05",
        "06 🔸 71 🔸 28 🔸 94 🔸 05",
        "\uff10\uff16 \uff17\uff11 \uff12\uff18 \uff19\uff14 \uff10\uff15",  # full width
        "⓿❻❼❶❷❽❾❹⓿❺",
    ],
)
def test_one_french_number_in_many_forms(text: str) -> None:
    """Every way of writing 06 71 28 94 05 gives the same number."""
    phones = [c for c in contacts.find(text) if c.kind == "phone"]
    assert Contact("phone", "+33671289405") in phones, text


@pytest.mark.parametrize(
    "text",
    [
        "Le sommet est à 2 450 m, 3 000 D+ depuis le parking",
        "le 12/07/2025 à 14:30, puis le 13/07 06:15",
        "J'ai marché 1 200 000 pas en 2023, 25 000 le meilleur jour",
        "Les quatre sommets : 4808, 4478, 4061 et 3983 m",
        "prix : 300 € - 450 € selon le modèle, 1 299 € le vélo",
        "le 38, le 73 et le (74)",
        "GR20, GR 54, D1091, N85",
        "Il faut 2h30 pour monter et 1h45 pour descendre, 12,5 km",
        "De 1998 à 2005, puis de 2012 à 2019",
    ],
)
def test_numbers_of_ordinary_talk_are_not_phones(text: str) -> None:
    """Altitudes, dates, times, step counts, prices, departments and trails are not numbers."""
    assert contacts.find(text) == []


def test_national_numbers_of_other_countries_at_full_length() -> None:
    """A United States or United Kingdom number counts at its full length only."""
    assert _kinds("my cell is (415) 555-0132") == {"phone"}
    assert _kinds("text me on 07700 900123") >= {"phone"}
    assert contacts.find("we walked 1 234 567 steps") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("lea.m@gmail.com", "lea.m@gmail.com"),
        ("lea.m [at] gmail [dot] com", "lea.m@gmail.com"),
        ("lea.m(at)gmail(dot)com", "lea.m@gmail.com"),
        ("lea.m arobase gmail point com", "lea.m@gmail.com"),
        ("lea.m, arobase, gmail, point, com", "lea.m@gmail.com"),
        ("lea.m chez gmail point com", "lea.m@gmail.com"),
        ("lea.m at gmail dot com", "lea.m@gmail.com"),
        ("LEA.M@GMAIL.COM", "lea.m@gmail.com"),
        ("lea.m@gmail", "lea.m@gmail"),
    ],
)
def test_email_forms(text: str, value: str) -> None:
    """Written, bracketed and spoken e-mail addresses, with the same canonical value."""
    assert Contact("email", value) in contacts.find(text)


@pytest.mark.parametrize(
    "text",
    [
        "We got to the hut at sunset. Best feeling ever",
        "I was at home. Com'on, it rained all day",
        "on a dormi chez Paul. Point final.",
        "quel point de vue, et chez moi point de réseau",
    ],
)
def test_at_and_point_in_sentences_are_not_addresses(text: str) -> None:
    """ "at", "chez" and "point" are words; an address needs its whole shape."""
    assert contacts.find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "https://mesbalades.net/gr20",
        "www.mesbalades.net",
        "mesbalades.net",
        "mesbalades.co.uk",
        "mesbalades [dot] net",
        "mesbalades point net",
        "mesbalades .net",
        "t.me/mesbalades",
        "h t t p : / / mesbalades . net",
    ],
)
def test_link_forms(text: str) -> None:
    """Links with or without a scheme, with spoken or spaced dots, on the public suffix list."""
    assert "url" in _kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "C'était génial.Me voilà rentrée",
        "Trop bien.Il fait beau",
        "le col est au km 12.5, v2.0 du topo",
        "Mt.Blanc et St.Gervais",
        "Super journée .Me revoilà",
    ],
)
def test_missing_spaces_are_not_links(text: str) -> None:
    """A full stop without its space is a sentence, not a host name."""
    assert contacts.find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "@cam_rando",
        "ajoute-moi sur insta",
        "add me on snap",
        "my snap is kmi38",
        "mon insta c'est camille !",
        "snap : kmi_38",
        "kmi.38 sur snap",
        "on passe sur WhatsApp ?",
        "let's switch to telegram",
        "t'as insta ?",
        "do you have WhatsApp?",
        "find me on Strava, sam_trails",
        "tu veux qu'on s'appelle sur FaceTime ?",
        "mon snapchat : k m i _ 3 8",
    ],
)
def test_handles_and_platforms_to_move_to(text: str) -> None:
    """A handle, or a platform offered as the place to continue."""
    assert "social_handle" in _kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Instagram ruine les spots",
        "j'ai vu ça sur Strava",
        "la trace est sur Komoot",
        "I saw a great video on YouTube about the Écrins",
        "pas de signal au sommet",
        "Oh snap, my poles!",
        "my snap is broken lol",
        "Mon Strava c'est que du vélo en ce moment",
        "on se retrouve @ 14h ? non je rigole",
        "GR20 sur Strava, 15 jours",
    ],
)
def test_platforms_named_in_passing(text: str) -> None:
    """A platform named in passing is not a place to move to."""
    assert "social_handle" not in _kinds(text)


def test_no_network_and_no_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """The suffix list is the bundled snapshot: nothing is fetched, even on first use."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(requests.Session, "request", refuse)
    contacts._suffixes.cache_clear()
    try:
        assert Contact("url", "mesbalades.net") in contacts.find("mesbalades.net")
        assert contacts.find("Trop bien.Je pars") == []
    finally:
        contacts._suffixes.cache_clear()
