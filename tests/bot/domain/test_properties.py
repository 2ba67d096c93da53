"""Properties of scoring that must hold for any answers (hypothesis)."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain.circles import ANSWER_VALUES, CIRCLES, AnswerValue, Circle
from bot.domain.scoring import RoundScore, ScoringRules, score_round
from tests.support.tallies import MemberAnswer, tally_answers

# One member's clicks: an answer per circle, ``None`` where they did not click.
Sheet = dict[Circle, AnswerValue | None]

sheets = st.fixed_dictionaries({c: st.none() | st.sampled_from(ANSWER_VALUES) for c in CIRCLES})
teams = st.lists(sheets, min_size=1, max_size=8)
rules = st.builds(
    ScoringRules,
    threshold=st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    min_respondents=st.integers(min_value=1, max_value=6),
)


def _answers(team: list[Sheet]) -> list[MemberAnswer]:
    return [
        MemberAnswer(member=f"U{i}", circle=c, value=v)
        for i, sheet in enumerate(team)
        for c, v in sheet.items()
        if v is not None
    ]


def _score(team: list[Sheet], *, asked: int, team_rules: ScoringRules) -> RoundScore:
    tallies, respondents = tally_answers(_answers(team))
    return score_round(tallies, respondents=respondents, asked=asked, rules=team_rules)


@settings(max_examples=300, deadline=None)
@given(
    team=teams,
    extra_asked=st.integers(min_value=0, max_value=4),
    team_rules=rules,
    data=st.data(),
)
def test_turning_a_no_into_a_yes_never_moves_away_from_the_center(
    team: list[Sheet], extra_asked: int, team_rules: ScoringRules, data: st.DataObject
) -> None:
    no_cells = [
        (i, c) for i, sheet in enumerate(team) for c in CIRCLES if sheet[c] is AnswerValue.NO
    ]
    assume(no_cells)
    member, circle = data.draw(st.sampled_from(no_cells), label="answer changed to Yes")
    changed = [dict(sheet) for sheet in team]
    changed[member][circle] = AnswerValue.YES
    asked = len(team) + extra_asked

    before = _score(team, asked=asked, team_rules=team_rules)
    after = _score(changed, asked=asked, team_rules=team_rules)

    assert after.respondents == before.respondents
    assert (after.region is None) == (before.region is None)
    assert before.circles_in <= after.circles_in
    if before.region is not None and after.region is not None:
        assert after.region.depth >= before.region.depth


@settings(max_examples=300, deadline=None)
@given(team=teams, extra_asked=st.integers(min_value=0, max_value=4), team_rules=rules)
def test_every_score_is_none_or_between_zero_and_one(
    team: list[Sheet], extra_asked: int, team_rules: ScoringRules
) -> None:
    result = _score(team, asked=len(team) + extra_asked, team_rules=team_rules)

    for circle in CIRCLES:
        score = result.score(circle)
        counted = [s[circle] for s in team if s[circle] not in (None, AnswerValue.NOT_SURE)]
        if counted:
            assert score is not None
            assert 0.0 <= score <= 1.0
        else:
            assert score is None
            assert circle not in result.circles_in
    assert result.region is None or result.region.circles == result.circles_in


@settings(max_examples=300, deadline=None)
@given(team=teams, data=st.data())
def test_a_member_answering_twice_counts_once_with_the_last_answer(
    team: list[Sheet], data: st.DataObject
) -> None:
    answered = [(i, c) for i, sheet in enumerate(team) for c in CIRCLES if sheet[c] is not None]
    assume(answered)
    member, circle = data.draw(st.sampled_from(answered), label="answer changed")
    new_value = data.draw(st.sampled_from(ANSWER_VALUES), label="new value")
    # The member changes their mind after everybody else has answered.
    clicks = [*_answers(team), MemberAnswer(member=f"U{member}", circle=circle, value=new_value)]
    final = [dict(sheet) for sheet in team]
    final[member][circle] = new_value

    tallies, respondents = tally_answers(clicks)

    assert (tallies, respondents) == tally_answers(_answers(final))
    assert respondents == sum(1 for s in team if any(v is not None for v in s.values()))
    for c in CIRCLES:
        assert tallies[c].counted + tallies[c].not_sure == sum(1 for s in final if s[c] is not None)
