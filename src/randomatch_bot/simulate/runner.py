"""`randomatch-bot simulate`: many scripted conversations against the real engine, in virtual time.

The simulation never touches a deployment's data: it starts its own embedded PostgreSQL in a
temporary directory, migrates it, creates one bot and one scripted human per conversation, and
runs every conversation on one shared virtual timeline — a heap of the next things due (a human
message, a conversation step), taken in time order. The engine gets that virtual clock, so
plans, read receipts, typing and parts carry human-scale times (TIME_SCALE=1) while the whole
run takes seconds. Nothing sleeps and no Redis is used: the heap plays the worker's queue.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import random
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona.card import DEFAULT_PERSONA_FILE, Persona
from randomatch_bot.conversation.persona.files import LoadedPersona, bundled_persona, import_persona
from randomatch_bot.conversation.plan.engine import ConversationEngine, SeededRandom
from randomatch_bot.db import session
from randomatch_bot.db import simulation as sim_db
from randomatch_bot.db.migrate import migrate
from randomatch_bot.db.types import Conn
from randomatch_bot.evaluation.style_report import render_style_table, style_figures
from randomatch_bot.infra.embedded import EmbeddedServers
from randomatch_bot.infra.postgres import create_pool
from randomatch_bot.llm import OfflineResponder, build_llm_client
from randomatch_bot.llm.types import LLMClient
from randomatch_bot.simulate import report as reports
from randomatch_bot.simulate.driver import Trace, VirtualClock, step
from randomatch_bot.simulate.humans import ScriptedHuman

if TYPE_CHECKING:
    import asyncpg

__all__ = ["SimulationOptions", "simulate", "write_outputs"]

# A Saturday, 10:00 in Paris: inside the default active hours, so the figures show the
# conversational timing; conversations then start spread over the day.
DEFAULT_START = dt.datetime(2026, 6, 13, 8, 0, tzinfo=dt.UTC)
DEFAULT_SPREAD = 10 * 3600.0  # s over which the conversations start
BOT_NAMES = ("Camille", "Léa", "Manon", "Chloé", "Sarah", "Élise", "Juliette", "Anaïs")
_EVENTS_PER_TURN = 400  # guard against a conversation that never settles


@dataclass(frozen=True, slots=True)
class SimulationOptions:
    """How many conversations of how many human turns, the seed, and the model endpoint."""

    conversations: int = 50
    turns: int = 8
    seed: int = 0
    llm_url: str | None = None  # an OpenAI-protocol endpoint; None: the offline responder
    start: dt.datetime = DEFAULT_START
    spread_seconds: float = DEFAULT_SPREAD
    habits: tuple[str, ...] = ()  # typing habits given to every bot (conversation/words/style)


@dataclass(slots=True)
class _Conversation:
    match_id: uuid.UUID
    human_id: uuid.UUID
    human: ScriptedHuman
    turns_left: int
    unsent: int = 0  # messages of the current turn not written yet
    version: int = 0  # only the latest scheduled step of a conversation runs
    trace: Trace = field(default_factory=list)


@dataclass(order=True, slots=True)
class _Event:
    at: dt.datetime
    seq: int
    conversation: int = field(compare=False)
    text: str | None = field(compare=False, default=None)  # a human message, else a step
    version: int = field(compare=False, default=0)


def simulate(settings: Settings, options: SimulationOptions) -> reports.Report:
    """Run the simulation on a fresh temporary PostgreSQL and return its report."""
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="randomatch-sim-") as tmp,
        EmbeddedServers(Path(tmp), exclusive=True) as servers,
    ):
        assert servers.endpoints is not None
        report = asyncio.run(_simulate(settings, options, servers.endpoints.postgres_dsn))
    report.wall_seconds = time.perf_counter() - started
    return report


def _simulation_settings(settings: Settings, options: SimulationOptions, dsn: str) -> Settings:
    update: dict[str, Any] = {
        "postgres_connection_string": SecretStr(dsn),
        # Human-scale seconds: the clock is virtual, so this costs no waiting.
        "time_scale": 1.0,
    }
    if options.llm_url:
        update["llm_base_url"] = options.llm_url
        # Local OpenAI-protocol servers ignore the key, but the client needs one.
        update["llm_api_key"] = settings.llm_api_key or SecretStr("sk-simulate")
    return settings.model_copy(update=update)


async def _simulate(settings: Settings, options: SimulationOptions, dsn: str) -> reports.Report:
    settings = _simulation_settings(settings, options, dsn)
    pool = await create_pool(dsn, min_size=1, max_size=2)
    llm: LLMClient = (
        build_llm_client(settings)
        if options.llm_url
        else OfflineResponder(rng=random.Random(options.seed))
    )
    try:
        async with session.connection(pool) as conn:
            await migrate(conn)
        run = _Run(pool, settings, options, llm)
        await run.start()
        await run.loop()
        async with session.connection(pool) as conn:
            starts = {
                (c.match_id, sent): typing
                for c in run.conversations
                for sent, typing in reports.typing_starts(c.trace).items()
            }
            replies = await reports.load_replies(conn, starts)
            statuses = {s.status: s.n for s in await sim_db.plan_statuses(conn)}
            visible = await sim_db.interrupted_after_sending(conn)
            transcripts = await reports.load_transcripts(conn, _characters(settings))
    finally:
        await llm.aclose()
        await pool.close()
    return reports.Report(
        parameters={
            "conversations": options.conversations,
            "turns": options.turns,
            "seed": options.seed,
            "llm": llm.mode if options.llm_url else "offline responder",
            "start": options.start.isoformat(),
            "typing_speed_cps": settings.typing_speed_cps,
            "min_thinking_delay": settings.min_thinking_delay,
            "max_thinking_delay": settings.max_thinking_delay,
            "grouping_window": settings.grouping_window,
            "max_parts": settings.max_parts,
            "active_hours": str(settings.active_hours),
            "absence_probability": settings.absence_probability,
            "habits": ", ".join(options.habits) or "none",
        },
        counts={
            "conversations": len(run.conversations),
            "human_messages": run.human_messages,
            "steps": run.steps,
            "replies": len(replies),
            "parts": sum(len(r.parts) for r in replies),
            **{f"plans_{status}": n for status, n in statuses.items()},
            "plans_interrupted_after_a_part": visible,
        },
        values=reports.compute_metrics(replies),
        human_values={"reply_delay": run.human_delays, "messages_per_turn": run.burst_sizes},
        transcripts=transcripts,
    )


def _characters(settings: Settings) -> dict[str, str]:
    """The default persona's character for each bot name the simulation uses."""
    return {
        name: Persona.default(settings, uuid.UUID(int=0), name).system_prompt for name in BOT_NAMES
    }


class _Run:
    """The shared virtual timeline of one simulation."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        options: SimulationOptions,
        llm: LLMClient,
    ) -> None:
        self.pool = pool
        self.options = options
        self.settings = settings
        self.llm = llm
        self.rng = random.Random(options.seed)
        self.clock = VirtualClock(options.start)
        self.engine = ConversationEngine(
            pool, settings, rng=SeededRandom(options.seed), clock=self.clock
        )
        self.conversations: list[_Conversation] = []
        self.heap: list[_Event] = []
        self.seq = 0
        self.steps = 0
        self.human_messages = 0
        self.human_delays: list[float] = []
        self.burst_sizes: list[float] = []

    def _uuid(self) -> uuid.UUID:
        # From the seeded RNG, so a seed gives the same couples (and their RNG streams).
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _push(self, at: dt.datetime, index: int, *, text: str | None = None) -> None:
        self.seq += 1
        version = 0
        if text is None:
            # A newer step supersedes the one already queued: the engine always says when it
            # next wants to run, as the worker's keyed scheduling does.
            conv = self.conversations[index]
            conv.version += 1
            version = conv.version
        heapq.heappush(self.heap, _Event(at, self.seq, index, text, version))

    def _schedule_turn(self, index: int, at: dt.datetime, *, first_delay: float) -> None:
        conv = self.conversations[index]
        turn_number = self.options.turns - conv.turns_left
        turn = conv.human.turn(turn_number, first_delay=first_delay)
        conv.turns_left -= 1
        conv.unsent += len(turn.messages)
        self.burst_sizes.append(float(len(turn.messages)))
        for text, delay in zip(turn.messages, turn.delays, strict=True):
            at += dt.timedelta(seconds=delay)
            self._push(at, index, text=text)

    async def start(self) -> None:
        """Create the couples and queue every human's opening turn."""
        async with session.transaction(self.pool) as conn:
            for index in range(self.options.conversations):
                bot_id, human_id, match_id = self._uuid(), self._uuid(), self._uuid()
                human = ScriptedHuman.draw(self.rng)
                opens = self.options.start + dt.timedelta(
                    seconds=self.rng.uniform(0, self.options.spread_seconds)
                )
                await sim_db.insert_profile(
                    conn, profile_id=bot_id, display_name=BOT_NAMES[index % 8], is_bot=True
                )
                if self.options.habits:
                    await self._with_habits(conn, bot_id, BOT_NAMES[index % 8])
                await sim_db.insert_profile(
                    conn, profile_id=human_id, display_name=human.name, is_bot=False
                )
                await sim_db.insert_match(
                    conn, match_id=match_id, user_a=human_id, user_b=bot_id, created_at=opens
                )
                self.conversations.append(
                    _Conversation(match_id, human_id, human, self.options.turns)
                )
                self._schedule_turn(index, opens, first_delay=0.0)

    async def _with_habits(self, conn: Conn, bot_id: uuid.UUID, name: str) -> None:
        """A persona row for the bot: the default character and settings, plus the habits."""
        settings = self.settings
        spec = bundled_persona(DEFAULT_PERSONA_FILE).spec.model_copy(
            update={
                "name": name,
                "habits": list(self.options.habits),
                "timezone": settings.bot_timezone,
                "active_hours": settings.active_hours.text,
                "typing_speed_cps": settings.typing_speed_cps,
                "min_thinking": settings.min_thinking_delay,
                "max_thinking": settings.max_thinking_delay,
                "absence_probability": settings.absence_probability,
                "model": settings.llm_model,
                "temperature": settings.llm_temperature,
            }
        )
        await import_persona(conn, LoadedPersona(spec, spec.as_card(), "simulate", "yaml"), bot_id)

    async def loop(self) -> None:
        """Take the events in time order until every conversation has nothing left to do."""
        budget = max(self.options.conversations, 1) * max(self.options.turns, 1)
        for _ in range(budget * _EVENTS_PER_TURN):
            if not self.heap:
                return
            event = heapq.heappop(self.heap)
            conv = self.conversations[event.conversation]
            if event.text is None and event.version != conv.version:
                continue
            self.clock.now = max(self.clock.now, event.at)
            if event.text is not None:
                await self._human_says(event.conversation, event.text)
            else:
                await self._step(event.conversation)
        raise RuntimeError("the simulation did not settle; a conversation keeps waking up")

    async def _human_says(self, index: int, text: str) -> None:
        conv = self.conversations[index]
        async with session.connection(self.pool) as conn:
            await sim_db.insert_message(
                conn,
                match_id=conv.match_id,
                sender_id=conv.human_id,
                content=text,
                created_at=self.clock.now,
            )
        conv.unsent -= 1
        self.human_messages += 1
        # What the bridge does on NOTIFY: look at the conversation now.
        self._push(self.clock.now, index)

    async def _step(self, index: int) -> None:
        conv = self.conversations[index]
        done, wake = await step(self.engine, self.clock, conv.match_id, self.llm)
        self.steps += 1
        conv.trace.extend(done)
        replied = any(result.note == "reply done" for _, result in done)
        if replied and conv.unsent == 0 and conv.turns_left > 0:
            delay = conv.human.reply_delay()
            self.human_delays.append(delay)
            self._schedule_turn(index, self.clock.now, first_delay=delay)
        if wake is not None:
            self._push(wake, index)


def write_outputs(report: reports.Report, out_dir: Path) -> dict[str, Path]:
    """Write report.md (table), report.json (figures and values) and timing.png into `out_dir`."""
    import json

    from randomatch_bot.simulate.plot import plot_report

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": out_dir / "report.md",
        "json": out_dir / "report.json",
        "plot": out_dir / "timing.png",
    }
    paths["markdown"].write_text(render_markdown(report), "utf-8")
    paths["json"].write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False), "utf-8")
    plot_report(report, paths["plot"])
    return paths


def render_markdown(report: reports.Report) -> str:
    """The report as markdown: what was run, the counts, and the table."""
    params, counts = report.parameters, report.counts
    humans = {k: reports.summarize(v) for k, v in report.human_values.items()}
    lines = [
        "# Simulated conversations",
        "",
        f"{params['conversations']} conversations x {params['turns']} human turns, seed "
        f"{params['seed']}, {params['llm']}; virtual time from {params['start']}; "
        f"{report.wall_seconds:.1f} s of wall time.",
        "",
        "Counts: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()) + ".",
        "",
    ]
    if "reply_delay" in humans:
        delay, burst = humans["reply_delay"], humans.get("messages_per_turn")
        line = (
            f"Scripted humans: wait before writing again median {delay.median:.0f} s, "
            f"p90 {delay.p90:.0f} s"
        )
        if burst is not None:
            line += f"; {burst.mean:.2f} messages per turn on average"
        lines += [line + ".", ""]
    lines += [reports.render_table(report), ""]
    if report.transcripts:
        figures = style_figures(report.transcripts)
        lines += [
            "## Style of the persona's messages",
            "",
            "Measured as `randomatch-bot eval` does (see docs/EVALUATION.md).",
            "",
            render_style_table([("simulated", figures)]),
            "",
        ]
    return "\n".join(lines)
