"""What the connector refuses in an activity the bot sends: the checks, apart from the routes.

* A message over Teams' size limit (about 28 KB of text and attachments): 413.
* An Adaptive Card attachment without ``"type": "AdaptiveCard"`` or a ``version``, or with an
  ``Action.Execute`` (anywhere in it: actions, body, ``selectAction``, a ``ShowCard``'s card)
  without a ``verb``: 400. The verb is what routes a Universal Action back to the bot.
* An activity without a ``type``: 400.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot.sandbox.faketeams.protocol import Answer, JsonDict

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MAX_MESSAGE_BYTES = 28 * 1024


def message_size(activity: JsonDict) -> int:
    """The bytes Teams counts against its limit: the UTF-8 text plus the attachments' JSON."""
    text = activity.get("text")
    size = len(text.encode()) if isinstance(text, str) else 0
    attachments = activity.get("attachments")
    if attachments:
        size += len(json.dumps(attachments, separators=(",", ":")).encode())
    return size


def card_errors(card: Any) -> list[str]:
    """Why an Adaptive Card's ``content`` would not render: empty when it would.

    Args:
        card: The attachment's ``content``.

    Returns:
        One sentence per problem.
    """
    if not isinstance(card, dict):
        return ["the content of an Adaptive Card attachment must be an object"]
    errors = []
    if card.get("type") != "AdaptiveCard":
        errors.append(f'the card\'s type must be "AdaptiveCard", not {card.get("type")!r}')
    version = card.get("version")
    if not isinstance(version, str) or not version.strip():
        errors.append("the card has no version")
    for path, element in _elements(card, "$"):
        if element.get("type") == "Action.Execute":
            verb = element.get("verb")
            if not isinstance(verb, str) or not verb:
                errors.append(f"the Action.Execute at {path} has no verb")
    return errors


def activity_refusal(activity: JsonDict, *, max_message_bytes: int) -> Answer | None:
    """The 400 or 413 the connector answers an activity with, or None to accept it.

    Args:
        activity: The JSON body of a send, reply, update, or a new conversation's activity.
        max_message_bytes: The size limit (``message_size``).
    """
    if not isinstance(activity.get("type"), str) or not activity["type"]:
        return Answer.error(400, "BadArgument", "Activity type is required.")
    size = message_size(activity)
    if size > max_message_bytes:
        return Answer.error(
            413,
            "MessageSizeTooBig",
            f"Message size {size} bytes is over the limit of {max_message_bytes} bytes.",
        )
    problems = []
    for index, attachment in enumerate(activity.get("attachments") or []):
        if isinstance(attachment, dict) and attachment.get("contentType") == ADAPTIVE_CARD:
            problems += [
                f"attachments[{index}]: {e}" for e in card_errors(attachment.get("content"))
            ]
    if problems:
        return Answer.error(400, "BadArgument", "Invalid Adaptive Card: " + "; ".join(problems))
    return None


def _elements(node: Any, path: str) -> Iterator[tuple[str, JsonDict]]:
    """Every object nested in ``node`` (itself included), with a JSON path to it."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _elements(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _elements(value, f"{path}[{index}]")
