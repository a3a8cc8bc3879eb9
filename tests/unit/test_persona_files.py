"""Persona files: YAML and Character Card V2 parsing, placeholders, clear one-line errors."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona.card import DEFAULT_SYSTEM_PROMPT, Persona
from randomatch_bot.conversation.persona.files import (
    CARD_SPEC,
    bundled_persona,
    fill_placeholders,
    load_persona_file,
    parse_persona_text,
    persona_row,
    resolve_bot_id,
)
from randomatch_bot.db.personas import PersonaRow
from randomatch_bot.errors import PersonaError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CARD = REPO / "docs" / "examples" / "lea.card.json"
PERSONAS = REPO / "src" / "randomatch_bot" / "personas"

MINIMAL_YAML = "name: Zoé\nsystem_prompt: Tu es {{char}}, tu parles à {{user}}.\n"


def card(**data: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "Nina", "description": "{{char}} aime le Jura."}
    base.update(data)
    return {"spec": CARD_SPEC, "spec_version": "2.0", "data": base}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def error_line(path: Path) -> str:
    with pytest.raises(PersonaError) as info:
        load_persona_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


def build_settings(**env: Any) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


def test_minimal_yaml_fills_placeholders(tmp_path: Path) -> None:
    """A YAML with a name and a prompt parses; {{char}}/{{user}} become the name/"la personne"."""
    loaded = load_persona_file(write(tmp_path, "zoe.yaml", MINIMAL_YAML))
    assert loaded.kind == "yaml"
    assert loaded.spec.name == "Zoé"
    assert loaded.spec.composed_prompt() == "Tu es Zoé, tu parles à la personne."
    assert loaded.spec.timezone == "Europe/Paris"
    assert loaded.spec.bot_id is None


def test_bundled_examples_parse_with_distinct_characters() -> None:
    """Camille and Julien ship as valid personas with their own hours, speed and character."""
    camille = load_persona_file(PERSONAS / "camille.yaml").spec
    julien = load_persona_file(PERSONAS / "julien.yaml").spec
    assert camille.name == "Camille"
    assert julien.name == "Julien"
    assert julien.active_hours == "06:30-22:00" != camille.active_hours
    assert julien.typing_speed_cps != camille.typing_speed_cps
    assert "Pyrénées" in julien.composed_prompt()
    assert camille.bot_id != julien.bot_id
    assert bundled_persona("camille").spec == camille


def test_default_persona_uses_camille_prompt() -> None:
    """The default persona's prompt is Camille's file, named after the bot's profile."""
    settings = build_settings(ACTIVE_HOURS="07:00-21:00", TYPING_SPEED_CPS="5")
    persona = Persona.default(settings, uuid.uuid4(), "Margaux")
    assert persona.system_prompt == DEFAULT_SYSTEM_PROMPT.format(name="Margaux")
    assert persona.system_prompt.startswith("Tu es Margaux, 29 ans, tu vis à Grenoble")
    assert str(persona.active_hours) == "07:00-21:00"
    assert persona.typing_speed_cps == 5
    assert Persona.default(settings, uuid.uuid4()).name == "Camille"


def test_card_v2_maps_fields_and_builds_prompt() -> None:
    """The example Card V2 maps its fields; the prompt combines prompt, description and examples."""
    loaded = load_persona_file(EXAMPLE_CARD)
    spec = loaded.spec
    assert loaded.kind == "card"
    assert spec.name == "Léa"
    assert spec.bot_id == uuid.UUID("0c0ffee0-ca11-4e11-8000-000000000004")
    assert spec.active_hours == "07:30-23:00"
    assert spec.emoji == "often"
    assert "Annecy" in spec.tags
    prompt = spec.composed_prompt()
    assert prompt.startswith("Tu es Léa.")
    assert "Léa a 31 ans" in prompt
    assert "Ta personnalité : enthousiaste" in prompt
    assert "Léa discute avec la personne sur RandoMatch" in prompt
    assert "La personne: Tu fais quoi ce week-end ?" in prompt
    assert "Léa: La Tournette" in prompt
    assert "{{" not in prompt
    assert "<START>" not in prompt
    greetings = spec.all_greetings()
    assert greetings[0].startswith("Hello !")
    assert greetings[1].startswith("Salut ! Toi aussi")
    assert loaded.card == json.loads(EXAMPLE_CARD.read_text("utf-8"))


def test_yaml_is_stored_as_a_card() -> None:
    """A YAML persona is stored as an equivalent Card V2 that parses back to the same spec."""
    loaded = bundled_persona("julien")
    again = parse_persona_text(json.dumps(loaded.card), "stored", expect_card=True)
    assert again.spec == loaded.spec


def test_placeholders_any_case_and_legacy_tags() -> None:
    """{{Char}}, {{ user }}, <BOT>, <USER> and {{original}} are all replaced."""
    text = "{{Char}} / {{ user }} / <BOT> / <USER> / [{{original}}]"
    assert fill_placeholders(text, "Léa") == "Léa / la personne / Léa / la personne / []"


def test_persona_row_digest_is_stable_and_changes_with_content() -> None:
    """The same file gives the same row digest; a changed field changes it."""
    bot_id = uuid.uuid4()
    first = persona_row(parse_persona_text(MINIMAL_YAML, "a.yaml"), bot_id)
    again = persona_row(parse_persona_text(MINIMAL_YAML, "a.yaml"), bot_id)
    changed = persona_row(parse_persona_text(MINIMAL_YAML + "temperature: 0.3\n", "a.yaml"), bot_id)
    assert first.source_digest == again.source_digest != changed.source_digest


@pytest.mark.parametrize(
    ("source", "digest"),
    [
        ("minimal", "a0bf47d3e9f3a36cac987497fc7fdd9cf66ec74cb043caf7c8ebf20408b5321b"),
        ("julien", "6dd5192ba860c49e3ad3ee84f77b770fc473fdd47045f33c48c35399b525d90a"),
        ("lea card", "f990a810c5aaf3b483d5228b86940166add4f24538a52125281ebc32052c50e4"),
    ],
)
def test_persona_row_digest_matches_rows_already_stored(source: str, digest: str) -> None:
    """A file gives the digest earlier releases stored for it, so re-adding an unchanged file
    after an upgrade still changes nothing."""
    loaded = {
        "minimal": lambda: parse_persona_text(MINIMAL_YAML, "a.yaml"),
        "julien": lambda: bundled_persona("julien"),
        "lea card": lambda: load_persona_file(EXAMPLE_CARD),
    }[source]()
    bot_id = uuid.UUID("00000000-0000-4000-8000-000000000001")
    assert persona_row(loaded, bot_id).source_digest == digest


def test_bot_id_from_option_then_file() -> None:
    """--bot-id wins over the file; a file without one and no option is a clear error."""
    loaded = bundled_persona("camille")
    other = uuid.uuid4()
    assert resolve_bot_id(loaded, str(other)) == other
    assert resolve_bot_id(loaded, None) == loaded.spec.bot_id
    with pytest.raises(PersonaError, match="no bot id"):
        resolve_bot_id(parse_persona_text(MINIMAL_YAML, "zoe.yaml"), None)
    with pytest.raises(PersonaError, match="--bot-id: 'nope' is not a UUID"):
        resolve_bot_id(loaded, "nope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("system_prompt: Tu es quelqu'un.\n", "name: missing"),
        (MINIMAL_YAML + "timezone: Mars/Olympus\n", "unknown timezone 'Mars/Olympus'"),
        (MINIMAL_YAML + "active_hours: 8h-23h\n", "active_hours: bad active hours"),
        (MINIMAL_YAML + "active_hours: '08:00-25:00'\n", "not a time of day"),
        (MINIMAL_YAML + "bot_id: not-a-uuid\n", "bot_id: 'not-a-uuid' is not a UUID"),
        (MINIMAL_YAML + "temperatur: 0.5\n", "temperatur: unknown key"),
        (MINIMAL_YAML + "emoji: lots\n", "emoji:"),
        (MINIMAL_YAML + "min_thinking: 9\nmax_thinking: 2\n", "max_thinking must be at least"),
        ("name: Zoé\n", "no character"),
        ("name: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_bad_yaml_is_one_clear_line(tmp_path: Path, text: str, expected: str) -> None:
    """Each kind of bad YAML gives one line naming the file and the problem."""
    assert expected in error_line(write(tmp_path, "bad.yaml", text))


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"name": "Nina", "description": "x"}, "wrong card spec (no spec key)"),
        ({"spec": "chara_card_v3", "data": {}}, "wrong card spec (spec 'chara_card_v3')"),
        ({"spec": CARD_SPEC, "spec_version": "1.0", "data": {}}, "unsupported spec_version"),
        ({"spec": CARD_SPEC, "spec_version": "2.0"}, "no `data` object"),
        (card(name=None), "name: missing"),
        (card(extensions={"randomatch": {"timezone": "Nowhere"}}), "unknown timezone"),
        (card(extensions={"randomatch": "x"}), "must be an object"),
        (card(extensions={"randomatch": {"bot_id": "12"}}), "'12' is not a UUID"),
    ],
)
def test_bad_card_is_one_clear_line(
    tmp_path: Path, document: dict[str, Any], expected: str
) -> None:
    """Each kind of bad Card V2 JSON gives one line naming the file and the problem."""
    assert expected in error_line(write(tmp_path, "bad.card.json", json.dumps(document)))


def test_unreadable_files_are_one_clear_line(tmp_path: Path) -> None:
    """A missing file, a directory, binary content and broken JSON each give one clear line."""
    assert "cannot read file" in error_line(tmp_path / "missing.yaml")
    assert "cannot read file" in error_line(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8" in error_line(binary)
    assert "not valid JSON" in error_line(write(tmp_path, "broken.json", "{nope"))


def test_yaml_file_holding_a_card_is_read_as_a_card(tmp_path: Path) -> None:
    """A card saved with a .yaml extension is still recognised by its `spec`."""
    loaded = load_persona_file(write(tmp_path, "nina.yaml", json.dumps(card())))
    assert loaded.kind == "card"
    assert loaded.spec.composed_prompt() == "Nina aime le Jura."


def test_persona_post_history_instructions_from_card() -> None:
    """A persona row's card gives its post-history instructions with placeholders filled."""
    settings = build_settings()
    loaded = load_persona_file(EXAMPLE_CARD)
    written = persona_row(loaded, uuid.uuid4())
    # Read back as the database returns it: the card's JSON text, `enabled` defaulted.
    row = PersonaRow.from_row({**dataclasses.asdict(written), "enabled": True})
    persona = Persona.default(settings, row.bot_id).with_row(row)
    assert persona.name == "Léa"
    assert persona.typing_speed_cps == 4.5
    assert persona.emoji == "often"
    assert persona.post_history_instructions.startswith("Reste Léa :")
