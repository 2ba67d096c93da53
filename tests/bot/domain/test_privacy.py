"""The privacy rules: aggregates only at the minimum number of respondents."""

from __future__ import annotations

from bot.domain.circles import AnswerValue, Circle
from bot.domain.privacy import shareable
from bot.domain.scoring import ScoringRules, score_round
from tests.support.tallies import MemberAnswer, tally_answers


def scored(members: int, *, asked: int = 5, note_count: int = 2):  # type: ignore[no-untyped-def]
    answers = [
        MemberAnswer(f"U{i}", c, AnswerValue.YES)
        for i in range(members)
        for c in (Circle.WHAT, Circle.HOW)
    ]
    tallies, respondents = tally_answers(answers)
    return score_round(
        tallies,
        respondents=respondents,
        asked=asked,
        rules=ScoringRules(min_respondents=3),
        notes=note_count,
        internal_customer_notes=1,
    )


def test_below_the_minimum_only_participation_is_shared() -> None:
    shared = shareable(scored(2))
    assert (shared.respondents, shared.asked) == (2, 5)
    assert shared.region is None
    assert shared.scores is None
    assert shared.notes is None
    assert shared.internal_customer_notes is None
    assert shared.disagreements == frozenset()
    assert shared.circles_in == frozenset()
    assert shared.scores is None


def test_at_the_minimum_the_aggregates_are_shared() -> None:
    shared = shareable(scored(3))
    assert shared.scores is not None
    assert shared.scores == {Circle.WHAT: 1.0, Circle.HOW: 1.0, Circle.DELIVER: None}
    assert shared.notes == 2
    assert shared.internal_customer_notes == 1
    assert shared.region is not None
    assert shared.region.label == "Feasibility practice"
