"""The release pulse DM: one question about a release, the pulse's four answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.circles import ANSWER_VALUES, AnswerValue, Circle
from bot.domain.releases import ReleasePulseView
from bot.slack.blocks.text import CIRCLE_EMOJI, Block, button, context, escape, header, section

RELEASE_ACTION_PREFIX = "release_answer_"
RELEASE_ACTION_IDS = tuple(RELEASE_ACTION_PREFIX + v.value for v in ANSWER_VALUES)


@dataclass(frozen=True, slots=True)
class ReleaseClick:
    """What one release answer button carries: the release and the answer."""

    release_id: int
    value: AnswerValue

    def encode(self) -> str:
        return f"{self.release_id}:{self.value.value}"

    @classmethod
    def decode(cls, raw: str) -> ReleaseClick:
        """Parse a button value; raises ValueError on anything malformed."""
        release_id, value = raw.split(":")
        return cls(int(release_id), AnswerValue(value))


def release_message(view: ReleasePulseView) -> dict[str, Any]:
    """The DM: "Did a customer accept *v2.3*?" and four buttons (the member's choice marked)."""
    name = escape(view.release_name)
    line = f"{CIRCLE_EMOJI[Circle.DELIVER]} Did a customer accept *{name}*?"
    if view.answer is not None:
        line += f"\n:white_check_mark: Your answer: *{view.answer.label}*"
    blocks: list[Block] = [
        header(f"Release pulse — #{view.team_name}"[:150]),
        {**section(line), "block_id": "release_question"},
        {
            "type": "actions",
            "block_id": "release_answers",
            "elements": [
                button(
                    value.label,
                    action_id=RELEASE_ACTION_PREFIX + value.value,
                    value=ReleaseClick(view.release_id, value).encode(),
                    style="primary" if value is view.answer else None,
                )
                for value in ANSWER_VALUES
            ],
        },
        context(
            f"#{escape(view.team_name)} just shipped *{name}*. One click; it counts toward the "
            "team's D circle (customers accept deliveries).",
            ":lock: Only you see your answer. The team sees totals only.",
        ),
    ]
    return {"text": f"Did a customer accept {view.release_name}?", "blocks": blocks}
