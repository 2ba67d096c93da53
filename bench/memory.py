"""Memory: peak RSS of one `sdo serve` process after a 10,000-member fan-out and 2,000 statuses.

Prints one JSON line. One server process (SQLite) against the fake Slack (in this process):

1. the database is seeded first: a 10,000-member team, and the command-latency team (12
   members, 52 closed rounds);
2. ``/sdo pulse`` in the big team's channel: the server opens a round and sends 10,000 DMs
   (the bench waits for the command's final answer: "sent to 10000 members");
3. 2,000 signed ``/sdo status`` commands at concurrency 20 in the small team's channel, answers
   included (``bench.command_latency.load``).

Figures: VmRSS after start-up, VmHWM (the peak) after each step, VmRSS at the end, in MB.

    python bench/memory.py
    python bench/memory.py --members 2000 --requests 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.command_latency import CHANNEL, SECRET, WORKSPACE, load
from bench.common import Server, seed_team_history
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.signing import signed_headers

GOAL_MB = 150
BIG_CHANNEL = "CBIGTEAM1"
FANOUT_TIMEOUT = 900.0


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak so far) of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


async def seed_big_team(db_url: str, *, users: list[str]) -> None:
    """The 10,000-member team, its first member its manager (straight into the database)."""
    from bot.clock import SystemClock
    from bot.domain.views import PersonInfo
    from bot.services import Services
    from storage.db import Database

    db = Database(db_url)
    try:
        people = [PersonInfo(u, u.lower(), "Europe/Berlin") for u in users]
        await Services(db=db, clock=SystemClock()).teams.setup(
            workspace_id=WORKSPACE,
            channel_id=BIG_CHANNEL,
            channel_name="everyone",
            caller=people[0],
            people=people,
        )
    finally:
        await db.dispose()


async def pulse(url: str, fake: FakeSlack, *, manager: str) -> float:
    """``/sdo pulse`` in the big channel; seconds until its final answer arrives."""
    response_url = fake.new_response_url()
    body = urlencode(
        {
            "team_id": WORKSPACE,
            "user_id": manager,
            "channel_id": BIG_CHANNEL,
            "channel_name": "everyone",
            "command": "/sdo",
            "text": "pulse",
            "response_url": response_url,
            "trigger_id": "t",
        }
    ).encode()
    headers = {
        **signed_headers(body, secret=SECRET, timestamp=int(time.time())),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    started = time.monotonic()
    async with (
        aiohttp.ClientSession() as http,
        http.post(url + "/slack/events", data=body, headers=headers) as reply,
    ):
        reply.raise_for_status()
    while time.monotonic() - started < FANOUT_TIMEOUT:
        answers = [c for c in fake.calls_to("response_url") if c.url == response_url]
        if any("sent to" in str(c.args.get("text", "")) for c in answers):
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    raise TimeoutError("the fan-out never reported back")


async def main(options: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="sdo-memory-"))
    db_url = f"sqlite+aiosqlite:///{folder / 'memory.db'}"
    small_team = await seed_team_history(
        db_url, workspace_id=WORKSPACE, channel_id=CHANNEL, members=12, rounds=52
    )
    result: dict[str, Any] = {
        "bench": "memory",
        "python": platform.python_version(),
        "members": options.members,
        "requests": options.requests,
        "concurrency": options.concurrency,
        "goal_mb": GOAL_MB,
    }
    async with FakeSlack(workspace_id=WORKSPACE) as fake:
        big_team = fake.add_generated_team(users=options.members, channel_id=BIG_CHANNEL)
        await seed_big_team(db_url, users=big_team)
        for user in small_team:
            fake.add_user(user, name=user.lower())
        fake.add_channel(CHANNEL, name="bench", members=small_team)
        server = Server(
            ["-m", "bot", "serve"],
            env={
                "SLACK_BOT_TOKEN": fake.bot_token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SDO_SLACK_API_URL": fake.base_url,
                "SDO_DATABASE_URL": db_url,
                "SDO_LOG_LEVEL": "WARNING",
            },
        )
        try:
            await server.ready("/healthz")
            pid = server.process.pid
            result["after_start"] = memory_mb(pid)
            result["fanout_seconds"] = round(await pulse(server.url, fake, manager=big_team[0]), 1)
            result["after_fanout"] = memory_mb(pid)
            statuses = await load(
                server.url,
                fake,
                user=small_team[1],
                requests=options.requests,
                concurrency=options.concurrency,
                answered=True,
            )
            result["statuses_answered"] = statuses.get("answered")
            result["after_statuses"] = memory_mb(pid)
        finally:
            server.stop()
    result["peak_rss_mb"] = result["after_statuses"]["VmHWM"]
    result["goal_met"] = result["peak_rss_mb"] <= GOAL_MB
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    print(json.dumps(asyncio.run(main(parser.parse_args()))), flush=True)
