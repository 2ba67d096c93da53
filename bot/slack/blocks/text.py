"""Text helpers shared by the builders: escaping, limits, bars."""

from __future__ import annotations

from typing import Any

from bot.delivery.platform import ImageRef
from bot.domain.circles import Circle

# Slack's limits: 50 blocks per message, 100 per view, 3,000 characters per section text.
MAX_SECTION_CHARS = 3000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

Block = dict[str, Any]


def image(ref: ImageRef) -> Block:
    """An image block showing an uploaded file (works in ephemeral messages and views)."""
    block: Block = {
        "type": "image",
        "slack_file": {"id": ref.file_id},
        "alt_text": truncate(ref.alt_text, 2000),
    }
    if ref.title:
        block["title"] = {"type": "plain_text", "text": truncate(ref.title, 2000)}
    return block


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so member text can never become a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int = MAX_SECTION_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(markdown)}}


def context(*markdown: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(m)} for m in markdown[:10]],
    }


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(text, 150), "emoji": True},
    }


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, *, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def bar(score: float | None, width: int = 10) -> str:
    """A text bar such as ``▰▰▰▰▰▰▱▱▱▱ 60%`` (``no counted answers`` when ``None``)."""
    if score is None:
        return "no counted answers"
    filled = round(score * width)
    return "▰" * filled + "▱" * (width - filled) + f" {round(score * 100)}%"


CIRCLE_EMOJI = {
    Circle.WHAT: ":bulb:",
    Circle.HOW: ":hammer_and_wrench:",
    Circle.DELIVER: ":package:",
}
