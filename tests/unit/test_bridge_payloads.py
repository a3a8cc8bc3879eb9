"""Notification payloads and connection URLs are checked before anything acts on them."""

from __future__ import annotations

import json
import uuid

import pytest

from randomatch_bot.bridge.payloads import BadPayload, MatchStatusEvent, MessageEvent, parse_event
from randomatch_bot.errors import ConfigurationError
from randomatch_bot.infra.postgres import (
    check_listen_capable,
    describe_target,
    is_transaction_pooler,
)
from randomatch_bot.infra.redis import describe_redis


def message_payload(**extra: object) -> str:
    data = {
        "message_id": str(uuid.uuid4()),
        "match_id": str(uuid.uuid4()),
        "sender_id": str(uuid.uuid4()),
        "bot_id": str(uuid.uuid4()),
        "created_at": "2026-11-25T10:00:00.123456+00:00",
    }
    data.update(extra)
    return json.dumps(data)


def test_message_event_with_or_without_kind() -> None:
    """The trigger's payload parses, with `kind` and in the first bot's shape without it."""
    assert isinstance(parse_event(message_payload()), MessageEvent)
    assert isinstance(parse_event(message_payload(kind="message")), MessageEvent)


def test_status_event() -> None:
    """A match status change parses as such."""
    event = parse_event(
        json.dumps(
            {
                "kind": "match_status",
                "match_id": str(uuid.uuid4()),
                "bot_id": str(uuid.uuid4()),
                "status": "blocked",
            }
        )
    )
    assert isinstance(event, MatchStatusEvent)
    assert event.status == "blocked"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "null",
        "not json",
        "[1,2]",
        '{"message_id": 1}',
        message_payload(match_id="not-a-uuid"),
        message_payload(created_at="yesterday"),
        '{"kind": "unknown", "match_id": "x"}',
        "x" * 9000,
    ],
)
def test_bad_payloads_raise_one_error_type(payload: str) -> None:
    """Every malformed payload raises BadPayload with a short explanation."""
    with pytest.raises(BadPayload) as info:
        parse_event(payload)
    assert len(str(info.value)) <= 300


@pytest.mark.parametrize(
    ("dsn", "pooler"),
    [
        ("postgresql://u:p@aws-0-eu.pooler.supabase.com:6543/postgres", True),
        ("postgresql://u:p@db.abc.supabase.co:5432/postgres", False),
        ("postgresql://u:p@host/db?pgbouncer=true", True),
        ("postgresql://postgres:@/postgres?host=/tmp/pg", False),
    ],
)
def test_transaction_pooler_detection(dsn: str, pooler: bool) -> None:
    """Port 6543 (or pgbouncer=true) is a transaction pooler, which the bridge refuses."""
    assert is_transaction_pooler(dsn) is pooler
    if pooler:
        with pytest.raises(ConfigurationError, match="cannot LISTEN"):
            check_listen_capable(dsn)
    else:
        check_listen_capable(dsn)


def test_descriptions_hide_credentials() -> None:
    """Targets named in messages carry no user or password."""
    assert describe_target("postgresql://bob:pw123@db.example:5433/app") == "db.example:5433/app"
    assert describe_target("postgresql://postgres:@/postgres?host=/tmp/x") == "/tmp/x:5432/postgres"
    assert (
        describe_redis("rediss://default:pw123@cache.example:6380") == "rediss://cache.example:6380"
    )
