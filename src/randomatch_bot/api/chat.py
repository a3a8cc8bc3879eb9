"""The demo chat of `run`: the person at the keyboard is the demo hiker talking to Camille.

A message posted here is INSERTed into `public.messages` exactly as the app would, so it goes
through the real pipeline (trigger, bridge, Redis, worker, model). The page follows the match
through server-sent events: each notification from the LISTEN hub makes the stream read the
match again (a few indexed rows) and send what changed — new messages, read receipts ("Vu"),
the typing indicator, and the persona's presence ("en ligne", "absente", "dort · répond vers
8 h 10"). The night ends and a drawn absence begins without a
notification, so an idle stream reads it again every PRESENCE_REFRESH seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

import structlog
from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator

from randomatch_bot.api.auth import LocalOrAuthorised
from randomatch_bot.api.events import CLOSED
from randomatch_bot.api.state import ApiState, State
from randomatch_bot.conversation.persona.card import load_persona
from randomatch_bot.conversation.persona.presence import Presence, presence_of_match
from randomatch_bot.db import chat as chat_db
from randomatch_bot.db import session
from randomatch_bot.db.chat import ChatMessage
from randomatch_bot.db.demo import Demo
from randomatch_bot.db.types import Conn
from randomatch_bot.errors import DatabaseError, DatabaseUnavailable

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/chat", dependencies=[LocalOrAuthorised], tags=["demo chat"])

HISTORY = 100  # messages shown when the page opens
KEEPALIVE = 15.0  # seconds between comments that keep proxies from closing an idle stream
# Seconds between reads of an idle match: a plan drawn for later, the night ending or an
# absence starting change the presence without any notification.
PRESENCE_REFRESH = 5.0
RETRY_AFTER_ERROR = 2.0  # seconds before reading again after a database error
MAX_CHARS = 2000  # a chat message, as the app's text field would allow


class ChatIn(BaseModel):
    content: str = Field(min_length=1, max_length=MAX_CHARS)

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a message needs some text")
        return value


class ChatOut(BaseModel):
    id: uuid.UUID
    created_at: dt.datetime


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class _View:
    """What one page has been sent so far; `diff` yields only what changed since."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.read: dict[uuid.UUID, dt.datetime | None] = {}
        self.typing: bool | None = None
        self.presence: Presence | None = None

    def diff(
        self, messages: Iterable[ChatMessage], typing: bool, presence: Presence
    ) -> Iterable[str]:
        if presence != self.presence:
            self.presence = presence
            yield _sse("presence", presence.as_dict())
        for message in messages:
            if message.id in self.read and self.read[message.id] == message.read_at:
                continue
            self.read[message.id] = message.read_at
            yield _sse(
                "message",
                {
                    "id": str(message.id),
                    "from": "bot" if message.sender_id == self.demo.bot_id else "me",
                    "content": message.content,
                    "created_at": message.created_at.isoformat(),
                    "read_at": message.read_at.isoformat() if message.read_at else None,
                },
            )
        # After the messages: the part that ends a typing spell arrives before the spell ends.
        if typing != self.typing:
            self.typing = typing
            yield _sse("typing", {"typing": typing})


async def _read(state: ApiState, demo: Demo) -> tuple[list[ChatMessage], bool, Presence]:
    async with session.connection(state.resources.pool) as conn:
        messages = await chat_db.recent_messages(conn, match_id=demo.match_id, limit=HISTORY)
        typing = await chat_db.is_typing(conn, match_id=demo.match_id, user_id=demo.bot_id)
        presence = await _presence(state, demo, conn)
    return messages, typing, presence


async def _presence(state: ApiState, demo: Demo, conn: Conn) -> Presence:
    persona = await load_persona(conn, state.settings, demo.bot_id, demo.bot_name)
    now = dt.datetime.now(dt.UTC)
    return await presence_of_match(conn, state.settings, persona, demo.match_id, now)


async def _stream(state: ApiState) -> AsyncIterator[str]:
    demo, events = state.demo, state.events
    assert demo is not None
    assert events is not None
    view = _View(demo)
    # Subscribed before the first read: nothing can change unseen between the two.
    with events.subscribe(demo.match_id) as queue:
        yield _sse(
            "hello",
            {"bot": demo.bot_name, "me": demo.human_name, "llm": _llm(state)},
        )
        while True:
            try:
                messages, typing, presence = await _read(state, demo)
            except (DatabaseUnavailable, DatabaseError) as exc:
                log.warning("chat.stream_unreadable", error=str(exc))
                yield _sse("problem", {"detail": "database unavailable, retrying"})
                await asyncio.sleep(RETRY_AFTER_ERROR)
                continue
            for chunk in view.diff(messages, typing, presence):
                yield chunk
            try:
                item = await asyncio.wait_for(queue.get(), timeout=min(KEEPALIVE, PRESENCE_REFRESH))
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if item == CLOSED:
                return


def _llm(state: ApiState) -> str:
    if state.settings.llm_online:
        return state.settings.llm_model
    return "offline"


@router.get("/events", include_in_schema=False)
async def events(state: State) -> StreamingResponse:
    """Server-sent events of the demo match: hello, presence, message (new or read), typing."""
    # The server cancels the generator when the page goes away.
    return StreamingResponse(
        _stream(state),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post("/messages", response_model=ChatOut, status_code=201)
async def send(state: State, message: ChatIn) -> ChatOut:
    """The demo hiker writes in the demo match, as the app would."""
    demo = state.demo
    assert demo is not None
    async with session.connection(state.resources.pool) as conn:
        posted = await chat_db.post_message(
            conn, match_id=demo.match_id, sender_id=demo.human_id, content=message.content
        )
    return ChatOut(id=posted.id, created_at=posted.created_at)


class PresenceOut(BaseModel):
    state: str = Field(description="online, away or asleep")
    label: str = Field(description='what the chat header shows, e.g. "dort · répond vers 8 h 10"')
    until: dt.datetime | None = Field(description="when the persona is expected back, if away")
    reason: str | None = Field(description="night, absence, or the policy holding the reply")


@router.get("/presence", response_model=PresenceOut)
async def presence(state: State) -> PresenceOut:
    """The demo persona's presence, as the chat header shows it."""
    demo = state.demo
    assert demo is not None
    async with session.connection(state.resources.pool) as conn:
        shown = await _presence(state, demo, conn)
    return PresenceOut(
        state=shown.state.value, label=shown.label, until=shown.until, reason=shown.reason
    )
