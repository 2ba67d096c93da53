"""Many workspaces due at once: 1,000 workspaces × 20 members, Slack's real limits per token.

Prints one JSON line per run, then a summary line. Every workspace is a fake Slack of its own
in one ``FakeSlackFleet`` (in this process): Slack's published tiers per token
(``bot.sandbox.fakeslack.tiers.SLACK_TIERS``) and 100 ms ± 30 ms of latency on every answer.
The app runs as ``sdo serve`` subprocesses in multi-workspace (OAuth) mode, every workspace
installed in its database, each with one team whose scheduled pulse is due when the
processes start: exactly as deployed, environment variables only.

A run measures the seconds from starting the processes until the last pulse DM is accepted
(startup, opening the rounds and the fan-out), the DMs delivered, duplicates, 429s, the
calls per method, and each process's peak RSS. The floor is the same run with one workspace
alone: what the slowest single workspace needs (all are alike). Runs:

* ``floor``: one workspace, one process;
* ``replicas=N`` for each ``--replicas`` value: all workspaces, N processes on one database
  (PostgreSQL for more than one: ``--db-url``).

    python bench/workspaces.py                                    # SQLite, one process
    python bench/workspaces.py --db-url postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
        --replicas 1 2 3
    python bench/workspaces.py --workspaces 100 --unlimited      # CPU figures, no limits
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Server, rss_mb
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.views import PersonInfo
from bot.sandbox.fakeslack.fleet import FakeSlackFleet
from bot.sandbox.fakeslack.tiers import SLACK_TIERS
from bot.sandbox.installs import install_workspaces
from bot.services import Services
from storage import due as due_sql
from storage.db import Database
from storage.migrate import upgrade

GOAL_RATIO = 1.5
GOAL_SPEEDUP_2 = 1.7
GOAL_RSS_MB = 200
SIGNING_SECRET = "bench-signing-secret"
CLIENT = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "bench-client-secret"}
SCOPES = ("commands", "chat:write", "im:write", "users:read", "channels:read")


async def _new_database(db_url: str | None, directory: Path) -> tuple[str, Any]:
    """A fresh, migrated database: a SQLite file, or a new PostgreSQL database on the server."""
    if db_url is None:
        url = f"sqlite+aiosqlite:///{directory / f'bench-{secrets.token_hex(4)}.db'}"
        drop = None
    else:
        admin = create_async_engine(db_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        name = f"sdo_bench_{secrets.token_hex(4)}"
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        url = make_url(db_url).set(database=name).render_as_string(hide_password=False)

        async def drop() -> None:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()

    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    return url, drop


async def _seed(url: str, fleet: FakeSlackFleet, settings: Settings, members: int) -> None:
    """Each workspace installed, with one team of ``members`` whose pulse is due now."""
    await install_workspaces(settings, fleet.workspaces.values())
    db = Database(url)
    clock = SystemClock()
    services = Services(db=db, clock=clock)
    due_at = clock.now() - timedelta(minutes=1)
    try:
        for fake in fleet.workspaces.values():
            people = [
                PersonInfo(user_id=u, name=u.lower(), tz="Europe/Berlin")
                for u in fake.channel_members["CTEAM"]
                if not fake.users[u]["is_bot"]
            ]
            team, _, _ = await services.teams.setup(
                workspace_id=fake.workspace_id,
                channel_id="CTEAM",
                channel_name="team",
                caller=people[0],
                people=people,
            )
            async with db.write() as s:
                await due_sql.set_next_pulse(
                    s, workspace_id=fake.workspace_id, team_id=team.id, pulse_at=due_at
                )
    finally:
        await db.dispose()


async def run(
    *,
    workspaces: int,
    members: int,
    replicas: int,
    db_url: str | None,
    latency: float,
    jitter: float,
    unlimited: bool,
    tick: float,
    timeout: float,
    profile: str = "",
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = await _new_database(db_url, Path(tmp))
        try:
            async with FakeSlackFleet() as fleet:
                for n in range(workspaces):
                    fake = fleet.add_workspace(
                        workspace_id=f"TW{n:07d}",
                        bot_token=f"xoxb-bench-{n:07d}",
                        tiers=None if unlimited else SLACK_TIERS,
                        latency=(latency, jitter) if latency > 0 else None,
                    )
                    fake.add_generated_team(users=members)
                key = Fernet.generate_key().decode()
                settings = Settings(
                    database_url=url,
                    slack_client_id=CLIENT["SLACK_CLIENT_ID"],
                    slack_client_secret=CLIENT["SLACK_CLIENT_SECRET"],
                    slack_scopes=SCOPES,
                    encryption_key=key,
                )
                await _seed(url, fleet, settings, members)
                env = {
                    **CLIENT,
                    "SLACK_SCOPES": ",".join(SCOPES),
                    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "SDO_ENCRYPTION_KEY": key,
                    "SDO_DATABASE_URL": url,
                    "SDO_SLACK_API_URL": fleet.base_url,
                    "SDO_TICK_SECONDS": str(tick),
                    "SDO_LOG_LEVEL": "WARNING",
                }
                measured = await _measure(
                    fleet,
                    env,
                    replicas=replicas,
                    timeout=timeout,
                    profile=profile if workspaces > 1 else "",  # not the floor's run
                )
                return measured | {
                    "workspaces": workspaces,
                    "members": members,
                    "replicas": replicas,
                    "db": "sqlite" if db_url is None else "postgresql",
                    "tiers": "unlimited" if unlimited else "slack",
                    "latency_ms": round(latency * 1000),
                }
        finally:
            if drop is not None:
                await drop()


def _cpu_of(stat: str) -> float:
    """User + system CPU seconds in a ``/proc/<pid>/stat`` line."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """CPU seconds a process has used so far."""
    return _cpu_of(Path(f"/proc/{pid}/stat").read_text())


def _postgres_cpu_seconds() -> float:
    """CPU seconds of every PostgreSQL process on this machine (the server is shared)."""
    total = 0.0
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = path.read_text()
        except OSError:  # the process has gone
            continue
        if "(postgres)" in stat:
            total += _cpu_of(stat)
    return total


async def _measure(
    fleet: FakeSlackFleet,
    env: dict[str, str],
    *,
    replicas: int,
    timeout: float,
    profile: str,
) -> dict[str, Any]:
    expected = sum(len(f.channel_members["CTEAM"]) - 1 for f in fleet.workspaces.values())
    fake_cpu, postgres_cpu = time.process_time(), _postgres_cpu_seconds()
    started = time.monotonic()
    command = (
        ["-m", "cProfile", "-o", profile, "-m", "bot", "serve"]
        if profile
        else ["-m", "bot", "serve"]
    )
    servers = [Server(command, env=env) for _ in range(replicas)]
    try:
        await asyncio.gather(*(s.ready("/healthz", timeout=120) for s in servers))
        ready = time.monotonic() - started

        def delivered() -> list[float]:
            return [
                c.at
                for f in fleet.workspaces.values()
                for c in f.calls_to("chat.postMessage", ok=True)
            ]

        while len(delivered()) < expected:
            if time.monotonic() - started > timeout:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # room for a duplicate to show
        rss = [round(rss_mb(s.process.pid), 1) for s in servers]
        # Where the machine's two cores went during the run (the fake runs in this process).
        cpu = {
            "app": [round(_cpu_seconds(s.process.pid), 1) for s in servers],
            "fake": round(time.process_time() - fake_cpu, 1),
            "postgres": round(_postgres_cpu_seconds() - postgres_cpu, 1),
            "wall": round(time.monotonic() - started, 1),
        }
        logs = [s.log_tail(600) for s in servers]
    finally:
        for server in servers:
            server.stop()
    times = delivered()
    per_member = Counter(
        (f.workspace_id, c.args["channel"])
        for f in fleet.workspaces.values()
        for c in f.calls_to("chat.postMessage", ok=True)
    )
    return {
        "seconds": round(max(times) - started, 2) if times else None,
        "ready_seconds": round(ready, 2),
        "delivered": len(per_member),
        "expected": expected,
        "duplicates": sum(n - 1 for n in per_member.values()),
        "calls": dict(sorted(fleet.calls_per_method().items())),
        "rate_limited": dict(sorted(fleet.rate_limited_per_method().items())),
        "peak_rss_mb": rss,
        "cpu_seconds": cpu,
        **({"log_tail": logs} if len(per_member) < expected else {}),
    }


async def main(args: argparse.Namespace) -> None:
    common = {
        "members": args.members,
        "db_url": args.db_url,
        "latency": args.latency,
        "jitter": args.jitter,
        "unlimited": args.unlimited,
        "tick": args.tick,
        "timeout": args.timeout,
        "profile": args.profile,
    }
    floor = await run(workspaces=1, replicas=1, **common)
    print(json.dumps({"bench": "workspaces", "run": "floor", **floor}), flush=True)
    results: dict[int, dict[str, Any]] = {}
    for replicas in args.replicas:
        result = await run(workspaces=args.workspaces, replicas=replicas, **common)
        result["ratio_to_floor"] = (
            round(result["seconds"] / floor["seconds"], 2) if result["seconds"] else None
        )
        results[replicas] = result
        print(json.dumps({"bench": "workspaces", "run": f"replicas={replicas}", **result}))
    one = results.get(1)
    summary: dict[str, Any] = {
        "bench": "workspaces",
        "run": "summary",
        "floor_seconds": floor["seconds"],
        "goal_ratio": GOAL_RATIO,
        "goal_rss_mb": GOAL_RSS_MB,
    }
    for replicas, result in results.items():
        summary[f"seconds_{replicas}"] = result["seconds"]
        summary[f"ratio_{replicas}"] = result["ratio_to_floor"]
        if one and one["seconds"] and result["seconds"] and replicas > 1:
            summary[f"speedup_{replicas}"] = round(one["seconds"] / result["seconds"], 2)
    if one:
        summary["peak_rss_mb_1"] = max(one["peak_rss_mb"])
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspaces", type=int, default=1000)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1])
    parser.add_argument("--db-url", default=None, help="PostgreSQL server (default: SQLite)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per answer")
    parser.add_argument("--jitter", type=float, default=0.03)
    parser.add_argument("--unlimited", action="store_true", help="no rate limits (CPU figures)")
    parser.add_argument("--tick", type=float, default=10.0, help="SDO_TICK_SECONDS")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--profile", default="", help="write the app's cProfile here (1 replica)")
    asyncio.run(main(parser.parse_args()))
