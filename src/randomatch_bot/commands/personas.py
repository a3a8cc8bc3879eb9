"""`randomatch-bot persona ...`: add personas from YAML or Character Card V2 files, list them,
show one, enable or disable one.

A file is parsed and validated completely before any server is contacted, so a bad file costs
one line on stderr and writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer
from rich.console import Console
from rich.table import Table

from randomatch_bot.config import Settings, load_settings
from randomatch_bot.errors import MigrationError, SchemaMismatch

if TYPE_CHECKING:
    from randomatch_bot.conversation.persona.card import Persona
    from randomatch_bot.db.personas import PersonaListing
    from randomatch_bot.db.types import Conn

persona_app = typer.Typer(
    help="Manage the bots' personas: add from YAML or Character Card V2, list, show, toggle.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

RefArgument = Annotated[str, typer.Argument(help="The bot id, or the persona's name.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _settings() -> Settings:
    from randomatch_bot.logs import configure_logging

    settings = load_settings()
    configure_logging(settings)
    return settings


@contextlib.asynccontextmanager
async def _connection(settings: Settings) -> AsyncIterator[Conn]:
    from randomatch_bot.infra.postgres import connect
    from randomatch_bot.supervisor import open_endpoints

    async with open_endpoints(settings) as endpoints:
        conn = await connect(endpoints.postgres_dsn, attempts=2)
        try:
            yield conn
        except SchemaMismatch as exc:
            raise MigrationError(
                f"the database schema is out of date ({exc}); run `randomatch-bot migrate` first"
            ) from exc
        finally:
            await conn.close()


@persona_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="A persona YAML or a Character Card V2 JSON.")],
    bot_id: Annotated[
        str | None,
        typer.Option("--bot-id", help="The bot's profile id (default: the one in the file)."),
    ] = None,
) -> None:
    """Create or update a bot's persona from a file; creates the bot profile if missing."""
    from randomatch_bot.config import DisclosurePolicy
    from randomatch_bot.conversation.persona.files import (
        import_persona,
        load_persona_file,
        resolve_bot_id,
    )
    from randomatch_bot.conversation.words.disclosure import contradicts_policy

    loaded = load_persona_file(file)
    target = resolve_bot_id(loaded, bot_id)
    settings = _settings()
    if settings.disclosure_policy is not DisclosurePolicy.PLAY:
        # The service enforces the policy on every reply anyway; a persona text that orders
        # the opposite only makes the model argue with itself, so the operator should know.
        texts = (loaded.spec.composed_prompt(), loaded.spec.post_history_instructions)
        for sentence in contradicts_policy("\n".join(texts)):
            console.print(
                f"warning: {file}: {sentence!r} contradicts DISCLOSURE_POLICY="
                f"{settings.disclosure_policy.value} (the persona says it is an AI persona "
                "when sincerely asked); reword it",
                highlight=False,
                markup=False,
            )

    async def main() -> None:
        async with _connection(settings) as conn:
            result = await import_persona(conn, loaded, target)
        line = f"{result.outcome} persona {result.name} for bot {result.bot_id} from {file}"
        if result.profile_created:
            line += " (bot profile created)"
        console.print(line, highlight=False)

    asyncio.run(main())


@persona_app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """Every bot: its persona, or the default persona from configuration when it has none."""
    from randomatch_bot.conversation.persona.card import list_personas

    settings = _settings()

    async def main() -> None:
        async with _connection(settings) as conn:
            rows = await list_personas(conn)
        items = [_list_item(row) for row in rows]
        if as_json:
            console.print_json(json.dumps(items))
            return
        table = Table(title="personas")
        for column in ("bot id", "name", "enabled", "hours", "timezone", "model", "source"):
            table.add_column(column)
        for item in items:
            table.add_row(
                item["bot_id"],
                item["name"],
                {True: "yes", False: "no"}.get(item["enabled"], "default"),
                item["active_hours"] or "-",
                item["timezone"] or "-",
                item["model"] or "configured",
                item["source"] or "-",
            )
        console.print(table)

    asyncio.run(main())


def _list_item(row: PersonaListing) -> dict[str, Any]:
    has_row = row.name is not None
    return {
        "bot_id": str(row.bot_id),
        "name": row.name if has_row else row.profile_name,
        "persona": "own" if has_row else "default",
        "profile": row.profile_name is not None,
        "enabled": row.enabled,
        "active_hours": row.active_hours,
        "timezone": row.timezone,
        "model": row.model,
        "source": row.source,
    }


@persona_app.command("show")
def show(ref: RefArgument, as_json: JsonOption = False) -> None:
    """Everything about one persona, the system prompt included."""
    from randomatch_bot.conversation.persona.card import load_persona, resolve_persona
    from randomatch_bot.db import personas
    from randomatch_bot.errors import PersonaError

    settings = _settings()

    async def main() -> None:
        async with _connection(settings) as conn:
            bot_id = await resolve_persona(conn, ref)
            profile = await personas.profile(conn, bot_id=bot_id)
            row = await personas.get(conn, bot_id=bot_id)
            if row is None and (profile is None or not profile.is_bot):
                raise PersonaError(f"no bot with id {bot_id}")
            persona = await load_persona(
                conn, settings, bot_id, profile.display_name if profile else None
            )
        details = _details(persona, own=row is not None)
        if as_json:
            console.print_json(json.dumps(details, ensure_ascii=False))
            return
        table = Table(title=f"persona {persona.name}", show_header=False)
        table.add_column("what", style="bold")
        table.add_column("value")
        for key, value in details.items():
            if key not in ("system_prompt", "post_history_instructions"):
                table.add_row(key.replace("_", " "), _text(value))
        console.print(table)
        console.print("[bold]system prompt[/]")
        console.print(persona.system_prompt, highlight=False, markup=False)
        if persona.post_history_instructions:
            console.print("[bold]post-history instructions[/]")
            console.print(persona.post_history_instructions, highlight=False, markup=False)

    asyncio.run(main())


def _details(persona: Persona, *, own: bool) -> dict[str, Any]:
    return {
        "bot_id": str(persona.bot_id),
        "name": persona.name,
        "persona": "own" if own else "default (from configuration)",
        "enabled": persona.enabled,
        "language": persona.language,
        "timezone": persona.timezone,
        "active_hours": str(persona.active_hours),
        "typing_speed_cps": persona.typing_speed_cps,
        "thinking": [persona.min_thinking, persona.max_thinking],
        "model": persona.model,
        "temperature": persona.temperature,
        "icebreaker": persona.icebreaker,
        "absence_probability": persona.absence_probability,
        "emoji": persona.emoji,
        "greetings": list(persona.greetings),
        "tags": list(persona.tags),
        "system_prompt": persona.system_prompt,
        "post_history_instructions": persona.post_history_instructions,
    }


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " | ".join(str(v) for v in value) or "-"
    return "-" if value in (None, "") else str(value)


def _toggle(ref: str, enabled: bool) -> None:
    from randomatch_bot.conversation.persona.card import resolve_persona, set_persona_enabled

    settings = _settings()

    async def main() -> tuple[str, uuid.UUID]:
        async with _connection(settings) as conn:
            bot_id = await resolve_persona(conn, ref)
            return await set_persona_enabled(conn, bot_id, enabled), bot_id

    name, bot_id = asyncio.run(main())
    state = "enabled" if enabled else "disabled"
    console.print(f"{state} persona {name} (bot {bot_id})", highlight=False)


@persona_app.command("enable")
def enable(ref: RefArgument) -> None:
    """Let the bot answer again."""
    _toggle(ref, True)


@persona_app.command("disable")
def disable(ref: RefArgument) -> None:
    """Stop the bot from answering until it is enabled again."""
    _toggle(ref, False)


# --- her canon (`persona canon show|edit`) ---------------------------------------------------

canon_app = typer.Typer(
    help="Her canon: the stable facts of a persona's life, shared by all her conversations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
persona_app.add_typer(canon_app, name="canon")


async def _persona_for(conn: Conn, settings: Settings, ref: str) -> Persona:
    from randomatch_bot.conversation.persona.card import load_persona, resolve_persona
    from randomatch_bot.db import personas
    from randomatch_bot.errors import PersonaError

    bot_id = await resolve_persona(conn, ref)
    profile = await personas.profile(conn, bot_id=bot_id)
    row = await personas.get(conn, bot_id=bot_id)
    if row is None and (profile is None or not profile.is_bot):
        raise PersonaError(f"no bot with id {bot_id}")
    return await load_persona(conn, settings, bot_id, profile.display_name if profile else None)


@canon_app.command("show")
def canon_show(ref: RefArgument, as_json: JsonOption = False) -> None:
    """Her canon (the card's facts, promoted claims, the operator's entries) and her week."""
    import datetime as dt

    from randomatch_bot.conversation.persona import life

    settings = _settings()

    async def main() -> dict[str, Any]:
        async with _connection(settings) as conn:
            persona = await _persona_for(conn, settings, ref)
            return await life.canon_report(conn, persona, dt.datetime.now(dt.UTC))

    view = asyncio.run(main())
    if as_json:
        console.print_json(json.dumps(view, ensure_ascii=False))
        return
    table = Table(title=f"canon of {view['name']} ({view['bot_id']})")
    for column in ("fact", "value", "source", "conversations"):
        table.add_column(column)
    for entry in view["canon"]:
        count = str(entry["conversations"]) if entry["source"] == "promoted" else "-"
        table.add_row(entry["key"], entry["value"], entry["source"], count)
    console.print(table)
    week = view["week"]
    console.print(f"[bold]her week {week['iso']}[/] ({week['source']}; today {view['today']})")
    for day in week["days"]:
        console.print(f"  {day['date']}  {day['text']}", highlight=False, markup=False)


def _parse_canon_text(text: str) -> dict[str, str]:
    """`key: value` lines (comments and blank lines ignored) as the operator edited them."""
    from randomatch_bot.conversation.persona.life import canon_key

    found: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not canon_key(key) or not value.strip():
            raise typer.BadParameter(f"line {number}: expected `fact: value`, got {line!r}")
        found[canon_key(key)] = value.strip()
    return found


@canon_app.command("edit")
def canon_edit(
    ref: RefArgument,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="FACT=VALUE: her value for a fact (repeatable)."),
    ] = None,
    remove: Annotated[
        list[str] | None,
        typer.Option("--remove", help="FACT: forget a stored entry (repeatable)."),
    ] = None,
) -> None:
    """Write her canon: `--set age=29`, `--remove animaux`, or, with neither, edit it in
    $EDITOR as `fact: value` lines. An entry the operator writes is never overwritten by a
    promotion; removing one lets the card's value (if any) apply again."""
    from randomatch_bot.conversation.persona import life
    from randomatch_bot.db import life as stored

    settings = _settings()
    sets: dict[str, str] = {}
    for item in set_ or []:
        key, sep, value = item.partition("=")
        if not sep or not life.canon_key(key) or not value.strip():
            raise typer.BadParameter(f"--set {item!r}: expected FACT=VALUE")
        sets[life.canon_key(key)] = " ".join(value.split())[: life.CANON_VALUE_MAX_CHARS]
    removals = [life.canon_key(key) for key in remove or []]

    async def main() -> tuple[str, list[str]]:
        async with _connection(settings) as conn:
            persona = await _persona_for(conn, settings, ref)
            entries = await life.canon_of(conn, persona)
            nonlocal sets, removals
            if not sets and not removals:
                current = {e.key: e.value for e in entries}
                header = (
                    f"# Canon of {persona.name}: one `fact: value` per line. Delete a line to "
                    "forget a stored entry\n# (a fact of the card comes back with the card's "
                    "value).\n"
                )
                body = "".join(f"{k}: {v}\n" for k, v in current.items())
                edited = click.edit(header + body, extension=".txt")
                if edited is None:
                    return persona.name, []
                wanted = _parse_canon_text(edited)
                sets = {k: v for k, v in wanted.items() if current.get(k) != v}
                removals = [k for k in current if k not in wanted]
            changed = []
            for key, value in sets.items():
                await stored.set_canon(conn, bot_id=persona.bot_id, key=key, value=value)
                changed.append(f"{key} = {value}")
            for key in removals:
                if await stored.remove_canon(conn, bot_id=persona.bot_id, key=key):
                    changed.append(f"{key} removed")
            return persona.name, changed

    name, changed = asyncio.run(main())
    if not changed:
        console.print(f"canon of {name}: nothing changed", highlight=False)
        return
    for line in changed:
        console.print(f"canon of {name}: {line}", highlight=False)
