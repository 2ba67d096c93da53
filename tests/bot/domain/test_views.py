"""The views the services hand to a platform: a member's own pulse, a team's headline, roles."""

from __future__ import annotations

import pytest

from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Answer
from bot.domain.regions import Region
from bot.domain.scoring import ScoringRules
from bot.domain.views import AnswerOutcome, PulseView, Role, RoundView
from tests.support.views import a_round, digest_view, placed, team, team_status, unplaced

YES_W = Answer(7, "U1", Circle.WHAT, AnswerValue.YES)
NOTE_D = Answer(7, "U1", Circle.DELIVER, None, note="shipped to Acme")


def test_a_pulse_finds_the_members_answer_to_each_question() -> None:
    view = PulseView(
        team_name="alpha", round_id=7, round_number=2, min_respondents=3, answers=(YES_W, NOTE_D)
    )
    assert view.answer_to(Circle.WHAT) is YES_W
    assert view.answer_to(Circle.DELIVER) is NOTE_D
    assert view.answer_to(Circle.HOW) is None


def test_a_pulse_without_answers_answers_nothing() -> None:
    view = PulseView(team_name="alpha", round_id=7, round_number=2, min_respondents=3)
    assert [view.answer_to(c) for c in Circle] == [None, None, None]
    assert view.closed is False


@pytest.mark.parametrize("closed", [False, True])
def test_an_answer_outcome_becomes_the_members_pulse(closed: bool) -> None:
    rnd = a_round(2, closed=closed)
    outcome = AnswerOutcome(
        stored=not closed,
        reason="closed" if closed else None,
        round=rnd,
        team=team("beta", rules=ScoringRules(min_respondents=5)),
        answers={Circle.WHAT: YES_W, Circle.DELIVER: NOTE_D},
    )
    assert outcome.pulse(closed=closed) == PulseView(
        team_name="beta",
        round_id=rnd.id,
        round_number=2,
        min_respondents=5,
        answers=(YES_W, NOTE_D),
        closed=closed,
    )


def test_an_outcome_for_an_unknown_round_has_no_pulse() -> None:
    outcome = AnswerOutcome(stored=False, reason="unknown round")
    assert outcome.answers == {}
    with pytest.raises(AssertionError):
        outcome.pulse()


def test_the_headline_is_the_open_round_once_it_is_placed() -> None:
    now = placed(Region.CENTER, number=2, closed=False)
    assert team_status(current=now, last_closed=placed(Region.OUTSIDE)).headline is now


def test_the_headline_is_the_last_closed_round_while_the_open_one_is_not_placed() -> None:
    before = placed(Region.DEVOPS)
    assert (
        team_status(current=unplaced(number=2, closed=False), last_closed=before).headline is before
    )


def test_the_headline_of_a_first_round_not_yet_placed_is_that_round() -> None:
    now = unplaced(closed=False)
    assert team_status(current=now).headline is now


def test_a_team_without_rounds_has_no_headline() -> None:
    assert team_status().headline is None
    closed_only = placed(Region.MARKETING)
    assert team_status(last_closed=closed_only).headline is closed_only


@pytest.mark.parametrize(
    ("role", "can_manage", "can_view"),
    [
        (Role.NONE, False, False),
        (Role.MEMBER, False, True),
        (Role.MANAGER, True, True),
        (Role.ADMIN, True, True),
    ],
)
def test_who_may_manage_and_who_may_view(role: Role, can_manage: bool, can_view: bool) -> None:
    assert (role.can_manage, role.can_view) == (can_manage, can_view)


@pytest.mark.parametrize(
    ("previous", "now", "line"),
    [
        (None, placed(Region.DEVOPS), "First round for this team."),
        (placed(Region.DEVOPS), placed(Region.DEVOPS), "Same as the previous round (DevOps)."),
        (unplaced(), unplaced(), "Same as the previous round (Not enough answers)."),
        (placed(Region.DEVOPS), placed(Region.CENTER), "DevOps → Center: moved toward the center."),
        (
            placed(Region.MARKETING),
            placed(Region.RESEARCH_ONLY),
            "Marketing → Research only: moved away from the center.",
        ),
        (
            placed(Region.DEVOPS),
            placed(Region.FEASIBILITY),
            "DevOps → Feasibility practice: moved sideways.",
        ),
        (
            placed(Region.OUTSIDE),
            placed(Region.DELIVERY_ONLY),
            "Outside → Delivery only: moved toward the center.",
        ),
        (placed(Region.CENTER), unplaced(), "Previous round: Center."),
        (unplaced(), placed(Region.CENTER), "Previous round: Not enough answers."),
    ],
)
def test_a_digest_says_how_the_team_moved_since_the_previous_round(
    previous: RoundView | None, now: RoundView, line: str
) -> None:
    assert digest_view(now, previous).change() == line
