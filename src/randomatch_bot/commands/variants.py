"""`randomatch-bot persona variant add|list|stop`: a persona's variants, each overriding some of
her settings for the conversations given it (conversation/persona/variants.py, D32).

Every option is checked before the database is contacted: a bad one costs one line on stderr
and writes nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from randomatch_bot.commands.personas import (
    JsonOption,
    RefArgument,
    _connection,
    _settings,
    console,
)
from randomatch_bot.errors import PersonaError

if TYPE_CHECKING:
    from randomatch_bot.config import Settings
    from randomatch_bot.db.variants import Variant

variant_app = typer.Typer(
    help="A persona's variants: each overrides her prompt, model, temperature, timing or "
    "habits for the conversations given it, by weight; stop one to give it no new match.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@variant_app.command("add")
def add(
    ref: RefArgument,
    name: Annotated[str, typer.Argument(help="The variant's name (letters, digits, _.-).")],
    weight: Annotated[int, typer.Option(help="Its share of new matches, relative.")] = 1,
    model: Annotated[str | None, typer.Option(help="The model it writes with.")] = None,
    temperature: Annotated[float | None, typer.Option(help="0 to 2.")] = None,
    prompt: Annotated[str | None, typer.Option(help="Its prompt text.")] = None,
    prompt_file: Annotated[
        Path | None, typer.Option("--prompt-file", help="Its prompt, read from a file.")
    ] = None,
    append: Annotated[
        bool, typer.Option("--append", help="Add the prompt after the persona's instead.")
    ] = False,
    typing_speed: Annotated[
        float | None, typer.Option("--typing-speed", help="Characters per second.")
    ] = None,
    min_thinking: Annotated[float | None, typer.Option(help="Seconds.")] = None,
    max_thinking: Annotated[float | None, typer.Option(help="Seconds.")] = None,
    habits: Annotated[
        str | None,
        typer.Option(help="lowercase,slang,typos, or none (default: the persona's)."),
    ] = None,
) -> None:
    """Add a variant to a persona; new matches are shared among the active variants by
    weight, and each conversation keeps the variant it was given."""
    from randomatch_bot.conversation.persona.card import resolve_persona
    from randomatch_bot.conversation.persona.variants import (
        add_variant,
        check_name,
        check_weight,
        settings_of,
    )

    if prompt is not None and prompt_file is not None:
        raise PersonaError("give --prompt or --prompt-file, not both")
    if prompt_file is not None:
        try:
            prompt = prompt_file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PersonaError(f"cannot read the prompt file {prompt_file}: {exc}") from exc
    if append and prompt is None:
        raise PersonaError("--append adds a prompt: give --prompt or --prompt-file")
    check_name(name)
    check_weight(weight)
    variant_settings = settings_of(
        prompt=prompt,
        prompt_mode="append" if append else "replace",
        model=model,
        temperature=temperature,
        typing_speed_cps=typing_speed,
        min_thinking=min_thinking,
        max_thinking=max_thinking,
        habits=_habits(habits),
    )
    settings = _settings()

    async def main() -> Variant:
        async with _connection(settings) as conn:
            bot_id = await resolve_persona(conn, ref)
            return await add_variant(conn, bot_id, name, weight, variant_settings)

    variant = asyncio.run(main())
    console.print(
        f"added variant {variant.name} (weight {variant.weight}) to bot {variant.bot_id}",
        highlight=False,
        markup=False,
    )


def _habits(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(h.strip() for h in text.split(",") if h.strip() and h.strip() != "none")


@variant_app.command("list")
def list_(
    ref: Annotated[str | None, typer.Argument(help="The bot id or persona name (all).")] = None,
    as_json: JsonOption = False,
) -> None:
    """The variants (of one persona, or all), with the conversations each runs."""
    from randomatch_bot.conversation.persona.card import resolve_persona
    from randomatch_bot.conversation.persona.variants import describe, list_variants

    settings = _settings()

    async def main() -> list[Variant]:
        async with _connection(settings) as conn:
            bot_id = await resolve_persona(conn, ref) if ref is not None else None
            return await list_variants(conn, bot_id)

    items = [describe(v) for v in asyncio.run(main())]
    if as_json:
        console.print_json(json.dumps(items))
        return
    table = Table(title="variants")
    for column in ("bot id", "name", "weight", "state", "conversations", "overrides"):
        table.add_column(column)
    for item in items:
        overrides = ", ".join(f"{k}={_short(v)}" for k, v in item["overrides"].items())
        table.add_row(
            item["bot_id"],
            item["name"],
            str(item["weight"]),
            "stopped" if item["stopped_at"] else "active",
            str(item["conversations"]),
            overrides or "-",
        )
    console.print(table)


def _short(value: Any) -> str:
    text = ",".join(value) if isinstance(value, list) else str(value)
    return text if len(text) <= 30 else text[:29] + "…"


@variant_app.command("stop")
def stop(
    ref: RefArgument,
    name: Annotated[str, typer.Argument(help="The variant's name.")],
    move: Annotated[
        bool,
        typer.Option(
            "--move/--keep",
            help="Give its conversations another active variant (default: they keep it).",
        ),
    ] = False,
) -> None:
    """Stop a variant: no new match gets it; its conversations keep it unless --move."""
    from randomatch_bot.conversation.persona.card import resolve_persona
    from randomatch_bot.conversation.persona.variants import stop_variant

    settings = _settings()

    async def main() -> tuple[Any, Any]:
        async with _connection(settings) as conn:
            bot_id = await resolve_persona(conn, ref)
            return bot_id, await stop_variant(conn, bot_id, name, move=move)

    bot_id, stopped = asyncio.run(main())
    state = "was stopped already" if stopped.already else "stopped"
    line = f"variant {name} of bot {bot_id} {state}"
    if move:
        line += f"; {stopped.moved} conversation(s) moved to the active variants"
    console.print(line, highlight=False, markup=False)


def write_demo(settings: Settings, *, conversations: int, seed: int) -> None:
    """`simulate --variants`: the seeded two-variant demo, into the configured database."""
    import datetime as dt

    from randomatch_bot.infra.services import refuse_demo_in_production
    from randomatch_bot.simulate import variants_demo

    refuse_demo_in_production(settings, "simulate --variants")

    async def main() -> variants_demo.DemoSummary:
        async with _connection(settings) as conn:
            return await variants_demo.write(
                conn, conversations=conversations, seed=seed, now=dt.datetime.now(dt.UTC)
            )

    summary = asyncio.run(main())
    if not summary.written:
        console.print(
            f"the variants demo (seed {seed}) is there already: bot {summary.bot_id}",
            highlight=False,
        )
        return
    for name in sorted(summary.conversations):
        turns, replied = summary.turns[name], summary.replied[name]
        console.print(
            f"variant {name}: {summary.conversations[name]} conversations, {turns} persona "
            f"turns, {replied} answered",
            highlight=False,
        )
    console.print(
        f"written into the database for bot {summary.bot_id}: see "
        "GET /engagement?by=variant or the dashboard (per variant)",
        highlight=False,
    )
