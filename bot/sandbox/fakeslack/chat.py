"""The ``chat.*`` methods: post, update and post ephemeral messages as the bot."""

from __future__ import annotations

from bot.sandbox.fakeslack.blockkit import MAX_MESSAGE_BLOCKS, block_kit_errors
from bot.sandbox.fakeslack.protocol import JsonDict, error_body
from bot.sandbox.fakeslack.state import Workspace

_MAX_MESSAGE_TEXT = 40_000


def content_error(args: JsonDict, *, require_content: bool = True) -> JsonDict | None:
    """The error body for a message's ``text``/``blocks``/``attachments``, None when valid.

    Args:
        args: The method's arguments.
        require_content: Whether a message without text, blocks or attachments is an error.
    """
    blocks = args.get("blocks")
    if blocks is not None:
        if not isinstance(blocks, list):
            return error_body("invalid_blocks_format")
        errors = block_kit_errors(blocks, max_blocks=MAX_MESSAGE_BLOCKS)
        if errors:
            return error_body("invalid_blocks", *errors)
    attachments = args.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        return error_body("invalid_attachments")
    text = args.get("text")
    if require_content and not text and not blocks and not attachments:
        return error_body("no_text")
    if isinstance(text, str) and len(text) > _MAX_MESSAGE_TEXT:
        return error_body("msg_too_long")
    return None


def post_message(ws: Workspace, args: JsonDict) -> JsonDict:
    """``chat.postMessage``: to a channel id, a user id or a ``#name``.

    To a user id (``U…``/``W…``) Slack posts in the app's DM with that user (the App Home's
    Messages tab), opening it if need be, and answers that DM's ``D…`` id: the one
    ``conversations.open`` gives, which it then reports as already open.
    """
    target = args.get("channel")
    channel_id, error = ws._resolve_post_target(target)
    if error or channel_id is None:
        return error_body(error or "channel_not_found")
    invalid = content_error(args)
    if invalid:
        return invalid
    if isinstance(target, str) and target in ws.users:
        ws.opened_dms.setdefault(target, channel_id)
    message = ws._new_message(args)
    ws._store_message(channel_id, message)
    return {"ok": True, "channel": channel_id, "ts": message["ts"], "message": message}


def update_message(ws: Workspace, args: JsonDict) -> JsonDict:
    """``chat.update``: edits the stored message in place."""
    channel_id, ts = args.get("channel"), args.get("ts")
    if not ws._is_conversation(channel_id):
        return error_body("channel_not_found")
    message = ws._message_at(str(channel_id), str(ts))
    if message is None:
        return error_body("message_not_found")
    if not any(args.get(name) is not None for name in ("text", "blocks", "attachments")):
        return error_body("no_text")
    invalid = content_error(args, require_content=False)
    if invalid:
        return invalid
    # Slack keeps blocks/attachments the update leaves out; an empty list removes them.
    edit_in_place(ws, str(channel_id), message, args, keep_missing=True)
    message["edited"] = {"user": ws.bot_user_id, "ts": ws._next_ts()}
    return {
        "ok": True,
        "channel": channel_id,
        "ts": ts,
        "text": message["text"],
        "message": message,
    }


def replace_message(ws: Workspace, channel_id: str, ts: str, args: JsonDict) -> JsonDict:
    """A response URL's ``replace_original``: the message becomes ``args``' content, same ts.

    Unlike ``chat.update``, the message is replaced whole: blocks or attachments the payload
    leaves out are gone.

    Args:
        ws: The workspace.
        channel_id: The conversation of the message the URL was made for.
        ts: That message's ``ts``.
        args: The posted payload.

    Returns:
        ``{"ok": true}``, or the error body (``message_not_found``, a content error).
    """
    message = ws._message_at(channel_id, ts)
    if message is None:
        return error_body("message_not_found")
    invalid = content_error(args)
    if invalid:
        return invalid
    edit_in_place(ws, channel_id, message, args, keep_missing=False)
    return {"ok": True}


def edit_in_place(
    ws: Workspace, channel_id: str, message: JsonDict, args: JsonDict, *, keep_missing: bool
) -> None:
    """Store new content in a stored message (checked already) and count the revision.

    Args:
        ws: The workspace.
        channel_id: The message's conversation.
        message: The stored message, changed in place.
        args: The new content: ``text``, ``blocks``, ``attachments``, ``metadata``.
        keep_missing: Keep what ``args`` leaves out (``chat.update``), else drop it.
    """
    for name in ("text", "blocks", "attachments", "metadata"):
        if args.get(name) is not None:
            message[name] = args[name]
        elif not keep_missing:
            if name == "text":
                message["text"] = ""
            else:
                message.pop(name, None)
    ws._edited(channel_id, str(message["ts"]))


def post_ephemeral(ws: Workspace, args: JsonDict) -> JsonDict:
    """``chat.postEphemeral``: recorded in ``ephemerals``, for a member of the conversation."""
    channel_id, error = ws._resolve_post_target(args.get("channel"))
    if error or channel_id is None:
        return error_body(error or "channel_not_found")
    user_id = args.get("user")
    members = ws._members_of(channel_id) or []
    if user_id not in members:
        return error_body("user_not_in_channel")
    invalid = content_error(args)
    if invalid:
        return invalid
    ts = ws._next_ts()
    ws.ephemerals.append(
        {
            "channel": channel_id,
            "user": user_id,
            "text": args.get("text") or "",
            "blocks": args.get("blocks"),
            "ts": ts,
        }
    )
    return {"ok": True, "message_ts": ts}
