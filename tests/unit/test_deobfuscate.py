"""Undoing obfuscation: digits however written, and nothing done to ordinary words."""

from __future__ import annotations

import pytest

from randomatch_bot.conversation.words import deobfuscate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0\ufe0f\u20e36\ufe0f\u20e3", "06"),  # keycaps
        ("\uff10\uff16\u200b\uff11", "061"),  # full-width digits, a zero-width space
        ("❶❷", "12"),  # dingbat digits
        ("٠٦", "06"),  # Arabic-Indic digits
        ("\u0456nst\u0430", "insta"),  # Cyrillic look-alikes
        ("l\u2019appli", "l'appli"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    """Unicode forms of digits and letters are read as the plain ones."""
    assert deobfuscate.normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zéro six douze", "06 12"),
        ("seven eight nine", "7 8 9"),
        ("O6 l2 34", "06 12 34"),
        ("06 lO 34", "06 10 34"),
        ("oh seven seven double oh", "0 7 7 0 0"),
    ],
)
def test_digits_view(text: str, expected: str) -> None:
    """Numbers in words and letters standing for digits inside digit runs become digits."""
    assert deobfuscate.digits_view(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Lol, GR20 et D1091, c'est Oli qui l'a dit",
        "Oh là là, il était une fois un chamois",
        "I love it, oh well",
    ],
)
def test_words_stay_words(text: str) -> None:
    """Letters are read as digits only among digits; ordinary words are left as they are."""
    assert deobfuscate.digits_view(text) == text


def test_collapse_keeps_dates_and_times_apart() -> None:
    """Separators between digits go, but a date or a time is not joined to its neighbours."""
    assert "0671289405" in deobfuscate.collapse_digit_runs("06 - 71 . 28 / 94 _ 05")
    assert "+33671289405" in deobfuscate.collapse_digit_runs("+33 6 71 28 94 05")
    collapsed = deobfuscate.collapse_digit_runs("le 07/12/2025 14:30")
    assert "0712202514" not in collapsed


def test_told_pairs_and_spaced_letters() -> None:
    """Pairs told with words between them; characters written one by one."""
    assert deobfuscate.told_pairs("06, puis 71, puis 28, et 94, et 05") == ["0671289405"]
    assert deobfuscate.told_pairs("les 05/08, 12/08 et 19/08, départ 06:30") == []
    assert deobfuscate.despace("k m i _ 3 8 !") == "kmi_38!"
    assert deobfuscate.despace("a et b") == "a et b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zéro-six-douze-trente-quatre", "06 12 34"),
        ("fifty six, seventy eight", "56, 78"),
        ("plus three three, six, twelve", "+3 3, 6, 12"),
        ("quatre-vingt-dix-huit kilomètres", "98 kilomètres"),
    ],
)
def test_digits_view_reads_hyphens_compounds_and_plus(text: str, expected: str) -> None:
    """Number words joined by hyphens, English compounds and a spoken "+" are read."""
    assert deobfuscate.digits_view(text) == expected


def test_digit_by_digit_and_chained_numbers() -> None:
    """A number told digit by digit or in chunks with words between; counting is neither."""
    assert deobfuscate.digit_by_digit("5 5 5, 1 2 3, 4 5 6 7") == ["5551234567"]
    assert deobfuscate.digit_by_digit("le 6, 27, 04, 91, 13") == ["627049113"]
    assert deobfuscate.digit_by_digit("1, 2, 3, 4, 5, 6, 7, 8, 9, 10") == []
    assert deobfuscate.digit_by_digit("12 km, 15 km, 18 km") == []
    assert deobfuscate.chained_numbers("07 41 52 la suite c'est 66 09") == ["0741526609"]
    assert deobfuscate.chained_numbers("+33 6, ensuite 12 34 56 78") == ["+33612345678"]
    assert deobfuscate.chained_numbers("le 06, le 38, le 73, le 74 et le 69") == []
    assert deobfuscate.chained_numbers("07 41 à 12 km puis 52 66 09") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("six-one-seven, two-two-nine, four-four-zero-one", "6172294401"),
        ("seven-seven-zero, nine-zero-zero", "770900"),
        ("oh-seven-seven-one-two, three", "077123"),
    ],
)
def test_english_digits_joined_by_hyphens_are_read_one_by_one(text: str, expected: str) -> None:
    assert "".join(ch for ch in deobfuscate.digits_view(text) if ch.isdigit()) == expected


@pytest.mark.parametrize(
    "text",
    ["a one-two punch on the ridge", "forty-two switchbacks", "we did a two-day loop"],
)
def test_ordinary_hyphened_english_words_stay_short(text: str) -> None:
    """A pair of words joined by a hyphen makes no number long enough to be a phone."""
    assert deobfuscate.digit_by_digit(deobfuscate.digits_view(text)) == []


def test_only_characters_beyond_ascii_are_read_as_digits() -> None:
    """Digits of other scripts and dingbats become ASCII digits wherever they sit among
    accented words and emoji; letters, accents and emoji stay as they are."""
    text = "tél ➊٣۴ puis ❶𝟕 😄 é à 06"
    assert deobfuscate.normalise(text) == "tél 134 puis 17 😄 é à 06"
    assert deobfuscate.normalise(text * 3) == deobfuscate.normalise(text) * 3
