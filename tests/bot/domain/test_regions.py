"""Every region is reachable from real answers, and is named exactly as in SPEC §1."""

from __future__ import annotations

import pytest

from bot.domain.circles import AnswerValue, Circle
from bot.domain.regions import (
    NOT_ENOUGH_ANSWERS,
    Region,
    region_for,
    region_label,
    region_meaning,
)
from bot.domain.scoring import score_round
from tests.support.tallies import MemberAnswer, tally_answers

W, H, D = Circle.WHAT, Circle.HOW, Circle.DELIVER
YES, NO = AnswerValue.YES, AnswerValue.NO

REGIONS_BY_CIRCLES = [
    ({W, H, D}, "Center"),
    ({H, D}, "DevOps"),
    ({W, H}, "Feasibility practice"),
    ({W, D}, "Marketing"),
    ({W}, "Research only"),
    ({H}, "Engineering only"),
    ({D}, "Delivery only"),
    (set(), "Outside"),
]


def _three_members_answering(circles_in: set[Circle]) -> list[MemberAnswer]:
    """Three members who say Yes for ``circles_in`` and No for every other circle."""
    return [
        MemberAnswer(member=f"U{m}", circle=c, value=YES if c in circles_in else NO)
        for m in range(3)
        for c in (W, H, D)
    ]


@pytest.mark.parametrize(("circles_in", "label"), REGIONS_BY_CIRCLES)
def test_answers_place_the_team_in_each_region(circles_in: set[Circle], label: str) -> None:
    tallies, respondents = tally_answers(_three_members_answering(circles_in))

    result = score_round(tallies, respondents=respondents, asked=3)

    assert respondents == 3
    assert result.region is not None
    assert result.region.label == label
    assert result.circles_in == frozenset(circles_in)
    assert result.region.circles == frozenset(circles_in)
    assert result.region.depth == len(circles_in)
    assert region_label(result.region) == label


def test_the_eight_labels_are_exactly_the_specified_names() -> None:
    assert [r.label for r in Region] == [label for _, label in REGIONS_BY_CIRCLES]
    assert len({r.circles for r in Region}) == 8


@pytest.mark.parametrize(("circles_in", "label"), REGIONS_BY_CIRCLES)
def test_region_for_maps_circle_sets_in_any_order(circles_in: set[Circle], label: str) -> None:
    assert region_for(sorted(circles_in, reverse=True)).label == label
    assert region_for(list(circles_in) * 2).label == label


def test_no_region_reads_not_enough_answers() -> None:
    assert NOT_ENOUGH_ANSWERS == "Not enough answers"
    assert region_label(None) == "Not enough answers"
    assert "no region is guessed" in region_meaning(None)


def test_meanings_follow_the_essay() -> None:
    assert region_meaning(Region.DEVOPS) == (
        "Builds and delivers really fast, but does not know what to build."
    )
    assert region_meaning(Region.FEASIBILITY) == (
        "Shows what is feasible, but it never sees the light of day."
    )
    assert region_meaning(Region.OUTSIDE) == "No customer involvement at all."
    assert len({region_meaning(r) for r in Region}) == 8
