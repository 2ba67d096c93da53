"""The ``files.*`` methods of the v2 upload flow.

``files.getUploadURLExternal`` hands out an upload URL (served by ``FakeSlack``, which stores
the posted bytes in ``uploads``); ``files.completeUploadExternal`` turns uploads into files and
shares them in conversations.
"""

from __future__ import annotations

import mimetypes
import secrets
import time
from typing import Any

from bot.sandbox.fakeslack.protocol import JsonDict, as_int, error_body, split_ids
from bot.sandbox.fakeslack.state import Workspace


def get_upload_url(ws: Workspace, args: JsonDict) -> JsonDict:
    """``files.getUploadURLExternal``: a file id and the URL to post its bytes to."""
    filename = args.get("filename")
    length = as_int(args.get("length"))
    if not filename:
        return error_body("invalid_arguments", "[ERROR] missing required field: filename")
    if length is None or length <= 0:
        return error_body("invalid_arguments", "[ERROR] missing required field: length")
    file_id = f"F{ws._next_serial():010d}"
    key = f"{file_id}-{secrets.token_hex(8)}"
    ws._upload_keys[key] = file_id
    ws._pending_files[file_id] = {
        "name": filename,
        "length": length,
        "alt_txt": args.get("alt_txt"),
    }
    return {"ok": True, "upload_url": f"{ws.url}upload/v1/{key}", "file_id": file_id}


def complete_upload(ws: Workspace, args: JsonDict) -> JsonDict:
    """``files.completeUploadExternal``: uploaded files become files, shared where asked."""
    entries = args.get("files")
    if not isinstance(entries, list) or not entries:
        return error_body("invalid_arguments", "[ERROR] missing required field: files")
    channel_ids = split_ids(args.get("channels"))
    if args.get("channel_id"):
        channel_ids.insert(0, str(args["channel_id"]))
    error = _completion_error(ws, entries, channel_ids)
    if error:
        return error_body(error)
    now = int(time.time())
    files = [_file_object(ws, entry, channel_ids, now=now) for entry in entries]
    for file in files:
        ws.files[file["id"]] = file
    for channel_id in channel_ids:
        share = ws._new_message(
            {"text": args.get("initial_comment") or "", "thread_ts": args.get("thread_ts")}
        )
        share.update({"files": files, "upload": True, "display_as_bot": False})
        ws._store_message(channel_id, share)
    return {"ok": True, "files": files}


def _completion_error(ws: Workspace, entries: list[Any], channel_ids: list[str]) -> str | None:
    """Why the upload cannot complete: a conversation or a file (not uploaded) is unknown."""
    if not all(ws._is_conversation(channel_id) for channel_id in channel_ids):
        return "channel_not_found"
    for entry in entries:
        file_id = entry.get("id") if isinstance(entry, dict) else None
        if file_id not in ws._pending_files or file_id not in ws.uploads:
            return "file_not_found"
    return None


def _file_object(ws: Workspace, entry: JsonDict, channel_ids: list[str], *, now: int) -> JsonDict:
    """The ``files.info``-shaped object of one completed upload, shared in ``channel_ids``."""
    file_id = entry["id"]
    pending = ws._pending_files[file_id]
    name = pending["name"]
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    url_private = f"{ws.url}files-pri/{ws.workspace_id}-{file_id}/{name}"
    return {
        "id": file_id,
        "created": now,
        "timestamp": now,
        "name": name,
        "title": entry.get("title") or name,
        "mimetype": mimetype,
        "filetype": name.rpartition(".")[2].lower() if "." in name else "binary",
        "user": ws.bot_user_id,
        "user_team": ws.workspace_id,
        "editable": False,
        "size": len(ws.uploads[file_id]),
        "mode": "hosted",
        "is_external": False,
        "is_public": any(
            channel in ws.channels and not ws.channels[channel]["is_private"]
            for channel in channel_ids
        ),
        "url_private": url_private,
        "url_private_download": url_private + "?download=1",
        "permalink": f"{ws.url}files/{ws.bot_user_id}/{file_id}/{name}",
        "channels": [c for c in channel_ids if c in ws.channels],
        "ims": [c for c in channel_ids if c not in ws.channels],
        "groups": [],
        "alt_txt": pending.get("alt_txt"),
    }
