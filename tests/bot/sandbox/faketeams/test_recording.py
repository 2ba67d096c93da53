"""What the fake records of each request, and what it shows another process over HTTP."""

from __future__ import annotations

import aiohttp
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.sandbox.faketeams import FakeTeams, Team, User
from tests.bot.sandbox.faketeams.support import open_chat, refusal


async def test_every_request_is_recorded_with_whether_it_was_authorized_never_the_token(
    fake: FakeTeams, team: Team, ann: User
) -> None:
    secret = "eyJ0eXAiOiJKV1QiLCJhbGciOi-secret"
    with_token = TeamsConnectorClient(endpoint=fake.service_url, token=secret)
    without = TeamsConnectorClient(endpoint=fake.service_url, token="")
    try:
        chat = await open_chat(with_token, ann)
        await without.conversations.send_to_conversation(chat, Activity(type="message", text="x"))
        await refusal(without.get_conversation_member(team.id, "29:1nobody"))
    finally:
        await with_token.close()
        await without.close()

    assert [(c.operation, c.method, c.status, c.authorized) for c in fake.requests] == [
        ("create_conversation", "POST", 201, True),
        ("send", "POST", 201, False),
        ("member", "GET", 404, False),
    ]
    assert fake.requests[1].path == f"v3/conversations/{chat}/activities"
    assert fake.requests[1].conversation_id == chat
    assert fake.requests[2].member_id == "29:1nobody"
    assert fake.roster_requests == fake.requests[2:]
    assert fake.calls_to("send", ok=True) == fake.requests[1:2]
    assert secret not in repr(fake.requests)


async def test_a_path_the_connector_does_not_serve_is_a_recorded_404(
    fake: FakeTeams, client: TeamsConnectorClient
) -> None:
    error = await refusal(client.conversations.get_conversations())

    assert error.status == 404
    assert [(c.operation, c.method, c.path) for c in fake.rejected] == [
        ("unknown", "GET", "v3/conversations")
    ]


async def test_another_process_reads_sent_activities_and_requests_over_http(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    sent = await client.conversations.send_to_conversation(
        chat, Activity(type="message", text="hi")
    )

    async with aiohttp.ClientSession() as session:
        async with session.get(fake.url + "_sent") as got:
            dump = await got.json()
        async with session.get(fake.url + "_activities") as got:
            stored = await got.json()
        async with session.get(fake.url + "_requests", params={"since": "1"}) as got:
            requests = await got.json()
        async with session.get(fake.url + "_directory") as got:
            directory = await got.json()
        async with session.post(fake.url + "_reset") as got:
            assert got.status == 200

    assert [(s["kind"], s["conversation_id"], s["activity_id"]) for s in dump["sent"]] == [
        ("send", chat, sent.id)
    ]
    assert dump["conversations_created"][0]["user_id"] == ann.id
    assert stored["activities"] == {chat: [{"type": "message", "text": "hi", "id": sent.id}]}
    assert [r["operation"] for r in requests["requests"]] == ["send"]
    assert directory["service_url"] == fake.service_url
    assert directory["teams"][0]["member_ids"] == team.member_ids
    assert fake.sent == []
