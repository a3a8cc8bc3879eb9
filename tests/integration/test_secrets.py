"""A wrong database password gives one line naming the problem, without the password and
without a traceback, whichever command meets it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from randomatch_bot.infra.embedded import Endpoints
from tests.support.pg_refuser import PasswordRefuser
from tests.support.processes import cli

pytestmark = pytest.mark.integration

PASSWORD = "Wrong-Pw-5c8d2e"
API_KEY = "sk-or-v1-77c0ffee77c0ffee77c0ffee77c0ffee"


@pytest.fixture(scope="module")
def refuser() -> Iterator[PasswordRefuser]:
    with PasswordRefuser() as server:
        yield server


@pytest.mark.parametrize(
    "command", [("migrate",), ("status",), ("persona", "list"), ("api", "--port", "0")]
)
def test_wrong_password_is_one_line(
    refuser: PasswordRefuser, servers: Endpoints, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """Refused login: exit 1, one error line naming the variable, no password, no traceback."""
    env = {
        "POSTGRES_CONNECTION_STRING": (
            f"postgresql://app:{PASSWORD}@127.0.0.1:{refuser.port}/app?sslmode=disable"
        ),
        "REDIS_URL": servers.redis_url,
        "LLM_API_KEY": API_KEY,
    }
    done = cli(*command, env=env, cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert PASSWORD not in output
    assert API_KEY not in output
    errors = [line for line in output.splitlines() if "password authentication failed" in line]
    assert len(errors) == 1, output
    assert "POSTGRES_CONNECTION_STRING" in errors[0]
