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

The spoken forms of "@" and "." in addresses ("[at]", "arobase", "chez … point com", "[dot]")
are read where they are matched, in `contacts`, because " at " and " point " are also ordinary
words and only the shape around them tells.
"""

from __future__ import annotations

import re
import unicodedata

from text_to_num import alpha2digit  # type: ignore[import-untyped]

__all__ = ["collapse_digit_runs", "despace", "digits_view", "normalise", "told_pairs"]

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


def normalise(text: str) -> str:
    """NFKC, plain apostrophes, no invisible characters, ASCII digits, Latin look-alikes."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text.translate(_APOSTROPHES)).translate(_LOOKALIKES)
    if not text.isascii():
        text = "".join(_ascii_digit(char) for char in text)
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


def digits_view(text: str) -> str:
    """`normalise`, numbers in words as digits (French, then English), letters in digit runs."""
    text = _REPEATED.sub(_repeat, normalise(text))
    for language in ("fr", "en"):
        text = alpha2digit(text, language)
    return _letters_as_digits(_OH_RUN.sub(_oh_as_zero, text))


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


# Characters written one by one with spaces between them ("h t t p s", "e l o d i e _ 3 8").
_SPACED_OUT = re.compile(r"(?<!\S)(?:\S ){3,}\S(?!\S)")


def despace(text: str) -> str:
    """Runs of four or more single characters separated by single spaces, written together."""
    return _SPACED_OUT.sub(lambda m: m.group().replace(" ", ""), text)
