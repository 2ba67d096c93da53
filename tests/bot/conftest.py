"""Fixtures for app tests: the real server on a free port, talking to a fake Slack over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.fakeslack import FakeSlack
from tests.bot.slack_harness import WORKSPACE, SlackHarness
from tests.conftest import DatabaseFactory

# The directory of the fake workspace: who is in the team channel and who is not.
MANAGER, ALICE, BOB, CAROL = "UMANAGER1", "UALICE01", "UBOB0001", "UCAROL01"
OUTSIDER, ADMIN, BOT, GONE = "UOUTSIDE1", "UADMIN01", "UBOTHELP1", "UGONE001"
TEAM_CHANNEL, OTHER_CHANNEL = "CTEAM0001", "COTHER001"
TEAM_HUMANS = (MANAGER, ALICE, BOB, CAROL)


def populate(fake: FakeSlack) -> None:
    fake.add_user(MANAGER, name="mia", real_name="Mia Manager", tz="Europe/Berlin")
    fake.add_user(ALICE, name="alice", real_name="Alice", tz="Europe/Berlin")
    fake.add_user(BOB, name="bob", real_name="Bob", tz="America/New_York")
    fake.add_user(CAROL, name="carol", real_name="Carol", tz="Asia/Tokyo")
    fake.add_user(OUTSIDER, name="oscar", real_name="Oscar Outsider")
    fake.add_user(ADMIN, name="ada", real_name="Ada Admin", is_admin=True)
    fake.add_user(BOT, name="helper", real_name="Helper Bot", is_bot=True)
    fake.add_user(GONE, name="gone", real_name="Gone Person", deleted=True)
    fake.add_channel(
        TEAM_CHANNEL, name="team", members=[MANAGER, ALICE, BOB, CAROL, BOT, GONE, "USLACKBOT"]
    )
    fake.add_channel(OTHER_CHANNEL, name="other", members=[OUTSIDER, ADMIN])


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(workspace_id=WORKSPACE)
    await fake.start()
    populate(fake)
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def slack(fake_slack: FakeSlack, databases: DatabaseFactory) -> AsyncIterator[SlackHarness]:
    """The app on SQLite, serving signed requests, with the fake Slack behind it."""
    harness = SlackHarness(
        fake=fake_slack, db_url=await databases.create("sqlite"), workspace_id=WORKSPACE
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
async def slack_any_db(fake_slack: FakeSlack, db_url: str) -> AsyncIterator[SlackHarness]:
    """The same, once on SQLite and once on PostgreSQL (when configured)."""
    harness = SlackHarness(fake=fake_slack, db_url=db_url, workspace_id=WORKSPACE)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
