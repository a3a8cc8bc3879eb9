"""The command line: clear one-line errors, idempotent migrate, status, and `run`'s lock."""

from __future__ import annotations

import datetime as dt
import re
import signal
from pathlib import Path

import pytest

from randomatch_bot.db.migrate import load_migrations
from randomatch_bot.infra.embedded import Endpoints
from tests.support.night import night_offset
from tests.support.processes import Service, cli

pytestmark = pytest.mark.integration

LATEST = load_migrations()[-1].version


def _one_clear_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    return lines[0]


def test_unreachable_redis_is_one_line(db_dsn: str, tmp_path: Path) -> None:
    """A wrong REDIS_URL gives one clear line and exit code 1, not a traceback."""
    env = {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": "redis://127.0.0.1:1/0"}
    result = cli("status", env=env, cwd=tmp_path)
    assert result.returncode == 1
    line = _one_clear_line(result.stderr)
    assert "cannot reach Redis at redis://127.0.0.1:1" in line
    assert "REDIS_URL" in line


def test_unreachable_database_is_one_line(servers: Endpoints, tmp_path: Path) -> None:
    """An unreachable PostgreSQL gives one clear line without the password."""
    env = {
        "POSTGRES_CONNECTION_STRING": "postgresql://bot:s3cretpw@127.0.0.1:1/app",
        "REDIS_URL": servers.redis_url,
    }
    result = cli("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 1
    line = _one_clear_line(result.stderr)
    assert "cannot reach PostgreSQL at 127.0.0.1:1/app" in line
    assert "s3cretpw" not in result.stderr + result.stdout


def test_bridge_refuses_transaction_pooler(servers: Endpoints, tmp_path: Path) -> None:
    """The bridge refuses a transaction-pooler URL (port 6543) with one line saying why."""
    env = {
        "POSTGRES_CONNECTION_STRING": "postgresql://u:pw@aws-0-eu.pooler.supabase.com:6543/postgres",
        "REDIS_URL": servers.redis_url,
    }
    result = cli("bridge", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = _one_clear_line(result.stderr)
    assert "transaction-mode pooler" in line
    assert "5432" in line


def test_bad_setting_exits_2(tmp_path: Path) -> None:
    """A malformed variable stops the process at start with the variable's name."""
    result = cli("status", env={"MAX_PARTS": "many"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "MAX_PARTS" in _one_clear_line(result.stderr)


def test_migrate_twice_then_status(empty_dsn: str, servers: Endpoints, tmp_path: Path) -> None:
    """`migrate` twice is clean and `status` then shows the schema version and counts."""
    env = {"POSTGRES_CONNECTION_STRING": empty_dsn, "REDIS_URL": servers.redis_url}
    first = cli("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "applied: 0001_app_tables" in first.stdout
    second = cli("migrate", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "already up to date" in second.stdout
    status = cli("status", "--json", env=env, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert f'"schema_version": "{LATEST}"' in status.stdout
    assert '"postgres": "ok"' in status.stdout
    assert "offline persona responder" in status.stdout


@pytest.mark.parametrize(
    "command", ["run", "api", "migrate", "status", "bridge", "worker", "chat", "generate"]
)
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    """`--help` works on every command without touching any server."""
    result = cli(command, "--help", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


@pytest.mark.e2e
def test_run_on_embedded_servers_and_second_run_refused(tmp_path: Path) -> None:
    """`run` brings up embedded servers and status, and at night says when Camille will answer
    and how to chat now; a second `run` says so; Ctrl-C stops it."""
    env = {
        "RANDOMATCH_DATA_DIR": str(tmp_path / "data"),
        "TIME_SCALE": "1",
        "ACTIVE_HOURS": "08:00-23:30",
        "BOT_TIMEZONE": "Europe/Paris",
        "HOURS_CLOCK_OFFSET": f"{night_offset(dt.datetime.now(dt.UTC)):.0f}",
    }
    service = Service("run", "--port", "0", env=env, cwd=tmp_path)
    try:
        service.wait_for("is asleep.", timeout=90)
        assert re.search(
            r"Camille is asleep \(active hours 08:00-23:30, Europe/Paris\): she reads messages "
            r"from about 8 h \(in [45] h \d\d min\)\. To chat now: `randomatch-bot run --awake`",
            service.output,
        ), service.output
        service.wait_for("to chat with Camille", timeout=30)  # the last start-up line
        assert "Open http://127.0.0.1:" in service.output
        assert "schema" in service.output
        assert LATEST in service.output
        second = cli("run", env=env, cwd=tmp_path)
        assert second.returncode == 1
        assert "already running" in _one_clear_line(second.stderr)
        status = cli("status", "--json", env=env, cwd=tmp_path)
        assert status.returncode == 0, status.stderr
        assert '"bots": 1' in status.stdout
    finally:
        service.signal(signal.SIGINT)
        code = service.proc.wait(timeout=60)
        service.kill()
    assert code == 0, service.output
    assert "stopped cleanly" in service.output
    # The data directory is reused by the next run.
    assert (tmp_path / "data" / "postgres" / "PG_VERSION").exists()
