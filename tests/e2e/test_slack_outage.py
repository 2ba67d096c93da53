"""Slack answering 502/504 for a minute in the middle of a round's fan-out (a scaled-down minute).

Every DM is waited out inside its call (``bot.slack.retries``): when Slack is back each member
has exactly one DM, the ledger says all sent, and nobody saw an error.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.sandbox.fakeslack import FakeSlack
from bot.slack import retries
from bot.slack.retries import ServerErrorBackoff
from tests.support.databases import DatabaseFactory
from tests.support.jobs import JobsHarness, pulse_dms
from tests.support.slack import shorter

THURSDAY_PULSE = datetime(2026, 10, 22, 13, tzinfo=UTC)  # 15:00 in Berlin
MEMBERS = 24
# The app's backoff (0.5 s doubling to 10 s, for up to 90 s a call) and the outage (a
# minute), both 40 times shorter.
SCALE = 40
OUTAGE_SECONDS = 60 / SCALE


@pytest.fixture
async def jobs(fake_slack: FakeSlack, databases: DatabaseFactory) -> AsyncIterator[JobsHarness]:
    harness = JobsHarness(
        fake=fake_slack,
        db_url=await databases.create("sqlite"),
        start=datetime(2026, 10, 19, tzinfo=UTC),
        concurrency=8,
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def test_a_minute_of_502_504_during_a_fanout_loses_nothing_and_doubles_nothing(
    jobs: JobsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retries, "SERVER_ERROR_BACKOFF", shorter(ServerErrorBackoff(), SCALE))
    users = jobs.fake.add_generated_team(users=MEMBERS, channel_id="CBIG", channel_name="big")
    await jobs.setup_team(channel_id="CBIG", name="big", tz="Europe/Berlin", user_ids=users)
    # From now on, for the minute, Slack answers every DM 502 or 504 in turn.
    jobs.fake.outage("chat.postMessage", seconds=OUTAGE_SECONDS, status=(502, 504))
    jobs.clock.set(THURSDAY_PULSE)

    started = time.monotonic()
    report = await jobs.tick()
    elapsed = time.monotonic() - started

    refused = jobs.fake.server_errors
    assert {c.status for c in refused} == {502, 504}
    assert refused[-1].at - refused[0].at >= OUTAGE_SECONDS * 0.8, "the outage did not last"
    # Every sender met it (8 at once), and waited it out rather than giving up.
    assert len({c.args["channel"] for c in refused}) >= 8
    assert (report.opened, report.sent, report.failed, report.errors) == (1, MEMBERS, 0, [])
    assert {u: len(pulse_dms(jobs.fake, u)) for u in users} == dict.fromkeys(users, 1)
    assert await jobs.all("SELECT status, count(*), max(error) FROM delivery GROUP BY status") == [
        ("sent", MEMBERS, None)
    ]
    print(
        f"\n502/504 for {OUTAGE_SECONDS:.2f} s (a minute / {SCALE}): {MEMBERS} members, "
        f"{len(refused)} answers 5xx, 0 lost, 0 doubled, done in {elapsed:.2f} s"
    )
