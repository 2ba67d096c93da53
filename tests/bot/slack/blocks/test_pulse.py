"""The pulse DM: three questions in order, four buttons each, the member's own answers and note."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Answer
from bot.domain.views import PulseView
from bot.sandbox.fakeslack import block_kit_errors
from bot.services.answers import NOTE_MAX_CHARS
from bot.slack.blocks.pulse import ANSWER_ACTION_IDS, NOTE_ACTION_ID, AnswerClick, pulse_message
from bot.slack.blocks.render import render_message

ROUND_ID = 42
QUESTIONS = (
    ":bulb: *What to build*\n"
    "Since the last pulse, did a customer validate an idea we are working on?",
    ":hammer_and_wrench: *How to build*\n"
    "Since the last pulse, did a customer critique something we built (demo, beta, review)?",
    ":package: *How to deliver*\n"
    "Since the last pulse, did a customer accept something we delivered?",
)
BUTTONS = "  [Yes] [Partly] [No] [Not sure]"


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
    circle: Circle,
    value: AnswerValue | None,
    *,
    note: str | None = None,
    internal: bool = False,
) -> Answer:
    return Answer(ROUND_ID, "U1", circle, value, note=note, internal_customer=internal)


def blocks_of(message: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if b["type"] == kind]


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    texts = [b["text"]["text"] for b in blocks_of(message, "section")]
    return texts + [e["text"] for b in blocks_of(message, "context") for e in b["elements"]]


def test_a_fresh_pulse_asks_three_questions_with_four_answers_each() -> None:
    message = pulse_message(pulse())
    assert render_message(message) == "\n".join(
        (
            "== Customer pulse — #alpha ==",
            "Round 3 for *#alpha*. Three questions about *customers* since the last pulse — one "
            "click each. Partly counts half; *Not sure* is also right when a question does not "
            "apply.",
            QUESTIONS[0],
            BUTTONS,
            QUESTIONS[1],
            BUTTONS,
            QUESTIONS[2],
            BUTTONS,
            "  [:memo: Add a note]",
            "  0 of 3 answered.  :lock: Only you see your answers. The team sees totals, and only "
            "when at least 3 people answered.",
        )
    )
    assert message["text"] == "Customer pulse for #alpha: 0 of 3 answered"
    assert block_kit_errors(message["blocks"], max_blocks=50) == []


def test_the_questions_come_in_the_order_what_how_deliver() -> None:
    message = pulse_message(pulse())
    questions = [
        b["block_id"] for b in message["blocks"] if b.get("block_id", "").startswith("question_")
    ]
    rows = [b["block_id"] for b in blocks_of(message, "actions")]
    assert questions == ["question_W", "question_H", "question_D"]
    assert rows == ["answers_W", "answers_H", "answers_D", "note"]


def test_each_button_carries_its_round_question_and_answer() -> None:
    message = pulse_message(pulse())
    row = next(b for b in message["blocks"] if b.get("block_id") == "answers_H")
    assert [e["text"]["text"] for e in row["elements"]] == ["Yes", "Partly", "No", "Not sure"]
    assert [e["action_id"] for e in row["elements"]] == list(ANSWER_ACTION_IDS)
    assert [e["value"] for e in row["elements"]] == [
        "42:H:yes",
        "42:H:partly",
        "42:H:no",
        "42:H:not_sure",
    ]
    assert [AnswerClick.decode(e["value"]) for e in row["elements"]] == [
        AnswerClick(ROUND_ID, Circle.HOW, value) for value in AnswerValue
    ]
    note = next(b for b in message["blocks"] if b.get("block_id") == "note")
    assert note["elements"][0]["action_id"] == NOTE_ACTION_ID
    assert note["elements"][0]["value"] == "42"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "not enough values"),
        ("42:W", "not enough values"),
        ("42:W:yes:extra", "too many values"),
        ("x:W:yes", "invalid literal for int"),
        ("42:X:yes", "'X' is not a valid Circle"),
        ("42:w:yes", "'w' is not a valid Circle"),
        ("42:W:maybe", "'maybe' is not a valid AnswerValue"),
        ("42:W:YES", "'YES' is not a valid AnswerValue"),
    ],
)
def test_a_malformed_button_value_is_refused(raw: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        AnswerClick.decode(raw)


def test_the_members_own_choices_are_marked() -> None:
    message = pulse_message(
        pulse(answer(Circle.WHAT, AnswerValue.YES), answer(Circle.DELIVER, AnswerValue.NOT_SURE))
    )
    shown = render_message(message)
    assert shown.count(":white_check_mark: Your answer:") == 2
    assert f"{QUESTIONS[0]}\n:white_check_mark: Your answer: *Yes*\n  [Yes]* [Partly]" in shown
    assert f"{QUESTIONS[1]}\n{BUTTONS}" in shown
    assert f"{QUESTIONS[2]}\n:white_check_mark: Your answer: *Not sure*\n" in shown
    assert "  [Yes] [Partly] [No] [Not sure]*" in shown
    assert "2 of 3 answered." in shown
    assert message["text"] == "Customer pulse for #alpha: 2 of 3 answered"
    styles = [e.get("style") for b in blocks_of(message, "actions") for e in b["elements"]]
    assert styles.count("primary") == 2


def test_three_answers_say_thank_you() -> None:
    message = pulse_message(pulse(*(answer(c, AnswerValue.NO) for c in Circle)))
    assert (
        ":tada: All three answered — thank you! You can change them until the round closes."
        in render_message(message)
    )
    assert message["text"] == "Customer pulse for #alpha: 3 of 3 answered"


def test_a_note_shows_escaped_and_never_becomes_a_mention() -> None:
    note = "<!channel> ask <@U1> & see <https://evil.example|this>"
    message = pulse_message(pulse(answer(Circle.HOW, AnswerValue.PARTLY, note=note)))
    how = next(b for b in message["blocks"] if b.get("block_id") == "question_H")
    assert how["text"]["text"] == (
        f"{QUESTIONS[1]}\n:white_check_mark: Your answer: *Partly*\n"
        ":memo: Your note: _&lt;!channel&gt; ask &lt;@U1&gt; &amp; see "
        "&lt;https://evil.example|this&gt;_"
    )
    assert not any("<!channel>" in t or "<@U1>" in t for t in mrkdwn_texts(message))


def test_a_note_about_an_internal_customer_says_so() -> None:
    message = pulse_message(
        pulse(answer(Circle.WHAT, AnswerValue.YES, note="finance signed off", internal=True))
    )
    assert ":memo: Your note (internal customer): _finance signed off_" in render_message(message)


def test_a_note_without_an_answer_shows_but_does_not_count_as_answered() -> None:
    message = pulse_message(pulse(answer(Circle.DELIVER, None, note="shipped to Acme")))
    shown = render_message(message)
    assert f"{QUESTIONS[2]}\n:memo: Your note: _shipped to Acme_\n{BUTTONS}" in shown
    assert "Your answer" not in shown
    assert "0 of 3 answered." in shown


def test_a_closed_round_shows_the_answers_without_buttons() -> None:
    message = pulse_message(pulse(answer(Circle.WHAT, AnswerValue.YES, note="a demo"), closed=True))
    assert render_message(message) == "\n".join(
        (
            "== Customer pulse — #alpha ==",
            "Round 3 for *#alpha*. Three questions about *customers* since the last pulse — one "
            "click each. Partly counts half; *Not sure* is also right when a question does not "
            "apply.",
            f"{QUESTIONS[0]}\n:white_check_mark: Your answer: *Yes*\n:memo: Your note: _a demo_",
            QUESTIONS[1],
            QUESTIONS[2],
            "  :lock: This round is closed: answers can no longer change.",
        )
    )
    assert blocks_of(message, "actions") == []
    assert message["text"] == "Customer pulse for #alpha: 1 of 3 answered"
    assert block_kit_errors(message["blocks"], max_blocks=50) == []


def test_the_privacy_line_names_the_teams_minimum() -> None:
    view = PulseView(team_name="alpha", round_id=1, round_number=1, min_respondents=5)
    assert (
        ":lock: Only you see your answers. The team sees totals, and only when at least 5 "
        "people answered." in render_message(pulse_message(view))
    )


def test_the_team_name_is_escaped_in_text_slack_formats() -> None:
    message = pulse_message(pulse(team_name="<!here>&co"))
    assert message["blocks"][1]["text"]["text"].startswith("Round 3 for *#&lt;!here&gt;&amp;co*.")
    assert not any("<!here>" in t for t in mrkdwn_texts(message))


@pytest.mark.parametrize("closed", [False, True])
def test_the_longest_notes_and_team_name_stay_within_slacks_limits(closed: bool) -> None:
    note = "<" * NOTE_MAX_CHARS  # the longest note, each character escaped to four
    answers = [answer(c, AnswerValue.YES, note=note, internal=True) for c in Circle]
    message = pulse_message(pulse(*answers, closed=closed, team_name="t" * 80))
    assert block_kit_errors(message["blocks"], max_blocks=50) == []
    assert render_message(message).count("_" + "&lt;" * NOTE_MAX_CHARS + "_") == 3
