"""Fan-out benchmark: seconds to send a round's pulse DMs to 1,000 members against the fake Slack.

Prints one JSON line. Two conditions: Slack answering freely, and Slack rate-limiting
chat.postMessage (``--per-second`` calls per second, HTTP 429 with ``Retry-After`` beyond).
Each condition runs twice with the same send concurrency and the same Web API client settings:

* ``sdo``: ``bot.fanout.deliver_round`` — the ledger on SQLite (lease a batch, send, mark each
  row sent), as the scheduler tick runs it;
* ``baseline``: a plain loop over ``AsyncWebClient`` (conversations.open + chat.postMessage)
  behind a semaphore, no database: what the ledger costs on top.

Figures: seconds, members delivered, duplicate DMs, 429 answers, and for the rate-limited
condition the floor the limit imposes (members / per-second).

    python bench/fanout.py                     # 1,000 members, concurrency 8, limit 50/s
    python bench/fanout.py --members 200 --per-second 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.blocks.pulse import pulse_message
from bot.clock import SystemClock
from bot.config import Settings
from bot.fakeslack import FakeSlack
from bot.fanout import deliver_round
from bot.server import start_runtime, stop_runtime, web_client
from bot.services import PersonInfo

WORKSPACE, CHANNEL = "TBENCH001", "CBENCH001"


def _settings(fake: FakeSlack, *, db_url: str, concurrency: int) -> Settings:
    return Settings(
        slack_bot_token=fake.bot_token,
        slack_signing_secret="bench-signing-secret",
        database_url=db_url,
        slack_api_url=fake.base_url,
        send_concurrency=concurrency,
        tick_seconds=0,
    )


def _delivery_figures(fake: FakeSlack, users: list[str], seconds: float) -> dict[str, Any]:
    dms = {fake.dm_channel_id(u) for u in users}
    posts = Counter(
        c.args["channel"] for c in fake.calls_to("chat.postMessage", ok=True)
        if c.args.get("channel") in dms
    )
    return {
        "seconds": round(seconds, 3),
        "delivered": len(posts),
        "duplicates": sum(n - 1 for n in posts.values()),
        "answers_429": len(fake.rate_limited),
    }


async def _fake(members: int, per_second: float | None, retry_after: int) -> FakeSlack:
    fake = FakeSlack(workspace_id=WORKSPACE)
    await fake.start()
    fake.add_generated_team(users=members, channel_id=CHANNEL)
    if per_second is not None:
        fake.rate_limit("chat.postMessage", per_second=per_second, retry_after=retry_after)
    return fake


async def run_sdo(
    *, members: int, concurrency: int, per_second: float | None, retry_after: int
) -> dict[str, Any]:
    fake = await _fake(members, per_second, retry_after)
    users = [f"U{n:08d}" for n in range(1, members + 1)]
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = _settings(
                fake, db_url=f"sqlite+aiosqlite:///{folder}/bench.db", concurrency=concurrency
            )
            runtime = await start_runtime(settings, clock=SystemClock())
            try:
                people = [PersonInfo(user_id=u, name=u.lower(), tz="Europe/Berlin") for u in users]
                team, _, _ = await runtime.services.setup_team(
                    workspace_id=WORKSPACE, channel_id=CHANNEL, channel_name="bench",
                    caller=people[0], people=people,
                )
                rnd, _ = await runtime.services.open_round(team=team)
                started = time.perf_counter()
                result = await deliver_round(
                    services=runtime.services, gateway=runtime.gateway, team=team, rnd=rnd,
                    concurrency=concurrency,
                )
                seconds = time.perf_counter() - started
            finally:
                await stop_runtime(runtime)
        return {**_delivery_figures(fake, users, seconds), "ledger_sent": result.sent,
                "ledger_failed": result.failed, "ledger_pending": result.pending}
    finally:
        await fake.stop()


async def run_baseline(
    *, members: int, concurrency: int, per_second: float | None, retry_after: int
) -> dict[str, Any]:
    fake = await _fake(members, per_second, retry_after)
    users = [f"U{n:08d}" for n in range(1, members + 1)]
    message = pulse_message(team_name="bench", round_id=1, round_number=1, answers={},
                            min_respondents=3)
    try:
        async with aiohttp.ClientSession() as session:
            client = web_client(_settings(fake, db_url="", concurrency=concurrency), session)
            gate = asyncio.Semaphore(concurrency)

            async def send(user_id: str) -> None:
                async with gate:
                    opened = await client.conversations_open(users=user_id)
                    await client.chat_postMessage(channel=opened["channel"]["id"], **message)

            started = time.perf_counter()
            await asyncio.gather(*(send(u) for u in users))
            seconds = time.perf_counter() - started
        return _delivery_figures(fake, users, seconds)
    finally:
        await fake.stop()


async def main(options: argparse.Namespace) -> dict[str, Any]:
    common = {"members": options.members, "concurrency": options.concurrency,
              "retry_after": options.retry_after}
    free = {"per_second": None, **common}
    limited = {"per_second": options.per_second, **common}
    sdo_free = await run_sdo(**free)
    base_free = await run_baseline(**free)
    sdo_limited = await run_sdo(**limited)
    base_limited = await run_baseline(**limited)
    return {
        "bench": "fanout",
        "python": platform.python_version(),
        "members": options.members,
        "concurrency": options.concurrency,
        "unlimited": {
            "sdo": sdo_free,
            "baseline": base_free,
            "sdo_over_baseline": round(sdo_free["seconds"] / base_free["seconds"], 2),
        },
        "rate_limited": {
            "per_second": options.per_second,
            "retry_after": options.retry_after,
            "floor_seconds": round(options.members / options.per_second, 1),
            "sdo": sdo_limited,
            "baseline": base_limited,
            "sdo_over_baseline": round(sdo_limited["seconds"] / base_limited["seconds"], 2),
        },
    }


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--per-second", type=float, default=50.0,
                        help="chat.postMessage calls Slack admits per second")
    parser.add_argument("--retry-after", type=int, default=1, help="seconds in Retry-After")
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(_options()))))
