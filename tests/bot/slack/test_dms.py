"""Each member's DM channel is opened once: a team's later rounds open none (``bot.slack.dms``),
also after a restart (the ledger holds the channel), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sandbox.fakeslack import FakeSlack
from tests.support.jobs import JobsHarness, pulse_dms

# 15:00 in Berlin; the later Thursdays are after the end of summer time (14:00 UTC).
THURSDAY_PULSE = datetime(2026, 10, 22, 13, tzinfo=UTC)


def _calls(fake: FakeSlack, method: str) -> int:
    return len(fake.calls_to(method))


async def _week_later(jobs: JobsHarness, when: datetime) -> int:
    """Move to ``when`` and tick until nothing is due: the DMs sent (the first tick closes
    the last round and posts its digest, a later one opens the new round)."""
    jobs.clock.set(when)
    sent = 0
    for _ in range(3):
        sent += (await jobs.tick()).sent
    return sent


async def test_later_rounds_and_a_restart_open_no_dm_channel(
    fake_slack: FakeSlack, db_url: str
) -> None:
    users = fake_slack.add_generated_team(users=12, channel_id="CDMS", channel_name="dms")
    first = JobsHarness(fake=fake_slack, db_url=db_url, start=datetime(2026, 10, 19, tzinfo=UTC))
    await first.start()
    try:
        await first.setup_team(channel_id="CDMS", name="dms", tz="Europe/Berlin", user_ids=users)
        first.clock.set(THURSDAY_PULSE)
        assert (await first.tick()).sent == 12
        opened_in_round_1 = _calls(fake_slack, "conversations.open")
        assert await _week_later(first, THURSDAY_PULSE + timedelta(days=7, hours=1)) == 12
        opened_in_round_2 = _calls(fake_slack, "conversations.open") - opened_in_round_1
    finally:
        await first.stop()

    # A new process remembers nothing in memory: the ledger has the channels.
    second = JobsHarness(
        fake=fake_slack, db_url=db_url, start=THURSDAY_PULSE + timedelta(days=14, hours=1)
    )
    await second.start()
    try:
        assert await _week_later(second, THURSDAY_PULSE + timedelta(days=14, hours=1)) == 12
    finally:
        await second.stop()
    opened_after_restart = (
        _calls(fake_slack, "conversations.open") - opened_in_round_1 - opened_in_round_2
    )

    assert (opened_in_round_1, opened_in_round_2, opened_after_restart) == (12, 0, 0)
    assert {u: len(pulse_dms(fake_slack, u)) for u in users} == dict.fromkeys(users, 3)
    # Every pulse went to the member's own DM channel.
    for user in users:
        assert {m["channel"] for m in pulse_dms(fake_slack, user)} == {
            fake_slack.dm_channel_id(user)
        }


async def test_a_dm_channel_slack_no_longer_takes_is_opened_anew_once(
    fake_slack: FakeSlack, db_url: str
) -> None:
    users = fake_slack.add_generated_team(users=3, channel_id="CDMS", channel_name="dms")
    jobs = JobsHarness(fake=fake_slack, db_url=db_url, start=datetime(2026, 10, 19, tzinfo=UTC))
    await jobs.start()
    try:
        await jobs.setup_team(channel_id="CDMS", name="dms", tz="Europe/Berlin", user_ids=users)
        jobs.clock.set(THURSDAY_PULSE)
        await jobs.tick()
        opened = _calls(fake_slack, "conversations.open")
        stale = fake_slack.dm_channel_id(users[0])
        fake_slack.fail(
            "chat.postMessage",
            error="channel_not_found",
            times=1,
            when=lambda a: a["channel"] == stale,
        )
        sent = await _week_later(jobs, THURSDAY_PULSE + timedelta(days=7, hours=1))
    finally:
        await jobs.stop()
    assert sent == 3
    assert _calls(fake_slack, "conversations.open") - opened == 1  # only the stale one
    assert len(pulse_dms(fake_slack, users[0])) == 2
