"""Undo the ways a reply hides a number or an address, before the guard looks for one.

Three views of one text, each for one kind of detection:

- `normalise`: Unicode NFKC (full-width and styled letters and digits, circled digits),
  typographic apostrophes, no zero-width characters, keycap and other Unicode digits ("0️⃣",
  "❶", "٦") as ASCII digits, and Cyrillic or Greek letters that look Latin as Latin.
  Every detection starts from it; `declares_minor` and the leak check use it too.
- `digits_view`: `normalise`, then numbers written in words as digits (`text2num`, French and
  English: "zéro six douze" → "06 12"), then letters standing for digits inside digit runs
  ("O6 l2 34" → "06 12 34"; a letter is read as a digit only in a token that also holds a digit,
  or alone between two such tokens, so "GR20", "Lol" and every ordinary word stay as they are).
- `collapse_digit_runs`: digits separated by any few non-letter characters ("06-71.28/94 05",
  "0 6 7 1", "06🔸71🔸28") joined into one run, for the phone matcher to judge.
- `digit_by_digit` and `chained_numbers`: a number told digit by digit or in French pairs
  without its "0" ("5 5 5, 1 2 3, 4 5 6 7", "6, 27, 04, 91, 13"), and one told in chunks with
  a few words between them ("07 41 52, la suite c'est 66 09"), read on `digits_view`.

The spoken forms of "@" and "." in addresses ("[at]", "arobase", "chez … point com", "[dot]")
are read where they are matched, in `contacts`, because " at " and " point " are also ordinary
words and only the shape around them tells.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

from text_to_num import alpha2digit  # type: ignore[import-untyped]

__all__ = [
    "chained_numbers",
    "collapse_digit_runs",
    "despace",
    "digit_by_digit",
    "digits_view",
    "normalise",
    "told_pairs",
]

# Zero-width characters, soft hyphens, variation selectors and the keycap combiner: "0️⃣" is
# "0" followed by U+FE0F and U+20E3.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\ufe00-\ufe0f\u20e3\u034f]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
# Cyrillic and Greek letters drawn like Latin ones ("insta" written with a Cyrillic "i" and "a").
_LOOKALIKES = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u0261\u04bb\u0578"
    "\u03bd\u03bf\u03b1\u03c1\u03c4\u03ba\u03b9"
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0406\u0408\u0405"
    "\u039f\u0399",
    "aeopcyxijsdghnvoaptkiABEKMHOPCTXIJSOI",
)


def _ascii_digit(char: str) -> str:
    """A character that stands for one digit (dingbat, Arabic-Indic...) as that ASCII digit."""
    if char.isascii():
        return char
    value = unicodedata.digit(char, None)
    return str(value) if value is not None and 0 <= value <= 9 else char


# Runs of characters beyond ASCII (accents, emoji): only they may stand for a digit.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@functools.lru_cache(maxsize=4096)
def _ascii_digits(run: str) -> str:
    return "".join(_ascii_digit(char) for char in run)


def normalise(text: str) -> str:
    """NFKC, plain apostrophes, no invisible characters, ASCII digits, Latin look-alikes."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text.translate(_APOSTROPHES)).translate(_LOOKALIKES)
    if not text.isascii():
        # Character by character only where a character may change (a long prompt is mostly
        # ASCII, and its accented runs recur).
        text = _NON_ASCII.sub(lambda run: _ascii_digits(run.group()), text)
    return text


# Letters written for digits, read as digits only inside a run of digits.
_LETTER_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "i": "1", "|": "1"})
_LETTERS = "OoIli|"
# A token of digits and those letters holding at least one digit, not glued to other letters
# ("O6", "l2", "3O"); "GR20" and "Lol" are left alone.
_MIXED_TOKEN = re.compile(
    rf"(?<![^\W\d_])(?=[\d{_LETTERS}]*\d)[\d{_LETTERS}]+(?![^\W\d_])",
)
# One or two of those letters alone between two digit tokens ("06 lO 34").
_LONE_LETTERS = re.compile(rf"(?<=\d)([\s.\-/]+)([{_LETTERS}]{{1,2}})(?=[\s.\-/]+\d)")


def _letters_as_digits(text: str) -> str:
    text = _MIXED_TOKEN.sub(lambda m: m.group().translate(_LETTER_DIGITS), text)
    return _LONE_LETTERS.sub(lambda m: m.group(1) + m.group(2).translate(_LETTER_DIGITS), text)


# "double oh", "triple six", "double zéro": the word said two or three times.
_REPEATED = re.compile(r"\b(double|triple)\s+([^\W\d_]+|\d)\b", re.IGNORECASE)
# "oh" and "o" said for zero among digits ("oh 7 7 oh oh").
_OH_RUN = re.compile(r"(?:(?<![\w'])(?:\d+|oh|o)\b[\s,.\-]*){3,}", re.IGNORECASE)


def _repeat(match: re.Match[str]) -> str:
    times = 2 if match.group(1).lower() == "double" else 3
    return " ".join([match.group(2)] * times)


def _oh_as_zero(match: re.Match[str]) -> str:
    run = match.group()
    if len(re.findall(r"\d+", run)) < 2:
        return run
    return re.sub(r"\b(?:oh|o)\b", "0", run, flags=re.IGNORECASE)


# Number words, French and English, for the hyphens and compounds read before `text2num`.
_FR_NUMBER = (
    r"z[ée]ro|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|"
    r"quinze|seize|vingts?|trente|quarante|cinquante|soixante|cents?|et"
)
_EN_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# "zéro-six-douze-trente-quatre": number words joined by hyphens, read one by one.
_HYPHENED = re.compile(rf"\b(?:{_FR_NUMBER})(?:-(?:{_FR_NUMBER}))+\b", re.IGNORECASE)
# "six-one-seven", "oh-seven-seven": English digits joined by hyphens, read one by one ("forty-two"
# is a compound, left to `_EN_COMPOUND`).
_EN_DIGIT = r"zero|oh|one|two|three|four|five|six|seven|eight|nine"
_EN_HYPHENED = re.compile(rf"\b(?:{_EN_DIGIT})(?:-(?:{_EN_DIGIT}))+\b", re.IGNORECASE)
# "fifty six": an English compound read before the French pass takes its "six".
_EN_COMPOUND = re.compile(
    rf"\b({'|'.join(_EN_TENS)})[\s-]+({'|'.join(_EN_UNITS)})\b", re.IGNORECASE
)
# "plus three three six…", "plus 33 6…": the international "+" said as a word.
_SPOKEN_PLUS = re.compile(r"\bplus\s+(?=\d{1,3}[\s,.\-]+\d)", re.IGNORECASE)


def _en_compound(match: re.Match[str]) -> str:
    tens = _EN_TENS.index(match.group(1).lower()) + 2
    return str(tens * 10 + _EN_UNITS.index(match.group(2).lower()) + 1)


@functools.lru_cache(maxsize=256)
def digits_view(text: str) -> str:
    """`normalise`, numbers in words as digits (French, then English), letters in digit runs."""
    text = _REPEATED.sub(_repeat, normalise(text))
    text = _HYPHENED.sub(lambda m: m.group().replace("-", " "), text)
    text = _EN_HYPHENED.sub(lambda m: m.group().replace("-", " "), text)
    text = _EN_COMPOUND.sub(_en_compound, text)
    for language in ("fr", "en"):
        text = alpha2digit(text, language)
    text = _SPOKEN_PLUS.sub("+", _OH_RUN.sub(_oh_as_zero, text))
    return _letters_as_digits(text)


# Digits separated by up to three characters that are neither letters, digits nor line breaks.
_DIGIT_RUN = re.compile(r"\+?\d(?:(?:[^\w\n]|_){0,3}\d)+")


# A date ("07/12/2025") or a time ("14:30") is no part of a number: it is set apart first.
_DATE_OR_TIME = re.compile(
    r"(?<![\d/.:])(?:(?:0?[1-9]|[12]\d|3[01])[/.](?:0?[1-9]|1[0-2])(?:[/.](?:\d{4}|\d{2}))?"
    r"|(?:[01]?\d|2[0-3])[:h][0-5]\d)(?![\d/.:])"
)


def _set_apart_dates(text: str) -> str:
    return _DATE_OR_TIME.sub(lambda m: f"x{m.group()}x", text)


def collapse_digit_runs(text: str) -> str:
    """Each run of digits and separators as one run of digits, a leading "+" kept.

    Dates and times are left apart, so that "le 07/12/2025 14:30" does not become one run.
    """
    text = _set_apart_dates(text)

    def join(match: re.Match[str]) -> str:
        run = match.group()
        digits = re.sub(r"\D", "", run)
        return ("+" if run.startswith("+") else "") + digits

    return _DIGIT_RUN.sub(join, text)


# Five pairs of digits, the first a French prefix, told one after the other with a word between
# them ("06, puis 58, puis 73…", "07 then 81 then 44…"); not times ("08h") or other numbers.
_TOLD_PAIRS = re.compile(
    r"(?<![\dx])0[1-9](?:(?:\s*[,;\-]?\s*(?:puis|et|then|and|apr[èe]s|ensuite|next|"
    r"virgule|tiret)?\s*[,;\-]?\s*)\d{2}){4}(?![\dhx:])",
    re.IGNORECASE,
)


def told_pairs(text: str) -> list[str]:
    """The ten digits of each number told pair by pair with words between the pairs."""
    text = _set_apart_dates(text)
    return [re.sub(r"\D", "", m.group()) for m in _TOLD_PAIRS.finditer(text)]


# --- numbers told in chunks --------------------------------------------------------------
# A chunk: digit groups with at most three separators between them ("06 71", "7 7 00, 9 00").
_GROUP = re.compile(r"\+?\d+")
_TIGHT = re.compile(r"(?:[^\w\n]|_){0,3}")
# A quantity, not a piece of a number: "12 km", "3 fois", "18h", "40 €", "le 12e".
_UNIT_AFTER = re.compile(
    r"\s?(?:h\b|h\d|km|m\b|mn|min|€|\$|£|%|°|ans?\b|euros?|jours?\b|j\b|fois|heures?|kg|"
    r"g\b|l\b|cl\b|personnes|pers\b|pas\b|k\b|d\+|e\b|er\b|[èe]me|x\b|kms|miles?|ft|feet|"
    r"hours?|days?|years?|mins?|steps|people|pm\b|am\b|st\b|nd\b|rd\b|th\b)",
    re.IGNORECASE,
)
# Between two chunks of one number told in several goes: a few words ("la suite c'est",
# "and then", "euh attends"), no line of their own.
_GAP = re.compile(r"[^\d\n]{1,40}")
_GAP_WORDS = 6


def _chunks(text: str) -> list[tuple[int, int, list[str]]]:
    """Each chunk of digit groups: where it starts and ends, and its groups."""
    chunks: list[tuple[int, int, list[str]]] = []
    for match in _GROUP.finditer(text):
        if chunks:
            start, end, groups = chunks[-1]
            if _TIGHT.fullmatch(text, end, match.start()):
                chunks[-1] = (start, match.end(), [*groups, match.group()])
                continue
        chunks.append((match.start(), match.end(), [match.group()]))
    return chunks


# A number written with its thousands apart ("2 850", "3 012"): one number, not four digits.
_THOUSANDS = re.compile(r"(?<!\d)(?<!\d[\s,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)")


def _is_count(digits: list[int]) -> bool:
    """ "1 2 3 4 5 6 7 8 9 10", or backwards: counting, not a number."""
    steps = {b - a for a, b in itertools.pairwise(digits)}
    return len(steps) == 1 and steps <= {1, -1}


def digit_by_digit(text: str) -> list[str]:
    """The digits of each long number told digit by digit or nearly ("5 5 5, 1 2 3, 4 5 6 7",
    "7 7 00, 9 00, 1 2 3"), or in French pairs without its "0" ("6, 27, 04, 91, 13").

    Nine to fifteen digits in groups of at most four, at least three of them single digits (or
    one digit then four pairs); counting ("1 2 3 4 5…") is not a number.
    """
    text = _THOUSANDS.sub(lambda m: re.sub(r"\D", "", m.group()), _set_apart_dates(text))
    found: list[str] = []
    for _, end, groups in _chunks(text):
        digits = "".join(groups).lstrip("+")
        sizes = [len(group.lstrip("+")) for group in groups]
        if not 9 <= len(digits) <= 15 or max(sizes) > 4 or _UNIT_AFTER.match(text, end):
            continue
        singles = sizes.count(1)
        french = sizes == [1, 2, 2, 2, 2] and digits[0] != "0"
        if (singles >= 3 or french) and not _is_count([int(g) for g in groups]):
            found.append(("+" if groups[0].startswith("+") else "") + digits)
    return found


def _full_length(digits: str) -> bool:
    """As long as a whole number: ten digits from a French "0", eleven from a British one,
    eleven to thirteen after a "+"."""
    if digits.startswith("+"):
        return 11 <= len(digits) - 1 <= 13
    return len(digits) in {10, 11}


def chained_numbers(text: str) -> list[str]:
    """Numbers told in chunks with a few words between them, "07 41 52, la suite c'est 66 09",
    "+33 6 … 12 34 56 78", "06 … et après 12 34 56 78", "07700 … then 900 123", as long as a
    whole number (`_full_length`). A list of two-digit numbers ("le 06, le 38 et le 73") is not
    one, nor a chunk that is a quantity ("12 km").
    """
    text = _set_apart_dates(text)
    chunks = [
        (start, end, "".join(groups))
        for start, end, groups in _chunks(text)
        if not _UNIT_AFTER.match(text, end)
    ]
    found: list[str] = []
    for i, (_, end, first) in enumerate(chunks):
        plus = first.startswith("+")
        if not (plus or re.match(r"0[1-9]", first)):
            continue
        digits, sizes, last = first, [len(first)], end
        for start, stop, chunk in chunks[i + 1 : i + 5]:
            gap = text[last:start]
            if not _GAP.fullmatch(gap) or len(gap.split()) > _GAP_WORDS:
                break
            digits, last = digits + chunk.lstrip("+"), stop
            sizes.append(len(chunk))
            length = len(digits.lstrip("+"))
            if _full_length(digits) and set(sizes) != {2}:
                found.append(digits)
                break
            if length >= 13:
                break
    return found


# Characters written one by one with spaces between them ("h t t p s", "e l o d i e _ 3 8").
_SPACED_OUT = re.compile(r"(?<!\S)(?:\S ){3,}\S(?!\S)")


def despace(text: str) -> str:
    """Runs of four or more single characters separated by single spaces, written together."""
    return _SPACED_OUT.sub(lambda m: m.group().replace(" ", ""), text)
