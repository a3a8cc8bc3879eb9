"""The service's exception hierarchy.

    RandomatchError
    ├── ConfigurationError      bad or missing settings; the message names the variable
    ├── InfrastructureError     a server could not be reached or started
    │   ├── DatabaseUnavailable
    │   ├── RedisUnavailable
    │   └── EmbeddedServerError
    ├── DatabaseError           PostgreSQL refused a statement (`sqlstate` says why)
    │   ├── SchemaMismatch      a table, column or function is missing or not granted
    │   └── DatabaseBusy        a lock not granted in time, a statement cancelled, a deadlock
    ├── AlreadyRunningError     another `run` holds the embedded data directory
    ├── MigrationError          a migration file failed; nothing of it was applied
    ├── PersonaError            a persona file could not be read or is incomplete
    └── LLMError                the model could not produce a reply
        ├── LLMRetryableError   a later attempt may succeed (timeouts, 429, 5xx)
        │   └── LLMCircuitOpen  every model is resting after failures; nothing was called
        └── LLMPermanentError   retrying will not help (402, 401, bad request)

Errors from asyncpg, redis-py and httpx are converted at the boundary with `raise ... from exc`
so that callers handle one family and operators read one kind of message: asyncpg's in
`db/session.py`, redis-py's in `infra/redis.py`, the model client's in `llm/client.py`.
"""


class RandomatchError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigurationError(RandomatchError):
    """A setting is missing or malformed."""


class InfrastructureError(RandomatchError):
    """A backing server is unreachable or misbehaving."""


class DatabaseUnavailable(InfrastructureError):
    """PostgreSQL could not be reached or refused the connection."""


class RedisUnavailable(InfrastructureError):
    """Redis could not be reached or refused the connection."""


class EmbeddedServerError(InfrastructureError):
    """An embedded PostgreSQL or Redis failed to start."""


class DatabaseError(RandomatchError):
    """PostgreSQL refused a statement; `sqlstate` is its five-character code, when it gave one."""

    def __init__(self, message: str, *, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class SchemaMismatch(DatabaseError):
    """A table, column or function the service needs is missing or not granted to its role."""


class DatabaseBusy(DatabaseError):
    """A lock was not granted in time, a statement was cancelled, or transactions deadlocked:
    the same work may succeed when tried again."""


class AlreadyRunningError(RandomatchError):
    """Another process already runs the embedded servers in this data directory."""


class MigrationError(RandomatchError):
    """A migration could not be applied."""


class PersonaError(RandomatchError):
    """A persona definition is invalid."""


class LLMError(RandomatchError):
    """The language model did not produce a usable reply."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LLMRetryableError(LLMError):
    """A transient model failure; the step may be retried."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class LLMCircuitOpen(LLMRetryableError):
    """No model was called: each one's shared circuit breaker is open after recent failures."""


class LLMPermanentError(LLMError):
    """A model failure that will not go away by retrying (payment, auth, bad request)."""
