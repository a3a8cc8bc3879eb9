"""The deterministic style report of `eval` on hand-made transcripts and the human corpus."""

from __future__ import annotations

from pathlib import Path

from randomatch_bot.evaluation.runner import EvalReport, load_corpus, render_markdown
from randomatch_bot.evaluation.style_report import Line, Transcript, style_figures

CORPUS = Path(__file__).parent.parent / "data" / "human_chats_fr.jsonl"


def transcript(*bot_replies: list[str]) -> Transcript:
    lines: list[Line] = []
    for reply in bot_replies:
        lines.append(Line("human", "Et toi ?"))
        lines += [Line("bot", part) for part in reply]
    return Transcript("t", tuple(lines))


def test_assistant_habits_are_counted() -> None:
    """Assistant phrasing, lists, emoji floods, repeated openers and duplicates are counted."""
    bot = transcript(
        ["Haha trop bien !", "**Voici** mes idées :\n- le Vercors"],
        ["Haha oui 😄😄😄", "N'hésite pas si tu as besoin !"],
        ["Haha trop bien !", "Tu pars où ?"],
    )
    figures = style_figures([bot])
    assert figures["parts"] == 6
    assert figures["assistant_share"] == 100 * 2 / 3
    assert figures["formatting_share"] == 100 / 6
    assert figures["emoji_flood_share"] == 100 / 6
    assert figures["repeated_opener_share"] == 100 * 2 / 3
    assert figures["duplicate_share"] == 100 / 6
    assert figures["question_share"] == 100 / 3
    assert figures["parts_per_reply"] == 2


def test_only_the_bot_is_measured_in_a_simulated_transcript() -> None:
    """The human's messages of a simulated conversation are not part of the bot's figures."""
    figures = style_figures([transcript(["Salut toi, ça va bien aujourd'hui ?"])])
    assert figures["parts"] == 1
    assert figures["part_words_median"] == 7  # "?" counts as a word, as typed


def test_human_corpus_reads_like_chat() -> None:
    """The project's human corpus has short messages, lower-case starts and no assistant tells."""
    corpus = load_corpus(CORPUS)
    assert len(corpus) >= 12
    figures = style_figures(corpus, speakers="all")
    assert figures["part_words_median"] <= 6
    assert figures["lowercase_share"] > 50
    assert figures["assistant_share"] == 0
    assert figures["formatting_share"] == 0
    assert style_figures(corpus, speakers="all") == figures  # deterministic


def test_markdown_report_names_both_columns() -> None:
    """The eval report shows the simulated and human columns and says when no judge ran."""
    corpus = load_corpus(CORPUS)
    report = EvalReport(
        parameters={
            "conversations": 1, "turns": 1, "seed": 0, "llm": "offline responder",
            "corpus": str(CORPUS), "corpus_conversations": len(corpus),
        },
        simulated=style_figures([transcript(["Salut !"])]),
        human=style_figures(corpus, speakers="all"),
        simulated_words=[1],
        human_words=[],
    )  # fmt: skip
    text = render_markdown(report)
    assert "| metric | unit | simulated | human corpus |" in text
    assert "Not run: no model configured" in text
