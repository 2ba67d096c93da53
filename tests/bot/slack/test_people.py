"""bot.slack.people, through the gateway: members' chat statuses read from what the directory
already holds, a users.list page for many unknown, users.info only for a last one, kept
``DIRECTORY_TTL``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import FrozenClock
from bot.domain.away import ChatStatus
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.gateway import SlackGateway
from bot.slack.people import DIRECTORY_TTL, status_from_profile
from tests.support.harness import WORKSPACE
from tests.support.slack import ALICE, BOB, CAROL, MANAGER, TEAM_CHANNEL

NOW = datetime(2026, 12, 10, 9, tzinfo=UTC)
TEAM = [MANAGER, ALICE, BOB, CAROL]


@pytest.fixture
async def gateway(fake_slack: FakeSlack) -> AsyncIterator[tuple[SlackGateway, FrozenClock]]:
    clock = FrozenClock(NOW)
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
        yield SlackGateway(client=client, session=session, clock=clock), clock


def _calls(fake: FakeSlack) -> tuple[int, int]:
    return len(fake.calls_to("users.list")), len(fake.calls_to("users.info"))


def test_a_profile_s_status_and_its_expiry() -> None:
    assert status_from_profile({}) is None
    assert status_from_profile({"status_emoji": "", "status_text": ""}) is None
    assert status_from_profile(
        {"status_emoji": ":palm_tree:", "status_text": "Away", "status_expiration": 1796893200}
    ) == ChatStatus(":palm_tree:", "Away", datetime(2026, 12, 10, 9, tzinfo=UTC))
    assert status_from_profile({"status_text": "Vacation", "status_expiration": 0}) == ChatStatus(
        "", "Vacation", None
    )
    assert status_from_profile({"status_text": "x", "status_expiration": "soon"}) == ChatStatus(
        "", "x", None
    )


async def test_many_unknown_take_one_directory_page_and_then_nothing(
    fake_slack: FakeSlack, gateway: tuple[SlackGateway, FrozenClock]
) -> None:
    slack, clock = gateway
    fake_slack.set_status(ALICE, emoji=":palm_tree:", expiration=int(NOW.timestamp()) + 3600)
    fake_slack.set_status(BOB, text="Out of office")

    found = await slack.statuses(workspace_id=WORKSPACE, user_ids=TEAM)
    assert found == {
        ALICE: ChatStatus(":palm_tree:", "", NOW + timedelta(hours=1)),
        BOB: ChatStatus("", "Out of office", None),
    }
    assert _calls(fake_slack) == (1, 0)  # one users.list page, no users.info per member

    # Within DIRECTORY_TTL: what was read serves the next round (a change shows later).
    fake_slack.set_status(CAROL, emoji=":airplane:")
    clock.advance(DIRECTORY_TTL - timedelta(seconds=1))
    assert CAROL not in await slack.statuses(workspace_id=WORKSPACE, user_ids=TEAM)
    assert _calls(fake_slack) == (1, 0)
    clock.advance(timedelta(seconds=2))
    assert (await slack.statuses(workspace_id=WORKSPACE, user_ids=TEAM))[CAROL].emoji == (
        ":airplane:"
    )
    assert _calls(fake_slack) == (2, 0)


async def test_one_unknown_is_one_users_info_and_a_setup_s_read_costs_nothing(
    fake_slack: FakeSlack, gateway: tuple[SlackGateway, FrozenClock]
) -> None:
    slack, _ = gateway
    fake_slack.set_status(CAROL, text="Sick")
    assert await slack.statuses(workspace_id=WORKSPACE, user_ids=[CAROL]) == {
        CAROL: ChatStatus("", "Sick", None)
    }
    assert _calls(fake_slack) == (0, 1)

    await slack.channel_humans(workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL)
    before = _calls(fake_slack)
    assert set(await slack.statuses(workspace_id=WORKSPACE, user_ids=TEAM)) == {CAROL}
    assert _calls(fake_slack) == before


async def test_a_large_round_reads_each_directory_page_once(
    fake_slack: FakeSlack, gateway: tuple[SlackGateway, FrozenClock]
) -> None:
    slack, clock = gateway
    many = [f"UMANY{i:04d}" for i in range(2500)]
    for user in many:
        fake_slack.add_user(user, name=user.lower())
    directory = list(fake_slack.users)  # users.list's order: pages of 1,000
    batches = [many[i : i + 32] for i in range(0, len(many), 32)]

    for batch in batches:  # a fan-out's claims, in the ledger's order
        await slack.statuses(workspace_id=WORKSPACE, user_ids=batch)
    # Three pages for the whole round (not from the first page again at each batch), and a
    # users.info only for the last one unseen of a batch, at most.
    assert len(fake_slack.calls_to("users.list")) == 3
    assert len(fake_slack.calls_to("users.info")) <= len(batches)
    assert len(directory) > 2000

    # The next round within DIRECTORY_TTL: nothing; after it, the pages again.
    for batch in batches:
        await slack.statuses(workspace_id=WORKSPACE, user_ids=batch)
    assert len(fake_slack.calls_to("users.list")) == 3
    clock.advance(DIRECTORY_TTL)
    for batch in batches:
        await slack.statuses(workspace_id=WORKSPACE, user_ids=batch)
    assert len(fake_slack.calls_to("users.list")) == 6
