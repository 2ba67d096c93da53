"""The roster reads: members of a conversation (all, one, or a page), a team and its channels.

Answers are what the Agents SDK's clients (and ``TeamsInfo``) ``model_validate``: a list of
``ChannelAccount``, ``TeamsChannelAccount``, ``PagedMembersResult``/``TeamsPagedMembersResult``,
``TeamDetails`` and ``ConversationList``. A team's id, its channels' and their threads' ids
name the team's roster; a 1:1 chat's roster is its user. The bot is on no roster.
"""

from __future__ import annotations

import base64
import binascii
import json

from bot.sandbox.faketeams.conversations import Conversations
from bot.sandbox.faketeams.protocol import Answer, JsonDict, Op


def _bad(message: str) -> Answer:
    return Answer.error(400, "BadArgument", message)


def members(state: Conversations, op: Op) -> Answer:
    """``GET v3/conversations/{id}/members``: everyone, unpaged."""
    roster = state._roster(op.conversation_id or "")
    if roster is None:
        return state._conversation_error(op.conversation_id) or _bad("No roster.")
    return Answer(200, [user.account() for user in roster])


def member(state: Conversations, op: Op) -> Answer:
    """``GET v3/conversations/{id}/members/{memberId}``: by ``29:`` id or Entra object id."""
    roster = state._roster(op.conversation_id or "")
    if roster is None:
        return state._conversation_error(op.conversation_id) or _bad("No roster.")
    user = state.user(op.member_id or "")
    if user is None or user.id not in {someone.id for someone in roster}:
        return Answer.error(
            404, "MemberNotFoundInConversation", "The member could not be found in the roster."
        )
    return Answer(200, user.account())


def paged_members(state: Conversations, op: Op) -> Answer:
    """``GET v3/conversations/{id}/pagedmembers?pageSize=&continuationToken=``.

    A page holds ``min(pageSize, max_page_size)`` members (``max_page_size`` without a
    ``pageSize``); the last page has no ``continuationToken``. Tokens are opaque, bound to
    their conversation, and refused (400) anywhere else.
    """
    conversation_id = op.conversation_id or ""
    roster = state._roster(conversation_id)
    if roster is None:
        return state._conversation_error(conversation_id) or _bad("No roster.")
    size_text = op.query.get("pageSize", "")
    try:
        page_size = int(size_text) if size_text else state.max_page_size
    except ValueError:
        return _bad(f"Invalid pageSize {size_text!r}.")
    if page_size < 1:
        return _bad("pageSize must be positive.")
    page_size = min(page_size, state.max_page_size)
    token = op.query.get("continuationToken", "")
    start = _token_offset(token, _roster_key(state, conversation_id)) if token else 0
    if start is None:
        return _bad("Invalid continuation token.")
    page = roster[start : start + page_size]
    answer: JsonDict = {"members": [user.account() for user in page]}
    if start + page_size < len(roster):
        answer["continuationToken"] = _token(start + page_size, _roster_key(state, conversation_id))
    return Answer(200, answer)


def team_details(state: Conversations, op: Op) -> Answer:
    """``GET v3/teams/{teamId}``: ``TeamDetails``."""
    refused = _team_error(state, op.conversation_id)
    if refused is not None:
        return refused
    team = state.teams[op.conversation_id or ""]
    return Answer(
        200,
        {
            "id": team.id,
            "name": team.name,
            "aadGroupId": team.aad_group_id,
            "channelCount": len(team.channels),
            "memberCount": len(team.member_ids),
            "type": "standard",
        },
    )


def team_channels(state: Conversations, op: Op) -> Answer:
    """``GET v3/teams/{teamId}/conversations``: ``ConversationList``; General has no name."""
    refused = _team_error(state, op.conversation_id)
    if refused is not None:
        return refused
    team = state.teams[op.conversation_id or ""]
    channels = []
    for channel_id, name in team.channels.items():
        channel: JsonDict = {"id": channel_id, "type": "standard"}
        if name is not None:
            channel["name"] = name
        channels.append(channel)
    return Answer(200, {"conversations": channels})


def _team_error(state: Conversations, team_id: str | None) -> Answer | None:
    if team_id not in state.teams:
        return Answer.error(404, "TeamNotFound", "Team not found.")
    return state._conversation_error(team_id)


def _roster_key(state: Conversations, conversation_id: str) -> str:
    team = state.team_of(conversation_id)
    return team.id if team else conversation_id


def _token(offset: int, key: str) -> str:
    raw = json.dumps({"o": offset, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _token_offset(token: str, key: str) -> int | None:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(decoded, dict) or decoded.get("k") != key:
        return None
    offset = decoded.get("o")
    return offset if isinstance(offset, int) and offset >= 0 else None
