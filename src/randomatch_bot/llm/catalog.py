"""Reading an endpoint's model catalogue (`GET /models`) into a `ModelCheck`.

OpenRouter lists every model with `pricing` (USD per token, as strings) and, for models
scheduled for retirement, an `expiration_date`; OpenAI uses `shutdown_date`. A slug that
silently redirects to a pricier model (as `x-ai/grok-4-fast` did) is exactly what this
check exists to catch at start-up rather than on the invoice.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from randomatch_bot.llm.types import ModelCheck

_RETIREMENT_KEYS = ("expiration_date", "shutdown_date", "deprecation_date")


def unlisted(model: str) -> ModelCheck:
    """The answer when the endpoint has no usable catalogue (Ollama variants, proxies)."""
    return ModelCheck(
        model=model, known=None, prompt_price=None, completion_price=None, warning=None
    )


def inspect_catalogue(
    model: str,
    entries: Sequence[Mapping[str, Any]],
    *,
    endpoint: str,
    fallbacks: Sequence[str] = (),
    today: dt.date | None = None,
) -> ModelCheck:
    """Find `model` in the catalogue and describe its price and any retirement."""
    if not entries:
        return unlisted(model)
    today = today or dt.datetime.now(dt.UTC).date()
    by_id: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        for key in ("id", "canonical_slug"):
            value = entry.get(key)
            if isinstance(value, str) and value:
                by_id.setdefault(value, entry)

    warnings: list[str] = []
    found = by_id.get(model)
    prompt_price = completion_price = None
    if found is None:
        warnings.append(
            f"LLM_MODEL {model!r} is not in the model list of {endpoint}: requests will fail "
            "or be routed to another model at another price; check the slug"
        )
    else:
        pricing = found.get("pricing")
        if isinstance(pricing, Mapping):
            prompt_price = _price(pricing.get("prompt"))
            completion_price = _price(pricing.get("completion"))
        warnings.extend(_retirement_warnings(model, found, today))

    missing = [name for name in fallbacks if name not in by_id]
    if missing:
        warnings.append(f"LLM_FALLBACK_MODELS not listed by {endpoint}: {', '.join(missing)}")
    return ModelCheck(
        model=model,
        known=found is not None,
        prompt_price=prompt_price,
        completion_price=completion_price,
        warning="; ".join(warnings) or None,
    )


def _retirement_warnings(model: str, entry: Mapping[str, Any], today: dt.date) -> list[str]:
    warnings: list[str] = []
    for key in _RETIREMENT_KEYS:
        when = _parse_date(entry.get(key))
        if when is None:
            continue
        if when <= today:
            warnings.append(
                f"model {model!r} was retired on {when.isoformat()}; its slug may now point "
                "to a different, possibly pricier model: choose a replacement for LLM_MODEL"
            )
        else:
            days = (when - today).days
            warnings.append(
                f"model {model!r} will be retired on {when.isoformat()} (in {days} days); "
                "plan a replacement for LLM_MODEL"
            )
        break
    if not warnings and entry.get("deprecated") is True:
        warnings.append(f"model {model!r} is marked deprecated by the endpoint")
    return warnings


def _price(value: object) -> float | None:
    """Per-token USD price; OpenRouter sends strings and uses "-1" for variable-price routers."""
    if isinstance(value, bool) or value is None:
        return None
    if not isinstance(value, str | int | float):
        return None
    try:
        price = float(value)
    except ValueError:
        return None
    return price if math.isfinite(price) and price >= 0 else None


def _parse_date(value: object) -> dt.date | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00")
        try:
            return dt.datetime.fromisoformat(text).date()
        except ValueError:
            try:
                return dt.date.fromisoformat(text[:10])
            except ValueError:
                return None
    return None
