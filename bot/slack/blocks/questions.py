"""The team's own wording of the three questions: the `/sdo questions` modal, its submission,
and the answers to `/sdo questions W|H|D <text>` and `/sdo questions reset [W|H|D]`. Pure.

The modal has one text field per question, in the order W, H, D, each filled with the wording
members read now (the team's, else the default), labelled with its circle (which never
changes), and one "back to the default" checkbox per question. An empty field is the default
too. A field that breaks a limit (``bot.domain.questions``) comes back as that field's error
(``response_action: errors``) and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.circles import CIRCLES, Circle
from bot.domain.model import Team
from bot.domain.questions import QUESTION_MAX_CHARS, QUESTION_MIN_CHARS, Wording
from bot.slack.blocks.text import CIRCLE_EMOJI, Block, escape

QUESTIONS_CALLBACK_ID = "team_questions"
QUESTION_ACTION = "text"
RESET_BLOCK, RESET_ACTION = "questions_reset", "reset"


def question_block_id(circle: Circle) -> str:
    """The modal's block (and field error key) for ``circle``'s question."""
    return f"question_{circle.value}"


def questions_modal(*, team_id: int, team_name: str, wording: Wording) -> dict[str, Any]:
    """The form a manager rewords the team's questions in (``private_metadata``: the team)."""
    blocks: list[Block] = [
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": (
                        f"How members of *#{escape(team_name)}* read the three questions. Each "
                        "still measures its circle and keeps the answers Yes / Partly / No / "
                        f"Not sure. {QUESTION_MIN_CHARS}–{QUESTION_MAX_CHARS} characters, shown "
                        "as typed; an empty field or a ticked box below is the default wording."
                    ),
                }
            ],
        }
    ]
    for circle in CIRCLES:
        info = circle.info
        blocks.append(
            {
                "type": "input",
                "block_id": question_block_id(circle),
                "optional": True,
                "label": {
                    "type": "plain_text",
                    "text": f"{circle.value} — {info.short} (customers {info.customer_part})",
                },
                "hint": {"type": "plain_text", "text": f"Default: {info.question}"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": QUESTION_ACTION,
                    "initial_value": wording.question(circle),
                    "max_length": QUESTION_MAX_CHARS,
                },
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": RESET_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Reset to default"},
            "element": {
                "type": "checkboxes",
                "action_id": RESET_ACTION,
                "options": [
                    {
                        "text": {
                            "type": "plain_text",
                            "text": f"{CIRCLE_EMOJI[c]} {c.value} — {c.info.short}",
                            "emoji": True,
                        },
                        "value": c.value,
                    }
                    for c in CIRCLES
                ],
            },
        }
    )
    return {
        "type": "modal",
        "callback_id": QUESTIONS_CALLBACK_ID,
        "private_metadata": str(team_id),
        "title": {"type": "plain_text", "text": "Pulse questions"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def parse_questions_submission(state_values: Mapping[str, Any]) -> dict[Circle, str | None]:
    """What the form asks for, by circle: a text (maybe empty) or None (back to the default).

    Raises KeyError, TypeError or ValueError on a form of another shape.
    """
    reset = state_values.get(RESET_BLOCK, {}).get(RESET_ACTION, {})
    ticked = {Circle(o["value"]) for o in reset.get("selected_options") or []}
    texts: dict[Circle, str | None] = {}
    for circle in CIRCLES:
        value = state_values[question_block_id(circle)][QUESTION_ACTION].get("value")
        if value is not None and not isinstance(value, str):
            raise TypeError("a question's value is not text")
        texts[circle] = None if circle in ticked else value
    return texts


def questions_errors(problems: Mapping[Circle, str]) -> dict[str, Any]:
    """The field errors for a form whose wording breaks a limit."""
    return {
        "response_action": "errors",
        "errors": {question_block_id(c): text for c, text in problems.items()},
    }


def questions_shown(team: Team, wording: Wording) -> dict[str, Any]:
    """The team's wording, each question with its circle, and whether it is the default."""
    lines = [f":speech_balloon: The questions members of *#{escape(team.name)}* read:"]
    for circle in CIRCLES:
        own = "" if wording.is_default(circle) else " _(the team's wording)_"
        lines.append(
            f"{CIRCLE_EMOJI[circle]} *{circle.value} — {circle.info.short}*{own}: "
            f"{escape(wording.question(circle))}"
        )
    return {"text": "\n".join(lines)}


def questions_saved(team: Team, wording: Wording) -> dict[str, Any]:
    """The answer after a rewording: saved, and how the next pulse will read."""
    shown = questions_shown(team, wording)["text"].split("\n", 1)[1]
    return {
        "text": (
            f":white_check_mark: Saved. The next pulse of *#{escape(team.name)}* asks:\n{shown}"
        )
    }


def questions_refused(problem: str) -> dict[str, Any]:
    """A command-line wording that breaks a limit: nothing was stored."""
    return {"text": f":warning: Not saved: {problem}"}
