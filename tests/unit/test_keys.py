"""The Redis keys of the service: one owner, one namespace per deployment."""

from __future__ import annotations

import pathlib

import pytest

from randomatch_bot.infra.keys import Keys

TASK_KEY_STARTS = ("advance:", "generate:", "remember:")  # docket step keys (worker/tasks.py)
SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "randomatch_bot"


@pytest.mark.parametrize("deployment", ["randomatch-bot", "prod:eu", "test-1234"])
def test_every_key_starts_with_the_deployment_prefix(deployment: str) -> None:
    """Each kind of key the service owns lies under `<deployment>:`."""
    keys = Keys(deployment).all_patterns()
    assert set(keys) == {
        "bridge_heartbeat",
        "metrics",
        "metrics_pattern",
        "llm_breaker",
        "llm_probe",
    }
    for name, key in keys.items():
        assert key.startswith(deployment + ":"), name


def test_service_keys_never_meet_docket_step_keys() -> None:
    """No service key's suffix starts like a step key, which docket stores under the same name."""
    keys = Keys("d")
    for name, key in keys.all_patterns().items():
        suffix = key.removeprefix("d:")
        assert not suffix.startswith(TASK_KEY_STARTS), name


def test_two_deployments_share_no_key() -> None:
    """The keys of two deployments differ, even when one name starts like the other."""
    first, second = Keys("bot").all_patterns(), Keys("bot-2").all_patterns()
    assert not set(first.values()) & set(second.values())
    assert not second["metrics"].startswith(first["metrics_pattern"].rstrip("*"))


def test_metrics_pattern_escapes_glob_characters() -> None:
    """A deployment name with SCAN glob characters matches itself only, literally."""
    assert Keys("a*b").metrics_pattern == r"a\*b:metrics:*"
    assert Keys("x[1]?").metrics_pattern == r"x\[1\]\?:metrics:*"
    assert Keys("plain").metrics_pattern == "plain:metrics:*"


def test_a_deployment_needs_a_name() -> None:
    """An empty deployment name would put keys at the root of Redis: refused."""
    with pytest.raises(ValueError, match="needs a name"):
        Keys("")


def test_no_module_spells_a_service_key_itself() -> None:
    """The key suffixes appear in `infra/keys.py` only, so no module builds one on its own."""
    suffixes = (":bridge-heartbeat", ":llm-breaker", ":metrics:")
    offenders = [
        f"{path.relative_to(SRC)}: {suffix}"
        for path in SRC.rglob("*.py")
        if path.name != "keys.py"
        for suffix in suffixes
        if suffix in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
