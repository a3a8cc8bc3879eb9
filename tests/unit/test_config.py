"""Settings: the contract's names, the first bot's defaults, clear errors and masked secrets."""

from __future__ import annotations

from typing import Any

import pytest

from randomatch_bot.config import DEFAULT_LLM_MODEL, Settings, load_settings
from randomatch_bot.errors import ConfigurationError
from randomatch_bot.logs import SecretRedactor, redact_text


def build(**env: Any) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


def test_seed_defaults() -> None:
    """With nothing set, the first bot's timing defaults and the documented LLM defaults apply."""
    s = build()
    assert s.typing_speed_cps == 3.5
    assert s.min_thinking_delay == 3
    assert s.max_thinking_delay == 15
    assert s.max_parts == 3
    assert s.llm_temperature == 0.8
    assert s.llm_model == DEFAULT_LLM_MODEL == "x-ai/grok-4.20"
    assert s.llm_base_url == "https://openrouter.ai/api/v1"
    assert s.catchup_interval == 60
    assert s.time_scale == 1.0
    assert not s.llm_online
    assert s.embedded_postgres
    assert s.embedded_redis


def test_environment_names_are_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every setting of docs/CONTRACT.md is read from the environment under its exact name."""
    env = {
        "SUPABASE_URL": "https://abc.supabase.co",
        "SUPABASE_SERVICE_KEY": "service-key-value",
        "POSTGRES_CONNECTION_STRING": "postgresql://u:p@db:5432/postgres",
        "REDIS_URL": "redis://default:pw@cache:6379",
        "OPENROUTER_API_KEY": "sk-or-test-key",
        "BOT_ID": "0c0ffee0-ca11-4e11-8000-000000000001",
        "TYPING_SPEED_CPS": "4.2",
        "MIN_THINKING_DELAY": "2",
        "MAX_THINKING_DELAY": "9",
        "LLM_BASE_URL": "http://127.0.0.1:11434/v1",
        "LLM_MODEL": "llama3",
        "LLM_FALLBACK_MODELS": "a/b, c/d",
        "LLM_TEMPERATURE": "0.5",
        "LLM_TIMEOUT": "12",
        "GROUPING_WINDOW": "6",
        "MAX_PARTS": "2",
        "ACTIVE_HOURS": "07:30-22:00",
        "BOT_TIMEZONE": "America/Montreal",
        "CATCHUP_INTERVAL": "30",
        "MONITORING_TOKEN": "monitor-token-0123",
        "LOG_FORMAT": "json",
        "TIME_SCALE": "0.01",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    s = build()
    assert s.supabase_url == "https://abc.supabase.co"
    assert s.llm_api_key is not None
    assert s.llm_api_key.get_secret_value() == "sk-or-test-key"
    assert s.bot_id == "0c0ffee0-ca11-4e11-8000-000000000001"
    assert s.typing_speed_cps == 4.2
    assert (s.min_thinking_delay, s.max_thinking_delay) == (2, 9)
    assert s.llm_fallback_models == ["a/b", "c/d"]
    assert s.llm_timeout == 12
    assert s.grouping_window == 6
    assert s.max_parts == 2
    assert str(s.active_hours) == "07:30-22:00"
    assert s.bot_timezone == "America/Montreal"
    assert s.log_format.value == "json"
    assert s.time_scale == 0.01
    assert s.llm_online


def test_llm_api_key_wins_over_openrouter_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """LLM_API_KEY is preferred; OPENROUTER_API_KEY is the fallback."""
    monkeypatch.setenv("OPENROUTER_API_KEY", "from-openrouter")
    monkeypatch.setenv("LLM_API_KEY", "from-llm")
    s = build()
    assert s.llm_api_key is not None
    assert s.llm_api_key.get_secret_value() == "from-llm"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TYPING_SPEED_CPS", "fast", "TYPING_SPEED_CPS"),
        ("MAX_PARTS", "0", "MAX_PARTS"),
        ("ACTIVE_HOURS", "8h-23h", "ACTIVE_HOURS"),
        ("BOT_TIMEZONE", "Mars/Olympus", "BOT_TIMEZONE"),
        ("BOT_ID", "camille", "BOT_ID"),
        ("REDIS_URL", "http://cache:6379", "REDIS_URL"),
        ("POSTGRES_CONNECTION_STRING", "mysql://x", "POSTGRES_CONNECTION_STRING"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
        ("TIME_SCALE", "-1", "TIME_SCALE"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    """A bad value raises one ConfigurationError line naming the variable."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings(_env_file=None)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_thinking_bounds_must_be_ordered(monkeypatch: pytest.MonkeyPatch) -> None:
    """MAX_THINKING_DELAY below MIN_THINKING_DELAY is refused with both names."""
    monkeypatch.setenv("MIN_THINKING_DELAY", "10")
    monkeypatch.setenv("MAX_THINKING_DELAY", "5")
    with pytest.raises(ConfigurationError, match="MAX_THINKING_DELAY must be at least"):
        load_settings(_env_file=None)


def test_secrets_are_masked_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """No secret value appears in the settings' repr or str."""
    secrets = {
        "POSTGRES_CONNECTION_STRING": "postgresql://u:hunter2pw@db:5432/x",
        "REDIS_URL": "redis://default:redispw99@cache:6379",
        "LLM_API_KEY": "sk-secret-123456",
        "SUPABASE_SERVICE_KEY": "eyJsecretjwt",
        "MONITORING_TOKEN": "token-abcdef-0123",
    }
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    s = build()
    text = repr(s) + str(s)
    for fragment in (
        "hunter2pw",
        "redispw99",
        "sk-secret-123456",
        "eyJsecretjwt",
        "token-abcdef-0123",
    ):
        assert fragment not in text


def test_redactor_hides_secrets_in_log_events() -> None:
    """Log events lose configured secrets, secret-named fields and URL passwords."""
    redactor = SecretRedactor(["sk-secret-123456"])
    event = redactor(
        None,
        "info",
        {
            "event": "calling with sk-secret-123456",
            "api_key": "anything",
            "url": "postgresql://user:pa55word@db/x",
            "count": 3,
        },
    )
    assert "sk-secret-123456" not in event["event"]
    assert event["api_key"] == "***"
    assert "pa55word" not in event["url"]
    assert event["count"] == 3
    assert redact_text("redis://default:xyz123@h:6379") == "redis://default:***@h:6379"
