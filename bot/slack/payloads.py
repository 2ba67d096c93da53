"""What a signed request must look like before Bolt routes it (anything else gets 400).

Slack sends three kinds of bodies to ``POST /slack/events``: slash commands (form fields),
interactivity (a form field ``payload`` holding JSON) and the Events API (JSON). A request of
the right signature but the wrong shape is refused here, so listeners can rely on the fields
they read: the workspace, the user, and what the kind of request needs.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

COMMAND_FIELDS = ("command", "team_id", "user_id", "channel_id", "response_url")
# The fields each subscribed event must carry (other event types only need a type).
EVENT_FIELDS = {
    "member_joined_channel": ("user", "channel"),
    "member_left_channel": ("user", "channel"),
    "app_home_opened": ("user",),
}
MAX_FIELD_CHARS = 10_000


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_FIELD_CHARS


def _url(value: Any) -> bool:
    return _text(value) and str(value).startswith(("https://", "http://"))


def _id_of(value: Any) -> bool:
    return isinstance(value, dict) and _text(value.get("id"))


def _interaction_ok(payload: dict[str, Any]) -> bool:
    kind = payload.get("type")
    if not (_id_of(payload.get("team")) and _id_of(payload.get("user"))):
        return kind == "url_verification"
    if payload.get("response_url") is not None and not _url(payload.get("response_url")):
        return False
    if kind == "block_actions":
        actions = payload.get("actions")
        return (
            isinstance(actions, list)
            and bool(actions)
            and all(isinstance(a, dict) and _text(a.get("action_id")) for a in actions)
            and all(isinstance(a.get("value", ""), str) for a in actions)
            and (payload.get("container") is None or isinstance(payload.get("container"), dict))
        )
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        return (
            isinstance(view, dict)
            and _text(view.get("id"))
            and isinstance(view.get("type"), str)
            and isinstance(view.get("callback_id", ""), str)
            and isinstance(view.get("private_metadata", ""), str)
            and isinstance(view.get("state", {}), dict)
            and isinstance(view.get("state", {}).get("values", {}), dict)
        )
    return kind in ("shortcut", "message_action", "block_suggestion")


def _event_ok(data: dict[str, Any]) -> bool:
    kind = data.get("type")
    if kind == "url_verification":
        return _text(data.get("challenge"))
    if kind == "event_callback":
        event = data.get("event")
        return (
            _text(data.get("team_id"))
            and isinstance(event, dict)
            and _text(event.get("type"))
            and (data.get("event_id") is None or _text(data.get("event_id")))
            and all(_text(event[key]) for key in ("user", "channel") if key in event)
            and all(_text(event.get(key)) for key in EVENT_FIELDS.get(str(event["type"]), ()))
        )
    return kind == "app_rate_limited"


def well_formed(body: bytes, content_type: str) -> bool:
    """Whether a signed body has one of the shapes Slack sends. Never raises."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            data = json.loads(text)
            return isinstance(data, dict) and _event_ok(data)
        form = parse_qs(text, keep_blank_values=True, strict_parsing=False)
        if "payload" in form:
            payload = json.loads(form["payload"][0])
            return isinstance(payload, dict) and _interaction_ok(payload)
        return all(
            len(form.get(f, [])) == 1 and _text(form[f][0]) for f in COMMAND_FIELDS
        ) and _url(form["response_url"][0])
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False


# Interactivity payload types → the kind of request the metrics count them under.
_INTERACTION_KINDS = {
    "block_actions": "action",
    "block_suggestion": "action",
    "view_submission": "view",
    "view_closed": "view",
    "shortcut": "shortcut",
    "message_action": "shortcut",
}
_EVENT_TYPES = ("event_callback", "url_verification", "app_rate_limited")


def kind_of(body: bytes, content_type: str) -> str:
    """What a body says it is, for the metrics: ``command``, ``action``, ``view``,
    ``shortcut``, ``event`` or ``unknown`` (not a shape Slack sends). Never raises."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            data = json.loads(text)
            kind = data.get("type") if isinstance(data, dict) else None
            return "event" if kind in _EVENT_TYPES else "unknown"
        form = parse_qs(text, keep_blank_values=True, strict_parsing=False)
        if "payload" in form:
            payload = json.loads(form["payload"][0])
            kind = payload.get("type") if isinstance(payload, dict) else None
            return _INTERACTION_KINDS.get(kind, "unknown") if isinstance(kind, str) else "unknown"
        return "command" if "command" in form else "unknown"
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "unknown"
