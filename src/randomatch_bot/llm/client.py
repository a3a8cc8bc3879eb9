"""The online client: any OpenAI-compatible endpoint through the official `openai` package.

The SDK's own retries are disabled (`max_retries=0`) so that one loop here decides what is
retried, how long to wait and what reaches the task queue:

    timeout / connection error / 408 409 425 429 5xx / empty reply  -> retried here (short
                                                                       waits only), then the
                                                                       next fallback model,
                                                                       then LLMRetryableError
    400 401 402 403 404 422 ...                                       -> LLMPermanentError
    "model not found" on the primary                                  -> next fallback model

Every message leaving this module is passed through `_redact`, so the API key cannot leak
even when an endpoint echoes it back in an error body.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import urlsplit

import httpx
import openai
import structlog
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from randomatch_bot.config import Settings
from randomatch_bot.errors import (
    ConfigurationError,
    LLMCircuitOpen,
    LLMPermanentError,
    LLMRetryableError,
)
from randomatch_bot.llm.breaker import Breaker, current_call
from randomatch_bot.llm.catalog import inspect_catalogue, unlisted
from randomatch_bot.llm.offline import OfflineResponder
from randomatch_bot.llm.retry import (
    MAX_RETRY_AFTER,
    backoff_delay,
    is_retryable_status,
    parse_retry_after,
)
from randomatch_bot.llm.tokens import estimate_tokens
from randomatch_bot.llm.types import ChatMessage, Completion, LLMClient, ModelCheck

_log = structlog.get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]

_MAX_DETAIL = 240  # characters of an endpoint's error message kept in ours
_KEY_LIKE = re.compile(r"\b(sk|or|key)-[A-Za-z0-9_\-]{8,}")
_MODEL_MISSING = re.compile(
    r"not a valid model|model.{0,40}(not found|does not exist|not exist|unknown|invalid)|"
    r"no endpoints found|unknown model|invalid model",
    re.IGNORECASE,
)
_HINTS = {
    400: "the endpoint rejected the request; check LLM_MODEL and the prompt",
    401: "the API key was rejected; check LLM_API_KEY",
    402: "the account is out of credits; top it up or choose a cheaper LLM_MODEL",
    403: "the key may not use this model, or the input was moderated",
    404: "unknown model or endpoint; check LLM_MODEL and LLM_BASE_URL",
    429: "rate limited by the endpoint",
}


class _ModelUnavailableError(LLMPermanentError):
    """The endpoint does not know the requested model; a fallback model may still work."""


class OpenAICompatibleClient:
    """`LLMClient` for OpenRouter, OpenAI, Ollama, vLLM, llama.cpp, LM Studio, ...

    Use as an async context manager (or call `aclose`); a closed client cannot be reopened.
    `sleep` and `rng` are injectable so tests exercise the retry policy without waiting.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        if settings.llm_api_key is None:
            raise ConfigurationError(
                "LLM_API_KEY is not set; build_llm_client() returns the offline responder instead"
            )
        self._settings = settings
        self._secret = settings.llm_api_key.get_secret_value()
        self._endpoint = _endpoint_name(settings.llm_base_url)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._breaker = breaker
        self._owns_http = http_client is None
        self._closed = False
        self._openai = openai.AsyncOpenAI(
            base_url=settings.llm_base_url,
            api_key=self._secret,
            timeout=settings.llm_timeout,
            max_retries=0,
            default_headers={
                "HTTP-Referer": settings.llm_app_url,
                "X-Title": settings.llm_app_title,
            },
            # openai>=3 accepts legacy httpx clients at runtime but types only httpx2's
            http_client=cast("Any", http_client),
        )

    # --- LLMClient -------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """Status line naming the model and the endpoint host (never credentials)."""
        return f"online: {self._settings.llm_model} via {self._endpoint}"

    @property
    def offline(self) -> bool:
        """Always False: this client talks to a real model."""
        return False

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        json_mode: bool = False,
    ) -> Completion:
        """Ask the model, retrying transient failures and falling back to other models.

        Raises LLMRetryableError when retries are exhausted (the task queue may try later)
        and LLMPermanentError when retrying cannot help.
        """
        self._ensure_open()
        primary = model or self._settings.llm_model
        chain = [primary, *(m for m in self._settings.llm_fallback_models if m != primary)]
        payload = cast(
            "list[ChatCompletionMessageParam]",
            [{"role": m.role, "content": m.payload_content()} for m in messages],
        )
        waits: list[float] = []  # seconds until each failing model may be tried again
        failure: LLMRetryableError | None = None
        call = current_call()
        for index, candidate in enumerate(chain):
            if self._breaker is not None:
                at_once = call is not None and call.at_once
                wait = await self._breaker.wait_before(candidate, at_once=at_once)
                if wait > 0 and call is not None and not at_once and await call.wants_at_once():
                    wait = await self._breaker.wait_before(candidate, at_once=True)
                if wait > 0:
                    waits.append(wait)
                    continue
            request = _Request(
                model=candidate,
                fallbacks=chain[index + 1 :],
                messages=payload,
                temperature=self._settings.llm_temperature if temperature is None else temperature,
                max_tokens=max_tokens or self._settings.llm_max_tokens,
                json_mode=json_mode,
            )
            try:
                completion = await self._with_retries(request)
            except _ModelUnavailableError as exc:
                if index + 1 == len(chain):
                    raise
                _log.warning(
                    "llm.model_unavailable",
                    model=candidate,
                    status=exc.status,
                    next=chain[index + 1],
                )
                continue
            except LLMRetryableError as exc:
                # Down for now: the fallback models are tried before anyone waits.
                failure = exc
                if self._breaker is not None:
                    waits.append(await self._breaker.failed(candidate, exc.retry_after))
                elif exc.retry_after is not None:
                    waits.append(exc.retry_after)
                continue
            if self._breaker is not None:
                recovered = await self._breaker.succeeded(candidate)
                if recovered and call is not None:
                    call.recovered = True
            return completion
        retry_after = min(waits) if waits else None
        if failure is None:
            raise LLMCircuitOpen(
                f"every model is resting after failures ({', '.join(chain)}); "
                f"next try in {retry_after or 0:.0f} s",
                retry_after=retry_after,
            )
        raise LLMRetryableError(
            str(failure), status=failure.status, retry_after=retry_after
        ) from failure

    async def check_model(self) -> ModelCheck:
        """Look LLM_MODEL up in `GET /models`; unknown endpoints give known=None, never raise."""
        self._ensure_open()
        model = self._settings.llm_model
        try:
            entries = [item.model_dump() async for item in self._openai.models.list()]
        except openai.APIStatusError as exc:
            status = exc.status_code
            _log.info("llm.models_unlisted", endpoint=self._endpoint, status=status)
            if status not in (401, 403):
                return unlisted(model)
            # a refused catalogue usually means a refused key: worth saying before the first chat
            return ModelCheck(
                model=model,
                known=None,
                prompt_price=None,
                completion_price=None,
                warning=f"{self._endpoint} refused to list models ({status}): {_HINTS[status]}",
            )
        except Exception as exc:  # a catalogue problem must never stop start-up
            _log.info("llm.models_unlisted", endpoint=self._endpoint, error=type(exc).__name__)
            return unlisted(model)
        check = inspect_catalogue(
            model,
            entries,
            endpoint=self._endpoint,
            fallbacks=self._settings.llm_fallback_models,
        )
        _log.info(
            "llm.model",
            model=model,
            known=check.known,
            usd_per_mtok_prompt=_per_million(check.prompt_price),
            usd_per_mtok_completion=_per_million(check.completion_price),
        )
        if check.warning:
            _log.warning("llm.model_warning", model=model, warning=check.warning)
        return check

    async def aclose(self) -> None:
        """Close the connection pool (unless the caller supplied it). Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._owns_http:
            await self._openai.close()

    async def __aenter__(self) -> Self:
        self._ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- internals -------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self._closed:
            raise RuntimeError("this LLM client is closed; build a new one with build_llm_client")

    async def _with_retries(self, request: _Request) -> Completion:
        attempts = self._settings.llm_max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return await self._attempt(request, attempt)
            except LLMRetryableError as exc:
                wait = exc.retry_after
                if attempt == attempts or (wait is not None and wait > MAX_RETRY_AFTER):
                    _log.error(
                        "llm.gave_up",
                        model=request.model,
                        status=exc.status,
                        attempt=attempt,
                        retry_after=wait,
                    )
                    raise LLMRetryableError(
                        f"{exc} (gave up after {attempt} attempt{'s' * (attempt > 1)})",
                        status=exc.status,
                        retry_after=wait,
                    ) from exc
                delay = wait if wait is not None else backoff_delay(attempt - 1, self._rng)
                _log.warning(
                    "llm.retry",
                    model=request.model,
                    status=exc.status,
                    attempt=attempt,
                    delay_s=round(delay, 3),
                )
                await self._sleep(delay)
        raise AssertionError("the retry loop always returns or raises")

    async def _attempt(self, request: _Request, attempt: int) -> Completion:
        extra_body: dict[str, object] = {
            "reasoning": {"enabled": bool(self._settings.llm_reasoning)},
            # OpenRouter provider routing; other OpenAI-compatible servers ignore it.
            "provider": {"data_collection": self._settings.llm_data_collection},
        }
        if request.fallbacks:
            extra_body["models"] = [request.model, *request.fallbacks]
        body: dict[str, object] = {
            "model": request.model,
            "messages": request.messages,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.json_mode:
            body["response_format"] = {"type": "json_object"}
        started = time.perf_counter()
        try:
            # The same request `chat.completions.create` sends, through the client's `post`:
            # `create` first walks every message through the SDK's type-driven transform,
            # about 0.2 ms of CPU per message (5 ms for a 30-message history), which changes
            # nothing in plain role/content messages like ours.
            response = await self._openai.post(
                "/chat/completions", cast_to=ChatCompletion, body={**body, **extra_body}
            )
        except openai.APITimeoutError as exc:
            raise LLMRetryableError(
                f"{self._endpoint} did not answer within {self._settings.llm_timeout:g} s "
                f"(model {request.model}); LLM_TIMEOUT raises the limit"
            ) from exc
        except openai.APIConnectionError as exc:
            cause = type(exc.__cause__).__name__ if exc.__cause__ else "connection error"
            raise LLMRetryableError(f"could not reach {self._endpoint} ({cause})") from exc
        except openai.APIStatusError as exc:
            raise self._status_error(exc, request.model) from exc
        except openai.OpenAIError as exc:
            raise LLMRetryableError(
                self._redact(f"unexpected answer from {self._endpoint}: {type(exc).__name__}")
            ) from exc
        latency = time.perf_counter() - started
        return self._completion(response, request, attempt, latency)

    def _completion(
        self, response: ChatCompletion, request: _Request, attempt: int, latency: float
    ) -> Completion:
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content or "").strip() if choice is not None else ""
        answered_by = response.model or request.model
        if not text:
            finish = choice.finish_reason if choice is not None else "no choices"
            raise LLMRetryableError(
                f"{answered_by} returned an empty reply (finish_reason={finish})"
            )
        usage = response.usage
        if usage is not None:
            prompt_tokens, completion_tokens = usage.prompt_tokens, usage.completion_tokens
        else:  # no `usage`: an estimate beats a free call in the daily budgets
            prompt_tokens = sum(
                estimate_tokens(str(m.get("content") or "")) for m in request.messages
            )
            completion_tokens = estimate_tokens(text)
        cost = _usage_cost(usage)
        _log.info(
            "llm.completion",
            model=answered_by,
            requested_model=request.model,
            attempt=attempt,
            latency_s=round(latency, 3),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost,
        )
        return Completion(
            text=text,
            model=answered_by,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost=cost,
            latency_s=latency,
            offline=False,
        )

    def _status_error(
        self, exc: openai.APIStatusError, model: str
    ) -> LLMRetryableError | LLMPermanentError:
        status = exc.status_code
        detail = self._redact(_error_detail(exc))[:_MAX_DETAIL]
        hint = _HINTS.get(status, "")
        message = f"{self._endpoint} answered {status} for model {model}: {detail}"
        if hint:
            message = f"{message} ({hint})"
        if is_retryable_status(status):
            retry_after = parse_retry_after(exc.response.headers)
            return LLMRetryableError(message, status=status, retry_after=retry_after)
        if status == 404 or (status == 400 and _MODEL_MISSING.search(detail)):
            return _ModelUnavailableError(message, status=status)
        return LLMPermanentError(message, status=status)

    def _redact(self, text: str) -> str:
        if self._secret:
            text = text.replace(self._secret, "***")
        return _KEY_LIKE.sub(r"\1-***", text)


@dataclass(frozen=True, slots=True)
class _Request:
    """One model's share of a `complete` call."""

    model: str
    fallbacks: list[str]
    messages: list[ChatCompletionMessageParam]
    temperature: float
    max_tokens: int
    json_mode: bool


def build_llm_client(
    settings: Settings, *, rng: random.Random | None = None, breaker: Breaker | None = None
) -> LLMClient:
    """The online client when LLM_API_KEY is set, else the offline persona responder."""
    if settings.llm_api_key is None:
        return OfflineResponder(rng=rng)
    return OpenAICompatibleClient(settings, rng=rng, breaker=breaker)


def _endpoint_name(base_url: str) -> str:
    """Host (and explicit port) of the endpoint; userinfo in the URL is never shown."""
    parts = urlsplit(base_url)
    host = parts.hostname or base_url
    return f"{host}:{parts.port}" if parts.port else host


def _error_detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
    return exc.message


def _usage_cost(usage: object) -> float | None:
    """OpenRouter's `usage.cost` (USD), an extra field the OpenAI types do not declare."""
    if usage is None:
        return None
    extra = getattr(usage, "model_extra", None) or {}
    value = extra.get("cost", getattr(usage, "cost", None))
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _per_million(price: float | None) -> float | None:
    return None if price is None else round(price * 1_000_000, 4)
