"""Command latency: signed `/sdo status` requests against `sdo serve` and a bare Bolt baseline.

Prints one JSON line. Both servers run as subprocesses on this machine, against a local fake
Slack (in this process), with the same load: ``--requests`` signed slash commands at
``--concurrency``. SDO Pulse runs on SQLite with a team of 12 members and 52 closed rounds.

Figures per server: p50/p95/p99 of the HTTP acknowledgement (what Slack's 3-second rule is
about) and throughput; for SDO Pulse also the time until the ephemeral answer arrives (what the
person waits for: in the acknowledgement when it is ready in time, else on the response_url),
how many came in the acknowledgement, and the server's peak RSS.

The closed loop (``--concurrency`` requests always in flight) pushes each server to its limit:
the baseline's is Bolt's 10 ms ack poll, SDO Pulse's is CPU (it computes every answer). The
open loop (``--rate`` requests per second, whatever the answers) shows both below saturation.

    python bench/command_latency.py                      # 2,000 requests at concurrency 20,
                                                         # then 2,000 at 200 requests/s
    python bench/command_latency.py --requests 100 --concurrency 1 --rate 0
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Server, percentile, rss_mb, seed_team_history
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.signing import signed_headers

WORKSPACE, CHANNEL = "TBENCH001", "CBENCH001"
SECRET = "bench-signing-secret"
GOAL_P99_RATIO = 1.5
ANSWER_TIMEOUT = 120.0


def signed(body: bytes) -> dict[str, str]:
    return {
        **signed_headers(body, secret=SECRET, timestamp=int(time.time())),
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def load(
    url: str,
    fake: FakeSlack,
    *,
    user: str,
    requests: int,
    concurrency: int,
    answered: bool,
    rate: float | None = None,
) -> dict[str, float]:
    """Send ``requests`` signed `/sdo status` commands, ``concurrency`` at a time.

    Args:
        rate: send at this many requests per second instead, whatever the answers (an open
            loop: the server is not pushed beyond what it is offered).
        answered: the server answers (SDO Pulse): wait for every answer
            (up to ``ANSWER_TIMEOUT`` seconds after the last ack) and report how late they came.
    """
    gate = asyncio.Semaphore(concurrency if rate is None else requests)
    acks: list[float] = []
    started: dict[str, float] = {}
    in_ack: dict[str, float] = {}
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency if rate is None else 0)
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
                    content = await reply.read()
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1
                done = time.monotonic()
                acks.append((done - begin) * 1000)
                if answered and content.startswith(b"{") and b'"blocks"' in content:
                    in_ack[response_url] = done  # the answer came with the acknowledgement

        # No garbage collection in this process while it measures: a collection here (the
        # fake Slack keeps every call it received) would stall all requests in flight and be
        # counted as server latency.
        gc.collect()
        gc.disable()
        try:
            wall = time.monotonic()
            if rate is None:
                await asyncio.gather(*(one() for _ in range(requests)))
            else:
                sent = []
                for i in range(requests):
                    await asyncio.sleep(max(0.0, wall + i / rate - time.monotonic()))
                    sent.append(asyncio.create_task(one()))
                await asyncio.gather(*sent)
            wall = time.monotonic() - wall
        finally:
            gc.enable()
    figures: dict[str, Any] = {
        "p50_ms": round(percentile(acks, 0.50), 2),
        "p95_ms": round(percentile(acks, 0.95), 2),
        "p99_ms": round(percentile(acks, 0.99), 2),
        "mean_ms": round(statistics.fmean(acks), 2),
        "throughput_rps": round(requests / wall, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
    if not answered:
        return figures
    # Answers not in the acknowledgement come on the response_url: wait for every one.
    deadline = time.monotonic() + ANSWER_TIMEOUT
    arrived: dict[str, float] = {}
    while time.monotonic() < deadline:
        arrived = in_ack | {c.url: c.at for c in fake.calls_to("response_url") if c.url in started}
        if len(arrived) >= len(started):
            break
        await asyncio.sleep(0.05)
    answers = [(arrived[u] - started[u]) * 1000 for u in arrived]
    last = max(arrived.values(), default=time.monotonic())
    figures |= {
        "answer_p50_ms": round(percentile(answers, 0.50), 2),
        "answer_p95_ms": round(percentile(answers, 0.95), 2),
        "answer_p99_ms": round(percentile(answers, 0.99), 2),
        "answered": len(answers),
        "answered_in_ack": len(in_ack),
        # Commands fully served per second: first request sent to last answer received.
        "answered_rps": round(len(answers) / (last - min(started.values())), 1),
    }
    return figures


async def main(options: argparse.Namespace) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="sdo-bench-"))
    db_url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    users = await seed_team_history(
        db_url, workspace_id=WORKSPACE, channel_id=CHANNEL, members=12, rounds=52
    )
    result: dict[str, Any] = {
        "bench": "command_latency",
        "requests": options.requests,
        "concurrency": options.concurrency,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    open_loop: dict[str, Any] = {"rate_rps": options.rate}
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
            common = {
                "user": users[1],
                "concurrency": options.concurrency,
                "answered": name == "sdo",
            }
            try:
                await server.ready("/healthz")
                # Warm-up (caches, pictures, connections), answers included, before measuring.
                await load(server.url, fake, requests=options.warmup, **common)
                figures = await load(server.url, fake, requests=options.requests, **common)
                if options.rate:
                    open_loop[name] = await load(
                        server.url, fake, requests=options.requests, rate=options.rate, **common
                    )
                figures["peak_rss_mb"] = round(rss_mb(server.process.pid), 1)
                result[name] = figures
            finally:
                server.stop()
    result["p99_ratio"] = round(result["sdo"]["p99_ms"] / result["baseline"]["p99_ms"], 2)
    result["goal_p99_ratio"] = GOAL_P99_RATIO
    if options.rate:
        open_loop["p99_ratio"] = round(
            open_loop["sdo"]["p99_ms"] / open_loop["baseline"]["p99_ms"], 2
        )
        result["open_loop"] = open_loop
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--rate",
        type=float,
        default=200.0,
        help="then the same requests at this fixed rate (open loop); 0: skip",
    )
    print(json.dumps(asyncio.run(main(parser.parse_args()))), flush=True)
