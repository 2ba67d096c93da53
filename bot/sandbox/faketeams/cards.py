"""Reading what the bot sent as a person would: the Adaptive Card of an activity, its elements,
its buttons and its words (for the simulator, the demo and the tests)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.sandbox.faketeams.protocol import JsonDict
from bot.sandbox.faketeams.validation import ADAPTIVE_CARD


def elements(node: Any) -> Iterator[JsonDict]:
    """Every object nested in a card or activity, in reading order, but inside actions' ``data``."""
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "data":
                yield from elements(value)
    elif isinstance(node, list):
        for value in node:
            yield from elements(value)


def actions(node: Any) -> list[JsonDict]:
    """The buttons (``Action.*``) in reading order."""
    return [e for e in elements(node) if str(e.get("type", "")).startswith("Action.")]


def texts(node: Any) -> list[str]:
    """Every ``text`` shown, in reading order."""
    return [str(e["text"]) for e in elements(node) if isinstance(e.get("text"), str)]


def card_of(activity: JsonDict) -> JsonDict:
    """The one Adaptive Card an activity carries (AssertionError when it carries another)."""
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD
    return dict(attachment["content"])
