"""Command latency: signed `/sdo status` requests against `sdo serve` and a bare Bolt baseline.

Prints one JSON line. Both servers run as subprocesses on this machine, against a local fake
Slack (in this process), with the same load: ``--requests`` signed slash commands at
``--concurrency``. SDO Pulse runs on SQLite with a team of 12 members and 52 closed rounds.

Figures per server: p50/p95/p99 of the HTTP acknowledgement (what Slack's 3-second rule is
about) and throughput; for SDO Pulse also the time until the ephemeral answer reaches the
response_url (what the person waits for) and the server's peak RSS.

    python bench/command_latency.py                      # 2,000 requests at concurrency 20
    python bench/command_latency.py --requests 100 --concurrency 1
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Server, percentile, rss_mb, seed_team_history
from bot.fakeslack import FakeSlack

WORKSPACE, CHANNEL = "TBENCH001", "CBENCH001"
SECRET = "bench-signing-secret"
GOAL_P99_RATIO = 1.5


def signed(body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + sig,
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def load(
    url: str, fake: FakeSlack, *, user: str, requests: int, concurrency: int
) -> dict[str, float]:
    gate = asyncio.Semaphore(concurrency)
    acks: list[float] = []
    started: dict[str, float] = {}
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one() -> None:
            response_url = fake.new_response_url()
            body = urlencode(
                {
                    "team_id": WORKSPACE,
                    "user_id": user,
                    "channel_id": CHANNEL,
                    "channel_name": "bench",
                    "command": "/sdo",
                    "text": "status",
                    "response_url": response_url,
                    "trigger_id": "t",
                }
            ).encode()
            async with gate:
                begin = time.monotonic()
                started[response_url] = begin
                async with http.post(
                    url + "/slack/events", data=body, headers=signed(body)
                ) as reply:
                    await reply.read()
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1
                acks.append((time.monotonic() - begin) * 1000)

        wall = time.monotonic()
        await asyncio.gather(*(one() for _ in range(requests)))
        wall = time.monotonic() - wall
    # SDO Pulse answers on the response_url after the ack; wait for the last answers.
    deadline = time.monotonic() + 30
    answered: dict[str, float] = {}
    while time.monotonic() < deadline:
        answered = {c.url: c.at for c in fake.calls_to("response_url") if c.url in started}
        if len(answered) >= len(started) or not any(
            c.url in started for c in fake.calls_to("response_url")
        ):
            break
        await asyncio.sleep(0.05)
    answers = [(answered[u] - started[u]) * 1000 for u in answered]
    figures = {
        "p50_ms": round(percentile(acks, 0.50), 2),
        "p95_ms": round(percentile(acks, 0.95), 2),
        "p99_ms": round(percentile(acks, 0.99), 2),
        "mean_ms": round(statistics.fmean(acks), 2),
        "throughput_rps": round(requests / wall, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
    if answers:
        figures |= {
            "answer_p50_ms": round(percentile(answers, 0.50), 2),
            "answer_p95_ms": round(percentile(answers, 0.95), 2),
            "answer_p99_ms": round(percentile(answers, 0.99), 2),
            "answered": len(answers),
        }
    return figures


async def main(requests: int, concurrency: int, warmup: int) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="sdo-bench-"))
    db_url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    users = await seed_team_history(
        db_url, workspace_id=WORKSPACE, channel_id=CHANNEL, members=12, rounds=52
    )
    result: dict[str, object] = {
        "bench": "command_latency",
        "requests": requests,
        "concurrency": concurrency,
        "machine": platform.machine(),
        "cpus": __import__("os").cpu_count(),
    }
    async with FakeSlack(workspace_id=WORKSPACE) as fake:
        for user in users:
            fake.add_user(user, name=user.lower())
        fake.add_channel(CHANNEL, name="bench", members=users)
        env = {
            "SLACK_BOT_TOKEN": fake.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SDO_SLACK_API_URL": fake.base_url,
            "SDO_DATABASE_URL": db_url,
            "SDO_LOG_LEVEL": "WARNING",
        }
        for name, args in (
            ("baseline", ["bench/baseline_app.py"]),
            ("sdo", ["-m", "bot", "serve"]),
        ):
            server = Server(args, env=env)
            try:
                await server.ready("/healthz")
                await load(
                    server.url, fake, user=users[1], requests=warmup, concurrency=concurrency
                )
                figures = await load(
                    server.url, fake, user=users[1], requests=requests, concurrency=concurrency
                )
                figures["peak_rss_mb"] = round(rss_mb(server.process.pid), 1)
                result[name] = figures
            finally:
                server.stop()
    sdo, base = result["sdo"], result["baseline"]
    assert isinstance(sdo, dict)
    assert isinstance(base, dict)
    result["p99_ratio"] = round(sdo["p99_ms"] / base["p99_ms"], 2)
    result["goal_p99_ratio"] = GOAL_P99_RATIO
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.requests, args.concurrency, args.warmup))), flush=True)
