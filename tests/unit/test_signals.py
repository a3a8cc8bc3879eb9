"""What a person's message says for good: under 18, or stop writing to me. Both labels, both
languages, and the ordinary hiking talk that must not trip them."""

from __future__ import annotations

import datetime as dt

import pytest

from randomatch_bot.conversation.words import signals

MINORS = [
    # French, as typed on a phone.
    "16 ans et toi ?",
    "salut ! j'ai 15 ans et toi ?",
    "j'ai que 15 ans",
    "jai 17 ans mdr",
    "J\u2019ai seulement 14 ans, c'est grave ?",
    "g 15 ans",
    "j'ai 16ans 😅",
    "quinze ans, et vous ?",
    "moi 16 ans, toi ?",
    "Bah 15 ans",
    "j'ai eu 16 ans hier !",
    "j'aurai 18 ans en mars",
    "j'ai pas encore 18 ans",
    "je suis mineure",
    "je suis pas encore majeur",
    "je suis en 1ère",
    "je suis en 1ère S",
    "moi je suis en terminale, et toi ?",
    "jsuis en 3eme au collège",
    "chui en seconde lol",
    "en seconde",
    "au collège",
    "je suis au lycée",
    "je suis encore au lycée, je finis l'an prochain",
    "je suis lycéenne",
    "je passe le bac l'an prochain",
    "je passe mon brevet en juin",
    "je suis née en 2011",
    # English.
    "i'm 15",
    "im 16 lol",
    "I am only 14, is that ok?",
    "I'm 16 years old",
    "i'm a 15 year old girl",
    "I just turned 16!",
    "still in high school",
    "i'm still in high school haha",
    "I'm a junior in high school",
    "im in 10th grade",
    "doing my GCSEs this year",
    "i'm underage",
    "I'm not 18 yet",
    "I'll be 18 in May",
    "16, hbu?",
]

NOT_MINORS = [
    # Numbers near "ans" that are not the person's age.
    "15 ans d'expérience en montagne",
    "j'ai 15 ans d'expérience",
    "mon fils a 15 ans",
    "ma fille de 16 ans adore la rando",
    "j'ai un fils de 14 ans",
    "j'ai fait ma première rando à 16 ans",
    "quand j'avais 15 ans je campais tout l'été",
    "j'ai 2 ans de plus que toi",
    "j'ai 17 ans d'écart avec ma sœur",
    "j'ai 34 ans",
    "j'ai 18 ans",
    "il a 15 ans et toi ?",
    "mon chien a 15 ans !",
    "15 km et toi ?",
    "ça fait 16 ans que je fais le GR20",
    "On a mis 15 minutes pour monter",
    # Teachers, parents and other schools.
    "au lycée toute la journée",
    "je suis au lycée toute la journée, je corrige des copies",
    "j'enseigne au lycée, et toi ?",
    "je suis prof au lycée",
    "je bosse au collège de mon quartier",
    "je suis en première année de master",
    "je suis en 1ère ligne au boulot",
    "j'ai acheté mes chaussures en seconde main",
    "je passe mon brevet d'accompagnateur en montagne",
    "je suis né en 1994",
    # English.
    "I'm 15 minutes away",
    "im 16km from the hut",
    "I'm 15 years into hiking",
    "i'm 15% done with the climb",
    "I'm 18",
    "I taught high school",
    "I'm a high school teacher",
    "my son is still in high school",
    "I'm 17th in the queue lol",
]


@pytest.mark.parametrize("text", MINORS)
def test_a_minor_saying_so_is_recognised(text: str) -> None:
    assert signals.declares_minor(text, today=dt.date(2026, 6, 1))


@pytest.mark.parametrize("text", NOT_MINORS)
def test_numbers_teachers_and_parents_are_not_minors(text: str) -> None:
    assert not signals.declares_minor(text, today=dt.date(2026, 6, 1))


def test_a_birth_year_is_dated_by_today() -> None:
    assert signals.declares_minor("je suis née en 2009", today=dt.date(2026, 6, 1))
    assert not signals.declares_minor("je suis née en 2008", today=dt.date(2026, 6, 1))


STOPS = [
    "arrête de me harceler",
    "Arrêtez de m'écrire svp",
    "Écoute, arrête de m'écrire stp.",
    "cesse de me contacter",
    "ne me contacte plus",
    "ne m\u2019écris plus",
    "me recontacte pas",
    "Laisse-moi tranquille.",
    "fous-moi la paix",
    "lâche-moi !",
    "tu me harcèles là",
    "j'ai trouvé quelqu'un",
    "j'ai rencontré quelqu'un d'autre, désolée",
    "je suis en couple maintenant",
    "Je ne suis pas intéressée, désolée",
    "ça m'intéresse pas",
    "je veux plus te parler",
    "je vais te bloquer",
    "je préfère qu'on en reste là.",
    "STOP",
    "stop stp",
    "stop les messages",
    "please don't text me again",
    "Please stop texting me",
    "stop writing to me",
    "leave me alone",
    "I'm not interested, sorry",
    "not interested",
    "I met someone else",
    "i'm seeing someone now",
    "I don't want to talk to you anymore",
    "you're harassing me",
    "i'm going to block you",
]

NOT_STOPS = [
    "on a fait un stop au refuge",
    "stop, cette montée me tue 😂",
    "stop 😂",
    "arrête, tu me fais rire",
    "arrête de me faire rire 😂",
    "On s'arrête au refuge pour manger ?",
    "je te bloque samedi ?",
    "pas intéressée par la via ferrata, trop de vide",
    "pas intéressé ?",
    "tu me parles plus ?",
    "j'ai rencontré quelqu'un au refuge qui connaissait ton village",
    "j'ai trouvé quelqu'un pour garder le chien ce week-end",
    "Top la rando !",
    "je suis plus dispo ce week-end",
    "I want to go away for the weekend",
    "we're done with the climb!",
    "I'm done with this hike lol",
    "don't text me while I'm driving lol",
    "I met someone on the trail who knew you",
    "I don't want to talk about my ex",
    "not interested in the GR20 honestly, too crowded",
    "the bus stop is right at the trailhead",
]


@pytest.mark.parametrize("text", STOPS)
def test_a_request_to_stop_is_recognised(text: str) -> None:
    assert signals.asks_to_stop(text)


@pytest.mark.parametrize("text", NOT_STOPS)
def test_hiking_talk_and_teasing_are_not_requests_to_stop(text: str) -> None:
    assert not signals.asks_to_stop(text)


def test_the_two_signals_are_independent() -> None:
    """A minor's message is not read as a request to stop, nor the other way round."""
    assert not signals.asks_to_stop("j'ai 15 ans et toi ?")
    assert not signals.declares_minor("leave me alone")


def test_long_text_is_judged_quickly() -> None:
    """No pattern backtracks badly on long or repetitive text."""
    import time

    text = ("j'ai " * 2000) + ("stop, " * 2000) + "a" * 20000
    started = time.perf_counter()
    signals.declares_minor(text)
    signals.asks_to_stop(text)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "je ne souhaite pas donner suite",
        "je préfère arrêter là, bonne continuation",
        "merci de ne plus m'écrire",
        "plus la peine de m'écrire",
        "t'es vraiment lourd",
        "I'll pass, sorry",
        "I don't think this is going to work",
        "that's enough",
        "you're not my type",
    ],
)
def test_polite_and_firm_endings_are_requests_to_stop(text: str) -> None:
    assert signals.asks_to_stop(text)


@pytest.mark.parametrize(
    "text",
    [
        "je préfère arrêter la rando à 15h",
        "j'arrête là pour ce soir, bonne nuit",
        "la pluie ça suffit pas à nous arrêter",
        "oublie-moi ça, je plaisantais",
        "stop it 😂",
        "I'll pass by the lake",
        "I quit smoking last year",
    ],
)
def test_endings_of_a_hike_or_a_joke_are_not(text: str) -> None:
    assert not signals.asks_to_stop(text)


@pytest.mark.parametrize(
    "text", ["j'ai 15 et toi ?", "je fête mes 16 ans samedi", "I'm in year 11", "still in hs"]
)
def test_shorter_ways_a_minor_says_it(text: str) -> None:
    assert signals.declares_minor(text)


@pytest.mark.parametrize(
    "text", ["j'ai 12 de moyenne en maths", "je fête mes 30 ans samedi", "I'm in year 3 of my PhD"]
)
def test_grades_and_birthdays_of_adults_are_not(text: str) -> None:
    assert not signals.declares_minor(text)


def test_a_kept_verdict_still_follows_the_date() -> None:
    """Verdicts are kept per text, and per year for a birth year: the same message read again
    in a later year is judged for that year."""
    text = "je suis née en 2010"
    assert signals.declares_minor(text, today=dt.date(2026, 6, 1))
    assert signals.declares_minor(text, today=dt.date(2026, 6, 1))
    assert not signals.declares_minor(text, today=dt.date(2029, 6, 1))
