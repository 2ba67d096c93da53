"""A team's wording (pure): defaults by circle, normalising, limits, and the grammar of
`questions` on both platforms."""

from __future__ import annotations

import pytest

from bot.domain.circles import CIRCLES, Circle
from bot.domain.grammar import Invalid, Questions, parse_command
from bot.domain.questions import DEFAULT_WORDING, Wording, normalise, wording_problem


def test_a_wording_keeps_the_default_for_every_circle_not_reworded() -> None:
    assert [DEFAULT_WORDING.question(c) for c in CIRCLES] == [c.info.question for c in CIRCLES]
    wording = Wording.of({Circle.DELIVER: "Accepted?", Circle.WHAT: "Validated?"})
    assert wording.custom == ((Circle.WHAT, "Validated?"), (Circle.DELIVER, "Accepted?"))
    assert wording.question(Circle.HOW) == Circle.HOW.info.question
    assert not wording.is_default(Circle.WHAT)
    assert wording.is_default(Circle.HOW)


def test_normalising_and_limits() -> None:
    assert normalise("  two\n\tlines\x00 here ") == "two lines here"
    assert wording_problem("abc") is None
    assert wording_problem("ab") is not None
    assert wording_problem("x" * 200) is None
    assert wording_problem("x" * 201) == "Use at most 200 characters: this one has 201."


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("questions", Questions()),
        ("questions reset", Questions(action="reset")),
        ("questions RESET h", Questions(action="reset", circle=Circle.HOW)),
        (
            "questions w Did a Customer say yes?",
            Questions(action="set", circle=Circle.WHAT, text="Did a Customer say yes?"),
        ),
    ],
)
def test_the_questions_grammar(typed: str, parsed: Questions) -> None:
    assert parse_command(typed) == parsed


@pytest.mark.parametrize("typed", ["questions W", "questions X text", "questions reset W H"])
def test_a_wrong_questions_command_says_how(typed: str) -> None:
    parsed = parse_command(typed)
    assert isinstance(parsed, Invalid)
    assert "/sdo questions reset [W|H|D]" in parsed.message
