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
