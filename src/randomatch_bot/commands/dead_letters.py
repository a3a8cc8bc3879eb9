"""`randomatch-bot dead-letters list|retry|discard [--all|ID...]`: what the dashboard does with
dead letters, from a terminal, one letter or all of them at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from randomatch_bot.config import Settings, load_settings

if TYPE_CHECKING:
    from randomatch_bot.db.dead_letters import DeadLetter
    from randomatch_bot.supervisor import Resources

T = TypeVar("T")

dead_letters_app = typer.Typer(
    help="Replies given up after their last attempt: list them, retry or discard them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

IdsArgument = Annotated[list[int] | None, typer.Argument(help="Dead letter ids.")]
AllOption = Annotated[bool, typer.Option("--all", help="Every open dead letter.")]


def _settings() -> Settings:
    from randomatch_bot.logs import configure_logging

    settings = load_settings()
    configure_logging(settings)
    return settings


def _with_resources(settings: Settings, work: Callable[[Resources], Awaitable[T]]) -> T:
    from randomatch_bot.supervisor import open_resources

    async def main() -> T:
        async with open_resources(settings, pool_size=2) as res:
            return await work(res)

    return asyncio.run(main())


@dead_letters_app.command("list")
def list_letters(
    include_resolved: Annotated[
        bool, typer.Option("--resolved", help="Also show retried and discarded ones.")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
) -> None:
    """Dead letters, newest first, with their error."""
    from randomatch_bot.worker import dead_letters as operations

    settings = _settings()
    which = "all" if include_resolved else "open"

    async def work(res: Resources) -> list[DeadLetter]:
        return await operations.listing(res.pool, which=which, limit=limit)

    letters = _with_resources(settings, work)
    table = Table(title=f"dead letters ({which})")
    for column in ("id", "match", "task", "attempts", "when", "state", "error"):
        table.add_column(column)
    for letter in letters:
        table.add_row(
            str(letter.id),
            str(letter.match_id)[:8] if letter.match_id else "—",
            letter.task,
            str(letter.attempts),
            f"{letter.created_at:%Y-%m-%d %H:%M}",
            letter.resolution or "open",
            escape(letter.error[:120]),
        )
    console.print(table if letters else "no dead letter")


def _resolve(ids: list[int] | None, every: bool, resolution: str) -> None:
    from randomatch_bot.worker import dead_letters as operations

    if every == bool(ids):
        console.print("[red]error:[/] give dead letter ids, or --all")
        raise typer.Exit(2)
    settings = _settings()

    async def work(res: Resources) -> tuple[list[operations.Resolved], dict[int, str]]:
        pool, docket = res.pool, res.docket
        chosen = await operations.open_ids(pool) if every else list(ids or [])
        return await operations.resolve_many(pool, docket, chosen, resolution)

    done, problems = _with_resources(settings, work)
    for letter in done:
        console.print(f"dead letter {letter.id}: {resolution} (match {letter.match_id})")
    for letter_id, problem in problems.items():
        console.print(f"[yellow]dead letter {letter_id}:[/] {escape(problem)}")
    if not done and not problems:
        console.print("no open dead letter")
    if problems:
        raise typer.Exit(1)


@dead_letters_app.command("retry")
def retry(ids: IdsArgument = None, every: AllOption = False) -> None:
    """Try again: the conversation answers everything unanswered, the failed messages too."""
    _resolve(ids, every, "retried")


@dead_letters_app.command("discard")
def discard(ids: IdsArgument = None, every: AllOption = False) -> None:
    """Give up on the letters' messages; the conversations go on with later ones."""
    _resolve(ids, every, "discarded")
