"""The notification payloads of `bot_events`, validated before anything acts on them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class MessageEvent(BaseModel):
    """A human wrote in a match with a bot (trigger `on_message_notify_bot`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["message"] = "message"
    message_id: uuid.UUID
    match_id: uuid.UUID
    sender_id: uuid.UUID
    bot_id: uuid.UUID
    created_at: dt.datetime


class MatchStatusEvent(BaseModel):
    """A match with a bot changed status (unmatched, blocked, reactivated)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["match_status"]
    match_id: uuid.UUID
    bot_id: uuid.UUID
    status: str = Field(max_length=40)


class MatchCreatedEvent(BaseModel):
    """A new match between a bot and a human (the bot may open the conversation)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["match_created"]
    match_id: uuid.UUID
    bot_id: uuid.UUID


AnyEvent = MessageEvent | MatchStatusEvent | MatchCreatedEvent
Event = Annotated[AnyEvent, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(Event)

MAX_PAYLOAD = 8000  # bytes; PostgreSQL's own NOTIFY cap


class BadPayload(ValueError):
    """A notification that is not one of ours; logged and skipped."""


def parse_event(payload: str) -> AnyEvent:
    """The event in a NOTIFY payload; payloads without `kind` are message events (the first
    bot's trigger sent none)."""
    if len(payload) > MAX_PAYLOAD:
        raise BadPayload(f"payload of {len(payload)} bytes is larger than NOTIFY allows")
    try:
        if '"kind"' not in payload:
            return MessageEvent.model_validate_json(payload)
        return _ADAPTER.validate_json(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}" for e in exc.errors()
        )
        raise BadPayload(problems[:300]) from exc
