"""Block Kit and view validation: the limits Slack enforces, so an app bug shows up here, not in
prod.

The messages are shaped like Slack's ``response_metadata.messages``: ``[ERROR] <what>
[json-pointer:<where>]``. Each block and element type has its own check, looked up by type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.sandbox.fakeslack.protocol import JsonDict

# Slack's documented limits (Block Kit reference, chat.postMessage and views.* docs).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
_KNOWN_BLOCK_TYPES = frozenset(
    {
        "section",
        "divider",
        "image",
        "actions",
        "context",
        "input",
        "header",
        "file",
        "rich_text",
        "video",
        "markdown",
        "table",
    }
)

# A check of one block or element (a dict with a string ``type``) at a JSON pointer.
_Check = Callable[[JsonDict, str], list[str]]


def _too_long(limit: int, pointer: str) -> str:
    return f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _too_many(most: int, pointer: str) -> list[str]:
    return [f"[ERROR] no more than {most} items allowed [json-pointer:{pointer}]"]


def _text_object_errors(
    obj: Any, pointer: str, *, limit: int, plain_only: bool = False
) -> list[str]:
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict) or obj.get("type") not in allowed:
        return [
            f"[ERROR] must be a text object of type {' or '.join(allowed)} [json-pointer:{pointer}]"
        ]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"[ERROR] must be more than 0 characters [json-pointer:{pointer}/text]"]
    return [_too_long(limit, f"{pointer}/text")] if len(text) > limit else []


def _options_errors(options: Any, pointer: str, *, most: int) -> list[str]:
    if not isinstance(options, list) or not options:
        return [f"[ERROR] must provide at least 1 option [json-pointer:{pointer}]"]
    errors = _too_many(most, pointer) if len(options) > most else []
    for index, option in enumerate(options):
        where = f"{pointer}/{index}"
        if not isinstance(option, dict):
            errors.append(f"[ERROR] must be an object [json-pointer:{where}]")
            continue
        errors += _text_object_errors(option.get("text"), f"{where}/text", limit=75)
        value = option.get("value")
        if isinstance(value, str) and len(value) > 150:
            errors.append(_too_long(150, f"{where}/value"))
    return errors


# --- elements


def _button_errors(button: JsonDict, pointer: str) -> list[str]:
    errors = _text_object_errors(button.get("text"), f"{pointer}/text", limit=75, plain_only=True)
    value = button.get("value")
    if isinstance(value, str) and len(value) > 2000:
        errors.append(_too_long(2000, f"{pointer}/value"))
    if button.get("style") not in (None, "primary", "danger"):
        errors.append(f"[ERROR] must be one of primary, danger [json-pointer:{pointer}/style]")
    return errors


def _options_check(most: int) -> _Check:
    """The check of an element whose ``options`` may hold at most ``most`` items."""

    def check(element: JsonDict, pointer: str) -> list[str]:
        return _options_errors(element.get("options"), f"{pointer}/options", most=most)

    return check


def _select_errors(select: JsonDict, pointer: str) -> list[str]:
    if "option_groups" in select:  # groups are not checked
        return []
    return _options_errors(select.get("options"), f"{pointer}/options", most=100)


def _text_input_errors(text_input: JsonDict, pointer: str) -> list[str]:
    max_length = text_input.get("max_length")
    if isinstance(max_length, int) and not 1 <= max_length <= 3000:
        return [f"[ERROR] must be between 1 and 3000 [json-pointer:{pointer}/max_length]"]
    return []


def _image_errors(image: JsonDict, pointer: str) -> list[str]:
    """The checks of an image, as a block or as an element (they are the same)."""
    errors = []
    if not image.get("image_url") and not image.get("slack_file"):
        errors.append(
            f"[ERROR] must provide either image_url or slack_file [json-pointer:{pointer}]"
        )
    alt_text = image.get("alt_text")
    if not isinstance(alt_text, str) or not alt_text:
        errors.append(f"[ERROR] missing required field: alt_text [json-pointer:{pointer}]")
    elif len(alt_text) > 2000:
        errors.append(_too_long(2000, f"{pointer}/alt_text"))
    return errors


# Element types without a check here are accepted as they are.
_ELEMENT_CHECKS: dict[str, _Check] = {
    "button": _button_errors,
    "static_select": _select_errors,
    "multi_static_select": _select_errors,
    "overflow": _options_check(5),
    "checkboxes": _options_check(10),
    "radio_buttons": _options_check(10),
    "image": _image_errors,
    "plain_text_input": _text_input_errors,
}


def _element_errors(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"[ERROR] missing required field: type [json-pointer:{pointer}]"]
    kind = element["type"]
    errors: list[str] = []
    action_id = element.get("action_id")
    if isinstance(action_id, str) and len(action_id) > 255:
        errors.append(_too_long(255, f"{pointer}/action_id"))
    check = _ELEMENT_CHECKS.get(kind)
    if check is not None:
        errors += check(element, pointer)
    placeholder = element.get("placeholder")
    if placeholder is not None and kind != "image":
        errors += _text_object_errors(
            placeholder, f"{pointer}/placeholder", limit=150, plain_only=True
        )
    return errors


def _elements_errors(elements: Any, pointer: str, *, most: int, context: bool = False) -> list[str]:
    if not isinstance(elements, list) or not elements:
        return [f"[ERROR] must provide at least 1 element [json-pointer:{pointer}]"]
    errors = _too_many(most, pointer) if len(elements) > most else []
    action_ids: set[str] = set()
    for index, element in enumerate(elements):
        where = f"{pointer}/{index}"
        if (
            context
            and isinstance(element, dict)
            and element.get("type") in ("plain_text", "mrkdwn")
        ):
            errors += _text_object_errors(element, where, limit=3000)
            continue
        errors += _element_errors(element, where)
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str):
            if action_id in action_ids:
                errors.append(f"[ERROR] duplicate action_id [json-pointer:{where}/action_id]")
            action_ids.add(action_id)
    return errors


# --- blocks


def _section_errors(block: JsonDict, pointer: str) -> list[str]:
    text, fields = block.get("text"), block.get("fields")
    errors = []
    if text is None and fields is None:
        errors.append(f"[ERROR] must provide either text or fields [json-pointer:{pointer}]")
    if text is not None:
        errors += _text_object_errors(text, f"{pointer}/text", limit=3000)
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > 10:
            errors += _too_many(10, f"{pointer}/fields")
        else:
            for index, item in enumerate(fields):
                errors += _text_object_errors(item, f"{pointer}/fields/{index}", limit=2000)
    if block.get("accessory") is not None:
        errors += _element_errors(block["accessory"], f"{pointer}/accessory")
    return errors


def _header_errors(block: JsonDict, pointer: str) -> list[str]:
    return _text_object_errors(block.get("text"), f"{pointer}/text", limit=150, plain_only=True)


def _actions_errors(block: JsonDict, pointer: str) -> list[str]:
    return _elements_errors(block.get("elements"), f"{pointer}/elements", most=25)


def _context_errors(block: JsonDict, pointer: str) -> list[str]:
    return _elements_errors(block.get("elements"), f"{pointer}/elements", most=10, context=True)


def _input_errors(block: JsonDict, pointer: str) -> list[str]:
    errors = _text_object_errors(
        block.get("label"), f"{pointer}/label", limit=2000, plain_only=True
    )
    return errors + _element_errors(block.get("element"), f"{pointer}/element")


# Known block types without a check here (divider, file, rich_text…) are accepted as they are.
_BLOCK_CHECKS: dict[str, _Check] = {
    "section": _section_errors,
    "header": _header_errors,
    "actions": _actions_errors,
    "context": _context_errors,
    "image": _image_errors,
    "input": _input_errors,
}


def _block_errors(block: JsonDict, pointer: str) -> list[str]:
    kind = block["type"]
    if kind not in _KNOWN_BLOCK_TYPES:
        return [f"[ERROR] unsupported type: {kind} [json-pointer:{pointer}/type]"]
    check = _BLOCK_CHECKS.get(kind)
    return check(block, pointer) if check is not None else []


def block_kit_errors(blocks: Any, *, max_blocks: int, pointer: str = "/blocks") -> list[str]:
    """Slack-style error messages for a ``blocks`` array, empty when Slack would accept it.

    Args:
        blocks: The decoded ``blocks`` value of a message or view.
        max_blocks: 50 for messages, 100 for modals and Home tabs.
        pointer: JSON pointer of ``blocks`` inside the request, used in the messages.

    Returns:
        Messages shaped like Slack's ``response_metadata.messages``.
    """
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    errors = _too_many(max_blocks, pointer) if len(blocks) > max_blocks else []
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if len(block_id) > 255:
                errors.append(_too_long(255, f"{where}/block_id"))
            if block_id in block_ids:
                errors.append(f"[ERROR] duplicate block_id [json-pointer:{where}/block_id]")
            block_ids.add(block_id)
        errors += _block_errors(block, where)
    return errors


def view_errors(view: Any) -> list[str]:
    """Slack-style error messages for a modal or Home tab view, empty when Slack would accept it.

    Args:
        view: The decoded ``view`` argument of ``views.open``/``update``/``publish``.

    Returns:
        Messages shaped like Slack's ``response_metadata.messages``.
    """
    if not isinstance(view, dict):
        return ["[ERROR] must be an object [json-pointer:/view]"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return ["[ERROR] must be one of modal, home [json-pointer:/view/type]"]
    errors = block_kit_errors(
        view.get("blocks"), max_blocks=MAX_VIEW_BLOCKS, pointer="/view/blocks"
    )
    if kind == "modal":
        errors += _modal_errors(view)
    for name, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(name)
        if isinstance(value, str) and len(value) > limit:
            errors.append(_too_long(limit, f"/view/{name}"))
    return errors


def _modal_errors(view: JsonDict) -> list[str]:
    """What a modal needs besides its blocks: a title, button texts, a submit for inputs."""
    errors = _text_object_errors(view.get("title"), "/view/title", limit=24, plain_only=True)
    for button in ("submit", "close"):
        if view.get(button) is not None:
            errors += _text_object_errors(
                view[button], f"/view/{button}", limit=24, plain_only=True
            )
    blocks = view.get("blocks")
    blocks = blocks if isinstance(blocks, list) else []
    has_input = any(isinstance(block, dict) and block.get("type") == "input" for block in blocks)
    if has_input and view.get("submit") is None:
        errors.append(
            "[ERROR] must provide a submit property when using input blocks [json-pointer:/view]"
        )
    return errors
