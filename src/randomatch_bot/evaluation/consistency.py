"""`randomatch-bot eval consistency`: does a persona tell the same story about herself?

Scripted humans ask the same personal questions ("tu as quel âge ?", "tu vis où ?", "tu fais
quoi dans la vie ?", "tu fais quoi samedi ?") early and late in many conversations with the
same persona, with small talk between so that the early answers leave the prompt's window.
The conversations run through the real engine and the configured model (the offline
responder when none is configured) on a temporary database, in virtual time, twice: with her
life (SELF_CONSISTENCY on: canon, week, self-memory, contradiction check) and without it.

Each answer is read deterministically (an age, a town, a job, the places of a Saturday); a
contradiction is an answer whose value differs from the first value that persona gave to
that question in that run (any conversation). With a model and `judge`, the judge model also
counts the contradictions in each persona's answers. Writes consistency.md and .json.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import re
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from randomatch_bot.config import ActiveHours, Settings
from randomatch_bot.conversation.persona.files import LoadedPersona, bundled_persona, import_persona
from randomatch_bot.conversation.plan.engine import ConversationEngine, SeededRandom
from randomatch_bot.conversation.words.consistency import WORD as _WORD
from randomatch_bot.conversation.words.consistency import claims, places_in
from randomatch_bot.conversation.words.memory import json_object
from randomatch_bot.db import session
from randomatch_bot.db import simulation as sim_db
from randomatch_bot.db.migrate import migrate
from randomatch_bot.infra.embedded import EmbeddedServers
from randomatch_bot.infra.postgres import create_pool
from randomatch_bot.llm import OfflineResponder, build_llm_client
from randomatch_bot.llm.phrases import normalize
from randomatch_bot.llm.types import ChatMessage, LLMClient
from randomatch_bot.simulate.driver import VirtualClock, step
from randomatch_bot.simulate.humans import HUMAN_NAMES

__all__ = [
    "QUESTIONS",
    "ConsistencyOptions",
    "ConsistencyReport",
    "answer_value",
    "render_markdown",
    "run_consistency",
    "write_consistency",
]

# A Wednesday, 09:00 in Paris: Saturday is ahead, in the same ISO week.
DEFAULT_START = dt.datetime(2026, 6, 17, 7, 0, tzinfo=dt.UTC)
PERSONA_FILES = ("camille", "julien")
# The personal questions, asked early and late in every conversation.
QUESTIONS: dict[str, str] = {
    "age": "Au fait, tu as quel âge ?",
    "ville": "Et tu vis où exactement ?",
    "metier": "Tu fais quoi dans la vie ?",
    "samedi": "Tu fais quoi samedi ?",
}
_FILLER = (
    "Ce week-end j'ai fait un sommet à 2500 m, la vue était dingue",
    "J'adore les lacs d'altitude, surtout tôt le matin",
    "Je fais aussi des raquettes l'hiver",
    "Le dénivelé ne me fait pas peur, c'est la descente qui me tue",
    "Je viens d'acheter de nouvelles chaussures, il faut les roder",
    "Il y a une cascade magnifique pas loin de chez moi",
    "Mon dernier trek c'était 5 jours en autonomie",
    "On a fini sous la pluie hier, trempés mais contents",
)
_HUMAN_PAUSE = 90.0  # virtual seconds between a reply and the human's next message
_STEPS_PER_TURN = 60


@dataclass(frozen=True, slots=True)
class ConsistencyOptions:
    """Personas (1-2 bundled), conversations per persona, small-talk turns between the early
    and the late questions, the seed, the model endpoint, and whether to ask the judge."""

    personas: int = 2
    conversations: int = 4
    filler_turns: int = 12
    seed: int = 0
    llm_url: str | None = None
    judge: bool = True
    start: dt.datetime = DEFAULT_START


@dataclass(frozen=True, slots=True)
class Answer:
    persona: str
    conversation: int
    phase: str  # "early" or "late"
    question: str
    text: str
    value: str | None  # the structured answer; None when the reply gives none


@dataclass(slots=True)
class ConsistencyReport:
    parameters: dict[str, Any]
    answers: dict[str, list[Answer]] = field(default_factory=dict)  # by mode: "canon", "none"
    judged: dict[str, dict[str, int | None]] = field(default_factory=dict)  # mode → persona → n

    def figures(self) -> dict[str, dict[str, dict[str, int]]]:
        """mode → persona → answers, with a value, contradictions, within a conversation."""
        result: dict[str, dict[str, dict[str, int]]] = {}
        for mode, answers in self.answers.items():
            per: dict[str, dict[str, int]] = {}
            for persona in dict.fromkeys(a.persona for a in answers):
                mine = [a for a in answers if a.persona == persona]
                per[persona] = {
                    "answers": len(mine),
                    "structured": sum(1 for a in mine if a.value is not None),
                    "contradictions": contradictions(mine),
                    "within_conversation": within_conversation(mine),
                }
            result[mode] = per
        return result

    def as_dict(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "figures": self.figures(),
            "judge": self.judged or None,
            "answers": {
                mode: [
                    {
                        "persona": a.persona,
                        "conversation": a.conversation,
                        "phase": a.phase,
                        "question": a.question,
                        "value": a.value,
                        "text": a.text,
                    }
                    for a in answers
                ]
                for mode, answers in self.answers.items()
            },
        }


# --- reading the answers --------------------------------------------------------------------

_AGE_ANY = re.compile(r"\b([1-9]\d)\s*ans\b(?!\s*(?:de\b|d'|d\u2019))")
_TOWN = re.compile(rf"\b(?:à|a|À)\s+({_WORD}(?:[ -]{_WORD})*)")
_JOB = re.compile(
    r"\b(?:je\s+suis|je\s+bosse\s+comme|je\s+travaille\s+comme|j['\u2019]suis)\s+"
    r"(?:une?\s+)?([a-zàâçéèêëîïôûù-]{4,})",
    re.IGNORECASE,
)
_NOT_JOBS = frozenset({"plutot", "vraiment", "tellement", "assez", "trop", "pas", "toujours"})


def answer_value(question: str, text: str) -> str | None:
    """The structured answer of a reply to one of `QUESTIONS` (None when it gives none)."""
    if question == "age":
        said = [c.said for c in claims(text) if c.fact == "age"]
        match = _AGE_ANY.search(text)
        return said[0] if said else match[1] if match else None
    if question == "ville":
        said = [c.said for c in claims(text) if c.fact == "ville"]
        match = _TOWN.search(text)
        value = said[0] if said else match[1] if match else None
        return normalize(value) if value else None
    if question == "metier":
        for match in _JOB.finditer(text):
            word = normalize(match[1])
            if word not in _NOT_JOBS:
                return word[:6]  # "infirmière" and "infirmier" are one job
        return None
    places = sorted(places_in(text))
    return ", ".join(places) if places else None


def contradictions(answers: Sequence[Answer]) -> int:
    """Answers whose value differs from the first value given to the same question."""
    first: dict[str, str] = {}
    count = 0
    for answer in answers:
        if answer.value is None:
            continue
        known = first.setdefault(answer.question, answer.value)
        if answer.value != known and not _same_places(answer.value, known):
            count += 1
    return count


def within_conversation(answers: Sequence[Answer]) -> int:
    """Late answers that differ from the early answer of the same conversation."""
    early = {
        (a.conversation, a.question): a.value
        for a in answers
        if a.phase == "early" and a.value is not None
    }
    return sum(
        1
        for a in answers
        if a.phase == "late"
        and a.value is not None
        and (known := early.get((a.conversation, a.question))) is not None
        and a.value != known
        and not _same_places(a.value, known)
    )


def _same_places(a: str, b: str) -> bool:
    # A Saturday "dans le Vercors, au lac X" and another "dans le Vercors" agree.
    return bool(set(a.split(", ")) & set(b.split(", ")))


# --- running the conversations --------------------------------------------------------------


def run_consistency(settings: Settings, options: ConsistencyOptions) -> ConsistencyReport:
    """Both runs (with her life, without) on one temporary PostgreSQL; see the module doc."""
    with (
        tempfile.TemporaryDirectory(prefix="randomatch-consistency-") as tmp,
        EmbeddedServers(Path(tmp), exclusive=True) as servers,
    ):
        assert servers.endpoints is not None
        return asyncio.run(_run(settings, options, servers.endpoints.postgres_dsn))


def _run_settings(settings: Settings, options: ConsistencyOptions, dsn: str) -> Settings:
    update: dict[str, Any] = {
        "postgres_connection_string": SecretStr(dsn),
        "time_scale": 1.0,
        "active_hours": ActiveHours("00:00-24:00"),
        "absence_probability": 0.0,
        "followup_after": 0.0,
    }
    if options.llm_url:
        update["llm_base_url"] = options.llm_url
        update["llm_api_key"] = settings.llm_api_key or SecretStr("sk-eval")
    return settings.model_copy(update=update)


async def _run(settings: Settings, options: ConsistencyOptions, dsn: str) -> ConsistencyReport:
    settings = _run_settings(settings, options, dsn)
    pool = await create_pool(dsn, min_size=1, max_size=3)
    llm: LLMClient = (
        build_llm_client(settings)
        if options.llm_url
        else OfflineResponder(rng=random.Random(options.seed))
    )
    report = ConsistencyReport(
        parameters={
            "personas": min(options.personas, len(PERSONA_FILES)),
            "conversations": options.conversations,
            "filler_turns": options.filler_turns,
            "seed": options.seed,
            "llm": llm.mode if options.llm_url else "offline responder",
            "start": options.start.isoformat(),
            "questions": dict(QUESTIONS),
        }
    )
    try:
        async with session.connection(pool) as conn:
            await migrate(conn)
        for mode, on in (("canon", True), ("none", False)):
            run_settings = settings.model_copy(update={"self_consistency": on})
            report.answers[mode] = await _one_run(pool, run_settings, options, llm, mode)
        if options.llm_url and options.judge:
            for mode, answers in report.answers.items():
                report.judged[mode] = await _judge(llm, settings.llm_model, answers)
    finally:
        await llm.aclose()
        await pool.close()
    return report


async def _one_run(
    pool: Any, settings: Settings, options: ConsistencyOptions, llm: LLMClient, mode: str
) -> list[Answer]:
    rng = random.Random(f"{options.seed}:{mode}")
    clock = VirtualClock(options.start)
    engine = ConversationEngine(pool, settings, rng=SeededRandom(options.seed), clock=clock)
    answers: list[Answer] = []
    for file in PERSONA_FILES[: max(1, options.personas)]:
        spec = bundled_persona(file).spec
        bot_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        async with session.transaction(pool) as conn:
            await sim_db.insert_profile(
                conn, profile_id=bot_id, display_name=spec.name, is_bot=True
            )
            row = spec.model_copy(
                update={
                    "active_hours": "00:00-24:00",
                    "absence_probability": 0.0,
                    "icebreaker": False,
                    "followup_after": 0.0,
                    "model": settings.llm_model,
                }
            )
            await import_persona(conn, LoadedPersona(row, row.as_card(), "eval", "yaml"), bot_id)
        for number in range(options.conversations):
            human_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            match_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            name = HUMAN_NAMES[rng.randrange(len(HUMAN_NAMES))]
            async with session.transaction(pool) as conn:
                await sim_db.insert_profile(
                    conn, profile_id=human_id, display_name=name, is_bot=False
                )
                await sim_db.insert_match(
                    conn, match_id=match_id, user_a=human_id, user_b=bot_id, created_at=clock.now
                )
            talk = _Talk(pool, engine, clock, llm, match_id, human_id, bot_id)
            await talk.say(f"Salut ! Moi c'est {name} 🙂")
            for phase in ("early", "late"):
                if phase == "late":
                    for _ in range(options.filler_turns):
                        await talk.say(rng.choice(_FILLER))
                for question, text in QUESTIONS.items():
                    reply = await talk.say(text)
                    answers.append(
                        Answer(
                            spec.name, number, phase, question, reply, answer_value(question, reply)
                        )
                    )
            clock.advance(600)  # the next person writes to her a little later
    return answers


@dataclass(slots=True)
class _Talk:
    pool: Any
    engine: ConversationEngine
    clock: VirtualClock
    llm: LLMClient
    match_id: uuid.UUID
    human_id: uuid.UUID
    bot_id: uuid.UUID

    async def say(self, text: str) -> str:
        """The human writes `text`; the conversation runs until it settles; her reply."""
        written = self.clock.now
        async with session.connection(self.pool) as conn:
            await sim_db.insert_message(
                conn,
                match_id=self.match_id,
                sender_id=self.human_id,
                content=text,
                created_at=written,
            )
        for _ in range(_STEPS_PER_TURN):
            done, wake = await step(self.engine, self.clock, self.match_id, self.llm)
            if any(result.remember for _, result in done):
                await self.engine.remember(self.match_id, self.llm)
            if wake is None:
                break
            self.clock.now = max(self.clock.now, wake)
        else:
            raise RuntimeError("a conversation of the consistency evaluation did not settle")
        async with session.connection(self.pool) as conn:
            rows = await sim_db.messages_since(
                conn, match_id=self.match_id, sender_id=self.bot_id, after=written
            )
        self.clock.advance(_HUMAN_PAUSE)
        return " ".join(rows)


_JUDGE = """\
Tu vérifies la cohérence d'un personnage d'une appli de rencontre. On te donne, dans l'ordre, \
les réponses qu'il a données aux mêmes questions personnelles dans plusieurs conversations \
(même semaine). Compte les réponses qui contredisent une réponse précédente du même personnage \
à la même question (un âge, une ville, un métier, un programme différent ; une réponse vague \
n'est pas une contradiction). Réponds uniquement avec un objet JSON : {"contradictions": n}"""


async def _judge(llm: LLMClient, model: str, answers: Sequence[Answer]) -> dict[str, int | None]:
    judged: dict[str, int | None] = {}
    for persona in dict.fromkeys(a.persona for a in answers):
        lines = [
            f"[conversation {a.conversation + 1}, {a.phase}] {QUESTIONS[a.question]} → {a.text}"
            for a in answers
            if a.persona == persona
        ]
        try:
            completion = await llm.complete(
                [ChatMessage("system", _JUDGE), ChatMessage("user", "\n".join(lines))],
                model=model,
                temperature=0.0,
                max_tokens=60,
                json_mode=True,
            )
            value = (json_object(completion.text) or {}).get("contradictions")
            judged[persona] = int(value) if isinstance(value, int | float) else None
        except Exception:
            judged[persona] = None
    return judged


# --- the report -----------------------------------------------------------------------------


def render_markdown(report: ConsistencyReport) -> str:
    """The consistency table: per persona, contradictions with her life and without."""
    params = report.parameters
    figures = report.figures()
    lines = [
        "# Does she tell the same story?",
        "",
        f"{params['personas']} persona(s) x {params['conversations']} conversations, the same "
        f"{len(QUESTIONS)} personal questions early and late ({params['filler_turns']} turns of "
        f"small talk between), seed {params['seed']}, {params['llm']}.",
        "",
        "| persona | run | answers | structured | contradictions | within a conversation |"
        + (" judge |" if report.judged else ""),
        "| --- | --- | ---: | ---: | ---: | ---: |" + (" ---: |" if report.judged else ""),
    ]
    labels = {"canon": "with the canon", "none": "without (SELF_CONSISTENCY=false)"}
    personas = list(dict.fromkeys(p for per in figures.values() for p in per))
    for persona in personas:
        for mode in ("canon", "none"):
            row = figures.get(mode, {}).get(persona)
            if row is None:
                continue
            cells = [
                persona,
                labels[mode],
                str(row["answers"]),
                str(row["structured"]),
                str(row["contradictions"]),
                str(row["within_conversation"]),
            ]
            if report.judged:
                value = report.judged.get(mode, {}).get(persona)
                cells.append("-" if value is None else str(value))
            lines.append("| " + " | ".join(cells) + " |")
    if not report.judged:
        lines += ["", "Judge: not run (no model configured, or --no-judge)."]
    return "\n".join([*lines, ""])


def write_consistency(report: ConsistencyReport, out_dir: Path) -> dict[str, Path]:
    """Write consistency.md and consistency.json into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out_dir / "consistency.md", "json": out_dir / "consistency.json"}
    paths["markdown"].write_text(render_markdown(report), "utf-8")
    paths["json"].write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False), "utf-8")
    return paths


def consistency_command(
    settings: Settings,
    *,
    personas: int,
    conversations: int,
    filler_turns: int,
    seed: int,
    llm_url: str | None,
    judge: bool,
    out: Path,
) -> tuple[str, dict[str, Path]]:
    """What `randomatch-bot eval consistency` does: run, write, and the markdown to print."""
    options = ConsistencyOptions(personas, conversations, filler_turns, seed, llm_url, judge)
    if not options.llm_url and settings.llm_api_key is not None:
        options = ConsistencyOptions(
            personas, conversations, filler_turns, seed, settings.llm_base_url, judge
        )
    report = run_consistency(settings, options)
    return render_markdown(report), write_consistency(report, out)
