"""The demo chat's endpoints: a posted message goes through the real pipeline and the event
stream shows it, its read receipt, the typing indicator and each reply part, in order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from randomatch_bot.api import create_app
from tests.support.api_server import serving
from tests.support.pipeline import eventually, running_pipeline

pytestmark = pytest.mark.integration


async def read_events(response: httpx.Response, sink: list[tuple[str, dict[str, Any]]]) -> None:
    event = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            sink.append((event, json.loads(line.removeprefix("data: "))))


async def wait_for(predicate: Any, timeout: float = 30) -> None:
    """Poll a condition on the collected events (filled by another task) with a deadline."""
    await eventually(lambda: _now(predicate), bool, timeout=timeout, every=0.02)


def last_is_typing_off(events: list[tuple[str, dict[str, Any]]]) -> bool:
    """Whether the last event other than a presence refresh turned the typing off."""
    shown = [(kind, data) for kind, data in events if kind != "presence"]
    return bool(shown) and shown[-1][0] == "typing" and not shown[-1][1]["typing"]


async def _now(predicate: Any) -> bool:
    return bool(predicate())


async def test_chat_stream_shows_read_typing_and_parts(make_settings: Any) -> None:
    """Hello, my message, "Vu", typing on, the parts, typing off — as the page receives them."""
    settings = make_settings(TIME_SCALE=0.05)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources, demo=True)
        async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            events: list[tuple[str, dict[str, Any]]] = []
            async with http.stream("GET", "/chat/events") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                reader = asyncio.create_task(read_events(stream, events))
                await wait_for(lambda: any(kind == "hello" for kind, _ in events))
                posted = await http.post("/chat/messages", json={"content": "Salut Camille !"})
                assert posted.status_code == 201
                mine = posted.json()["id"]
                # The reply is over when its plan is done in PostgreSQL (a reply may have
                # several parts) and the page has seen every part and the typing turned off.
                parts = await eventually(
                    lambda: pipeline.resources.pool.fetchval(
                        "SELECT count(*) FROM bot.sent_parts sp"
                        " JOIN bot.reply_plans p ON p.id = sp.plan_id WHERE p.status = 'done'"
                    ),
                    lambda n: n > 0,
                )
                await wait_for(
                    lambda: (
                        sum(k == "message" and d["from"] == "bot" for k, d in events) == parts
                        and last_is_typing_off(events)
                    ),
                )
                reader.cancel()
            blank = await http.post("/chat/messages", json={"content": "   "})
    assert blank.status_code == 422
    hello = events[0]
    assert hello[0] == "hello"
    assert hello[1]["bot"] == "Camille"
    assert hello[1]["llm"] == "offline"
    timeline = []
    presences = []
    for kind, data in events[1:]:
        if kind == "presence":
            presences.append(data["label"])
        elif kind == "typing":
            timeline.append("typing_on" if data["typing"] else "typing_off")
        elif data["from"] == "me":
            timeline.append("read" if data["read_at"] else "mine")
            assert data["id"] == mine
        else:
            timeline.append("part")
    # The first typing event says "off" (the state when the page opened) and may be absent.
    if timeline and timeline[0] == "typing_off":
        timeline.pop(0)
    assert timeline[:3] == ["mine", "read", "typing_on"], timeline
    assert timeline[3] == "part"
    assert timeline[-1] == "typing_off"
    # Always awake here: the header said "en ligne" from the start and never anything else.
    assert presences == ["en ligne"]
    assert timeline.count("part") >= 1
