"""A persona for the operator (admin token): her canon, `GET /personas/{bot_id}/canon`, and
her variants, `GET|POST /personas/{bot_id}/variants`, `POST .../variants/{name}/stop`.

The stable facts of her life (the card's, promoted claims, the operator's entries, each with
where it comes from) and this week's agenda, as `randomatch-bot persona canon show --json`
prints them. Written with `persona canon edit`. The variants as `persona variant list --json`
prints them (conversation/persona/variants.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, ConfigDict, Field

from randomatch_bot.api.auth import Authorised
from randomatch_bot.api.state import State
from randomatch_bot.conversation.persona import life, variants
from randomatch_bot.conversation.persona.card import load_persona
from randomatch_bot.db import personas, session
from randomatch_bot.db import variants as variants_db
from randomatch_bot.errors import PersonaError

router = APIRouter(prefix="/personas", dependencies=[Authorised], tags=["personas"])

BotId = Annotated[uuid.UUID, Path(description="The bot's profile id")]


@router.get("/{bot_id}/canon")
async def canon(state: State, bot_id: BotId) -> dict[str, Any]:
    """Her canon and her week; 404 for a profile that is not a bot's."""
    async with session.connection(state.resources.pool) as conn:
        profile = await personas.profile(conn, bot_id=bot_id)
        row = await personas.get(conn, bot_id=bot_id)
        if row is None and (profile is None or not profile.is_bot):
            raise HTTPException(404, f"no bot with id {bot_id}")
        name = profile.display_name if profile else None
        persona = await load_persona(conn, state.settings, bot_id, name)
        return await life.canon_report(conn, persona, dt.datetime.now(dt.UTC))


# --- her variants ---------------------------------------------------------------------------


class VariantIn(BaseModel):
    """A new variant: what it overrides of the persona (left out: hers)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, description="Letters, digits, _.- (not 'base')")
    weight: int = Field(default=1, ge=1, le=variants.MAX_WEIGHT)
    prompt: str | None = Field(default=None, max_length=variants.MAX_PROMPT)
    prompt_mode: Literal["replace", "append"] = "replace"
    model: str | None = Field(default=None, max_length=200)
    temperature: float | None = Field(default=None, ge=0, le=2)
    typing_speed_cps: float | None = Field(default=None, gt=0, le=100)
    min_thinking: float | None = Field(default=None, ge=0, le=3600)
    max_thinking: float | None = Field(default=None, ge=0, le=3600)
    habits: list[Literal["lowercase", "slang", "typos"]] | None = None


class StopIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    move: bool = Field(
        default=False,
        description="Give its conversations another active variant (default: they keep it)",
    )


class VariantOut(BaseModel):
    id: int
    bot_id: uuid.UUID
    name: str
    weight: int
    active: bool
    created_at: dt.datetime
    stopped_at: dt.datetime | None
    conversations: int = Field(description="Conversations that run it")
    overrides: dict[str, Any] = Field(description="What it sets of the persona's settings")


class VariantsOut(BaseModel):
    bot_id: uuid.UUID
    base_conversations: int = Field(description="Conversations that run no variant")
    variants: list[VariantOut]


class StopOut(BaseModel):
    bot_id: uuid.UUID
    name: str
    already_stopped: bool
    moved: int = Field(description="Conversations given another variant")


@router.get("/{bot_id}/variants", response_model=VariantsOut)
async def list_variants(state: State, bot_id: BotId) -> VariantsOut:
    """The persona's variants, oldest first, with the conversations each runs."""
    async with session.connection(state.resources.pool) as conn:
        if await personas.get(conn, bot_id=bot_id) is None:
            raise HTTPException(404, f"no persona row for bot {bot_id}")
        found = await variants.list_variants(conn, bot_id)
        base = await variants_db.base_conversations(conn, bot_id=bot_id)
    return VariantsOut(
        bot_id=bot_id,
        base_conversations=base,
        variants=[VariantOut(**variants.describe(v)) for v in found],
    )


@router.post("/{bot_id}/variants", response_model=VariantOut, status_code=201)
async def add_variant(state: State, bot_id: BotId, body: VariantIn) -> VariantOut:
    """Add a variant: new matches are shared among the active variants by weight. 404 when
    the bot has no persona row, 409 when the name is taken, 400 for a bad setting."""
    try:
        variants.check_name(body.name)
        settings = variants.settings_of(
            prompt=body.prompt,
            prompt_mode=body.prompt_mode,
            model=body.model,
            temperature=body.temperature,
            typing_speed_cps=body.typing_speed_cps,
            min_thinking=body.min_thinking,
            max_thinking=body.max_thinking,
            habits=body.habits,
        )
    except PersonaError as exc:
        raise HTTPException(400, str(exc)) from exc
    async with session.connection(state.resources.pool) as conn:
        if await personas.get(conn, bot_id=bot_id) is None:
            raise HTTPException(404, f"no persona row for bot {bot_id}")
        try:
            added = await variants.add_variant(conn, bot_id, body.name, body.weight, settings)
        except PersonaError as exc:
            raise HTTPException(409, str(exc)) from exc
    return VariantOut(**variants.describe(added))


@router.post("/{bot_id}/variants/{name}/stop", response_model=StopOut)
async def stop_variant(
    state: State, bot_id: BotId, name: str, body: StopIn | None = None
) -> StopOut:
    """Stop a variant: no new match gets it; its conversations keep it unless `move`."""
    move = (body or StopIn()).move
    async with session.connection(state.resources.pool) as conn:
        try:
            stopped = await variants.stop_variant(conn, bot_id, name, move=move)
        except PersonaError as exc:
            raise HTTPException(404, str(exc)) from exc
    return StopOut(bot_id=bot_id, name=name, already_stopped=stopped.already, moved=stopped.moved)
