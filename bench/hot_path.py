"""CPU of the worker's pure-Python work per reply, piece by piece: `python -m bench.hot_path`.

Each piece is run many times on this process's CPU clock (`time.process_time`, which the other
processes of a busy machine disturb much less than the wall clock):

- one event log line, as the worker writes one (structlog, redaction, the console renderer);
- the leak checks of one reply (the persona prompt's fragments and instruction pairs, a reply
  checked against them);
- the default persona, built on every step;
- the `openai` SDK's transform of a request body, which `chat.completions.create` runs on every
  call and the client no longer does (3 and 31 messages).

Put another version's `src` first on PYTHONPATH to compare (the last figure is the SDK's).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
import uuid
from collections.abc import Callable

import structlog
from openai._utils._transform import async_maybe_transform
from openai.types.chat import completion_create_params

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona.card import DEFAULT_SYSTEM_PROMPT, Persona
from randomatch_bot.conversation.words import disclosure, guard, prompt, reply_text
from randomatch_bot.logs import configure_logging

REPLY = "Oh le Vercors j'adore ! Tu pars d'où ? Moi je pensais faire les crêtes depuis Villard."
MESSAGE = "Salut ! Tu marches où ce week-end ? Moi je pensais au Vercors."


def per_call(label: str, work: Callable[[], object], n: int) -> None:
    work()  # warm: imports, caches
    started = time.process_time()
    for _ in range(n):
        work()
    print(f"  {label:<48} {1e6 * (time.process_time() - started) / n:8.1f} us CPU", flush=True)


def main(n: int) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        POSTGRES_CONNECTION_STRING="postgresql://app:not-a-real-password@localhost/db",
    )
    configure_logging(settings, stream=io.StringIO())
    log = structlog.get_logger("randomatch_bot.conversation.plan.steps")
    plan_id, bot_id = str(uuid.uuid4()), uuid.uuid4()

    def log_line() -> None:
        with structlog.contextvars.bound_contextvars(match_id=plan_id):
            log.info("plan.part_sent", plan_id=plan_id, part=0, of=2)

    system_prompt = DEFAULT_SYSTEM_PROMPT.format(name="Camille")
    system = system_prompt + "\nCe que tu sais de la personne : elle aime le Vercors."
    sayable = [*disclosure.ADMISSIONS.values(), prompt.DISCLOSURE_LINE]

    def leak_checks() -> None:
        forbidden = reply_text.fragments_of(system_prompt)
        pairs = guard.instruction_pairs(system, sayable=sayable)
        reply_text.leaks_instructions(REPLY, forbidden)
        guard.paraphrases(REPLY, pairs)
        reply_text.clean_reply(REPLY, persona_name="Camille", forbidden=forbidden)

    print(f"CPU per call, {n} calls each:")
    per_call("one event log line", log_line, n)
    per_call("leak checks of one reply", leak_checks, n)
    per_call("default persona (every step)", lambda: Persona.default(settings, bot_id), n)
    for count in (3, 31):
        messages = [{"role": "system", "content": system}] + [
            {"role": "user" if i % 2 else "assistant", "content": MESSAGE} for i in range(count - 1)
        ]
        body = {"model": "m", "messages": messages, "temperature": 0.8, "max_tokens": 300}
        calls = max(n // 10, 10)
        seconds = asyncio.run(_transform_cpu(body, calls))
        label = f"SDK body transform, {count} messages (avoided)"
        print(f"  {label:<48} {1e6 * seconds / calls:8.1f} us CPU", flush=True)


async def _transform_cpu(body: dict[str, object], calls: int) -> float:
    transform = completion_create_params.CompletionCreateParamsNonStreaming
    await async_maybe_transform(body, transform)
    started = time.process_time()
    for _ in range(calls):
        await async_maybe_transform(body, transform)
    return time.process_time() - started


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=2000, help="calls per piece")
    main(parser.parse_args().calls)
