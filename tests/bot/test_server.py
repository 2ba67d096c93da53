"""The scheduler plumbing: settings, the shared clock file, the periodic job in the runtime."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FileClock, SystemClock
from bot.config import ConfigError, Settings
from bot.sandbox.fakeslack import FakeSlack
from bot.server import clock_for, start_runtime, stop_runtime
from tests.support.databases import DatabaseFactory
from tests.support.jobs import JobsHarness, pulse_dms
from tests.support.slack import TEAM_CHANNEL, TEAM_HUMANS


def test_scheduler_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"SDO_TICK_SECONDS": "0.5", "SDO_SEND_LEASE_SECONDS": "10", "SDO_CLOCK_FILE": "/x/c"}
    )
    assert (settings.tick_seconds, settings.send_lease_seconds, settings.clock_file) == (
        0.5,
        10.0,
        "/x/c",
    )
    defaults = Settings.from_env({})
    assert (defaults.tick_seconds, defaults.send_lease_seconds, defaults.clock_file) == (
        30.0,
        120.0,
        None,
    )
    assert isinstance(clock_for(defaults), SystemClock)
    assert isinstance(clock_for(settings), FileClock)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SDO_TICK_SECONDS": "often"},
            "SDO_TICK_SECONDS and SDO_SEND_LEASE_SECONDS must be numbers",
        ),
        ({"SDO_TICK_SECONDS": "-1"}, "SDO_TICK_SECONDS must be 0 or more"),
        ({"SDO_SEND_LEASE_SECONDS": "0"}, "SDO_SEND_LEASE_SECONDS more than 0"),
    ],
)
def test_bad_scheduler_settings_stop_start_up_with_one_line(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_the_clock_file_sets_time_for_every_reader_and_time_runs_on(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    FileClock.write(path, datetime(2026, 10, 22, 15, tzinfo=UTC))
    one, two = FileClock(path), FileClock(path)
    first = one.now()
    assert timedelta(0) <= first - datetime(2026, 10, 22, 15, tzinfo=UTC) < timedelta(seconds=5)
    assert abs(two.now() - first) < timedelta(seconds=1)  # two processes agree
    assert one.now() >= first  # and it runs on

    FileClock.write(path, datetime(2027, 3, 28, 1, tzinfo=UTC))
    assert timedelta(0) <= one.now() - datetime(2027, 3, 28, 1, tzinfo=UTC) < timedelta(seconds=5)
    assert os.listdir(tmp_path) == ["clock"]  # the scratch file was renamed away

    path.write_text("2026-10-22T15:00:00")
    with pytest.raises(ValueError, match="aware"):
        FileClock(path).now()


async def test_the_periodic_tick_starts_with_the_runtime_and_stops_with_it(
    fake_slack: FakeSlack, databases: DatabaseFactory
) -> None:
    db_url = await databases.create("sqlite")
    # A team set up last week: its Thursday pulse is due by now.
    setup = JobsHarness(
        fake=fake_slack, db_url=db_url, start=SystemClock().now() - timedelta(days=7)
    )
    await setup.start()
    await setup.setup_team(
        channel_id=TEAM_CHANNEL, name="team", tz="Europe/Berlin", user_ids=TEAM_HUMANS
    )
    await setup.stop()

    settings = Settings(
        slack_bot_token=fake_slack.bot_token,
        slack_signing_secret="x" * 32,
        database_url=db_url,
        slack_api_url=fake_slack.base_url,
        tick_seconds=0.05,
    )
    runtime = await start_runtime(settings, clock=SystemClock())
    try:
        for _ in range(200):
            if all(pulse_dms(fake_slack, user) for user in TEAM_HUMANS):
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # several more ticks
    finally:
        await stop_runtime(runtime)
    calls = len(fake_slack.calls)
    await asyncio.sleep(0.2)

    assert {u: len(pulse_dms(fake_slack, u)) for u in TEAM_HUMANS} == dict.fromkeys(TEAM_HUMANS, 1)
    assert len(fake_slack.calls) == calls  # stopped: no tick after shutdown


async def test_a_frozen_clock_tick_is_idle_without_teams(
    fake_slack: FakeSlack, databases: DatabaseFactory
) -> None:
    harness = JobsHarness(
        fake=fake_slack,
        db_url=await databases.create("sqlite"),
        start=datetime(2026, 10, 22, 13, tzinfo=UTC),
    )
    await harness.start()
    try:
        report = await harness.tick()
    finally:
        await harness.stop()
    assert report.idle
    assert fake_slack.calls == []
