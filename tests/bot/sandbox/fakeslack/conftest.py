"""Fixtures for the fake Slack's tests: a started fake with a small directory, and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        server.add_user("U1", name="ada", real_name="Ada Lovelace", is_admin=True)
        server.add_user("U2", name="grace")
        server.add_user("UGONE", name="gone", deleted=True)
        server.add_user("UOTHERBOT", name="otherbot", is_bot=True)
        server.add_channel("CTEAM", name="team", members=["U1", "U2", server.bot_user_id])
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)
