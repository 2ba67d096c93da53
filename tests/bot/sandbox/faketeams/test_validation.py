"""What the connector refuses in an activity: invalid Adaptive Cards (400) and oversize
messages (413), seen by the SDK's client, and the checks themselves."""

from __future__ import annotations

import json

import aiohttp
import pytest
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.sandbox.faketeams import MAX_MESSAGE_BYTES, FakeTeams, Team, User, card_errors
from tests.bot.sandbox.faketeams.support import card, card_message, open_chat, refusal


async def test_a_valid_card_is_stored_as_sent(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)

    sent = await client.conversations.send_to_conversation(chat, card_message(card()))

    stored = fake.dm_of(ann)[0]
    assert stored["id"] == sent.id
    assert stored["attachments"][0]["content"] == card()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (card(type="HeroCard"), 'type must be "AdaptiveCard"'),
        ({k: v for k, v in card().items() if k != "version"}, "has no version"),
        (
            card(actions=[{"type": "Action.Execute", "title": "Go", "data": {}}]),
            "Action.Execute at $.actions[0] has no verb",
        ),
    ],
)
async def test_an_invalid_card_is_refused_with_an_error_body(
    fake: FakeTeams,
    client: TeamsConnectorClient,
    team: Team,
    ann: User,
    content: dict[str, object],
    problem: str,
) -> None:
    chat = await open_chat(client, ann)

    error = await refusal(client.conversations.send_to_conversation(chat, card_message(content)))

    assert error.status == 400
    body = json.loads(error.message)
    assert body["error"]["code"] == "BadArgument"
    assert problem in body["error"]["message"]
    assert [(c.operation, c.status, c.error) for c in fake.rejected] == [
        ("send", 400, "BadArgument")
    ]
    assert problem in (fake.rejected[0].message or "")
    assert fake.dm_of(ann) == []


async def test_an_update_to_an_invalid_card_is_refused_and_the_old_one_stays(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    sent = await client.conversations.send_to_conversation(chat, card_message(card()))
    assert sent.id is not None

    error = await refusal(
        client.conversations.update_activity(chat, sent.id, card_message(card(version="")))
    )

    assert error.status == 400
    assert fake.dm_of(ann)[0]["attachments"][0]["content"]["version"] == "1.5"
    assert fake.updates == []


async def test_a_message_over_28_kb_is_refused_413(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    at_limit = "é" * (MAX_MESSAGE_BYTES // 2)  # two bytes each in UTF-8

    await client.conversations.send_to_conversation(chat, Activity(type="message", text=at_limit))
    error = await refusal(
        client.conversations.send_to_conversation(
            chat, Activity(type="message", text=at_limit + "x")
        )
    )

    assert MAX_MESSAGE_BYTES == 28 * 1024
    assert error.status == 413
    assert fake.rejected[0].error == "MessageSizeTooBig"
    assert len(fake.dm_of(ann)) == 1


def test_card_errors_look_into_nested_cards_and_elements() -> None:
    nested = card(
        body=[
            {
                "type": "ActionSet",
                "actions": [
                    {
                        "type": "Action.ShowCard",
                        "card": {
                            "type": "AdaptiveCard",
                            "actions": [{"type": "Action.Execute", "verb": ""}],
                        },
                    }
                ],
            },
            {"type": "Container", "selectAction": {"type": "Action.Execute"}},
        ]
    )

    assert card_errors(card()) == []
    assert card_errors(nested) == [
        "the Action.Execute at $.body[0].actions[0].card.actions[0] has no verb",
        "the Action.Execute at $.body[1].selectAction has no verb",
    ]
    assert card_errors("not a card") == [
        "the content of an Adaptive Card attachment must be an object"
    ]


async def test_a_body_that_is_not_a_json_object_is_refused_400(
    fake: FakeTeams, team: Team, ann: User
) -> None:
    chat = fake.personal_conversation_id(ann)
    url = f"{fake.service_url}v3/conversations/{chat}/activities"

    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=b"{not json", headers=_JSON) as got:
            status, body = got.status, await got.json()
        async with session.post(url, data=b"[1, 2]", headers=_JSON) as got:
            listed = got.status

    assert (status, body["error"]["code"], listed) == (400, "BadSyntax", 400)
    assert [c.error for c in fake.rejected] == ["BadSyntax", "BadSyntax"]
    assert fake.dm_of(ann) == []


_JSON = {"Content-Type": "application/json"}
