"""Fan-out under pressure: Slack's rate limits, retries that run out, two senders at once."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url

from bot.delivery.fanout import RETRY_DELAY, deliver_round
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.gateway import SlackGateway
from bot.slack.platform import SlackPlatform
from tests.support.databases import DatabaseFactory
from tests.support.jobs import JobsHarness, landed_in, posted_channels, pulse_dms

THURSDAY_PULSE = datetime(2026, 10, 22, 13, tzinfo=UTC)  # 15:00 in Berlin


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


async def _generated_team(jobs: JobsHarness, users: int) -> list[str]:
    ids = jobs.fake.add_generated_team(users=users, channel_id="CSTORM", channel_name="storm")
    await jobs.setup_team(channel_id="CSTORM", name="storm", tz="Europe/Berlin", user_ids=ids)
    return ids


async def test_a_429_storm_delivers_everyone_once_and_honours_retry_after(
    jobs: JobsHarness,
) -> None:
    users = await _generated_team(jobs, 30)
    jobs.fake.rate_limit("chat.postMessage", per_second=10, retry_after=1)
    jobs.clock.set(THURSDAY_PULSE)

    started = time.monotonic()
    report = await jobs.tick()
    elapsed = time.monotonic() - started

    assert (report.opened, report.sent, report.failed) == (1, 30, 0)
    assert {u: len(pulse_dms(jobs.fake, u)) for u in users} == dict.fromkeys(users, 1)
    limited = jobs.fake.rate_limited
    # The senders in flight at the first 429 meet one each; then the pacer keeps the rest under
    # the limit (about 8–12 in all, by timing): "several" is what proves the storm.
    assert len(limited) >= 5, "the storm did not happen"
    # After each 429, the same DM was tried again no sooner than Retry-After (1 s).
    posts = [c for c in jobs.fake.requests if c.method == "chat.postMessage"]
    for call in limited:
        channel = call.args["channel"]
        retry = next(c for c in posts if c.at > call.at and c.args["channel"] == channel)
        assert retry.at - call.at >= 1.0
    # 30 posts at 10 per second take 2 s at the very least.
    assert elapsed >= 2.0
    print(
        f"\n429 storm: 30 members, {len(limited)} answers 429, all delivered once in "
        f"{elapsed:.2f} s"
    )


async def test_when_rate_limit_retries_run_out_the_member_stays_pending(
    jobs: JobsHarness,
) -> None:
    users = await _generated_team(jobs, 3)
    team = await jobs.services.teams.for_channel(
        workspace_id=jobs.fake.workspace_id, channel_id="CSTORM"
    )
    assert team is not None
    unlucky = {users[1], jobs.fake.dm_channel_id(users[1])}
    jobs.fake.rate_limit("chat.postMessage", retry_after=1, when=lambda a: a["channel"] in unlucky)
    # A client that gives up after one retry, to reach the end of its retries quickly.
    impatient = SlackGateway(
        client=AsyncWebClient(
            token=jobs.fake.bot_token,
            base_url=jobs.fake.base_url,
            session=jobs.runtime.session,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
        ),
        session=jobs.runtime.session,
        clock=jobs.clock,
    )
    rnd, _ = await jobs.services.rounds.open(team=team)

    result = await deliver_round(
        services=jobs.services,
        platform=SlackPlatform(gateway=impatient),
        team=team,
        rnd=rnd,
        concurrency=2,
    )

    assert (result.sent, result.failed, result.pending) == (2, 0, 1)
    assert await jobs.all("SELECT user_id, status, error FROM delivery WHERE status != 'sent'") == [
        (users[1], "pending", "ratelimited")
    ]
    assert (await jobs.services.status.team(team=team)).failed_deliveries == 0

    jobs.fake.reset_faults()
    jobs.clock.advance(RETRY_DELAY)
    assert (await jobs.tick()).sent == 1
    assert {u: len(pulse_dms(jobs.fake, u)) for u in users} == dict.fromkeys(users, 1)


async def test_two_senders_on_one_round_never_send_a_member_twice(jobs: JobsHarness) -> None:
    users = await _generated_team(jobs, 60)
    team = await jobs.services.teams.for_channel(
        workspace_id=jobs.fake.workspace_id, channel_id="CSTORM"
    )
    assert team is not None
    jobs.fake.delay("chat.postMessage", 0.01)
    rnd, _ = await jobs.services.rounds.open(team=team)

    # A manager's `/sdo pulse` and the tick fan out the same round together.
    manual, tick = await asyncio.gather(
        deliver_round(
            services=jobs.services,
            platform=jobs.runtime.slack.platform,
            team=team,
            rnd=rnd,
            concurrency=4,
        ),
        jobs.tick(),
    )

    assert manual.sent + tick.sent == 60
    per_member = Counter(posted_channels(jobs.fake))
    assert per_member == Counter({jobs.fake.dm_channel_id(u): 1 for u in users})


async def test_a_cancelled_fan_out_marks_every_dm_slack_accepted(jobs: JobsHarness) -> None:
    users = await _generated_team(jobs, 60)
    team = await jobs.services.teams.for_channel(
        workspace_id=jobs.fake.workspace_id, channel_id="CSTORM"
    )
    assert team is not None
    rnd, _ = await jobs.services.rounds.open(team=team)
    dm_of = {jobs.fake.dm_channel_id(u): u for u in users}

    def accepted() -> set[str]:
        return {
            dm_of[landed_in(jobs.fake, c.args["channel"])]
            for c in jobs.fake.calls_to("chat.postMessage", ok=True)
            if landed_in(jobs.fake, c.args["channel"]) in dm_of
        }

    jobs.fake.delay("chat.postMessage", 0.01)
    sending = asyncio.create_task(
        deliver_round(
            services=jobs.services,
            platform=jobs.runtime.slack.platform,
            team=team,
            rnd=rnd,
            concurrency=4,
        )
    )
    await _until(lambda: len(accepted()) >= 1)
    # Another process holds SQLite's write lock: no mark can be written, so the senders
    # stop at the bound of unmarked DMs.
    path = make_url(jobs.db_url).database
    assert path
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # In a thread: the app may hold the lock for a moment, and its loop must go on to free it.
    await asyncio.to_thread(blocker.execute, "BEGIN IMMEDIATE")
    try:
        stalled_at = await _stalled(accepted)
        sending.cancel()  # e.g. the process is shutting down
        await asyncio.sleep(0.2)
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    with pytest.raises(asyncio.CancelledError):
        await sending

    assert 0 < len(stalled_at) < 60
    rows = await jobs.all("SELECT user_id, status FROM delivery WHERE round_id = :r", r=rnd.id)
    sent = {user for user, status in rows if status == "sent"}
    assert sent == accepted() == stalled_at  # each accepted DM marked, nothing sent after


async def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def _stalled(read: Callable[[], set[str]], quiet: float = 0.3) -> set[str]:
    """What ``read`` returns once it has not changed for ``quiet`` seconds."""
    last = read()
    while True:
        await asyncio.sleep(quiet)
        now = read()
        if now == last:
            return now
        last = now


async def test_after_the_first_429s_the_fan_out_keeps_to_the_pace_slack_accepts(
    jobs: JobsHarness,
) -> None:
    users = await _generated_team(jobs, 600)
    jobs.fake.rate_limit("chat.postMessage", per_second=100, retry_after=1)
    jobs.clock.set(THURSDAY_PULSE)

    report = await jobs.tick()

    assert (report.opened, report.sent, report.failed) == (1, 600, 0)
    assert {u: len(pulse_dms(jobs.fake, u)) for u in users} == dict.fromkeys(users, 1)
    limited = jobs.fake.rate_limited
    # The first burst meets the limit; then the sends are spaced. Unpaced, the 8 senders keep
    # running into the limit: about 8 answers 429 per second of the fan-out (here 6 s).
    assert 1 <= len(limited) <= 24
    print(f"\npaced fan-out: 600 members at 100/s, {len(limited)} answers 429")
