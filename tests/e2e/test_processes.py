"""Real ``sdo serve`` processes: killed mid-fan-out, and two replicas on one PostgreSQL database.

The fake Slack runs in the test process; the app runs as ``python -m bot serve`` subprocesses
pointed at it, exactly as deployed (environment variables only). Time is the system clock in
the crash test and a shared clock file (``SDO_CLOCK_FILE``) moved by the test for the replicas.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.clock import FileClock, FrozenClock, SystemClock
from bot.delivery.fanout import CLAIM_BATCH, UNMARKED_PER_SENDER
from bot.domain.circles import CIRCLES, AnswerValue
from bot.domain.model import DeliveryStatus, Team
from bot.domain.views import PersonInfo
from bot.sandbox.fakeslack import FakeSlack
from bot.services import Services
from storage.db import Database
from tests.support.databases import DatabaseFactory
from tests.support.harness import SIGNING_SECRET, WORKSPACE
from tests.support.jobs import channel_posts, dm_round_ids, posted_channels, reminders
from tests.support.processes import Serve, until
from tests.support.rows import delivery_counts


def _app_env(fake: FakeSlack, db_url: str, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SDO_SLACK_API_URL": fake.base_url,
        "SDO_DATABASE_URL": db_url,
        "SDO_LOG_LEVEL": "WARNING",
        **extra,
    }


async def _setup(
    services: Services, *, channel_id: str, name: str, tz: str, user_ids: list[str]
) -> Team:
    people = [PersonInfo(user_id=u, name=u.lower(), tz=tz) for u in user_ids]
    team, _, _ = await services.teams.setup(
        workspace_id=WORKSPACE,
        channel_id=channel_id,
        channel_name=name,
        caller=people[0],
        people=people,
    )
    return team


async def _sql(db: Database, query: str) -> list[tuple[Any, ...]]:
    async with db.read() as session:
        return [tuple(row) for row in await session.execute(text(query))]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(workspace_id=WORKSPACE) as slack:
        yield slack


async def test_a_killed_fan_out_resumes_after_restart_with_few_duplicates(
    fake: FakeSlack, databases: DatabaseFactory, tmp_path: Path
) -> None:
    members, concurrency = 200, 8
    users = fake.add_generated_team(users=members, channel_id="CBIG", channel_name="big")
    db_url = await databases.create("sqlite")
    db = Database(db_url)
    # Set up a week ago: the Thursday 15:00 pulse that followed is due now.
    services = Services(db=db, clock=FrozenClock(SystemClock().now() - timedelta(days=7)))
    team = await _setup(services, channel_id="CBIG", name="big", tz="Europe/Berlin", user_ids=users)
    fake.delay("chat.postMessage", 0.05)  # Slack stores the message at once, answers late
    env = _app_env(
        fake,
        db_url,
        SDO_TICK_SECONDS="0.2",
        SDO_SEND_LEASE_SECONDS="1",
        SDO_SEND_CONCURRENCY=str(concurrency),
    )
    dm_channels = {fake.dm_channel_id(u) for u in users}

    def posted() -> list[str]:
        return [c for c in posted_channels(fake) if c in dm_channels]

    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = await Serve.start(env=env, log=logs[0])
    try:
        await until(lambda: len(posted()) >= 60, timeout=30, what="the fan-out to start", logs=logs)
    finally:
        await first.kill()
    before_restart = len(posted())

    async def ledger() -> dict[DeliveryStatus, int]:
        rounds = await services.status.history(team=team, limit=5)
        assert len(rounds) == 1
        async with db.read() as s:
            return await delivery_counts(
                s, workspace_id=team.workspace_id, round_id=rounds[0].round.id
            )

    stopped_at = await ledger()
    second = await Serve.start(env=env, log=logs[1])
    try:
        await until(
            lambda: set(posted()) == dm_channels,
            timeout=30,
            what="every member to get the pulse",
            logs=logs,
        )
        for _ in range(100):  # and the ledger to record the last sends
            if (await ledger())[DeliveryStatus.SENT] == members:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.6)  # a few more ticks: nothing else may be sent
    finally:
        await second.stop()
        after = await ledger()
        await db.dispose()

    counts = Counter(posted())
    duplicates = sum(n - 1 for n in counts.values())
    print(
        f"\ncrash mid-fan-out: {before_restart} DMs posted before SIGKILL "
        f"(ledger then: {stopped_at[DeliveryStatus.SENT]} sent), "
        f"{len(counts)}/{members} members reached after restart, {duplicates} duplicates "
        f"(send concurrency {concurrency})"
    )
    assert set(counts) == dm_channels
    assert after == {
        DeliveryStatus.SENT: members,
        DeliveryStatus.PENDING: 0,
        DeliveryStatus.FAILED: 0,
        DeliveryStatus.AWAY: 0,
    }
    # Only DMs Slack accepted before the kill whose marks were not yet committed go twice.
    assert duplicates <= UNMARKED_PER_SENDER * concurrency
    assert first.process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
async def test_after_a_kill_the_dead_processs_members_are_sent_within_30_seconds(
    fake: FakeSlack, databases: DatabaseFactory, tmp_path: Path, dialect: str
) -> None:
    """Default leases and claims; the app's clock is a file the test moves (``FileClock``)."""
    members, concurrency = 200, 8
    users = fake.add_generated_team(users=members, channel_id="CBIG", channel_name="big")
    db_url = await databases.create(dialect)
    db = Database(db_url)
    start = SystemClock().now()
    clock_file = tmp_path / "clock"
    FileClock.write(clock_file, start)
    services = Services(db=db, clock=FrozenClock(start - timedelta(days=7)))
    await _setup(services, channel_id="CBIG", name="big", tz="Europe/Berlin", user_ids=users)
    fake.delay("chat.postMessage", 0.05)
    env = _app_env(
        fake,
        db_url,
        SDO_TICK_SECONDS="0.2",
        SDO_SEND_CONCURRENCY=str(concurrency),
        SDO_CLOCK_FILE=str(clock_file),
    )
    dm_channels = {fake.dm_channel_id(u) for u in users}

    def reached() -> set[str]:
        return {c for c in posted_channels(fake) if c in dm_channels}

    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = await Serve.start(env=env, log=logs[0])
    try:
        await until(lambda: len(reached()) >= 60, timeout=30, what="the fan-out", logs=logs)
    finally:
        await first.kill()
    second = await Serve.start(env=env, log=logs[1])
    restarted = FileClock(clock_file).now()
    # What the dead process had not leased goes at once; its leased rows wait for the lease.
    await until(
        lambda: len(reached()) >= members - 2 * CLAIM_BATCH - concurrency,
        timeout=30,
        what="the unleased members",
        logs=logs,
    )
    try:
        recovered_after = None
        for seconds in range(0, 35, 5):  # the app's clock moves on 5 s at a time
            FileClock.write(clock_file, restarted + timedelta(seconds=seconds))
            await asyncio.sleep(1.0)  # five ticks
            if reached() == dm_channels:
                recovered_after = seconds
                break
    finally:
        await second.stop()
        await db.dispose()
    counts = Counter(posted_channels(fake))
    duplicates = sum(n - 1 for n in counts.values())
    print(
        f"\nkill -9 mid-fan-out ({dialect}): every member reached {recovered_after} s of app "
        f"time after the restart, {duplicates} duplicates"
    )
    assert recovered_after is not None, f"{members - len(reached())} members still waiting"
    assert recovered_after <= 30
    assert duplicates <= UNMARKED_PER_SENDER * concurrency


@pytest.mark.postgres
async def test_two_replicas_on_one_postgres_do_everything_exactly_once(
    fake: FakeSlack, databases: DatabaseFactory, tmp_path: Path
) -> None:
    db_url = await databases.create("postgres")
    berlin_users = fake.add_generated_team(users=6, channel_id="CBER", channel_name="berlin")
    ny_users = [f"UNY{i:06d}" for i in range(1, 4)]
    for user in ny_users:
        fake.add_user(user, name=user.lower(), tz="America/New_York")
    fake.add_channel("CNYC", name="newyork", members=ny_users)
    fake.delay("chat.postMessage", 0.02)

    start = datetime(2026, 10, 19, 8, tzinfo=UTC)  # a Monday
    clock_file = tmp_path / "clock"
    FileClock.write(clock_file, start)
    db = Database(db_url)
    test_clock = FrozenClock(start)
    services = Services(db=db, clock=test_clock)
    berlin = await _setup(
        services, channel_id="CBER", name="berlin", tz="Europe/Berlin", user_ids=berlin_users
    )
    new_york = await _setup(
        services, channel_id="CNYC", name="newyork", tz="America/New_York", user_ids=ny_users
    )
    env = _app_env(
        fake,
        db_url,
        SDO_TICK_SECONDS="0.1",
        SDO_SEND_LEASE_SECONDS="2",
        SDO_SEND_CONCURRENCY="3",
        SDO_CLOCK_FILE=str(clock_file),
    )
    logs = [tmp_path / "replica-a.log", tmp_path / "replica-b.log"]
    replicas = [await Serve.start(env=env, log=log) for log in logs]
    weeks = 3
    eager = {berlin.id: berlin_users[0], new_york.id: ny_users[0]}  # they answer everything

    async def travel(when: datetime, check: Callable[[], bool], what: str) -> None:
        FileClock.write(clock_file, when)
        test_clock.set(when)
        await until(check, timeout=20, what=what, logs=logs)
        await asyncio.sleep(0.4)  # several ticks of both replicas: room for a duplicate

    def dms(users: list[str]) -> int:
        return min(len(dm_round_ids(fake, u)) for u in users)

    try:
        for week in range(weeks):
            thursday = start + timedelta(weeks=week, days=3)
            await travel(
                thursday.replace(hour=21),
                lambda n=week + 1: dms(berlin_users) == n and dms(ny_users) == n,
                f"week {week + 1}'s pulses",
            )
            for team in (berlin, new_york):
                (current,) = [v.round for v in await services.status.history(team=team, limit=1)]
                for circle in CIRCLES:
                    await services.answers.record(
                        workspace_id=WORKSPACE,
                        round_id=current.id,
                        user_id=eager[team.id],
                        circle=circle,
                        value=AnswerValue.YES,
                    )
            await travel(
                thursday.replace(hour=21) + timedelta(hours=20),  # Friday 17:00 UTC
                lambda n=week + 1: all(
                    len(reminders(fake, u)) == n for u in berlin_users[1:] + ny_users[1:]
                ),
                f"week {week + 1}'s reminders",
            )
            await travel(
                start + timedelta(weeks=week + 1, hours=8),  # Monday 16:00 UTC
                lambda n=week + 1: (
                    len(channel_posts(fake, "CBER")) == n and len(channel_posts(fake, "CNYC")) == n
                ),
                f"week {week + 1}'s digests",
            )
    finally:
        for replica in replicas:
            await replica.stop()

    try:
        for team, users, channel in ((berlin, berlin_users, "CBER"), (new_york, ny_users, "CNYC")):
            rounds = [v.round for v in await services.status.history(team=team, limit=10)]
            assert len(rounds) == weeks  # each round opened once
            assert len({r.period for r in rounds}) == weeks
            assert all(not r.is_open for r in rounds)
            for user in users:  # each member asked once per round
                assert dm_round_ids(fake, user) == [r.id for r in rounds], user
            assert reminders(fake, users[0]) == []  # answered everything: never reminded
            for user in users[1:]:
                assert len(reminders(fake, user)) == weeks, user
            digests = channel_posts(fake, channel)  # each digest posted once
            assert len(digests) == weeks
            assert [
                f"*Round {r.number}* (closed)" in str(d["blocks"])
                for r, d in zip(rounds, digests, strict=True)
            ] == [True] * weeks
        senders = Counter(
            (owner or "").split(":")[1]
            for (owner,) in await _sql(db, "SELECT lease_owner FROM delivery")
        )
    finally:
        await db.dispose()
    assert all(r.process.returncode is not None for r in replicas)
    pids = {str(r.process.pid) for r in replicas}
    assert set(senders) <= pids
    print(
        f"\ntwo replicas, {weeks} simulated weeks: {2 * weeks} rounds opened once, "
        f"{weeks * (len(berlin_users) + len(ny_users))} pulse DMs, "
        f"{weeks * (len(berlin_users) + len(ny_users) - 2)} reminders, "
        f"{2 * weeks} digests — no duplicates; DMs sent per replica: "
        f"{sorted(senders.values(), reverse=True)}"
    )
