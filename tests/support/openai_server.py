"""A real HTTP server speaking the OpenAI chat-completions protocol, for tests and benchmarks.

It listens on a real socket (127.0.0.1, ephemeral port by default), so the production client
is exercised end to end: headers, JSON bodies, status codes, `Retry-After`, timeouts.

    POST /v1/chat/completions   scripted replies or faults, else `default_reply(body)`;
                                a request of the guard's reviewing model (its user message
                                holds `message_to_review`) takes its own script
                                (`script_review`), else `default_review(body)`: nothing flagged,
                                no contradiction of the persona's facts;
                                a request writing a persona's week (its system message opens
                                with `[semaine]`) is answered by `default_week(body)`, never
                                from a script (default: no usable day, so the week comes from
                                her card)
    POST /v1/moderations        flags an input holding one of MODERATION_TERMS
    GET  /v1/models             OpenRouter-style catalogue with `pricing` (404 if disabled)
    POST /_admin/script         {"items": [{"text": ...} | {"status": 429, "retry_after": "2"}]}
    POST /_admin/reset          clear script and recorded requests
    GET  /_admin/requests       every recorded /v1 request

In-process (a background thread)::

    with OpenAIServer() as server:
        server.script(Fault(429, retry_after="2"), "Salut !")
        ... settings = Settings(LLM_BASE_URL=server.base_url, LLM_API_KEY="test") ...
        assert len(server.chat_requests) == 2

Standalone, for subprocess tests: `python -m tests.support.openai_server --port 0` prints
`READY http://127.0.0.1:PORT/v1` on stdout and serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import sys
import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import pytest

DEFAULT_MODEL = "x-ai/grok-4.20"
# What the moderation endpoint flags (case-insensitive substring), with its categories.
MODERATION_TERMS: dict[str, tuple[str, ...]] = {
    "tue-toi": ("harassment", "self-harm"),
    "qu'une merde": ("harassment",),
    "kill yourself": ("harassment", "self-harm"),
}
FALLBACK_MODEL = "test/fallback-model"


@dataclass(frozen=True, slots=True)
class Reply:
    """A scripted 200 answer; `text=None` or `""` sends an empty assistant message."""

    text: str | None
    model: str | None = None  # default: the model the request asked for
    prompt_tokens: int | None = None  # default: estimated from the prompt
    completion_tokens: int | None = None
    cost: float | None = None  # default: tokens x the model's listed price
    report_cost: bool = True  # False: no `usage.cost`, like plain OpenAI
    report_usage: bool = True  # False: no `usage` at all, like some local servers
    delay: float = 0.0  # seconds before answering, to provoke client timeouts
    finish_reason: str = "stop"


@dataclass(frozen=True, slots=True)
class Fault:
    """A scripted error answer, e.g. `Fault(429, retry_after="3")` or `Fault(402)`."""

    status: int
    message: str = "scripted fault"
    retry_after: str | None = None  # `Retry-After` header: seconds or an HTTP date
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One catalogue entry; prices are USD per token, as OpenRouter lists them."""

    id: str
    prompt_price: float = 0.000002
    completion_price: float = 0.00001
    expiration_date: str | None = None


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """What the server received: method, path, lower-cased headers, parsed JSON body."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def last_user_content(self) -> str:
        users = [m.get("content", "") for m in self.messages if m.get("role") == "user"]
        return str(users[-1]) if users else ""


ScriptItem = Reply | Fault
DEFAULT_MODELS = (ModelEntry(DEFAULT_MODEL), ModelEntry(FALLBACK_MODEL, 0.000001, 0.000002))

_TEMPLATES = (
    "Ah, « {s} » ? Trop bien ! Tu randonnes souvent ?",
    "Carrément, « {s} », ça me parle. Tu pars où ce week-end ?",
    "Haha, « {s} » ! Et sinon, c'est quoi ta rando préférée ?",
)


def french_echo(body: Mapping[str, Any]) -> str:
    """Deterministic default reply: echoes the last user message in a French template."""
    response_format = body.get("response_format") or {}
    if isinstance(response_format, dict) and response_format.get("type") == "json_object":
        return json.dumps({"summary": "Résumé de test.", "facts": {}}, ensure_ascii=False)
    messages = body.get("messages") or []
    users = [str(m.get("content", "")) for m in messages if isinstance(m, dict)]
    last = next((u for u in reversed(users) if u.strip()), "")
    if not last:
        return "Salut ! Tu randonnes plutôt où ?"
    snippet = last.strip().splitlines()[0][:60]
    return _TEMPLATES[zlib.crc32(last.encode()) % len(_TEMPLATES)].format(s=snippet)


# What the reviewing model answers when nothing is scripted for it: nothing to block, and
# nothing contradicting the persona's facts (asked in the same call when she has a life).
CLEAR_REVIEW = json.dumps(
    {"block": [], "assistant_register": False, "claims_human": False, "contradicts": []}
)


def review_answer(*block: str, assistant_register: bool = False, claims_human: bool = False) -> str:
    """A reviewer's JSON answer, e.g. `review_answer("money")`."""
    return json.dumps(
        {
            "block": list(block),
            "assistant_register": assistant_register,
            "claims_human": claims_human,
        }
    )


def is_review(body: Any) -> bool:
    """Whether a chat request comes from the guard's reviewing model."""
    if not isinstance(body, dict):
        return False
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return isinstance(content, str) and '"message_to_review"' in content
    return False


WEEK_MARK = "[semaine]"  # words/week.WEEK_MARK


def _system_text(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    return "\n".join(
        str(m.get("content", ""))
        for m in body.get("messages") or []
        if isinstance(m, dict) and m.get("role") == "system"
    )


def is_week(body: Any) -> bool:
    """Whether a chat request asks the model to write a persona's week."""
    return _system_text(body).startswith(WEEK_MARK)


def reviewed_text(body: Any) -> str:
    """The reply a reviewer request asks about."""
    for message in body.get("messages") or []:
        if message.get("role") == "user":
            return str(json.loads(message["content"])["message_to_review"])
    return ""


class OpenAIServer:
    """Thread-safe scripted OpenAI-compatible server; see the module docstring."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        models: Sequence[ModelEntry] = DEFAULT_MODELS,
        list_models: bool = True,
        strict_models: bool = False,
        api_key: str | None = None,
        default_reply: Callable[[Mapping[str, Any]], str] = french_echo,
        reply_delay: float = 0.0,
        verbose: bool = False,
    ) -> None:
        self._host, self._requested_port = host, port
        self._defaults = (
            tuple(models),
            list_models,
            strict_models,
            api_key,
            default_reply,
            reply_delay,
        )
        self.models: tuple[ModelEntry, ...] = tuple(models)
        self.list_models = list_models  # False: GET /models answers 404
        self.strict_models = strict_models  # True: unknown chat models answer 404
        self.api_key = api_key  # when set, other bearer tokens get 401
        self.default_reply = default_reply
        self.reply_delay = reply_delay  # seconds added to unscripted replies (benchmarks)
        self.verbose = verbose
        self._lock = threading.Lock()
        self._script: deque[ScriptItem] = deque()
        self._review_script: deque[ScriptItem] = deque()
        self.default_review: Callable[[Mapping[str, Any]], str] = lambda _body: CLEAR_REVIEW
        # Asked when the script is empty: a Fault while the model is down (on any clock), else
        # None for the usual answer. See `down_while`.
        self._outage: Callable[[], ScriptItem | None] | None = None
        self.default_week: Callable[[Mapping[str, Any]], str] = lambda _body: '{"days": []}'
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve in a daemon thread; returns self once the socket accepts."""
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        self._httpd = _HTTPServer((self._host, self._requested_port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"openai-test-server:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and pending delays, join every thread."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()  # joins the per-connection handler threads
        if thread is not None:
            thread.join(timeout=10)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """OpenAI base URL, e.g. `http://127.0.0.1:PORT/v1`."""
        return f"http://{self._host}:{self.port}/v1"

    # --- scripting and inspection ------------------------------------------------------------

    def script(self, *items: ScriptItem | str) -> None:
        """Queue answers for the next chat requests, in order; a str is `Reply(text=str)`."""
        with self._lock:
            self._script.extend(Reply(item) if isinstance(item, str) else item for item in items)

    def script_review(self, *items: ScriptItem | str) -> None:
        """Queue answers for the next requests of the reviewing model, in order."""
        with self._lock:
            self._review_script.extend(
                Reply(item) if isinstance(item, str) else item for item in items
            )

    def down_while(self, outage: Callable[[], ScriptItem | None] | None) -> None:
        """Answer each chat request the script does not (the reviewing model's aside) with
        `outage()` when it gives an item (a model down until a time of the test's clock), as
        usual otherwise; None: never."""
        with self._lock:
            self._outage = outage

    def reset(self) -> None:
        """Forget the script and recorded requests; restore the constructor's settings."""
        with self._lock:
            self._script.clear()
            self._review_script.clear()
            self.default_review = lambda _body: CLEAR_REVIEW
            self.default_week = lambda _body: '{"days": []}'
            self._requests.clear()
            self._outage = None
            (
                self.models,
                self.list_models,
                self.strict_models,
                self.api_key,
                self.default_reply,
                self.reply_delay,
            ) = self._defaults

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every /v1 request received so far (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The POST /v1/chat/completions requests received so far, but the reviewer's and
        those writing a persona's week."""
        return [
            r
            for r in self.requests
            if r.path.endswith("/chat/completions")
            and not is_review(r.body)
            and not is_week(r.body)
        ]

    @property
    def review_requests(self) -> list[RecordedRequest]:
        """The requests of the guard's reviewing model received so far."""
        return [
            r for r in self.requests if r.path.endswith("/chat/completions") and is_review(r.body)
        ]

    @property
    def week_requests(self) -> list[RecordedRequest]:
        """The requests writing a persona's week received so far."""
        return [
            r for r in self.requests if r.path.endswith("/chat/completions") and is_week(r.body)
        ]

    @property
    def moderation_requests(self) -> list[RecordedRequest]:
        """The POST /v1/moderations requests received so far."""
        return [r for r in self.requests if r.path.endswith("/moderations")]

    @property
    def pending(self) -> int:
        """Scripted items not consumed yet."""
        with self._lock:
            return len(self._script)

    # --- used by the handler -----------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_item(self, *, review: bool = False) -> ScriptItem | None:
        with self._lock:
            script = self._review_script if review else self._script
            if script:
                return script.popleft()
            outage = None if review else self._outage
        return outage() if outage is not None else None

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server stops first; False means: give up, we are shutting down."""
        return seconds <= 0 or not self._stopping.wait(seconds)


class _HTTPServer(ThreadingHTTPServer):
    """Tracks client sockets so `stop` can cut idle keep-alive connections."""

    daemon_threads = True
    request_queue_size = 1024  # the default backlog of 5 refuses connections under benchmarks

    def __init__(self, address: tuple[str, int], handler: type[_Handler], owner: OpenAIServer):
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.owner.verbose:
            super().log_message(format, *args)

    # --- routing -----------------------------------------------------------------------------

    def do_GET(self) -> None:
        owner = self.server.owner
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/_admin/requests":
            self._send_json(200, {"requests": [_as_dict(r) for r in owner.requests]})
        elif path.endswith("/models"):
            self._record(None)
            if not self._authorised():
                return
            if not owner.list_models:
                self._send_error(404, "Not Found")
            else:
                self._send_json(200, {"data": [_model_json(m) for m in owner.models]})
        elif path == "/health":
            self._send_json(200, {"status": "ok"})
        else:
            self._send_error(404, f"no route for GET {path}")

    def do_POST(self) -> None:
        owner = self.server.owner
        path = self.path.split("?", 1)[0].rstrip("/")
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if path == "/_admin/reset":
            owner.reset()
            self._send_json(200, {"ok": True})
        elif path == "/_admin/script":
            items = body.get("items", []) if isinstance(body, dict) else []
            owner.script(*(_item_from_json(item) for item in items))
            self._send_json(200, {"queued": len(items)})
        elif path.endswith("/moderations"):
            self._record(body)
            if not self._authorised():
                return
            if not isinstance(body, dict) or not isinstance(body.get("input"), str):
                self._send_error(400, "expected a JSON body with a string `input`")
                return
            self._send_json(200, _moderation_json(body))
        elif path.endswith("/chat/completions"):
            self._record(body)
            if not self._authorised():
                return
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                self._send_error(400, "expected a JSON body with `messages`")
                return
            self._chat(body)
        else:
            self._send_error(404, f"no route for POST {path}")

    # --- chat --------------------------------------------------------------------------------

    def _chat(self, body: dict[str, Any]) -> None:
        owner = self.server.owner
        review = is_review(body)
        week = is_week(body)
        item = None if week else owner._next_item(review=review)
        if isinstance(item, Fault):
            if owner._wait(item.delay):
                headers = dict(item.headers)
                if item.retry_after is not None:
                    headers["Retry-After"] = item.retry_after
                self._send_error(item.status, item.message, headers)
            return
        reply = item or Reply(None, delay=owner.reply_delay)
        if not owner._wait(reply.delay):
            return
        model = self._answering_model(body, reply)
        if model is None:
            self._send_error(404, f"No endpoints found for {body.get('model')}.")
            return
        if item is not None:
            text = reply.text
        elif week:
            text = owner.default_week(body)
        else:
            text = owner.default_review(body) if review else owner.default_reply(body)
        self._send_json(200, _completion_json(body, reply, text, model, owner.models))

    def _answering_model(self, body: dict[str, Any], reply: Reply) -> str | None:
        if reply.model:
            return reply.model
        owner = self.server.owner
        requested = [str(body.get("model", ""))]
        fallbacks = body.get("models")
        if isinstance(fallbacks, list):
            requested += [str(m) for m in fallbacks]
        if not owner.strict_models:
            return requested[0]
        known = {m.id for m in owner.models}
        # like OpenRouter, route to the first available model of the `models` list
        return next((m for m in requested if m in known), None)

    # --- plumbing ----------------------------------------------------------------------------

    def _record(self, body: Any) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.owner._record(RecordedRequest(self.command, self.path, headers, body))

    def _authorised(self) -> bool:
        key = self.server.owner.api_key
        if key is None or self.headers.get("authorization") == f"Bearer {key}":
            return True
        self._send_error(401, "Invalid API key.")
        return False

    def _send_error(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self._send_json(status, {"error": {"message": message, "code": status}}, headers)

    def _send_json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout); nothing to answer


def _moderation_json(body: Mapping[str, Any]) -> dict[str, Any]:
    text = str(body["input"]).casefold()
    hits = {c for term, cats in MODERATION_TERMS.items() if term in text for c in cats}
    every = sorted({c for cats in MODERATION_TERMS.values() for c in cats})
    return {
        "id": f"modr-{uuid.uuid4().hex[:16]}",
        "model": str(body.get("model", "omni-moderation-latest")),
        "results": [
            {
                "flagged": bool(hits),
                "categories": {c: c in hits for c in every},
                "category_scores": {c: 0.99 if c in hits else 0.01 for c in every},
            }
        ],
    }


def _completion_json(
    body: Mapping[str, Any],
    reply: Reply,
    text: str | None,
    model: str,
    models: Sequence[ModelEntry],
) -> dict[str, Any]:
    prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    prompt_tokens = (
        reply.prompt_tokens if reply.prompt_tokens is not None else prompt_chars // 4 + 1
    )
    completion_tokens = (
        reply.completion_tokens if reply.completion_tokens is not None else len(text or "") // 4 + 1
    )
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if reply.report_cost:
        entry = next((m for m in models if m.id == model), ModelEntry(model))
        cost = reply.cost
        if cost is None:
            cost = prompt_tokens * entry.prompt_price + completion_tokens * entry.completion_price
        usage["cost"] = cost
    return {
        "id": f"gen-{uuid.uuid4().hex[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "provider": "local-test",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text or None, "refusal": None},
                "finish_reason": reply.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": usage if reply.report_usage else None,
    }


def _model_json(entry: ModelEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "canonical_slug": entry.id,
        "object": "model",
        "created": 1_750_000_000,
        "owned_by": entry.id.split("/", 1)[0],
        "name": entry.id,
        "context_length": 131_072,
        "pricing": {
            "prompt": f"{entry.prompt_price:.10f}",
            "completion": f"{entry.completion_price:.10f}",
        },
        "expiration_date": entry.expiration_date,
    }


def _item_from_json(item: Mapping[str, Any]) -> ScriptItem:
    if "status" in item:
        return Fault(
            int(item["status"]),
            message=str(item.get("message", "scripted fault")),
            retry_after=None if item.get("retry_after") is None else str(item["retry_after"]),
            delay=float(item.get("delay", 0.0)),
        )
    return Reply(item.get("text"), model=item.get("model"), delay=float(item.get("delay", 0.0)))


def _as_dict(request: RecordedRequest) -> dict[str, Any]:
    return {
        "method": request.method,
        "path": request.path,
        "headers": dict(request.headers),
        "body": request.body,
    }


# --- pytest fixtures (register with `pytest_plugins = ["tests.support.openai_server"]`) -----


@pytest.fixture(scope="session")
def openai_server_session() -> Iterator[OpenAIServer]:
    """One server for the whole session; use `openai_server` for a clean per-test view."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def openai_server(openai_server_session: OpenAIServer) -> OpenAIServer:
    """The session's server with its script, records and settings reset for this test."""
    openai_server_session.reset()
    return openai_server_session


# --- standalone -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; prints `READY <base_url>` once listening."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--model", action="append", help="listed model id (repeatable)")
    parser.add_argument("--reply-delay", type=float, default=0.0, help="seconds per reply")
    parser.add_argument("--no-models", action="store_true", help="GET /models answers 404")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    models = tuple(ModelEntry(m) for m in args.model) if args.model else DEFAULT_MODELS
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with OpenAIServer(
        host=args.host,
        port=args.port,
        models=models,
        list_models=not args.no_models,
        reply_delay=args.reply_delay,
        verbose=args.verbose,
    ) as server:
        print(f"READY {server.base_url}", flush=True)
        while not stop.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
