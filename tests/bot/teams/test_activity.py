"""What an incoming Teams activity says (``bot.teams.activity``): tenant, channel, caller and
the command typed, read from the wire form Teams sends."""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity

from bot.domain import grammar
from bot.teams.activity import TEAMS_SYNTAX, command_text, origin_of, wire

BOT = {"id": "28:bot-app", "name": "SDO Pulse"}
ANN = {"id": "29:1ann", "name": "Ann Lee", "aadObjectId": "6e1c6f6b-0000-4000-8000-000000000001"}
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _activity(**extra: Any) -> Activity:
    base: dict[str, Any] = {
        "type": "message",
        "id": "1",
        "channelId": "msteams",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "from": ANN,
        "recipient": BOT,
        "conversation": {"id": "19:general@thread.tacv2", "conversationType": "channel"},
        "channelData": {
            "tenant": {"id": TENANT},
            "team": {"id": "19:general@thread.tacv2"},
            "channel": {"id": "19:general@thread.tacv2"},
        },
        "entities": [{"type": "clientInfo", "timezone": "Europe/Berlin", "locale": "de-DE"}],
    }
    return Activity.model_validate({**base, **extra})


def test_a_channel_message_names_the_tenant_channel_and_caller() -> None:
    origin = origin_of(wire(_activity(text="status")))
    assert origin is not None
    assert origin.workspace_id == f"msteams:{TENANT}"
    assert (origin.channel_id, origin.teams_team_id) == ("19:general@thread.tacv2",) * 2
    assert not origin.personal
    assert (origin.caller.user_id, origin.caller.name, origin.caller.tz) == (
        "29:1ann",
        "Ann Lee",
        "Europe/Berlin",
    )
    assert origin.bot_id == "28:bot-app"
    assert origin.channel_name == ""  # messages do not name the team: the install did


def test_a_personal_chat_has_no_channel_and_an_activity_without_tenant_is_not_ours() -> None:
    personal = _activity(
        conversation={"id": "a:1chat", "conversationType": "personal", "tenantId": TENANT},
        channelData={"tenant": {"id": TENANT}},
    )
    origin = origin_of(wire(personal))
    assert origin is not None
    assert origin.personal
    assert origin.channel_id is None
    assert origin_of(wire(_activity(channelData={}, conversation={"id": "x"}))) is None


def test_mentions_of_people_become_ids_and_the_bots_own_is_dropped() -> None:
    activity = _activity(
        text="<at>SDO Pulse</at> managers add <at>Ann Lee</at>",
        entities=[
            {"type": "mention", "text": "<at>SDO Pulse</at>", "mentioned": BOT},
            {"type": "mention", "text": "<at>Ann Lee</at>", "mentioned": ANN},
        ],
    )
    text = command_text(wire(activity))
    assert text == "managers add <@29:1ann>"
    parsed = grammar.parse_command(text, syntax=TEAMS_SYNTAX)
    assert parsed == grammar.Managers(action="add", user_id="29:1ann")


def test_a_mention_without_its_entity_is_not_taken_for_a_person() -> None:
    text = command_text(wire(_activity(text="managers add <at>Nobody</at>")))
    parsed = grammar.parse_command(text, syntax=TEAMS_SYNTAX)
    assert isinstance(parsed, grammar.Invalid)
    assert "@SDO Pulse managers add @user" in parsed.message
