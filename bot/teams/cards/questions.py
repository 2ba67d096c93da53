"""The answers to `@SDO Pulse questions …` and its dialog. Pure.

``questions`` answers with the team's wording and a "Reword the questions" button that opens a
dialog (``task/fetch``): one field per question, prefilled, and a "back to the default" toggle
each; its Save (``task/submit``) closes it or shows it again with the problems. The command form
(``questions W|H|D <text>``, ``questions reset [W|H|D]``) works too. A team's wording is
someone's text: markdown-escaped in a TextBlock, and an input's value is never markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.circles import CIRCLES, Circle
from bot.domain.grammar import questions_usage
from bot.domain.model import Team
from bot.domain.questions import QUESTION_MAX_CHARS, QUESTION_MIN_CHARS, Wording
from bot.teams.activity import TEAMS_SYNTAX
from bot.teams.cards.common import (
    CIRCLE_EMOJI,
    Element,
    action_set,
    adaptive_card,
    escape_markdown,
    round_id_of,
    save_dialog,
    text_block,
)


def _lines(wording: Wording) -> list[str]:
    lines = []
    for circle in CIRCLES:
        own = "" if wording.is_default(circle) else " _(the team's wording)_"
        lines.append(
            f"{CIRCLE_EMOJI[circle]} **{circle.value} — {circle.info.short}**{own}: "
            f"{escape_markdown(wording.question(circle))}"
        )
    return lines


def questions_shown(team: Team, wording: Wording) -> str:
    """`questions`: how the team's members read the three questions, and how to reword them."""
    return "\n\n".join(
        (
            f"💬 The questions members of **{escape_markdown(team.name)}** read:",
            *_lines(wording),
            questions_usage(TEAMS_SYNTAX).replace("`", ""),
        )
    )


def questions_saved(team: Team, wording: Wording) -> str:
    """`questions W <text>` or `questions reset`: saved, and how the next pulse reads."""
    return "\n\n".join(
        (
            f"✅ Saved. The next pulse of **{escape_markdown(team.name)}** asks:",
            *_lines(wording),
        )
    )


def questions_refused(problem: str) -> str:
    """A wording that breaks a limit: nothing was stored."""
    return f"⚠️ Not saved: {problem}"


# -- the dialog: `questions` answers with a card whose button opens it (``task/fetch``) --------

QUESTIONS_ACTION = "questions"
DIALOG_TITLE = "Pulse questions"
REWORD_BUTTON_TITLE = "Reword the questions"
QUESTIONS_SAVED_TEXT = "✅ Saved: the next pulse asks the team's wording."
QUESTIONS_MALFORMED_TEXT = "Something in this form was missing. Please close it and try again."
QUESTIONS_REFUSED_TEXT = "Only this team's managers can reword its questions."


def question_input(circle: Circle) -> str:
    """The dialog's text input for ``circle``'s question."""
    return f"question_{circle.value}"


def reset_input(circle: Circle) -> str:
    """The dialog's "back to the default" toggle for ``circle``."""
    return f"reset_{circle.value}"


def questions_card(team: Team, wording: Wording) -> Element:
    """`questions`: the team's wording, a button that opens the dialog, and the commands."""
    body: list[Element] = [
        text_block(line) for line in questions_shown(team, wording).split("\n\n")
    ]
    reword: Element = {
        "type": "Action.Submit",
        "title": REWORD_BUTTON_TITLE,
        "data": {"msteams": {"type": "task/fetch"}, "sdo": QUESTIONS_ACTION, "team_id": team.id},
    }
    body.append(action_set([reword]))
    return adaptive_card(body, fallback_text=questions_shown(team, wording))


def questions_dialog(
    *,
    team_id: int,
    wording: Wording,
    typed: Mapping[Circle, str | None] | None = None,
    problems: Mapping[Circle, str] | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """The task module continue response: one field per question (prefilled with what members
    read now, or what was typed), a "back to the default" toggle each, and the problems
    (``notice``: why the dialog came back, above the form)."""
    body: list[Element] = [
        text_block(
            "How the team's members read the three questions. Each still measures its circle "
            f"and keeps the answers Yes / Partly / No / Not sure. {QUESTION_MIN_CHARS}–"
            f"{QUESTION_MAX_CHARS} characters, shown as typed; empty or a ticked toggle is the "
            "default wording."
        )
    ]
    for circle in CIRCLES:
        info = circle.info
        value = typed.get(circle) if typed is not None else wording.question(circle)
        field: Element = {
            "type": "Input.Text",
            "id": question_input(circle),
            "label": f"{circle.value} — {info.short} (customers {info.customer_part})",
            "maxLength": QUESTION_MAX_CHARS,
            "placeholder": info.question,
        }
        if value:
            field["value"] = value
        problem = (problems or {}).get(circle)
        if problem:
            body.append(text_block(f"{circle.value}: {problem}", color="attention"))
        body.append(field)
        body.append(
            {
                "type": "Input.Toggle",
                "id": reset_input(circle),
                "title": f"Reset {circle.value} to the default wording",
                "value": "false",
                "valueOn": "true",
                "valueOff": "false",
            }
        )
    save = {"sdo": QUESTIONS_ACTION, "team_id": team_id}
    return save_dialog(body, title=DIALOG_TITLE, save=save, height="large", notice=notice)


def parse_questions_request(data: object) -> int | None:
    """The team id of a "Reword the questions" request (``task/fetch``), else None."""
    if not isinstance(data, Mapping) or data.get("sdo") != QUESTIONS_ACTION:
        return None
    return round_id_of(data.get("team_id"))  # a positive int, whatever it names


def parse_questions_submit(data: object) -> tuple[int, dict[Circle, str | None]] | None:
    """The dialog's "Save": the team id and, by circle, the text typed or None (a ticked
    reset). None when the data is not our dialog's Save or a field has the wrong type."""
    if not isinstance(data, Mapping) or "msteams" in data:
        return None
    team_id = parse_questions_request(data)
    if team_id is None:
        return None
    texts: dict[Circle, str | None] = {}
    for circle in CIRCLES:
        typed = data.get(question_input(circle), "")
        if not isinstance(typed, str):
            return None
        texts[circle] = None if data.get(reset_input(circle)) in ("true", True) else typed
    return team_id, texts
