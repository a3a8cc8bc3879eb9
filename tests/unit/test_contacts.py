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
    "text",
    [
        # French compounds, pairs with asides, the "0" left out and said after
        "le six, vingt-sept, zéro quatre, quatre-vingt-onze, treize, avec un zéro devant",
        "sept, quatre-vingt-un, vingt-deux, dix-neuf, zéro trois (rajoute le zéro)",
        "zéro sept soixante-douze quatorze zéro neuf quatre-vingt-dix-huit",
        "zéro-six-douze-trente-quatre-cinquante-six-soixante-dix-huit",
        "c'est zéro six, trente-deux, soixante et onze, dix-neuf, quarante",
        "zéro six, euh, douze, attends, trente-quatre, cinquante-six, soixante-dix-huit",
        "plus trente-trois, six, douze, trente-quatre, cinquante-six, soixante-dix-huit",
        "06 douze 34 cinquante-six 78",
        # English digit by digit, with "oh", "double", "triple", compounds
        "oh seven, double four, five six, triple nine, two one",
        "seven seven zero zero, nine zero zero, one two three",
        "my number's five five five, one two three, four five six seven",
        "nine one seven, five five five, oh one three two",
        "four fifteen, five fifty-five, oh one three two",
        "plus three three, six, twelve, thirty four, fifty six, seventy eight",
        "it's oh seven nine one one, double two three, four five six",
        # digits one by one without a trunk "0"
        "7 7 0 0 9 0 0 1 2 3",
        "6, 27, 04, 91, 13 avec un 0 devant",
    ],
)
def test_numbers_told_in_words_and_digit_by_digit(text: str) -> None:
    """A number told in French or English words, pairs or digit by digit, is a phone."""
    assert "phone" in _kinds(text), text


@pytest.mark.parametrize(
    "text",
    [
        "un, deux, trois, quatre, cinq, six, sept, huit, neuf, dix, c'est parti !",
        "ten, nine, eight, seven, six, five, four, three, two, one, go!",
        "j'ai vécu dans le 06, puis le 38, le 73, le 74 et le 69",
        "on a fait 12 km, puis 15 km, puis 18 km le dernier jour",
        "le 06 12 on était au refuge, 34 personnes, 56 lits",
        "Zéro regret, six heures de marche, douze kilomètres, mille deux cents mètres",
        "It was 2 degrees at 6, then 12 by noon, 18 at 3pm",
        "la voie en 6a, puis une 6b, 7a et 5c",
        "07h30 départ, 08h45 au col, 11h au sommet, 17h retour",
        "I was born in 1992, moved in 2010, started hiking in 2015",
        "prix : 12, 15, 18 et 22 € selon le refuge",
        "zéro, zéro, zéro motivation ce matin",
        "the hut's door code has 4 digits, like 1 9 8 4",
        "Il y avait 15, 20, peut-être 25 bouquetins",
        "dénivelé : deux mille, puis mille cinq cents, puis huit cents mètres",
        "J'ai noté 4 sommets : 2 850, 3 012, 2 964 et 3 100 m",
        "Le numéro du PGHM c'est le 112, à retenir",
    ],
)
def test_counts_and_lists_in_words_are_not_phones(text: str) -> None:
    """Counting, lists of departments, distances, grades, times and years are not numbers."""
    assert "phone" not in _kinds(text), text


@pytest.mark.parametrize(
    "text",
    [
        "note : 07 41 52 la suite c'est 66 09",
        "+33 6 et le reste 12 34 56 78",
        "c'est zéro six et après douze trente-quatre cinquante-six soixante-dix-huit",
        "07 81, attends je regarde, 22 19 03",
        "zero seven seven double oh, then nine double oh one two three",
        "my number starts with 0161, then 496 0000",
    ],
)
def test_a_number_told_in_chunks_with_words_between(text: str) -> None:
    """Chunks of one number with a few words between them make the number."""
    assert "phone" in _kinds(text), text


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


@pytest.mark.parametrize(
    "text",
    [
        # spelling variants and slang of the platforms
        "on continue sur télégram ?",
        "on peut continuer sur telegramme si tu veux",
        "on se parle sur watsap plutôt ?",
        "t'as whatsap ?",
        "do u have WA?",
        "you got WhatsApp?",
        "got insta?",
        "ton insta ?",
        "et ton snap alors ?",
        "your IG?",
        # invitations without a handle
        "t'as signal ? je préfère",
        "je préfère WhatsApp pour discuter, c'est plus simple",
        "I'd rather use Signal tbh",
        "viens en mp sur insta",
        "passe en dm sur insta, j'y réponds plus vite",
        "Bon, passe sur snap 😉",
        "viens sur discord on discute",
        "on se dm sur insta ?",
        "DM me on IG",
        "slide in my DMs on insta 😏",
        "hmu on snap",
        "add me on snap",
        "envoie-moi un snap ce soir",
        "je t'envoie un WhatsApp demain",
        "je t'ajoute sur snap ?",
        "je peux t'ajouter sur insta ?",
        "I'll add you on insta",
        "t'es sur discord ?",
        "tu utilises WhatsApp ?",
        "do you use telegram?",
        "I'm on telegram if you prefer",
        "je suis sur Signal si jamais",
        "go insta ?",
        # handles said aloud or described
        "arobase clem underscore rando",
        "at sam dot trails on insta",
        "my IG is at sam dot trails",
        "clem underscore rando sur insta",
        "mon pseudo insta c'est clem point rando",
        "cherche clem rando sur insta",
        "mon snap c'est le même que mon prénom + 38",
        "my snap is my first name plus 38",
        "mon insta c'est le même pseudo qu'ici",
        "same username on IG 😉",
        "on passe sur tlg ?",
        "t'as l'insta ?",
        "je suis bien plus réactive sur WhatsApp",
        "sur insta je suis clem.rando",
        "mon insta ? clem point rando, sans majuscule",
        "j'ai Signal si tu préfères",
        "I have WhatsApp if that's easier",
    ],
)
def test_invitations_and_spoken_handles(text: str) -> None:
    """Moving to another platform, asked, offered or preferred, and a handle said aloud."""
    assert "social_handle" in _kinds(text), text


@pytest.mark.parametrize(
    "text",
    [
        "je suis nulle sur Strava, 3 sorties par an",
        "je passe ma vie sur insta, c'est grave",
        "je viens de voir ça sur insta",
        "passe par le col du Glandon, c'est plus joli",
        "je te suis sur le sentier, vas-y devant",
        "je t'envoie une photo du sommet",
        "I'll text you the route tomorrow",
        "tu utilises Komoot pour tes traces ?",
        "je préfère Komoot à Strava pour préparer",
        "je suis sur Strava mais je poste jamais",
        "my strava is embarrassing",
        "mon snap est mort depuis 2019",
        "send me a snap of the view!",
        "fais un snap de la vue pour ta sœur",
        "cherche des idées sur Pinterest",
        "search for hikes on AllTrails",
        "ton insta doit être plein de sommets",
        "mon pote m'a écrit en mp sur insta pour la sortie",
        "pas de signal au col, on verra en bas",
        "un point d'eau au col, un point rando sympa",
        "at the top we saw ibex, at noon we left",
        "le groupe WhatsApp du club me saoule",
        "Discord c'est pour les gamers",
        "le télégramme est arrivé trop tard",
        "I'm on the ridge if you want to see the photo later",
        "hit me up when you're back from the trail? joke, tell me here",
    ],
)
def test_platforms_and_verbs_in_passing(text: str) -> None:
    """Platforms, "passe", "viens", "point" and "at" in ordinary talk are not invitations."""
    assert "social_handle" not in _kinds(text), text


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


@pytest.mark.parametrize(
    "text",
    [
        "sur tiktok je suis marierando…",
        "sur insta je suis thomasbivouac !",
        "on tiktok I'm wildjess.",
        "snap ⇒ julie.rdo (avec un point)",
        "snap => julie.rdo",
        "insta » paul_trek",
        "insta: paul_trek",
        "insta paul_trek si tu veux voir mes photos",
        "IG sam.trails",
        "1nst4 : paul_trek",
        "sn@p: julie.rdo",
        "wh4ts4pp → lucas_alpes",
        "t3l3gram : lucas_alpes",
        "i.n.s.t.a : lea_rando38",
        "s.n.a.p -> kevin.montagne",
        "t1kt0k: marie.rando",
    ],
)
def test_a_handle_right_after_a_platform(text: str) -> None:
    assert "social_handle" in _kinds(text), text


@pytest.mark.parametrize(
    "text",
    [
        "sur insta je suis timide, je poste rien",
        "on insta I'm shy.",
        "sur tiktok je suis tombée sur une vidéo du GR20",
        "sur insta, c'est grave comme tout le monde se ressemble",
        "insta: je poste rarement",
        "Strava GR20 en 12 jours, pas mal",
        "youtu.be et instagr.am sont des liens courts, je sais",
        "j'ai vu une marmotte sur insta hier",
        "le signal est faible au refuge",
        "snap, je l'utilise plus trop",
    ],
)
def test_a_platform_in_passing_names_no_handle(text: str) -> None:
    assert "social_handle" not in _kinds(text), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pierre-dot-alpes-at-gmail-dot-com", "alpes@gmail.com"),
        ("jane_at_gmail_dot_com", "jane@gmail.com"),
        ("tom - at - hotmail - dot - fr", "tom@hotmail.fr"),
        ("lea.sommet [a] orange [.] fr", "lea.sommet@orange.fr"),
        ("lea.sommet (a) free (.) fr", "lea.sommet@free.fr"),
        ("écris à marc.rando [a] gmail [.] com", "marc.rando@gmail.com"),
    ],
)
def test_spelled_email_forms(text: str, expected: str) -> None:
    emails = [c.value for c in contacts.find(text) if c.kind == "email"]
    assert expected in emails, (text, emails)


@pytest.mark.parametrize(
    "text",
    [
        "meet-at-the-top, then lunch",
        "point-at-the-map and pick a lake",
        "sarah_at_home today",
        "on se retrouve au point de vue (a) ou (b) ?",
    ],
)
def test_hyphened_at_and_dot_in_ordinary_words(text: str) -> None:
    assert "email" not in _kinds(text), text


@pytest.mark.parametrize(
    "text",
    [
        "six-one-seven, two-two-nine, four-four-zero-one",
        "call me: seven-seven-zero, nine-zero-zero, one-two-three-four",
        "oh-seven-seven-one-two, three-four-five, six-seven-eight",
    ],
)
def test_english_number_words_joined_by_hyphens(text: str) -> None:
    assert "phone" in _kinds(text), text


@pytest.mark.parametrize(
    "text",
    ["we did twenty-one switchbacks and a one-two punch of climbs", "the 617 bus, line two-two"],
)
def test_hyphened_number_words_that_are_no_phone(text: str) -> None:
    assert "phone" not in _kinds(text), text


def test_a_kept_result_is_a_fresh_list_each_time() -> None:
    """Results are kept per text; what a caller does with its list never changes the next."""
    first = contacts.find_kept("mon 06 71 28 94 05")
    first.clear()
    assert contacts.find_kept("mon 06 71 28 94 05") == [Contact("phone", "+33671289405")]
    assert contacts.find("mon 06 71 28 94 05") == [Contact("phone", "+33671289405")]
