"""Fixtures for the fake Teams' tests: a started fake with a small team, and the SDK's client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.sandbox.faketeams import FakeTeams, Team, User

OPS_CHANNEL = "19:0ps0ps0ps0ps0ps0ps0ps0ps0ps0ps0@thread.tacv2"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    async with FakeTeams() as server:
        yield server


@pytest.fixture
def ann(fake: FakeTeams) -> User:
    return fake.add_user(name="Ann Lee")


@pytest.fixture
def bob(fake: FakeTeams) -> User:
    return fake.add_user(name="Bob Stone", timezone="America/New_York", locale="en-GB")


@pytest.fixture
def team(fake: FakeTeams, ann: User, bob: User) -> Team:
    return fake.add_team(name="Platform", channel_ids=[OPS_CHANNEL], members=[ann, bob])


@pytest.fixture
async def client(fake: FakeTeams) -> AsyncIterator[TeamsConnectorClient]:
    """The Agents SDK's Teams client, pointed at the fake; no token (no Authorization)."""
    connector = TeamsConnectorClient(endpoint=fake.service_url, token="")
    yield connector
    await connector.close()
