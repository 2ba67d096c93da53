"""No DM channel is ever opened: a first DM goes to the member's user id, whose answer names the
DM channel; later rounds post there (``bot.slack.dms``), also after a restart (the ledger holds
the channel), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sandbox.fakeslack import FakeSlack
from tests.support.jobs import JobsHarness, pulse_dms

# 15:00 in Berlin; the later Thursdays are after the end of summer time (14:00 UTC).
THURSDAY_PULSE = datetime(2026, 10, 22, 13, tzinfo=UTC)


def _calls(fake: FakeSlack, method: str) -> int:
    return len(fake.calls_to(method))


def _targets(fake: FakeSlack, since: int = 0) -> list[str]:
    """Where the accepted chat.postMessage calls after the first ``since`` were posted."""
    return [c.args["channel"] for c in fake.calls_to("chat.postMessage", ok=True)[since:]]


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
        assert sorted(_targets(fake_slack)) == sorted(users)  # to the user ids
        posted = len(_targets(fake_slack))
        assert await _week_later(first, THURSDAY_PULSE + timedelta(days=7, hours=1)) == 12
        opened_in_round_2 = _calls(fake_slack, "conversations.open") - opened_in_round_1
        # Round 2: into the DM channels round 1's answers named (and the digest's channel).
        dm_channels = {fake_slack.dm_channel_id(u) for u in users}
        assert dm_channels <= set(_targets(fake_slack, posted))
        assert not set(users) & set(_targets(fake_slack, posted))
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

    assert (opened_in_round_1, opened_in_round_2, opened_after_restart) == (0, 0, 0)
    assert {u: len(pulse_dms(fake_slack, u)) for u in users} == dict.fromkeys(users, 3)
    # Every pulse is in the member's own DM channel.
    for user in users:
        stored = fake_slack.messages[fake_slack.dm_channel_id(user)]
        assert sum(1 for m in stored if any(b["type"] == "actions" for b in m["blocks"])) == 3


async def test_a_dm_channel_slack_no_longer_takes_is_found_anew_once(
    fake_slack: FakeSlack, db_url: str
) -> None:
    users = fake_slack.add_generated_team(users=3, channel_id="CDMS", channel_name="dms")
    jobs = JobsHarness(fake=fake_slack, db_url=db_url, start=datetime(2026, 10, 19, tzinfo=UTC))
    await jobs.start()
    try:
        await jobs.setup_team(channel_id="CDMS", name="dms", tz="Europe/Berlin", user_ids=users)
        jobs.clock.set(THURSDAY_PULSE)
        await jobs.tick()
        posted = len(_targets(fake_slack))
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
    # The stale channel was refused once; the DM then went to the user id, opening nothing.
    refused = [c for c in fake_slack.calls_to("chat.postMessage", ok=False)]
    assert [c.args["channel"] for c in refused] == [stale]
    assert users[0] in _targets(fake_slack, posted)
    assert _calls(fake_slack, "conversations.open") == 0
    assert len(pulse_dms(fake_slack, users[0])) == 2
