"""A persona's variants in the database: the assignment rule of `bot.variant_pick` against its
Python twin, a conversation given its variant at its first step and never moved by a later
change, stop with keep or move, the `persona variant` commands and the API, and a real
generation that writes with the variant's model and temperature."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from randomatch_bot.api import create_app
from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona import variants
from randomatch_bot.conversation.persona.card import load_persona, persona_of
from randomatch_bot.conversation.persona.files import import_persona, parse_persona_text
from randomatch_bot.db import steps
from randomatch_bot.db.usage import PolicyQuery
from randomatch_bot.errors import PersonaError
from randomatch_bot.infra.embedded import Endpoints
from tests.support.databases import Couple, make_couple, make_profile, say
from tests.support.openai_server import OpenAIServer, RecordedRequest
from tests.support.pipeline import eventually, running_pipeline
from tests.support.processes import cli

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PERSONAS = REPO / "src" / "randomatch_bot" / "personas"
ADMIN = "admin-token-for-variants"


async def _persona(conn: asyncpg.Connection, couple: Couple) -> None:
    """Camille's file for the couple's bot, available at any hour and never absent."""
    text = (PERSONAS / "camille.yaml").read_text("utf-8")
    text = text.replace('active_hours: "08:00-23:30"', 'active_hours: "00:00-24:00"')
    text = text.replace("absence_probability: 0.05", "absence_probability: 0")
    await import_persona(conn, parse_persona_text(text, "camille.yaml"), couple.bot_id)


async def _add(
    conn: asyncpg.Connection, bot_id: uuid.UUID, name: str, weight: int = 1, **settings: Any
) -> int:
    added = await variants.add_variant(conn, bot_id, name, weight, variants.settings_of(**settings))
    return added.id


async def _step_read(conn: asyncpg.Connection, match_id: uuid.UUID) -> steps.StepRead:
    """A step's read in its own transaction (the variant is recorded by it)."""
    now = dt.datetime.now(dt.UTC)
    async with conn.transaction():
        return await steps.read(
            conn,
            match_id=match_id,
            now=now,
            since=now - dt.timedelta(days=1),
            followups_default=False,
            policy=PolicyQuery(False, False, None, None, "Europe/Paris"),
        )


async def _recorded(conn: asyncpg.Connection, match_id: uuid.UUID) -> int | None:
    value = await conn.fetchval(
        "SELECT variant_id FROM bot.conversation_variants WHERE match_id = $1", match_id
    )
    return int(value) if value is not None else None


async def _matches_of(conn: asyncpg.Connection, bot_id: uuid.UUID, n: int) -> list[uuid.UUID]:
    """`n` matches of the bot, each with its own human."""
    ids = []
    for i in range(n):
        human = await make_profile(conn, f"H{i}", bot=False)
        match_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
            match_id,
            human,
            bot_id,
        )
        ids.append(match_id)
    return ids


async def test_sql_and_python_give_the_same_variant(pool: asyncpg.Pool) -> None:
    """`bot.variant_pick` and `variants.pick` agree on 300 matches, and the spread follows the
    weights (1:3) within a few points."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn, bot_name="Camille", human_name="Alex")
        await _persona(conn, couple)
        a = await _add(conn, couple.bot_id, "a", 1)
        b = await _add(conn, couple.bot_id, "b", 3)
        match_ids = [uuid.uuid4() for _ in range(300)]
        rows = await conn.fetch(
            "SELECT m, bot.variant_pick(m, $2) AS v FROM unnest($1::uuid[]) m",
            match_ids,
            couple.bot_id,
        )
    in_sql = {r["m"]: r["v"] for r in rows}
    in_python = {m: variants.pick(m, couple.bot_id, [(a, 1), (b, 3)]) for m in match_ids}
    assert in_sql == in_python
    share_b = sum(1 for v in in_sql.values() if v == b) / len(in_sql)
    assert 0.75 - 0.07 < share_b < 0.75 + 0.07


async def test_first_step_records_the_variant_and_a_change_never_moves_it(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    """The first step gives each conversation the variant of the rule and records it; after
    a weight change and a new variant, the same conversations read the same variant, while a
    new conversation follows the new set."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn, bot_name="Camille", human_name="Alex")
        await _persona(conn, couple)
        a = await _add(conn, couple.bot_id, "a", 1, model="model-a")
        b = await _add(conn, couple.bot_id, "b", 1, model="model-b", temperature=0.3)
        matches = [couple.match_id, *await _matches_of(conn, couple.bot_id, 19)]
        first = {}
        for match_id in matches:
            found = await _step_read(conn, match_id)
            assert found.persona is not None
            assert found.persona.variant is not None
            first[match_id] = found.persona.variant.id
            assert await _recorded(conn, match_id) == first[match_id]
            expected = variants.pick(match_id, couple.bot_id, [(a, 1), (b, 1)])
            assert first[match_id] == expected
        assert set(first.values()) == {a, b}  # 20 matches: both drawn
        await conn.execute("UPDATE bot.persona_variants SET weight = 1000 WHERE id = $1", a)
        await _add(conn, couple.bot_id, "c", 5000)
        for match_id in matches:
            found = await _step_read(conn, match_id)
            assert found.persona is not None
            assert found.persona.variant is not None
            assert found.persona.variant.id == first[match_id]
        # The persona a step runs carries the variant's settings.
        one_b = next(m for m, v in first.items() if v == b)
        found = await _step_read(conn, one_b)
        assert found.match is not None
        assert found.persona is not None
        persona = persona_of(settings, couple.bot_id, "Camille", found.persona)
        assert (persona.variant, persona.model, persona.temperature) == ("b", "model-b", 0.3)


async def test_a_conversation_that_replied_before_the_variants_stays_base(
    pool: asyncpg.Pool,
) -> None:
    """A conversation with a reply plan before the persona had variants runs none (base)."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn, bot_name="Camille", human_name="Alex")
        await _persona(conn, couple)
        await _step_read(conn, couple.match_id)
        await conn.execute(
            "INSERT INTO bot.reply_plans (id, match_id, bot_id, epoch, status, "
            "trigger_message_ids, read_due_at, next_due_at) "
            "VALUES ($1, $2, $3, 1, 'done', '{}', now(), now())",
            uuid.uuid4(),
            couple.match_id,
            couple.bot_id,
        )
        await _add(conn, couple.bot_id, "a")
        found = await _step_read(conn, couple.match_id)
        assert found.persona is not None
        assert found.persona.variant is None
        assert await _recorded(conn, couple.match_id) is None


async def test_stop_keeps_or_moves_the_conversations(pool: asyncpg.Pool) -> None:
    """A stopped variant gets no new match; `keep` leaves its conversations on it, `move` gives
    them the remaining variants by the same rule; an unknown name is refused."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn, bot_name="Camille", human_name="Alex")
        await _persona(conn, couple)
        a = await _add(conn, couple.bot_id, "a")
        b = await _add(conn, couple.bot_id, "b")
        c = await _add(conn, couple.bot_id, "c")
        matches = await _matches_of(conn, couple.bot_id, 30)
        for match_id in matches:
            await _step_read(conn, match_id)
        given = {m: await _recorded(conn, m) for m in matches}
        on_a = [m for m, v in given.items() if v == a]
        on_b = [m for m, v in given.items() if v == b]
        assert on_a
        assert on_b

        kept = await variants.stop_variant(conn, couple.bot_id, "a", move=False)
        assert (kept.already, kept.moved) == (False, 0)
        assert [await _recorded(conn, m) for m in on_a] == [a] * len(on_a)
        fresh = await _matches_of(conn, couple.bot_id, 20)
        for match_id in fresh:
            await _step_read(conn, match_id)
            assert await _recorded(conn, match_id) in (b, c)

        on_b_now = await conn.fetchval(
            "SELECT count(*) FROM bot.conversation_variants WHERE variant_id = $1", b
        )
        moved = await variants.stop_variant(conn, couple.bot_id, "b", move=True)
        assert moved.moved == on_b_now > len(on_b) - 1
        for match_id in on_b:
            assert await _recorded(conn, match_id) == c  # the only active one left
        assert [await _recorded(conn, m) for m in on_a] == [a] * len(on_a)
        row = await conn.fetchrow(
            "SELECT moved_from FROM bot.conversation_variants WHERE match_id = $1", on_b[0]
        )
        assert row["moved_from"] == b
        listed = {v.name: v for v in await variants.list_variants(conn, couple.bot_id)}
        assert not listed["a"].active
        assert not listed["b"].active
        assert listed["c"].active
        assert listed["b"].conversations == 0
        assert listed["a"].conversations == len(on_a)
        again = await variants.stop_variant(conn, couple.bot_id, "b", move=False)
        assert again.already
        with pytest.raises(PersonaError, match="no variant named 'zz'"):
            await variants.stop_variant(conn, couple.bot_id, "zz", move=False)


async def test_bad_variants_are_refused_and_write_nothing(pool: asyncpg.Pool) -> None:
    """A bot without a persona row, a taken name, a bad name: refused, nothing written."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn, bot_name="Camille", human_name="Alex")
        with pytest.raises(PersonaError, match="no persona row"):
            await _add(conn, couple.bot_id, "a")
        await _persona(conn, couple)
        await _add(conn, couple.bot_id, "a")
        with pytest.raises(PersonaError, match="already"):
            await _add(conn, couple.bot_id, "a", model="other")
        with pytest.raises(PersonaError, match="base"):
            await _add(conn, couple.bot_id, "base")
        with pytest.raises(PersonaError, match="variant name"):
            await _add(conn, couple.bot_id, "has space")
        count = await conn.fetchval("SELECT count(*) FROM bot.persona_variants")
        model = await conn.fetchval("SELECT model FROM bot.persona_variants")
    assert (count, model) == (1, None)


def _env(db_dsn: str, servers: Endpoints) -> dict[str, str]:
    return {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": servers.redis_url}


def test_cli_add_list_stop(db_dsn: str, servers: Endpoints, tmp_path: Path) -> None:
    """`persona variant add|list|stop` as a real process, bad input refused with one line."""
    env = _env(db_dsn, servers)
    added = cli("persona", "add", str(PERSONAS / "julien.yaml"), env=env, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Tu poses toujours une question en retour.", "utf-8")
    ok = cli(
        *("persona", "variant", "add", "Julien", "curious", "--weight", "3"),
        *("--model", "test/curious", "--temperature", "0.4", "--prompt-file", str(prompt)),
        *("--append", "--typing-speed", "7.5", "--habits", "lowercase"),
        env=env,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert "added variant curious (weight 3)" in ok.stdout
    bad = [
        ("--temperature", "3"),
        ("--habits", "shouting"),
        ("--prompt", "x", "--prompt-file", str(prompt)),
        ("--prompt-file", str(tmp_path / "missing.txt")),
        ("--weight", "0"),
    ]
    for options in bad:
        refused = cli(
            "persona", "variant", "add", "Julien", "other", *options, env=env, cwd=tmp_path
        )
        assert refused.returncode != 0, options
        assert refused.stderr.strip(), options
        assert "Traceback" not in refused.stderr, refused.stderr
    taken = cli("persona", "variant", "add", "Julien", "curious", env=env, cwd=tmp_path)
    assert taken.returncode == 1
    assert "already" in taken.stderr
    listed = cli("persona", "variant", "list", "Julien", "--json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)
    assert [i["name"] for i in items] == ["curious"]
    assert items[0]["overrides"] == {
        "prompt": "Tu poses toujours une question en retour.",
        "prompt_mode": "append",
        "model": "test/curious",
        "temperature": 0.4,
        "typing_speed_cps": 7.5,
        "habits": ["lowercase"],
    }
    assert items[0]["conversations"] == 0
    assert items[0]["active"]
    stopped = cli(
        "persona", "variant", "stop", "Julien", "curious", "--move", env=env, cwd=tmp_path
    )
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped; 0 conversation(s) moved" in stopped.stdout
    unknown = cli("persona", "variant", "stop", "Julien", "nope", env=env, cwd=tmp_path)
    assert unknown.returncode == 1
    assert "no variant named 'nope'" in unknown.stderr
    table = cli("persona", "variant", "list", env=env, cwd=tmp_path)
    assert "stopped" in table.stdout


async def test_api_variants(pool: asyncpg.Pool, make_settings: Any) -> None:
    """The variant routes with the admin token: add (201), list with counts, bad input (400,
    422), a taken name (409), an unknown persona (404), stop with move."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn, bot_name="Camille", human_name="Alex")
        await _persona(conn, couple)
    app = create_app(make_settings(MONITORING_TOKEN=ADMIN))
    headers = {"Authorization": f"Bearer {ADMIN}"}
    base = f"/personas/{couple.bot_id}/variants"
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client,
    ):
        made = await client.post(
            base, headers=headers, json={"name": "warm", "weight": 2, "temperature": 0.5}
        )
        assert made.status_code == 201, made.text
        assert made.json()["overrides"] == {"temperature": 0.5}
        await client.post(base, headers=headers, json={"name": "cool", "model": "m-cool"})
        assert (await client.post(base, headers=headers, json={"name": "warm"})).status_code == 409
        assert (await client.post(base, headers=headers, json={"name": "base"})).status_code == 400
        bad = await client.post(base, headers=headers, json={"name": "x", "temperature": 9})
        assert bad.status_code == 422
        extra = await client.post(base, headers=headers, json={"name": "x", "colour": "red"})
        assert extra.status_code == 422
        other = f"/personas/{uuid.uuid4()}/variants"
        assert (await client.post(other, headers=headers, json={"name": "x"})).status_code == 404
        assert (await client.get(other, headers=headers)).status_code == 404
        assert (await client.get(base)).status_code in (401, 403)
        async with pool.acquire() as conn:
            await _step_read(conn, couple.match_id)
        listed = (await client.get(base, headers=headers)).json()
        assert [v["name"] for v in listed["variants"]] == ["warm", "cool"]
        assert sum(v["conversations"] for v in listed["variants"]) == 1
        assert listed["base_conversations"] == 0
        holder = next(v["name"] for v in listed["variants"] if v["conversations"] == 1)
        stop = await client.post(f"{base}/{holder}/stop", headers=headers, json={"move": True})
        assert stop.status_code == 200, stop.text
        assert stop.json() == {
            "bot_id": str(couple.bot_id),
            "name": holder,
            "already_stopped": False,
            "moved": 1,
        }
        missing = await client.post(f"{base}/nope/stop", headers=headers, json={"move": False})
        assert missing.status_code == 404
        listed = (await client.get(base, headers=headers)).json()
        assert {v["name"]: v["conversations"] for v in listed["variants"]} == {
            holder: 0,
            ({"warm", "cool"} - {holder}).pop(): 1,
        }


def _system(request: RecordedRequest) -> str:
    return next(str(m["content"]) for m in request.messages if m.get("role") == "system")


async def test_a_real_generation_uses_the_variant(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """The model is asked with the conversation's variant's model, temperature and prompt
    addition; the persona loaded without the conversation keeps her own."""
    settings = make_settings(
        TIME_SCALE=0.02, LLM_BASE_URL=openai_server.base_url, LLM_API_KEY="test-key"
    )
    async with pool.acquire() as conn:
        couple = await make_couple(conn, bot_name="Camille", human_name="Alex")
        await _persona(conn, couple)
        await _add(
            conn,
            couple.bot_id,
            "bold",
            model="test/bold-model",
            temperature=0.25,
            prompt="Tu finis chaque message par une question.",
            prompt_mode="append",
        )

    async def replied() -> int:
        async with pool.acquire() as conn:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
                    couple.match_id,
                    couple.bot_id,
                )
            )

    async with running_pipeline(settings), pool.acquire() as conn:
        await say(conn, couple, "Salut Camille ! Tu randonnes dans le Vercors ?")
        await eventually(replied, lambda n: n >= 1)
        plan_model = await conn.fetchval(
            "SELECT model FROM bot.reply_plans WHERE match_id = $1 AND parts IS NOT NULL",
            couple.match_id,
        )
        own = await load_persona(conn, settings, couple.bot_id, "Camille")
    chats = [
        r
        for r in openai_server.chat_requests
        if not r.body.get("response_format") and _system(r).startswith("Tu es Camille,")
    ]
    assert chats, [_system(r)[:40] for r in openai_server.chat_requests]
    for request in chats:
        assert request.body["model"] == "test/bold-model"
        assert request.body["temperature"] == pytest.approx(0.25)
        assert "Tu finis chaque message par une question." in _system(request)
    assert plan_model == "test/bold-model"
    assert (own.model, own.variant) == (settings.llm_model, None)


async def test_the_conversation_runs_its_variant_outside_the_reply_too(
    pool: asyncpg.Pool, settings: Settings, make_settings: Any
) -> None:
    """Loaded for one conversation (memory, takeover pacing, the explainer), the persona runs
    its variant; the explainer names it."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn, bot_name="Camille", human_name="Alex")
        await _persona(conn, couple)
        await _add(conn, couple.bot_id, "slow", typing_speed_cps=2.5, model="m-slow")
        await _step_read(conn, couple.match_id)
        persona = await load_persona(
            conn, settings, couple.bot_id, "Camille", match_id=couple.match_id
        )
        own = await load_persona(conn, settings, couple.bot_id, "Camille")
    assert (persona.variant, persona.typing_speed_cps, persona.model) == ("slow", 2.5, "m-slow")
    assert own.variant is None
    app = create_app(make_settings(MONITORING_TOKEN=ADMIN))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client,
    ):
        explained = await client.get(
            f"/conversations/{couple.match_id}",
            headers={"Authorization": f"Bearer {ADMIN}", "Accept": "application/json"},
        )
    assert explained.status_code == 200, explained.text
    assert explained.json()["match"]["variant"] == "slow"
