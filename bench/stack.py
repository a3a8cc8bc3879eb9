"""The whole stack as in production, run as separate processes, for the stack benchmarks.

One `StackServers` (embedded PostgreSQL and Valkey in a temporary directory) serves a whole
benchmark run; each benchmark gets a fresh migrated database, its own docket name, the scripted
model (`bench.model`) with its latency, one bridge process and any number of worker processes
(`randomatch-bot bridge|worker`, started through `bench.probe`). CPU time is read per process
with psutil: the workers, the bridge, PostgreSQL (postmaster and backends, without the bench's
own connection) and Valkey.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import psutil
import redis.asyncio as aioredis

from randomatch_bot.infra.embedded import EmbeddedServers
from randomatch_bot.supervisor import migrate_database

READY_TIMEOUT = 60.0  # seconds for a process to say it is up
STOP_TIMEOUT = 30.0  # seconds for a process to drain after SIGTERM

# Settings shared by every benchmark: replies are never held back by policy (one popular
# persona answers hundreds of humans at once), and the catch-up scan stays out of the figures.
BASE_ENV = {
    "ACTIVE_HOURS": "00:00-24:00",
    "ABSENCE_PROBABILITY": "0",
    "MATCH_REPLIES_PER_HOUR": "0",
    "BOT_REPLIES_PER_MINUTE": "0",
    "CATCHUP_INTERVAL": "3600",
    # Tuned for figures, not for a metered Redis or Supabase's 15 pooler clients (the defaults):
    # a 20 ms scheduler poll and 20 connections per worker.
    "DOCKET_POLL_INTERVAL": "0.02",
    "WORKER_POOL_SIZE": "20",
    # The caps are policies, measured elsewhere; here every reply must go through.
    "BOT_DAILY_COST_BUDGET": "0",
    "HUMAN_DAILY_COST_BUDGET": "0",
    "HUMAN_DAILY_REPLIES": "0",
    "LOG_FORMAT": "json",
    "LOG_LEVEL": "INFO",
    "LLM_API_KEY": "bench-key-not-secret",
    "PYTHONUNBUFFERED": "1",
}
_SCRUBBED = ("POSTGRES_CONNECTION_STRING", "REDIS_URL", "OPENROUTER_API_KEY", "BOT_ID")


def _ps_cpu(process: psutil.Process) -> float:
    with contextlib.suppress(psutil.Error):
        times = process.cpu_times()
        return float(times.user + times.system)
    return 0.0


class Proc:
    """A child process whose output goes to a log file (a pipe could fill up and block it)."""

    def __init__(self, name: str, args: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self.log_path = log
        self._log = log.open("w", encoding="utf-8")
        self.popen = subprocess.Popen(  # noqa: S603 - our own modules with fixed arguments
            [sys.executable, "-m", *args],
            env=dict(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.ps = psutil.Process(self.popen.pid)

    def output(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    async def wait_for(self, text: str, limit: float = READY_TIMEOUT) -> str:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            out = self.output()
            if text in out:
                return out
            if self.popen.poll() is not None:
                break
            await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.name} did not print {text!r}; its output:\n{self.output()}")

    def cpu(self) -> float:
        return _ps_cpu(self.ps)

    def rss(self) -> int:
        with contextlib.suppress(psutil.Error):
            return int(self.ps.memory_info().rss)
        return 0

    async def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.popen.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=10)
        self._log.close()


@dataclass
class CpuSnapshot:
    """CPU seconds per process group at one moment."""

    workers: float
    bridge: float
    postgres: dict[int, float]
    redis: float

    def minus(self, before: CpuSnapshot) -> dict[str, float]:
        pg = sum(v - before.postgres.get(pid, 0.0) for pid, v in self.postgres.items())
        return {
            "worker": self.workers - before.workers,
            "bridge": self.bridge - before.bridge,
            "postgres": pg,
            "redis": self.redis - before.redis,
        }


@dataclass
class Stack:
    """One benchmark's processes and the bench's own connections to the backing servers."""

    dsn: str
    redis_url: str
    docket_name: str
    env: dict[str, str]
    workdir: Path
    conn: asyncpg.Connection
    redis: aioredis.Redis
    model: Proc | None = None
    bridge: Proc | None = None
    workers: list[Proc] = field(default_factory=list)
    profile_dir: Path | None = None  # py-spy output of each process, when set
    profilers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _postmaster: psutil.Process | None = None
    _own_backend: int = 0

    def proc_env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        env.update(self.env)
        env.update(extra)
        return env

    async def start_model(self, latency: float) -> None:
        self.model = Proc(
            "model",
            ["bench.model", "--latency", str(latency)],
            self.proc_env(),
            self.workdir / "model.log",
        )
        out = await self.model.wait_for("READY ")
        url = out.split("READY ", 1)[1].split()[0]
        self.env["LLM_BASE_URL"] = url

    def _profiled(self, proc: Proc) -> Proc:
        """Attach py-spy (when a profile directory is set): collapsed CPU stacks per process."""
        if self.profile_dir is not None:
            self.profile_dir.mkdir(parents=True, exist_ok=True)
            out = self.profile_dir / f"{self.workdir.name}-{proc.name}.txt"
            self.profilers.append(
                subprocess.Popen(  # noqa: S603 - a tool of the venv, fixed arguments
                    [
                        str(Path(sys.executable).with_name("py-spy")),
                        "record",
                        "--nonblocking",
                        "--format",
                        "raw",
                        "--rate",
                        "200",
                        "-o",
                        str(out),
                        "-p",
                        str(proc.popen.pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        return proc

    async def start_bridge(self) -> None:
        self.bridge = self._profiled(
            Proc("bridge", ["bench.probe", "bridge"], self.proc_env(), self.workdir / "bridge.log")
        )
        await self.bridge.wait_for('"bridge.listening"')

    async def start_workers(self, count: int, *, lateness: bool = False) -> None:
        for index in range(count):
            extra = {"BENCH_LATENESS_FILE": str(self.lateness_file(index))} if lateness else {}
            proc = Proc(
                f"worker-{index}",
                ["bench.probe", "worker", "--name", f"bench-{index}"],
                self.proc_env(**extra),
                self.workdir / f"worker-{index}.log",
            )
            self.workers.append(self._profiled(proc))
        for proc in self.workers:
            await proc.wait_for('"worker.starting"')
        # docket's loop is up a moment after the start-up line.
        await asyncio.sleep(0.5)

    def lateness_file(self, index: int) -> Path:
        return self.workdir / f"lateness-{index}.txt"

    def lateness(self) -> list[float]:
        values: list[float] = []
        for index in range(len(self.workers)):
            path = self.lateness_file(index)
            if path.exists():
                values += [float(x) for x in path.read_text("utf-8").split()]
        return values

    async def cpu(self) -> CpuSnapshot:
        if self._postmaster is None:
            self._own_backend = int(await self.conn.fetchval("SELECT pg_backend_pid()"))
            self._postmaster = psutil.Process(self._own_backend).parent()
        assert self._postmaster is not None
        postgres = {self._postmaster.pid: _ps_cpu(self._postmaster)}
        for child in self._postmaster.children():
            if child.pid != self._own_backend:
                postgres[child.pid] = _ps_cpu(child)
        info = await self.redis.info("cpu")
        return CpuSnapshot(
            workers=sum(w.cpu() for w in self.workers),
            bridge=self.bridge.cpu() if self.bridge else 0.0,
            postgres=postgres,
            redis=float(info["used_cpu_sys"]) + float(info["used_cpu_user"]),
        )

    async def counters(self) -> tuple[int, int]:
        """(Redis commands processed, PostgreSQL transactions committed in this database)."""
        stats = await self.redis.info("stats")
        commits = await self.conn.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(stats["total_commands_processed"]), int(commits)

    async def command_counts(self) -> dict[str, int]:
        """Redis commands processed so far, by name (those Lua scripts called included)."""
        stats = await self.redis.info("commandstats")
        return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}

    async def close(self) -> None:
        for proc in [*self.workers, self.bridge, self.model]:
            if proc is not None:
                await proc.stop()
        for profiler in self.profilers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                profiler.wait(timeout=30)


class StackServers:
    """Embedded PostgreSQL and Valkey for a whole run, in a temporary directory."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="randomatch-bench-")
        self.root = Path(self._tmp.name)
        self._servers = EmbeddedServers(self.root / "data")
        self.admin_dsn = ""
        self.redis_url = ""

    def __enter__(self) -> StackServers:
        endpoints = self._servers.start()
        self.admin_dsn, self.redis_url = endpoints.postgres_dsn, endpoints.redis_url
        return self

    def __exit__(self, *exc: object) -> None:
        self._servers.stop()
        self._tmp.cleanup()

    async def fresh_database(self, name: str) -> str:
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        dsn = self.admin_dsn.replace("/postgres?", f"/{name}?")
        await migrate_database(dsn)
        return dsn

    profile_dir: Path | None = None

    @contextlib.asynccontextmanager
    async def stack(self, name: str, **env: str) -> AsyncIterator[Stack]:
        """A fresh database and docket; processes are started by the benchmark, stopped here."""
        dsn = await self.fresh_database(name)
        workdir = self.root / name
        workdir.mkdir()
        docket_name = f"bench-{name}-{uuid.uuid4().hex[:6]}"
        values = {
            **BASE_ENV,
            "POSTGRES_CONNECTION_STRING": dsn,
            "REDIS_URL": self.redis_url,
            "DOCKET_NAME": docket_name,
            "DATA_DIR": str(workdir),
            **env,
        }
        conn = await asyncpg.connect(dsn)
        redis = aioredis.from_url(self.redis_url)
        stack = Stack(dsn, self.redis_url, docket_name, values, workdir, conn, redis)
        stack.profile_dir = self.profile_dir
        try:
            yield stack
        finally:
            await stack.close()
            await conn.close()
            await redis.aclose()


# ------------------------------------------------------------------------------ data
@dataclass(frozen=True)
class Couples:
    """One persona matched with many humans: match ids and human ids, in the same order."""

    bot_id: uuid.UUID
    matches: list[uuid.UUID]
    humans: list[uuid.UUID]

    def slice(self, start: int, stop: int) -> Couples:
        return Couples(self.bot_id, self.matches[start:stop], self.humans[start:stop])


async def make_couples(
    conn: asyncpg.Connection, n: int, bot_id: uuid.UUID | None = None
) -> Couples:
    """`n` matches of one persona (created before any process listens: no icebreaker)."""
    if bot_id is None:
        bot_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO public.profiles (id, display_name, is_bot) VALUES ($1, 'Camille', true)",
            bot_id,
        )
    humans = [uuid.uuid4() for _ in range(n)]
    matches = [uuid.uuid4() for _ in range(n)]
    await conn.execute(
        "INSERT INTO public.profiles (id, display_name, is_bot) "
        "SELECT h, 'Alex', false FROM unnest($1::uuid[]) AS h",
        humans,
    )
    await conn.execute(
        "INSERT INTO public.matches (id, user_a, user_b) "
        "SELECT m, h, $3 FROM unnest($1::uuid[], $2::uuid[]) AS t(m, h)",
        matches,
        humans,
        bot_id,
    )
    return Couples(bot_id, matches, humans)


async def say_all(conn: asyncpg.Connection, couples: Couples, text: str) -> None:
    """One human message in each match, in one statement: the same instant for all of them."""
    await conn.execute(
        "INSERT INTO public.messages (match_id, sender_id, content) "
        "SELECT m, h, $3 FROM unnest($1::uuid[], $2::uuid[]) AS t(m, h)",
        couples.matches,
        couples.humans,
        text,
    )


POLLS = [0]  # queries the bench itself made through `answered` (they count as commits too)


async def answered(conn: asyncpg.Connection, matches: list[uuid.UUID]) -> int:
    POLLS[0] += 1
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM bot.reply_plans WHERE status = 'done' AND match_id = ANY($1)",
            matches,
        )
    )


async def wait_answered(
    conn: asyncpg.Connection, matches: list[uuid.UUID], limit: float, poll: float = 0.05
) -> int:
    """Poll until every match has a finished reply or `limit` seconds pass; how many did."""
    deadline = time.monotonic() + limit
    done = 0
    while time.monotonic() < deadline:
        done = await answered(conn, matches)
        if done >= len(matches):
            break
        await asyncio.sleep(poll)
    return done


async def reply_times(conn: asyncpg.Connection, couples: Couples) -> list[tuple[float, float]]:
    """Per answered match: seconds from the human's message to the reply's first and last part."""
    rows = await conn.fetch(
        """
        SELECT min(msg.created_at) FILTER (WHERE msg.sender_id <> $2) AS asked,
               min(msg.created_at) FILTER (WHERE msg.sender_id = $2) AS first_part,
               max(msg.created_at) FILTER (WHERE msg.sender_id = $2) AS last_part
          FROM public.messages msg
         WHERE msg.match_id = ANY($1)
         GROUP BY msg.match_id
        """,
        couples.matches,
        couples.bot_id,
    )
    return [
        (
            (r["first_part"] - r["asked"]).total_seconds(),
            (r["last_part"] - r["asked"]).total_seconds(),
        )
        for r in rows
        if r["last_part"] is not None
    ]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def chunks(items: Sequence[uuid.UUID], size: int) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
