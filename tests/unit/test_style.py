"""Phone-chat style: chat-length parts, only empty formulas cut, emoji habit, variety, habits."""

from __future__ import annotations

import random
import statistics

import pytest

from randomatch_bot.conversation.words import style
from randomatch_bot.conversation.words.assistant_phrases import assistant_tells
from randomatch_bot.conversation.words.reply_text import clean_reply

ASSISTANT_REPLY = """## Super idée !
Excellente question ! Voici quelques randos que je te conseille :
- **Le lac Blanc** : une rando magnifique, accessible depuis Chamonix, avec une vue incroyable \
sur le massif du Mont-Blanc, parfaite pour une première sortie en été si tu es en forme et que \
tu veux voir des paysages grandioses.
- **Le Vercors** : des plateaux superbes, idéal pour le bivouac 🏕️🏕️🏕️
- La Chartreuse, plus sauvage 😍😍😍🥾🥾
Il est important de bien s'équiper et de vérifier la météo avant de partir, surtout en montagne \
où les conditions changent vite et où les orages d'été peuvent être violents l'après-midi, donc \
pars tôt le matin.
N'hésite pas si tu as besoin d'autres conseils, je suis là pour t'aider ! \
Et toi, tu pars où ce week-end ? 😊🙌"""

ALL_HABITS = style.StyleProfile("rare", frozenset(style.HABITS))


def parts_of(text: str, seed: int, **kwargs: object) -> list[str]:
    cleaned = clean_reply(text, persona_name="Camille")
    profile = kwargs.pop("profile", style.StyleProfile())
    return style.chat_parts(
        cleaned,
        profile=profile,  # type: ignore[arg-type]
        max_parts=3,
        rng=random.Random(seed),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("N'hésite pas si tu as besoin !", "offer_more_help"),
        ("Excellente question !", "great_question"),
        ("Voici quelques idées de randos.", "here_are"),
        ("Je suis là pour t'aider.", "offer_more_help"),
        ("J'espère que ça t'aide !", "hope_this_helps"),
        ("Il est important de bien s'hydrater.", "importance"),
        ("Je comprends tout à fait ce que tu ressens", "empathy_formula"),
        ("Merci pour ta question", "thanks_for_question"),
        ("Feel free to ask me anything.", "offer_more_help"),
        ("Let me know if you need more tips!", "offer_more_help"),
        ("Is there anything else you'd like to know?", "offer_more_help"),
        ("Great question!", "great_question"),
        ("I hope this helps.", "hope_this_helps"),
        ("It's worth noting that the hut is closed.", "worth_noting"),
        ("As an AI, I don't hike.", "as_a_x"),
    ],
)
def test_assistant_formulas_are_recognised(sentence: str, name: str) -> None:
    """Each kind of assistant formula, French or English, is recognised by name."""
    assert name in assistant_tells(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Tu pars où ce week-end ?",
        "J'hésite entre le Vercors et la Chartreuse",
        "C'est une bonne idée, le lac Blanc !",
        "Voilà, je suis rentrée de ma rando",
        "Haha, je suis là demain si tu veux marcher",
        "Bien sûr, j'y vais chaque été !",
        "Voilà mes chaussures qui lâchent…",
        "Merci ! Toi aussi t'as l'air sympa",
        "Je comprends, moi aussi j'ai eu la trouille au passage du câble",
        "N'hésite pas à venir avec ton chien, il sera le bienvenu",
        "Let me know if you ever come to Grenoble!",
        "Feel free to bring your dog, mine loves company",
        "Thanks for asking! Knees are sore but happy",
        "Here's the thing, I never check the weather 😅",
        "I hope you make it to the top this time!",
    ],
)
def test_chat_sentences_are_not_assistant_phrasing(sentence: str) -> None:
    """Ordinary chat sentences, with the words formulas are made of, are no formula."""
    assert assistant_tells(sentence) == []


NATURAL_LINES = [
    "Bien sûr, j'y vais chaque été !",
    "Let me know if you ever come to Grenoble!",
    "Voilà mes chaussures qui lâchent… 40 bornes et c'est fini 😭",
    "Bonne question mdr, j'en sais rien. Et toi ?",
    "Ah je comprends mieux pourquoi t'étais crevé hier !",
    "On est de plus en plus nombreux sur ce sentier. Ça devient fou.",
    "Vous étiez combien au refuge avec tes potes ?",
    "Dis-moi si tu passes vers Annecy, je te montre le Semnoz.",
    "D'abord on a raté le bus, ensuite il a plu 😂",
    "Super sortie hier. Les jambes s'en souviennent !",
    "Good question lol, no clue. What about you?",
    "I understand, I'd be scared too on that ridge.",
    "Of course I packed too many snacks again. Classic me.",
    "Sorry to hear about your ankle, that sucks. Rest up!",
    "Absolutely loved that hike! The lake was freezing though.",
    "Merci pour les photos ! Le lac a l'air incroyable.",
]


@pytest.mark.parametrize("line", NATURAL_LINES)
def test_natural_lines_come_through_whole(line: str) -> None:
    """Whatever the draws, every sentence of a natural chat line is sent, and the line does
    not read as assistant register."""
    for seed in range(20):
        parts = parts_of(line, seed)
        assert style.sentences_kept(line, parts), (seed, parts)
    assert style.strip_assistant_phrasing(line) == line


def test_only_formula_sentences_are_cut() -> None:
    """A sentence that is nothing but a formula goes; the sentences that say something stay,
    word for word, and a formula inside a sentence that says something stays too."""
    text = (
        "Excellente question ! J'y vais chaque été, surtout en juillet. "
        "N'hésite pas si tu as d'autres questions 😊\nI hope this helps!"
    )
    assert style.strip_assistant_phrasing(text) == "J'y vais chaque été, surtout en juillet."
    inside = "Excellente question, j'y vais chaque été ! Bien sûr, n'hésite pas si besoin."
    assert style.strip_assistant_phrasing(inside) == "Excellente question, j'y vais chaque été !"


def test_a_reply_made_only_of_assistant_phrasing_is_kept() -> None:
    """The style pass never empties a reply: one made only of formulas is left as it was (the
    composer asks for it again, see `register`)."""
    only = "N'hésite pas si tu as besoin ! Je suis là pour t'aider."
    assert style.strip_assistant_phrasing(only) == only
    assert parts_of(only, 0)


def test_a_repeated_word_that_opens_a_sentence_stays() -> None:
    """The variety guard drops a repeated interjection set apart ("Super !"), never a word
    the sentence starts with ("Super sortie", "Bon courage")."""
    assert " ".join(parts_of("Super sortie. Et toi ?", 0, recent=["Super !"])).startswith(
        "Super sortie"
    )
    assert " ".join(parts_of("Bon courage pour demain !", 0, recent=["Bon, ok"])).startswith(
        "Bon courage"
    )
    assert not " ".join(parts_of("Super ! On y va ?", 0, recent=["Super !"])).startswith("Super")


@pytest.mark.parametrize("seed", range(30))
def test_a_reply_a_person_could_type_is_not_cut_to_a_budget(seed: int) -> None:
    """A reply of at most WHOLE_REPLY_WORDS words keeps all its sentences, whatever budget
    is drawn; a longer one is cut."""
    short = "Le Vercors c'est top. J'y étais samedi. Il a plu un peu. Mais la vue ! Tu connais ?"
    assert len(short.split()) <= style.WHOLE_REPLY_WORDS
    assert style.sentences_kept(short, parts_of(short, seed))


@pytest.mark.parametrize("seed", range(40))
def test_assistant_reply_becomes_chat_parts(seed: int) -> None:
    """Markdown, a list, assistant phrases, an emoji flood and long paragraphs all go."""
    parts = parts_of(ASSISTANT_REPLY, seed, profile=style.StyleProfile("often"))
    assert 1 <= len(parts) <= 3
    text = "\n".join(parts)
    for formula in ("Excellente question", "Voici", "N'hésite pas", "je suis là pour"):
        assert formula not in text
    assert not any(mark in text for mark in ("**", "##", "\n- ", "- ", "•"))
    assert all("\n" not in part for part in parts)
    for part in parts:
        assert len(part.split()) <= style.PART_WORDS_MAX, part
        assert style.count_emoji(part) <= 1, part
    assert style.count_emoji(text) <= 2
    # The question to the human survives the cut.
    assert any(part.rstrip(" 😊🙌").endswith("?") for part in parts)


def test_parts_are_chat_length_with_a_long_tail() -> None:
    """Over many replies, the median part is at most 12 words and some parts are longer."""
    paragraph = (
        "Le Vercors c'est vraiment un de mes coins préférés, surtout au printemps. "
        "J'y vais presque tous les week-ends avec des amis, on fait souvent les crêtes. "
        "La dernière fois on a vu des bouquetins, c'était magique. "
        "Il faut juste partir tôt parce qu'il fait vite chaud là-haut. "
        "Et toi, tu connais un peu le coin ?"
    )
    lengths = [len(part.split()) for seed in range(300) for part in parts_of(paragraph, seed)]
    assert statistics.median(lengths) <= 12
    assert max(lengths) >= 14


def test_rare_emoji_skips_a_reply_after_one_with_emoji() -> None:
    """With the "rare" habit, a reply right after one with an emoji carries none."""
    text = "Trop bien 😄 Tu y retournes quand ?"
    assert style.count_emoji("".join(parts_of(text, 1, recent=["Coucou 🙂"]))) == 0
    assert style.count_emoji("".join(parts_of(text, 1, recent=["Coucou"]))) == 1


def test_no_emoji_persona_sends_none() -> None:
    """A persona whose emoji setting is "none" never sends an emoji, even if the model does."""
    parts = parts_of("Génial 😍🔥 ! On y va samedi ? 🥾", 3, profile=style.StyleProfile("none"))
    assert style.count_emoji("".join(parts)) == 0
    assert "samedi" in " ".join(parts)


def test_variety_guard_drops_a_repeated_opener_and_sign_off() -> None:
    """An opener or sign-off used in a recent reply is not used again."""
    recent = ["Haha, trop bien ton week-end ! À plus !", "Ah oui le Vercors"]
    parts = parts_of("Haha, j'adore les lacs. Tu y vas quand ? À plus !", 2, recent=recent)
    joined = " ".join(parts)
    assert not joined.lower().startswith("haha")
    assert "À plus" not in joined
    assert "lacs" in joined
    fresh = parts_of("Haha, j'adore les lacs. À plus !", 2, recent=["Coucou"])
    assert " ".join(fresh).startswith("Haha")


def test_only_question_is_kept_even_if_repeated() -> None:
    """The reply's only question is kept even when a recent reply ended with it."""
    parts = parts_of("Super sortie. Et toi ?", 0, recent=["Le lac était beau. Et toi ?"])
    assert parts[-1].endswith("Et toi ?")


def test_habits_show_up_and_are_seeded() -> None:
    """Lowercase starts, "mdr"/"jsp" and typos appear with the habits, the same per seed."""
    text = "Haha je sais pas encore. Peut-être le Vercors, ou alors la Chartreuse ?"
    runs = [parts_of(text, seed, profile=ALL_HABITS) for seed in range(200)]
    assert runs == [parts_of(text, seed, profile=ALL_HABITS) for seed in range(200)]
    joined = [" ".join(parts) for parts in runs]
    assert any("mdr" in j for j in joined)
    assert any("jsp" in j for j in joined)
    assert any(parts[0][0].islower() for parts in runs)
    corrections = [parts for parts in runs if any(p.startswith("*") for p in parts)]
    assert corrections, "no typo with a correction in 200 replies"
    for parts in corrections:
        fix = next(p for p in parts if p.startswith("*"))
        assert fix[1:] in text
    plain = [parts_of(text, seed) for seed in range(50)]
    assert not any("mdr" in " ".join(p) or p[0][0].islower() for p in plain)


def test_markdown_titles_are_not_sent() -> None:
    """A markdown title line of the model's output is dropped, not turned into a message."""
    assert style.without_headers("## Mes conseils\nLe Vercors !\n# Bonus\nEt toi ?") == (
        "Le Vercors !\nEt toi ?"
    )


@pytest.mark.parametrize("seed", range(60))
def test_no_part_is_a_paragraph(seed: int) -> None:
    """Whatever the draws, no message is longer than PART_WORDS_MAX words and the closing
    question survives."""
    sentence = (
        "Le Vercors est un massif magnifique qui offre une grande variété de randonnées, "
        "depuis les balades familiales sur les plateaux jusqu'aux itinéraires engagés sur les "
        "crêtes, et il est agréable au printemps et en automne, lorsque les couleurs sont "
        "spectaculaires et que les sentiers sont moins fréquentés par les touristes."
    )
    parts = parts_of(f"{sentence} {sentence} Et toi, tu vises quoi ?", seed)
    assert max(len(p.split()) for p in parts) <= style.PART_WORDS_MAX
    assert parts[-1].endswith("tu vises quoi ?")
