"""The pulse card in a member's 1:1 chat: three questions, four buttons each, and "Add a note".

A click on an answer is an ``Action.Execute`` (Teams' Universal Actions: the bot answers with
the updated card, so the member sees their choice in place). "Add a note" opens a dialog
(``task/fetch``; the dialog itself is ``bot.teams.cards.note``).

Action data, as Teams sends it back:

- answer: verb ``ANSWER_VERB``, data ``{"round_id": 42, "circle": "W", "value": "partly"}``
  (``parse_answer``);
- note: ``{"msteams": {"type": "task/fetch"}, "sdo": "note", "round_id": 42}``
  (``parse_note_request``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.circles import ANSWER_VALUES, CIRCLES, AnswerValue, Circle
from bot.domain.model import Answer
from bot.domain.views import PulseView
from bot.teams.cards.common import (
    CIRCLE_EMOJI,
    Element,
    action_set,
    adaptive_card,
    container,
    heading,
    rich,
    round_id_of,
    run,
    text_block,
)

ANSWER_VERB = "sdo.answer"
NOTE_ACTION = "note"
NOTE_BUTTON_TITLE = "Add a note"

_CIRCLES_BY_VALUE = {c.value: c for c in CIRCLES}
_ANSWERS_BY_VALUE = {v.value: v for v in ANSWER_VALUES}


def answer_data(round_id: int, circle: Circle, value: AnswerValue) -> dict[str, Any]:
    """What one answer button sends back: the round, the question and the answer.

    Args:
        round_id: the round's id.
        circle: the question's circle.
        value: the answer the button stands for.
    """
    return {"round_id": round_id, "circle": circle.value, "value": value.value}


def note_request_data(round_id: int) -> dict[str, Any]:
    """What "Add a note" sends back: a dialog request (``task/fetch``) for the round.

    Args:
        round_id: the round's id.
    """
    return {"msteams": {"type": "task/fetch"}, "sdo": NOTE_ACTION, "round_id": round_id}


def _answer_buttons(round_id: int, circle: Circle, choice: AnswerValue | None) -> Element:
    buttons: list[Element] = []
    for value in ANSWER_VALUES:
        button: Element = {
            "type": "Action.Execute",
            "title": value.label,
            "verb": ANSWER_VERB,
            "data": answer_data(round_id, circle, value),
        }
        if value is choice:
            button["style"] = "positive"
        buttons.append(button)
    return action_set(buttons, element_id=f"answers_{circle.value}")


def _question(circle: Circle, question: str, chosen: Answer | None) -> Element:
    info = circle.info
    items = [
        text_block(f"{CIRCLE_EMOJI[circle]} **{info.short}**", spacing="Medium"),
        # A team's own wording is shown as typed, never as markdown (a run is not parsed).
        rich(question, spacing="None"),
    ]
    if chosen is not None and chosen.value is not None:
        items.append(text_block(f"✅ Your answer: **{chosen.value.label}**", color="Good"))
    if chosen is not None and chosen.note:
        internal = " (internal customer)" if chosen.internal_customer else ""
        items.append(rich(f"📝 Your note{internal}: ", run(chosen.note, italic=True)))
    return container(items, element_id=f"question_{circle.value}")


def pulse_card(pulse: PulseView) -> Element:
    """The card a member answers. Shows their own choices so far (only they see this card).

    Args:
        pulse: the round and the member's own answers; ``closed`` shows them without buttons.
    """
    body: list[Element] = [
        heading(f"Customer pulse — {pulse.team_name}"),
        rich(
            f"Round {pulse.round_number} for ",
            run(pulse.team_name, bold=True),
            ". Three questions about ",
            run("customers", bold=True),
            " since the last pulse — one click each. Partly counts half; ",
            run("Not sure", bold=True),
            " is also right when a question does not apply.",
        ),
    ]
    for circle in CIRCLES:
        chosen = pulse.answer_to(circle)
        body.append(_question(circle, pulse.question(circle), chosen))
        if not pulse.closed:
            body.append(_answer_buttons(pulse.round_id, circle, chosen.value if chosen else None))
    answered = sum(1 for a in pulse.answers if a.value is not None)
    if pulse.closed:
        body.append(
            text_block("🔒 This round is closed: answers can no longer change.", subtle=True)
        )
    else:
        note_button: Element = {
            "type": "Action.Submit",
            "title": NOTE_BUTTON_TITLE,
            "data": note_request_data(pulse.round_id),
        }
        body.append(action_set([note_button], element_id="note"))
        progress = (
            "🎉 All three answered — thank you! You can change them until the round closes."
            if answered == len(CIRCLES)
            else f"{answered} of {len(CIRCLES)} answered."
        )
        body.append(text_block(progress, subtle=True))
        body.append(
            text_block(
                "🔒 Only you see your answers. The team sees totals, and only when at least "
                f"{pulse.min_respondents} people answered.",
                subtle=True,
                spacing="None",
            )
        )
    fallback = f"Customer pulse for {pulse.team_name}: {answered} of {len(CIRCLES)} answered"
    return adaptive_card(body, fallback_text=fallback)


def parse_answer(data: object) -> tuple[int, Circle, AnswerValue] | None:
    """Read what an answer button sent back. Never raises.

    Args:
        data: the ``Action.Execute``'s data as Teams returned it (the invoke's
            ``value.action.data``).

    Returns:
        The round id, the circle and the answer, or ``None`` when anything is missing, of the
        wrong type or unknown.
    """
    if not isinstance(data, Mapping):
        return None
    round_id = round_id_of(data.get("round_id"))
    circle = data.get("circle")
    value = data.get("value")
    if round_id is None or not isinstance(circle, str) or not isinstance(value, str):
        return None
    if circle not in _CIRCLES_BY_VALUE or value not in _ANSWERS_BY_VALUE:
        return None
    return round_id, _CIRCLES_BY_VALUE[circle], _ANSWERS_BY_VALUE[value]


def parse_note_request(data: object) -> int | None:
    """Read what "Add a note" sent back (the ``task/fetch`` invoke's ``value.data``). Never raises.

    Args:
        data: the button's data as Teams returned it.

    Returns:
        The round id, or ``None`` when the data is not a note request of ours.
    """
    if not isinstance(data, Mapping) or data.get("sdo") != NOTE_ACTION:
        return None
    return round_id_of(data.get("round_id"))
