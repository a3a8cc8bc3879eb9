"""Property-based calls against /openapi.json (schemathesis): no input makes the API fail with
a 500, and documented responses match their schemas. Bounded to a few examples per route."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from randomatch_bot.api import create_app
from randomatch_bot.config import Settings
from randomatch_bot.infra.embedded import Endpoints
from tests.conftest import TEMPLATE_DB
from tests.support.api_server import serving_in_thread
from tests.support.databases import make_couple, say, with_database

pytestmark = pytest.mark.integration

TOKEN = "tok-schemathesis"


@pytest.fixture(scope="module")
async def api_dsn(servers: Endpoints, template_dsn: str) -> AsyncIterator[str]:
    """A migrated database with a conversation in it, for the whole module."""
    name = f"t_schema_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(servers.postgres_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
    finally:
        await admin.close()
    dsn = with_database(servers.postgres_dsn, name)
    conn = await asyncpg.connect(dsn)
    try:
        couple = await make_couple(conn)
        await say(conn, couple, "hello")
        await conn.execute(
            "INSERT INTO bot.dead_letters (match_id, task, error) VALUES ($1, 'generate', 'x')",
            couple.match_id,
        )
    finally:
        await conn.close()
    yield dsn
    admin = await asyncpg.connect(servers.postgres_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="module")
def api_url(api_dsn: str, servers: Endpoints) -> Iterator[str]:
    """The production API (no demo pages) on a real socket, served from its own thread."""
    config = Settings(  # type: ignore[call-arg]
        _env_file=None,
        POSTGRES_CONNECTION_STRING=api_dsn,
        REDIS_URL=servers.redis_url,
        DOCKET_NAME=f"schema-{uuid.uuid4().hex[:8]}",
        MONITORING_TOKEN=TOKEN,
        LLM_API_KEY=None,
    )
    with serving_in_thread(create_app(config)) as url:
        yield url


def test_no_input_makes_a_server_error(api_url: str) -> None:
    """Every operation, fed generated parameters with the token, answers without a 5xx and as
    its schema says."""
    schema = schemathesis.openapi.from_url(
        api_url + "openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {TOKEN}"},
                checks=[not_a_server_error, response_schema_conformance],
                timeout=10,
            )

        call()
    assert "GET /stats" in tried
    assert "POST /dead-letters/{letter_id}/retry" in tried


def test_an_operator_message_of_nothing_is_refused_like_any_invalid_body(api_url: str) -> None:
    """A text that strips to nothing (spaces, control characters) is refused with the
    validation error's documented shape, not a bare string."""
    import httpx

    response = httpx.post(
        f"{api_url}conversations/{uuid.uuid4()}/messages",
        json={"text": " \x1e "},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    assert detail[0]["loc"] == ["body", "text"]
