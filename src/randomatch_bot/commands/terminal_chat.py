"""`randomatch-bot chat`: a person talks to the demo persona from the terminal.

Messages go into `public.messages` as the app would insert them, so they travel the real
pipeline (trigger → bridge → Redis → worker → model → rows). The screen shows what the app
would: "Vu" when the persona has read, "… est en train d'écrire" while it types, each part as
it arrives. If no service is running, the chat starts a bridge and a worker in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from typing import TYPE_CHECKING

from rich.console import Console

from randomatch_bot.bridge.listener import Bridge
from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona.presence import asleep_notice
from randomatch_bot.db import chat as demo_chat
from randomatch_bot.db import messages, session
from randomatch_bot.db.demo import Demo, seed_demo
from randomatch_bot.status import collect_status
from randomatch_bot.supervisor import migrate_database, open_resources
from randomatch_bot.worker.service import run_worker

if TYPE_CHECKING:
    import asyncpg

POLL_INTERVAL = 0.25  # seconds; one indexed look-up of a single match
FRESH_HEARTBEAT = 30.0  # seconds: a bridge seen this recently is serving the conversation


async def run_chat(settings: Settings, console: Console) -> None:
    """Interactive loop until EOF (Ctrl-D) or Ctrl-C."""
    async with open_resources(settings) as res:
        await migrate_database(res.endpoints.postgres_dsn)
        async with session.connection(res.pool) as conn:
            demo = await seed_demo(conn, bot_id=settings.bot_uuid)
            status = await collect_status(settings, conn, res.redis)
            now = dt.datetime.now(dt.UTC)
            asleep = await asleep_notice(conn, settings, demo.bot_id, demo.bot_name, now, "chat")
        if asleep is not None:
            console.print(asleep, markup=False, highlight=False)
        stop = asyncio.Event()
        background: list[asyncio.Task[None]] = []
        age = status.last_heartbeat_age
        if age is None or age > FRESH_HEARTBEAT:
            console.print("[dim]no running service found: starting a bridge and a worker here[/]")
            listener = Bridge(settings, res.endpoints.postgres_dsn, res.docket, res.redis)
            background = [
                asyncio.create_task(listener.run(stop), name="chat-bridge"),
                asyncio.create_task(
                    run_worker(settings, res.pool, res.docket, stop), name="chat-worker"
                ),
            ]
        console.print(
            f"[bold]Tu discutes avec {demo.bot_name}[/] ({status.llm}). "
            "Écris un message, Ctrl-D pour quitter."
        )
        watcher = asyncio.create_task(_watch(res.pool, demo, console), name="chat-watch")
        try:
            while True:
                try:
                    line = await asyncio.to_thread(input, "")
                except EOFError:
                    break
                text = line.strip()
                if text:
                    async with session.connection(res.pool) as conn:
                        await demo_chat.post_message(
                            conn, match_id=demo.match_id, sender_id=demo.human_id, content=text
                        )
        finally:
            watcher.cancel()
            stop.set()
            for task in [watcher, *background]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


async def _watch(pool: asyncpg.Pool, demo: Demo, console: Console) -> None:
    """Print read receipts, the typing indicator and new parts as they happen."""
    seen: set[uuid.UUID] = set()
    read_shown: set[uuid.UUID] = set()
    typing = False
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    async with session.connection(pool) as conn:
        for message in await messages.recent(conn, match_id=demo.match_id, limit=200):
            seen.add(message.id)
            read_shown.add(message.id)
    while True:
        async with session.connection(pool) as conn:
            rows = await demo_chat.messages_since(conn, match_id=demo.match_id, since=since)
            now_typing = await demo_chat.is_typing(
                conn, match_id=demo.match_id, user_id=demo.bot_id
            )
        for row in rows:
            if row.sender_id == demo.bot_id and row.id not in seen:
                seen.add(row.id)
                console.print(f"[bold magenta]{demo.bot_name}:[/] {row.content}")
            if (
                row.sender_id == demo.human_id
                and row.read_at is not None
                and row.id not in read_shown
            ):
                read_shown.add(row.id)
                console.print("[dim]   Vu ✓✓[/]")
        if now_typing and not typing:
            console.print(f"[dim italic]{demo.bot_name} est en train d'écrire…[/]")
        typing = now_typing
        await asyncio.sleep(POLL_INTERVAL)
