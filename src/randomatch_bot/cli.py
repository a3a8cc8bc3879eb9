"""`randomatch-bot`: the service's command line.

Each command builds the settings (a bad value stops it with one line naming the variable),
configures logging, and runs one async entry point. Errors of the service's own family are
printed as one line with a non-zero exit, never as a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import sys
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from randomatch_bot.commands import takeover as takeover_commands
from randomatch_bot.commands.conversations import conversation_app
from randomatch_bot.commands.dead_letters import dead_letters_app
from randomatch_bot.commands.personas import persona_app
from randomatch_bot.commands.variants import variant_app
from randomatch_bot.config import Settings, load_settings
from randomatch_bot.errors import ConfigurationError, RandomatchError
from randomatch_bot.logs import configure_logging

if TYPE_CHECKING:
    from randomatch_bot.evaluation.safety import Section

T = TypeVar("T")

app = typer.Typer(
    name="randomatch-bot",
    help="AI personas of RandoMatch that chat like people: bridge, worker, API and tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(persona_app, name="persona")
persona_app.add_typer(variant_app, name="variant")
app.add_typer(dead_letters_app, name="dead-letters")
app.command("takeover")(takeover_commands.takeover)
app.command("resume")(takeover_commands.resume)
app.command("send")(takeover_commands.send)
eval_app = typer.Typer(
    help="Scripted conversations and an LLM judge; or, with a subcommand, the guard, the "
    "human-side detectors and the style pass measured on the labelled corpus.",
    add_completion=False,
)
app.add_typer(eval_app, name="eval")
app.add_typer(conversation_app, name="conversation")
console = Console()
err_console = Console(stderr=True)


def _settings(**overrides: Any) -> Settings:
    settings = load_settings(**overrides)
    configure_logging(settings)
    return settings


def _run(coro: Coroutine[Any, Any, T]) -> T:
    from randomatch_bot.infra.loop import run

    return run(coro)


# `run --awake` and `chat --awake`: the demo persona (from configuration) at any hour, never away.
AWAKE = {"ACTIVE_HOURS": "00:00-24:00", "ABSENCE_PROBABILITY": 0.0}
AwakeOption = Annotated[
    bool,
    typer.Option(
        "--awake",
        help="The demo persona answers at any hour (ACTIVE_HOURS=00:00-24:00, no absences).",
    ),
]


@app.command()
def migrate(
    create_missing_app_tables: Annotated[
        bool,
        typer.Option(
            "--create-missing-app-tables",
            help="Create an app table that is missing while the others exist "
            "(row-level security on, no grants to app users).",
        ),
    ] = False,
) -> None:
    """Check the app's tables against the contract, then apply the database migrations
    (idempotent: a second run changes nothing; a mismatch changes nothing and exits 1)."""
    settings = _settings()
    from randomatch_bot.supervisor import migrate_database, open_endpoints

    async def main() -> None:
        async with open_endpoints(settings) as endpoints:
            report = await migrate_database(
                endpoints.postgres_dsn, create_missing_app_tables=create_missing_app_tables
            )
            extensions = await _contract_extensions(endpoints.postgres_dsn)
            typing_warning = await _typing_transport_warning(settings, endpoints.postgres_dsn)
        if report.created_app_tables:
            console.print(f"created app tables: {', '.join(report.created_app_tables)}")
        if report.applied:
            console.print(f"applied: {', '.join(report.applied)}")
        else:
            console.print("database already up to date")
        console.print(f"schema version: {report.current}")
        console.print(f"optional app tables: {extensions}")
        if typing_warning:
            console.print(f"[yellow]warning:[/] {typing_warning}")
        if report.changed:
            console.print(
                f"[yellow]warning:[/] applied migrations differ from the shipped files: "
                f"{', '.join(report.changed)}"
            )

    _run(main())


async def _contract_extensions(dsn: str) -> str:
    """The optional extensions of the app's contract found in the database, in one line."""
    from randomatch_bot.db import extensions
    from randomatch_bot.infra.postgres import connect

    conn = await connect(dsn, attempts=3)
    try:
        found_in_db = await extensions.find(conn)
    finally:
        await conn.close()
    found = []
    if found_in_db.reactions:
        found.append("reactions (public.message_reactions)")
    if found_in_db.message_image_column:
        found.append(f"photos (messages.{found_in_db.message_image_column})")
    if found_in_db.attachments:
        found.append("photos (public.message_attachments)")
    return ", ".join(found) or "none (reactions and photos are off)"


async def _typing_transport_warning(settings: Settings, dsn: str) -> str | None:
    """Why TYPING_TRANSPORT cannot broadcast on this database, or None when it can (or need not)."""
    if settings.typing_transport == "table":
        return None
    from randomatch_bot.conversation.plan import typing_broadcast
    from randomatch_bot.infra.postgres import connect

    conn = await connect(dsn, attempts=3)
    try:
        return await typing_broadcast.broadcast_problem(conn, settings.typing_transport)
    finally:
        await conn.close()


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show databases, schema, queue depth, replies in flight, dead letters and the bridge."""
    settings = _settings()
    from randomatch_bot.infra.postgres import connect
    from randomatch_bot.infra.redis import connect_redis
    from randomatch_bot.status import collect_status
    from randomatch_bot.supervisor import open_endpoints

    async def main() -> None:
        async with open_endpoints(settings) as endpoints:
            conn = await connect(endpoints.postgres_dsn, attempts=2)
            redis = await connect_redis(endpoints.redis_url, attempts=2)
            try:
                report = await collect_status(settings, conn, redis)
            finally:
                await conn.close()
                await redis.aclose()
        if as_json:
            import json

            console.print_json(json.dumps(report.as_dict()))
            return
        print_status(report, embedded=endpoints.embedded)

    _run(main())


@app.command()
def forget(
    user: Annotated[str, typer.Option("--user", help="The person's profile id (UUID).")],
) -> None:
    """Erase everything the service keeps about one person (right to erasure) and say what."""
    settings = _settings()
    from randomatch_bot.infra.postgres import connect
    from randomatch_bot.privacy import forget_person
    from randomatch_bot.supervisor import open_endpoints

    try:
        user_id = uuid.UUID(user)
    except ValueError:
        raise ConfigurationError(f"--user: {user!r} is not a UUID") from None

    async def main() -> None:
        async with open_endpoints(settings) as endpoints:
            conn = await connect(endpoints.postgres_dsn, attempts=2)
            try:
                erased = await forget_person(conn, user_id)
            finally:
                await conn.close()
        console.print(f"forgot {user_id}: {erased.describe()}", highlight=False)
        console.print(
            "the messages themselves are the app's (public.messages) and were not touched",
            highlight=False,
        )

    _run(main())


def print_status(report: Any, *, embedded: bool) -> None:
    table = Table(title="randomatch-bot status", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("servers", "embedded (local data directory)" if embedded else "configured URLs")
    table.add_row("PostgreSQL", report.postgres)
    table.add_row("Redis", report.redis)
    schema = report.schema_version or "not migrated (run `randomatch-bot migrate`)"
    if report.schema_version and report.schema_version != report.schema_latest:
        schema += f" (latest is {report.schema_latest})"
    table.add_row("schema", schema)
    table.add_row("LLM", report.llm)
    if report.llm_today:
        today = report.llm_today
        table.add_row(
            "LLM today",
            f"{int(today['llm_calls'])} calls, {int(today['llm_errors'])} failed, "
            f"${today['llm_cost']:.4f}",
        )
    table.add_row("queue", f"{report.queue_due} due, {report.queue_scheduled} scheduled")
    for reason, count in sorted(report.held.items()):
        table.add_row("held back", f"{count} conversation(s): {reason}")
    for waiting in report.waiting:
        table.add_row("waiting", _describe_wait(waiting))
    for pause in report.paused:
        table.add_row(
            "[red]LLM paused[/]",
            f"{pause['scope']}: operator action needed — {escape(str(pause['reason']))} "
            f"(next probe {pause['next_probe_at']:%H:%M:%S} UTC)",
        )
    for key, value in report.counts.items():
        table.add_row(key.replace("_", " "), str(value))
    if report.closed:
        table.add_row(
            "closed for good",
            f"{report.closed.get('minor', 0)} (a minor), "
            f"{report.closed.get('stop', 0)} asked to stop "
            "(`randomatch-bot conversation closed`)",
        )
    age = report.last_heartbeat_age
    table.add_row("bridge heartbeat", "none" if age is None else f"{age:.1f} s ago")
    console.print(table)


def _describe_wait(waiting: dict[str, Any]) -> str:
    """`match 1f2e… (Camille): night, until 08:12 (in 5 h 40 min)`, local time of the host."""
    line = f"match {str(waiting['match_id'])[:8]}… ({waiting['bot'] or 'bot'}): {waiting['reason']}"
    if waiting["until"]:
        until = dt.datetime.fromisoformat(waiting["until"])
        left = max(0, int((until - dt.datetime.now(dt.UTC)).total_seconds()))
        line += (
            f", until {until.astimezone():%H:%M} (in {left // 3600} h {left % 3600 // 60:02d} min)"
        )
    return line


@app.command()
def bridge() -> None:
    """LISTEN for new messages and hand them to the workers (plus the periodic catch-up)."""
    settings = _settings()
    from randomatch_bot.bridge.listener import Bridge
    from randomatch_bot.infra.postgres import check_listen_capable
    from randomatch_bot.process_metrics import publish_forever
    from randomatch_bot.supervisor import open_resources, serve

    if settings.postgres_connection_string is not None:
        # Refused before connecting: a pooler URL connects fine and then never hears anything.
        check_listen_capable(settings.postgres_connection_string.get_secret_value())

    async def main() -> None:
        async with open_resources(settings, pool_size=settings.bridge_pool_size) as res:
            listener = Bridge(
                settings, res.endpoints.postgres_dsn, res.docket, res.redis, pool=res.pool
            )
            await serve(
                {
                    "bridge": listener.run,
                    "metrics": lambda stop: publish_forever(res.redis, stop, res.keys),
                }
            )

    _run(main())


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(help="Worker name shown in logs.")] = None,
) -> None:
    """Run conversation steps from Redis: read, think, type and send replies."""
    settings = _settings()
    from randomatch_bot.process_metrics import publish_forever
    from randomatch_bot.supervisor import open_resources, serve
    from randomatch_bot.worker.service import run_worker

    async def main() -> None:
        async with open_resources(settings, pool_size=settings.worker_pool_size) as res:
            await serve(
                {
                    "worker": lambda stop: run_worker(
                        settings, res.pool, res.docket, stop, name=name
                    ),
                    "metrics": lambda stop: publish_forever(res.redis, stop, res.keys),
                }
            )

    _run(main())


@app.command()
def run(
    port: Annotated[
        int | None,
        typer.Option(
            min=0, max=65535, help="Port of the chat page and API (default: PORT or 8000)."
        ),
    ] = None,
    awake: AwakeOption = False,
) -> None:
    """Everything in one process on the embedded servers (or the configured ones): migrate,
    seed the demo persona and hiker, then bridge, worker and the chat page until Ctrl-C."""
    settings = _settings(**(AWAKE if awake else {}))
    from randomatch_bot.api import create_app
    from randomatch_bot.api.server import bind, serve_app, url_of
    from randomatch_bot.bridge.listener import Bridge
    from randomatch_bot.conversation.persona.presence import asleep_notice
    from randomatch_bot.db.demo import seed_demo
    from randomatch_bot.infra.services import refuse_demo_in_production
    from randomatch_bot.status import collect_status
    from randomatch_bot.supervisor import migrate_database, open_resources, serve
    from randomatch_bot.worker.service import run_worker

    refuse_demo_in_production(settings, "run")

    async def main() -> None:
        async with open_resources(settings, exclusive=True) as res:
            # The demo is for the person at this machine: localhost only, whatever the token.
            sock = bind("127.0.0.1", settings.port if port is None else port)
            try:
                await migrate_database(res.endpoints.postgres_dsn)
                async with res.pool.acquire() as conn:
                    demo = await seed_demo(conn, bot_id=settings.bot_uuid)
                    print_status(
                        await collect_status(settings, conn, res.redis),
                        embedded=res.endpoints.embedded,
                    )
                    now = dt.datetime.now(dt.UTC)
                    asleep = await asleep_notice(conn, settings, demo.bot_id, demo.bot_name, now)
                if asleep is not None:
                    console.print(asleep, markup=False, highlight=False)
                console.print(
                    f"[bold]{demo.bot_name}[/] is {'asleep' if asleep else 'online'}. Talk to her "
                    "in the browser, or from another terminal with [bold]randomatch-bot chat[/]. "
                    "Ctrl-C stops the service."
                )
                listener = Bridge(
                    settings, res.endpoints.postgres_dsn, res.docket, res.redis, pool=res.pool
                )
                web = create_app(settings, resources=res, demo=True)
                web_up = asyncio.Event()

                async def announce(stop: asyncio.Event) -> None:
                    # The URL is the last start-up line: printed once the page and the bridge
                    # are both up, so that what the person types is answered.
                    await asyncio.wait_for(web_up.wait(), timeout=60)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(listener.listening.wait(), timeout=30)
                    url = url_of(sock)
                    console.print(f"dashboard: {url}dashboard")
                    console.print(f"[bold]Open {url} to chat with {demo.bot_name}[/]")
                    await stop.wait()

                await serve(
                    {
                        "bridge": listener.run,
                        "worker": lambda stop: run_worker(settings, res.pool, res.docket, stop),
                        "api": lambda stop: serve_app(web, sock, stop, on_started=web_up.set),
                        "announce": announce,
                    }
                )
            finally:
                sock.close()
        console.print("stopped cleanly")

    _run(main())


@app.command()
def api(
    host: Annotated[
        str | None,
        typer.Option(
            help="Address to listen on (default: 0.0.0.0 with MONITORING_TOKEN set, "
            "else 127.0.0.1)."
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Port (default: PORT or 8000).")
    ] = None,
) -> None:
    """The monitoring API and dashboard: /health, /ready, /metrics, /stats, dead letters."""
    settings = _settings()
    from randomatch_bot.api import create_app
    from randomatch_bot.api.server import bind, check_bind, serve_app, url_of
    from randomatch_bot.supervisor import serve

    token_set = settings.monitoring_token is not None
    # Railway and containers route to 0.0.0.0; without a token nothing may leave this machine.
    host = host or ("0.0.0.0" if token_set else "127.0.0.1")  # noqa: S104 - token required
    check_bind(host, token_set=token_set)
    if not token_set:
        err_console.print(
            "[yellow]MONITORING_TOKEN is not set: listening on localhost only "
            f"({host}); set it to expose the API.[/]"
        )
    sock = bind(host, settings.port if port is None else port)
    url = url_of(sock)

    async def main() -> None:
        from randomatch_bot.supervisor import open_resources

        # Opened here rather than in the app's lifespan: a server that cannot be reached (a
        # wrong password) is then one line, not a traceback logged by uvicorn.
        async with open_resources(settings, pool_size=5) as resources:
            web = create_app(settings, resources=resources)

            def started() -> None:
                console.print(f"monitoring API on {url} (dashboard: {url}dashboard)")

            await serve({"api": lambda stop: serve_app(web, sock, stop, on_started=started)})

    try:
        _run(main())
    finally:
        sock.close()


@app.command()
def generate(
    message: Annotated[str, typer.Argument(help="What the human says to the persona.")],
) -> None:
    """One generation with the configured persona and model, printed as the chat parts."""
    settings = _settings()
    import random

    from randomatch_bot.conversation.persona.card import Persona
    from randomatch_bot.conversation.words import prompt, reply_text
    from randomatch_bot.llm import build_llm_client

    async def main() -> None:
        bot_id = settings.bot_uuid or uuid.uuid4()
        persona = Persona.default(settings, bot_id)
        client = build_llm_client(settings)
        try:
            import datetime as dt

            history = [prompt.HistoryMessage(uuid.uuid4(), message, dt.datetime.now(dt.UTC))]
            messages = prompt.reply_messages(
                persona, history, disclosure=settings.disclosure_policy
            )
            completion = await client.complete(
                messages, model=persona.model, temperature=persona.temperature
            )
        finally:
            await client.aclose()
        text = reply_text.clean_reply(
            completion.text,
            persona_name=persona.name,
            forbidden=reply_text.fragments_of(persona.system_prompt),
        )
        parts = reply_text.split_reply(text, max_parts=settings.max_parts, rng=random.Random())
        err_console.print(
            f"[dim]{client.mode} · {completion.model} · "
            f"{completion.prompt_tokens}+{completion.completion_tokens} tokens[/]"
        )
        for part in parts:
            console.print(f"[bold]{persona.name}:[/] {part}")

    _run(main())


@app.command()
def chat(awake: AwakeOption = False) -> None:
    """Talk to the demo persona from the terminal through the real pipeline."""
    settings = _settings(**(AWAKE if awake else {}))
    from randomatch_bot.commands.terminal_chat import run_chat
    from randomatch_bot.infra.services import refuse_demo_in_production

    refuse_demo_in_production(settings, "chat")
    _run(run_chat(settings, console))


@app.command()
def simulate(
    conversations: Annotated[int, typer.Option(min=1, help="Conversations to run.")] = 50,
    turns: Annotated[int, typer.Option(min=1, help="Human turns per conversation.")] = 8,
    seed: Annotated[int, typer.Option(help="Seed of the humans and the timing draws.")] = 0,
    out: Annotated[str, typer.Option(help="Folder for report.md, .json and timing.png.")] = (
        "artifacts/simulation"
    ),
    llm_url: Annotated[
        str | None, typer.Option(help="OpenAI-protocol endpoint; default: offline responder.")
    ] = None,
    habits: Annotated[
        str, typer.Option(help="Typing habits for the bots: lowercase,slang,typos (or none).")
    ] = "",
    variants: Annotated[
        bool,
        typer.Option(
            "--variants",
            help="Instead: write a seeded demo of a persona's two variants into the configured "
            "database, for /engagement?by=variant and the dashboard (not for production).",
        ),
    ] = False,
) -> None:
    """Scripted humans chat with the engine on its own temporary database, in virtual time;
    report reply delay, reading, typing, parts beside the published human figures. With
    --variants, a seeded demo of two variants goes into the configured database instead."""
    # The engine logs every step; thousands of lines would bury the table.
    settings = _settings(LOG_LEVEL="WARNING")
    if variants:
        from randomatch_bot.commands.variants import write_demo

        write_demo(settings, conversations=conversations, seed=seed)
        return
    from pathlib import Path

    from randomatch_bot.simulate import SimulationOptions, write_outputs
    from randomatch_bot.simulate import simulate as run_simulation
    from randomatch_bot.simulate.runner import render_markdown

    options = SimulationOptions(conversations, turns, seed, llm_url, habits=_habit_list(habits))
    report = run_simulation(settings, options)
    paths = write_outputs(report, Path(out))
    console.print(render_markdown(report), markup=False, highlight=False, soft_wrap=True)
    console.print(f"written: {', '.join(str(p) for p in paths.values())}")


def _habit_list(text: str) -> tuple[str, ...]:
    from randomatch_bot.conversation.words.style import HABITS

    habits = tuple(h.strip() for h in text.split(",") if h.strip() and h.strip() != "none")
    unknown = [h for h in habits if h not in HABITS]
    if unknown:
        raise typer.BadParameter(f"unknown habit {unknown[0]!r}; known: {', '.join(HABITS)}")
    return habits


@eval_app.callback(invoke_without_command=True)
def evaluate(
    ctx: typer.Context,
    conversations: Annotated[int, typer.Option(min=1, help="Conversations to run.")] = 12,
    turns: Annotated[int, typer.Option(min=1, help="Human turns per conversation.")] = 6,
    seed: Annotated[int, typer.Option(help="Seed of the humans, timing and judge order.")] = 0,
    out: Annotated[str, typer.Option(help="Folder for eval.md, .json and style.png.")] = (
        "artifacts/eval"
    ),
    llm_url: Annotated[
        str | None,
        typer.Option(help="OpenAI-protocol endpoint; default: the configured model, if any."),
    ] = None,
    corpus: Annotated[
        str, typer.Option(help="Human-written conversations (JSON lines) to compare with.")
    ] = "tests/data/human_chats_fr.jsonl",
    judge: Annotated[bool, typer.Option(help="Ask the LLM judge when a model is set.")] = True,
    habits: Annotated[
        str, typer.Option(help="Typing habits for the bots: lowercase,slang,typos (or none).")
    ] = "",
) -> None:
    """Scripted conversations through the engine and the configured model; a style report
    beside human figures (offline, deterministic) and, with a model, an LLM judge.

    The subcommands measure the persona's words on the labelled corpus instead (offline,
    no database): `eval guard`, `eval human`, `eval style`."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings(LOG_LEVEL="WARNING")
    from randomatch_bot.evaluation.runner import EvalOptions, render_markdown, run_eval, write_eval

    options = EvalOptions(
        conversations, turns, seed, llm_url, Path(corpus), judge, _habit_list(habits)
    )
    report = run_eval(settings, options)
    paths = write_eval(report, Path(out))
    console.print(render_markdown(report), markup=False, highlight=False, soft_wrap=True)
    console.print(f"written: {', '.join(str(p) for p in paths.values())}")


# --- `eval guard|human|style`: the labelled corpus (evaluation/safety.py) ------------------

MissesOption = Annotated[
    bool, typer.Option("--misses/--no-misses", help="List every item the check got wrong.")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the figures, thresholds and misses as JSON.")
]
CheckOption = Annotated[
    bool,
    typer.Option(
        "--check", help="Exit with 1 when a figure is below its threshold (safety.THRESHOLDS)."
    ),
]
CorpusFolderOption = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        file_okay=False,
        exists=True,
        help="A folder of held-out .jsonl files named like the corpus's; default: the "
        "corpus shipped with the service.",
    ),
]


def _corpus_sections(names: list[str], folder: Path | None) -> list[Section]:
    from randomatch_bot.evaluation import safety

    evaluate = {
        "guard": safety.evaluate_guard,
        "persona_claims": safety.evaluate_claims,
        "human": safety.evaluate_human,
        "style": safety.evaluate_style,
    }
    sections = []
    for name in names:
        if folder is not None and not (folder / f"{name}.jsonl").exists():
            err_console.print(f"no {name}.jsonl in {folder}: skipped", markup=False)
            continue
        try:
            items = safety.load_items(name, folder)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--corpus") from exc
        sections.append(evaluate[name](items))
    if not sections:
        raise typer.BadParameter(f"none of {', '.join(names)} in {folder}", param_hint="--corpus")
    return sections


def _print_sections(sections: list[Section], *, misses: bool, as_json: bool, check: bool) -> None:
    from randomatch_bot.evaluation import safety

    if as_json:
        print(json.dumps(safety.sections_as_json(sections), ensure_ascii=False, indent=2))
    else:
        text = safety.render_markdown(sections, misses=misses)
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    failures = safety.below_thresholds(sections)
    if check and failures:
        for line in failures:
            err_console.print(f"below threshold: {line}", markup=False, highlight=False)
        raise typer.Exit(1)


@eval_app.command("guard")
def eval_guard(
    misses: MissesOption = True,
    as_json: JsonOption = False,
    check: CheckOption = False,
    corpus: CorpusFolderOption = None,
) -> None:
    """The output guard and the persona's claims to be human, on the labelled corpus.

    Precision and recall per category, contact details together, ordinary talk blocked."""
    sections = _corpus_sections(["guard", "persona_claims"], corpus)
    _print_sections(sections, misses=misses, as_json=as_json, check=check)


@eval_app.command("human")
def eval_human(
    misses: MissesOption = True,
    as_json: JsonOption = False,
    check: CheckOption = False,
    corpus: CorpusFolderOption = None,
) -> None:
    """The detectors on the person's messages (minor, stop, bot question), on the corpus.

    Precision and recall per detector, and ordinary messages misread."""
    sections = _corpus_sections(["human"], corpus)
    _print_sections(sections, misses=misses, as_json=as_json, check=check)


@eval_app.command("style")
def eval_style(
    misses: MissesOption = True,
    as_json: JsonOption = False,
    check: CheckOption = False,
    corpus: CorpusFolderOption = None,
) -> None:
    """The style pass on labelled persona lines, assistant register against natural chat.

    Assistant lines caught, natural lines kept, and each damaged line before and after."""
    sections = _corpus_sections(["style"], corpus)
    _print_sections(sections, misses=misses, as_json=as_json, check=check)


@eval_app.command("consistency")
def eval_consistency(
    personas: Annotated[int, typer.Option(min=1, max=2, help="Bundled personas to test.")] = 2,
    conversations: Annotated[int, typer.Option(min=1, help="Conversations per persona.")] = 4,
    filler_turns: Annotated[
        int, typer.Option(min=0, help="Small-talk turns between the early and late questions.")
    ] = 12,
    seed: Annotated[int, typer.Option(help="Seed of the humans and timing draws.")] = 0,
    out: Annotated[str, typer.Option(help="Folder for consistency.md and .json.")] = (
        "artifacts/eval"
    ),
    llm_url: Annotated[
        str | None,
        typer.Option(help="OpenAI-protocol endpoint; default: the configured model, if any."),
    ] = None,
    judge: Annotated[bool, typer.Option(help="Ask the judge model when a model is set.")] = True,
) -> None:
    """The same personal questions early and late in many conversations with the same
    persona: contradictions per persona, with her life (canon, week, self-memory, check) and
    without it (see docs/EVALUATION.md)."""
    settings = _settings(LOG_LEVEL="WARNING")
    from pathlib import Path

    from randomatch_bot.evaluation.consistency import consistency_command

    markdown, paths = consistency_command(
        settings,
        personas=personas,
        conversations=conversations,
        filler_turns=filler_turns,
        seed=seed,
        llm_url=llm_url,
        judge=judge,
        out=Path(out),
    )
    console.print(markdown, markup=False, highlight=False, soft_wrap=True)
    console.print(f"written: {', '.join(str(p) for p in paths.values())}")


def main() -> None:
    """Console-script entry point: one clear line and a non-zero exit on failure."""
    try:
        app()
    except ConfigurationError as exc:
        print(f"randomatch-bot: {exc}", file=sys.stderr)
        sys.exit(2)
    except RandomatchError as exc:
        print(f"randomatch-bot: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
