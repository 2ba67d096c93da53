"""The ``chat.*`` methods, over real HTTP with slack_sdk's AsyncWebClient."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack
from tests.bot.sandbox.fakeslack.support import BUTTONS, SLACK_TS, error_of


async def test_post_message_to_a_user_lands_in_their_dm_with_decoded_blocks(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="U1", text="Pulse", blocks=BUTTONS)
    second = await client.chat_postMessage(channel="CTEAM", text="Digest")

    assert first["channel"] == "DU1"
    assert SLACK_TS.match(first["ts"])
    assert SLACK_TS.match(second["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == BUTTONS
    assert fake.messages["DU1"][0]["text"] == "Pulse"
    assert fake.messages["CTEAM"][0]["ts"] == second["ts"]
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == BUTTONS


async def test_update_edits_the_stored_message_in_place(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="U2", text="Pulse", blocks=BUTTONS)
    chosen = [{"type": "section", "text": {"type": "mrkdwn", "text": "*W*: you said Yes"}}]

    await client.chat_update(
        channel=posted["channel"], ts=posted["ts"], text="Pulse", blocks=chosen
    )
    await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Pulse (closed)")

    stored = fake.messages["DU2"]
    assert len(stored) == 1
    assert stored[0]["text"] == "Pulse (closed)"
    assert stored[0]["blocks"] == chosen  # an update without blocks keeps them, like Slack
    assert stored[0]["ts"] == posted["ts"]
    assert fake.calls_to("chat.update")[0].args["blocks"] == chosen
    assert fake.message_revision("DU2", posted["ts"]) == 2


async def test_update_of_unknown_message_is_message_not_found(client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="CTEAM", text="hello")

    error = await error_of(client.chat_update(channel="CTEAM", ts="1000000000.000001", text="x"))
    wrong_channel = await error_of(client.chat_update(channel="U1", ts=posted["ts"], text="x"))

    assert error.response["error"] == "message_not_found"
    assert wrong_channel.response["error"] == "channel_not_found"


async def test_post_ephemeral_needs_a_channel_member(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.add_user("U3", name="outsider")

    shown = await client.chat_postEphemeral(channel="CTEAM", user="U1", text="status")
    refused = await error_of(client.chat_postEphemeral(channel="CTEAM", user="U3", text="status"))

    assert SLACK_TS.match(shown["message_ts"])
    assert fake.ephemerals == [
        {
            "channel": "CTEAM",
            "user": "U1",
            "text": "status",
            "blocks": None,
            "ts": shown["message_ts"],
        }
    ]
    assert refused.response["error"] == "user_not_in_channel"
    assert "CTEAM" not in fake.messages


async def test_post_message_to_a_user_id_opens_their_dm_as_conversations_open_would(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.add_user("W0ENTERPRISE", name="eve")

    posted = await client.chat_postMessage(channel="U2", text="Pulse")
    enterprise = await client.chat_postMessage(channel="W0ENTERPRISE", text="Pulse")
    opens_before = len(fake.calls_to("conversations.open"))
    opened = await client.conversations_open(users="U2")
    again = await client.chat_postMessage(channel=opened["channel"]["id"], text="Reminder")

    assert posted["channel"] == opened["channel"]["id"] == fake.dm_channel_id("U2")
    assert posted["channel"].startswith("D")
    assert enterprise["channel"] == fake.dm_channel_id("W0ENTERPRISE")
    assert opens_before == 0  # posting opened the DM without a conversations.open call
    assert opened["already_open"] is True
    assert fake.opened_dms == {"U2": posted["channel"], "W0ENTERPRISE": enterprise["channel"]}
    assert [m["text"] for m in fake.messages[posted["channel"]]] == ["Pulse", "Reminder"]
    assert again["channel"] == posted["channel"]


async def test_post_message_to_an_unknown_user_is_channel_not_found(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    error = await error_of(client.chat_postMessage(channel="UNOBODY", text="Pulse"))

    assert error.response["error"] == "channel_not_found"
    assert fake.opened_dms == {}
    assert fake.messages == {}
