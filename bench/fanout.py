"""Fan-out benchmark: seconds to send one round's pulse DMs to 10,000 members (fake Slack).

Prints one JSON line. Two conditions: Slack answering freely, and Slack rate-limiting
chat.postMessage (``--per-second`` calls per second, HTTP 429 with ``Retry-After`` beyond).
Each condition runs both senders with the same send concurrency and Web API client settings:

* ``sdo``: ``bot.delivery.fanout.deliver_round`` — the ledger on SQLite (lease a batch, send,
  mark the rows sent in group commits), as the scheduler tick runs it;
* ``baseline``: a plain loop over ``AsyncWebClient`` (chat.postMessage to each user id)
  behind a semaphore, no database: what the ledger costs on top.

The unlimited condition runs ``--repeats`` times, SDO and baseline taking turns (this machine's
speed drifts; turns share the drift), and reports each run and the ratio of the medians. Each
SDO run is a new round of the same 10,000-member team (set up once, outside the timing).

Figures: seconds, members delivered, lost (not delivered), duplicate DMs, 429 answers; for the
rate-limited condition also the delivered rate as a share of the limit.

    python bench/fanout.py                                   # 10,000 members, concurrency 8
    python bench/fanout.py --members 1000 --limited-members 500 --per-second 20 --repeats 1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk.errors import SlackApiError

from bot.clock import SystemClock
from bot.config import Settings
from bot.delivery.fanout import RETRY_DELAY, deliver_round
from bot.domain.model import Team
from bot.domain.views import PersonInfo, PulseView
from bot.sandbox.fakeslack import FakeSlack
from bot.server import Runtime, start_runtime, stop_runtime
from bot.slack.blocks.pulse import pulse_message
from bot.slack.retries import web_client

WORKSPACE, CHANNEL = "TBENCH001", "CBENCH001"
GOAL_RATIO = 1.3
GOAL_SHARE_OF_LIMIT = 0.9


def _settings(fake: FakeSlack, *, db_url: str, concurrency: int) -> Settings:
    return Settings(
        slack_bot_token=fake.bot_token,
        slack_signing_secret="bench-signing-secret",
        database_url=db_url,
        slack_api_url=fake.base_url,
        send_concurrency=concurrency,
        tick_seconds=0,
    )


@contextlib.contextmanager
def _settled_heap() -> Iterator[None]:
    """Start the timed part with no garbage from set-up, and set-up's objects out of the way.

    Without it, the collector walks the 10,000-member set-up (SDO) or not (baseline) during
    the sends, and the comparison measures the set-up. Objects made while sending are
    collected as usual.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _delivery_figures(
    fake: FakeSlack, users: list[str], *, since: float, seconds: float
) -> dict[str, Any]:
    """What the fake received since ``since`` (``time.monotonic()``): one run's DMs."""
    # A DM lands in the member's DM channel whether it was posted there or to their user id.
    dm_of = {u: fake.dm_channel_id(u) for u in users}
    dms = set(dm_of.values())
    posts = Counter(
        dm_of.get(c.args["channel"], c.args["channel"])
        for c in fake.calls_to("chat.postMessage", ok=True)
        if c.at >= since and dm_of.get(c.args["channel"], c.args["channel"]) in dms
    )
    return {
        "seconds": round(seconds, 3),
        "delivered": len(posts),
        "lost": len(users) - len(posts),
        "duplicates": sum(n - 1 for n in posts.values()),
        "answers_429": sum(1 for c in fake.rate_limited if c.at >= since),
        "dms_per_second": round(len(posts) / seconds, 1),
    }


@contextlib.asynccontextmanager
async def _fake(
    members: int, per_second: float | None, retry_after: int
) -> AsyncIterator[tuple[FakeSlack, list[str]]]:
    fake = FakeSlack(workspace_id=WORKSPACE)
    await fake.start()
    try:
        users = fake.add_generated_team(users=members, channel_id=CHANNEL)
        if per_second is not None:
            fake.rate_limit("chat.postMessage", per_second=per_second, retry_after=retry_after)
        yield fake, users
    finally:
        await fake.stop()


@dataclass
class SdoSender:
    """SDO Pulse's runtime on a fresh SQLite database, with the team set up once."""

    fake: FakeSlack
    users: list[str]
    runtime: Runtime
    team: Team
    concurrency: int
    rounds: int = 0

    async def run(self) -> dict[str, Any]:
        """A new round (its 10,000 ledger rows are written before the clock starts), sent."""
        self.rounds += 1
        services = self.runtime.services
        rnd, _ = await services.rounds.open(team=self.team, period=f"bench-{self.rounds}")
        with _settled_heap():
            since = time.monotonic()
            started = time.perf_counter()
            passes = [
                await deliver_round(
                    services=services,
                    platform=self.runtime.slack.platform,
                    team=self.team,
                    rnd=rnd,
                    concurrency=self.concurrency,
                )
            ]
            while passes[-1].pending:
                # Rows whose client retries ran out wait RETRY_DELAY; the next scheduler tick
                # sends them. Done here the same way, and counted in the time.
                await asyncio.sleep(RETRY_DELAY.total_seconds())
                passes.append(
                    await deliver_round(
                        services=services,
                        platform=self.runtime.slack.platform,
                        team=self.team,
                        rnd=rnd,
                        concurrency=self.concurrency,
                    )
                )
            seconds = time.perf_counter() - started
        return {
            **_delivery_figures(self.fake, self.users, since=since, seconds=seconds),
            "ledger_sent": sum(p.sent for p in passes),
            "ledger_failed": sum(p.failed for p in passes),
            "left_for_a_later_pass": [p.pending for p in passes[:-1]],
        }


@contextlib.asynccontextmanager
async def sdo_sender(
    *, members: int, concurrency: int, per_second: float | None, retry_after: int
) -> AsyncIterator[SdoSender]:
    async with _fake(members, per_second, retry_after) as (fake, users):
        with tempfile.TemporaryDirectory() as folder:
            settings = _settings(
                fake, db_url=f"sqlite+aiosqlite:///{folder}/bench.db", concurrency=concurrency
            )
            runtime = await start_runtime(settings, clock=SystemClock())
            try:
                people = [PersonInfo(user_id=u, name=u.lower(), tz="Europe/Berlin") for u in users]
                team, _, _ = await runtime.services.teams.setup(
                    workspace_id=WORKSPACE,
                    channel_id=CHANNEL,
                    channel_name="bench",
                    caller=people[0],
                    people=people,
                )
                yield SdoSender(
                    fake=fake, users=users, runtime=runtime, team=team, concurrency=concurrency
                )
            finally:
                await stop_runtime(runtime)


@dataclass
class BaselineSender:
    """A plain loop over ``AsyncWebClient``: the same calls, nothing recorded."""

    fake: FakeSlack
    users: list[str]
    client: Any
    concurrency: int
    gave_up_429: int = 0  # times the client's own 429 retries ran out

    async def run(self) -> dict[str, Any]:
        self.gave_up_429 = 0
        message = pulse_message(
            PulseView(team_name="bench", round_id=1, round_number=1, min_respondents=3)
        )
        gate = asyncio.Semaphore(self.concurrency)

        async def send(user_id: str) -> None:
            async with gate:
                while True:  # the client retries 429s itself; when its retries run out, again
                    try:
                        # To the user id: Slack posts it into the bot's DM (one call, as SDO).
                        await self.client.chat_postMessage(channel=user_id, **message)
                        return
                    except SlackApiError as exc:
                        if exc.response.status_code != 429:
                            raise
                        self.gave_up_429 += 1
                        await asyncio.sleep(float(exc.response.headers.get("Retry-After", 1)))

        with _settled_heap():
            since = time.monotonic()
            started = time.perf_counter()
            await asyncio.gather(*(send(u) for u in self.users))
            seconds = time.perf_counter() - started
        return {
            **_delivery_figures(self.fake, self.users, since=since, seconds=seconds),
            "client_retries_ran_out": self.gave_up_429,
        }


@contextlib.asynccontextmanager
async def baseline_sender(
    *, members: int, concurrency: int, per_second: float | None, retry_after: int
) -> AsyncIterator[BaselineSender]:
    async with (
        _fake(members, per_second, retry_after) as (fake, users),
        aiohttp.ClientSession() as session,
    ):
        client = web_client(_settings(fake, db_url="", concurrency=concurrency), session)
        yield BaselineSender(fake=fake, users=users, client=client, concurrency=concurrency)


async def unlimited(options: argparse.Namespace) -> dict[str, Any]:
    common = {
        "members": options.members,
        "concurrency": options.concurrency,
        "per_second": None,
        "retry_after": options.retry_after,
    }
    runs: dict[str, list[dict[str, Any]]] = {"sdo": [], "baseline": []}
    async with sdo_sender(**common) as sdo, baseline_sender(**common) as baseline:
        for _ in range(options.repeats):
            runs["sdo"].append(await sdo.run())
            runs["baseline"].append(await baseline.run())
    medians = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
    return {
        "members": options.members,
        "sdo_seconds_median": round(medians["sdo"], 3),
        "baseline_seconds_median": round(medians["baseline"], 3),
        "sdo_over_baseline": round(medians["sdo"] / medians["baseline"], 2),
        "goal_ratio": GOAL_RATIO,
        "runs": runs,
    }


async def rate_limited(options: argparse.Namespace) -> dict[str, Any]:
    members = options.limited_members or options.members
    common = {
        "members": members,
        "concurrency": options.concurrency,
        "per_second": options.per_second,
        "retry_after": options.retry_after,
    }
    figures: dict[str, Any] = {
        "members": members,
        "per_second": options.per_second,
        "retry_after": options.retry_after,
        "floor_seconds": round(members / options.per_second, 1),
        "goal_share_of_limit": GOAL_SHARE_OF_LIMIT,
    }
    for name, sender in (("sdo", sdo_sender), ("baseline", baseline_sender)):
        async with sender(**common) as running:
            result = await running.run()
        result["share_of_limit"] = round(result["dms_per_second"] / options.per_second, 3)
        figures[name] = result
    return figures


async def main(options: argparse.Namespace) -> dict[str, Any]:
    return {
        "bench": "fanout",
        "python": platform.python_version(),
        "concurrency": options.concurrency,
        "unlimited": await unlimited(options),
        "rate_limited": await rate_limited(options),
    }


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument(
        "--limited-members",
        type=int,
        default=0,
        help="members in the rate-limited condition (default: --members)",
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--repeats", type=int, default=3, help="unlimited runs of each sender, taking turns"
    )
    parser.add_argument(
        "--per-second",
        type=float,
        default=50.0,
        help="chat.postMessage calls Slack admits per second",
    )
    parser.add_argument("--retry-after", type=int, default=1, help="seconds in Retry-After")
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(_options()))))
