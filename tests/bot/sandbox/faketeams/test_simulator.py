"""``TeamsSimulator``: activities posted over HTTP to a tiny bot endpoint started here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.sandbox.faketeams import FakeTeams, Team, TeamsSimulator, User
from tests.bot.sandbox.faketeams.conftest import OPS_CHANNEL
from tests.bot.sandbox.faketeams.support import card, card_message, open_chat, refusal


@dataclass
class Endpoint:
    """A bot's messaging endpoint that records what it receives."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    authorization: list[str | None] = field(default_factory=list)


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    seen = Endpoint()

    async def messages(request: web.Request) -> web.Response:
        body = await request.json()
        seen.received.append(body)
        seen.authorization.append(request.headers.get("Authorization"))
        if body["type"] == "invoke":
            return web.json_response(
                {
                    "statusCode": 200,
                    "type": "application/vnd.microsoft.activity.message",
                    "value": "ok",
                }
            )
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    seen.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield seen
    await runner.cleanup()


@pytest.fixture
async def sim(endpoint: Endpoint, fake: FakeTeams) -> AsyncIterator[TeamsSimulator]:
    async with TeamsSimulator(endpoint.url, fake, token="sim-token") as simulator:
        yield simulator


async def test_post_sends_the_activity_as_json_with_a_bearer_token_when_given_one(
    endpoint: Endpoint, fake: FakeTeams, team: Team, ann: User
) -> None:
    simulator = TeamsSimulator(endpoint.url, fake)  # outside ``async with``: a session a post
    activity = {"type": "message", "text": "hi", "channelId": "msteams"}

    with_token = await simulator.post(activity, token="abc")
    without = await simulator.post({"type": "invoke", "name": "task/fetch"})

    assert endpoint.received == [activity, {"type": "invoke", "name": "task/fetch"}]
    assert endpoint.authorization == ["Bearer abc", None]
    assert with_token == (202, "")
    assert without[0] == 200
    assert without[1]["value"] == "ok"


async def test_install_and_say_post_teams_activities_that_point_at_the_fake(
    endpoint: Endpoint, sim: TeamsSimulator, fake: FakeTeams, team: Team, ann: User
) -> None:
    await sim.install(team)
    await sim.say(ann, "status", in_channel=OPS_CHANNEL)
    await sim.say(ann, "help")

    installed, in_channel, personal = (Activity.model_validate(a) for a in endpoint.received)
    assert endpoint.authorization == ["Bearer sim-token"] * 3
    assert [m.id for m in installed.members_added] == [fake.bot_id]
    assert installed.channel_data["eventType"] == "teamMemberAdded"
    assert in_channel.text == "<at>SDO Pulse</at> status"
    assert in_channel.channel_data["channel"] == {"id": OPS_CHANNEL}
    assert personal.conversation.id == fake.personal_conversation_id(ann)
    assert {a.service_url for a in (installed, in_channel, personal)} == {fake.service_url}


async def test_a_click_on_a_card_is_the_invoke_teams_sends_for_its_button(
    endpoint: Endpoint,
    sim: TeamsSimulator,
    fake: FakeTeams,
    client: TeamsConnectorClient,
    team: Team,
    ann: User,
) -> None:
    chat = await open_chat(client, ann)
    in_chat = await client.conversations.send_to_conversation(chat, card_message(card()))
    in_channel = await client.conversations.send_to_conversation(OPS_CHANNEL, card_message(card()))
    assert in_chat.id is not None
    assert in_channel.id is not None

    status, answer = await sim.click(ann, in_chat.id, {"a": "no"})
    await sim.click(ann, in_channel.id, verb="answer")

    assert (status, answer["statusCode"]) == (200, 200)
    first, second = (Activity.model_validate(a) for a in endpoint.received)
    assert (first.name, first.reply_to_id, first.conversation.id) == (
        "adaptiveCard/action",
        in_chat.id,
        chat,
    )
    assert first.value["action"] == {
        "type": "Action.Execute",
        "verb": "answer",
        "data": {"a": "no"},
    }
    assert second.conversation.id == f"{OPS_CHANNEL};messageid={in_channel.id}"
    assert second.value["action"]["data"] == {"a": "yes"}
    with pytest.raises(ValueError, match="verbs"):
        await sim.click(ann, in_chat.id, {"a": "maybe"})


async def test_dialogs_open_and_submit_from_a_card_or_the_chat(
    endpoint: Endpoint,
    sim: TeamsSimulator,
    fake: FakeTeams,
    client: TeamsConnectorClient,
    team: Team,
    ann: User,
) -> None:
    chat = await open_chat(client, ann)
    sent = await client.conversations.send_to_conversation(chat, card_message(card()))
    assert sent.id is not None

    await sim.open_note(ann, {"round": 3}, card_id=sent.id)
    await sim.submit_note(ann, {"note": "More tests"})

    fetch, submit = (Activity.model_validate(a) for a in endpoint.received)
    assert (fetch.name, fetch.value["data"], fetch.reply_to_id) == (
        "task/fetch",
        {"round": 3},
        sent.id,
    )
    assert (submit.name, submit.value["data"], submit.reply_to_id) == (
        "task/submit",
        {"note": "More tests"},
        None,
    )
    assert submit.conversation.id == chat


async def test_roster_changes_reach_the_fake_and_the_bot(
    endpoint: Endpoint,
    sim: TeamsSimulator,
    fake: FakeTeams,
    client: TeamsConnectorClient,
    team: Team,
    ann: User,
) -> None:
    newcomer = fake.add_user(name="Nia New")

    await sim.add_members(team, [newcomer])
    roster_after_join = list(team.member_ids)
    await sim.remove_members(team, [newcomer])
    await sim.uninstall(team)
    refused = await refusal(
        client.conversations.send_to_conversation(team.id, Activity(type="message", text="x"))
    )

    joined, left, removed = (Activity.model_validate(a) for a in endpoint.received)
    assert newcomer.id in roster_after_join
    assert newcomer.id not in team.member_ids
    assert [m.id for m in joined.members_added] == [newcomer.id]
    assert [m.id for m in left.members_removed] == [newcomer.id]
    assert [m.id for m in removed.members_removed] == [fake.bot_id]
    assert refused.status == 403
