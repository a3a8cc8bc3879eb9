"""Production guard, the LLM key fallback and the connection budget of the default settings."""

from __future__ import annotations

from typing import Any

import pytest

from randomatch_bot.config import Settings
from randomatch_bot.errors import ConfigurationError
from randomatch_bot.infra.services import check_production, refuse_demo_in_production

SESSION_POOLER_CLIENTS = 15  # Supabase's session pooler, per project, by default
REMOTE_PG = "postgresql://u:pw@aws-0-eu-west-3.pooler.supabase.com:5432/postgres"


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in (
        "APP_ENV",
        "POSTGRES_CONNECTION_STRING",
        "REDIS_URL",
        "LLM_API_KEY",
        "OPENROUTER_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_production_without_urls_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """APP_ENV=production with no URL names both variables instead of starting embedded servers."""
    settings = _settings(monkeypatch, APP_ENV="production")
    with pytest.raises(ConfigurationError) as error:
        check_production(settings)
    assert "POSTGRES_CONNECTION_STRING and REDIS_URL not set" in str(error.value)


def test_a_remote_url_makes_the_other_one_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Supabase URL with no REDIS_URL is production: Redis is never embedded silently."""
    settings = _settings(monkeypatch, POSTGRES_CONNECTION_STRING=REMOTE_PG)
    assert settings.production
    with pytest.raises(ConfigurationError) as error:
        check_production(settings)
    assert str(error.value).startswith("REDIS_URL not set")
    assert "pw@" not in str(error.value)


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"POSTGRES_CONNECTION_STRING": "postgresql://postgres:@/db?host=/tmp/pg"},
        {"POSTGRES_CONNECTION_STRING": "postgresql://bot@127.0.0.1:5432/app"},
        {"REDIS_URL": "redis://localhost:6379/0"},
    ],
)
def test_local_servers_are_development(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    """Servers on this machine (or none) keep the embedded default and the demo."""
    settings = _settings(monkeypatch, **env)
    assert not settings.production
    check_production(settings)
    refuse_demo_in_production(settings, "run")


def test_demo_is_never_seeded_into_production(monkeypatch: pytest.MonkeyPatch) -> None:
    """`run` and `chat` refuse to seed demo profiles into a production database."""
    settings = _settings(
        monkeypatch, POSTGRES_CONNECTION_STRING=REMOTE_PG, REDIS_URL="rediss://u:p@up.io:6379"
    )
    for command in ("run", "chat"):
        with pytest.raises(ConfigurationError, match=f"`{command}` seeds demo profiles"):
            refuse_demo_in_production(settings, command)


def test_blank_llm_api_key_does_not_hide_openrouter_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty LLM_API_KEY line falls back to OPENROUTER_API_KEY instead of going offline."""
    settings = _settings(monkeypatch, LLM_API_KEY="", OPENROUTER_API_KEY="sk-or-test")
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == "sk-or-test"
    assert "sk-or-test" not in repr(settings)


def test_explicit_llm_key_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """LLM_API_KEY, when set, is the key; OPENROUTER_API_KEY is only its fallback."""
    settings = _settings(monkeypatch, LLM_API_KEY="sk-llm", OPENROUTER_API_KEY="sk-or")
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == "sk-llm"


def test_default_pools_fit_the_session_pooler(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bridge (LISTEN + pool), API and two workers fit Supabase's 15 session-pooler clients,
    with one left for `migrate` or `status`."""
    s: Any = _settings(monkeypatch)
    bridge = 1 + s.bridge_pool_size  # the dedicated LISTEN connection plus its pool
    total = bridge + s.api_pool_size + 2 * s.worker_pool_size
    assert total + 1 <= SESSION_POOLER_CLIENTS
