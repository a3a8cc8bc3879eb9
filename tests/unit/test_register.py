"""A whole reply's register: assistant formulas and structure against phone chat."""
# ruff: noqa: E501 - one labelled reply per line reads best

from __future__ import annotations

import pytest

from randomatch_bot.conversation.words import register, style

ASSISTANT = [
    # French
    ("Je comprends tout à fait ce que tu ressens", "empathy_formula"),
    ("Merci pour ta question", "thanks_for_question"),
    ("Je comprends parfaitement ta frustration, c'est une situation délicate.", "empathy_formula"),
    ("Merci beaucoup pour cette question !", "thanks_for_question"),
    ("Excellente question ! Le GR20 se fait plutôt en juin.", "great_question"),
    ("Si tu as d'autres questions sur le Vercors, n'hésite pas !", "offer_more_help"),
    ("J'espère que ces conseils te seront utiles !", "hope_this_helps"),
    ("En tant qu'IA, je n'ai pas de jambes pour randonner.", "as_a_x"),
    ("Voici quelques itinéraires que je te recommande :\n- Le lac Blanc\n- Le col du Glandon", "here_are"),
    ("Tout d'abord, choisis un sentier balisé. Ensuite, regarde l'heure du coucher du soleil. Enfin, préviens un proche.", "enumeration"),
    ("Il est crucial de prévoir une couche chaude même en été.", "importance"),
    ("De plus, le refuge est gardé. Cependant, il faut réserver. Par ailleurs, les douches sont payantes.", "formal_connectors"),
    ("Souhaites-tu que je te prépare un itinéraire détaillé ?", "offer_more_help"),
    ("Je reste à ta disposition pour toute autre question.", "offer_more_help"),
    ("C'est tout à fait compréhensible de ressentir de l'appréhension avant un premier trek.", "empathy_formula"),
    ("**Le Vercors** : des plateaux superbes, idéal pour le bivouac.", "markdown"),
    # English
    ("Is there anything else you'd like to know?", "offer_more_help"),
    ("It's worth noting that the hut closes in October.", "worth_noting"),
    ("I completely understand how you feel.", "empathy_formula"),
    ("Thanks so much for your question!", "thanks_for_question"),
    ("Is there anything else I can help you with?", "offer_more_help"),
    ("Let me know if you have any other questions!", "offer_more_help"),
    ("Great question! The best season is September.", "great_question"),
    ("As an AI language model, I don't hike.", "as_a_x"),
    ("Here are a few tips for your first multi-day trek:", "here_are"),
    ("I hope this helps!", "hope_this_helps"),
    ("Firstly, pick a marked trail. Secondly, check the forecast. Lastly, tell someone your plan.", "enumeration"),
    ("Would you like me to suggest a few more trails?", "offer_more_help"),
    ("Feel free to reach out anytime!", "offer_more_help"),
    ("Moreover, the views are stunning. However, the path is steep. Additionally, parking is limited.", "formal_connectors"),
    ("## My top hikes\n1. Snowdon\n2. Scafell Pike", "structured_list"),
]  # fmt: skip

NATURAL = [
    "Bien sûr, j'y vais chaque été !",
    "Voilà mes chaussures qui lâchent… 40 bornes et c'est fini 😭",
    "Merci ! Toi aussi t'as l'air sympa",
    "Je comprends, moi aussi j'ai eu la trouille au passage du câble",
    "Bonne question mdr, j'en sais rien",
    "Ah je comprends mieux pourquoi t'étais crevé hier",
    "On est de plus en plus nombreux sur ce sentier, ça devient fou",
    "Vous étiez combien au refuge avec tes potes ?",
    "N'hésite pas à venir avec ton chien, il sera le bienvenu",
    "Dis-moi si tu passes vers Annecy, je te montre le Semnoz",
    "D'abord on a raté le bus, ensuite il a plu 😂",
    "Il faut que je rachète une frontale, la mienne est morte",
    "En effet c'était pas une petite balade haha",
    "Voici la vue de ce matin, pas mal hein ?",
    "En résumé : pluie, boue, fondue. Meilleur week-end.",
    "Let me know if you ever come to Grenoble!",
    "Feel free to bring your dog, mine loves company",
    "Good question lol, no clue",
    "Thanks for asking! Knees are sore but happy",
    "I understand, I'd be scared too on that ridge",
    "Here's the thing, I never check the weather 😅",
    "Of course I packed too many snacks again",
    "However tired I am, I always go for the summit",
    "Sorry to hear about your ankle, that sucks",
    "I hope you make it to the top this time!",
    "Absolutely loved that hike",
    "We got to the hut at sunset. Best feeling ever",
    # offers, thanks and announcements about something concrete are what people write
    "Je te remercie pour hier soir, c'était top",
    "Tu veux que je t'envoie les photos ?",
    "Si tu veux je peux te conseiller un bon resto à Annecy",
    "Laisse-moi te présenter mon chien 😄",
    "Courage pour demain ! Je suis là si tu as besoin 😘",
    "Dis-moi si tu as besoin d'aide pour porter la tente",
    "Voici quelques photos de ma rando d'hier",
    "Je suis désolée d'apprendre ça, ça va aller ?",
    "Let me know if you need help with the tent",
    "Do you want me to send you the gpx?",
    "If you want I can show you my favourite spot",
    "That's a good point actually",
    "I'd be happy to show you around Chamonix",
    "First, coffee. Then, the summit.",
    "Let me explain, I got lost twice 😂",
]


@pytest.mark.parametrize(("text", "tell"), ASSISTANT)
def test_assistant_register_is_recognised(text: str, tell: str) -> None:
    """A reply with a clear formula or an assistant's structure reads as an assistant's, and
    names what gave it away."""
    verdict = register.assess(text, "fr")
    assert verdict.assistant, verdict
    assert tell in verdict.tells
    assert verdict.score >= register.ASSISTANT_SCORE
    assert verdict.corrective.startswith("Ta réponse sonnait comme un assistant")


@pytest.mark.parametrize("text", NATURAL)
def test_natural_chat_is_not_flagged(text: str) -> None:
    """Chat lines made of the same words ("merci", "je comprends", "let me know", "voilà")
    are not taken for an assistant's, so they are neither asked for again nor cut."""
    verdict = register.assess(text, "fr")
    assert not verdict.assistant, verdict
    assert verdict.corrective == ""
    assert style.strip_assistant_phrasing(text) == text


def test_one_hint_alone_flags_nothing_two_do() -> None:
    """A single hint (one formal connector pair, a "vous" next to "tu", a long paragraph) is
    not enough; two together are."""
    long_chat = " ".join(["on a marché longtemps et c'était beau"] * 9)  # 63 words
    assert register.assess(long_chat).tells == ("long_paragraph",)
    assert not register.assess(long_chat).assistant
    assert not register.assess("Vous pouvez venir, toi et ta sœur !").assistant
    both = long_chat + ". Vous pouvez venir, toi et ta sœur."
    assert register.assess(both).assistant


def test_laughter_softens_a_played_formula() -> None:
    """A person playing with a formula ("Great question 😂") is not flagged; the same
    formula said straight is."""
    assert not register.assess("Great question 😂 no idea").assistant
    assert register.assess("Great question! The answer is September.").assistant


def test_corrective_names_what_to_avoid_never_the_text() -> None:
    """The corrective is French, names the kinds found, never repeats the reply, and asks
    for English when the persona writes English."""
    text = "Merci pour ta question ! Je reste à ta disposition pour toute autre question."
    verdict = register.assess(text, "fr")
    assert "remerciement pour la question" in verdict.corrective
    assert "offre d'aide" in verdict.corrective
    assert "disposition" not in verdict.corrective
    assert "dans la langue de la conversation" in verdict.corrective
    english = register.assess("I hope this helps!", "en").corrective
    assert english.startswith("Ta réponse sonnait comme un assistant")
    assert "réponds en anglais" in english


def test_the_verdict_is_deterministic_and_unicode_blind() -> None:
    """The same text gives the same verdict, whatever its Unicode form, apostrophes or case."""
    plain = register.assess("N'hésite pas si tu as d'autres questions !")
    decomposed = register.assess("N\u2019he\u0301site PAS si tu as d\u2019autres questions !")
    assert plain == decomposed == register.assess("N'hésite pas si tu as d'autres questions !")
    assert plain.tells == ("offer_more_help",)


def test_better_reply_has_the_lower_score() -> None:
    """The composer keeps the reply with the lower score: a rewrite without formulas wins."""
    first = register.assess("Excellente question ! Voici quelques idées :\n- le Vercors")
    second = register.assess("Le Vercors, sans hésiter. T'y es déjà allé ?")
    assert second.score < first.score
    assert second.score == 0
