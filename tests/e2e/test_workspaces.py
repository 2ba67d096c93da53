"""Many workspaces at once: each is served beside the others, at its own pace.

The app runs in multi-workspace mode against a ``FakeSlackFleet`` (one fake per workspace,
each with its own token, limits and faults). What is asserted is ordering, not wall time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.model import Round
from bot.domain.views import PersonInfo
from bot.sandbox.fakeslack import FakeSlack
from bot.sandbox.fakeslack.fleet import FakeSlackFleet
from bot.sandbox.fakeslack.tiers import SLACK_TIERS, Limit, TierTable
from bot.sandbox.installs import install_workspaces
from bot.server import Runtime, start_runtime, stop_runtime
from tests.support.databases import DatabaseFactory
from tests.support.harness import SIGNING_SECRET

NOW = datetime(2026, 10, 22, 13, tzinfo=UTC)


@dataclass
class Fleet:
    fleet: FakeSlackFleet
    runtime: Runtime

    async def round_for(self, fake: FakeSlack, members: int) -> Round:
        """A team of ``members`` in the workspace, and its round opened (its DMs pending)."""
        users = fake.add_generated_team(users=members)
        people = [PersonInfo(user_id=u, name=u.lower(), tz="Europe/Berlin") for u in users]
        services = self.runtime.services
        team, _, _ = await services.teams.setup(
            workspace_id=fake.workspace_id,
            channel_id="CTEAM",
            channel_name="team",
            caller=people[0],
            people=people,
        )
        rnd, _ = await services.rounds.open(team=team)
        return rnd


@pytest.fixture
async def fleet(databases: DatabaseFactory) -> AsyncIterator[Fleet]:
    async with FakeSlackFleet() as fakes:
        for n in range(4):
            fakes.add_workspace(workspace_id=f"T000000{n}", bot_token=f"xoxb-workspace-{n}")
        settings = Settings(
            slack_signing_secret=SIGNING_SECRET,
            database_url=await databases.create("sqlite"),
            slack_api_url=fakes.base_url,
            send_concurrency=2,
            tick_seconds=0,
            slack_client_id="1111.2222",
            slack_client_secret="simulated-client-secret",
            slack_scopes=("commands", "chat:write"),
            encryption_key=Fernet.generate_key().decode(),
        )
        runtime = await start_runtime(settings, clock=FrozenClock(NOW))
        try:
            assert await install_workspaces(settings, fakes.workspaces.values()) == 4
            yield Fleet(fleet=fakes, runtime=runtime)
        finally:
            await stop_runtime(runtime)


def _accepted_at(fake: FakeSlack) -> list[float]:
    return [c.at for c in fake.calls_to("chat.postMessage", ok=True)]


async def test_due_rounds_of_different_workspaces_go_out_side_by_side(fleet: Fleet) -> None:
    fakes = list(fleet.fleet.workspaces.values())
    for fake in fakes:
        await fleet.round_for(fake, members=6)
        fake.delay("chat.postMessage", 0.05)  # each answer takes a moment

    report = await fleet.runtime.scheduler.tick()

    assert (report.sent, report.errors) == (24, [])
    # One after another, a workspace would start only once the one before had finished;
    # side by side, every workspace has started before any has finished.
    assert max(min(_accepted_at(f)) for f in fakes) < min(max(_accepted_at(f)) for f in fakes)


async def test_one_workspaces_429_storm_does_not_hold_up_another(fleet: Fleet) -> None:
    stormy, *calm = fleet.fleet.workspaces.values()
    await fleet.round_for(stormy, members=6)  # the oldest round: first in line
    for fake in calm:
        await fleet.round_for(fake, members=6)
    # Slack asks the stormy workspace's first sends to wait 2 s.
    stormy.rate_limit("chat.postMessage", retry_after=2, times=6)

    report = await fleet.runtime.scheduler.tick()

    assert (report.sent, report.failed) == (24, 0)
    assert len(stormy.rate_limited) == 6
    # Every calm workspace was done before the stormy one got its first DM through.
    assert max(max(_accepted_at(f)) for f in calm) < min(_accepted_at(stormy))
    for fake in fleet.fleet.workspaces.values():  # each member once, in their own workspace
        assert len(fake.calls_to("chat.postMessage", ok=True)) == 6


async def test_rounds_under_slacks_tiers_reach_everyone_once_and_open_nothing(
    fleet: Fleet,
) -> None:
    # Slack's tiers, six times faster, but chat.postMessage refilling at 7.5 a second: 40 DMs a
    # workspace outrun its burst of 30 unless they take over 1.3 s, so Slack answers 429 and the
    # app waits. (At six times Slack's rate, 60 a second, a slow CI machine refilled the burst
    # in time.)
    fast = SLACK_TIERS.scaled(6)
    table = TierTable(
        methods={**fast.methods, "chat.postMessage": Limit(per_minute=450, burst=30)},
        per_channel=fast.per_channel,
    )
    fakes = list(fleet.fleet.workspaces.values())[:2]
    for fake in fakes:
        fake.enforce_tiers(table=table)
        await fleet.round_for(fake, members=40)

    first = await fleet.runtime.scheduler.tick()
    limited = sum(len(f.rate_limited) for f in fakes)
    posted_first = [len(f.calls_to("chat.postMessage", ok=True)) for f in fakes]
    for fake in fakes:  # a second round of each team
        services = fleet.runtime.services
        team = await services.teams.for_channel(workspace_id=fake.workspace_id, channel_id="CTEAM")
        assert team is not None
        await services.rounds.open(team=team, period="second")
    second = await fleet.runtime.scheduler.tick()

    assert (first.sent, first.failed, second.sent, second.failed) == (80, 0, 80, 0)
    assert limited > 0  # the limits bound, and were waited out
    assert posted_first == [40, 40]
    for fake in fakes:
        assert fake.calls_to("conversations.open") == []
        dms = [c.args["channel"] for c in fake.calls_to("chat.postMessage", ok=True)]
        posts = [c for c in dms if c != "CTEAM"]  # not round 1's digest
        assert all(c.startswith("U") for c in posts[:40])  # round 1: to the user ids
        assert all(c.startswith("D") for c in posts[40:])  # round 2: into their DM channels
        assert len(set(posts[40:])) == 40
