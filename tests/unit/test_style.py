"""Phone-chat style: chat-length parts, no assistant phrasing, emoji habit, variety, habits."""

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
        ("N'hésite pas si tu as besoin !", "n'hesite pas"),
        ("Excellente question !", "excellente question"),
        ("Voici quelques idées de randos.", "voici"),
        ("Je suis là pour t'aider.", "je suis la pour"),
        ("J'espère que ça t'aide !", "j'espere que ca aide"),
        ("Il est important de bien s'hydrater.", "il est important de"),
        ("Feel free to ask me anything.", "feel free"),
        ("Let me know if you need more tips!", "let me know if"),
        ("Great question!", "great question"),
        ("I hope this helps.", "i hope this helps"),
    ],
)
def test_assistant_phrases_are_recognised(sentence: str, name: str) -> None:
    """Each listed assistant phrase, French or English, is recognised by name."""
    assert name in assistant_tells(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Tu pars où ce week-end ?",
        "J'hésite entre le Vercors et la Chartreuse",
        "C'est une bonne idée, le lac Blanc !",
        "Voilà, je suis rentrée de ma rando",
        "Haha, je suis là demain si tu veux marcher",
    ],
)
def test_chat_sentences_are_not_assistant_phrasing(sentence: str) -> None:
    """Ordinary chat sentences are not mistaken for assistant phrasing."""
    assert assistant_tells(sentence) == []


@pytest.mark.parametrize("seed", range(40))
def test_assistant_reply_becomes_chat_parts(seed: int) -> None:
    """Markdown, a list, assistant phrases, an emoji flood and long paragraphs all go."""
    parts = parts_of(ASSISTANT_REPLY, seed, profile=style.StyleProfile("often"))
    assert 1 <= len(parts) <= 3
    text = "\n".join(parts)
    assert assistant_tells(text) == []
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


def test_a_reply_made_only_of_assistant_phrasing_is_empty() -> None:
    """Nothing is left of a reply that only offers help: the caller falls back."""
    assert (
        style.strip_assistant_phrasing("N'hésite pas si tu as besoin ! Je suis là pour t'aider.")
        == ""
    )


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
