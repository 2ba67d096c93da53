"""Conversations and their activities, driven through the Agents SDK's own clients over HTTP:
create a 1:1 chat or a channel thread, send, reply, update in place, delete."""

from __future__ import annotations

from microsoft_agents.activity import Activity, ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core.connector.client import ConnectorClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.sandbox.faketeams import FakeTeams, Team, User
from tests.bot.sandbox.faketeams.conftest import OPS_CHANNEL
from tests.bot.sandbox.faketeams.support import open_chat, refusal


async def test_a_users_chat_has_one_id_however_often_and_wherever_it_is_asked_for(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User, bob: User
) -> None:
    first = await open_chat(client, ann)
    # TeamsConnectorClient's own create_conversation, naming the tenant in channelData only.
    again = await client.create_conversation(
        ConversationParameters(
            members=[ChannelAccount(id=ann.aad_object_id)],
            channel_data={"tenant": {"id": ann.tenant_id}},
            agent=ChannelAccount(id=fake.bot_id, name="SDO Pulse"),
        )
    )
    other = await open_chat(client, bob)

    assert first.startswith("a:1")
    assert again.id == first
    assert other != first
    assert [(c.conversation_id, c.user_id, c.new) for c in fake.conversations_created] == [
        (first, ann.id, True),
        (first, ann.id, False),
        (other, bob.id, True),
    ]
    assert fake.conversations_created[1].body["bot"] == {"id": fake.bot_id, "name": "SDO Pulse"}
    assert fake.personal_conversation_id(ann) == first
    async with FakeTeams() as elsewhere:
        elsewhere.add_user(name="Ann Lee")
        assert elsewhere.personal_conversation_id(next(iter(elsewhere.users))) == first


async def test_a_chat_comes_with_its_first_message_when_the_body_carries_one(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    created = await client.conversations.create_conversation(
        ConversationParameters(
            members=[ChannelAccount(id=ann.id)],
            tenant_id=ann.tenant_id,
            activity=Activity(type="message", text="Welcome"),
        )
    )

    assert created.activity_id is not None
    assert fake.dm_of(ann) == [{"type": "message", "text": "Welcome", "id": created.activity_id}]
    assert fake.sent[0].kind == "create"


async def test_a_chat_is_refused_with_no_one_the_bot_can_reach(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    stranger = fake.add_user(name="Sam Outside")  # in the tenant, in no team with the bot
    elsewhere = fake.add_user(name="Eve Away", tenant_id=fake.add_tenant())

    unreachable = await refusal(open_chat(client, stranger))
    wrong_tenant = await refusal(
        client.conversations.create_conversation(
            ConversationParameters(
                members=[ChannelAccount(id=elsewhere.id)], tenant_id=ann.tenant_id
            )
        )
    )
    no_tenant = await refusal(
        client.conversations.create_conversation(
            ConversationParameters(members=[ChannelAccount(id=ann.id)])
        )
    )
    group = await refusal(
        client.conversations.create_conversation(
            ConversationParameters(is_group=True, members=[ChannelAccount(id=ann.id)])
        )
    )

    assert [unreachable.status, wrong_tenant.status, no_tenant.status, group.status] == [
        403,
        400,
        400,
        400,
    ]
    assert [c.error for c in fake.rejected] == ["Forbidden", *["BadArgument"] * 3]
    assert fake.conversations_created == []


async def test_a_new_channel_thread_is_a_conversation_with_the_post_in_it(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team
) -> None:
    # What TeamsInfo.send_message_to_teams_channel sends.
    created = await client.conversations.create_conversation(
        ConversationParameters(
            is_group=True,
            channel_data={"channel": {"id": OPS_CHANNEL}},
            activity=Activity(type="message", text="Round 3 is open"),
            agent=ChannelAccount(**fake.bot),
        )
    )

    assert created.id == f"{OPS_CHANNEL};messageid={created.activity_id}"
    assert fake.activities[OPS_CHANNEL][0]["text"] == "Round 3 is open"
    assert fake.conversations_created[0].is_group


async def test_sends_and_replies_are_stored_and_recorded_in_order(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)

    first = await client.conversations.send_to_conversation(
        chat, Activity(type="message", text="one")
    )
    second = await client.conversations.reply_to_activity(
        chat, "1700000000000", Activity(type="message", text="two")
    )
    in_channel = await client.conversations.send_to_conversation(
        OPS_CHANNEL, Activity(type="message", text="three")
    )

    assert first.id is not None
    assert second.id is not None
    assert int(first.id) < int(second.id)
    assert [a["text"] for a in fake.dm_of(ann)] == ["one", "two"]
    assert fake.dm_of(ann)[1]["replyToId"] == "1700000000000"
    assert [(s.kind, s.conversation_id, s.activity_id, s.body["text"]) for s in fake.sent] == [
        ("send", chat, first.id, "one"),
        ("reply", chat, second.id, "two"),
        ("send", OPS_CHANNEL, in_channel.id, "three"),
    ]
    assert fake.activities[OPS_CHANNEL] == [
        {"type": "message", "text": "three", "id": in_channel.id}
    ]


async def test_a_typing_indicator_is_accepted_but_not_kept_in_the_conversation(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)

    await client.conversations.send_to_conversation(chat, Activity(type="typing"))
    await client.conversations.send_to_conversation(chat, Activity(type="message", text="hi"))

    assert [s.body["type"] for s in fake.sent] == ["typing", "message"]
    assert [a["type"] for a in fake.dm_of(ann)] == ["message"]


async def test_an_update_replaces_the_activity_in_place(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    sent = [
        await client.conversations.send_to_conversation(chat, Activity(type="message", text=t))
        for t in ("card v1", "after")
    ]
    assert sent[0].id is not None

    updated = await client.conversations.update_activity(
        chat, sent[0].id, Activity(type="message", text="card v2")
    )
    missing = await refusal(
        client.conversations.update_activity(chat, "42", Activity(type="message", text="x"))
    )

    assert updated.id == sent[0].id
    assert [(a["id"], a["text"]) for a in fake.dm_of(ann)] == [
        (sent[0].id, "card v2"),
        (sent[1].id, "after"),
    ]
    assert [(u.activity_id, u.body["text"]) for u in fake.updates] == [(sent[0].id, "card v2")]
    assert [s.body["text"] for s in fake.sent] == ["card v1", "after"]
    assert missing.status == 404


async def test_a_delete_removes_the_activity(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    sent = await client.conversations.send_to_conversation(chat, Activity(type="message", text="x"))
    assert sent.id is not None

    await client.conversations.delete_activity(chat, sent.id)
    again = await refusal(client.conversations.delete_activity(chat, sent.id))

    assert fake.dm_of(ann) == []
    assert [(d.kind, d.activity_id) for d in fake.deleted] == [("delete", sent.id)]
    assert again.status == 404


async def test_conversations_the_bot_cannot_use_are_refused_as_teams_does(
    fake: FakeTeams, client: ConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    hello = Activity(type="message", text="hello")

    unknown = await refusal(client.conversations.send_to_conversation("a:1nobody", hello))
    team.bot_installed = False
    removed = await refusal(client.conversations.send_to_conversation(OPS_CHANNEL, hello))
    ann.blocked_bot = True
    blocked = await refusal(client.conversations.send_to_conversation(chat, hello))

    assert [unknown.status, removed.status, blocked.status] == [404, 403, 403]
    assert [c.error for c in fake.rejected] == [
        "ConversationNotFound",
        "BotNotInConversationRoster",
        "ConversationBlockedByUser",
    ]
    assert "blocked" in blocked.message
    assert fake.sent == []
