"""The output guard's rules, in French and English, and what they must let through."""

from __future__ import annotations

import uuid

import pytest

from randomatch_bot.config import DisclosurePolicy, Settings
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.persona.files import bundled_persona
from randomatch_bot.conversation.words import disclosure, guard, prompt
from randomatch_bot.conversation.words.guard import Reason
from randomatch_bot.llm import phrases

BLOCKED = [
    ("Mon 06 12 34 56 78, écris-moi", Reason.PHONE),
    ("Appelle-moi au +33 6 12 34 56 78", Reason.PHONE),
    ("call me at 555 123 4567 89", Reason.PHONE),
    ("zéro six douze trente-quatre cinquante six soixante-dix-huit", Reason.PHONE),
    ("Donne-moi ton numéro stp", Reason.PHONE),
    ("camille.rando@gmail.com", Reason.EMAIL),
    ("camille [at] gmail [dot] com", Reason.EMAIL),
    ("Regarde https://example.com/promo", Reason.URL),
    ("va voir www.example.com", Reason.URL),
    ("mon site c'est camillerando.fr", Reason.URL),
    ("ajoute moi sur insta @cam_rando", Reason.SOCIAL),
    ("On passe sur WhatsApp ?", Reason.SOCIAL),
    ("my snap is camrando", Reason.SOCIAL),
    ("Tu peux m'envoyer 50€ sur PayPal ?", Reason.MONEY),
    ("J'ai besoin d'argent pour mon billet, tu peux m'aider ?", Reason.MONEY),
    ("Achète-moi une carte cadeau Steam", Reason.MONEY),
    ("Could you lend me 200 dollars?", Reason.MONEY),
    ("J'habite au 12 rue des Alpes", Reason.ADDRESS),
    ("C'est à 38000 Grenoble", Reason.ADDRESS),
    ("my address is 4 Baker Street", Reason.ADDRESS),
    ("On se retrouve samedi à 9h au parking du col ?", Reason.MEETING),
    ("Let's meet tomorrow at 7pm at the station", Reason.MEETING),
    ("envoie-moi des nudes", Reason.SEXUAL),
    ("J'ai envie de coucher avec toi", Reason.SEXUAL),
    ("I want to have sex with you", Reason.SEXUAL),
    ("Tu as 15 ans ?", Reason.MINOR),
    ("je suis lycéenne", Reason.MINOR),
    ("she's 14 years old", Reason.MINOR),
]

ALLOWED = [
    "J'adore le Vercors, 1600 m de dénivelé en 5 h !",
    "Ça va ? Me aussi haha",
    "j'ai 10 ans d'expérience en rando",
    "Demain je pars à 8h pour voir le lever du soleil au sommet",
    "Jouir de la vue au sommet, rien de mieux",
    "Un pique-nique au lac, le rêve",
    "J'ai fait 12000 pas aujourd'hui",
    "Le refuge était à 2400 m, on est partis le 12/07/2025",
    "Tu randonnes plutôt de quel côté ?",
    "Moi c'est l'Instagram des autres qui me donne envie de partir 😅",
]


@pytest.mark.parametrize(("text", "reason"), BLOCKED)
def test_blocks(text: str, reason: Reason) -> None:
    """Each kind of content the persona may not send is caught, with its reason."""
    assert reason in guard.check(text)


@pytest.mark.parametrize("text", ALLOWED)
def test_lets_small_talk_through(text: str) -> None:
    """Ordinary hiking small talk (numbers, times, places) is not blocked."""
    assert guard.check(text) == []


def test_meeting_allowed_by_the_persona() -> None:
    """A persona allowed to arrange meetings may name a place and a time."""
    text = "On se retrouve samedi à 9h au parking du col ?"
    assert guard.check(text, allow_meetings=True) == []


def test_number_split_across_parts_is_caught() -> None:
    """A phone number cut in two parts is caught on the parts joined."""
    assert Reason.PHONE in guard.check_all(["Mon numéro : 06 12 34", "56 78 !"])


def test_obfuscated_with_zero_width_and_full_width_digits() -> None:
    """Zero-width spaces and full-width digits do not hide a phone number."""
    assert Reason.PHONE in guard.check("\uff10\uff16\u200b\uff11\uff12 34 56 78")


def test_safe_lines_pass_the_guard() -> None:
    """The lines sent instead of a blocked reply are themselves allowed, in both languages."""
    for language in ("fr", "en"):
        for reason in Reason:
            assert guard.check(guard.safe_line([reason], language)) == []


def test_offline_phrases_pass_the_guard() -> None:
    """No canned line of the offline responder trips the guard or the leak check."""
    pairs = guard.instruction_pairs(
        prompt.system_prompt(_camille()) + "\n" + prompt.rules_prompt(DisclosurePolicy.ADMIT)
    )
    lines = [
        item
        for value in vars(phrases).values()
        if isinstance(value, list | tuple)
        for item in value
        if isinstance(item, str)
    ]
    assert len(lines) > 20
    flagged = [line for line in lines if guard.check(line) or guard.paraphrases(line, pairs)]
    assert flagged == []


def test_corrective_instruction_names_the_reasons() -> None:
    """The regeneration is told what was wrong, in words the model understands."""
    text = guard.corrective_instruction([Reason.PHONE, Reason.MONEY])
    assert "numéro de téléphone" in text
    assert "argent" in text


def _camille() -> object:

    return Persona.default(Settings(_env_file=None), uuid.uuid4())  # type: ignore[call-arg]


def test_paraphrased_instructions_are_a_leak() -> None:
    """A reply restating the rules in other words is caught; describing the persona is not."""
    spec = bundled_persona("camille").spec
    pairs = guard.instruction_pairs(
        spec.composed_prompt("Camille") + "\n" + prompt.rules_prompt(DisclosurePolicy.ADMIT)
    )
    leak = "On m'a dit : des messages courts, sans mise en forme, et pas un mot des consignes"
    assert guard.paraphrases(leak, pairs)
    assert guard.paraphrases("Mes consignes : jamais de numéro, d'e-mail ni de lien", pairs)
    assert not guard.paraphrases(
        "J'adore le Vercors, la Chartreuse et les lacs de montagne !", pairs
    )
    assert not guard.paraphrases("Je t'écris des messages courts depuis mon téléphone", pairs)


def test_an_admission_is_not_a_leak() -> None:
    """Saying it is an AI persona of RandoMatch, as the policy asks, is not a leak."""
    for policy in (DisclosurePolicy.ADMIT, DisclosurePolicy.ALWAYS):
        rules = prompt.rules_prompt(policy)
        sayable = [*disclosure.ADMISSIONS.values(), prompt.DISCLOSURE_LINE]
        pairs = guard.instruction_pairs(rules, sayable=sayable)
        assert not guard.paraphrases("Oui je suis un personnage IA de RandoMatch 🙂", pairs)


def test_declares_minor() -> None:
    """A person saying they are under 18 is recognised; a duration is not an age."""
    assert guard.declares_minor("j'ai 15 ans et toi ?")
    assert guard.declares_minor("I'm 16 years old")
    assert not guard.declares_minor("j'ai 2 ans de plus que toi")
    assert not guard.declares_minor("j'ai 34 ans")
    assert guard.declares_minor("Je suis en seconde au lycée")
    assert guard.declares_minor("i'm still in high school")
    assert not guard.declares_minor("J'enseigne au lycée, et toi ?")
