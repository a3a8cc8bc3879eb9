"""Language-model access: the online OpenAI-compatible client and the offline responder.

    LLMClient (protocol)
    ├── OpenAICompatibleClient   OpenRouter / OpenAI / Ollama / vLLM / ... via `openai`
    └── OfflineResponder         scripted French hiking small talk, no network

`build_llm_client(settings)` picks one from whether LLM_API_KEY is set.
"""

from randomatch_bot.llm.client import OpenAICompatibleClient, build_llm_client
from randomatch_bot.llm.offline import OFFLINE_MODEL, OfflineResponder
from randomatch_bot.llm.types import ChatMessage, Completion, LLMClient, ModelCheck, Role

__all__ = [
    "OFFLINE_MODEL",
    "ChatMessage",
    "Completion",
    "LLMClient",
    "ModelCheck",
    "OfflineResponder",
    "OpenAICompatibleClient",
    "Role",
    "build_llm_client",
]
