"""The release pulse card in a member's 1:1 chat: one question, the pulse's four answers.

A click is an ``Action.Execute`` with verb ``RELEASE_VERB`` and data
``{"release_id": 7, "value": "yes"}`` (``parse_release_answer``); the bot answers with the card
as it now stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.circles import ANSWER_VALUES, AnswerValue, Circle
from bot.domain.releases import ReleasePulseView
from bot.teams.cards.common import (
    CIRCLE_EMOJI,
    Element,
    action_set,
    adaptive_card,
    heading,
    rich,
    round_id_of,
    text_block,
)

RELEASE_VERB = "sdo.release"
_ANSWERS_BY_VALUE = {v.value: v for v in ANSWER_VALUES}


def release_data(release_id: int, value: AnswerValue) -> dict[str, Any]:
    return {"release_id": release_id, "value": value.value}


def release_card(pulse: ReleasePulseView) -> Element:
    """The card: "Did a customer accept v2.3?" and four buttons (the member's choice marked)."""
    buttons: list[Element] = []
    for value in ANSWER_VALUES:
        button: Element = {
            "type": "Action.Execute",
            "title": value.label,
            "verb": RELEASE_VERB,
            "data": release_data(pulse.release_id, value),
        }
        if value is pulse.answer:
            button["style"] = "positive"
        buttons.append(button)
    body: list[Element] = [
        heading(f"Release pulse — {pulse.team_name}"),
        # The release's name is shown as typed, never as markdown.
        rich(f"{CIRCLE_EMOJI[Circle.DELIVER]} Did a customer accept {pulse.release_name}?"),
    ]
    if pulse.answer is not None:
        body.append(text_block(f"✅ Your answer: **{pulse.answer.label}**", color="Good"))
    body.append(action_set(buttons, element_id="release_answers"))
    body.append(
        text_block(
            "🔒 Only you see your answer. The team sees totals only.", subtle=True, size="Small"
        )
    )
    return adaptive_card(body, fallback_text=f"Did a customer accept {pulse.release_name}?")


def parse_release_answer(data: object) -> tuple[int, AnswerValue] | None:
    """Read what a release answer button sent back. Never raises."""
    if not isinstance(data, Mapping):
        return None
    release_id = round_id_of(data.get("release_id"))
    value = data.get("value")
    if release_id is None or not isinstance(value, str) or value not in _ANSWERS_BY_VALUE:
        return None
    return release_id, _ANSWERS_BY_VALUE[value]
