"""The ``views.*`` methods: open and update modals, publish Home tabs."""

from __future__ import annotations

import secrets
import time
from typing import Any

from bot.sandbox.fakeslack.blockkit import view_errors
from bot.sandbox.fakeslack.protocol import JsonDict, error_body
from bot.sandbox.fakeslack.state import Workspace


def _view_record(ws: Workspace, view: JsonDict, *, view_id: str, root_view_id: str) -> JsonDict:
    """Store ``view`` as Slack answers it (id, hash, state…) under ``view_id``; return it."""
    record: JsonDict = {
        "id": view_id,
        "team_id": ws.workspace_id,
        "type": view["type"],
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "root_view_id": root_view_id,
        "previous_view_id": None,
        "app_id": ws.app_id,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": ws.workspace_id,
        "bot_id": ws.bot_id,
    }
    for name in ("title", "submit", "close"):
        record[name] = view.get(name)
    ws.views[view_id] = record
    return record


def _new_view_id(ws: Workspace) -> str:
    return f"V{ws._next_serial():010d}"


def _view_error(view: Any, *, kind: str | None = None) -> JsonDict | None:
    """The error body for a ``view`` argument; None when Slack accepts it (as a ``kind`` view)."""
    errors = view_errors(view)
    if errors or not isinstance(view, dict):  # a view that is not an object has errors
        return error_body("invalid_arguments", *errors)
    if kind is not None and view.get("type") != kind:
        return error_body("invalid_arguments", f"[ERROR] must be {kind} [json-pointer:/view/type]")
    return None


def open_view(ws: Workspace, args: JsonDict) -> JsonDict:
    """``views.open``: a modal, once per ``trigger_id``."""
    trigger_id = args.get("trigger_id")
    if not trigger_id:
        return error_body("invalid_arguments", "[ERROR] missing required field: trigger_id")
    if trigger_id in ws._used_triggers:
        return error_body("exchanged_trigger_id")
    invalid = _view_error(args.get("view"), kind="modal")
    if invalid:
        return invalid
    ws._used_triggers.add(trigger_id)
    view_id = _new_view_id(ws)
    record = _view_record(ws, args["view"], view_id=view_id, root_view_id=view_id)
    return {"ok": True, "view": record}


def _find_view(ws: Workspace, args: JsonDict) -> JsonDict | None:
    view_id, external_id = args.get("view_id"), args.get("external_id")
    if view_id:
        return ws.views.get(view_id)
    if external_id:
        return next(
            (view for view in ws.views.values() if view["external_id"] == external_id), None
        )
    return None


def update_view(ws: Workspace, args: JsonDict) -> JsonDict:
    """``views.update``: by ``view_id`` or ``external_id``, refused on a stale ``hash``."""
    if not args.get("view_id") and not args.get("external_id"):
        return error_body("invalid_arguments", "[ERROR] missing required field: view_id")
    current = _find_view(ws, args)
    if current is None:
        return error_body("not_found")
    if args.get("hash") and args["hash"] != current["hash"]:
        return error_body("hash_conflict")
    invalid = _view_error(args.get("view"))
    if invalid:
        return invalid
    record = _view_record(
        ws, args["view"], view_id=current["id"], root_view_id=current["root_view_id"]
    )
    for user_id, home in ws.home_views.items():
        if home["id"] == record["id"]:
            ws.home_views[user_id] = record
    return {"ok": True, "view": record}


def publish_view(ws: Workspace, args: JsonDict) -> JsonDict:
    """``views.publish``: a user's Home tab, refused on a stale ``hash``."""
    user_id = args.get("user_id")
    if not user_id:
        return error_body("invalid_arguments", "[ERROR] missing required field: user_id")
    if user_id not in ws.users:
        return error_body("user_not_found")
    invalid = _view_error(args.get("view"), kind="home")
    if invalid:
        return invalid
    current = ws.home_views.get(user_id)
    if current is not None and args.get("hash") and args["hash"] != current["hash"]:
        return error_body("hash_conflict")
    view_id = current["id"] if current else _new_view_id(ws)
    record = _view_record(ws, args["view"], view_id=view_id, root_view_id=view_id)
    ws.home_views[user_id] = record
    return {"ok": True, "view": record}
