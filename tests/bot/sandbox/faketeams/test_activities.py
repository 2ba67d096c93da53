"""The activity builders: every one is an SDK ``Activity`` with Teams' fields where Teams puts
them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from microsoft_agents.activity import Activity, Mention
from microsoft_agents.activity.teams import TeamsChannelData

from bot.sandbox.faketeams import FakeTeams, Place, Team, User, activities
from tests.bot.sandbox.faketeams.conftest import OPS_CHANNEL


@pytest.fixture
def channel(fake: FakeTeams, team: Team) -> Place:
    return Place.channel(service_url=fake.service_url, bot=fake.bot, team=team)


@pytest.fixture
def chat(fake: FakeTeams, team: Team, ann: User) -> Place:
    return Place.personal(
        service_url=fake.service_url,
        bot=fake.bot,
        tenant_id=ann.tenant_id,
        conversation_id=fake.personal_conversation_id(ann),
    )


def _every_builder(channel: Place, chat: Place, ann: User, bob: User) -> list[dict[str, Any]]:
    return [
        activities.bot_installed(channel, by=ann),
        activities.bot_removed(channel, by=ann),
        activities.members_added(channel, members=[bob], by=ann),
        activities.members_removed(channel, members=[bob], by=ann),
        activities.message(channel, sender=ann, text="status"),
        activities.message(chat, sender=ann, text="help"),
        activities.card_action(chat, sender=ann, verb="answer", data={"a": 1}, reply_to_id="17"),
        activities.task_fetch(chat, sender=ann, data={"note": True}),
        activities.task_submit(channel.thread("17"), sender=ann, data={"text": "hi"}),
    ]


def test_every_builder_validates_as_an_sdk_activity_from_teams(
    fake: FakeTeams, channel: Place, chat: Place, ann: User, bob: User
) -> None:
    built = _every_builder(channel, chat, ann, bob)

    parsed = [Activity.model_validate(activity) for activity in built]

    assert [a.type for a in parsed] == [
        *["conversationUpdate"] * 4,
        *["message"] * 2,
        *["invoke"] * 3,
    ]
    for activity in parsed:
        assert activity.channel_id == "msteams"
        assert activity.service_url == fake.service_url
        assert activity.recipient is not None
        assert activity.recipient.id == fake.bot_id
        assert activity.from_property is not None
        assert activity.from_property.aad_object_id == ann.aad_object_id
        assert activity.conversation.tenant_id == ann.tenant_id
        assert activity.timestamp is not None
        assert activity.timestamp.tzinfo is not None
        assert abs((datetime.now(UTC) - activity.timestamp).total_seconds()) < 5
        data = TeamsChannelData.model_validate(activity.channel_data)
        assert data.tenant is not None
        assert data.tenant.id == ann.tenant_id
    assert len({a.id for a in parsed}) == len(parsed)


def test_installing_and_removing_the_bot_are_team_member_events(
    fake: FakeTeams, channel: Place, team: Team, ann: User
) -> None:
    added = Activity.model_validate(activities.bot_installed(channel, by=ann))
    removed = Activity.model_validate(activities.bot_removed(channel, by=ann))

    assert [m.id for m in added.members_added] == [fake.bot_id]
    assert [m.id for m in removed.members_removed] == [fake.bot_id]
    for activity, event in ((added, "teamMemberAdded"), (removed, "teamMemberRemoved")):
        data = TeamsChannelData.model_validate(activity.channel_data)
        assert data.event_type == event
        assert data.team is not None
        assert (data.team.id, data.team.name, data.team.aad_group_id) == (
            team.id,
            "Platform",
            team.aad_group_id,
        )
        assert activity.conversation.conversation_type == "channel"
        assert activity.conversation.id == team.id


def test_a_channel_message_mentions_the_bot_and_the_people_in_its_text(
    fake: FakeTeams, team: Team, ann: User, bob: User
) -> None:
    ops = Place.channel(
        service_url=fake.service_url, bot=fake.bot, team=team, channel_id=OPS_CHANNEL
    )

    built = activities.message(
        ops, sender=ann, text="managers add <at>Bob</at>", mentions=[(bob, "Bob")]
    )
    parsed = Activity.model_validate(built)

    assert parsed.text == "<at>SDO Pulse</at> managers add <at>Bob</at>"
    mentions = [e for e in parsed.entities if isinstance(e, Mention)]
    assert [(m.mentioned.id, m.mentioned.name, m.text) for m in mentions] == [
        (fake.bot_id, "SDO Pulse", "<at>SDO Pulse</at>"),
        (bob.id, "Bob Stone", "<at>Bob</at>"),
    ]
    assert parsed.conversation.conversation_type == "channel"
    assert parsed.conversation.id == f"{OPS_CHANNEL};messageid={parsed.id}"
    assert parsed.id is not None
    assert parsed.id.isdigit()
    data = TeamsChannelData.model_validate(parsed.channel_data)
    assert data.channel is not None
    assert data.team is not None
    assert (data.channel.id, data.team.id) == (OPS_CHANNEL, team.id)
    with pytest.raises(ValueError, match="<at>Ann Lee</at>"):
        activities.message(ops, sender=bob, text="managers add Ann", mentions=[ann])


def test_a_personal_message_carries_the_clients_locale_and_time_zone(
    fake: FakeTeams, chat: Place, bob: User, team: Team
) -> None:
    bobs_chat = Place.personal(
        service_url=fake.service_url,
        bot=fake.bot,
        tenant_id=bob.tenant_id,
        conversation_id=fake.personal_conversation_id(bob),
    )

    built = activities.message(bobs_chat, sender=bob, text="help")
    parsed = Activity.model_validate(built)

    assert parsed.text == "help"
    assert parsed.conversation.conversation_type == "personal"
    assert parsed.conversation.id == fake.personal_conversation_id(bob)
    assert (parsed.locale, parsed.local_timezone) == ("en-GB", "America/New_York")
    assert parsed.local_timestamp is not None
    assert parsed.local_timestamp.utcoffset() is not None
    client_info = [e for e in built["entities"] if e["type"] == "clientInfo"]
    assert client_info == [
        {
            "type": "clientInfo",
            "locale": "en-GB",
            "country": "GB",
            "platform": "Web",
            "timezone": "America/New_York",
        }
    ]


def test_invokes_carry_what_teams_sends_for_universal_actions_and_dialogs(
    chat: Place, ann: User
) -> None:
    click = Activity.model_validate(
        activities.card_action(chat, sender=ann, verb="answer", data={"a": "yes"}, reply_to_id="9")
    )
    fetch = Activity.model_validate(activities.task_fetch(chat, sender=ann, data={"n": 1}))
    submit = Activity.model_validate(activities.task_submit(chat, sender=ann, data={"t": "x"}))

    assert (click.name, click.reply_to_id) == ("adaptiveCard/action", "9")
    assert click.value == {
        "action": {"type": "Action.Execute", "verb": "answer", "data": {"a": "yes"}},
        "trigger": "manual",
    }
    assert (fetch.name, fetch.value["data"]) == ("task/fetch", {"n": 1})
    assert (submit.name, submit.value["data"]) == ("task/submit", {"t": "x"})
