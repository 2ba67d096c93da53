"""The Bot Connector operations the fake serves: functions of the state and the ``Op``.

``OPERATIONS`` maps an ``Op.operation`` to its handler. Here: creating conversations and
sending, replying to, updating and deleting activities; ``roster`` holds the reads of members,
teams and channels. Answers are what the Agents SDK's ``ConnectorClient`` and
``TeamsConnectorClient`` ``model_validate``: ``ConversationResourceResponse`` (or
``ResourceResponse``) for a new conversation, ``ResourceResponse`` for an activity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from bot.sandbox.faketeams.conversations import Conversations
from bot.sandbox.faketeams.protocol import Answer, JsonDict, Op
from bot.sandbox.faketeams.recording import Created, Sent
from bot.sandbox.faketeams.roster import member, members, paged_members, team_channels, team_details
from bot.sandbox.faketeams.validation import activity_refusal

Handler = Callable[[Conversations, Op], Answer]


def _bad(message: str) -> Answer:
    return Answer.error(400, "BadArgument", message)


def create_conversation(state: Conversations, op: Op) -> Answer:
    """``POST v3/conversations``: a 1:1 chat (stable id), or a new thread in a channel."""
    body = op.body
    channel_data = body.get("channelData") if isinstance(body.get("channelData"), dict) else {}
    tenant_id = body.get("tenantId") or _dig(channel_data, "tenant", "id")
    bot = body.get("bot") or body.get("agent")
    if isinstance(bot, dict) and bot.get("id") not in (None, state.bot_id):
        return _bad(f"The bot {bot.get('id')!r} is not this bot ({state.bot_id}).")
    activity = body.get("activity") if isinstance(body.get("activity"), dict) else None
    channel_id = _dig(channel_data, "channel", "id")
    if body.get("isGroup") and isinstance(channel_id, str):
        return _new_channel_thread(state, op, channel_id, activity)
    if body.get("isGroup"):
        return _bad("Bots cannot create group chats; give channelData.channel.id to post.")
    members = body.get("members")
    if not isinstance(members, list) or len(members) != 1 or not isinstance(members[0], dict):
        return _bad("A 1:1 conversation needs exactly one member.")
    if not isinstance(tenant_id, str) or not tenant_id:
        return _bad("A tenant id (tenantId or channelData.tenant.id) is required.")
    user = state.user(str(members[0].get("id") or ""))
    if user is None or user.tenant_id != tenant_id:
        return _bad("Failed to decrypt pairwise id: no such member in this tenant.")
    if not state._can_reach(user):
        return Answer.error(403, "Forbidden", "The bot is not installed for this user.")
    if user.blocked_bot:
        return Answer.error(
            403, "ConversationBlockedByUser", "User blocked the conversation with the bot."
        )
    new = user.id not in state._chat_of_user
    conversation_id = state.personal_conversation_id(user)
    answer: JsonDict = {"id": conversation_id}
    if activity is not None:
        refused = activity_refusal(activity, max_message_bytes=state.max_message_bytes)
        if refused is not None:
            return refused
        answer["activityId"] = state._store(
            conversation_id, activity, kind="create", at=op.at, reply_to=None
        )
    state.conversations_created.append(
        Created(conversation_id, tenant_id, user.id, False, new, body, answer.get("activityId"))
    )
    return Answer(201, answer)


def _new_channel_thread(
    state: Conversations, op: Op, channel_id: str, activity: JsonDict | None
) -> Answer:
    refused = state._conversation_error(channel_id)
    if refused is not None:
        return refused
    if activity is None:
        return _bad("An activity is required to start a conversation in a channel.")
    refused = activity_refusal(activity, max_message_bytes=state.max_message_bytes)
    if refused is not None:
        return refused
    activity_id = state._store(channel_id, activity, kind="create", at=op.at, reply_to=None)
    thread_id = f"{channel_id};messageid={activity_id}"
    team = state.team_of(channel_id)
    assert team is not None
    state.conversations_created.append(
        Created(thread_id, team.tenant_id, None, True, True, op.body, activity_id)
    )
    return Answer(201, {"id": thread_id, "activityId": activity_id})


def send(state: Conversations, op: Op) -> Answer:
    """``POST v3/conversations/{id}/activities``: a new message."""
    return _post(state, op, kind="send", reply_to=None)


def reply(state: Conversations, op: Op) -> Answer:
    """``POST v3/conversations/{id}/activities/{activityId}``: a reply to that activity."""
    return _post(state, op, kind="reply", reply_to=op.activity_id)


def _post(state: Conversations, op: Op, *, kind: str, reply_to: str | None) -> Answer:
    refused = state._conversation_error(op.conversation_id) or activity_refusal(
        op.body, max_message_bytes=state.max_message_bytes
    )
    if refused is not None:
        return refused
    assert op.conversation_id is not None
    activity_id = state._store(op.conversation_id, op.body, kind=kind, at=op.at, reply_to=reply_to)
    return Answer(201, {"id": activity_id})


def update(state: Conversations, op: Op) -> Answer:
    """``PUT v3/conversations/{id}/activities/{activityId}``: replace it in place."""
    refused = state._conversation_error(op.conversation_id)
    if refused is not None:
        return refused
    assert op.conversation_id is not None
    assert op.activity_id is not None
    stored = state._stored(op.conversation_id, op.activity_id)
    if stored is None:
        return Answer.error(404, "NotFound", "The activity was not found in the conversation.")
    refused = activity_refusal(op.body, max_message_bytes=state.max_message_bytes)
    if refused is not None:
        return refused
    activities, index = stored
    previous = activities[index]
    activities[index] = {**op.body, "id": op.activity_id}
    if "replyToId" in previous:
        activities[index].setdefault("replyToId", previous["replyToId"])
    state.updates.append(Sent("update", op.conversation_id, op.activity_id, op.body, op.at))
    return Answer(200, {"id": op.activity_id})


def delete(state: Conversations, op: Op) -> Answer:
    """``DELETE v3/conversations/{id}/activities/{activityId}``."""
    refused = state._conversation_error(op.conversation_id)
    if refused is not None:
        return refused
    assert op.conversation_id is not None
    assert op.activity_id is not None
    stored = state._stored(op.conversation_id, op.activity_id)
    if stored is None:
        return Answer.error(404, "NotFound", "The activity was not found in the conversation.")
    activities, index = stored
    del activities[index]
    state.deleted.append(Sent("delete", op.conversation_id, op.activity_id, {}, op.at))
    return Answer(200, text="")


def unknown(state: Conversations, op: Op) -> Answer:
    """A path the fake does not serve."""
    return Answer.error(404, "NotFound", f"The fake does not serve {op.method} {op.path}.")


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


OPERATIONS: Mapping[str, Handler] = MappingProxyType(
    {
        "create_conversation": create_conversation,
        "send": send,
        "reply": reply,
        "update": update,
        "delete": delete,
        "members": members,
        "member": member,
        "paged_members": paged_members,
        "team_details": team_details,
        "team_channels": team_channels,
        "unknown": unknown,
    }
)
