"""From raw LLM output to a few chat messages: clean it, check it, split it.

Cleaning removes what would give the persona away as generated text (a "Camille:" prefix,
markdown, wrapping quotes, stage directions, echoed instructions) and keeps what people type,
emoji included. Splitting cuts at the boundaries a person would (line breaks the model wrote,
then sentence ends) into chat-sized messages: chat utterances are short (Crystal, citing
Werry: ~80 % of 5 words or fewer) and SMS have a median of 104 chars (Swiss SMS corpus).
"""

from __future__ import annotations

import functools
import itertools
import random
import re
import unicodedata
from collections.abc import Sequence

__all__ = ["clean_reply", "fragments_of", "leaks_instructions", "split_reply"]

DEFAULT_TARGET_CHARS = 60  # chars; chat messages are short (docs/TIMING.md: ~80% of chat
# utterances are 5 words or fewer; 40-60 char first messages got the best reply rate on a
# dating site), while SMS, a more composed medium, has a median of 104
MIN_ALONE_CHARS = 12  # chars; shorter fragments stand alone only when they end like a sentence
MAX_UNITS = 64  # sentence units considered by the splitter; longer input is pre-merged

# Splitting costs, in units of "one more message". A part of L chars costs (L / target)^2, so
# long parts are split and balanced, and texts up to ~1.4 x target stay whole. Not cutting
# where the model put a line break costs more than one more message, so the model's own line
# breaks usually become separate messages.
PART_COST = 1.0
UNCUT_COST = {1: 0.0, 2: 1.2, 3: 2.0}  # boundary strength: 1 sentence, 2 newline, 3 blank line
_TIE = 1e-9

# --- patterns ---
_EMOTICON = re.compile(r"[:;=][-']?[()DPpOo3/\\|*\]\[]+|<3+|\^\^|[xX]D+")
_CLOSERS = "\"'»\u201d\u2019)]"  # closing quotes and brackets that may follow a sentence end
_SENTENCE_END = re.compile(rf"[.!?…]+[{re.escape(_CLOSERS)}]*$")
_ABBREVIATION = re.compile(
    r"^(?:[^\W\d_]|m|mme|mlle|dr|st|ste|etc|ex|env|cf|vs|av|bd|mr|mrs|ms|n°|no|tél|approx)\.$",
    re.IGNORECASE,
)  # "M. Dupont", "etc. et": a period that does not end the sentence
_WHITESPACE_RUN = re.compile(r"\s+")

_FENCE = re.compile(r"^\s*(`{3,}|~{3,}).*$", re.MULTILINE)
_HEADER = re.compile(r"^\s{0,3}#{1,6}\s+")
_BULLET = re.compile(r"^\s*(?:[-*+•◦▪]|\d{1,2}[.)])\s+")
_MARK = re.compile(r"^\s*[-*+•◦▪]\s+")  # a markdown bullet: always list markup
# A line's number ("1. ", "2) "): list markup when two lines or more are numbered (a list laid
# out, as an assistant writes one), a person's own numbering in one chat line otherwise.
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")
# Numbers counting items inline ("1. je dors 2. je mange"): the "2." is not a sentence's end.
_INLINE_ITEMS = re.compile(r"(?<!\S)1[.)]\s+\S.*?(?<!\S)2[.)]\s")
_ITEM_NUMBER = re.compile(r"^\d{1,2}[.)]$")
# Markdown to plain text, applied in order to each line (block quotes, lists, images, links…).
_MARKDOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^\s*>+\s?", ""),
        (_HEADER.pattern, ""),
        (_MARK.pattern, ""),
        (r"!\[([^\]]*)\]\([^)]*\)", r"\1"),
        (r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)", r"\1 (\2)"),
        (r"<((?:https?|mailto):[^>\s]+)>", r"\1"),
        (r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2"),
        (r"~~(?=\S)(.+?)(?<=\S)~~", r"\1"),
        (r"`+([^`]+)`+", r"\1"),
        (r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])", r"\1"),
    )
)
_STAR_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_BRACKETED = re.compile(r"\[[^\]\n]*\]")
_PAREN = re.compile(r"\(([^()\n]*)\)")
_ACTION_WORDS = re.compile(
    r"\b(?:ri(?:t|s|re|res)|rigol\w*|souri\w*|soupir\w*|hausse\w*|clin d|glousse\w*|rougi\w*|"
    r"ricane\w*|pouffe\w*|réfléchi\w*|pensi\w*|taquin\w*|tire la langue|hoche\w*|bâille\w*|"
    r"smile\w*|laugh\w*|grin\w*|sigh\w*|wink\w*|chuckle\w*|giggle\w*|blush\w*|shrug\w*)\b",
    re.IGNORECASE,
)
_OTHER_SPEAKER = re.compile(
    r"^\s*(?:\*\*)?(?:user|utilisateur|utilisatrice|human|humain|humaine)(?:\*\*)?\s*:",
    re.IGNORECASE,
)
_ASSISTANT_PREFIX = re.compile(r"^\s*(?:\*\*)?(?:assistant|bot|ia|ai)(?:\*\*)?\s*:\s*", re.I)
_INSTRUCTION_ECHO = re.compile(
    r"system prompt|prompt syst[eè]me|\binstructions\s*:|\bmy instructions\b|"
    r"\bmes (?:instructions|consignes) (?:me\b|m'|disent|sont|interdisent|précisent|indiquent)|"
    r"\bi (?:was|am|have been) instructed\b|"
    r"\bje suis (?:programmée?|configurée?|paramétrée?) pour\b|\bstay in character\b|"
    r"\brester dans (?:le|mon) (?:personnage|rôle)\b",
    re.IGNORECASE,
)
_INSTRUCTION_VOICE = re.compile(
    r"(?:tu|toi|ton|ta|tes|te|t'|ne|n'|jamais|toujours|réponds|écris|parle|utilise|évite|"
    r"you|your|never|always|do not|don't)\b",
    re.IGNORECASE,
)  # how a prompt addresses the model; the persona speaks in the first person
# "As an AI…" is removed only when it comes with talk of instructions: saying plainly that
# it is an AI persona, when sincerely asked, is the disclosure policy (EU AI Act Art. 50).
_META_ECHO = re.compile(
    r"(?:\bas an ai\b|\ben tant qu'(?:ia|intelligence artificielle)\b|"
    r"\ben tant que (?:modèle de langage|modèle d'ia|assistant)\b)"
    r".*(?:instruction|consigne|directive|règle|prompt|programm|rules|guidelines)",
    re.IGNORECASE,
)
_WRAPPING_QUOTES = ('""', "\u201c\u201d", "«»", "\u201e\u201c", "''", "\u2018\u2019")  # pairs
_QUOTE_FOLDING = str.maketrans("\u2019\u2018\u201c\u201d«»", '\'\'""""')


def _normalise_for_match(text: str) -> str:
    """Case-, quote- and spacing-insensitive form used to compare against fragments."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_QUOTE_FOLDING)
    text = re.sub(r"[*_`#]", "", text)
    return _WHITESPACE_RUN.sub(" ", text).strip()


def _echoes_instructions(text: str) -> bool:
    text = text.replace("\u2019", "'")
    return bool(_INSTRUCTION_ECHO.search(text) or _META_ECHO.search(text))


def leaks_instructions(text: str, forbidden: Sequence[str]) -> bool:
    """True when `text` echoes the instructions: a `forbidden` fragment or a system-prompt tell."""
    if _echoes_instructions(text):
        return True
    normalised = _normalise_for_match(text)
    return any(
        fragment_norm and fragment_norm in normalised
        for fragment_norm in (_normalised_fragment(fragment) for fragment in forbidden)
    )


# A persona's fragments are the same for each of its replies: normalised once each.
_normalised_fragment = functools.lru_cache(maxsize=8192)(_normalise_for_match)


def fragments_of(system_prompt: str, *, min_len: int = 24) -> list[str]:
    """The distinctive fragments of a system prompt, to pass as `forbidden`.

    Its lines and sentences of at least `min_len` chars, with markdown markers removed, and
    the clauses of those sentences that speak to the model ("tu …", "ne …", "you …"): a clause
    such as "la Chartreuse et les lacs de montagne" is something the persona may well say.
    In order, without duplicates.
    """
    return list(_fragments(system_prompt, min_len))


@functools.lru_cache(maxsize=256)
def _fragments(system_prompt: str, min_len: int) -> tuple[str, ...]:
    # Computed once per persona prompt, not once per reply.
    found: dict[str, None] = {}
    for raw_line in system_prompt.splitlines():
        line = _BULLET.sub("", _HEADER.sub("", raw_line))
        line = _WHITESPACE_RUN.sub(" ", re.sub(r"[*_`]", "", line)).strip()
        sentences = re.split(r"(?<=[.!?…])\s+", line)
        clauses = [
            clause
            for sentence in sentences
            for clause in re.split(r"\s*[,;:—]\s+", sentence)
            if _INSTRUCTION_VOICE.match(clause)
        ]
        for candidate in (line, *sentences, *clauses):
            stripped = candidate.strip(" \"'«»\u201c\u201d")
            if len(stripped) >= min_len:
                found.setdefault(stripped, None)
    return tuple(found)


def _strip_name_prefix(line: str, names: Sequence[str]) -> str:
    for name in names:
        pattern = (
            rf"^\s*[\"'«“]?\s*(?:\*\*|__|\*)?{re.escape(name)}(?:\*\*|__|\*)?"
            r"\s*(?:\([^)]*\)|\[[^\]]*\])?\s*(?:\*\*|__)?\s*:(?:\*\*|__)?\s*"
        )
        line = re.sub(pattern, "", line, count=1, flags=re.IGNORECASE)
    return _ASSISTANT_PREFIX.sub("", line, count=1)


def _unwrap_quotes(text: str) -> str:
    text = text.strip()
    changed = True
    while changed and len(text) >= 2:
        changed = False
        for pair in _WRAPPING_QUOTES:
            inner = text[1:-1]
            if text[0] == pair[0] and text[-1] == pair[1] and pair[0] not in inner:
                text, changed = inner.strip(), True
                break
    return text


def _at_edge(line: str, match: re.Match[str]) -> bool:
    return not line[: match.start()].strip() or not line[match.end() :].strip()


def _drop_edge_actions(line: str) -> str:
    def replace(match: re.Match[str]) -> str:
        # "(rires)" anywhere is an action; a longer aside is one only at either end of the line.
        short = len(match[1].split()) <= 2
        is_action = (short or _at_edge(line, match)) and _ACTION_WORDS.search(match[1])
        return " " if is_action else match[0]

    return _PAREN.sub(replace, line).strip()


def _drop_stage_directions(line: str) -> str:
    line = _BRACKETED.sub(" ", line)
    whole = re.fullmatch(r"\s*\(([^()]*)\)\s*", line)
    if whole and (_ACTION_WORDS.search(whole[1]) or len(whole[1].split()) <= 3):
        return ""
    for _ in range(3):  # "(soupire) (sourit en coin) Bon": the second reaches the edge later
        previous, line = line, _drop_edge_actions(line)
        if line == previous:
            break

    def star(match: re.Match[str]) -> str:
        # *sourit* or *prend son sac* is an action; *vraiment*, *toi* at the end are emphasis.
        whole_line = not line[: match.start()].strip() and not line[match.end() :].strip()
        long_at_edge = _at_edge(line, match) and len(match[1].split()) >= 3
        is_action = whole_line or long_at_edge or _ACTION_WORDS.search(match[1])
        return " " if is_action else match[1]

    return _STAR_ITALIC.sub(star, line)


def _plain_markdown(line: str, *, numbered_list: bool = False) -> str:
    """`line` without markdown; its leading number too when it is an item of a numbered list
    laid out over several lines (`numbered_list`)."""
    if numbered_list:
        line = _NUMBERED.sub("", line)
    for pattern, replacement in _MARKDOWN:
        line = pattern.sub(replacement, line)
    return line


def clean_reply(text: str, *, persona_name: str, forbidden: Sequence[str] = ()) -> str:
    """Make raw LLM output look typed by the persona; may return "" when nothing is left.

    Removes name prefixes ("Camille :", "**Camille** :", "Camille (souriant) :"), wrapping
    quotes, markdown (bullets, headers, and the numbers of a list laid out over several lines;
    a person's numbering in one line stays: "1. le Granier 2. la Dent de Crolles"), code
    fences, stage directions (*sourit*, "(rires)", "[action]"), lines that echo the
    instructions or contain a `forbidden` fragment (case-insensitive), and anything after the
    model starts writing the human's turn. Keeps emoji; normalises spaces.
    """
    names = [persona_name.strip()] if persona_name.strip() else []
    if names and " " in names[0]:
        names.append(names[0].split()[0])
    forbidden_norm = [f for f in (_normalised_fragment(x) for x in forbidden) if f]
    text = _FENCE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _unwrap_quotes(_strip_name_prefix(text.strip(), names))
    lines: list[str] = []
    raw_lines = text.split("\n")
    numbered_list = sum(1 for raw in raw_lines if _NUMBERED.match(raw)) >= 2
    for raw_line in raw_lines:
        if _OTHER_SPEAKER.match(raw_line):
            break
        if _echoes_instructions(raw_line):
            continue
        line = _strip_name_prefix(raw_line, names)
        line = _drop_stage_directions(_plain_markdown(line, numbered_list=numbered_list))
        line = _unwrap_quotes(_strip_name_prefix(line, names))
        raw_norm, normalised = _normalise_for_match(raw_line), _normalise_for_match(line)
        if any(f in normalised or f in raw_norm for f in forbidden_norm):
            continue
        line = re.sub(r"[ \t\u00a0\u2000-\u200a\u202f]+", " ", line.replace("\u200b", "")).strip()
        line = re.sub(r" +([,.])", r"\1", line)  # left behind where a direction was removed
        lines.append(line)
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return _unwrap_quotes(text)


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or 0x1F000 <= ord(char) <= 0x1FAFF


def _ends_sentence(token: str) -> bool:
    """Whether a person would naturally send a message after this word."""
    core = token.rstrip("\ufe0f\u200d")
    core = "".join(ch for ch in core if not 0x1F3FB <= ord(ch) <= 0x1F3FF)  # skin tones
    if not core:
        return False
    if _is_emoji(core[-1]) or _EMOTICON.search(core):
        return True
    if not _SENTENCE_END.search(core):
        return False
    bare = core.rstrip(_CLOSERS)
    if bare.endswith(".") and not bare.endswith(".."):
        return not _ABBREVIATION.match(bare)
    return True


def _can_stand_alone(unit: str) -> bool:
    has_content = any(ch.isalnum() or _is_emoji(ch) for ch in unit)
    if not has_content:
        return False
    last_token = unit.rsplit(maxsplit=1)[-1]
    return len(unit) >= MIN_ALONE_CHARS or _ends_sentence(last_token)


def _units(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Spans of the sentence-like units of `text` and the strength of each boundary between."""
    spans: list[tuple[int, int]] = []
    strengths: list[int] = []
    start = word_start = 0
    counting = _INLINE_ITEMS.search(text) is not None
    for gap in _WHITESPACE_RUN.finditer(text):
        newlines = gap[0].count("\n")
        token = text[word_start : gap.start()]
        word_start = gap.end()
        ends = _ends_sentence(token) and not (counting and _ITEM_NUMBER.match(token))
        strength = 3 if newlines >= 2 else 2 if newlines == 1 else 1 if ends else 0
        if strength and gap.start() > start:
            spans.append((start, gap.start()))
            strengths.append(strength)
            start = gap.end()
    spans.append((start, len(text)))
    return spans, strengths


def _merge(spans: list[tuple[int, int]], strengths: list[int], index: int) -> None:
    """Merge unit `index` with unit `index + 1`."""
    spans[index : index + 2] = [(spans[index][0], spans[index + 1][1])]
    del strengths[index]


def _merged_units(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """The units of `text` after fragments that cannot stand alone joined a neighbour."""
    spans, strengths = _units(text)
    index = 0
    while index < len(spans) and len(spans) > 1:
        if _can_stand_alone(text[spans[index][0] : spans[index][1]]):
            index += 1
        elif index < len(spans) - 1:
            _merge(spans, strengths, index)  # the merged unit is checked again
        else:
            _merge(spans, strengths, index - 1)  # a dangling last fragment joins the one before
            break
    if len(spans) > MAX_UNITS:  # pathological input: keep only the strongest boundaries
        keep = sorted(sorted(range(len(strengths)), key=lambda i: -strengths[i])[: MAX_UNITS - 1])
        firsts, lasts = [0, *(i + 1 for i in keep)], [*keep, len(spans) - 1]
        strengths = [strengths[i] for i in keep]
        spans = [(spans[a][0], spans[b][1]) for a, b in zip(firsts, lasts, strict=True)]
    return spans, strengths


def _best_cuts(
    spans: list[tuple[int, int]],
    strengths: list[int],
    max_parts: int,
    target: int,
    rng: random.Random,
) -> list[int]:
    """Indices of the units that start a new message, by dynamic programming on the cost."""
    n = len(spans)
    uncut = [0.0, *(UNCUT_COST.get(s, 0.0) for s in strengths)]
    prefix = list(itertools.accumulate(uncut))  # prefix[j] - prefix[i]: uncut inside units i..j

    def part_cost(i: int, j: int) -> float:
        relative = (spans[j][1] - spans[i][0]) / target
        return PART_COST + relative * relative + prefix[j] - prefix[i]

    # best[k][j]: cheapest way to send units 0..j as k+1 parts; choices keep every tie.
    best = [[float("inf")] * n for _ in range(max_parts)]
    choices: list[list[list[int]]] = [[[] for _ in range(n)] for _ in range(max_parts)]
    for j in range(n):
        best[0][j] = part_cost(0, j)
    for k in range(1, max_parts):
        for j in range(k, n):
            for i in range(k, j + 1):
                cost = best[k - 1][i - 1] + part_cost(i, j)
                if cost < best[k][j] - _TIE:
                    best[k][j], choices[k][j] = cost, [i]
                elif abs(cost - best[k][j]) <= _TIE:
                    choices[k][j].append(i)
    final = min(best[k][n - 1] for k in range(max_parts))
    k = rng.choice([k for k in range(max_parts) if best[k][n - 1] - final <= _TIE])
    j, starts = n - 1, []
    while k > 0:
        i = rng.choice(choices[k][j])
        starts.append(i)
        j, k = i - 1, k - 1
    return starts[::-1]


def split_reply(
    text: str, *, max_parts: int, rng: random.Random, target_chars: int = DEFAULT_TARGET_CHARS
) -> list[str]:
    """Split a cleaned reply into 1..`max_parts` chat messages at natural boundaries.

    Line breaks first, then sentence ends (. ! ? … emoji); never inside a word, URL or
    number. Fragments that cannot stand alone ("Et") join a neighbour; "Ah !" may stand alone.
    The cut minimises a cost: squared part length relative to `target_chars`, one unit per
    message, and the model's line breaks left uncut; `rng` only breaks ties between equally
    good cuts. Joining the parts gives back every word in order. Returns [] for blank input.
    """
    if max_parts < 1:
        raise ValueError(f"max_parts must be >= 1: {max_parts}")
    text = text.strip()
    if not text:
        return []
    spans, strengths = _merged_units(text)
    cuts = _best_cuts(spans, strengths, max_parts, max(target_chars, 1), rng)
    firsts, lasts = [0, *cuts], [c - 1 for c in [*cuts, len(spans)]]
    parts = [text[spans[a][0] : spans[b][1]] for a, b in zip(firsts, lasts, strict=True)]
    return [re.sub(r"\n\s*\n", "\n", part).strip() for part in parts]
