# ruff: noqa: E501 - a phrase list reads best with one pattern per line
"""What gives a reply away as written by an assistant rather than typed by a person on a phone.

A maintained list, French and English: service phrases ("N'hésite pas si tu as besoin",
"Let me know if…"), praise of the question ("Excellente question !"), announcements
("Voici quelques idées"), disclaimers and sign-offs no one sends in a dating chat. Each
entry is a name (reported by `simulate` and `eval`) and a pattern matched against text that
`normalize` has lower-cased and stripped of accents, so patterns are plain ASCII.

To add one: a short name, a pattern anchored on words (`\\b`), and a line in
`tests/unit/test_style.py` showing a sentence it catches.
"""

from __future__ import annotations

import re

from randomatch_bot.llm.phrases import normalize

__all__ = ["ASSISTANT_PHRASES", "assistant_tells"]

ASSISTANT_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        # --- French ---
        ("n'hesite pas", r"\bn'?h[ea]site[sz]? pas\b"),
        (
            "je suis la pour",
            r"\bje suis (?:la|toujours la|disponible) pour (?:t'|vous |toi|te |repondre|aider|t'aider|en parler)",
        ),
        (
            "si tu as besoin",
            r"\bsi (?:tu as|t'as|vous avez) (?:besoin|d'autres questions|des questions)\b",
        ),
        ("excellente question", r"\b(?:excellente|tres bonne|super|bonne) question\b"),
        ("voici", r"^(?:voici|voila) (?:quelques|mes|les|des|une liste|ce que)\b"),
        (
            "en tant qu'ia",
            r"\ben tant qu'(?:ia|assistant|intelligence artificielle)\b|\ben tant que (?:modele|assistant)\b",
        ),
        (
            "je serais ravie de",
            r"\bje serai[st]? ravie? de (?:t'|vous )?(?:aider|t'aider|repondre|en discuter)",
        ),
        (
            "j'espere que ca aide",
            r"\bj'espere que (?:ca|cela|ceci) (?:t'|vous )?(?:aide|aidera|repond)",
        ),
        ("en resume", r"^(?:en resume|en conclusion|pour resumer|en bref)\b"),
        ("il est important de", r"\bil est (?:important|essentiel|crucial) de\b"),
        ("bien sur !", r"^(?:bien sur|absolument|certainement)\s*[!,.]"),
        ("dis-moi si", r"\b(?:dis|fais)-moi savoir si\b|\bn'hesite pas a me dire\b"),
        (
            "je comprends ta question",
            r"\bje comprends (?:parfaitement |tout a fait )?(?:ta|votre) (?:question|demande)\b",
        ),
        ("bonne continuation", r"\bbonne continuation\b"),
        ("ravie d'avoir pu", r"\bravie? d'avoir pu\b"),
        ("tres bon choix", r"^(?:tres bon|excellent) choix\b"),
        ("quelle belle question", r"\bquelle (?:belle|bonne|excellente) question\b"),
        # --- English ---
        ("feel free", r"\bfeel free to\b"),
        ("let me know if", r"\blet me know if\b"),
        ("happy to help", r"\b(?:happy|glad) to (?:help|assist)\b|\bhow can i (?:help|assist)\b"),
        ("great question", r"\b(?:great|excellent|good) question\b"),
        ("as an ai", r"\bas an (?:ai|assistant|language model)\b"),
        ("i hope this helps", r"\bi hope (?:this|that) helps\b"),
        ("here are", r"^here (?:are|is) (?:some|a few|my|the)\b"),
        ("certainly", r"^(?:certainly|absolutely|of course)\s*[!,.]"),
        ("it's important to", r"\bit(?:'s| is) (?:important|essential|crucial) to\b"),
        ("in summary", r"^(?:in summary|in conclusion|to sum up)\b"),
        ("i'm here to", r"\bi'?m (?:always )?here (?:to|for you|if you)\b"),
    )
)


def assistant_tells(text: str) -> list[str]:
    """The names of the assistant phrases in `text`, in list order, each once."""
    text = re.sub(r"[*_#`>]+", "", text)  # markdown marks hide where a sentence starts
    sentences = [
        normalize(s).lstrip("-•0123456789.) ")
        for s in re.split(r"(?<=[.!?…])\s+|\n+", text)
        if s.strip()
    ]
    return [
        name
        for name, pattern in ASSISTANT_PHRASES
        if any(pattern.search(sentence) for sentence in sentences)
    ]
