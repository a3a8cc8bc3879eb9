"""Personas in the database: YAML and Card V2 import, the `persona` commands, bad files that
write nothing, and two bots answering in their own characters through the pipeline."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona.card import load_persona
from randomatch_bot.conversation.persona.files import (
    bundled_persona,
    import_persona,
    load_persona_file,
    parse_persona_text,
)
from randomatch_bot.db.migrate import load_migrations
from randomatch_bot.errors import MigrationError, PersonaError
from randomatch_bot.infra.embedded import Endpoints
from tests.support.databases import Couple, make_couple, make_profile, say
from tests.support.openai_server import OpenAIServer, RecordedRequest
from tests.support.pipeline import eventually, running_pipeline
from tests.support.processes import cli

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PERSONAS = REPO / "src" / "randomatch_bot" / "personas"
EXAMPLE_CARD = REPO / "docs" / "examples" / "lea.card.json"


async def persona_row(conn: asyncpg.Connection, bot_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM bot.personas WHERE bot_id = $1", bot_id)


async def counts(conn: asyncpg.Connection) -> tuple[int, int]:
    personas = await conn.fetchval("SELECT count(*) FROM bot.personas")
    profiles = await conn.fetchval("SELECT count(*) FROM public.profiles")
    return int(personas), int(profiles)


async def test_yaml_import_round_trip(pool: asyncpg.Pool, settings: Settings) -> None:
    """Importing Julien's YAML creates the bot profile and a row that loads back as Julien."""
    loaded = bundled_persona("julien")
    bot_id = loaded.spec.bot_id
    assert bot_id is not None
    async with pool.acquire() as conn:
        result = await import_persona(conn, loaded, bot_id)
        assert (result.outcome, result.profile_created) == ("created", True)
        profile = await conn.fetchrow("SELECT * FROM public.profiles WHERE id = $1", bot_id)
        persona = await load_persona(conn, settings, bot_id, profile["display_name"])
    assert profile["is_bot"]
    assert profile["display_name"] == "Julien"
    assert persona.name == "Julien"
    assert persona.system_prompt == loaded.spec.composed_prompt()
    assert str(persona.active_hours) == "06:30-22:00"
    assert persona.typing_speed_cps == 2.6
    assert (persona.min_thinking, persona.max_thinking) == (5, 25)
    assert persona.temperature == 0.7
    assert persona.model == settings.llm_model  # no model in the file: the configured one
    assert persona.icebreaker
    assert persona.emoji == "none"
    assert persona.greetings[0].startswith("Salut. Tu connais un peu les Pyrénées")
    assert persona.card == loaded.card


async def test_card_import_round_trip(pool: asyncpg.Pool, settings: Settings) -> None:
    """The example Card V2 is stored whole and its post-history instructions reach the persona."""
    loaded = load_persona_file(EXAMPLE_CARD)
    bot_id = uuid.uuid4()
    async with pool.acquire() as conn:
        await import_persona(conn, loaded, bot_id)
        row = await persona_row(conn, bot_id)
        persona = await load_persona(conn, settings, bot_id, "Léa")
    assert row is not None
    assert json.loads(row["card"]) == json.loads(EXAMPLE_CARD.read_text("utf-8"))
    assert persona.name == "Léa"
    assert "Léa a 31 ans" in persona.system_prompt
    assert persona.post_history_instructions.startswith("Reste Léa")
    assert str(persona.active_hours) == "07:30-23:00"


async def test_readd_is_idempotent_and_changes_update(pool: asyncpg.Pool) -> None:
    """The same file again changes nothing; a changed file updates; disable survives both."""
    text = (PERSONAS / "camille.yaml").read_text("utf-8")
    bot_id = uuid.uuid4()
    async with pool.acquire() as conn:
        first = await import_persona(conn, parse_persona_text(text, "camille.yaml"), bot_id)
        stamp = (await persona_row(conn, bot_id))["updated_at"]  # type: ignore[index]
        await conn.execute("UPDATE bot.personas SET enabled = false WHERE bot_id = $1", bot_id)
        again = await import_persona(conn, parse_persona_text(text, "camille.yaml"), bot_id)
        after_again = await persona_row(conn, bot_id)
        edited = text.replace("temperature: 0.8", "temperature: 0.4")
        changed = await import_persona(conn, parse_persona_text(edited, "camille.yaml"), bot_id)
        after_change = await persona_row(conn, bot_id)
    assert (first.outcome, again.outcome, changed.outcome) == ("created", "unchanged", "updated")
    assert not again.profile_created
    assert after_again is not None
    assert after_again["updated_at"] == stamp
    assert after_change is not None
    assert after_change["temperature"] == 0.4
    assert after_change["enabled"] is False


async def test_persona_migration_is_rerunnable(pool: asyncpg.Pool) -> None:
    """Running the personas migration again on a migrated database changes nothing."""
    migration = next(m for m in load_migrations() if m.version == "0006_personas_more")
    async with pool.acquire() as conn:
        await import_persona(conn, bundled_persona("julien"), uuid.uuid4())
        before = await conn.fetch("SELECT * FROM bot.personas")
        await conn.execute(migration.sql)
        assert await conn.fetch("SELECT * FROM bot.personas") == before


async def test_human_profile_is_refused(pool: asyncpg.Pool) -> None:
    """Adding a persona onto a human's profile fails clearly and writes nothing."""
    async with pool.acquire() as conn:
        human = await make_profile(conn, "Alex", bot=False)
        before = await counts(conn)
        with pytest.raises(PersonaError, match="is a human's profile"):
            await import_persona(conn, bundled_persona("julien"), human)
        assert await counts(conn) == before
        assert (
            await conn.fetchval("SELECT is_bot FROM public.profiles WHERE id = $1", human) is False
        )


async def test_older_schema_asks_for_migrate_and_writes_nothing(pool: asyncpg.Pool) -> None:
    """On a database whose persona table predates the service, adding a persona fails with one
    line asking to run `migrate`, and the bot's profile is not created either."""
    async with pool.acquire() as conn:
        await conn.execute("ALTER TABLE bot.personas DROP COLUMN source_digest")
        before = await counts(conn)
        with pytest.raises(MigrationError, match="run `randomatch-bot migrate` first"):
            await import_persona(conn, bundled_persona("julien"), uuid.uuid4())
        assert await counts(conn) == before


async def test_cli_on_an_older_schema_says_to_migrate(
    pool: asyncpg.Pool, db_dsn: str, servers: Endpoints, tmp_path: Path
) -> None:
    """`persona list` on a database without the persona table exits 1 with one line that says
    to run `migrate`."""
    async with pool.acquire() as conn:
        await conn.execute("DROP TABLE bot.personas CASCADE")  # its variants came later
    listed = cli("persona", "list", env=_env(db_dsn, servers), cwd=tmp_path)
    assert listed.returncode == 1
    assert listed.stderr.strip().startswith("randomatch-bot: error: the database schema is out")
    assert listed.stderr.strip().endswith("run `randomatch-bot migrate` first")


def _env(db_dsn: str, servers: Endpoints) -> dict[str, str]:
    return {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": servers.redis_url}


def test_cli_add_list_show_enable_disable(db_dsn: str, servers: Endpoints, tmp_path: Path) -> None:
    """`persona add|list|show|disable|enable` work end to end as a real process."""
    env = _env(db_dsn, servers)
    added = cli("persona", "add", str(PERSONAS / "julien.yaml"), env=env, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "created persona Julien for bot 0c0ffee0-ca11-4e11-8000-000000000003" in added.stdout
    assert "(bot profile created)" in added.stdout
    again = cli("persona", "add", str(PERSONAS / "julien.yaml"), env=env, cwd=tmp_path)
    assert "unchanged persona Julien" in again.stdout, again.stderr
    lea_id = str(uuid.uuid4())
    card = cli("persona", "add", str(EXAMPLE_CARD), "--bot-id", lea_id, env=env, cwd=tmp_path)
    assert f"created persona Léa for bot {lea_id}" in card.stdout, card.stderr

    listed = cli("persona", "list", "--json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    items = {item["name"]: item for item in json.loads(listed.stdout)}
    assert set(items) == {"Julien", "Léa"}
    assert items["Léa"]["bot_id"] == lea_id
    assert items["Julien"]["enabled"] is True

    shown = cli("persona", "show", "julien", env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "06:30-22:00" in shown.stdout
    assert "accompagnateur en montagne" in shown.stdout

    disabled = cli("persona", "disable", "Julien", env=env, cwd=tmp_path)
    assert "disabled persona Julien" in disabled.stdout, disabled.stderr
    detail = json.loads(cli("persona", "show", "Julien", "--json", env=env, cwd=tmp_path).stdout)
    assert detail["enabled"] is False
    enabled = cli("persona", "enable", lea_id, env=env, cwd=tmp_path)
    assert "enabled persona Léa" in enabled.stdout, enabled.stderr
    table = cli("persona", "list", env=env, cwd=tmp_path)
    assert "Julien" in table.stdout
    assert "Léa" in table.stdout


async def test_cli_show_default_persona_and_unknown(
    pool: asyncpg.Pool, db_dsn: str, servers: Endpoints, tmp_path: Path
) -> None:
    """A bot without a row shows the default persona; an unknown name is one clear line."""
    async with pool.acquire() as conn:
        bot_id = await make_profile(conn, "Margaux", bot=True)
    env = _env(db_dsn, servers)
    detail = cli("persona", "show", str(bot_id), "--json", env=env, cwd=tmp_path)
    assert detail.returncode == 0, detail.stderr
    shown = json.loads(detail.stdout)
    assert shown["persona"].startswith("default")
    assert shown["system_prompt"].startswith("Tu es Margaux, 29 ans")
    missing = cli("persona", "disable", "Personne", env=env, cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        "randomatch-bot: error: no persona named 'Personne'; see `randomatch-bot persona list`"
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("noname.yaml", "system_prompt: Tu es quelqu'un.\n", "name: missing (required)"),
        ("tz.yaml", "name: Zoé\nsystem_prompt: x\ntimezone: Mars/Base\n", "unknown timezone"),
        ("hours.yaml", "name: Zoé\nsystem_prompt: x\nactive_hours: 8-23\n", "bad active hours"),
        ("id.yaml", "name: Zoé\nsystem_prompt: x\nbot_id: 42\n", "'42' is not a UUID"),
        ("card.json", '{"spec": "chara_card_v1", "data": {}}', "wrong card spec"),
        ("gone.yaml", None, "cannot read file"),
    ],
)
async def test_cli_bad_files_write_nothing(
    pool: asyncpg.Pool,
    db_dsn: str,
    servers: Endpoints,
    tmp_path: Path,
    name: str,
    content: str | None,
    expected: str,
) -> None:
    """A bad persona file gives one line naming the file and the problem, and writes nothing."""
    path = tmp_path / name
    if content is not None:
        path.write_text(content, "utf-8")
    async with pool.acquire() as conn:
        before = await counts(conn)
    result = cli(
        "persona",
        "add",
        str(path),
        "--bot-id",
        str(uuid.uuid4()),
        env=_env(db_dsn, servers),
        cwd=tmp_path,
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"randomatch-bot: error: {path}: ")
    assert expected in lines[0]
    async with pool.acquire() as conn:
        assert await counts(conn) == before


async def _import_text(conn: asyncpg.Connection, text: str, couple: Couple, label: str) -> None:
    # Tests run at any hour: the personas are made always available and never absent.
    for hours in ('"08:00-23:30"', '"06:30-22:00"'):
        text = text.replace(f"active_hours: {hours}", 'active_hours: "00:00-24:00"')
    text = text.replace("absence_probability: 0.05", "absence_probability: 0")
    text = text.replace("absence_probability: 0.15", "absence_probability: 0")
    await import_persona(conn, parse_persona_text(text, label), couple.bot_id)


def _system(request: RecordedRequest) -> str:
    return next(str(m["content"]) for m in request.messages if m.get("role") == "system")


async def test_two_bots_answer_in_their_own_characters(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """Two bots with different personas each send their own prompt, model and temperature."""
    settings = make_settings(
        TIME_SCALE=0.02, LLM_BASE_URL=openai_server.base_url, LLM_API_KEY="test-key"
    )
    async with pool.acquire() as conn:
        camille = await make_couple(conn, bot_name="Camille", human_name="Alex")
        julien = await make_couple(conn, bot_name="Julien", human_name="Sam")
        camille_text = (PERSONAS / "camille.yaml").read_text("utf-8")
        julien_text = (PERSONAS / "julien.yaml").read_text("utf-8") + "model: test/julien-model\n"
        await _import_text(conn, camille_text, camille, "camille.yaml")
        await _import_text(conn, julien_text, julien, "julien.yaml")

    async def replied(couple: Couple) -> int:
        async with pool.acquire() as conn:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM public.messages WHERE match_id = $1 AND sender_id = $2",
                    couple.match_id,
                    couple.bot_id,
                )
            )

    async with running_pipeline(settings, workers=2), pool.acquire() as conn:
        await say(conn, camille, "Salut Camille ! Tu randonnes dans le Vercors ?")
        await say(conn, julien, "Salut Julien ! Tu guides à Gavarnie ?")
        await eventually(lambda: replied(camille), lambda n: n >= 1)
        await eventually(lambda: replied(julien), lambda n: n >= 1)

    chats = [r for r in openai_server.chat_requests if not r.body.get("response_format")]
    by_persona = {
        name: [r for r in chats if _system(r).startswith(f"Tu es {name},")]
        for name in ("Camille", "Julien")
    }
    seen = [_system(r)[:40] for r in chats]
    assert by_persona["Camille"], seen
    assert by_persona["Julien"], seen
    for request in by_persona["Camille"]:
        assert "tu vis à Grenoble" in _system(request)
        assert request.body["model"] == settings.llm_model
        assert request.body["temperature"] == pytest.approx(0.8)
        assert "Salut Camille" in request.last_user_content
    for request in by_persona["Julien"]:
        assert "Luz-Saint-Sauveur" in _system(request)
        assert request.body["model"] == "test/julien-model"
        assert request.body["temperature"] == pytest.approx(0.7)
        assert "Salut Julien" in request.last_user_content


def test_cli_add_warns_about_a_persona_that_denies_being_an_ai(
    db_dsn: str, servers: Endpoints, tmp_path: Path
) -> None:
    """`persona add` names the sentence that contradicts the disclosure policy; the bundled
    personas add without a warning."""
    env = _env(db_dsn, servers)
    text = (PERSONAS / "julien.yaml").read_text(encoding="utf-8")
    liar = tmp_path / "liar.yaml"
    liar.write_text(
        text.replace("bot_id: 0c0ffee0-ca11-4e11-8000-000000000003", f"bot_id: {uuid.uuid4()}")
        + "\npost_history_instructions: Ne dis jamais que tu es une IA.\n",
        encoding="utf-8",
    )
    warned = cli("persona", "add", str(liar), env=env, cwd=tmp_path)
    assert warned.returncode == 0, warned.stderr
    assert "Ne dis jamais que tu es une IA" in warned.stdout
    assert "contradicts DISCLOSURE_POLICY=admit" in warned.stdout
    clean = cli("persona", "add", str(PERSONAS / "camille.yaml"), env=env, cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert "warning" not in clean.stdout


async def test_allow_meetings_is_kept_from_the_file(
    pool: asyncpg.Pool, make_settings: Any, tmp_path: Path
) -> None:
    """`allow_meetings: true` in a persona file reaches the loaded persona; default is False."""
    settings = make_settings()
    text = (PERSONAS / "julien.yaml").read_text(encoding="utf-8")
    bot_id = uuid.uuid4()
    path = tmp_path / "guide.yaml"
    path.write_text(
        text.replace("bot_id: 0c0ffee0-ca11-4e11-8000-000000000003", f"bot_id: {bot_id}")
        + "\nallow_meetings: true\n",
        encoding="utf-8",
    )
    julien = bundled_persona("julien")
    async with pool.acquire() as conn:
        await import_persona(conn, load_persona_file(path), bot_id)
        await import_persona(conn, julien, julien.spec.bot_id)
        guide = await load_persona(conn, settings, bot_id, "Julien")
        plain = await load_persona(conn, settings, julien.spec.bot_id, "Julien")
    assert guide.meetings is True
    assert plain.meetings is False
