"""A persona's canon for the operator: `GET /personas/{bot_id}/canon` (admin token).

The stable facts of her life (the card's, promoted claims, the operator's entries, each with
where it comes from) and this week's agenda, as `randomatch-bot persona canon show --json`
prints them. Written with `persona canon edit`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path

from randomatch_bot.api.auth import Authorised
from randomatch_bot.api.state import State
from randomatch_bot.conversation.persona import life
from randomatch_bot.conversation.persona.card import load_persona
from randomatch_bot.db import personas, session

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
