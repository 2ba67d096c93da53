"""Reading a card the way a Teams user does, and checking it is a valid Adaptive Card 1.5.

``card_errors`` walks a card's body and actions (and every element inside them) and names any
``type`` outside the Adaptive Cards 1.5 set, and the properties Teams needs to show one.
``read`` gives a card's text, one line per element, buttons as ``[Title]`` (the highlighted
one as ``[Title]*``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

ELEMENTS_1_5 = frozenset(
    {
        "TextBlock",
        "RichTextBlock",
        "Image",
        "Media",
        "Container",
        "ColumnSet",
        "FactSet",
        "ImageSet",
        "ActionSet",
        "Table",
        "Input.Text",
        "Input.Number",
        "Input.Date",
        "Input.Time",
        "Input.Toggle",
        "Input.ChoiceSet",
    }
)
ACTIONS_1_5 = frozenset(
    {
        "Action.OpenUrl",
        "Action.Submit",
        "Action.ShowCard",
        "Action.ToggleVisibility",
        "Action.Execute",
    }
)
INLINES_1_5 = frozenset({"TextRun"})
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# A Teams message holds 40 KB counted in UTF-16: about 20,000 characters of JSON.
TEAMS_MESSAGE_CHARS = 20_000

Card = Mapping[str, Any]


def _action_errors(action: Any, where: str) -> list[str]:
    if not isinstance(action, Mapping) or action.get("type") not in ACTIONS_1_5:
        kind = action.get("type") if isinstance(action, Mapping) else type(action).__name__
        return [f"{where}: unknown action type {kind!r}"]
    errors = [] if isinstance(action.get("title"), str) else [f"{where}: action without a title"]
    if action["type"] == "Action.Execute" and not action.get("verb"):
        errors.append(f"{where}: Action.Execute without a verb")
    if action["type"] == "Action.ShowCard":
        errors += card_errors(action.get("card", {}), nested=True)
    return errors


# Where each element keeps what is nested in it, and what that is.
_NESTED = {
    "items": "element",
    "columns": "column",
    "images": "element",
    "actions": "action",
    "inlines": "inline",
}


def _children(element: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(kind, child) for all nested in ``element``: "element", "column", "action", "inline"."""
    for key, kind in _NESTED.items():
        for child in element.get(key, []):
            yield kind, child
    for row in element.get("rows", []):  # a Table: rows of cells of elements
        for cell in row.get("cells", []):
            for child in cell.get("items", []):
                yield "element", child
    if "selectAction" in element:
        yield "action", element["selectAction"]


def _property_errors(kind: str, element: Mapping[str, Any], where: str) -> list[str]:
    """The properties Teams needs to show an element of ``kind``."""
    needs = {
        "TextBlock": isinstance(element.get("text"), str),
        "Image": bool(element.get("url")) and isinstance(element.get("altText"), str),
        "Input.Toggle": bool(element.get("title")),
        "FactSet": all(
            isinstance(f.get("title"), str) and isinstance(f.get("value"), str)
            for f in element.get("facts", [])
        ),
    }
    errors = [] if needs.get(kind, True) else [f"{where}: {kind} without what it needs"]
    if kind.startswith("Input.") and not element.get("id"):
        errors.append(f"{where}: input without an id")
    return errors


def _element_errors(element: Any, where: str, *, column: bool = False) -> list[str]:
    if not isinstance(element, Mapping):
        return [f"{where}: not an object"]
    kind = element.get("type")
    if (kind != "Column") if column else (kind not in ELEMENTS_1_5):
        return [f"{where}: unknown element type {kind!r}"]
    errors = _property_errors(str(kind), element, where)
    for i, (child_kind, child) in enumerate(_children(element)):
        at = f"{where}/{kind}[{i}]"
        if child_kind in ("element", "column"):
            errors += _element_errors(child, at, column=child_kind == "column")
        elif child_kind == "action":
            errors += _action_errors(child, at)
        elif not (isinstance(child, Mapping) and child.get("type") in INLINES_1_5):
            errors.append(f"{at}: unknown inline {child!r}")
        elif not isinstance(child.get("text"), str):
            errors.append(f"{at}: TextRun without text")
    return errors


def card_errors(card: Any, *, nested: bool = False) -> list[str]:
    """Every way ``card`` is not an Adaptive Card 1.5 that Teams can show (empty: none).

    Args:
        card: the card.
        nested: an ``Action.ShowCard``'s card (no ``$schema`` needed).
    """
    if not isinstance(card, Mapping) or card.get("type") != "AdaptiveCard":
        return ["not an AdaptiveCard"]
    errors = []
    if not nested and (card.get("version") != "1.5" or card.get("$schema") != SCHEMA):
        errors.append("not version 1.5 with the Adaptive Card schema")
    try:
        size = len(json.dumps(card, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        return [*errors, f"not JSON-serialisable: {exc}"]
    if size > TEAMS_MESSAGE_CHARS:
        errors.append(f"{size} characters: too large for a Teams message")
    if not isinstance(card.get("body"), list):
        errors.append("no body")
    for i, element in enumerate(card.get("body", [])):
        errors += _element_errors(element, f"body[{i}]")
    for i, action in enumerate(card.get("actions", [])):
        errors += _action_errors(action, f"actions[{i}]")
    return errors


def elements(card: Card) -> Iterator[Mapping[str, Any]]:
    """Every element and action of ``card``, depth first, in reading order."""

    def walk(element: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        yield element
        for _, child in _children(element):
            yield from walk(child)

    for element in card.get("body", []):
        yield from walk(element)
    yield from card.get("actions", [])


def actions(card: Card) -> list[Mapping[str, Any]]:
    """Every button of ``card``: in the body's action rows and at its foot."""
    return [e for e in elements(card) if str(e.get("type", "")).startswith("Action.")]


def by_id(card: Card, element_id: str) -> Mapping[str, Any]:
    return next(e for e in elements(card) if e.get("id") == element_id)


def _line(element: Mapping[str, Any]) -> str | None:
    kind = element.get("type")
    if kind == "TextBlock":
        return str(element["text"])
    if kind == "RichTextBlock":
        return "".join(str(i.get("text", "")) for i in element.get("inlines", []))
    if kind == "FactSet":
        return "\n".join(f"{f['title']}: {f['value']}" for f in element["facts"])
    if kind == "Image":
        return f"(image: {element.get('altText', '')})"
    if kind == "ActionSet":
        return "  " + " ".join(_button(a) for a in element.get("actions", []))
    if kind == "Input.Text":
        return f"{element.get('label', '')}: <text input {element.get('value', '')!r}>"
    if kind == "Input.Toggle":
        on = element.get("value") == element.get("valueOn", "true")
        return f"{element.get('label', '')}: [{'x' if on else ' '}] {element.get('title', '')}"
    if kind == "Input.ChoiceSet":
        options = " / ".join(str(c.get("title")) for c in element.get("choices", []))
        return f"{element.get('label', '')}: <select: {options}>"
    return None


def _button(action: Mapping[str, Any]) -> str:
    title = str(action.get("title", ""))
    return f"[{title}]*" if action.get("style") == "positive" else f"[{title}]"


def read(card: Card) -> str:
    """The card's text as a Teams user reads it, top to bottom."""
    lines = [line for e in elements(card) if (line := _line(e)) is not None]
    foot = card.get("actions", [])
    if foot:
        lines.append("  " + " ".join(_button(a) for a in foot))
    return "\n".join(lines)


def markdown_texts(card: Card) -> list[str]:
    """The texts Teams reads as markdown (``TextBlock`` and facts): never someone else's words."""
    texts: list[str] = []
    for e in elements(card):
        if e.get("type") == "TextBlock":
            texts.append(str(e["text"]))
        elif e.get("type") == "FactSet":
            texts += [str(f[k]) for f in e["facts"] for k in ("title", "value")]
    return texts
