"""`randomatch-bot takeover MATCH_ID [--reason TEXT] [--minutes N]`, `resume MATCH_ID` and
`send MATCH_ID TEXT`: an operator pauses the persona in one conversation, writes as her, and
hands it back — what the API's takeover routes do (worker/takeover.py)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from randomatch_bot.commands.dead_letters import _settings, _with_resources
from randomatch_bot.errors import RandomatchError

if TYPE_CHECKING:
    from randomatch_bot.supervisor import Resources
    from randomatch_bot.worker.takeover import Takeover

console = Console()

MatchArgument = Annotated[str, typer.Argument(help="The match id (UUID).")]


def _match(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        console.print(f"[red]error:[/] not a match id: {escape(value)}")
        raise typer.Exit(2) from None


def _carry_out(work: Callable[[Resources], Awaitable[Takeover]]) -> Takeover:
    try:
        return _with_resources(_settings(), work)
    except (RandomatchError, ValueError) as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None


def takeover(
    match_id: MatchArgument,
    reason: Annotated[str | None, typer.Option(help="Why, shown on the conversation.")] = None,
    minutes: Annotated[
        float | None, typer.Option(min=0.1, help="How long (default: TAKEOVER_TIMEOUT hours).")
    ] = None,
) -> None:
    """Pause the persona in one conversation: she sends nothing until resumed or timed out."""
    from randomatch_bot.worker import takeover as operations

    match = _match(match_id)
    done = _carry_out(
        lambda res: operations.take_over(
            res.pool, res.docket, res.settings, match, reason=reason, minutes=minutes
        )
    )
    stopped = f"; reply {done.stopped_plan} stopped" if done.stopped_plan else ""
    console.print(f"conversation {match} taken over until {done.until:%Y-%m-%d %H:%M %Z}{stopped}")


def resume(match_id: MatchArgument) -> None:
    """Hand the conversation back to the persona: she answers what is unanswered."""
    from randomatch_bot.worker import takeover as operations

    match = _match(match_id)
    _carry_out(lambda res: operations.resume(res.pool, res.docket, match))
    console.print(f"conversation {match} resumed by the persona")


def send(
    match_id: MatchArgument,
    text: Annotated[str, typer.Argument(help="What the persona says.")],
) -> None:
    """Write as the persona in a conversation taken over, paced like her."""
    from randomatch_bot.worker import takeover as operations

    match = _match(match_id)
    done = _carry_out(lambda res: operations.send(res.pool, res.docket, res.settings, match, text))
    console.print(f"message on its way as the persona (plan {done.plan_id})")
