"""The Web API methods the fake knows, by name, and those of them not in another module.

``METHODS`` maps a method name to its handler: a function of the workspace state and the
call's args to the JSON body Slack would answer. Here: ``auth.test``, ``oauth.v2.access``,
``users.*`` and ``conversations.*``; ``chat``, ``views`` and ``files`` hold the others.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from bot.sandbox.fakeslack.chat import post_ephemeral, post_message, update_message
from bot.sandbox.fakeslack.files import complete_upload, get_upload_url
from bot.sandbox.fakeslack.protocol import JsonDict, as_int, error_body, split_ids, truthy
from bot.sandbox.fakeslack.state import Workspace
from bot.sandbox.fakeslack.views import open_view, publish_view, update_view

Handler = Callable[[Workspace, JsonDict], JsonDict]

# Methods that authenticate with the client id and secret, not a bearer token.
NO_TOKEN_METHODS = frozenset({"oauth.v2.access"})

_MAX_PAGE = 1000
_DEFAULT_MEMBERS_PAGE = 100
_MAX_MPIM_USERS = 8


def oauth_v2_access(ws: Workspace, args: JsonDict) -> JsonDict:
    """The OAuth code exchange (any ``code`` from ``new_oauth_code`` installs the bot), or with
    token rotation on (``rotate_tokens``) the refresh grant: ``grant_type=refresh_token`` and
    the current ``refresh_token`` give a new token and refresh token. Both want the app's
    client id and secret (HTTP Basic auth, or as arguments)."""
    if not args.get("client_id"):
        return error_body("invalid_client_id")
    if not args.get("client_secret"):
        return error_body("bad_client_secret")
    if args.get("grant_type") == "refresh_token":
        refresh_token = args.get("refresh_token")
        if ws.bot_refresh_token is None:
            return error_body("token_rotation_not_enabled")
        if not isinstance(refresh_token, str) or refresh_token != ws.bot_refresh_token:
            return error_body("invalid_refresh_token")
        ws._refresh_tokens()
        return _granted(ws)
    code = args.get("code")
    if not isinstance(code, str) or code not in ws.oauth_codes:
        return error_body("invalid_code")
    ws.oauth_codes.discard(code)
    return {**_granted(ws), "authed_user": {"id": "UINSTALLER"}}


def _granted(ws: Workspace) -> JsonDict:
    """What ``oauth.v2.access`` answers: the bot token, and with rotation its refresh token."""
    body: JsonDict = {
        "ok": True,
        "access_token": ws.bot_token,
        "token_type": "bot",
        "scope": "commands,chat:write,im:write,users:read,channels:read,groups:read",
        "bot_user_id": ws.bot_user_id,
        "app_id": ws.app_id,
        "team": {"id": ws.workspace_id, "name": ws.team_name},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if ws.bot_refresh_token is not None:
        body["refresh_token"] = ws.bot_refresh_token
        body["expires_in"] = ws.token_expires_in
    return body


def auth_test(ws: Workspace, args: JsonDict) -> JsonDict:
    """``auth.test``: the bot user and its workspace."""
    return {
        "ok": True,
        "url": ws.url,
        "team": ws.team_name,
        "user": ws.users[ws.bot_user_id]["name"],
        "team_id": ws.workspace_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, args: JsonDict) -> JsonDict:
    """``users.info``: the live directory entry."""
    user = ws.users.get(args.get("user") or "")
    return {"ok": True, "user": user} if user is not None else error_body("user_not_found")


def users_list(ws: Workspace, args: JsonDict) -> JsonDict:
    """``users.list``: everyone, as ``users.info`` gives them (bots, Slackbot, deactivated too).

    Paged with opaque cursors. Without a ``limit`` (or 0) Slack tries to give all at once; the
    fake gives at most 1,000 a page, as it does for any larger limit.
    """
    paged = _page(list(ws.users.values()), args, default_limit=_MAX_PAGE)
    if isinstance(paged, str):
        return error_body(paged)
    users, next_cursor = paged
    return {
        "ok": True,
        "members": users,
        "cache_ts": int(time.time()),
        "response_metadata": {"next_cursor": next_cursor},
    }


# --- paging


def _page[T](
    items: Sequence[T], args: JsonDict, *, default_limit: int
) -> tuple[list[T], str] | str:
    """The page of ``items`` the ``limit`` and ``cursor`` args ask for.

    A ``limit`` of 0 or none means ``default_limit``; more than 1,000 means 1,000.

    Returns:
        (the page, the ``next_cursor``: ``""`` on the last page), or the error code
        ``invalid_limit`` or ``invalid_cursor``.
    """
    limit = as_int(args.get("limit", default_limit))
    if limit is None:
        return "invalid_limit"
    limit = min(limit, _MAX_PAGE) if limit > 0 else default_limit
    cursor = args.get("cursor") or ""
    offset = _decode_cursor(cursor) if cursor else 0
    if offset is None or offset > len(items):
        return "invalid_cursor"
    end = offset + limit
    return list(items[offset:end]), _encode_cursor(end) if end < len(items) else ""


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int | None:
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return offset if kind == "offset" and offset >= 0 else None


# --- conversations.*


def conversations_members(ws: Workspace, args: JsonDict) -> JsonDict:
    """``conversations.members``: paginated with opaque cursors, like Slack."""
    members = ws._members_of(args.get("channel"))
    if members is None:
        return error_body("channel_not_found")
    paged = _page(members, args, default_limit=_DEFAULT_MEMBERS_PAGE)
    if isinstance(paged, str):
        return error_body(paged)
    page, next_cursor = paged
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}


def _im_object(ws: Workspace, channel_id: str, user_id: str) -> JsonDict:
    return {
        "id": channel_id,
        "created": int(time.time()),
        "is_im": True,
        "is_org_shared": False,
        "user": user_id,
        "is_user_deleted": ws.users[user_id]["deleted"],
        "priority": 0,
    }


def conversations_info(ws: Workspace, args: JsonDict) -> JsonDict:
    """``conversations.info``: a channel the bot can see, or a DM."""
    channel_id = args.get("channel")
    if isinstance(channel_id, str) and ws._visible_channel(channel_id):
        channel = dict(ws.channels[channel_id])
        members = ws.channel_members[channel_id]
        channel["is_member"] = ws.bot_user_id in members
        if truthy(args.get("include_num_members")):
            channel["num_members"] = len(members)
        return {"ok": True, "channel": channel}
    user_id = ws._dm_user(channel_id) if isinstance(channel_id, str) else None
    if user_id is None:
        return error_body("channel_not_found")
    return {"ok": True, "channel": _im_object(ws, ws.dm_channel_id(user_id), user_id)}


def conversations_open(ws: Workspace, args: JsonDict) -> JsonDict:
    """``conversations.open``: the DM with one user, a group DM with several, or ``channel``."""
    user_ids = split_ids(args.get("users"))
    if not user_ids:
        return _reopen(ws, args.get("channel"))
    if len(user_ids) > _MAX_MPIM_USERS:
        return error_body("too_many_users")
    for user_id in user_ids:
        error = ws._dm_error(user_id)
        if error:
            return error_body(error)
    if len(user_ids) > 1:
        return _open_mpim(ws, user_ids)
    user_id = user_ids[0]
    channel_id = ws.dm_channel_id(user_id)
    already_open = user_id in ws.opened_dms
    ws.opened_dms[user_id] = channel_id
    channel = (
        _im_object(ws, channel_id, user_id) if truthy(args.get("return_im")) else {"id": channel_id}
    )
    return _opened(channel, already_open=already_open)


def _reopen(ws: Workspace, channel: object) -> JsonDict:
    """``conversations.open`` by ``channel``: a no-op on a conversation that exists."""
    if channel is None:
        return error_body("users_list_not_supplied")
    if not ws._is_conversation(channel) and channel not in ws._mpims.values():
        return error_body("channel_not_found")
    return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel}}


def _open_mpim(ws: Workspace, user_ids: list[str]) -> JsonDict:
    key = tuple(sorted({*user_ids, ws.bot_user_id}))
    channel_id = ws._mpims.get(key)
    already_open = channel_id is not None
    if channel_id is None:
        # A stable id per set of members; nothing secret hangs on the hash.
        digest = hashlib.sha1(",".join(key).encode(), usedforsecurity=False).hexdigest()
        channel_id = "G" + digest[:10].upper()
        ws._mpims[key] = channel_id
        name = "mpdm-" + "--".join(ws.users[user]["name"] for user in key) + "-1"
        ws.add_channel(channel_id, name=name, members=list(key), is_private=True)
        ws.channels[channel_id].update({"is_mpim": True, "is_group": False})
    return _opened({"id": channel_id}, already_open=already_open)


def _opened(channel: JsonDict, *, already_open: bool) -> JsonDict:
    """The answer of ``conversations.open``; Slack flags a conversation it had opened before."""
    body: JsonDict = {"ok": True}
    if already_open:
        body.update({"no_op": True, "already_open": True})
    body["channel"] = channel
    return body


METHODS: Mapping[str, Handler] = MappingProxyType(
    {
        "auth.test": auth_test,
        "conversations.members": conversations_members,
        "conversations.info": conversations_info,
        "conversations.open": conversations_open,
        "users.info": users_info,
        "users.list": users_list,
        "chat.postMessage": post_message,
        "chat.update": update_message,
        "chat.postEphemeral": post_ephemeral,
        "views.open": open_view,
        "views.update": update_view,
        "views.publish": publish_view,
        "files.getUploadURLExternal": get_upload_url,
        "files.completeUploadExternal": complete_upload,
        "oauth.v2.access": oauth_v2_access,
    }
)
