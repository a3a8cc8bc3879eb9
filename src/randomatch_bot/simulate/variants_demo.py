"""`randomatch-bot simulate --variants`: a seeded demo of a persona's two variants written into
the configured database, so that `/engagement?by=variant` and the dashboard show two variants
whose engagement differs, the difference significant.

Demo data, not a measurement: Camille's persona gets the variants `classic` and `curious`
(which ends her turns on an open question); each demo match is given its variant by the
service's own rule (`bot.variant_pick`), then scripted in the past week: the persona writes,
the human answers within 24 h with the chance of that variant (`REPLY_CHANCE`) or never, up
to `MAX_ROUNDS` exchanges, then says goodbye. Its messages are marked handled, so a worker
running meanwhile answers none of them. The ids derive from the seed, so running it again
adds nothing."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from randomatch_bot.conversation.persona import variants
from randomatch_bot.conversation.persona.files import bundled_persona, import_persona
from randomatch_bot.db import session, simulation
from randomatch_bot.db import variants as variants_db

if TYPE_CHECKING:
    from randomatch_bot.db.types import Conn

DEMO_BOT_ID = uuid.UUID("0c0ffee0-ca11-4e11-8000-0000000000a5")
NAMESPACE = uuid.UUID("0c0ffee0-ca11-4e11-8000-0000000000a6")
BOT_NAME = "Camille (variants)"
CURIOUS_PROMPT = (
    "Termine souvent ton message par une question ouverte sur ce que l'autre aime ou vit."
)
# The chance a human answers a persona's turn, per variant (demo figures, not measured).
REPLY_CHANCE = {"classic": 0.40, "curious": 0.68}
MAX_ROUNDS = 6  # persona turns per conversation at most
WINDOW_DAYS = 6.0  # the demo's conversations start within this many days before now
PERSONA_LINES = (
    "Salut ! Ton profil m'a fait sourire",
    "Ah oui ? Raconte",
    "J'adore, moi c'est plutôt la montagne le week-end",
    "Haha carrément",
    "Et toi, c'est quoi ton coin préféré ?",
)
HUMAN_LINES = ("Salut !", "Oui, pas mal", "Haha", "Et toi alors ?", "Je vois", "Top")


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo wrote: the bot, and per variant its conversations, turns and replies."""

    bot_id: uuid.UUID
    written: int  # conversations written by this run (0: the demo was there already)
    conversations: dict[str, int] = field(default_factory=dict)
    turns: dict[str, int] = field(default_factory=dict)
    replied: dict[str, int] = field(default_factory=dict)


async def write(conn: Conn, *, conversations: int, seed: int, now: dt.datetime) -> DemoSummary:
    """Write the demo persona, its two variants and `conversations` scripted conversations
    ending before `now` (those already written by an earlier run with the same seed are
    kept as they are)."""
    async with session.in_transaction(conn):
        await _persona(conn)
        rng = random.Random(seed)
        summary = DemoSummary(DEMO_BOT_ID, 0)
        written = 0
        for index in range(conversations):
            if await _conversation(conn, rng, seed, index, now, summary):
                written += 1
    return DemoSummary(DEMO_BOT_ID, written, summary.conversations, summary.turns, summary.replied)


async def _persona(conn: Conn) -> None:
    await simulation.demo_profile(conn, profile_id=DEMO_BOT_ID, display_name=BOT_NAME, is_bot=True)
    if await variants_db.listing(conn, bot_id=DEMO_BOT_ID):
        return
    await import_persona(conn, bundled_persona("camille"), DEMO_BOT_ID)
    await variants.add_variant(conn, DEMO_BOT_ID, "classic", 1, variants.settings_of())
    await variants.add_variant(
        conn,
        DEMO_BOT_ID,
        "curious",
        1,
        variants.settings_of(prompt=CURIOUS_PROMPT, prompt_mode="append", temperature=0.9),
    )


async def _conversation(
    conn: Conn, rng: random.Random, seed: int, index: int, now: dt.datetime, summary: DemoSummary
) -> bool:
    human_id = uuid.uuid5(NAMESPACE, f"{seed}:human:{index}")
    match_id = uuid.uuid5(NAMESPACE, f"{seed}:match:{index}")
    # Every draw is made whether or not the match is there already: the same seed, the same
    # script for each index.
    start = now - dt.timedelta(days=rng.uniform(1.5, WINDOW_DAYS + 1.5))
    draws = [(rng.random(), rng.lognormvariate(3.5, 1.0), rng.uniform(1, 8)) for _ in range(8)]
    await simulation.demo_profile(
        conn, profile_id=human_id, display_name=f"Humain {index}", is_bot=False
    )
    variant = await simulation.demo_match(
        conn,
        match_id=match_id,
        human_id=human_id,
        bot_id=DEMO_BOT_ID,
        created_at=start,
    )
    if variant is None:
        return False  # written by an earlier run
    chance = REPLY_CHANCE.get(variant, REPLY_CHANCE["classic"])
    senders: list[uuid.UUID] = []
    contents: list[str] = []
    times: list[dt.datetime] = []
    at = start + dt.timedelta(minutes=5)
    turns = replied = 0
    for round_index, (answer, human_minutes, persona_minutes) in enumerate(draws[:MAX_ROUNDS]):
        senders.append(DEMO_BOT_ID)
        contents.append(PERSONA_LINES[round_index % len(PERSONA_LINES)])
        times.append(at)
        turns += 1
        answered_at = at + dt.timedelta(minutes=min(human_minutes, 20 * 60))
        if answer >= chance or answered_at >= now - dt.timedelta(minutes=2):
            break  # the human never answers (or not yet): it ends on the persona's turn
        at = answered_at
        senders.append(human_id)
        contents.append(HUMAN_LINES[round_index % len(HUMAN_LINES)])
        times.append(at)
        replied += 1
        # Her next turn, before now at the latest (then the human's answer is not yet due).
        at = min(at + dt.timedelta(minutes=persona_minutes), now - dt.timedelta(minutes=1))
    else:
        # Every turn answered: the human says goodbye (counted as handled, see the query).
        senders.append(human_id)
        contents.append("Bonne soirée !")
        times.append(at)
    await simulation.demo_messages(
        conn,
        match_id=match_id,
        senders=senders,
        contents=contents,
        created_ats=times,
    )
    summary.conversations[variant] = summary.conversations.get(variant, 0) + 1
    summary.turns[variant] = summary.turns.get(variant, 0) + turns
    summary.replied[variant] = summary.replied.get(variant, 0) + replied
    return True
