"""The workspace directory: its people and channels, and which conversation a ``channel`` names."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack
from tests.bot.sandbox.fakeslack.support import error_of


def test_a_new_workspace_holds_the_bot_and_slackbot() -> None:
    fake = FakeSlack(bot_user_id="UBOT", bot_id="BBOT")

    assert sorted(fake.users) == ["UBOT", "USLACKBOT"]
    assert fake.users["UBOT"]["is_bot"] is True
    assert fake.users["UBOT"]["profile"]["bot_id"] == "BBOT"
    assert fake.users["USLACKBOT"]["is_bot"] is False
    assert fake.channels == {}


def test_generated_team_and_users() -> None:
    fake = FakeSlack()

    ids = fake.add_generated_team(users=3, channel_id="CGEN", channel_name="gen", tz="Asia/Tokyo")
    helper = fake.add_user("UHELP", name="helper", is_bot=True)

    assert ids == ["U00000001", "U00000002", "U00000003"]
    assert fake.channel_members["CGEN"] == [*ids, fake.bot_user_id]
    assert fake.channels["CGEN"]["name"] == "gen"
    assert fake.users["U00000002"]["real_name"] == "User 2"
    assert fake.users["U00000002"]["tz_offset"] == 9 * 3600
    assert helper["profile"]["bot_id"] == "BUHELP"
    assert fake.dm_channel_id("U00000001") == "DU00000001"
    with pytest.raises(ValueError, match="unknown time zone"):
        fake.add_user("UWHERE", name="where", tz="Mars/Olympus")


async def test_a_post_target_is_an_id_a_user_or_a_name_the_bot_can_see(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.add_channel("CSECRET", name="secret", members=["U1"], is_private=True)

    by_name = await client.chat_postMessage(channel="#team", text="hi")
    by_dm_id = await client.chat_postMessage(channel="DU2", text="hi")
    hidden = await error_of(client.chat_postMessage(channel="secret", text="hi"))
    deactivated = await error_of(client.chat_postMessage(channel="UGONE", text="hi"))
    bot = await error_of(client.chat_postMessage(channel="UOTHERBOT", text="hi"))

    assert (by_name["channel"], by_dm_id["channel"]) == ("CTEAM", "DU2")
    assert hidden.response["error"] == "channel_not_found"
    assert deactivated.response["error"] == "is_archived"
    assert bot.response["error"] == "cannot_dm_bot"
