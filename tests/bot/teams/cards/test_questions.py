"""The questions card and dialog: valid Adaptive Cards, prefilled, problems shown, what Save
sends back read strictly, and a hostile team name or wording never read as markdown."""

from __future__ import annotations

from bot.domain.circles import CIRCLES, Circle
from bot.domain.model import Team
from bot.domain.questions import Wording
from bot.teams.cards.questions import (
    parse_questions_request,
    parse_questions_submit,
    questions_card,
    questions_dialog,
)
from tests.bot.teams.cards.reading import card_errors, markdown_texts

HOSTILE = Team(id=2, workspace_id="T1", channel_id="C9", name="[x](https://evil.example)", tz="UTC")
WORDING = Wording.of({Circle.HOW: "Did a **customer** critique [it](https://evil.example)?"})


def test_the_card_lists_the_wording_escaped_with_the_dialogs_button() -> None:
    card = questions_card(HOSTILE, WORDING)
    assert card_errors(card) == []
    shown = markdown_texts(card)
    # Markup is backslash-escaped: no link is live, nothing is bold.
    assert not any("[x](" in text or "[it](" in text for text in shown)
    assert any("Did a \\*\\*customer\\*\\* critique" in text for text in shown)
    assert any("**\\[x\\](https://evil.example)**" in text for text in shown)
    (button,) = card["body"][-1]["actions"]
    assert parse_questions_request(button["data"]) == 2


def test_the_dialog_is_prefilled_and_shows_problems() -> None:
    dialog = questions_dialog(team_id=2, wording=WORDING)
    form = dialog["task"]["value"]["card"]["content"]
    assert card_errors(form) == []
    values = {i["id"]: i.get("value") for i in form["body"] if i["type"] == "Input.Text"}
    assert values == {f"question_{c.value}": WORDING.question(c) for c in CIRCLES}
    again = questions_dialog(
        team_id=2,
        wording=WORDING,
        typed={Circle.WHAT: "ab", Circle.HOW: None, Circle.DELIVER: ""},
        problems={Circle.WHAT: "Use at least 3 characters."},
    )
    form = again["task"]["value"]["card"]["content"]
    assert card_errors(form) == []
    assert "W: Use at least 3 characters." in str(form)
    values = {i["id"]: i.get("value") for i in form["body"] if i["type"] == "Input.Text"}
    assert values == {"question_W": "ab", "question_H": None, "question_D": None}


def test_save_is_read_strictly() -> None:
    save = {"sdo": "questions", "team_id": 2}
    assert parse_questions_submit(
        {**save, "question_W": "Mine?", "reset_H": "true", "reset_D": "false"}
    ) == (2, {Circle.WHAT: "Mine?", Circle.HOW: None, Circle.DELIVER: ""})
    assert parse_questions_submit({**save, "question_W": 3}) is None
    assert parse_questions_submit({**save, "msteams": {"type": "task/fetch"}}) is None
    assert parse_questions_submit({"sdo": "note", "round_id": 2}) is None
    assert parse_questions_request({"sdo": "questions", "team_id": True}) is None
