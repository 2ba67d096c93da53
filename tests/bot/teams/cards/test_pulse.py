"""The pulse card: three questions in order, four buttons each, the member's own answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from bot.domain.circles import ANSWER_VALUES, AnswerValue, Circle
from bot.domain.model import Answer
from bot.domain.views import PulseView
from bot.services.answers import NOTE_MAX_CHARS
from bot.teams.cards.pulse import (
    ANSWER_VERB,
    NOTE_ACTION,
    parse_answer,
    parse_note_request,
    pulse_card,
)
from tests.bot.teams.cards.reading import actions, by_id, card_errors, markdown_texts, read

ROUND_ID = 42
QUESTIONS = (
    "💡 **What to build**\n"
    "Since the last pulse, did a customer validate an idea we are working on?",
    "🛠️ **How to build**\n"
    "Since the last pulse, did a customer critique something we built (demo, beta, review)?",
    "📦 **How to deliver**\nSince the last pulse, did a customer accept something we delivered?",
)
BUTTONS = "  [Yes] [Partly] [No] [Not sure]"
INTRO = (
    "Round 3 for alpha. Three questions about customers since the last pulse — one click each. "
    "Partly counts half; Not sure is also right when a question does not apply."
)


def pulse(*answers: Answer, closed: bool = False, team_name: str = "alpha") -> PulseView:
    return PulseView(
        team_name=team_name,
        round_id=ROUND_ID,
        round_number=3,
        min_respondents=3,
        answers=answers,
        closed=closed,
    )


def answer(
    circle: Circle, value: AnswerValue | None, *, note: str | None = None, internal: bool = False
) -> Answer:
    return Answer(ROUND_ID, "U1", circle, value, note=note, internal_customer=internal)


def answer_rows(card: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [e for e in card["body"] if str(e.get("id", "")).startswith("answers_")]


def test_a_fresh_pulse_asks_three_questions_with_four_answers_each() -> None:
    card = pulse_card(pulse())
    assert read(card) == "\n".join(
        (
            "Customer pulse — alpha",
            INTRO,
            QUESTIONS[0],
            BUTTONS,
            QUESTIONS[1],
            BUTTONS,
            QUESTIONS[2],
            BUTTONS,
            "  [Add a note]",
            "0 of 3 answered.",
            "🔒 Only you see your answers. The team sees totals, and only when at least 3 "
            "people answered.",
        )
    )
    assert card["fallbackText"] == "Customer pulse for alpha: 0 of 3 answered"
    assert card_errors(card) == []


def test_the_questions_come_in_the_order_what_how_deliver_each_followed_by_its_buttons() -> None:
    card = pulse_card(pulse())
    ids = [e.get("id") for e in card["body"] if e.get("id")]
    assert ids == [
        "question_W",
        "answers_W",
        "question_H",
        "answers_H",
        "question_D",
        "answers_D",
        "note",
    ]
    assert "actions" not in card  # every button is in the body, next to its question


@pytest.mark.parametrize("circle", list(Circle))
def test_each_button_carries_its_round_question_and_answer(circle: Circle) -> None:
    row = by_id(pulse_card(pulse()), f"answers_{circle.value}")
    buttons = row["actions"]
    assert [b["title"] for b in buttons] == ["Yes", "Partly", "No", "Not sure"]
    assert {b["type"] for b in buttons} == {"Action.Execute"}
    assert {b["verb"] for b in buttons} == {ANSWER_VERB}
    assert [b["data"] for b in buttons] == [
        {"round_id": 42, "circle": circle.value, "value": v}
        for v in ("yes", "partly", "no", "not_sure")
    ]
    # What Teams sends back (JSON, both ways) reads as the click it was.
    assert [parse_answer(json.loads(json.dumps(b["data"]))) for b in buttons] == [
        (ROUND_ID, circle, value) for value in ANSWER_VALUES
    ]


def test_add_a_note_asks_teams_for_the_note_dialog_of_this_round() -> None:
    note = by_id(pulse_card(pulse()), "note")["actions"]
    assert note == [
        {
            "type": "Action.Submit",
            "title": "Add a note",
            "data": {"msteams": {"type": "task/fetch"}, "sdo": NOTE_ACTION, "round_id": ROUND_ID},
        }
    ]
    assert parse_note_request(note[0]["data"]) == ROUND_ID


@pytest.mark.parametrize(
    "data",
    [
        None,
        "42:W:yes",
        ["42", "W", "yes"],
        {},
        {"round_id": 42, "circle": "W"},
        {"circle": "W", "value": "yes"},
        {"round_id": "42", "circle": "W", "value": "yes"},
        {"round_id": 42.0, "circle": "W", "value": "yes"},
        {"round_id": True, "circle": "W", "value": "yes"},
        {"round_id": 0, "circle": "W", "value": "yes"},
        {"round_id": -1, "circle": "W", "value": "yes"},
        {"round_id": 42, "circle": "X", "value": "yes"},
        {"round_id": 42, "circle": "w", "value": "yes"},
        {"round_id": 42, "circle": ["W"], "value": "yes"},
        {"round_id": 42, "circle": "W", "value": "maybe"},
        {"round_id": 42, "circle": "W", "value": "YES"},
        {"round_id": 42, "circle": "W", "value": "Yes"},
        {"round_id": 42, "circle": "W", "value": None},
    ],
)
def test_a_malformed_or_unknown_click_reads_as_none(data: object) -> None:
    assert parse_answer(data) is None


def test_a_click_may_carry_more_than_its_three_fields() -> None:
    data = {"round_id": 7, "circle": "D", "value": "no", "msteams": {"x": 1}}
    assert parse_answer(data) == (7, Circle.DELIVER, AnswerValue.NO)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"round_id": 42},
        {"sdo": "answer", "round_id": 42},
        {"sdo": NOTE_ACTION},
        {"sdo": NOTE_ACTION, "round_id": "42"},
        {"sdo": NOTE_ACTION, "round_id": False},
        {"sdo": NOTE_ACTION, "round_id": -3},
    ],
)
def test_a_note_request_that_is_not_ours_reads_as_none(data: object) -> None:
    assert parse_note_request(data) is None


def test_the_members_own_choices_are_marked() -> None:
    card = pulse_card(
        pulse(answer(Circle.WHAT, AnswerValue.YES), answer(Circle.DELIVER, AnswerValue.NOT_SURE))
    )
    shown = read(card)
    assert shown.count("✅ Your answer:") == 2
    assert f"{QUESTIONS[0]}\n✅ Your answer: **Yes**\n  [Yes]* [Partly] [No] [Not sure]" in shown
    assert f"{QUESTIONS[1]}\n{BUTTONS}" in shown
    assert f"{QUESTIONS[2]}\n✅ Your answer: **Not sure**\n  [Yes] [Partly] [No] [Not sure]*" in (
        shown
    )
    assert "2 of 3 answered." in shown
    assert card["fallbackText"] == "Customer pulse for alpha: 2 of 3 answered"
    styles = [b.get("style") for b in actions(card)]
    assert styles.count("positive") == 2
    positive = [b["data"] for b in actions(card) if b.get("style") == "positive"]
    assert positive == [
        {"round_id": 42, "circle": "W", "value": "yes"},
        {"round_id": 42, "circle": "D", "value": "not_sure"},
    ]


def test_three_answers_say_thank_you() -> None:
    card = pulse_card(pulse(*(answer(c, AnswerValue.NO) for c in Circle)))
    assert "🎉 All three answered — thank you! You can change them until the round closes." in read(
        card
    )
    assert card["fallbackText"] == "Customer pulse for alpha: 3 of 3 answered"


def test_a_note_shows_as_typed_and_never_as_markdown() -> None:
    note = "**urgent** [click](https://evil.example) <at>Ann</at> _x_"
    card = pulse_card(pulse(answer(Circle.HOW, AnswerValue.PARTLY, note=note)))
    how = by_id(card, "question_H")
    line = how["items"][-1]
    assert line["type"] == "RichTextBlock"  # runs: Teams never reads them as markdown
    assert line["inlines"] == [
        {"type": "TextRun", "text": "📝 Your note: "},
        {"type": "TextRun", "text": note, "italic": True},
    ]
    assert not any("evil.example" in t or "<at>" in t for t in markdown_texts(card))


def test_a_note_about_an_internal_customer_says_so() -> None:
    card = pulse_card(
        pulse(answer(Circle.WHAT, AnswerValue.YES, note="finance signed off", internal=True))
    )
    assert "📝 Your note (internal customer): finance signed off" in read(card)


def test_a_note_without_an_answer_shows_but_does_not_count_as_answered() -> None:
    shown = read(pulse_card(pulse(answer(Circle.DELIVER, None, note="shipped to Acme"))))
    assert f"{QUESTIONS[2]}\n📝 Your note: shipped to Acme\n{BUTTONS}" in shown
    assert "Your answer" not in shown
    assert "0 of 3 answered." in shown


def test_a_closed_round_shows_the_answers_without_buttons() -> None:
    card = pulse_card(
        pulse(
            answer(Circle.WHAT, AnswerValue.YES, note="a demo"),
            answer(Circle.HOW, AnswerValue.PARTLY),
            closed=True,
        )
    )
    assert read(card) == "\n".join(
        (
            "Customer pulse — alpha",
            INTRO,
            f"{QUESTIONS[0]}\n✅ Your answer: **Yes**\n📝 Your note: a demo",
            f"{QUESTIONS[1]}\n✅ Your answer: **Partly**",
            QUESTIONS[2],
            "🔒 This round is closed: answers can no longer change.",
        )
    )
    assert actions(card) == []
    assert "actions" not in card
    assert not any(e["type"] == "ActionSet" for e in card["body"])
    assert card["fallbackText"] == "Customer pulse for alpha: 2 of 3 answered"
    assert card_errors(card) == []


def test_the_privacy_line_names_the_teams_minimum() -> None:
    view = PulseView(team_name="alpha", round_id=1, round_number=1, min_respondents=5)
    assert (
        "🔒 Only you see your answers. The team sees totals, and only when at least 5 "
        "people answered." in read(pulse_card(view))
    )


def test_the_team_name_shows_as_typed_and_never_as_markdown() -> None:
    card = pulse_card(pulse(team_name="**[x](https://evil.example)**"))
    assert read(card).startswith(
        "Customer pulse — **[x](https://evil.example)**\n"
        "Round 3 for **[x](https://evil.example)**. Three questions"
    )
    assert not any("evil.example" in t for t in markdown_texts(card))


@pytest.mark.parametrize("closed", [False, True])
def test_the_longest_notes_and_a_long_team_name_fit_in_a_teams_message(closed: bool) -> None:
    note = "é" * NOTE_MAX_CHARS
    answers = [answer(c, AnswerValue.YES, note=note, internal=True) for c in Circle]
    card = pulse_card(pulse(*answers, closed=closed, team_name="t" * 80))
    assert card_errors(card) == []  # JSON, Adaptive Cards 1.5, and under Teams' message size
    assert read(card).count(note) == 3


def test_no_slack_markup_reaches_the_card() -> None:
    card = pulse_card(pulse(answer(Circle.WHAT, AnswerValue.YES, note="n")))
    text = json.dumps(card, ensure_ascii=False)
    for slack in (":memo:", ":lock:", ":bulb:", ":white_check_mark:", "<@", "<#", "mrkdwn"):
        assert slack not in text
