"""Typed settings, read from the environment and `.env` (every one listed in docs/CONTRACT.md).

Settings are built once at the edge (`cli.main`, the API lifespan) and passed down; nothing
here reads the environment at import time. A bad value stops the process with one line that
names the variable and what it expects (`describe_validation_error`).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

import platformdirs
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from randomatch_bot.errors import ConfigurationError

DEFAULT_LLM_BASE_URL = "https://openrouter.ai/api/v1"
# x-ai/grok-4-fast (the first bot's model) was retired on 2026-05-15; its slug now redirects to a
# model billed about 6x higher. grok-4.20 with reasoning disabled is the like-for-like choice.
DEFAULT_LLM_MODEL = "x-ai/grok-4.20"
# A small, cheap model that answers JSON reliably: the reviewer classifies, it does not chat.
DEFAULT_GUARD_MODEL = "openai/gpt-4.1-nano"

MIN_TOKEN_CHARS = 16  # of MONITORING_TOKEN / METRICS_TOKEN: guessing must be hopeless
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"  # a missing URL is an error, never embedded servers


_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "")


def _is_local_url(url: str) -> bool:
    """True for a server on this machine (loopback or a Unix socket), as in development."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return True
    host = (parts.hostname or "").strip("[]")
    return host in _LOCAL_HOSTS or host.startswith(("127.", "/"))


class DisclosurePolicy(StrEnum):
    """What a persona does when sincerely asked whether it is an AI (EU AI Act Art. 50)."""

    ADMIT = "admit"  # says it is an AI persona when asked sincerely (default)
    ALWAYS = "always"  # also says so in its first message of every conversation
    PLAY = "play"  # stays in character; only lawful where the app discloses elsewhere


def _parse_hhmm(text: str) -> dt.time | None:
    """Parse `HH:MM`; `24:00` maps to None (end of day)."""
    match = _HHMM.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not HH:MM")
    hours, minutes = int(match[1]), int(match[2])
    if (hours, minutes) == (24, 0):
        return None
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return dt.time(hours, minutes)


class ActiveHours:
    """A daily window `HH:MM-HH:MM` in the persona's own timezone; may wrap past midnight."""

    __slots__ = ("end", "start", "text")

    def __init__(self, text: str) -> None:
        parts = text.split("-")
        if len(parts) != 2:
            raise ValueError(f"{text!r} is not of the form HH:MM-HH:MM")
        start = _parse_hhmm(parts[0])
        if start is None:
            raise ValueError(f"{text!r}: the window cannot start at 24:00")
        self.start: dt.time = start
        self.end: dt.time | None = _parse_hhmm(parts[1])
        self.text = text.strip()

    @property
    def always(self) -> bool:
        return self.start == dt.time(0, 0) and self.end is None

    def __repr__(self) -> str:
        return f"ActiveHours({self.text!r})"

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ActiveHours) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


class Settings(BaseSettings):
    """Every knob of the service. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
        arbitrary_types_allowed=True,
    )

    # --- connections (empty = embedded servers for local use) ---
    app_env: AppEnv = Field(default=AppEnv.DEVELOPMENT, alias="APP_ENV")
    # Connections each process opens to PostgreSQL (see docs/SUPABASE.md for the budget).
    bridge_pool_size: int = Field(default=2, alias="BRIDGE_POOL_SIZE", ge=1, le=100)
    worker_pool_size: int = Field(default=4, alias="WORKER_POOL_SIZE", ge=1, le=100)
    api_pool_size: int = Field(default=2, alias="API_POOL_SIZE", ge=1, le=100)
    postgres_connection_string: SecretStr | None = Field(
        default=None, alias="POSTGRES_CONNECTION_STRING"
    )
    redis_url: SecretStr | None = Field(default=None, alias="REDIS_URL")
    supabase_url: str | None = Field(default=None, alias="SUPABASE_URL")
    supabase_service_key: SecretStr | None = Field(default=None, alias="SUPABASE_SERVICE_KEY")
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("randomatch-bot")),
        alias="RANDOMATCH_DATA_DIR",
    )

    # --- LLM ---
    llm_base_url: str = Field(default=DEFAULT_LLM_BASE_URL, alias="LLM_BASE_URL")
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("LLM_API_KEY", "OPENROUTER_API_KEY")
    )
    # Read only as LLM_API_KEY's fallback (see _blank_key_falls_back).
    openrouter_api_key: SecretStr | None = Field(
        default=None, alias="OPENROUTER_API_KEY", exclude=True, repr=False
    )
    llm_model: str = Field(default=DEFAULT_LLM_MODEL, alias="LLM_MODEL", min_length=1)
    llm_fallback_models: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="LLM_FALLBACK_MODELS"
    )
    llm_temperature: float = Field(default=0.8, alias="LLM_TEMPERATURE", ge=0.0, le=2.0)
    llm_timeout: float = Field(default=30.0, alias="LLM_TIMEOUT", gt=0)
    llm_max_retries: int = Field(default=3, alias="LLM_MAX_RETRIES", ge=0, le=10)
    llm_max_tokens: int = Field(default=300, alias="LLM_MAX_TOKENS", ge=16)
    llm_reasoning: bool = Field(default=False, alias="LLM_REASONING")
    llm_app_url: str = Field(default="https://randomatch.app", alias="LLM_APP_URL")
    llm_app_title: str = Field(default="RandoMatch", alias="LLM_APP_TITLE")
    # OpenRouter provider preference: "deny" routes only to providers that do not store or
    # train on prompts (the conversations are intimate); "allow" lifts the restriction.
    llm_data_collection: Literal["deny", "allow"] = Field(
        default="deny", alias="LLM_DATA_COLLECTION"
    )

    # --- the bot and its behaviour ---
    bot_id: str | None = Field(default=None, alias="BOT_ID")
    typing_speed_cps: float = Field(default=3.5, alias="TYPING_SPEED_CPS", gt=0, le=50)
    min_thinking_delay: float = Field(default=3.0, alias="MIN_THINKING_DELAY", ge=0)
    max_thinking_delay: float = Field(default=15.0, alias="MAX_THINKING_DELAY", ge=0)
    grouping_window: float = Field(default=4.0, alias="GROUPING_WINDOW", ge=0)
    grouping_cap: float = Field(default=30.0, alias="GROUPING_CAP", ge=0)
    max_parts: int = Field(default=3, alias="MAX_PARTS", ge=1, le=10)
    active_hours: ActiveHours = Field(
        default_factory=lambda: ActiveHours("08:00-23:30"), alias="ACTIVE_HOURS"
    )
    bot_timezone: str = Field(default="Europe/Paris", alias="BOT_TIMEZONE")
    time_scale: float = Field(default=1.0, alias="TIME_SCALE", ge=0, le=100)
    disclosure_policy: DisclosurePolicy = Field(
        default=DisclosurePolicy.ADMIT, alias="DISCLOSURE_POLICY"
    )
    max_input_chars: int = Field(default=4000, alias="MAX_INPUT_CHARS", ge=100)
    absence_probability: float = Field(default=0.02, alias="ABSENCE_PROBABILITY", ge=0, le=1)
    # Testing and demos only (off by default): seconds added to the clock by which the active
    # hours are judged, so that a run can see the persona's night at any hour of the day.
    hours_clock_offset: float = Field(
        default=0.0, alias="HOURS_CLOCK_OFFSET", ge=-7 * 86400, le=7 * 86400
    )
    # Writing once more after a silence (hours; 0 = never) and how often per silence.
    followup_after: float = Field(default=0.0, alias="FOLLOWUP_AFTER", ge=0)
    followup_max: int = Field(default=1, alias="FOLLOWUP_MAX", ge=0, le=10)
    # Hours an operator's takeover of a conversation lasts unless resumed earlier.
    takeover_timeout: float = Field(default=4.0, alias="TAKEOVER_TIMEOUT", gt=0, le=24 * 30)

    # --- policies (0 = no limit) ---
    match_replies_per_hour: int = Field(default=40, alias="MATCH_REPLIES_PER_HOUR", ge=0)
    bot_replies_per_minute: int = Field(default=120, alias="BOT_REPLIES_PER_MINUTE", ge=0)
    bot_daily_token_budget: int = Field(default=0, alias="BOT_DAILY_TOKEN_BUDGET", ge=0)
    # USD per bot and day: a runaway loop or a crowd of accounts stops here, not at the invoice.
    bot_daily_cost_budget: float = Field(default=5.0, alias="BOT_DAILY_COST_BUDGET", ge=0)
    # One person, over all their matches with bots: nobody spends the bot's budget alone.
    human_daily_cost_budget: float = Field(default=0.5, alias="HUMAN_DAILY_COST_BUDGET", ge=0)
    human_daily_replies: int = Field(default=200, alias="HUMAN_DAILY_REPLIES", ge=0)

    # --- the reviewing model behind the guard's deterministic layer (docs/SAFETY.md) ---
    # auto: on whenever a model key is set (not with the offline responder); on; off.
    guard_review: Literal["auto", "on", "off"] = Field(default="auto", alias="GUARD_REVIEW")
    guard_model: str = Field(default=DEFAULT_GUARD_MODEL, alias="GUARD_MODEL", min_length=1)
    # Seconds the reviewer may take; past it the deterministic verdict stands alone.
    guard_timeout: float = Field(default=8.0, alias="GUARD_TIMEOUT", gt=0, le=60)

    # --- one persona, one life (conversation/persona/life.py, docs/DECISIONS.md D30) ---
    # on: her canon, her week and what she told this person about herself go in the prompt,
    # and a reply contradicting them is asked for again; off: none of it (the comparison
    # figure of `eval consistency`).
    self_consistency: bool = Field(default=True, alias="SELF_CONSISTENCY")
    # Conversations that must state the same self-claim before it joins her canon.
    canon_promote_after: int = Field(default=3, alias="CANON_PROMOTE_AFTER", ge=2, le=1000)

    # --- moderation model on top of the output guard's rules (off by default) ---
    moderation: Literal["off", "openai", "llm"] = Field(default="off", alias="MODERATION")
    moderation_base_url: str | None = Field(default=None, alias="MODERATION_BASE_URL")
    moderation_api_key: SecretStr | None = Field(default=None, alias="MODERATION_API_KEY")
    moderation_model: str | None = Field(default=None, alias="MODERATION_MODEL")

    # --- personal data ---
    # Days the service keeps a conversation's memory and state after an unmatch or a block
    # (0 = erase at the next purge); deleted matches and profiles are erased at once.
    memory_retention_days: int = Field(default=30, alias="MEMORY_RETENTION_DAYS", ge=0, le=3650)

    # --- bridge ---
    catchup_interval: float = Field(default=60.0, alias="CATCHUP_INTERVAL", gt=0)
    catchup_lookback: float = Field(default=86400.0, alias="CATCHUP_LOOKBACK", gt=0)
    catchup_slack: float = Field(default=30.0, alias="CATCHUP_SLACK", ge=0)
    catchup_batch: int = Field(default=500, alias="CATCHUP_BATCH", ge=1)
    listen_timeout: float = Field(default=30.0, alias="LISTEN_TIMEOUT", gt=0)
    heartbeat_interval: float = Field(default=5.0, alias="HEARTBEAT_INTERVAL", gt=0)

    # --- worker ---
    worker_concurrency: int = Field(default=500, alias="WORKER_CONCURRENCY", ge=1)
    redelivery_timeout: float = Field(default=60.0, alias="REDELIVERY_TIMEOUT", gt=0)
    step_attempts: int = Field(default=5, alias="STEP_ATTEMPTS", ge=1)
    step_retry_delay: float = Field(default=2.0, alias="STEP_RETRY_DELAY", ge=0)
    sweep_interval: float = Field(default=15.0, alias="SWEEP_INTERVAL", gt=0)
    stale_typing_after: float = Field(default=30.0, alias="STALE_TYPING_AFTER", gt=0)
    # Where the bot's typing indicator goes: the `typing_indicators` table, Supabase Realtime
    # Broadcast on the match's private topic, or both (see docs/SUPABASE.md); a broadcast
    # "typing" is sent again every TYPING_REFRESH_INTERVAL seconds while it lasts.
    typing_transport: Literal["table", "broadcast", "both"] = Field(
        default="table", alias="TYPING_TRANSPORT"
    )
    typing_refresh_interval: float = Field(
        default=5.0, alias="TYPING_REFRESH_INTERVAL", ge=1.0, le=60.0
    )
    shutdown_grace: float = Field(default=20.0, alias="SHUTDOWN_GRACE", ge=0)
    docket_name: str = Field(default="randomatch-bot", alias="DOCKET_NAME", min_length=1)
    # Faults that last (see docs/RELIABILITY.md): how long a model outage is waited out before a
    # reply is dead-lettered, how often a paused model (and a model resting in the breaker) is
    # probed, what revives a dead letter, and how many failed steps in a row make a
    # conversation a dead letter.
    llm_outage_horizon: float = Field(default=21600.0, alias="LLM_OUTAGE_HORIZON", gt=0)
    llm_pause_probe_interval: float = Field(default=300.0, alias="LLM_PAUSE_PROBE_INTERVAL", gt=0)
    # The longest a model that failed rests in the shared breaker before one caller probes it.
    llm_breaker_probe_interval: float = Field(
        default=30.0, alias="LLM_BREAKER_PROBE_INTERVAL", gt=0, le=300
    )
    dead_letter_retry_on_message: bool = Field(default=True, alias="DEAD_LETTER_RETRY_ON_MESSAGE")
    step_failure_limit: int = Field(default=10, alias="STEP_FAILURE_LIMIT", ge=1)
    # Seconds between a worker's looks at Redis for due steps (docket's check interval and
    # scheduling resolution): an idle worker costs about 2 commands per interval (see
    # docs/BENCHMARKS.md), which a metered Redis bills; steps may run this much late.
    docket_poll_interval: float = Field(
        default=0.05, alias="DOCKET_POLL_INTERVAL", ge=0.01, le=10.0
    )

    # --- monitoring ---
    monitoring_token: SecretStr | None = Field(default=None, alias="MONITORING_TOKEN")
    metrics_token: SecretStr | None = Field(default=None, alias="METRICS_TOKEN")  # read-only
    port: int = Field(default=8000, alias="PORT", ge=1, le=65535)
    log_format: LogFormat = Field(default=LogFormat.CONSOLE, alias="LOG_FORMAT")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")

    @model_validator(mode="before")
    @classmethod
    def _blank_key_falls_back(cls, data: Any) -> Any:
        # A blank LLM_API_KEY (an empty line in .env) must not hide OPENROUTER_API_KEY: the
        # sources stop at the first alias present, so the fallback is made here.
        if isinstance(data, dict):
            fallback = next(
                (v for k, v in data.items() if str(k).lower() == "openrouter_api_key"), None
            )
            for name in [k for k in data if str(k).lower() == "llm_api_key"]:
                if data[name] == "":
                    data[name] = fallback
        return data

    @field_validator("active_hours", mode="before")
    @classmethod
    def _parse_active_hours(cls, value: Any) -> ActiveHours:
        if isinstance(value, ActiveHours):
            return value
        return ActiveHours(str(value))

    @field_validator("llm_fallback_models", mode="before")
    @classmethod
    def _split_models(cls, value: Any) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return [str(item) for item in value]

    @field_validator("bot_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA timezone such as Europe/Paris") from exc
        return value

    @field_validator("bot_id")
    @classmethod
    def _check_bot_id(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a UUID") from exc

    @field_validator(
        "postgres_connection_string",
        "redis_url",
        "llm_api_key",
        "moderation_base_url",
        "moderation_api_key",
        "moderation_model",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("monitoring_token", "metrics_token", mode="before")
    @classmethod
    def _check_api_token(cls, value: Any) -> Any:
        # `MONITORING_TOKEN=` (as in .env.example) is no token, not an empty one.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None or (isinstance(text, str) and not text.strip()):
            return None
        if isinstance(text, str) and len(text.strip()) < MIN_TOKEN_CHARS:
            raise ValueError(
                f"must be at least {MIN_TOKEN_CHARS} characters (generate one with "
                "`openssl rand -hex 32`)"
            )
        return text.strip() if isinstance(text, str) else value

    @field_validator("postgres_connection_string")
    @classmethod
    def _check_pg_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            scheme = urlsplit(value.get_secret_value()).scheme
            if scheme not in ("postgres", "postgresql"):
                raise ValueError("expected a postgresql://user:password@host:5432/db URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            scheme = urlsplit(value.get_secret_value()).scheme
            if scheme not in ("redis", "rediss", "unix", "redis+sentinel"):
                raise ValueError("expected a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("expected one of DEBUG, INFO, WARNING, ERROR")
        return upper

    @model_validator(mode="after")
    def _check_bounds(self) -> Self:
        if self.max_thinking_delay < self.min_thinking_delay:
            raise ValueError(
                "MAX_THINKING_DELAY must be at least MIN_THINKING_DELAY "
                f"(got {self.max_thinking_delay} < {self.min_thinking_delay})"
            )
        return self

    # --- derived views ---
    @property
    def llm_online(self) -> bool:
        """True when a real model is configured; False means the offline persona responder."""
        return self.llm_api_key is not None

    @property
    def bot_uuid(self) -> uuid.UUID | None:
        """BOT_ID as a UUID (already validated), or None when unset."""
        return uuid.UUID(self.bot_id) if self.bot_id else None

    @property
    def production(self) -> bool:
        """APP_ENV=production, or a URL of a server that is not on this machine."""
        if self.app_env is AppEnv.PRODUCTION:
            return True
        urls = (self.postgres_connection_string, self.redis_url)
        return any(url is not None and not _is_local_url(url.get_secret_value()) for url in urls)

    @property
    def embedded_postgres(self) -> bool:
        return self.postgres_connection_string is None

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    def scaled(self, seconds: float) -> float:
        """Apply TIME_SCALE to a human-like delay."""
        return seconds * self.time_scale


def describe_validation_error(error: ValidationError) -> str:
    """One operator-facing line per bad variable: its name, the value's problem, the fix."""
    lines = []
    for item in error.errors():
        loc = item.get("loc", ())
        name = str(loc[0]).upper() if loc else "configuration"
        message = str(item.get("msg", "invalid value"))
        message = message.removeprefix("Value error, ")
        lines.append(f"{name}: {message}")
    return "; ".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment and `.env`, raising ConfigurationError on bad input."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigurationError(
            f"invalid configuration: {describe_validation_error(exc)}"
        ) from exc
