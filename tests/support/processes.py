"""Real ``sdo serve`` subprocesses for the process tests (Slack and Teams): start, SIGKILL, stop,
and waiting for what they do."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Serve:
    """One ``sdo serve`` subprocess, its output kept in a log file."""

    process: asyncio.subprocess.Process
    log: Path

    @classmethod
    async def start(cls, *, env: dict[str, str], log: Path) -> Serve:
        handle = log.open("ab")
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "serve",
                env={**os.environ, **env, "PORT": str(free_port())},
                cwd=ROOT,
                stdout=handle,
                stderr=handle,
            )
        finally:
            handle.close()
        return cls(process=process, log=log)

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a crash or an OOM kill."""
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM, the way a platform stops a replica."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                await self.kill()


async def until(
    check: Callable[[], bool], *, timeout: float, what: str, logs: Sequence[Path] = ()
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs if p.exists())
            raise AssertionError(f"timed out waiting for {what}\n{tails}")
        await asyncio.sleep(0.02)
