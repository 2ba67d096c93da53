"""Activities exactly as Teams posts them to a bot's messaging endpoint: pure builders.

Each builder returns the camelCase JSON of one activity, with a fresh ``id`` and
``timestamp``: ``channelId`` ``"msteams"``, ``serviceUrl``, ``from`` (the person), ``recipient``
(the bot), ``conversation`` (``conversationType`` ``"channel"`` or ``"personal"``,
``tenantId``, ``id``) and ``channelData`` (``tenant``, and in a team ``team`` and ``channel``).
Messages and invokes also carry ``locale``, ``localTimezone``, ``localTimestamp`` and a
``clientInfo`` entity, as a Teams client sends them. ``Place`` says where it happens::

    place = Place.channel(service_url=fake.service_url, bot=fake.bot, team=team)
    activity = message(place, sender=ann, text="status")  # "<at>SDO Pulse</at> status"
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.sandbox.faketeams.directory import Team, User
from bot.sandbox.faketeams.protocol import JsonDict, next_message_id

ADAPTIVE_CARD_ACTION = "adaptiveCard/action"

# A person mentioned: as ``<at>{name}</at>``, or with the text shown (``(ann, "Ann")``).
Mention = User | tuple[User, str]


@dataclass(frozen=True, slots=True)
class Place:
    """Where an activity happens: a team's channel (or a thread in it), or a 1:1 chat.

    Attributes:
        conversation_id: A 1:1 chat's id; in a channel, the thread's id
            (``19:…;messageid=…``), or None for a new post (its id then names the thread).
    """

    service_url: str
    bot: JsonDict
    tenant_id: str
    conversation_id: str | None = None
    team_id: str | None = None
    team_name: str | None = None
    team_aad_group_id: str | None = None
    channel_id: str | None = None

    @classmethod
    def channel(
        cls,
        *,
        service_url: str,
        bot: JsonDict,
        team: Team,
        channel_id: str | None = None,
        thread_id: str | None = None,
    ) -> Place:
        """A channel of ``team`` (General unless ``channel_id``), or a thread in it."""
        return cls(
            service_url=service_url,
            bot=bot,
            tenant_id=team.tenant_id,
            conversation_id=thread_id,
            team_id=team.id,
            team_name=team.name,
            team_aad_group_id=team.aad_group_id,
            channel_id=channel_id or team.general_channel_id,
        )

    @classmethod
    def personal(
        cls, *, service_url: str, bot: JsonDict, tenant_id: str, conversation_id: str
    ) -> Place:
        """The bot's 1:1 chat ``conversation_id`` with someone of ``tenant_id``."""
        return cls(
            service_url=service_url, bot=bot, tenant_id=tenant_id, conversation_id=conversation_id
        )

    @property
    def in_channel(self) -> bool:
        """Whether this is a team's channel (else a 1:1 chat)."""
        return self.team_id is not None

    def thread(self, root_id: str) -> Place:
        """The thread under the channel message ``root_id``."""
        return replace(self, conversation_id=f"{self.channel_id};messageid={root_id}")


def message(
    place: Place,
    *,
    sender: User,
    text: str,
    mentions: Sequence[Mention] = (),
    mention_bot: bool | None = None,
) -> JsonDict:
    """A ``message`` from ``sender``: in a channel it starts with the bot's mention.

    Args:
        place: Where it is written.
        sender: Who writes it.
        text: What they typed, e.g. ``"status"`` or ``"managers add <at>Ann</at>"``.
        mentions: People mentioned in ``text``: each ``<at>…</at>`` must be in it.
        mention_bot: Put ``<at>{bot}</at> `` in front; by default in a channel only (where
            Teams delivers a message to a bot only when it is mentioned).
    """
    activity_id = next_message_id()
    entities = []
    if place.in_channel if mention_bot is None else mention_bot:
        text = f"<at>{place.bot['name']}</at> {text}"
        entities.append(_mention(place.bot, str(place.bot["name"])))
    for mention in mentions:
        user, shown = mention if isinstance(mention, tuple) else (mention, mention.name)
        if f"<at>{shown}</at>" not in text:
            raise ValueError(f"the text does not mention <at>{shown}</at>")
        entities.append(_mention(user.channel_account(), shown))
    activity = _from_client(place, sender, "message", activity_id)
    activity.update(
        text=text,
        textFormat="plain",
        attachments=[{"contentType": "text/html", "content": f"<p>{text}</p>"}],
    )
    activity["entities"] = entities + activity["entities"]
    return activity


def card_action(
    place: Place, *, sender: User, verb: str, data: JsonDict, reply_to_id: str
) -> JsonDict:
    """An ``adaptiveCard/action`` invoke: ``sender`` clicked an ``Action.Execute``.

    Args:
        place: Where the card is.
        sender: Who clicked.
        verb: The action's ``verb``.
        data: Its ``data``, with the card's inputs merged in.
        reply_to_id: The card's activity id.
    """
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    return _invoke(place, sender, ADAPTIVE_CARD_ACTION, value, reply_to_id)


def task_fetch(
    place: Place, *, sender: User, data: JsonDict, reply_to_id: str | None = None
) -> JsonDict:
    """A ``task/fetch`` invoke: a button asks the bot for a dialog (task module)."""
    value = {"data": data, "context": {"theme": "default"}}
    return _invoke(place, sender, "task/fetch", value, reply_to_id)


def task_submit(
    place: Place, *, sender: User, data: JsonDict, reply_to_id: str | None = None
) -> JsonDict:
    """A ``task/submit`` invoke: the dialog's form was submitted with ``data``."""
    value = {"data": data, "context": {"theme": "default"}}
    return _invoke(place, sender, "task/submit", value, reply_to_id)


def bot_installed(place: Place, *, by: User) -> JsonDict:
    """The ``conversationUpdate`` of the bot added to a team (or to a 1:1 chat) by ``by``."""
    return _conversation_update(place, by, added=[{"id": place.bot["id"]}])


def bot_removed(place: Place, *, by: User) -> JsonDict:
    """The ``conversationUpdate`` of the bot removed from a team (or 1:1 chat) by ``by``."""
    return _conversation_update(place, by, removed=[{"id": place.bot["id"]}])


def members_added(place: Place, *, members: Sequence[User], by: User) -> JsonDict:
    """The ``conversationUpdate`` of people added to the team (ids and object ids only)."""
    return _conversation_update(place, by, added=[_member(user) for user in members])


def members_removed(place: Place, *, members: Sequence[User], by: User) -> JsonDict:
    """The ``conversationUpdate`` of people removed from the team."""
    return _conversation_update(place, by, removed=[_member(user) for user in members])


# --- the parts


def _conversation_update(
    place: Place,
    by: User,
    *,
    added: list[JsonDict] | None = None,
    removed: list[JsonDict] | None = None,
) -> JsonDict:
    activity = _envelope(place, by, "conversationUpdate", f"f:{uuid.uuid4()}", datetime.now(UTC))
    if place.in_channel:
        # The team's events come on the team's (General channel's) conversation.
        activity["conversation"]["id"] = place.team_id
        activity["channelData"] = {
            "team": {"id": place.team_id, "name": place.team_name},
            "eventType": "teamMemberAdded" if added else "teamMemberRemoved",
            "tenant": {"id": place.tenant_id},
            "settings": {"selectedChannel": {"id": place.channel_id}},
        }
        if place.team_aad_group_id:
            activity["channelData"]["team"]["aadGroupId"] = place.team_aad_group_id
    if added is not None:
        activity["membersAdded"] = added
    if removed is not None:
        activity["membersRemoved"] = removed
    return activity


def _invoke(
    place: Place, sender: User, name: str, value: JsonDict, reply_to_id: str | None
) -> JsonDict:
    activity = _from_client(place, sender, "invoke", f"f:{uuid.uuid4()}")
    activity.update(name=name, value=value)
    if reply_to_id is not None:
        activity["replyToId"] = reply_to_id
    return activity


def _from_client(place: Place, sender: User, kind: str, activity_id: str) -> JsonDict:
    """The envelope plus what the sender's Teams client adds: locale, time zone, clientInfo."""
    now = datetime.now(UTC)
    activity = _envelope(place, sender, kind, activity_id, now)
    local = now.astimezone(ZoneInfo(sender.timezone))
    activity.update(
        locale=sender.locale,
        localTimezone=sender.timezone,
        localTimestamp=local.isoformat(timespec="milliseconds"),
        entities=[
            {
                "type": "clientInfo",
                "locale": sender.locale,
                "country": sender.locale.rpartition("-")[2],
                "platform": "Web",
                "timezone": sender.timezone,
            }
        ],
    )
    return activity


def _envelope(place: Place, sender: User, kind: str, activity_id: str, now: datetime) -> JsonDict:
    conversation: JsonDict = {
        "conversationType": "channel" if place.in_channel else "personal",
        "tenantId": place.tenant_id,
        "id": place.conversation_id,
    }
    channel_data: JsonDict = {"tenant": {"id": place.tenant_id}}
    if place.in_channel:
        conversation["isGroup"] = True
        if place.conversation_id is None:  # a new post: its own id names the thread
            conversation["id"] = f"{place.channel_id};messageid={activity_id}"
        channel_data = {
            "teamsChannelId": place.channel_id,
            "teamsTeamId": place.team_id,
            "channel": {"id": place.channel_id},
            "team": {"id": place.team_id},
            "tenant": {"id": place.tenant_id},
        }
    return {
        "type": kind,
        "id": activity_id,
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "serviceUrl": place.service_url,
        "channelId": "msteams",
        "from": sender.channel_account(),
        "conversation": conversation,
        "recipient": dict(place.bot),
        "channelData": channel_data,
    }


def _mention(account: JsonDict, shown: str) -> JsonDict:
    return {
        "type": "mention",
        "text": f"<at>{shown}</at>",
        "mentioned": {"id": account["id"], "name": account["name"]},
    }


def _member(user: User) -> JsonDict:
    return {"id": user.id, "aadObjectId": user.aad_object_id}


__all__ = [
    "ADAPTIVE_CARD_ACTION",
    "Mention",
    "Place",
    "bot_installed",
    "bot_removed",
    "card_action",
    "members_added",
    "members_removed",
    "message",
    "task_fetch",
    "task_submit",
]
