"""The terminal commands a newcomer uses first: `chat` and `generate`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest

from randomatch_bot.infra.embedded import Endpoints
from tests.support.night import night_offset
from tests.support.processes import cli, service_env

pytestmark = pytest.mark.e2e


def test_chat_through_the_real_pipeline(db_dsn: str, servers: Endpoints, tmp_path: Path) -> None:
    """`chat --awake` at night sends a line as the demo hiker and shows "Vu", typing and
    Camille's reply at once."""
    env = service_env(
        {
            "POSTGRES_CONNECTION_STRING": db_dsn,
            "REDIS_URL": servers.redis_url,
            "DOCKET_NAME": f"chat-{time.time_ns()}",
            # Slow enough that the typing indicator lasts several of the watcher's polls, even
            # on a loaded machine; fast enough to answer within seconds.
            "TIME_SCALE": "0.15",
            # Night in the default hours: --awake alone makes her answer (and never away).
            "ACTIVE_HOURS": "08:00-23:30",
            "BOT_TIMEZONE": "Europe/Paris",
            "HOURS_CLOCK_OFFSET": f"{night_offset(dt.datetime.now(dt.UTC)):.0f}",
            "ABSENCE_PROBABILITY": "0.5",
            "LOG_LEVEL": "WARNING",
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "randomatch_bot.cli", "chat", "--awake"],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        sent = False
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Tu discutes avec Camille" in line and not sent:
                proc.stdin.write("Salut Camille ! Tu connais le Vercors ?\n")
                proc.stdin.flush()
                sent = True
            if line.startswith("Camille:"):
                break
        proc.stdin.close()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if not proc.stdin.closed:
            proc.stdin.close()
        proc.stdout.close()
    output = "".join(lines)
    assert "offline persona responder" in output
    assert "Vu" in output
    assert "Camille est en train d'écrire" in output
    assert any(line.startswith("Camille:") for line in lines), output
    assert proc.returncode == 0, output


def test_generate_prints_the_parts(tmp_path: Path) -> None:
    """`generate` runs one generation with the configured persona and prints its parts."""
    result = cli("generate", "Salut ! Tu randonnes dans les Pyrénées ?", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Camille:")
    assert "offline" in result.stderr
