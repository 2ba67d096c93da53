"""The retention job in the scheduler tick, on the app's (frozen) clock: once per 24 hours,
however often the tick runs, with ``SDO_RETENTION_DAYS`` set; never without it.

The runtime is the real one of ``sdo serve`` (SQLite file, the fake Slack); the test moves the
clock and calls ``tick()``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Round, Schedule, Team
from bot.sandbox.fakeslack import FakeSlack
from tests.support.databases import DatabaseFactory
from tests.support.jobs import JobsHarness
from tests.support.slack import ALICE, BOB, CAROL, MANAGER, TEAM_CHANNEL

T0 = datetime(2026, 10, 19, tzinfo=UTC)  # a Monday
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
RETENTION = "bot.services.retention"


class RetentionJobs(JobsHarness):
    """The scheduler's runtime with ``SDO_RETENTION_DAYS`` (None: unset)."""

    def __init__(self, *, days: int | None, fake: FakeSlack, db_url: str) -> None:
        super().__init__(fake=fake, db_url=db_url, start=T0)
        self.days = days

    @property
    def settings(self) -> Settings:
        return replace(super().settings, retention_days=self.days)


async def _jobs(fake: FakeSlack, databases: DatabaseFactory, days: int | None) -> RetentionJobs:
    jobs = RetentionJobs(days=days, fake=fake, db_url=await databases.create("sqlite"))
    await jobs.start()
    return jobs


@pytest.fixture
async def jobs(fake_slack: FakeSlack, databases: DatabaseFactory) -> AsyncIterator[RetentionJobs]:
    harness = await _jobs(fake_slack, databases, 30)
    try:
        yield harness
    finally:
        await harness.stop()


async def _three_rounds(jobs: JobsHarness) -> tuple[Team, list[Round]]:
    """Rounds opened on T0, T0 + 1 day and T0 + 2 days, each closing the one before; Alice
    and Bob answer every question of each, Alice with a note."""
    team = await jobs.setup_team(
        channel_id=TEAM_CHANNEL, name="team", tz="UTC", user_ids=(MANAGER, ALICE, BOB, CAROL)
    )
    await jobs.services.rounds.set_schedule(team=team, schedule=Schedule(enabled=False))
    opened = []
    for number in range(3):
        jobs.clock.set(T0 + number * DAY)
        rnd, _ = await jobs.services.rounds.open(team=team, period=f"r{number}")
        opened.append(rnd)
        for user in (ALICE, BOB):
            for circle in Circle:
                outcome = await jobs.services.answers.record(
                    workspace_id=team.workspace_id,
                    round_id=rnd.id,
                    user_id=user,
                    circle=circle,
                    value=AnswerValue.YES,
                )
                assert outcome.stored
        await jobs.services.answers.save_note(
            workspace_id=team.workspace_id,
            round_id=rnd.id,
            user_id=ALICE,
            circle=Circle.HOW,
            note="a demo to Acme",
            internal_customer=False,
        )
    return team, opened


async def _answers(jobs: JobsHarness) -> dict[int, int]:
    return dict(await jobs.all("SELECT round_id, count(*) FROM answer GROUP BY round_id"))


def _runs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == RETENTION and r.getMessage().startswith("retention: ")
    ]


async def test_the_job_runs_once_a_day_on_the_app_s_clock_not_every_tick(
    jobs: RetentionJobs, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=RETENTION)
    team, (first, second, third) = await _three_rounds(jobs)
    # First closed at T0 + 1 day, second at T0 + 2 days.
    jobs.clock.set(T0 + 31 * DAY + 12 * HOUR)

    await jobs.tick()

    # The first round closed 30.5 days ago: its answers and note are gone. The second closed
    # 29.5 days ago: kept.
    assert _runs(caplog) == [
        "retention: deleted 6 answers and 1 notes (6 rows) of 1 rounds closed more than 30 "
        "days ago, in 1 deletes of up to 1000 rows; 1 rounds summarised first"
    ]
    assert await _answers(jobs) == {second.id: 6, third.id: 6}

    # Ticks all day long: the second round passes 30 days at T0 + 32 days, but the job ran
    # today already.
    for _ in range(23):
        jobs.clock.advance(HOUR)
        await jobs.tick()
    assert jobs.clock.now() == T0 + 32 * DAY + 11 * HOUR
    assert len(_runs(caplog)) == 1
    assert await _answers(jobs) == {second.id: 6, third.id: 6}

    # 24 hours after the first run: the next.
    jobs.clock.advance(HOUR)
    await jobs.tick()
    assert len(_runs(caplog)) == 2
    assert _runs(caplog)[1].startswith("retention: deleted 6 answers and 1 notes (6 rows)")
    assert await _answers(jobs) == {third.id: 6}
    # The purged rounds read as before: every member of both answered Yes to everything.
    history = await jobs.services.status.history(team=team, limit=5)
    assert [(v.round.id, v.score.respondents) for v in history] == [
        (first.id, 2),
        (second.id, 2),
        (third.id, 2),
    ]


async def test_without_a_retention_nothing_is_ever_deleted(
    fake_slack: FakeSlack, databases: DatabaseFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=RETENTION)
    jobs = await _jobs(fake_slack, databases, None)
    try:
        _, rounds = await _three_rounds(jobs)
        jobs.clock.set(T0 + 400 * DAY)
        await jobs.tick()
        jobs.clock.advance(2 * DAY)
        await jobs.tick()
        assert await _answers(jobs) == {r.id: 6 for r in rounds}
        assert await jobs.scalar("SELECT count(*) FROM round_summary") == 0
        assert _runs(caplog) == []
    finally:
        await jobs.stop()
