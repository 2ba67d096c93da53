"""The "Add a note" dialog (a Teams task module) and the answers it gets after "Save".

"Add a note" on the pulse card sends a ``task/fetch`` invoke; the bot answers with
``note_dialog``. "Save" sends a ``task/submit`` invoke whose ``value.data`` merges the inputs
with the button's data::

    {"sdo": "note", "round_id": 42, "circle": "H", "note": "Acme's demo",
     "internal_customer": "true"}

``parse_note_submit`` reads the round, the note and the internal flag; ``parse_note_circle``
which question the note is about (the Slack modal asks the same). ``dialog_message`` is the
answer to the submit: saved, too long, or the round closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.circles import CIRCLES, Circle
from bot.services.answers import NOTE_MAX_CHARS
from bot.teams.cards.common import Element, round_id_of, save_dialog, text_block
from bot.teams.cards.pulse import NOTE_ACTION

DIALOG_TITLE = "Add a note"
NOTE_INPUT = "note"
INTERNAL_INPUT = "internal_customer"
CIRCLE_INPUT = "circle"
INTERNAL_LABEL = "The customer was internal (support, finance, …)"

NOTE_SAVED_TEXT = "📝 Your note is saved."
NOTE_CLOSED_TEXT = "This round is closed: the note was not saved."
NOTE_MALFORMED_TEXT = "Something in this form was missing. Please close it and try again."

_TOGGLE = {"true": True, "false": False}
_CIRCLES_BY_VALUE = {c.value: c for c in CIRCLES}


def note_too_long_text(length: int) -> str:
    """The answer to a note over ``NOTE_MAX_CHARS`` characters.

    Args:
        length: the note's length as submitted (stripped).
    """
    return f"Please keep the note to {NOTE_MAX_CHARS} characters (it has {length})."


def note_dialog(
    *,
    round_id: int,
    note: str | None,
    internal: bool,
    circle: Circle | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """The task module continue response: a dialog with the member's note, ready to edit.

    Args:
        round_id: the round the note belongs to (sent back on "Save").
        note: the member's note so far, prefilled (``None``: empty).
        internal: whether they marked the customer internal so far.
        circle: the question the note is about so far (``None``: the first, What to build).
        notice: our words above the form, in the attention colour (why it came back).
    """
    text_input: Element = {
        "type": "Input.Text",
        "id": NOTE_INPUT,
        "label": f"Evidence (up to {NOTE_MAX_CHARS} characters)",
        "isMultiline": True,
        "maxLength": NOTE_MAX_CHARS,
        "placeholder": "A link, a customer's name, what they said…",
    }
    if note:
        text_input["value"] = note
    body: list[Element] = [
        text_block(
            "Evidence for this pulse. Only you see your note; the digest counts notes but "
            "never shows who wrote what."
        ),
        {
            "type": "Input.ChoiceSet",
            "id": CIRCLE_INPUT,
            "label": "About which question?",
            "style": "compact",
            "choices": [{"title": c.info.short, "value": c.value} for c in CIRCLES],
            "value": (circle or Circle.WHAT).value,
        },
        text_input,
        {
            "type": "Input.Toggle",
            "id": INTERNAL_INPUT,
            "label": "Who was the customer?",
            "title": INTERNAL_LABEL,
            "value": "true" if internal else "false",
            "valueOn": "true",
            "valueOff": "false",
        },
    ]
    save = {"sdo": NOTE_ACTION, "round_id": round_id}
    return save_dialog(body, title=DIALOG_TITLE, save=save, notice=notice)


def parse_note_submit(data: object) -> tuple[int, str, bool] | None:
    """Read the dialog's "Save" (the ``task/submit`` invoke's ``value.data``). Never raises.

    A missing note reads as empty (the note is cleared) and a missing toggle as not internal;
    the toggle's "true"/"false" strings (or JSON booleans) give the flag.

    Args:
        data: the submitted data.

    Returns:
        The round id, the note stripped, and the internal flag; ``None`` when the data is not
        our dialog's "Save" (a note request included), the round id is not a positive int, or
        a field has the wrong type.
    """
    if not isinstance(data, Mapping) or data.get("sdo") != NOTE_ACTION or "msteams" in data:
        return None  # "msteams": a dialog request ("Add a note"), never a saved dialog
    round_id = round_id_of(data.get("round_id"))
    text = data.get(NOTE_INPUT, "")
    internal = _toggle(data.get(INTERNAL_INPUT, "false"))
    if round_id is None or not isinstance(text, str) or internal is None:
        return None
    return round_id, text.strip(), internal


def _toggle(flag: object) -> bool | None:
    """An ``Input.Toggle``'s value: "true"/"false" (or a JSON boolean), else ``None``."""
    if isinstance(flag, bool):
        return flag
    return _TOGGLE.get(flag) if isinstance(flag, str) else None


def parse_note_circle(data: object) -> Circle | None:
    """Which question a saved note is about (the dialog's choice). Never raises.

    Args:
        data: the submitted data, as for ``parse_note_submit``.

    Returns:
        The circle, or ``None`` when it is missing or unknown.
    """
    if not isinstance(data, Mapping):
        return None
    value = data.get(CIRCLE_INPUT)
    return _CIRCLES_BY_VALUE.get(value) if isinstance(value, str) else None


def dialog_message(text: str) -> dict[str, Any]:
    """The task module message response: the dialog shows ``text`` and closes on OK.

    Args:
        text: e.g. ``NOTE_SAVED_TEXT``, ``note_too_long_text(n)``, ``NOTE_CLOSED_TEXT``.
    """
    return {"task": {"type": "message", "value": text}}
