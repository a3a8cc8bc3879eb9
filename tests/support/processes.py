"""Running the `randomatch-bot` command as a real process in tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

# Variables a developer may have set that would change what the service connects to.
_SCRUBBED = (
    "POSTGRES_CONNECTION_STRING",
    "REDIS_URL",
    "LLM_API_KEY",
    "OPENROUTER_API_KEY",
    "BOT_ID",
    "RANDOMATCH_DATA_DIR",
    "MONITORING_TOKEN",
)


def service_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update({"LOG_FORMAT": "console", "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
    env.update(extra)
    return env


def cli(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run one command to completion."""
    return subprocess.run(  # noqa: S603 - our own console script with fixed arguments
        [sys.executable, "-m", "randomatch_bot.cli", *args],
        env=service_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Service:
    """A long-running command (run, bridge, worker) whose output is collected as it comes."""

    def __init__(self, *args: str, env: Mapping[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own console script
            [sys.executable, "-m", "randomatch_bot.cli", *args],
            env=service_env(env),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not seen; output was:\n{self.output}")

    def signal(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def kill(self) -> None:
        """Stop at once (SIGKILL if still running) and release the pipe."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            self.proc.stdout.close()

    def stop(self, timeout: float = 30) -> int:
        self.signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self.kill()
        return code
