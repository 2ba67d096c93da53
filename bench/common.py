"""Helpers shared by the benchmarks: percentiles, free ports, server subprocesses, seeding."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]


def percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """A server subprocess (``sdo serve`` or the baseline app) on a free port."""

    def __init__(self, args: Sequence[str], *, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # A file, not a pipe: nobody reads the log while the server runs, and a full pipe
        # would block the server on its next warning.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [sys.executable, *args],
            env={**os.environ, **env, "PORT": str(self.port)},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def log_tail(self, chars: int = 2000) -> str:
        """The end of what the server wrote to stderr."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]

    async def ready(self, path: str, *, timeout: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(self.log_tail() or "server exited")
                try:
                    async with http.get(self.url + path) as r:
                        if r.status < 500:
                            return
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"{self.url}{path} never answered")
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


async def seed_team_history(
    db_url: str, *, workspace_id: str, channel_id: str, members: int, rounds: int
) -> list[str]:
    """A team with ``members`` members and ``rounds`` closed weekly rounds, all answered.

    Returns:
        The member user ids (the first one is the team's manager).
    """
    from sqlalchemy import update

    from bot.clock import FrozenClock
    from bot.domain.circles import ANSWER_VALUES, CIRCLES
    from bot.domain.views import PersonInfo
    from bot.services import Services
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.tables import metadata

    rng = random.Random(3)
    db = Database(db_url)
    await upgrade(db)
    start = datetime(2025, 1, 2, 14, 0, tzinfo=UTC)
    clock = FrozenClock(start)
    services = Services(db=db, clock=clock)
    people = [PersonInfo(f"UBENCH{i:04d}", f"member-{i}", "Europe/Berlin") for i in range(members)]
    team, _, _ = await services.teams.setup(
        workspace_id=workspace_id,
        channel_id=channel_id,
        channel_name="bench",
        caller=people[0],
        people=people,
    )
    for week in range(rounds):
        clock.set(start + timedelta(weeks=week))
        rnd, _ = await services.rounds.open(team=team, period=f"bench-{week}")
        for person in people:
            for circle in CIRCLES:
                await services.answers.record(
                    workspace_id=workspace_id,
                    round_id=rnd.id,
                    user_id=person.user_id,
                    circle=circle,
                    value=rng.choice(ANSWER_VALUES),
                )
    clock.set(start + timedelta(weeks=rounds, days=-3))
    status = await services.status.team(team=team)
    if status.current is not None:
        async with db.write() as s:  # seeding: close the last round as its schedule would
            table = metadata.tables["round"]
            await s.execute(
                update(table)
                .where(table.c.id == status.current.round.id)
                .values(closed_at=clock.now())
            )
    await db.dispose()
    return [p.user_id for p in people]
