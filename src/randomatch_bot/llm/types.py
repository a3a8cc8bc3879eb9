"""Value types shared by every LLM backend, and the `LLMClient` protocol they implement.

Callers (composer, memory) depend on this protocol only, so the online client and the offline
persona responder are interchangeable and tests can pass either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One turn of the prompt, in the OpenAI chat format."""

    role: Role
    content: str
    image_urls: tuple[str, ...] = ()  # photos shown with this turn (vision-capable models)

    def payload_content(self) -> str | list[dict[str, Any]]:
        """The `content` of the OpenAI message: the text, or text and image parts."""
        if not self.image_urls:
            return self.content
        return [
            {"type": "text", "text": self.content},
            *({"type": "image_url", "image_url": {"url": url}} for url in self.image_urls),
        ]


@dataclass(frozen=True, slots=True)
class Completion:
    """A model's answer and what it cost."""

    text: str
    model: str  # model that actually answered (from the response), or "offline"
    prompt_tokens: int
    completion_tokens: int
    cost: float | None  # USD, when the endpoint reports it (OpenRouter does), else None
    latency_s: float
    offline: bool


@dataclass(frozen=True, slots=True)
class ModelCheck:
    """What the endpoint says about the configured model, checked once at start."""

    model: str
    known: bool | None  # None when the endpoint does not list models
    prompt_price: float | None  # USD per token, if listed
    completion_price: float | None  # USD per token, if listed
    warning: str | None  # for the operator: unknown, deprecated or expiring model


@runtime_checkable
class LLMClient(Protocol):
    """Anything that turns a chat prompt into a `Completion`."""

    @property
    def mode(self) -> str:
        """One line for status pages, e.g. `online: x-ai/grok-4.20 via openrouter.ai`."""
        ...

    @property
    def offline(self) -> bool:
        """True for the scripted offline responder, which never calls a model."""
        ...

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        json_mode: bool = False,
    ) -> Completion:
        """Answer `messages`; raise `LLMRetryableError` or `LLMPermanentError` on failure."""
        ...

    async def check_model(self) -> ModelCheck:
        """Look the configured model up in the endpoint's catalogue; never raises."""
        ...

    async def aclose(self) -> None:
        """Release connections; the client cannot be used afterwards."""
        ...
