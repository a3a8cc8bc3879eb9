"""A scripted OpenAI-protocol model with a chosen latency, for the stack benchmarks.

    python -m bench.model --latency 0.5 [--port 0]

prints `READY http://127.0.0.1:PORT/v1` and serves until SIGTERM/SIGINT. Every chat completion
is answered `--latency` seconds after its request arrived, whatever the number of requests in
flight (one asyncio loop, no thread per connection), so the model is never the bottleneck and
its latency is the floor a burst is measured against. The reply is a short French chat message
in two sentences, so the worker splits it into parts as it would a real model's.

The test suite's `tests/support/openai_server.py` scripts faults and records requests; this one
does neither and stays cheap on CPU, which matters when it shares two cores with the stack.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import time
import zlib

MODEL = "x-ai/grok-4.20"
_REPLIES = (
    "Ah trop bien ! Tu randonnes souvent dans le coin ?",
    "Carrément, j'adore ça. Tu pars où ce week-end ?",
    "Haha oui ! Et c'est quoi ta rando préférée ?",
)


def _completion(body: dict[str, object]) -> bytes:
    messages = body.get("messages")
    seed = json.dumps(messages[-1] if isinstance(messages, list) and messages else "")
    if isinstance(body.get("response_format"), dict):
        text = json.dumps({"summary": "Résumé.", "facts": {}})
    else:
        text = _REPLIES[zlib.crc32(seed.encode()) % len(_REPLIES)]
    return json.dumps(
        {
            "id": "gen-bench",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model") or MODEL),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 200, "completion_tokens": 20, "total_tokens": 220},
        }
    ).encode()


_MODELS = json.dumps(
    {"data": [{"id": MODEL, "pricing": {"prompt": "0.000002", "completion": "0.00001"}}]}
).encode()


async def _respond(writer: asyncio.StreamWriter, status: int, payload: bytes) -> None:
    head = (
        f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: keep-alive\r\n\r\n"
    )
    writer.write(head.encode() + payload)
    await writer.drain()


async def _serve_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float
) -> None:
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            arrived = time.monotonic()
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            raw = await reader.readexactly(length) if length else b""
            if method == "GET" and path.rstrip("/").endswith("/models"):
                await _respond(writer, 200, _MODELS)
                continue
            body = json.loads(raw) if raw else {}
            await asyncio.sleep(max(0.0, latency - (time.monotonic() - arrived)))
            await _respond(writer, 200, _completion(body))
    writer.close()


async def serve(latency: float, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(r, w, latency), "127.0.0.1", port, backlog=2048
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"READY http://127.0.0.1:{bound}/v1", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def cli() -> None:
    parser = argparse.ArgumentParser(description="Scripted OpenAI-protocol model (benchmarks).")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per completion")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(serve(args.latency, args.port))


if __name__ == "__main__":
    cli()
