"""What an incoming Teams activity says, as plain records: who, where, and the command typed.

Read from the activity's wire form (camelCase JSON, as Teams sends it), so nothing here
depends on how the SDK's models name their fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity

from bot.domain.grammar import Syntax
from bot.domain.views import PersonInfo
from bot.teams.addresses import workspace_of

# How commands are typed in Teams: "@SDO Pulse managers add @Ann" (we rewrite each person's
# mention as <@id> first, from the activity's mention entities).
TEAMS_SYNTAX = Syntax(
    command="@SDO Pulse",
    user=re.compile(r"^<@((?:29|8):[^\s<>]+)>$"),
    channel=None,
    mention_hint="Mention the person with `@` and pick them from Teams' list. ",
)
_AT = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an activity comes from.

    Attributes:
        workspace_id: ``msteams:<tenant id>``.
        conversation_id: the conversation to answer in.
        personal: the bot's one-to-one chat with the caller.
        channel_id: the team channel it was sent in (None in a personal chat).
        teams_team_id: that channel's Teams team.
    """

    workspace_id: str
    tenant_id: str
    service_url: str
    bot_id: str
    conversation_id: str
    personal: bool
    channel_id: str | None
    teams_team_id: str | None
    channel_name: str
    caller: PersonInfo


def wire(activity: Activity) -> dict[str, Any]:
    """The activity as Teams sent it (camelCase JSON): read once per activity by a listener."""
    return dict(activity.model_dump(by_alias=True, exclude_none=True, mode="json"))


def _timezone(data: dict[str, Any]) -> str | None:
    for entity in data.get("entities") or []:
        if entity.get("type") == "clientInfo" and entity.get("timezone"):
            return str(entity["timezone"])
    tz = data.get("localTimezone")
    return str(tz) if tz else None


def _channel_name(team: dict[str, Any], channel: dict[str, Any]) -> str:
    """The team's name for its General channel (whose id is the team's), else the channel's;
    "" when the activity names neither (Teams names them in membership updates, not in
    messages: the name stored at install is used then)."""
    if channel.get("name") and channel.get("id") != team.get("id"):
        return str(channel["name"])
    return str(team.get("name") or "")


def origin_of(data: dict[str, Any]) -> Origin | None:
    """The origin of an activity (its ``wire`` form); None when it names no tenant."""
    channel_data = data.get("channelData") or {}
    conversation = data.get("conversation") or {}
    tenant_id = (channel_data.get("tenant") or {}).get("id") or conversation.get("tenantId")
    if not tenant_id or not data.get("serviceUrl"):
        return None
    sender = data.get("from") or {}
    team = channel_data.get("team") or {}
    channel = channel_data.get("channel") or {}
    personal = conversation.get("conversationType") == "personal"
    channel_id = None if personal else (channel.get("id") or team.get("id"))
    return Origin(
        workspace_id=workspace_of(str(tenant_id)),
        tenant_id=str(tenant_id),
        service_url=str(data["serviceUrl"]),
        bot_id=str((data.get("recipient") or {}).get("id", "")),
        conversation_id=str(conversation.get("id", "")),
        personal=personal,
        channel_id=str(channel_id) if channel_id else None,
        teams_team_id=str(team["id"]) if team.get("id") else None,
        channel_name=_channel_name(team, channel),
        caller=PersonInfo(
            user_id=str(sender.get("id", "")),
            name=str(sender.get("name") or sender.get("id", "")),
            tz=_timezone(data),
        ),
    )


def command_text(data: dict[str, Any]) -> str:
    """The words after the bot's @mention, each other person's mention written ``<@id>``.

    The SDK has removed the bot's own mention already (``remove_recipient_mention``); any left
    over (a second one) is dropped here too.

    Args:
        data: the activity's ``wire`` form.
    """
    text = str(data.get("text") or "")
    bot_id = (data.get("recipient") or {}).get("id")
    mentions = {
        str(e.get("text", "")): str((e.get("mentioned") or {}).get("id", ""))
        for e in data.get("entities") or []
        if e.get("type") == "mention"
    }

    def rewrite(match: re.Match[str]) -> str:
        user_id = mentions.get(match.group(0), "")
        if not user_id or user_id == bot_id:
            return " "
        return f" <@{user_id}> "

    return " ".join(_AT.sub(rewrite, text).split())
