"""TYPING_TRANSPORT and TYPING_REFRESH_INTERVAL: defaults, accepted values, clear errors."""

from __future__ import annotations

import pytest

from randomatch_bot.config import load_settings
from randomatch_bot.errors import ConfigurationError


def test_typing_goes_to_the_table_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset, the typing indicator uses the table and a broadcast would refresh every 5 s."""
    monkeypatch.delenv("TYPING_TRANSPORT", raising=False)
    monkeypatch.delenv("TYPING_REFRESH_INTERVAL", raising=False)
    settings = load_settings(_env_file=None)
    assert settings.typing_transport == "table"
    assert settings.typing_refresh_interval == 5.0


@pytest.mark.parametrize("value", ["table", "broadcast", "both"])
def test_each_transport_is_accepted(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """The three transports are read from the environment as they are spelled."""
    monkeypatch.setenv("TYPING_TRANSPORT", value)
    assert load_settings(_env_file=None).typing_transport == value


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TYPING_TRANSPORT", "realtime"),
        ("TYPING_TRANSPORT", "Broadcast "),
        ("TYPING_REFRESH_INTERVAL", "0"),
        ("TYPING_REFRESH_INTERVAL", "600"),
    ],
)
def test_a_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """A bad transport or refresh interval is one ConfigurationError naming the variable."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name) as info:
        load_settings(_env_file=None)
    if name == "TYPING_TRANSPORT":
        assert "'table', 'broadcast' or 'both'" in str(info.value)
