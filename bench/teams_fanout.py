"""Teams fan-out benchmark: seconds from ``pulse`` to 1,000 members' cards (fake Bot Connector).

Prints one JSON line. Two conditions: the fake connector answering freely (``unlimited``, a CPU
figure), and the fake connector throttling as Teams documents it (``throttled``:
``TEAMS_PER_BOT``, 50 requests a second for the bot, and ``TEAMS_PER_THREAD`` per conversation,
429 with ``Retry-After`` beyond). Each condition runs, with the same send concurrency:

* ``sdo``: the real app (``bot.sandbox.teams_app.TeamsApp``, anonymous Teams mode, SQLite in a
  temporary folder) installed in a generated team and set up there (outside the timing); the
  clock runs from the ``pulse`` command a member of the team posts in its channel
  (``TeamsSimulator.say``) until the fake has stored a pulse card in every member's chat;
* ``baseline``: a plain loop over the Agents SDK's ``ConnectorClient`` (create the 1:1 chat,
  send the same card) behind a semaphore, no database: what the app costs on top;
* ``slack_sdo`` and ``slack_baseline``: the same round on Slack, with ``bench/fanout.py``'s two
  senders (``deliver_round`` over the SQLite ledger; the plain ``AsyncWebClient`` loop),
  ``chat.postMessage`` limited to ``--per-second`` in the throttled condition.

The first Teams round opens every member's 1:1 chat (a ``POST v3/conversations`` each, counted
in ``chats_created``); later rounds reuse the chats the app stored. The unlimited condition runs
``--repeats`` rounds of each sender, taking turns, and reports each run and the medians; the
throttled one runs one round of each, the first (chats opened) for Teams.

Figures: seconds, members delivered, lost (not delivered), duplicate cards, 429 answers,
cards (or DMs) per second; for the throttled condition also the rate as a share of the limit
(for Teams: the requests the fake accepted, chats opened and cards sent, per second). For the
app also ``command_seconds`` (until it answered the ``pulse`` activity), ``command_status``
(that HTTP status) and ``reply`` (its answer in the channel as the fake stored it; None when
the fake refused it).

    python bench/teams_fanout.py                 # 1,000 members (throttled: 500), concurrency 8
    python bench/teams_fanout.py --limited-members 1000 --repeats 1   # throttled at 1,000 too
    python bench/teams_fanout.py --members 200 --limited-members 100 --repeats 1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from microsoft_agents.activity import ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from bench.fanout import _settled_heap, baseline_sender, sdo_sender
from bot.config import Settings
from bot.domain.views import PulseView
from bot.sandbox.faketeams import TEAMS_PER_BOT, TEAMS_PER_THREAD, FakeTeams, TeamsSimulator
from bot.sandbox.faketeams.directory import Team
from bot.sandbox.teams_app import TeamsApp
from bot.teams.cards.pulse import pulse_card
from bot.teams.platform import card_activity

TEAMS_BOT_PER_SECOND = TEAMS_PER_BOT[0][1] / TEAMS_PER_BOT[0][0]
POLL_SECONDS = 0.01


def _throttle(fake: FakeTeams, throttled: bool) -> None:
    if throttled:
        fake.limits(per_conversation=TEAMS_PER_THREAD, per_bot=TEAMS_PER_BOT)


def _pulse_cards(fake: FakeTeams, *, since: float) -> Counter[str]:
    """Pulse cards stored in members' 1:1 chats since ``since``: chat id -> how many."""
    return Counter(
        s.conversation_id
        for s in fake.sent
        if s.at >= since
        and s.kind in ("send", "create")
        and s.conversation_id in fake.personal_chats
        and str(s.body.get("summary", "")).startswith("Pulse #")
    )


def _delivery_figures(
    fake: FakeTeams, members: int, *, since: float, seconds: float
) -> dict[str, Any]:
    """What the fake received since ``since`` (``time.monotonic()``): one run's cards."""
    cards = _pulse_cards(fake, since=since)
    delivered = len(cards)
    return {
        "seconds": round(seconds, 3),
        "delivered": delivered,
        "lost": members - delivered,
        "duplicates": sum(n - 1 for n in cards.values()),
        "answers_429": sum(1 for c in fake.rate_limited if c.at >= since),
        "chats_created": sum(
            1
            for c in fake.requests
            if c.at >= since and c.ok and c.operation == "create_conversation"
        ),
        "requests": sum(1 for c in fake.requests if c.at >= since),
        "requests_accepted": sum(1 for c in fake.requests if c.at >= since and c.ok),
        "cards_per_second": round(delivered / seconds, 1),
    }


async def _until(done: Callable[[], bool], *, timeout: float) -> None:
    """Poll ``done`` every ``POLL_SECONDS`` (the fake signals nothing) for up to ``timeout``."""
    for _ in range(max(1, round(timeout / POLL_SECONDS))):
        if done():
            return
        await asyncio.sleep(POLL_SECONDS)


@dataclass
class TeamsSdoSender:
    """The real app serving Teams, installed and set up in a generated team."""

    fake: FakeTeams
    app: TeamsApp
    people: TeamsSimulator
    team: Team
    members: int
    timeout: float
    rounds: int = 0

    async def run(self) -> dict[str, Any]:
        """``pulse`` in the team's channel; timed until every member's card is stored."""
        if self.rounds:
            # A manual round is keyed by the minute: the next one is a minute later.
            self.app.clock.advance(timedelta(minutes=2))
        self.rounds += 1
        owner = self.fake.users[self.team.member_ids[0]]
        connector = self.app.runtime.teams.connector if self.app.runtime.teams else None
        throttled_before = connector.throttled if connector else 0
        with _settled_heap():
            since = time.monotonic()
            started = time.perf_counter()
            status, _ = await self.people.say(owner, "pulse", in_channel=self.team)
            command_seconds = time.perf_counter() - started
            await _until(
                lambda: len(_pulse_cards(self.fake, since=since)) >= self.members,
                timeout=self.timeout,
            )
            seconds = time.perf_counter() - started
        answer = [
            s.body.get("text")
            for s in self.fake.sent
            if s.at >= since and "Round" in str(s.body.get("text", ""))
        ]
        return {
            **_delivery_figures(self.fake, self.members, since=since, seconds=seconds),
            "command_seconds": round(command_seconds, 3),
            "command_status": status,
            "reply": answer[-1] if answer else None,
            "connector_waited_429": (connector.throttled if connector else 0) - throttled_before,
        }


@contextlib.asynccontextmanager
async def teams_sdo_sender(
    *, members: int, concurrency: int, throttled: bool, timeout: float
) -> AsyncIterator[TeamsSdoSender]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(tick_seconds=0, send_concurrency=concurrency)
        async with (
            FakeTeams() as fake,
            TeamsApp(
                fake=fake, db_url=f"sqlite+aiosqlite:///{folder}/bench.db", settings=settings
            ) as app,
            TeamsSimulator(app.url, fake) as people,
        ):
            team = fake.generate_team(members=members, name="Bench")
            owner = fake.users[team.member_ids[0]]
            status, _ = await people.install(team)
            if status not in (200, 202):
                raise RuntimeError(f"install answered {status}")
            await people.say(owner, "setup", in_channel=team)
            said = json.dumps(fake.sent[-1].body)
            if f"{members:,} members" not in said and f"{members} members" not in said:
                raise RuntimeError(f"setup did not take the {members} members: {said[:300]}")
            fake.clear_recordings()
            _throttle(fake, throttled)
            yield TeamsSdoSender(
                fake=fake, app=app, people=people, team=team, members=members, timeout=timeout
            )


@dataclass
class TeamsBaselineSender:
    """A plain loop over the SDK's ``ConnectorClient``: the same calls, nothing recorded."""

    fake: FakeTeams
    team: Team
    client: ConnectorClient
    concurrency: int
    gave_up_429: int = 0  # 429s met and waited out

    async def run(self) -> dict[str, Any]:
        self.gave_up_429 = 0
        activity = card_activity(
            pulse_card(PulseView(team_name="Bench", round_id=1, round_number=1, min_respondents=3)),
            summary="Pulse #1",
        )
        bot_id, tenant_id = self.fake.bot["id"], self.team.tenant_id
        gate = asyncio.Semaphore(self.concurrency)

        async def call(op: Callable[[], Any]) -> Any:
            while True:  # as bench/fanout.py's plain loop: wait out a 429, then again
                try:
                    return await op()
                except aiohttp.ClientResponseError as exc:
                    if exc.status != 429:
                        raise
                    self.gave_up_429 += 1
                    headers = exc.headers or {}
                    await asyncio.sleep(float(headers.get("Retry-After", 1)))

        async def send(user_id: str) -> None:
            params = ConversationParameters(
                is_group=False,
                bot=ChannelAccount(id=bot_id),
                members=[ChannelAccount(id=user_id)],
                tenant_id=tenant_id,
                channel_data={"tenant": {"id": tenant_id}},
            )
            async with gate:  # a member at a time per sender, retries included
                chat = await call(lambda: self.client.conversations.create_conversation(params))
                await call(
                    lambda: self.client.conversations.send_to_conversation(chat.id, activity)
                )

        with _settled_heap():
            since = time.monotonic()
            started = time.perf_counter()
            await asyncio.gather(*(send(u) for u in self.team.member_ids))
            seconds = time.perf_counter() - started
        return {
            **_delivery_figures(self.fake, len(self.team.member_ids), since=since, seconds=seconds),
            "client_waited_429": self.gave_up_429,
        }


@contextlib.asynccontextmanager
async def teams_baseline_sender(
    *, members: int, concurrency: int, throttled: bool, timeout: float
) -> AsyncIterator[TeamsBaselineSender]:
    async with FakeTeams() as fake:
        team = fake.generate_team(members=members, name="Bench")
        _throttle(fake, throttled)
        # Its own session: the client's requests name paths below the service URL.
        client = ConnectorClient(endpoint=fake.service_url, token="")
        try:
            yield TeamsBaselineSender(fake=fake, team=team, client=client, concurrency=concurrency)
        finally:
            await client.close()


def _medians(runs: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    return {k: round(statistics.median(r["seconds"] for r in v), 3) for k, v in runs.items()}


async def unlimited(options: argparse.Namespace) -> dict[str, Any]:
    teams = {
        "members": options.members,
        "concurrency": options.concurrency,
        "throttled": False,
        "timeout": options.timeout,
    }
    slack = {
        "members": options.members,
        "concurrency": options.concurrency,
        "per_second": None,
        "retry_after": options.retry_after,
    }
    runs: dict[str, list[dict[str, Any]]] = {
        "sdo": [],
        "baseline": [],
        "slack_sdo": [],
        "slack_baseline": [],
    }
    async with (
        teams_sdo_sender(**teams) as sdo,
        teams_baseline_sender(**teams) as baseline,
        sdo_sender(**slack) as slack_sdo,
        baseline_sender(**slack) as slack_baseline,
    ):
        for _ in range(options.repeats):
            runs["sdo"].append(await sdo.run())
            runs["baseline"].append(await baseline.run())
            runs["slack_sdo"].append(await slack_sdo.run())
            runs["slack_baseline"].append(await slack_baseline.run())
    medians = _medians(runs)
    # The first Teams round also opens the members' chats; later ones reuse them.
    warm = [r["seconds"] for r in runs["sdo"][1:]]
    return {
        "members": options.members,
        "sdo_seconds_median": medians["sdo"],
        "sdo_seconds_median_chats_reused": round(statistics.median(warm), 3) if warm else None,
        "baseline_seconds_median": medians["baseline"],
        "sdo_over_baseline": round(medians["sdo"] / medians["baseline"], 2),
        "slack_sdo_seconds_median": medians["slack_sdo"],
        "slack_baseline_seconds_median": medians["slack_baseline"],
        "slack_sdo_over_baseline": round(medians["slack_sdo"] / medians["slack_baseline"], 2),
        "teams_over_slack": round(medians["sdo"] / medians["slack_sdo"], 2),
        "runs": runs,
    }


async def throttled(options: argparse.Namespace) -> dict[str, Any]:
    members = min(options.limited_members or options.members, options.members)
    teams = {
        "members": members,
        "concurrency": options.concurrency,
        "throttled": True,
        "timeout": options.timeout,
    }
    slack = {
        "members": members,
        "concurrency": options.concurrency,
        "per_second": options.per_second,
        "retry_after": options.retry_after,
    }
    # Teams counts every request against the bot's limit: the first round makes two a member
    # (open the chat, send); Slack's limit here counts chat.postMessage only.
    figures: dict[str, Any] = {
        "members": members,
        "teams_per_bot": [list(w) for w in TEAMS_PER_BOT],
        "teams_per_thread": [list(w) for w in TEAMS_PER_THREAD],
        "teams_floor_seconds": round(2 * members / TEAMS_BOT_PER_SECOND, 1),
        "slack_per_second": options.per_second,
        "slack_retry_after": options.retry_after,
        "slack_floor_seconds": round(members / options.per_second, 1),
    }
    for name, sender in (("sdo", teams_sdo_sender), ("baseline", teams_baseline_sender)):
        async with sender(**teams) as running:
            result = await running.run()
        result["accepted_per_second"] = round(result["requests_accepted"] / result["seconds"], 1)
        result["share_of_limit"] = round(result["accepted_per_second"] / TEAMS_BOT_PER_SECOND, 3)
        figures[name] = result
    for name, sender in (("slack_sdo", sdo_sender), ("slack_baseline", baseline_sender)):
        async with sender(**slack) as running:
            result = await running.run()
        result["share_of_limit"] = round(result["dms_per_second"] / options.per_second, 3)
        figures[name] = result
    return figures


async def main(options: argparse.Namespace) -> dict[str, Any]:
    return {
        "bench": "teams_fanout",
        "python": platform.python_version(),
        "concurrency": options.concurrency,
        "unlimited": await unlimited(options),
        "throttled": await throttled(options),
    }


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument(
        "--limited-members",
        type=int,
        default=500,
        help="members in the throttled condition (0: --members); 500 keeps a run near 3 min",
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--repeats", type=int, default=3, help="unlimited runs of each sender, taking turns"
    )
    parser.add_argument(
        "--per-second",
        type=float,
        default=TEAMS_BOT_PER_SECOND,
        help="chat.postMessage calls Slack admits per second (default: Teams' per-bot limit)",
    )
    parser.add_argument("--retry-after", type=int, default=1, help="seconds in Retry-After")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the last card after the pulse command answered",
    )
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(_options()))))
