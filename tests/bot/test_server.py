"""The runtime: the periodic job starts and stops with it; one server serves Slack, Teams or
both, and the scheduler sends each workspace to its own platform."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web

from bot.clock import SystemClock
from bot.config import Settings
from bot.delivery.routing import RoutedPlatform
from bot.sandbox.fakeslack import FakeSlack
from bot.server import RUNTIME_KEY, build_web_app, start_runtime, stop_runtime
from tests.support.databases import DatabaseFactory
from tests.support.jobs import JobsHarness, pulse_dms
from tests.support.slack import TEAM_CHANNEL, TEAM_HUMANS


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


async def _serve(settings: Settings) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(build_web_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def test_one_server_serves_slack_and_teams_and_each_workspace_goes_to_its_own(
    fake_slack: FakeSlack, databases: DatabaseFactory
) -> None:
    settings = Settings(
        slack_bot_token=fake_slack.bot_token,
        slack_signing_secret="a-signing-secret-of-this-test-0001",
        slack_api_url=fake_slack.base_url,
        database_url=await databases.create("sqlite"),
        tick_seconds=0,
        teams_allow_anonymous_unsafe=True,
        public_url="http://127.0.0.1",
    )
    runner, url = await _serve(settings)
    try:
        async with aiohttp.ClientSession() as http:
            # Unsigned Slack request: refused by Slack's check; an empty Teams body: not JSON.
            async with http.post(url + "/slack/events", data=b"{}") as slack:
                assert slack.status == 401
            async with http.post(url + "/api/messages", data=b"x") as teams:
                assert teams.status == 415
        runtime = runner.app[RUNTIME_KEY]
        assert runtime.teams is not None
        platform = runtime.scheduler.platform
        assert isinstance(platform, RoutedPlatform)
        assert platform.platform_of("msteams:tenant") is runtime.teams.platform
        assert platform.platform_of("T0001") is runtime.slack.platform
    finally:
        await runner.cleanup()


async def test_a_teams_only_server_has_no_slack_route(databases: DatabaseFactory) -> None:
    settings = Settings(
        database_url=await databases.create("sqlite"),
        tick_seconds=0,
        teams_allow_anonymous_unsafe=True,
        public_url="http://127.0.0.1",
    )
    runner, url = await _serve(settings)
    try:
        async with aiohttp.ClientSession() as http, http.post(url + "/slack/events") as slack:
            assert slack.status == 404
        assert runner.app[RUNTIME_KEY].bolt is None
    finally:
        await runner.cleanup()
