"""Which parts of the status a database's schema can give, from its migration's number."""

from __future__ import annotations

import pytest

from randomatch_bot.status import HOLDS_SINCE, PAUSES_SINCE, migrated_past


@pytest.mark.parametrize(
    ("version", "since", "expected"),
    [
        ("0013_outages", PAUSES_SINCE, True),
        ("0012_typing_broadcast", PAUSES_SINCE, False),
        ("0029_takeover", PAUSES_SINCE, True),
        # Names that sort otherwise as text: the same number, and a number not padded.
        ("0013_a_later_name", PAUSES_SINCE, True),
        ("10000_far_later", PAUSES_SINCE, True),
        ("9_unpadded", PAUSES_SINCE, False),
        ("0007_policies", HOLDS_SINCE, True),
        (None, HOLDS_SINCE, False),
        ("not_a_number", HOLDS_SINCE, False),
    ],
)
def test_a_migration_is_applied_by_its_number(
    version: str | None, since: str, expected: bool
) -> None:
    """Migrations are compared by their numbers, not as text."""
    assert migrated_past(version, since) is expected
