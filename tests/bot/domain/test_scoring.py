"""Scoring rules of SPEC §2: points, threshold, Not sure, respondents, disagreement."""

from __future__ import annotations

import pytest

from bot.domain.circles import AnswerValue, Circle
from bot.domain.regions import Region, region_label
from bot.domain.scoring import RoundScore, ScoringRules, Tally, score_round
from tests.support.tallies import MemberAnswer, tally_answers

W, H, D = Circle.WHAT, Circle.HOW, Circle.DELIVER
YES, PARTLY, NO, NOT_SURE = (
    AnswerValue.YES,
    AnswerValue.PARTLY,
    AnswerValue.NO,
    AnswerValue.NOT_SURE,
)


def _answers(by_circle: dict[Circle, list[AnswerValue | None]]) -> list[MemberAnswer]:
    """Member ``i`` gives ``by_circle[c][i]`` to circle ``c``; ``None`` means no click."""
    return [
        MemberAnswer(member=f"U{i}", circle=circle, value=value)
        for circle, values in by_circle.items()
        for i, value in enumerate(values)
        if value is not None
    ]


def _score(
    by_circle: dict[Circle, list[AnswerValue | None]],
    *,
    asked: int,
    rules: ScoringRules | None = None,
) -> RoundScore:
    tallies, respondents = tally_answers(_answers(by_circle))
    return score_round(tallies, respondents=respondents, asked=asked, rules=rules or ScoringRules())


def test_answer_points() -> None:
    assert [v.points for v in (YES, PARTLY, NO, NOT_SURE)] == [1.0, 0.5, 0.0, None]
    assert [v.label for v in (YES, PARTLY, NO, NOT_SURE)] == ["Yes", "Partly", "No", "Not sure"]
    assert Tally(partly=1).score == 0.5
    assert Tally(yes=1, partly=1, no=2).score == 0.375


def test_defaults_are_threshold_half_and_three_respondents() -> None:
    assert ScoringRules() == ScoringRules(threshold=0.5, min_respondents=3)


def test_score_exactly_at_the_threshold_is_in() -> None:
    # Yes + No = 0.5; the third member is Not sure, so still 0.5.
    result = _score({W: [YES, NO, NOT_SURE], H: [NO, NO, NO], D: [NO, NO, NO]}, asked=3)

    assert result.score(W) == 0.5
    assert result.circles_in == frozenset({W})
    assert result.region is Region.RESEARCH_ONLY


def test_score_just_below_the_threshold_is_out() -> None:
    result = _score(
        {W: [YES, NO, NOT_SURE], H: [NO, NO, NO], D: [NO, NO, NO]},
        asked=3,
        rules=ScoringRules(threshold=0.6),
    )

    assert result.score(W) == 0.5
    assert result.circles_in == frozenset()
    assert result.region is Region.OUTSIDE


def test_partly_alone_reaches_the_default_threshold() -> None:
    result = _score({W: [PARTLY] * 3, H: [PARTLY, NO, YES], D: [PARTLY, NO, NO]}, asked=3)

    assert (result.score(W), result.score(H), result.score(D)) == (0.5, 0.5, 0.5 / 3)
    assert result.region is Region.FEASIBILITY


@pytest.mark.parametrize(
    ("tally", "threshold", "is_in"),
    [
        (Tally(yes=2, no=1), 0.66, True),
        (Tally(yes=2, no=1), 2 / 3, True),
        (Tally(yes=2, no=1), 0.67, False),
        # A threshold written just above a fraction must not be rounded down to it.
        (Tally(yes=2, no=1), 0.6666667, False),
        (Tally(yes=1, no=1), 0.50000001, False),
        # 0.1 is stored as slightly more than 1/10; a score of exactly 1/10 is still in.
        (Tally(partly=1, no=4), 0.1, True),
        (Tally(yes=3, no=7), 0.3, True),
        (Tally(yes=3, no=1), 0.75, True),
        (Tally(yes=3, no=1), 0.76, False),
        (Tally(yes=4), 1.0, True),
        (Tally(yes=3, partly=1), 1.0, False),
        (Tally(no=5), 0.0, True),
        (Tally(not_sure=5), 0.0, False),
        (Tally(yes=5), float("inf"), False),
        (Tally(no=5), float("-inf"), True),
        (Tally(yes=5), float("nan"), False),
    ],
)
def test_custom_thresholds(tally: Tally, threshold: float, is_in: bool) -> None:
    assert tally.reaches(threshold) is is_in
    result = score_round(
        {W: tally}, respondents=5, asked=5, rules=ScoringRules(threshold=threshold)
    )
    assert (W in result.circles_in) is is_in


def test_not_sure_counts_the_member_but_not_the_score() -> None:
    # U2 clicks only Not sure: a respondent, yet the scores are those of U0 and U1 alone.
    result = _score(
        {W: [YES, NO, NOT_SURE], H: [YES, YES, NOT_SURE], D: [NO, PARTLY, NOT_SURE]}, asked=3
    )

    assert result.respondents == 3
    assert result.tallies[W] == Tally(yes=1, no=1, not_sure=1)
    assert (result.score(W), result.score(H), result.score(D)) == (0.5, 1.0, 0.25)
    assert result.region is Region.FEASIBILITY


def test_a_circle_with_only_not_sure_has_no_score_and_is_out() -> None:
    result = _score({W: [YES] * 3, H: [YES] * 3, D: [NOT_SURE] * 3}, asked=3)

    assert result.score(D) is None
    assert result.tallies[D].counted == 0
    assert D not in result.circles_in
    assert result.region is Region.FEASIBILITY


def test_a_circle_nobody_answered_has_no_score_and_is_out() -> None:
    result = _score({W: [YES, YES, YES], H: [YES, YES, YES]}, asked=3)

    assert result.score(D) is None
    assert result.tallies[D] == Tally()
    assert result.region is Region.FEASIBILITY


def test_missing_circles_in_the_tallies_count_as_unanswered() -> None:
    result = score_round({H: Tally(yes=3)}, respondents=3, asked=3)

    assert result.tallies[W] == Tally()
    assert result.score(W) is None
    assert result.region is Region.ENGINEERING_ONLY


def test_fewer_respondents_than_the_minimum_give_no_region() -> None:
    result = _score({W: [YES, YES], H: [YES, YES], D: [YES, YES]}, asked=10)

    assert result.respondents == 2
    assert result.region is None
    assert not result.enough
    assert region_label(result.region) == "Not enough answers"
    assert result.circles_in == frozenset()
    # The scores are still shown: only the region is withheld.
    assert result.score(W) == 1.0


def test_exactly_the_minimum_of_respondents_gives_a_region() -> None:
    result = _score({W: [YES, YES, YES], H: [NO, NO, NO], D: [YES, NO, YES]}, asked=10)

    assert result.respondents == 3
    assert result.enough
    assert result.region is Region.MARKETING


def test_a_member_who_only_says_not_sure_completes_the_minimum() -> None:
    result = _score({W: [YES, YES, NOT_SURE], H: [YES, YES, None]}, asked=10)

    assert result.respondents == 3
    assert result.region is Region.FEASIBILITY


@pytest.mark.parametrize(
    ("min_respondents", "asked", "respondents", "placed"),
    [
        (5, 10, 4, False),
        (5, 10, 5, True),
        (1, 10, 1, True),
        # A team smaller than the minimum needs the whole team.
        (3, 2, 1, False),
        (3, 2, 2, True),
        (3, 1, 1, True),
        (5, 4, 3, False),
        (5, 4, 4, True),
    ],
)
def test_minimum_respondents_or_the_whole_smaller_team(
    min_respondents: int, asked: int, respondents: int, placed: bool
) -> None:
    result = _score(
        {H: [YES] * respondents}, asked=asked, rules=ScoringRules(min_respondents=min_respondents)
    )

    assert result.respondents == respondents
    assert result.region is (Region.ENGINEERING_ONLY if placed else None)


def test_required_respondents() -> None:
    rules = ScoringRules()
    assert [rules.required_respondents(n) for n in (1, 2, 3, 4, 50)] == [1, 2, 3, 3, 3]
    # A round sent to nobody can never be placed by zero respondents.
    assert rules.required_respondents(0) == 3
    assert ScoringRules(min_respondents=0).required_respondents(5) == 1


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ([YES, NO], True),
        ([YES, NO, PARTLY], True),
        ([YES, YES, NO], True),
        ([YES, NO, NO], True),
        ([YES, NO, NOT_SURE, NOT_SURE, NOT_SURE, NOT_SURE], True),
        ([YES, YES, YES, YES, NO], False),
        ([YES, PARTLY, PARTLY, NO], False),
        ([YES, YES, YES], False),
        ([NO, NO, NO], False),
        ([PARTLY, PARTLY, PARTLY], False),
        ([NOT_SURE, NOT_SURE, NOT_SURE], False),
    ],
)
def test_disagreement_when_yes_and_no_each_reach_a_third(
    values: list[AnswerValue], flagged: bool
) -> None:
    result = _score({W: list(values), H: [YES] * len(values)}, asked=len(values))

    assert result.enough
    assert (W in result.disagreements) is flagged
    assert H not in result.disagreements


def test_tally_counts_each_member_once_per_question_with_the_last_answer() -> None:
    answers = [
        MemberAnswer(member="U1", circle=W, value=NO),
        MemberAnswer(member="U2", circle=W, value=YES),
        MemberAnswer(member="U1", circle=W, value=PARTLY),
        MemberAnswer(member="U1", circle=W, value=YES),
        MemberAnswer(member="U3", circle=D, value=NOT_SURE),
    ]

    tallies, respondents = tally_answers(answers)

    assert tallies == {W: Tally(yes=2), H: Tally(), D: Tally(not_sure=1)}
    assert respondents == 3


def test_round_score_keeps_the_counts_it_was_given() -> None:
    result = score_round(
        {W: Tally(yes=3)}, respondents=3, asked=4, notes=2, internal_customer_notes=1
    )

    assert (result.respondents, result.asked) == (3, 4)
    assert (result.notes, result.internal_customer_notes) == (2, 1)
