"""The online LLM client against a real local OpenAI-compatible HTTP server."""

from __future__ import annotations

import email.utils
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from randomatch_bot.config import Settings
from randomatch_bot.errors import LLMPermanentError, LLMRetryableError
from randomatch_bot.llm import (
    ChatMessage,
    LLMClient,
    OpenAICompatibleClient,
    build_llm_client,
)
from tests.support.openai_server import (
    DEFAULT_MODEL,
    FALLBACK_MODEL,
    Fault,
    ModelEntry,
    OpenAIServer,
    Reply,
)

API_KEY = "sk-or-v1-test-0123456789abcdef"
PROMPT = [
    ChatMessage("system", "Tu es Camille, randonneuse à Grenoble."),
    ChatMessage("user", "Salut ! Tu connais le Vercors ?"),
]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def llm_server() -> Iterator[OpenAIServer]:
    """One real HTTP server for this module's tests."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def server(llm_server: OpenAIServer) -> OpenAIServer:
    """The module's server, with script, records and settings reset."""
    llm_server.reset()
    return llm_server


@pytest.fixture
def sleeps() -> list[float]:
    """Every delay the client asked to sleep, instead of sleeping."""
    return []


@pytest.fixture
async def make_client(
    server: OpenAIServer, sleeps: list[float]
) -> AsyncIterator[Callable[..., OpenAICompatibleClient]]:
    """Build clients pointed at the test server; all are closed after the test."""
    clients: list[OpenAICompatibleClient] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def build(**overrides: Any) -> OpenAICompatibleClient:
        values: dict[str, Any] = {
            "LLM_BASE_URL": server.base_url,
            "LLM_API_KEY": API_KEY,
            "LLM_TIMEOUT": 5.0,
            "LLM_MAX_RETRIES": 2,
        }
        values.update(overrides)
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        client = OpenAICompatibleClient(settings, sleep=fake_sleep, rng=random.Random(0))
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


async def test_success_reports_text_model_tokens_and_cost(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """A 200 answer becomes a Completion with the usage and OpenRouter cost of the response."""
    server.script(Reply("Oui, j'adore !", prompt_tokens=42, completion_tokens=7, cost=0.00042))
    completion = await make_client().complete(PROMPT)
    assert completion.text == "Oui, j'adore !"
    assert completion.model == DEFAULT_MODEL
    assert (completion.prompt_tokens, completion.completion_tokens) == (42, 7)
    assert completion.cost == pytest.approx(0.00042)
    assert completion.offline is False
    assert completion.latency_s > 0


async def test_cost_is_none_when_the_endpoint_does_not_report_it(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """Plain OpenAI-style usage without `cost` gives cost=None, not zero."""
    server.script(Reply("Salut !", report_cost=False))
    completion = await make_client().complete(PROMPT)
    assert completion.cost is None
    assert completion.completion_tokens > 0


async def test_request_carries_attribution_reasoning_fallbacks_and_options(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """The request has attribution headers, reasoning off, the `models` list and JSON mode."""
    client = make_client(LLM_FALLBACK_MODELS=FALLBACK_MODEL, LLM_APP_TITLE="RandoMatch test")
    await client.complete(PROMPT, temperature=0.3, max_tokens=64, json_mode=True)
    [request] = server.chat_requests
    assert request.headers["http-referer"] == "https://randomatch.app"
    assert request.headers["x-title"] == "RandoMatch test"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    body = request.body
    assert body["model"] == DEFAULT_MODEL
    assert body["models"] == [DEFAULT_MODEL, FALLBACK_MODEL]
    assert body["reasoning"] == {"enabled": False}
    assert body["response_format"] == {"type": "json_object"}
    assert body["temperature"] == 0.3
    assert body["max_tokens"] == 64
    assert body["messages"] == [{"role": m.role, "content": m.content} for m in PROMPT]
    # Nothing else: the fields `chat.completions.create` would send for these arguments.
    assert set(body) == {
        "model",
        "messages",
        "temperature",
        "max_tokens",
        "response_format",
        "reasoning",
        "provider",
        "models",
    }
    assert body["provider"] == {"data_collection": client._settings.llm_data_collection}
    assert request.headers["content-type"] == "application/json"


async def test_defaults_come_from_settings(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """Without overrides the settings' temperature and token cap are sent, and no `models`."""
    await make_client(LLM_REASONING=True, LLM_TEMPERATURE=0.8, LLM_MAX_TOKENS=300).complete(PROMPT)
    body = server.chat_requests[0].body
    assert body["temperature"] == 0.8
    assert body["max_tokens"] == 300
    assert body["reasoning"] == {"enabled": True}
    assert "models" not in body
    assert "response_format" not in body


async def test_429_waits_for_retry_after_then_succeeds(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient], sleeps: list[float]
) -> None:
    """A 429 with Retry-After: 7 sleeps exactly 7 s (injected) and retries."""
    server.script(Fault(429, "rate limited", retry_after="7"), "Coucou !")
    completion = await make_client().complete(PROMPT)
    assert completion.text == "Coucou !"
    assert sleeps == [7.0]
    assert len(server.chat_requests) == 2


async def test_retry_after_as_http_date_is_honoured(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient], sleeps: list[float]
) -> None:
    """A 503 with an HTTP-date Retry-After waits until that date."""
    when = email.utils.formatdate(time.time() + 8, usegmt=True)
    server.script(Fault(503, "overloaded", retry_after=when), "ok")
    await make_client().complete(PROMPT)
    assert len(sleeps) == 1
    assert 3 <= sleeps[0] <= 9


async def test_huge_retry_after_is_left_to_the_task_queue(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient], sleeps: list[float]
) -> None:
    """A Retry-After beyond the cap is not slept on: the error carries it for the queue."""
    server.script(Fault(429, "quota", retry_after="3600"))
    with pytest.raises(LLMRetryableError) as caught:
        await make_client().complete(PROMPT)
    assert caught.value.retry_after == 3600
    assert caught.value.status == 429
    assert sleeps == []
    assert len(server.chat_requests) == 1


async def test_500_is_retried_with_backoff(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient], sleeps: list[float]
) -> None:
    """A 500 is retried after a short jittered backoff, then the answer comes through."""
    server.script(Fault(500, "boom"), "Ça marche !")
    completion = await make_client().complete(PROMPT)
    assert completion.text == "Ça marche !"
    assert len(sleeps) == 1
    assert 0.25 <= sleeps[0] <= 0.5
    assert len(server.chat_requests) == 2


@pytest.mark.parametrize("status", [400, 401, 402, 403])
async def test_permanent_statuses_are_not_retried(
    server: OpenAIServer,
    make_client: Callable[..., OpenAICompatibleClient],
    sleeps: list[float],
    status: int,
) -> None:
    """402 (no credits), 400, 401 and 403 fail at once with LLMPermanentError."""
    server.script(Fault(status, "Insufficient credits"))
    with pytest.raises(LLMPermanentError) as caught:
        await make_client().complete(PROMPT)
    assert caught.value.status == status
    assert len(server.chat_requests) == 1
    assert sleeps == []


async def test_402_message_tells_the_operator_what_to_do(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """The 402 error names the status, the model and the remedy."""
    server.script(Fault(402, "Insufficient credits"))
    with pytest.raises(LLMPermanentError, match=r"402.*x-ai/grok-4\.20.*credits"):
        await make_client().complete(PROMPT)


async def test_timeout_is_retried_then_reported_as_retryable(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient], sleeps: list[float]
) -> None:
    """A server slower than LLM_TIMEOUT is retried, then LLMRetryableError is raised."""
    server.script(Reply("trop tard", delay=3), Reply("trop tard", delay=3))
    with pytest.raises(LLMRetryableError, match="did not answer within"):
        await make_client(LLM_TIMEOUT=0.3, LLM_MAX_RETRIES=1).complete(PROMPT)
    assert len(server.chat_requests) == 2
    assert len(sleeps) == 1


async def test_timeout_then_success(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """One slow answer does not lose the reply: the retry gets it."""
    server.script(Reply("trop tard", delay=3), "À l'heure !")
    completion = await make_client(LLM_TIMEOUT=0.3).complete(PROMPT)
    assert completion.text == "À l'heure !"


async def test_exhausted_retries_raise_retryable_with_last_status(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient], sleeps: list[float]
) -> None:
    """After LLM_MAX_RETRIES retries of 502, LLMRetryableError carries the last status."""
    server.script(*(Fault(502, "bad gateway") for _ in range(3)))
    with pytest.raises(LLMRetryableError, match="gave up after 3 attempts") as caught:
        await make_client(LLM_MAX_RETRIES=2).complete(PROMPT)
    assert caught.value.status == 502
    assert len(server.chat_requests) == 3
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0] / 2  # exponential steps, jittered


async def test_empty_reply_is_retried(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """An empty assistant message counts as a transient failure and is retried."""
    server.script(Reply(""), "Enfin une réponse")
    assert (await make_client().complete(PROMPT)).text == "Enfin une réponse"


async def test_only_empty_replies_raise_retryable(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """If every attempt is empty, the caller gets LLMRetryableError."""
    server.script(Reply(None), Reply(None))
    with pytest.raises(LLMRetryableError, match="empty reply"):
        await make_client(LLM_MAX_RETRIES=1).complete(PROMPT)


async def test_unreachable_endpoint_is_retryable(
    make_client: Callable[..., OpenAICompatibleClient], sleeps: list[float]
) -> None:
    """A refused connection is retried, then reported as LLMRetryableError."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(LLM_BASE_URL=f"http://127.0.0.1:{port}/v1", LLM_MAX_RETRIES=1)
    with pytest.raises(LLMRetryableError, match="could not reach"):
        await client.complete(PROMPT)
    assert len(sleeps) == 1


async def test_model_not_found_falls_back_client_side(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """A 404 "model not found" on the primary makes the client try the next fallback."""
    server.script(Fault(404, "model not found"), "Réponse de secours")
    client = make_client(LLM_MODEL="x-ai/retired", LLM_FALLBACK_MODELS=FALLBACK_MODEL)
    completion = await client.complete(PROMPT)
    assert completion.text == "Réponse de secours"
    assert completion.model == FALLBACK_MODEL
    first, second = server.chat_requests
    assert first.body["models"] == ["x-ai/retired", FALLBACK_MODEL]
    assert second.body["model"] == FALLBACK_MODEL
    assert "models" not in second.body


async def test_server_side_fallback_reports_the_model_that_answered(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """When the endpoint routes to a fallback itself, Completion.model says which one."""
    server.strict_models = True
    client = make_client(LLM_MODEL="x-ai/retired", LLM_FALLBACK_MODELS=FALLBACK_MODEL)
    completion = await client.complete(PROMPT)
    assert completion.model == FALLBACK_MODEL
    assert len(server.chat_requests) == 1


async def test_unknown_model_without_fallback_is_permanent(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """With no fallback left, "model not found" is a permanent error naming LLM_MODEL."""
    server.strict_models = True
    with pytest.raises(LLMPermanentError, match="LLM_MODEL") as caught:
        await make_client(LLM_MODEL="x-ai/retired").complete(PROMPT)
    assert caught.value.status == 404


async def test_check_model_known_with_pricing(
    make_client: Callable[..., OpenAICompatibleClient],
) -> None:
    """A listed model is known, with its per-token prices and no warning."""
    check = await make_client().check_model()
    assert check.model == DEFAULT_MODEL
    assert check.known is True
    assert check.prompt_price == pytest.approx(0.000002)
    assert check.completion_price == pytest.approx(0.00001)
    assert check.warning is None


async def test_check_model_unknown_warns_loudly(
    make_client: Callable[..., OpenAICompatibleClient],
) -> None:
    """An unlisted model is known=False with a warning that names it."""
    check = await make_client(LLM_MODEL="x-ai/grok-4-fast").check_model()
    assert check.known is False
    assert check.warning is not None
    assert "x-ai/grok-4-fast" in check.warning


async def test_check_model_warns_about_retirement(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """A model whose expiration date has passed gets a retirement warning."""
    server.models = (ModelEntry(DEFAULT_MODEL, expiration_date="2020-01-01"),)
    check = await make_client().check_model()
    assert check.known is True
    assert check.warning is not None
    assert "retired" in check.warning


async def test_check_model_when_the_endpoint_lists_nothing(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """No /models endpoint (404) or no server at all gives known=None, without raising."""
    server.list_models = False
    assert (await make_client().check_model()).known is None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = make_client(LLM_BASE_URL=f"http://127.0.0.1:{port}/v1")
    assert (await unreachable.check_model()).known is None


async def test_api_key_never_appears_in_errors_or_logs(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """Even when the endpoint echoes the key back, errors and log lines do not contain it."""
    server.script(
        Fault(401, f"Incorrect API key provided: {API_KEY}"),
        Fault(503, f"upstream refused {API_KEY}"),
        Fault(503, f"upstream refused {API_KEY}"),
    )
    client = make_client(LLM_MAX_RETRIES=1)
    with capture_logs() as logs:
        with pytest.raises(LLMPermanentError) as permanent:
            await client.complete(PROMPT)
        with pytest.raises(LLMRetryableError) as retryable:
            await client.complete(PROMPT)
        await client.check_model()
    assert logs, "the client is expected to log its attempts"
    for text in (str(permanent.value), str(retryable.value), repr(logs), client.mode):
        assert API_KEY not in text
        assert "0123456789abcdef" not in text
    assert "Bearer" not in repr(logs)


async def test_logs_carry_model_tokens_and_latency_not_content(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """The completion log line has model, tokens, cost and latency, and no message text."""
    server.script(Reply("Réponse secrète du modèle", prompt_tokens=10, completion_tokens=3))
    with capture_logs() as logs:
        await make_client().complete(PROMPT)
    [line] = [entry for entry in logs if entry["event"] == "llm.completion"]
    assert line["model"] == DEFAULT_MODEL
    assert (line["prompt_tokens"], line["completion_tokens"]) == (10, 3)
    assert "latency_s" in line
    assert "cost_usd" in line
    assert "secrète" not in repr(logs)
    assert "Vercors" not in repr(logs)


async def test_closed_client_refuses_reuse(
    make_client: Callable[..., OpenAICompatibleClient],
) -> None:
    """After aclose, the client raises instead of silently reopening a connection pool."""
    client = make_client()
    async with client:
        await client.complete(PROMPT)
    with pytest.raises(RuntimeError, match="closed"):
        await client.complete(PROMPT)
    with pytest.raises(RuntimeError, match="closed"):
        await client.__aenter__()
    await client.aclose()  # idempotent


async def test_caller_owned_http_client_is_used_and_left_open(server: OpenAIServer) -> None:
    """A caller-supplied httpx.AsyncClient carries the requests and is not closed by aclose."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, LLM_BASE_URL=server.base_url, LLM_API_KEY=API_KEY
    )
    async with httpx.AsyncClient() as http:
        client = OpenAICompatibleClient(settings, http_client=http)
        await client.complete(PROMPT)
        await client.aclose()
        assert not http.is_closed
    assert len(server.chat_requests) == 1


async def test_build_llm_client_with_key_is_online(server: OpenAIServer) -> None:
    """With LLM_API_KEY set, the factory returns the online client and says so."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, LLM_BASE_URL=server.base_url, LLM_API_KEY=API_KEY
    )
    client = build_llm_client(settings)
    try:
        assert isinstance(client, LLMClient)
        assert isinstance(client, OpenAICompatibleClient)
        assert client.offline is False
        assert client.mode == f"online: {DEFAULT_MODEL} via 127.0.0.1:{server.port}"
    finally:
        await client.aclose()


def test_standalone_server_serves_until_sigterm() -> None:
    """`python -m tests.support.openai_server` prints its URL, answers, and exits on SIGTERM."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.openai_server", "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().split()
        assert ready[0] == "READY"
        base_url = ready[1]
        admin = base_url.removesuffix("/v1") + "/_admin/script"
        with httpx.Client(base_url=base_url, timeout=5) as http:
            http.post(admin, json={"items": [{"text": "Depuis un autre process"}]})
            answer = http.post("/chat/completions", json={"model": "m", "messages": []})
            assert answer.json()["choices"][0]["message"]["content"] == "Depuis un autre process"
            assert http.get("/models").json()["data"][0]["id"] == DEFAULT_MODEL
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


async def test_provider_data_collection_is_denied_by_default(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """Every request asks OpenRouter for providers that keep no data, unless allowed."""
    await make_client().complete(PROMPT)
    await make_client(LLM_DATA_COLLECTION="allow").complete(PROMPT)
    bodies = [r.body for r in server.chat_requests]
    assert bodies[0]["provider"] == {"data_collection": "deny"}
    assert bodies[1]["provider"] == {"data_collection": "allow"}


async def test_tokens_are_estimated_when_usage_is_missing(
    server: OpenAIServer, make_client: Callable[..., OpenAICompatibleClient]
) -> None:
    """A server that reports no usage still costs tokens in the accounting (emoji counted)."""
    server.script(Reply("🏔️🥾😍🔥", report_usage=False))
    completion = await make_client().complete(PROMPT)
    assert completion.prompt_tokens > 0
    assert completion.completion_tokens >= 8
