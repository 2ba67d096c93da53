"""The pieces every card is built from: the card itself, text, facts, images, actions.

Two kinds of text, kept apart on purpose:

- ``text_block`` is for SDO Pulse's own words. Teams reads it as markdown (``**bold**``,
  ``_italic_``, lists, links), so it never receives text someone else wrote.
- ``rich`` and ``run`` build a ``RichTextBlock`` of ``TextRun``s, which Adaptive Cards never read
  as markdown: team names, notes and unknown words go there and show exactly as typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.delivery.platform import ImageRef
from bot.domain.circles import Circle

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
BOT_NAME = "SDO Pulse"
MENTION = f"@{BOT_NAME}"

Element = dict[str, Any]

# Characters Teams' markdown (CommonMark) could read as markup inside a line: emphasis, code,
# links, raw HTML and mentions (``<at>``), strikethrough, tables, and the DATE()/TIME() braces.
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]<>~|")

CIRCLE_EMOJI = {
    Circle.WHAT: "💡",
    Circle.HOW: "🛠️",
    Circle.DELIVER: "📦",
}


def command(words: str) -> str:
    """A command as a Teams user types it, e.g. ``command("status all")`` → "@SDO Pulse status all".

    Args:
        words: the command after the mention.
    """
    return f"{MENTION} {words}"


def adaptive_card(
    body: list[Element], actions: list[Element] | None = None, *, fallback_text: str | None = None
) -> Element:
    """An Adaptive Card 1.5.

    Args:
        body: the card's elements, top to bottom.
        actions: the card's own buttons (shown at its foot); none when ``None`` or empty.
        fallback_text: what a client that cannot show the card shows instead (the adapter may
            also use it as the notification text).
    """
    card: Element = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        card["actions"] = actions
    if fallback_text:
        card["fallbackText"] = fallback_text
    return card


def attachment(card: Mapping[str, Any]) -> Element:
    """The card as a message or dialog attachment.

    Args:
        card: an Adaptive Card (``adaptive_card``).
    """
    return {"contentType": CONTENT_TYPE, "content": card}


def save_dialog(
    body: list[Element],
    *,
    title: str,
    save: Mapping[str, Any],
    height: str = "medium",
    notice: str | None = None,
) -> dict[str, Any]:
    """A task module continue response: a dialog of ``body`` with one "Save" button.

    Args:
        body: the form.
        title: the dialog's title (and the card's fallback text).
        save: the data "Save" submits with the form's values.
        height: the dialog's height (Teams' "small", "medium", "large").
        notice: our words above the form, in the attention colour (why it came back).
    """
    if notice:
        body = [text_block(notice, color="attention", weight="bolder"), *body]
    button: Element = {"type": "Action.Submit", "title": "Save", "data": dict(save)}
    card = adaptive_card(body, [button], fallback_text=title)
    value = {"title": title, "width": "medium", "height": height, "card": attachment(card)}
    return {"task": {"type": "continue", "value": value}}


def text_block(
    markdown: str,
    *,
    subtle: bool = False,
    weight: str | None = None,
    size: str | None = None,
    color: str | None = None,
    spacing: str | None = None,
) -> Element:
    """A wrapping ``TextBlock`` of SDO Pulse's own words (Teams reads it as markdown).

    Args:
        markdown: the text; never text a member or workspace wrote (use ``rich``).
        subtle: shown dimmed, like Slack's context lines.
        weight: "Bolder" or "Lighter".
        size: "Small", "Medium", "Large", …
        color: "Good", "Warning", "Attention", "Accent", …
        spacing: space above the block ("None", "Small", "Medium", …).
    """
    block: Element = {"type": "TextBlock", "text": markdown, "wrap": True}
    if subtle:
        block["isSubtle"] = True
    if weight:
        block["weight"] = weight
    if size:
        block["size"] = size
    if color:
        block["color"] = color
    if spacing:
        block["spacing"] = spacing
    return block


def run(
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    subtle: bool = False,
    size: str | None = None,
) -> Element:
    """A ``TextRun``: text shown exactly as given, never read as markdown.

    Args:
        text: any text, including text a member or workspace wrote.
        bold: in bold weight.
        italic: in italics.
        subtle: dimmed.
        size: "Small", "Medium", "Large", …
    """
    inline: Element = {"type": "TextRun", "text": text}
    if bold:
        inline["weight"] = "Bolder"
    if italic:
        inline["italic"] = True
    if subtle:
        inline["isSubtle"] = True
    if size:
        inline["size"] = size
    return inline


def rich(*parts: str | Element, subtle: bool = False, spacing: str | None = None) -> Element:
    """A ``RichTextBlock``: one line of runs; plain strings become plain runs.

    Args:
        parts: strings (shown as typed) and ``run`` results (for bold or italic pieces).
        subtle: every run dimmed.
        spacing: space above the block.
    """
    inlines = [run(p) if isinstance(p, str) else dict(p) for p in parts]
    if subtle:
        for inline in inlines:
            inline["isSubtle"] = True
    block: Element = {"type": "RichTextBlock", "inlines": inlines}
    if spacing:
        block["spacing"] = spacing
    return block


def heading(*parts: str | Element) -> Element:
    """A card's title line, large and bold (a ``RichTextBlock``: it may hold a team name).

    Args:
        parts: as for ``rich``; plain strings are made large and bold.
    """
    return rich(*(run(p, bold=True, size="Large") if isinstance(p, str) else p for p in parts))


def fact_set(facts: Sequence[tuple[str, str]]) -> Element:
    """A ``FactSet`` of (title, value) pairs, SDO Pulse's own words only.

    Args:
        facts: the rows, top to bottom.
    """
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]}


def image(ref: ImageRef) -> Element:
    """A picture; in Teams an ``ImageRef``'s ``file_id`` holds the picture's URL.

    Args:
        ref: the picture as ``ChatPlatform.upload_picture`` returned it.
    """
    return {"type": "Image", "url": ref.file_id, "altText": ref.alt_text}


def container(items: list[Element], *, element_id: str | None = None) -> Element:
    """A ``Container`` grouping ``items`` (with an id, for tests and for updates in place).

    Args:
        items: the elements inside.
        element_id: the container's ``id``.
    """
    block: Element = {"type": "Container", "items": items}
    if element_id:
        block["id"] = element_id
    return block


def action_set(actions: list[Element], *, element_id: str | None = None) -> Element:
    """An ``ActionSet``: a row of buttons inside the card's body.

    Args:
        actions: the buttons, left to right.
        element_id: the row's ``id``.
    """
    block: Element = {"type": "ActionSet", "actions": actions}
    if element_id:
        block["id"] = element_id
    return block


def bold_name(text: str) -> str:
    """A team, channel or person's name, in bold and escaped."""
    return f"**{escape_markdown(text)}**"


def bold_command(words: str) -> str:
    """A command as Teams users type it, in bold (``**@SDO Pulse status**``)."""
    return f"**{command(words)}**"


def escape_markdown(text: str) -> str:
    """``text`` for a markdown line: markup characters backslash-escaped, newlines made spaces.

    For plain-text replies and a ``TextBlock`` that must hold someone else's words; cards
    prefer ``run``, which needs no escaping.

    Args:
        text: any text.
    """
    one_line = " ".join(text.split())
    return "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in one_line)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with "…".

    Args:
        text: any text.
        limit: the most characters to keep (the "…" included).
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plural(count: int, word: str) -> str:
    """E.g. "1 member", "4 members".

    Args:
        count: how many.
        word: the singular noun.
    """
    return f"{count} {word}{'s' if count != 1 else ''}"


def bar(score: float | None, width: int = 10) -> str:
    """A text bar such as ``▰▰▰▰▰▰▱▱▱▱ 60%`` (``no counted answers`` when ``None``).

    Args:
        score: a circle's score, 0 to 1.
        width: the bar's length in characters.
    """
    if score is None:
        return "no counted answers"
    filled = round(score * width)
    return "▰" * filled + "▱" * (width - filled) + f" {round(score * 100)}%"


def round_id_of(value: object) -> int | None:
    """A round id read back from a card's data: a positive ``int`` (never a bool), else ``None``.

    Args:
        value: what the data held.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value
