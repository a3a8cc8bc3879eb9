"""Making a cleaned reply read like phone chat: short parts, no empty assistant formula, the
persona's emoji habit, no repeated interjection or sign-off, and the persona's typing habits.

The pass never deletes a sentence that says something. Of the assistant's phrasing it cuts
only the formulas that say nothing ("N'hésite pas si tu as d'autres questions !", "I hope this
helps!") where they make a whole sentence or clause, and never empties a reply; whether the
reply as a whole reads as an assistant's is judged by `register.assess`, and such a reply is
asked for again by the composer rather than cut into pieces here.

Chat messages are short: about 6 words on average, 80 % of them 5 words or fewer (Crystal,
citing Werry), where a model writes paragraphs. So a reply longer than a person types in one
go (WHOLE_REPLY_WORDS) gets a word budget drawn per reply from a long-tailed law (most replies
a dozen or two words, a few much longer), is cut to it at sentence ends (a question is kept),
and every reply is split with a split target drawn per reply too. Every choice uses the
injected RNG, so a seed gives the same parts. Pure functions.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from randomatch_bot.conversation.persona.timing import truncated_lognormal
from randomatch_bot.conversation.words import reply_text
from randomatch_bot.conversation.words.assistant_phrases import fold, without_formulas
from randomatch_bot.llm.phrases import normalize

__all__ = [
    "HABITS",
    "StyleProfile",
    "chat_parts",
    "count_emoji",
    "opener_of",
    "sentences_kept",
    "strip_assistant_phrasing",
    "without_headers",
]

HABITS = ("lowercase", "slang", "typos")  # optional persona habits, see `_apply_habits`

# Word budget of a whole reply (words): a log-normal, median 22, long tail to 70. It only
# bites on what a person would not type on a phone; the split makes the parts short.
REPLY_WORDS_MEDIAN = 22.0
REPLY_WORDS_SIGMA = 0.5
REPLY_WORDS_BOUNDS = (10.0, 70.0)
MIN_CLAUSE_WORDS = 5  # a sentence too long for what is left of the budget gives its first clause
# Split target per reply (chars): median 38 chars ≈ 7 French words, so sentences mostly go
# out as their own messages while a short one still joins its neighbour.
TARGET_CHARS_MEDIAN = 38.0
TARGET_CHARS_SIGMA = 0.35
TARGET_CHARS_BOUNDS = (22.0, 110.0)
LONG_SENTENCE_WORDS = 22  # a longer sentence is cut at the comma nearest its middle
PART_WORDS_MAX = 28  # a longer message keeps its head (and its closing question), not more
# A reply no longer than this is sent whole, whatever budget was drawn: a person types that
# much in one go, so none of its sentences is dropped (and no part can pass PART_WORDS_MAX).
WHOLE_REPLY_WORDS = PART_WORDS_MAX
RECENT_REPLIES = 6  # the persona's last messages that the variety guard looks at
# Emoji per reply and per part, by persona setting; "rare" also skips a reply after one
# that had an emoji, so fewer than half the replies have one.
EMOJI_PER_REPLY = {"none": 0, "rare": 1, "often": 2}
EMOJI_PER_PART = 1
# Habits: chances per part or per reply.
LOWERCASE_PROBABILITY = 0.75  # per part
SLANG_PROBABILITY = 0.6  # per occasion ("haha" → "mdr", "je sais pas" → "jsp")
TYPO_PROBABILITY = 0.05  # per reply
CORRECTION_PROBABILITY = 0.6  # a typo is followed by a "*word" part, when a part is free

# Interjections that open a reply; the same one twice in a few replies reads like a tic.
_OPENERS = (
    "haha", "hahaha", "ahah", "ahaha", "mdr", "ah", "oh", "ohh", "ooh", "waouh", "wow", "oui",
    "ouais", "grave", "carrement", "trop bien", "trop cool", "ah oui", "oh oui", "ah bon",
    "super", "genial", "top", "ok", "bon", "alors", "coucou", "salut", "hello", "hey",
    "j'avoue", "ah ouais", "serieux", "excellent", "parfait", "yes", "cool", "sympa",
)  # fmt: skip
_OPENER = re.compile(
    r"^\s*(?P<word>"
    + "|".join(sorted((re.escape(o) for o in _OPENERS), key=len, reverse=True))
    + r")(?P<tail>\s*[!,.…?]+\s*|\s+(?=\S))",
)
# Of those, the ones that are only an interjection even without a comma ("Haha j'adore"); the
# others ("Super sortie", "Bon courage", "Coucou toi") start the sentence and stay unless set
# apart by punctuation ("Super ! J'adore").
_BARE_INTERJECTIONS = frozenset(("haha", "hahaha", "ahah", "ahaha", "mdr", "waouh", "wow"))
_BOUNDARY = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'»)])\s+|\s*\n\s*")
_SLANG = (
    (re.compile(r"\b(?:ha){2,}h?\b|\bahah\w*\b", re.IGNORECASE), "mdr"),
    (re.compile(r"\bje (?:ne )?sais pas\b", re.IGNORECASE), "jsp"),
    (re.compile(r"\bje ne suis pas\b", re.IGNORECASE), "je suis pas"),
    (re.compile(r"\bc'est vrai\b", re.IGNORECASE), "c vrai"),
)
_FUNCTION_WORDS = frozenset((
    "le", "la", "les", "un", "une", "des", "du", "de", "et", "ou", "mais", "avec", "sans",
    "pour", "the", "a", "an", "and", "or", "with",
))  # fmt: skip  # a list item starting with one of these continues the sentence in lower case
_WORD = re.compile(r"\b[^\W\d_]{5,}\b")


@dataclass(frozen=True, slots=True)
class StyleProfile:
    """How a persona writes: its emoji habit and optional typing habits (see `HABITS`)."""

    emoji: str = "rare"  # "none" | "rare" | "often"
    habits: frozenset[str] = frozenset()


# --- emoji -------------------------------------------------------------------------------


def _is_emoji_base(char: str) -> bool:
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2B00 <= code <= 0x2BFF
        or (unicodedata.category(char) == "So" and code > 0x2000)
    )


def _is_modifier(char: str) -> bool:
    return char in "\ufe0f\u200d\u20e3" or 0x1F3FB <= ord(char) <= 0x1F3FF


def _emoji_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the emoji of `text`, one per emoji (ZWJ sequences and skin tones included)."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if not _is_emoji_base(text[i]):
            i += 1
            continue
        start, i = i, i + 1
        while i < len(text) and (
            _is_modifier(text[i]) or (text[i - 1] == "\u200d" and _is_emoji_base(text[i]))
        ):
            i += 1
        spans.append((start, i))
    return spans


def count_emoji(text: str) -> int:
    """How many emoji `text` holds (a skin tone or a ZWJ family counts once)."""
    return len(_emoji_spans(text))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +([,.!?…])", lambda m: m[1] if m[1] in ",." else " " + m[1], text)
    return text.strip()


def _limit_emoji(parts: list[str], allowed: int) -> list[str]:
    """Runs of emoji collapsed to their first; at most one per part and `allowed` in all."""
    out: list[str] = []
    left = allowed
    for part in parts:
        pieces, last, kept_here, previous_end = [], 0, 0, -1
        for start, end in _emoji_spans(part):
            pieces.append(part[last:start])
            in_run = part[previous_end:start].strip() == "" and previous_end >= 0
            if not in_run and left > 0 and kept_here < EMOJI_PER_PART:
                pieces.append(part[start:end])
                left -= 1
                kept_here += 1
            previous_end = last = end
        pieces.append(part[last:])
        out.append(_tidy("".join(pieces)))
    return [p for p in out if any(ch.isalnum() for ch in p) or count_emoji(p)]


# --- length ------------------------------------------------------------------------------


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`: cut after . ! ? … followed by a space, and at line
    breaks (so "2.5 km" or a URL stay whole)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for gap in _BOUNDARY.finditer(text):
        if text[start : gap.start()].strip():
            spans.append((start, gap.start()))
        start = gap.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in _sentence_spans(text)]


def _cut_long_sentence(sentence: str) -> str:
    """A sentence past LONG_SENTENCE_WORDS words, with a line break at its middle comma."""
    words = sentence.split()
    if len(words) <= LONG_SENTENCE_WORDS:
        return sentence
    middle = len(sentence) / 2
    commas = [m.start() for m in re.finditer(r"[,;:—] ", sentence)]
    if not commas:
        return sentence
    at = min(commas, key=lambda c: abs(c - middle))
    head, tail = sentence[:at].rstrip(), sentence[at + 2 :].lstrip()
    return head + "\n" + _cut_long_sentence(tail)


def _clause_end(text: str, start: int, end: int, room: float) -> int | None:
    """Where the longest leading clause of text[start:end] that fits in `room` words ends."""
    if room < MIN_CLAUSE_WORDS:
        return None
    best = None
    for comma in re.finditer(r"[,;:—] ", text[start:end]):
        if len(text[start : start + comma.start()].split()) > room:
            break
        best = start + comma.start()
    if best is None or len(text[start:best].split()) < MIN_CLAUSE_WORDS:
        return None
    return best


def _is_question(sentence: str) -> bool:
    return sentence.rstrip("\"'») ").endswith("?")


def _within_budget(text: str, budget: float) -> str:
    """The first sentences of `text` that fit in `budget` words (at least one), keeping a
    question: the last question dropped is added, in place of the last kept sentence if both
    would not fit. A sentence too long for what is left gives its first clause; long
    sentences are cut at a comma."""
    spans = _sentence_spans(text)
    kept: list[tuple[int, int]] = []
    words = 0
    for start, end in spans:
        n = len(text[start:end].split())
        if kept and words + n > budget:
            clause_end = _clause_end(text, start, end, budget - words)
            if clause_end is not None:
                kept.append((start, clause_end))
                words += len(text[start:clause_end].split())
            break
        kept.append((start, end))
        words += n
    dropped = spans[len(kept) :]
    # The last question is usually the one asked back to the human: it is kept.
    question = next((s for s in reversed(dropped) if _is_question(text[s[0] : s[1]])), None)
    if question:
        size = len(text[question[0] : question[1]].split())
        if len(kept) > 1 and words + size > 1.5 * budget:
            kept.pop()
        kept.append(question)
    pieces: list[str] = []
    for index, (start, end) in enumerate(kept):
        pieces.append(_cut_long_sentence(text[start:end]))
        if index + 1 < len(kept):
            following = kept[index + 1][0]
            gap = text[end:following] if following > end else ""
            pieces.append(gap if gap and not gap.strip() and len(gap) < 4 else "\n")
    return "".join(pieces)


def _cap_part(part: str) -> str:
    """`part` cut to PART_WORDS_MAX words at a comma or sentence end, keeping a closing
    question; what the budget and the split let through in one message is rarely that long."""
    if len(part.split()) <= PART_WORDS_MAX:
        return part
    spans = _sentence_spans(part)
    question = ""
    if len(spans) > 1 and _is_question(part[spans[-1][0] : spans[-1][1]]):
        question = part[spans[-1][0] : spans[-1][1]]
        part = part[: spans[-1][0]].rstrip()
    room = PART_WORDS_MAX - len(question.split())
    words = part.split()
    head = " ".join(words[:room])
    cut = max(head.rfind(", "), head.rfind(". "), head.rfind("! "), head.rfind(" ; "))
    if cut > len(head) // 3:
        head = head[: cut + (1 if head[cut] in ".!" else 0)]
    return f"{head.rstrip(' ,;:')} {question}".strip()


def _flatten_lines(part: str) -> str:
    """Line breaks inside one message (what a list became) turned into commas or spaces."""
    lines = [line.strip() for line in part.split("\n") if line.strip()]
    joined = ""
    for line in lines:
        if not joined:
            joined = line
        elif reply_text._ends_sentence(joined.split()[-1]) or joined.endswith(":"):
            joined += " " + line
        else:
            first = line.split(maxsplit=1)[0].casefold()
            continues = first in _FUNCTION_WORDS or first.startswith("l'")
            joined += ", " + (line[0].lower() + line[1:] if continues else line)
    return joined


# --- assistant phrasing ------------------------------------------------------------------


def strip_assistant_phrasing(text: str) -> str:
    """`text` without the assistant formulas that say nothing ("N'hésite pas si tu as
    d'autres questions !", "I hope this helps!", a leading "Excellente question,"): only a
    sentence or clause made of nothing but such a formula goes (`without_formulas`); a
    sentence that says something is kept whole, whatever words it uses. Lines nothing was cut
    from are kept as they were, and when cutting would leave nothing, `text` is returned as
    it was: the style pass never empties a reply (the composer asks again instead, see
    `register`)."""
    text = unicodedata.normalize("NFC", text)
    lines: list[str] = []
    changed = False
    for line in text.split("\n"):
        spans = _sentence_spans(line)
        sentences = [line[a:b].strip() for a, b in spans]
        kept = [without_formulas(s) for s in sentences]
        if kept == sentences:
            lines.append(line)
            continue
        changed = True
        if any(kept):
            lines.append(" ".join(k for k in kept if k))
    if not changed:
        return text
    stripped = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return stripped if any(ch.isalnum() for ch in stripped) else text


def sentences_kept(text: str, parts: Sequence[str]) -> bool:
    """Whether every sentence of `text` is still in `parts`: its words in order, whatever
    the splitting, spacing, punctuation, case or emoji (what the style pass may change
    without damage). Used to measure that a natural line comes through whole."""
    said = " " + " ".join(_words(" ".join(parts))) + " "
    return all(
        " " + " ".join(words) + " " in said
        for words in (_words(sentence) for sentence in _sentences(text))
        if words
    )


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(unicodedata.normalize("NFC", text)))


_HEADER_LINE = re.compile(r"^\s{0,3}#{1,6}\s+.*$\n?", re.MULTILINE)


def without_headers(raw: str) -> str:
    """Raw model output without its markdown header lines: a title is never a chat message."""
    return _HEADER_LINE.sub("", raw)


# --- variety -----------------------------------------------------------------------------


def opener_of(text: str) -> str | None:
    """The interjection a message opens with ("haha", "ah oui"), normalised, or None."""
    match = _OPENER.match(normalize(text))
    return match["word"] if match else None


def _closer_of(text: str) -> str | None:
    """The last sentence of a message when it is short (≤ 4 words), normalised: a sign-off."""
    sentences = _sentences(text)
    if not sentences:
        return None
    last = normalize(sentences[-1])
    last = re.sub(r"[^\w' ?!]", "", last).strip()
    return last if last and len(last.split()) <= 4 else None


def _drop_opener(part: str) -> str:
    """`part` without its opening interjection, first letter capitalised again; unchanged
    when the word opens the sentence rather than standing apart ("Super sortie", "Bon
    courage", "Alors là")."""
    bare = normalize(part)
    match = _OPENER.match(bare)
    if not match:
        return part
    if match["word"] not in _BARE_INTERJECTIONS and not re.search(r"[!,.…?]", match["tail"]):
        return part
    # `normalize` keeps one char per char of a single-spaced text; compare by word count.
    skip = len(match[0].split())
    words = part.split()
    rest = " ".join(words[skip:]) if len(words) > skip else ""
    rest = rest.lstrip(",.!…- ")
    return rest[:1].upper() + rest[1:]


def _vary(parts: list[str], recent: Sequence[str]) -> list[str]:
    """No interjection or short sign-off that one of the persona's recent messages already
    used: a repeated one reads like a tic. Only an interjection set apart goes from the
    opening; a sign-off goes only when it repeats a recent one word for word and is not the
    reply's only question."""
    if not parts or not recent:
        return parts
    openers = {o for o in (opener_of(m) for m in recent) if o}
    if opener_of(parts[0]) in openers:
        rest = _drop_opener(parts[0])
        if any(ch.isalnum() for ch in rest):
            parts = [rest, *parts[1:]]
        elif len(parts) > 1:
            parts = parts[1:]
    closers = {c for c in (_closer_of(m) for m in recent) if c}
    last = parts[-1]
    closer = _closer_of(last)
    sentences = _sentences(last)
    only_question = "?" in (closer or "") and sum(p.count("?") for p in parts) == 1
    if closer and closer in closers and not only_question:
        if len(sentences) > 1:
            parts = [*parts[:-1], " ".join(sentences[:-1])]
        elif len(parts) > 1:
            parts = parts[:-1]
    return parts


# --- habits ------------------------------------------------------------------------------


def _lowercase_start(part: str) -> str:
    first = part.split(maxsplit=1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower():
        return part[0].lower() + part[1:]
    return part


def _typo(word: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped inside `word` (never the first letter)."""
    at = rng.randrange(1, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _maybe_sub(pattern: re.Pattern[str], short: str, text: str, rng: random.Random) -> str:
    return pattern.sub(lambda m: short if rng.random() < SLANG_PROBABILITY else m[0], text)


def _apply_habits(
    parts: list[str], habits: frozenset[str], max_parts: int, rng: random.Random
) -> list[str]:
    if "slang" in habits:
        for pattern, short in _SLANG:
            parts = [_maybe_sub(pattern, short, p, rng) for p in parts]
    if "lowercase" in habits:
        parts = [_lowercase_start(p) if rng.random() < LOWERCASE_PROBABILITY else p for p in parts]
    if "typos" in habits and rng.random() < TYPO_PROBABILITY:
        candidates = [(i, m) for i, p in enumerate(parts) for m in _WORD.finditer(p)]
        if candidates:
            index, match = rng.choice(candidates)
            typed = _typo(match[0], rng)
            part = parts[index]
            parts[index] = part[: match.start()] + typed + part[match.end() :]
            if len(parts) < max_parts and rng.random() < CORRECTION_PROBABILITY:
                parts.insert(index + 1, "*" + match[0])
    return parts


# --- the whole pass ----------------------------------------------------------------------


def chat_parts(
    text: str,
    *,
    profile: StyleProfile,
    max_parts: int,
    rng: random.Random,
    recent: Sequence[str] = (),
) -> list[str]:
    """A cleaned reply as 1..`max_parts` phone-chat messages ([] when nothing is left).

    Cuts the assistant formulas that say nothing (never a sentence that says something,
    never the whole reply), cuts a reply longer than WHOLE_REPLY_WORDS to a word budget drawn
    from `rng` (keeping a question), splits it at natural boundaries, flattens what was a
    list, keeps the persona's emoji habit, avoids an interjection or sign-off of the `recent`
    messages (the persona's, newest first), then applies the persona's habits. A reply in
    assistant register as a whole is the composer's to ask for again (`register.assess`).
    """
    text = strip_assistant_phrasing(text)
    if not text.strip():
        return []
    budget = truncated_lognormal(rng, REPLY_WORDS_MEDIAN, REPLY_WORDS_SIGMA, *REPLY_WORDS_BOUNDS)
    target = truncated_lognormal(rng, TARGET_CHARS_MEDIAN, TARGET_CHARS_SIGMA, *TARGET_CHARS_BOUNDS)
    if len(text.split()) > WHOLE_REPLY_WORDS:
        text = _within_budget(text, budget)
    parts = reply_text.split_reply(text, max_parts=max_parts, rng=rng, target_chars=round(target))
    parts = [_cap_part(_flatten_lines(p)) for p in parts]
    allowed = EMOJI_PER_REPLY.get(profile.emoji, 1)
    if profile.emoji == "rare" and any(count_emoji(m) for m in recent[:2]):
        allowed = 0
    parts = _limit_emoji(parts, allowed) or _limit_emoji(parts, 1)
    parts = _vary(parts, recent[:RECENT_REPLIES])
    parts = _apply_habits(parts, profile.habits, max_parts, rng)
    return [p for p in parts if p.strip()]
