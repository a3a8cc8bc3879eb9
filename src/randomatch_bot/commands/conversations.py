"""`randomatch-bot conversation closed|reopen`: conversations closed for good by what the person
wrote (a minor, a request to stop), listed and reopened from a terminal as from the API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from randomatch_bot.config import Settings, load_settings

if TYPE_CHECKING:
    from randomatch_bot.db.closures import Closing
    from randomatch_bot.supervisor import Resources
    from randomatch_bot.worker.closures import Reopened

T = TypeVar("T")

conversation_app = typer.Typer(
    help="Conversations closed for good (a minor, a request to stop): list them, reopen one.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="`minor` or `stop` (default: both).")
]


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


def _check_reason(reason: str | None) -> None:
    if reason not in (None, "minor", "stop"):
        console.print("[red]error:[/] --reason is `minor` or `stop`")
        raise typer.Exit(2)


@conversation_app.command("closed")
def closed(
    reason: ReasonOption = None,
    reopened: Annotated[
        bool, typer.Option("--reopened", help="Those reopened by an operator or the reviewer.")
    ] = False,
    every: Annotated[bool, typer.Option("--all", help="Open and reopened ones.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
) -> None:
    """Conversations closed for a minor and stop records, newest first: open ones by default."""
    from randomatch_bot.worker import closures as operations

    _check_reason(reason)
    settings = _settings()
    which = "all" if every else "reopened" if reopened else "open"

    async def work(res: Resources) -> list[Closing]:
        return await operations.listing(res.pool, which=which, reason=reason, limit=limit)

    found = _with_resources(settings, work)
    table = Table(title=f"closed conversations ({which})")
    for column in ("match", "reason", "when", "state", "message"):
        table.add_column(column)
    for closing in found:
        state = (f"reopened by {closing.reopened_by}" if closing.reopened_at else "closed") + (
            " (confirmed)" if closing.confirmed else ""
        )
        table.add_row(
            str(closing.match_id),
            closing.reason,
            f"{closing.closed_at:%Y-%m-%d %H:%M}",
            state,
            escape((closing.message or "—")[:80]),
        )
    console.print(table if found else "no closed conversation")


@conversation_app.command("reopen")
def reopen(
    match_id: Annotated[str, typer.Argument(help="The conversation's match id.")],
    reason: ReasonOption = None,
) -> None:
    """Reopen a conversation closed by mistake: what the person writes next is answered."""
    from randomatch_bot.worker import closures as operations

    _check_reason(reason)
    try:
        match = uuid.UUID(match_id)
    except ValueError:
        console.print(f"[red]error:[/] not a match id: {escape(match_id)}")
        raise typer.Exit(2) from None
    settings = _settings()

    async def work(res: Resources) -> Reopened | str:
        try:
            return await operations.reopen(res.pool, res.docket, match, reason=reason)
        except operations.NothingToReopen as exc:
            return str(exc)

    done = _with_resources(settings, work)
    if isinstance(done, str):
        console.print(f"[yellow]{escape(done)}[/]")
        raise typer.Exit(1)
    console.print(f"conversation {done.match_id}: reopened ({', '.join(done.reasons)})")
