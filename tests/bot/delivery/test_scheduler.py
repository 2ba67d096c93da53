"""The scheduler tick on a frozen clock: cadence across DST, restarts, reminders, close, digest.

The runtime is the real one of ``sdo serve`` (SQLite file, Web API client over HTTP to the fake
Slack); only time is simulated: the test moves a ``FrozenClock`` and calls ``tick()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.delivery.fanout import RETRY_DELAY
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import TUESDAY, Schedule, Team
from bot.sandbox.fakeslack import FakeSlack
from bot.slack import retries
from bot.slack.blocks.render import render_message
from bot.slack.retries import ServerErrorBackoff
from tests.support.databases import DatabaseFactory
from tests.support.jobs import (
    JobsHarness,
    channel_posts,
    dm_round_ids,
    local,
    pulse_dms,
    reminders,
    weekday_time,
)
from tests.support.slack import ALICE, BOB, CAROL, MANAGER, TEAM_CHANNEL

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
NY_CHANNEL = "CNEWYORK1"
TEAM = (MANAGER, ALICE, BOB, CAROL)
NY_TEAM = ("UNY00001", "UNY00002")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
async def jobs(fake_slack: FakeSlack, databases: DatabaseFactory) -> AsyncIterator[JobsHarness]:
    for user in NY_TEAM:
        fake_slack.add_user(user, name=user.lower(), tz=NEW_YORK)
    fake_slack.add_channel(NY_CHANNEL, name="newyork", members=list(NY_TEAM))
    harness = JobsHarness(
        fake=fake_slack, db_url=await databases.create("sqlite"), start=utc(2026, 10, 19)
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def _both_teams(jobs: JobsHarness) -> tuple[Team, Team]:
    berlin = await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    new_york = await jobs.setup_team(
        channel_id=NY_CHANNEL, name="newyork", tz=NEW_YORK, user_ids=NY_TEAM
    )
    return berlin, new_york


@pytest.mark.parametrize(
    ("start", "end", "berlin_utc_hours", "new_york_utc_hours"),
    [
        # Autumn: Berlin falls back on 25 October 2026, New York on 1 November 2026.
        (utc(2026, 10, 19), utc(2026, 11, 13, 17), [13, 14, 14, 14], [19, 19, 20, 20]),
        # Spring: New York springs forward on 14 March 2027, Berlin on 28 March 2027.
        (utc(2027, 3, 8), utc(2027, 4, 2, 17), [14, 14, 14, 13], [20, 19, 19, 19]),
    ],
    ids=["autumn", "spring"],
)
async def test_weekly_pulses_stay_at_15_00_local_across_daylight_saving_changes(
    jobs: JobsHarness,
    start: datetime,
    end: datetime,
    berlin_utc_hours: list[int],
    new_york_utc_hours: list[int],
) -> None:
    jobs.clock.set(start)
    berlin, new_york = await _both_teams(jobs)

    await jobs.run_until(end)  # a tick every hour, on the hour, for almost four weeks

    for team, tz, hours in (
        (berlin, BERLIN, berlin_utc_hours),
        (new_york, NEW_YORK, new_york_utc_hours),
    ):
        rounds = await jobs.rounds(team)
        assert [weekday_time(r.opened_at, tz) for r in rounds] == ["Thu 15:00"] * 4, tz
        assert [(r.opened_at.hour, r.opened_at.minute) for r in rounds] == [
            (hour, 0) for hour in hours
        ], tz
        # Closed the Monday after at 10:00 local; the last one is still open.
        assert [weekday_time(r.closed_at, tz) for r in rounds if r.closed_at] == ["Mon 10:00"] * 3
        assert rounds[-1].is_open
    # Every member got exactly one DM per round, for that round.
    berlin_rounds = [r.id for r in await jobs.rounds(berlin)]
    for user in TEAM:
        assert dm_round_ids(jobs.fake, user) == berlin_rounds, user
    ny_rounds = [r.id for r in await jobs.rounds(new_york)]
    for user in NY_TEAM:
        assert dm_round_ids(jobs.fake, user) == ny_rounds, user
    # Nobody answered: one reminder per round each, on Friday 11:00 local.
    for user in (*TEAM, *NY_TEAM):
        assert len(reminders(jobs.fake, user)) == 4, user
    for team, tz, user in ((berlin, BERLIN, ALICE), (new_york, NEW_YORK, NY_TEAM[0])):
        reminded = await jobs.reminded_at(team=team, user_id=user)
        assert [weekday_time(at, tz) for at in reminded] == ["Fri 11:00"] * 4
    # One digest per closed round, in each team's channel.
    assert len(channel_posts(jobs.fake, TEAM_CHANNEL)) == 3
    assert len(channel_posts(jobs.fake, NY_CHANNEL)) == 3


async def test_a_restart_after_the_pulse_time_sends_the_round_once(
    fake_slack: FakeSlack, databases: DatabaseFactory
) -> None:
    db_url = await databases.create("sqlite")
    before = JobsHarness(fake=fake_slack, db_url=db_url, start=utc(2026, 10, 21, 12))
    await before.start()
    team = await before.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    assert (await before.tick()).idle
    await before.stop()  # down from Wednesday until Thursday evening: the pulse time passes

    after = JobsHarness(fake=fake_slack, db_url=db_url, start=utc(2026, 10, 22, 18, 30))
    await after.start()
    try:
        first = await after.tick()
        second = await after.tick()
        after.clock.advance(timedelta(minutes=30))
        third = await after.tick()
        rounds = await after.rounds(team)
    finally:
        await after.stop()

    assert (first.opened, first.sent) == (1, 4)
    assert second.idle
    assert third.idle
    assert [(r.period, r.opened_at) for r in rounds] == [
        ("sched:2026-10-22", utc(2026, 10, 22, 18, 30))
    ]
    for user in TEAM:
        assert len(pulse_dms(fake_slack, user)) == 1, user


async def test_a_long_outage_sends_one_pulse_and_the_missed_digest(jobs: JobsHarness) -> None:
    team = await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    await jobs.run_until(utc(2026, 10, 22, 14))  # round 1 opens Thursday 15:00
    assert len(await jobs.rounds(team)) == 1

    jobs.clock.set(utc(2026, 11, 12, 9))  # three weeks later
    report = await jobs.tick()
    rounds = await jobs.rounds(team)

    assert (report.closed, report.opened, report.digests) == (1, 1, 1)
    assert len(rounds) == 2  # not three missed pulses
    assert rounds[0].closed_at == utc(2026, 11, 12, 9)
    assert rounds[1].period == "sched:2026-10-29"  # named after the first pulse missed
    digest = render_message(channel_posts(jobs.fake, TEAM_CHANNEL)[0])
    assert "Round 1* (closed)" in digest
    # The cadence picks up again: the next pulse is the coming Thursday.
    runs = await jobs.services.rounds.next_runs(team=team)
    assert runs is not None
    assert runs.pulse_at is not None
    assert local(runs.pulse_at, BERLIN) == "Thu 2026-11-12 15:00"


async def test_the_reminder_goes_once_to_members_who_have_not_answered_everything(
    jobs: JobsHarness,
) -> None:
    team = await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    await jobs.run_until(utc(2026, 10, 22, 13))
    (rnd,) = await jobs.rounds(team)
    for circle in (Circle.WHAT, Circle.HOW, Circle.DELIVER):
        await jobs.services.answers.record(
            workspace_id=team.workspace_id,
            round_id=rnd.id,
            user_id=ALICE,
            circle=circle,
            value=AnswerValue.YES,
        )
    await jobs.services.answers.record(
        workspace_id=team.workspace_id,
        round_id=rnd.id,
        user_id=BOB,
        circle=Circle.WHAT,
        value=AnswerValue.NO,
    )

    reports = await jobs.run_until(utc(2026, 10, 25, 12))

    assert sum(r.reminded for r in reports) == 3
    assert reminders(jobs.fake, ALICE) == []
    for user in (MANAGER, BOB, CAROL):
        (text,) = reminders(jobs.fake, user)
        assert text.startswith(":wave: Round 1 of #team is open until <!date^1793005200^")
        assert "|Monday 26 October 09:00 UTC>" in text
        assert "about 30 seconds" in text
        # It never says who did or did not answer.
        assert all(name not in text for name in (ALICE, BOB, CAROL, MANAGER, "alice", "bob"))


async def test_a_team_without_reminders_gets_none(jobs: JobsHarness) -> None:
    team = await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    await jobs.services.rounds.set_schedule(team=team, schedule=Schedule(reminder_enabled=False))
    await jobs.run_until(utc(2026, 10, 27))
    assert len(await jobs.rounds(team)) == 1
    assert all(reminders(jobs.fake, user) == [] for user in TEAM)
    assert len(channel_posts(jobs.fake, TEAM_CHANNEL)) == 1  # the digest still comes


async def test_changing_the_schedule_moves_the_next_pulse_at_once(jobs: JobsHarness) -> None:
    team = await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    jobs.clock.set(utc(2026, 10, 20, 7, 59))  # Tuesday 09:59 in Berlin
    await jobs.services.rounds.set_schedule(
        team=team, schedule=Schedule(pulse_weekday=TUESDAY, pulse_time=time(10))
    )
    jobs.clock.advance(timedelta(minutes=1))
    report = await jobs.tick()
    (rnd,) = await jobs.rounds(team)
    assert report.opened == 1
    assert local(rnd.opened_at, BERLIN) == "Tue 2026-10-20 10:00"

    # Turning the schedule off stops pulses; manual rounds still close and get digests.
    await jobs.services.rounds.set_schedule(team=team, schedule=Schedule(enabled=False))
    await jobs.run_until(utc(2026, 11, 10), step=timedelta(hours=6))
    assert len(await jobs.rounds(team)) == 1
    assert len(channel_posts(jobs.fake, TEAM_CHANNEL)) == 1


async def test_a_manual_round_gets_reminded_closed_and_digested_by_the_schedule(
    jobs: JobsHarness,
) -> None:
    team = await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    await jobs.services.rounds.set_schedule(team=team, schedule=Schedule(enabled=False))
    jobs.clock.set(utc(2026, 10, 20, 9))
    rnd, created = await jobs.services.rounds.open(team=team)  # `/sdo pulse` on Tuesday
    assert created
    runs = await jobs.services.rounds.next_runs(team=team)
    assert runs is not None
    assert runs.reminder_at is not None
    assert runs.close_at is not None
    assert local(runs.reminder_at, BERLIN) == "Fri 2026-10-23 11:00"
    assert local(runs.close_at, BERLIN) == "Mon 2026-10-26 10:00"
    await jobs.run_until(utc(2026, 10, 27))
    (closed,) = await jobs.rounds(team)
    assert (closed.id, closed.closed_at) == (rnd.id, utc(2026, 10, 26, 9))
    assert all(len(reminders(jobs.fake, user)) == 1 for user in TEAM)
    assert len(channel_posts(jobs.fake, TEAM_CHANNEL)) == 1


async def test_a_member_slack_refuses_is_marked_failed_and_the_rest_go_on(
    jobs: JobsHarness,
) -> None:
    team = await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    # Bob's account is deactivated: his id is no DM channel, and none can be opened.
    jobs.fake.fail(
        "chat.postMessage", error="channel_not_found", when=lambda a: a["channel"] == BOB
    )
    jobs.fake.fail(
        "conversations.open", error="user_disabled", when=lambda a: a.get("users") == BOB
    )
    jobs.clock.set(utc(2026, 10, 22, 13))
    report = await jobs.tick()
    assert (report.sent, report.failed) == (3, 1)
    status = await jobs.services.status.team(team=team)
    assert status.failed_deliveries == 1
    assert await jobs.all(
        "SELECT user_id, status, error FROM delivery WHERE user_id = :u", u=BOB
    ) == [(BOB, "failed", "user_disabled")]
    # A failed member is not retried by later ticks.
    jobs.clock.advance(timedelta(hours=1))
    assert (await jobs.tick()).idle


async def test_server_errors_leave_the_member_pending_for_a_later_tick(
    jobs: JobsHarness,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Slack's 5xx are waited out for up to 90 s; here the retries have run out at once.
    monkeypatch.setattr(retries, "SERVER_ERROR_BACKOFF", ServerErrorBackoff(max_wait_seconds=0))
    team = await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    jobs.fake.server_error(
        "chat.postMessage",
        status=502,
        times=None,
        when=lambda a: a.get("channel") in (CAROL, jobs.fake.dm_channel_id(CAROL)),
    )
    jobs.clock.set(utc(2026, 10, 22, 13))
    report = await jobs.tick()
    assert (report.sent, report.failed) == (3, 0)
    assert await jobs.all("SELECT status, error FROM delivery WHERE user_id = :u", u=CAROL) == [
        ("pending", "http_502")
    ]
    assert len(jobs.fake.server_errors) == 1

    jobs.fake.reset_faults()
    jobs.clock.advance(RETRY_DELAY - timedelta(seconds=1))
    assert (await jobs.tick()).sent == 0  # not before the retry time
    jobs.clock.advance(timedelta(seconds=1))
    assert (await jobs.tick()).sent == 1
    assert len(pulse_dms(jobs.fake, CAROL)) == 1
    assert (await jobs.services.status.team(team=team)).failed_deliveries == 0


async def test_the_digest_is_posted_once_and_retried_after_a_passing_failure(
    jobs: JobsHarness,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Slack's 5xx are waited out for up to 90 s; here the retries have run out at once.
    monkeypatch.setattr(retries, "SERVER_ERROR_BACKOFF", ServerErrorBackoff(max_wait_seconds=0))
    team = await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    await jobs.run_until(utc(2026, 10, 26, 8))
    jobs.fake.server_error(
        "chat.postMessage", status=502, when=lambda a: a.get("channel") == TEAM_CHANNEL
    )
    jobs.clock.set(utc(2026, 10, 26, 9))  # Monday 10:00: close
    failed = await jobs.tick()
    assert (failed.closed, failed.digests) == (1, 0)
    assert channel_posts(jobs.fake, TEAM_CHANNEL) == []

    jobs.clock.advance(timedelta(minutes=1))
    posted = await jobs.tick()
    again = await jobs.tick()
    assert (posted.digests, again.digests) == (1, 0)
    (digest,) = channel_posts(jobs.fake, TEAM_CHANNEL)
    assert "Round 1* (closed) for *#team*" in render_message(digest)
    assert await jobs.all("SELECT round_id, status FROM digest") == [
        ((await jobs.rounds(team))[0].id, "posted")
    ]


async def test_a_digest_slack_refuses_is_not_retried(jobs: JobsHarness) -> None:
    await jobs.setup_team(channel_id=TEAM_CHANNEL, name="team", tz=BERLIN, user_ids=TEAM)
    await jobs.run_until(utc(2026, 10, 26, 8))
    jobs.fake.fail(
        "chat.postMessage", error="not_in_channel", when=lambda a: a.get("channel") == TEAM_CHANNEL
    )
    await jobs.run_until(utc(2026, 10, 27))
    assert len(jobs.fake.calls_to("chat.postMessage", ok=False)) == 1
    assert await jobs.all("SELECT status, error FROM digest") == [("failed", "not_in_channel")]
