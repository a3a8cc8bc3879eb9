"""A meaningful subset of the pipeline and API tests, run again on the Supabase-shaped
database (service as the non-superuser `postgres`, RLS on, `is_bot` hidden from app users).

The tests are the same functions as on the embedded database: importing them here collects
them a second time, with `db_dsn` (and so `pool` and `make_settings`) pointing at Supabase.
"""

from __future__ import annotations

import pytest

from tests.integration.test_api import (
    test_conversations_show_the_step_and_next_due_time,
    test_ready_reports_servers_bridge_and_llm_mode,
)
from tests.integration.test_pipeline import (
    test_message_mid_typing_interrupts,
    test_one_message_one_reply_in_order,
    test_quick_messages_are_grouped,
    test_unmatched_and_blocked_get_no_reply,
)

pytestmark = pytest.mark.integration

__all__ = [
    "test_conversations_show_the_step_and_next_due_time",
    "test_message_mid_typing_interrupts",
    "test_one_message_one_reply_in_order",
    "test_quick_messages_are_grouped",
    "test_ready_reports_servers_bridge_and_llm_mode",
    "test_unmatched_and_blocked_get_no_reply",
]


@pytest.fixture
def db_dsn(supabase_dsn: str) -> str:
    """Every test of this module runs on a migrated Supabase-shaped database."""
    return supabase_dsn
