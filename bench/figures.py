"""The stack's figures beside their floors: `make bench` or `python -m bench.figures`.

Every figure runs the stack as in production: bridge and worker(s) as separate processes on
embedded PostgreSQL and Valkey, the scripted OpenAI-protocol model (`bench.model`) answering in
a chosen latency. Each figure is printed beside its floor (what no implementation can beat
here) and the target.

- burst: N conversations (200) get one message each at the same instant, model latency L
  (0.5 s), every human-like delay at zero: time until all are answered, p50/p99 per
  conversation, and the ratio to L;
- throughput: replies per second with every delay at zero and an instant model, and CPU
  milliseconds per reply for each process (workers, bridge, PostgreSQL, Valkey);
- step precision: lateness of scheduled steps (due -> started) with 1,000 conversations in
  flight at human pace;
- capacity: 10,000 conversations waiting in scheduled steps: worker RSS and Redis bytes each;
- detection: INSERT -> step on the Redis stream, p50/p99 over 1,000 sequential inserts, beside
  INSERT -> NOTIFY received by a plain listener (the floor).

`--smoke` runs each with small numbers in well under a minute (CI: that it runs, not how fast).
`--workers 1,2,4` repeats burst and throughput for each number of worker processes.
Figures depend on the machine and on what else runs on it: compare runs on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from docket import Docket

from bench.stack import (
    POLLS,
    Couples,
    StackServers,
    chunks,
    make_couples,
    percentile,
    reply_times,
    say_all,
    wait_answered,
)
from randomatch_bot.config import Settings
from randomatch_bot.logs import configure_logging

ZERO_DELAYS = {"TIME_SCALE": "0"}
STATS_FLUSH = 1.2  # seconds: PostgreSQL publishes a backend's counters about once a second
HUMAN_TEXT = "Salut ! Une rando ce week-end ?"


@dataclass(frozen=True)
class Sizes:
    burst: int
    latency: float
    throughput: int
    precision: int
    precision_spread: float  # seconds over which the in-flight conversations start
    precision_scale: float  # TIME_SCALE while they are in flight
    capacity: int
    detection: int
    timeout: float  # seconds any one wave may take before the figure is reported as is


FULL = Sizes(200, 0.5, 1000, 1000, 10.0, 1.0, 10_000, 1000, 300.0)
SMOKE = Sizes(20, 0.2, 40, 30, 1.0, 0.05, 200, 20, 60.0)


def line(label: str, figure: str, floor: str, target: str = "") -> None:
    target_text = f"   target {target}" if target else ""
    print(f"  {label:<34} {figure:<28} floor {floor:<22}{target_text}", flush=True)


# ------------------------------------------------------------------------------ waves
@dataclass(frozen=True)
class Wave:
    """One message in each of n conversations at once, and what it took to answer them all."""

    n: int
    done: int
    wall: float  # seconds from the insert to the last reply's last part
    first: list[float]  # per conversation: message -> first part
    last: list[float]  # per conversation: message -> last part
    cpu: dict[str, float]  # CPU seconds per process group during the wave
    redis_commands: int  # during the wave, every process's
    pg_commits: int  # transactions (single statements included) during the wave
    by_command: dict[str, int]  # Redis commands during the wave, by name (Lua's included)


async def wave(
    servers: StackServers, name: str, n: int, latency: float, workers: int, limit: float
) -> Wave:
    async with servers.stack(name, **ZERO_DELAYS) as stack:
        warm, couples = await _two_groups(stack.conn, min(20, n), n)
        await stack.start_model(latency)
        await stack.start_bridge()
        await stack.start_workers(workers)
        # A running service: pools, HTTP connections and caches warm before the measured wave.
        await say_all(stack.conn, warm, HUMAN_TEXT)
        await wait_answered(stack.conn, warm.matches, limit)
        await asyncio.sleep(STATS_FLUSH)
        counted = await stack.counters()
        by_command = await stack.command_counts()
        polls = POLLS[0]
        before = await stack.cpu()
        await say_all(stack.conn, couples, HUMAN_TEXT)
        done = await wait_answered(stack.conn, couples.matches, limit, poll=0.02)
        after = await stack.cpu()
        await asyncio.sleep(STATS_FLUSH)
        commands, commits = (b - a for a, b in zip(counted, await stack.counters(), strict=True))
        commits -= POLLS[0] - polls + 1  # the bench's own polls and its counter query
        by_command = {
            name: calls - by_command.get(name, 0)
            for name, calls in (await stack.command_counts()).items()
            if calls > by_command.get(name, 0)
        }
        times = await reply_times(stack.conn, couples)
    return Wave(
        n,
        done,
        max((t[1] for t in times), default=float("nan")),
        [t[0] for t in times],
        [t[1] for t in times],
        after.minus(before),
        commands,
        commits,
        by_command,
    )


async def _two_groups(conn: asyncpg.Connection, warm: int, n: int) -> tuple[Couples, Couples]:
    everyone = await make_couples(conn, warm + n)
    return everyone.slice(0, warm), everyone.slice(warm, warm + n)


async def burst(servers: StackServers, sizes: Sizes, workers: int) -> Wave:
    result = await wave(
        servers, f"burst_{workers}", sizes.burst, sizes.latency, workers, sizes.timeout
    )
    floor = sizes.latency
    print(
        f"burst: {sizes.burst} conversations, one message each at once, model {floor:g} s, "
        f"delays 0, {workers} worker(s) — {result.done}/{result.n} answered",
        flush=True,
    )
    if result.last:
        line(
            "all answered after",
            f"{result.wall:.2f} s ({result.wall / floor:.1f}x)",
            f"{floor:g} s (model)",
            f"<= {4 * floor:g} s (4x)",
        )
        line(
            "per conversation, last part",
            f"p50 {statistics.median(result.last):.2f} s  p99 {percentile(result.last, 99):.2f} s",
            f"{floor:g} s",
        )
        line(
            "per conversation, first part",
            f"p50 {statistics.median(result.first):.2f} s  "
            f"p99 {percentile(result.first, 99):.2f} s",
            f"{floor:g} s",
        )
        busy = result.cpu["worker"] / workers / result.wall
        line(
            "worker CPU during the burst",
            f"{100 * busy:.0f}% of a core each",
            "100% (CPU-bound)",
        )
        line(
            "CPU per reply, worker / all",
            f"{1000 * result.cpu['worker'] / max(1, result.done):.1f} ms / "
            f"{1000 * sum(result.cpu.values()) / max(1, result.done):.1f} ms",
            "-",
        )
    return result


async def throughput(
    servers: StackServers, sizes: Sizes, workers: int, *, commands_breakdown: bool = False
) -> Wave:
    result = await wave(servers, f"rps_{workers}", sizes.throughput, 0.0, workers, sizes.timeout)
    rate = result.done / result.wall if result.wall > 0 else float("nan")
    print(
        f"throughput: {sizes.throughput} conversations, delays 0, instant model, "
        f"{workers} worker(s) — {result.done}/{result.n} answered",
        flush=True,
    )
    total_ms = 1000 * sum(result.cpu.values()) / max(1, result.done)
    cores = _cores()
    line(
        "replies per second",
        f"{rate:.0f}/s",
        f"{1000 * cores / total_ms:.0f}/s (CPU, {cores} cores)",
        ">= 300/s",
    )
    for process, seconds in result.cpu.items():
        line(f"CPU per reply, {process}", f"{1000 * seconds / max(1, result.done):.2f} ms", "-")
    line("CPU per reply, all", f"{total_ms:.2f} ms", "-")
    per = max(1, result.done)
    line("Redis commands per reply", f"{result.redis_commands / per:.1f}", "-")
    line("PostgreSQL commits per reply", f"{result.pg_commits / per:.1f}", "-")
    if commands_breakdown:
        ranked = sorted(result.by_command.items(), key=lambda item: -item[1])
        print("  Redis commands per reply, by command (Lua's included):", flush=True)
        for name, calls in ranked[:20]:
            print(f"    {name:<28} {calls / per:6.2f}", flush=True)
    return result


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# ------------------------------------------------------------------------------ precision
async def precision(servers: StackServers, sizes: Sizes) -> list[float]:
    scale = {"TIME_SCALE": str(sizes.precision_scale)}
    async with servers.stack("precision", **scale) as stack:
        couples = await make_couples(stack.conn, sizes.precision)
        await stack.start_model(sizes.latency)
        await stack.start_bridge()
        await stack.start_workers(1, lateness=True)
        # Conversations start evenly over the spread, then all are in flight together.
        step = sizes.precision_spread / max(1, len(couples.matches) // 10)
        for index, group in enumerate(chunks(couples.matches, 10)):
            part = couples.slice(index * 10, index * 10 + len(group))
            await say_all(stack.conn, part, HUMAN_TEXT)
            await asyncio.sleep(step)
        done = await wait_answered(stack.conn, couples.matches, sizes.timeout, poll=0.5)
        await stack.workers[0].stop()
        late = [1000 * v for v in stack.lateness()]
    print(
        f"step precision: {sizes.precision} conversations in flight (TIME_SCALE "
        f"{sizes.precision_scale:g}), 1 worker — {done} answered, {len(late)} steps",
        flush=True,
    )
    if late:
        line(
            "lateness, due -> started",
            f"p50 {statistics.median(late):.1f} ms  p99 {percentile(late, 99):.1f} ms",
            f"{_scheduler_poll_ms():g} ms scheduler poll",
            "p99 <= 50 ms",
        )
    return late


def _scheduler_poll_ms() -> float:
    from bench.stack import BASE_ENV

    return float(BASE_ENV["DOCKET_POLL_INTERVAL"]) * 1000


# ------------------------------------------------------------------------------ capacity
async def capacity(servers: StackServers, sizes: Sizes) -> dict[str, float]:
    # A one-hour grouping window: every conversation waits in one scheduled step.
    waiting_env = {"TIME_SCALE": "1", "GROUPING_WINDOW": "3600", "GROUPING_CAP": "3600"}
    async with servers.stack("capacity", **waiting_env) as stack:
        couples = await make_couples(stack.conn, sizes.capacity)
        await stack.start_bridge()
        await stack.start_workers(1)
        worker = stack.workers[0]
        rss_before = worker.rss()
        redis_before = int((await stack.redis.info("memory"))["used_memory"])
        for start in range(0, sizes.capacity, 1000):
            await say_all(stack.conn, couples.slice(start, start + 1000), "Coucou !")
        waiting = 0
        deadline = time.monotonic() + sizes.timeout
        while waiting < sizes.capacity and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            waiting = int(
                await stack.conn.fetchval(
                    "SELECT count(*) FROM bot.conversations WHERE status = 'waiting'"
                )
            )
        await asyncio.sleep(1.0)  # the last steps' scheduling settles
        rss_after = worker.rss()
        redis_after = int((await stack.redis.info("memory"))["used_memory"])
        scheduled = int(await stack.redis.zcard(Docket(name=stack.docket_name).queue_key))
    count = max(1, waiting)
    figures = {
        "waiting": float(waiting),
        "scheduled": float(scheduled),
        "worker_rss": float(rss_after),
        "worker_delta": float(rss_after - rss_before),
        "redis_delta": float(redis_after - redis_before),
    }
    print(
        f"capacity: {sizes.capacity} conversations waiting out a 1 h grouping window, 1 worker — "
        f"{waiting} waiting, {scheduled} steps scheduled on Redis",
        flush=True,
    )
    per = (max(0.0, figures["worker_delta"]) + figures["redis_delta"]) / count
    line(
        "worker RSS per conversation",
        f"{max(0.0, figures['worker_delta']) / count / 1024:.2f} KB "
        f"(whole RSS {rss_after / 2**20:.0f} MB)",
        "0 (a wait is not held)",
    )
    line("Redis bytes per conversation", f"{figures['redis_delta'] / count:.0f} B", "1 task")
    line("worker + Redis per conversation", f"{per / 1024:.2f} KB", "-", "<= 20 KB")
    return figures


# ------------------------------------------------------------------------------ detection
async def detection(servers: StackServers, sizes: Sizes) -> tuple[list[float], list[float]]:
    async with servers.stack("detection") as stack:
        couples = await make_couples(stack.conn, 1)
        await stack.start_bridge()  # no worker: each step stays on the stream to be seen
        listener = await asyncpg.connect(stack.dsn)
        notified: dict[str, float] = {}
        arrived = asyncio.Event()

        def on_notify(_c: object, _p: int, _ch: str, payload: object) -> None:
            notified[str(payload)] = time.perf_counter()
            arrived.set()

        await listener.add_listener("bot_events", on_notify)
        stream = Docket(name=stack.docket_name).stream_key
        to_notify, to_stream = [], []
        match, human = couples.matches[0], couples.humans[0]
        await asyncio.sleep(0.5)  # the match's own notification passes first
        notified.clear()
        # Read from an explicit id, not "$": an entry added before the XREAD reaches Redis is
        # then returned at once instead of being missed.
        latest = await stack.redis.xrevrange(stream, count=1)
        last_id: bytes | str = latest[0][0] if latest else "0-0"
        for index in range(sizes.detection):
            read = asyncio.create_task(stack.redis.xread({stream: last_id}, count=1, block=5000))
            await asyncio.sleep(0)  # the XREAD is usually on its way before the INSERT starts
            arrived.clear()
            start = time.perf_counter()
            await stack.conn.execute(
                "INSERT INTO public.messages (match_id, sender_id, content) VALUES ($1, $2, $3)",
                match,
                human,
                f"m{index}",
            )
            entries = await read
            seen = time.perf_counter()
            if not entries:
                raise RuntimeError("the bridge scheduled nothing within 5 s")
            last_id = entries[0][1][-1][0]
            await asyncio.wait_for(arrived.wait(), 5)
            to_notify.append(1000 * (min(notified.values()) - start))
            to_stream.append(1000 * (seen - start))
            notified.clear()
        await listener.close()
    print(
        f"detection: {sizes.detection} sequential inserts, bridge process -> Redis stream",
        flush=True,
    )
    line(
        "INSERT -> step scheduled",
        f"p50 {statistics.median(to_stream):.2f} ms  p99 {percentile(to_stream, 99):.2f} ms",
        f"p50 {statistics.median(to_notify):.2f} ms NOTIFY",
        "p99 <= 5 ms",
    )
    line(
        "INSERT -> NOTIFY received (floor)",
        f"p50 {statistics.median(to_notify):.2f} ms  p99 {percentile(to_notify, 99):.2f} ms",
        "-",
    )
    return to_notify, to_stream


# ------------------------------------------------------------------------------ main
FIGURES = ("burst", "throughput", "precision", "capacity", "detection")


async def main(args: argparse.Namespace) -> None:
    sizes = SMOKE if args.smoke else FULL
    if args.burst:
        sizes = Sizes(**{**sizes.__dict__, "burst": args.burst})
    if args.in_flight:
        sizes = Sizes(**{**sizes.__dict__, "precision": args.in_flight})
    if args.latency is not None:
        sizes = Sizes(**{**sizes.__dict__, "latency": args.latency})
    only = set(args.only.split(",")) if args.only else set(FIGURES)
    unknown = only - set(FIGURES)
    if unknown:
        raise SystemExit(f"unknown figure(s): {', '.join(sorted(unknown))}")
    worker_counts = [int(x) for x in args.workers.split(",")]
    configure_logging(Settings(_env_file=None, LOG_LEVEL="WARNING"))  # type: ignore[call-arg]
    print("figures on this machine; medians and ratios compare, absolute values vary with load")
    with StackServers() as servers:
        servers.profile_dir = args.profile
        runs: list[tuple[str, Callable[[], object]]] = []
        for workers in worker_counts:
            if "burst" in only:
                runs.append(("burst", lambda w=workers: burst(servers, sizes, w)))
            if "throughput" in only:
                runs.append(
                    (
                        "throughput",
                        lambda w=workers: throughput(
                            servers, sizes, w, commands_breakdown=args.commands
                        ),
                    )
                )
        if "precision" in only:
            runs.append(("precision", lambda: precision(servers, sizes)))
        if "capacity" in only:
            runs.append(("capacity", lambda: capacity(servers, sizes)))
        if "detection" in only:
            runs.append(("detection", lambda: detection(servers, sizes)))
        for _name, run in runs:
            started = time.monotonic()
            await run()  # type: ignore[misc]
            print(f"  ({time.monotonic() - started:.0f} s)", flush=True)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="small numbers: that it runs")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(FIGURES)}")
    parser.add_argument("--workers", default="1", help="worker processes, e.g. 1,2,4")
    parser.add_argument("--burst", type=int, help="conversations in the burst (default 200)")
    parser.add_argument(
        "--profile",
        type=lambda text: Path(text).absolute(),
        help="directory for py-spy's collapsed CPU stacks of each process (keep out of the repo)",
    )
    parser.add_argument(
        "--commands", action="store_true", help="throughput: Redis commands per reply by name"
    )
    parser.add_argument("--in-flight", type=int, help="conversations of step precision (1000)")
    parser.add_argument("--latency", type=float, help="model latency in seconds (default 0.5)")
    return parser.parse_args(argv)


def cli() -> None:
    asyncio.run(main(parse()))


if __name__ == "__main__":
    cli()
