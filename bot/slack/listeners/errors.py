"""What a person sees when a listener fails: "try again in a moment" for a database outage.

Bolt hands every listener's and middleware's exception to ``on_error`` (in multi-workspace mode
its authorization reads the workspace's token from the database before any listener runs). A
database that cannot be reached (``storage.db.is_unavailable``) is nobody's mistake and passes:
the person who clicked, typed a command or submitted a form is told, where Slack lets them see
it, that nothing was saved and to try again in a moment, and Slack gets its acknowledgement
(never a 500, which it would show as "dispatch failed"); an event not yet acknowledged gets a
503, so Slack delivers it again. Anything else is a bug: it is logged with its traceback.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import replies
from storage.db import is_unavailable

log = logging.getLogger(__name__)


async def on_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: AsyncRespond | None,
    client: AsyncWebClient,
) -> BoltResponse | None:
    """Bolt's error handler: answer a database outage, log anything else.

    Args:
        error: what the listener raised.
        body: the request's payload.
        response: the response Slack is still waiting for, or None once acknowledged.
        respond: the request's response_url, when it has one.
        client: the workspace's Web API client.

    Returns:
        The acknowledgement to send instead of Bolt's 500, when there still is one to send.
    """
    if not is_unavailable(error):
        log.error("listener failed: %s", type(error).__name__, exc_info=error)
        return None
    kind = str(body.get("type") or ("command" if "command" in body else "request"))
    log.warning("a %s found the database unavailable: asked to try again", kind)
    text = replies.DATABASE_UNAVAILABLE_TEXT
    if kind == "event_callback":
        # Acknowledged events are never sent again: unacknowledged, Slack redelivers it later.
        # (One that got as far as a listener was acknowledged, and waits for the database.)
        return BoltResponse(status=503, body="") if response is not None else None
    if response is not None:
        acknowledgement = _acknowledgement(body, text)
        if acknowledgement is not None:
            return acknowledgement
        # An action's acknowledgement carries no message: acknowledge, then tell.
        response.status, response.body = 200, ""
    if respond is not None and body.get("response_url"):
        await respond(text=text, response_type="ephemeral", replace_original=False)
        return None
    user_id = (body.get("user") or {}).get("id") or body.get("user_id")
    if user_id:  # a form has no response_url: a DM says it
        await client.chat_postMessage(channel=str(user_id), text=text)
    return None


def _acknowledgement(body: dict[str, Any], text: str) -> BoltResponse | None:
    """The answer that can go in the acknowledgement itself, if the request allows one."""
    if body.get("type") == "view_submission":
        # The form stays open, what was typed in it too, with the message under its first field.
        values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
        if values:
            first_block = next(iter(values))
            return _json({"response_action": "errors", "errors": {first_block: text}})
        return None
    if "command" in body:
        return _json({"response_type": "ephemeral", "text": text})
    return None


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": "application/json;charset=utf-8"},
    )
