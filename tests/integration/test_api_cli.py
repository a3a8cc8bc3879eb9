"""`randomatch-bot api` as a real process: token rules at start, serving, clean stop."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import httpx
import pytest

from randomatch_bot.infra.embedded import Endpoints
from tests.support.processes import Service, cli

pytestmark = pytest.mark.integration

TOKEN = "tok-cli-7c1e55aa"


def test_api_refuses_a_public_address_without_token(db_dsn: str, servers: Endpoints) -> None:
    """Without MONITORING_TOKEN, `api --host 0.0.0.0` stops at once with one clear line."""
    env = {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": servers.redis_url}
    result = cli("api", "--host", "0.0.0.0", env=env, cwd=Path.cwd())  # noqa: S104 - refused
    assert result.returncode == 2
    assert "MONITORING_TOKEN is not set: refusing to listen on 0.0.0.0" in result.stderr
    assert "Traceback" not in result.stderr


def test_api_serves_with_token_and_stops_on_sigterm(
    db_dsn: str, servers: Endpoints, tmp_path: Path
) -> None:
    """`api` serves /health openly and /stats with the token, never prints the token, and
    SIGTERM stops it cleanly."""
    env = {
        "POSTGRES_CONNECTION_STRING": db_dsn,
        "REDIS_URL": servers.redis_url,
        "MONITORING_TOKEN": TOKEN,
    }
    service = Service("api", "--host", "127.0.0.1", "--port", "0", env=env, cwd=tmp_path)
    try:
        service.wait_for("monitoring API on http://", timeout=60)
        match = re.search(r"monitoring API on (http://[\d.:]+/)", service.output)
        assert match is not None, service.output
        url = match[1]
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/health").status_code == 200
            assert http.get("/stats").status_code == 401
            authorised = http.get("/stats", headers={"Authorization": f"Bearer {TOKEN}"})
            assert authorised.status_code == 200
    finally:
        code = service.stop(timeout=30)
    assert code == 0, service.output
    assert TOKEN not in service.output


def test_api_without_token_says_it_stays_local(db_dsn: str, servers: Endpoints) -> None:
    """With no token, `api` listens on 127.0.0.1 and says why."""
    env = {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": servers.redis_url}
    service = Service("api", "--port", "0", env=env, cwd=Path.cwd())
    try:
        service.wait_for("monitoring API on http://127.0.0.1:", timeout=60)
        assert "MONITORING_TOKEN is not set: listening on localhost only" in service.output
    finally:
        service.signal(signal.SIGINT)
        code = service.proc.wait(timeout=30)
        service.kill()
    assert code == 0, service.output
