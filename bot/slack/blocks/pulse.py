"""The pulse DM: three questions, a button row each, and "Add a note"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.circles import ANSWER_VALUES, CIRCLES, AnswerValue, Circle
from bot.domain.views import PulseView
from bot.slack.blocks.text import CIRCLE_EMOJI, Block, button, context, escape, header, section

ANSWER_ACTION_PREFIX = "pulse_answer_"
ANSWER_ACTION_IDS = tuple(ANSWER_ACTION_PREFIX + v.value for v in ANSWER_VALUES)
NOTE_ACTION_ID = "pulse_add_note"


@dataclass(frozen=True, slots=True)
class AnswerClick:
    """What one answer button carries: the round, the question and the answer."""

    round_id: int
    circle: Circle
    value: AnswerValue

    def encode(self) -> str:
        return f"{self.round_id}:{self.circle.value}:{self.value.value}"

    @classmethod
    def decode(cls, raw: str) -> AnswerClick:
        """Parse a button value; raises ValueError on anything malformed."""
        round_id, circle, value = raw.split(":")
        return cls(int(round_id), Circle(circle), AnswerValue(value))


def pulse_message(view: PulseView) -> dict[str, Any]:
    """The DM a member answers. Shows their own choices so far (only they see this message)."""
    team_name, round_id = view.team_name, view.round_id
    team = escape(team_name)
    blocks: list[Block] = [
        header(f"Customer pulse — #{team_name}"[:150]),
        section(
            f"Round {view.round_number} for *#{team}*. Three questions about *customers* since the "
            "last pulse — one click each. Partly counts half; *Not sure* is also right when a "
            "question does not apply."
        ),
    ]
    for circle in CIRCLES:
        info = circle.info
        chosen = view.answer_to(circle)
        choice = chosen.value if chosen else None
        line = f"{CIRCLE_EMOJI[circle]} *{info.short}*\n{escape(view.question(circle))}"
        if choice is not None:
            line += f"\n:white_check_mark: Your answer: *{choice.label}*"
        if chosen and chosen.note:
            internal = " (internal customer)" if chosen.internal_customer else ""
            line += f"\n:memo: Your note{internal}: _{escape(chosen.note)}_"
        blocks.append({**section(line), "block_id": f"question_{circle.value}"})
        if not view.closed:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"answers_{circle.value}",
                    "elements": [
                        button(
                            value.label,
                            action_id=ANSWER_ACTION_PREFIX + value.value,
                            value=AnswerClick(round_id, circle, value).encode(),
                            style="primary" if value is choice else None,
                        )
                        for value in ANSWER_VALUES
                    ],
                }
            )
    answered = sum(1 for a in view.answers if a.value is not None)
    if view.closed:
        blocks.append(context(":lock: This round is closed: answers can no longer change."))
    else:
        blocks.append(
            {
                "type": "actions",
                "block_id": "note",
                "elements": [
                    button(":memo: Add a note", action_id=NOTE_ACTION_ID, value=str(round_id))
                ],
            }
        )
        progress = (
            ":tada: All three answered — thank you! You can change them until the round closes."
            if answered == len(CIRCLES)
            else f"{answered} of {len(CIRCLES)} answered."
        )
        blocks.append(
            context(
                progress,
                ":lock: Only you see your answers. The team sees totals, and only when at least "
                f"{view.min_respondents} people answered.",
            )
        )
    text = f"Customer pulse for #{team_name}: {answered} of 3 answered"
    return {"text": text, "blocks": blocks}
