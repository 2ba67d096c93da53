"""The pulse step as a pipeline: rounds go out while the next ones are being opened.

The runtime is the real one of ``sdo serve`` (SQLite file, Web API client over HTTP to the fake
Slack) on a frozen clock; what is asserted is ordering, not wall time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

import bot.services.due
from bot.delivery import scheduler
from bot.domain.model import DueTeam, Team, TeamRound
from bot.sandbox.fakeslack import FakeSlack
from bot.services.due import DueWork
from tests.support.databases import DatabaseFactory
from tests.support.jobs import JobsHarness, dm_round_ids

TEAMS = 5
MEMBERS = 2


@pytest.fixture
async def jobs(fake_slack: FakeSlack, databases: DatabaseFactory) -> AsyncIterator[JobsHarness]:
    harness = JobsHarness(
        fake=fake_slack,
        db_url=await databases.create("sqlite"),
        start=datetime(2026, 10, 21, 12, tzinfo=UTC),  # a Wednesday
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def _teams(jobs: JobsHarness) -> list[tuple[Team, list[str]]]:
    """Teams of their own channel and members, all due on Thursday 15:00 Berlin."""
    teams = []
    for n in range(TEAMS):
        users = [f"UPIPE{n}{m}" for m in range(MEMBERS)]
        for user in users:
            jobs.fake.add_user(user, name=user.lower(), tz="Europe/Berlin")
        channel = f"CPIPE{n}"
        jobs.fake.add_channel(channel, name=f"pipe{n}", members=users)
        team = await jobs.setup_team(
            channel_id=channel, name=f"pipe{n}", tz="Europe/Berlin", user_ids=users
        )
        teams.append((team, users))
    jobs.clock.set(datetime(2026, 10, 22, 18, 30, tzinfo=UTC))  # all of them due
    return teams


async def test_a_round_s_dms_go_out_before_the_last_due_round_is_opened(
    jobs: JobsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = await _teams(jobs)
    opened_at: list[float] = []
    open_round_in = bot.services.due.open_round_in

    async def recorded(*args: Any, **kwargs: Any) -> Any:
        opened = await open_round_in(*args, **kwargs)
        opened_at.append(time.monotonic())
        return opened

    monkeypatch.setattr(bot.services.due, "open_round_in", recorded)
    # One team a transaction, each after a pause: the opening takes a while.
    monkeypatch.setattr(scheduler, "OPEN_BATCH", 1, raising=False)
    open_pulses_of = DueWork.open_pulses_of

    async def slowly(self: DueWork, due: Sequence[DueTeam]) -> list[TeamRound]:
        await asyncio.sleep(0.1)
        return await open_pulses_of(self, due)

    monkeypatch.setattr(DueWork, "open_pulses_of", slowly, raising=False)

    report = await jobs.tick()

    assert (report.opened, report.sent, report.errors) == (TEAMS, TEAMS * MEMBERS, [])
    first_dm = min(c.at for c in jobs.fake.calls_to("chat.postMessage", ok=True))
    assert len(opened_at) == TEAMS
    # Opening, then sending, would put every DM after the last round opened.
    assert first_dm < max(opened_at)
    for team, users in teams:  # each member once, for their team's one round
        (rnd,) = await jobs.rounds(team)
        for user in users:
            assert dm_round_ids(jobs.fake, user) == [rnd.id]


async def test_one_tick_opens_batch_after_batch_of_due_pulses(
    jobs: JobsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _teams(jobs)
    monkeypatch.setattr(bot.services.due, "SCHEDULER_BATCH", 2)
    monkeypatch.setattr(scheduler, "SCHEDULER_BATCH", 2, raising=False)

    first = await jobs.tick()
    second = await jobs.tick()

    # One batch a tick would have opened two and left three for the ticks after.
    assert (first.opened, first.sent, first.errors) == (TEAMS, TEAMS * MEMBERS, [])
    assert second.idle


async def test_a_tick_opens_at_most_its_batches_and_the_next_tick_the_rest(
    jobs: JobsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _teams(jobs)
    monkeypatch.setattr(bot.services.due, "SCHEDULER_BATCH", 2)
    monkeypatch.setattr(scheduler, "SCHEDULER_BATCH", 2)
    monkeypatch.setattr(scheduler, "PULSE_BATCHES_PER_TICK", 2)

    first = await jobs.tick()
    second = await jobs.tick()
    third = await jobs.tick()

    assert (first.opened, first.sent) == (4, 4 * MEMBERS)
    assert (second.opened, second.sent) == (1, MEMBERS)
    assert third.idle


async def test_a_team_whose_round_cannot_open_holds_back_none_of_the_others(
    jobs: JobsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    teams = await _teams(jobs)
    broken, _ = teams[1]
    # A schedule row nobody can read (a hand edit, an old bug): weekday 9.
    async with jobs.runtime.db.write() as s:
        await s.execute(text("UPDATE team SET pulse_weekday = 9 WHERE id = :id"), {"id": broken.id})

    with caplog.at_level(logging.ERROR, logger="bot.services.due"):
        report = await jobs.tick()

    # The four others opened and sent in the same tick (a batch of five rolled back before).
    assert (report.opened, report.sent) == (TEAMS - 1, (TEAMS - 1) * MEMBERS)
    for team, users in teams:
        rounds = await jobs.rounds(team)
        assert len(rounds) == (0 if team.id == broken.id else 1), team.name
        for user in users:
            assert len(dm_round_ids(jobs.fake, user)) == (0 if team.id == broken.id else 1)
    assert [r.getMessage() for r in caplog.records] == [
        f"could not open team {broken.id}'s scheduled round"
    ]
