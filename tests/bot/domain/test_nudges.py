"""Nudges toward the center: enough of them, rotating, distinct, and aimed right."""

from __future__ import annotations

import pytest

from bot.domain.circles import CIRCLES, Circle
from bot.domain.nudges import Nudge, nudges_for
from bot.domain.regions import Region

REGIONS_AND_NONE: list[Region | None] = [*Region, None]
REGIONS_MISSING_CIRCLES = [r for r in Region if r is not Region.CENTER]
ROTATIONS = range(-2, 13)
ALL = 100  # more nudges than any region has: returns every one of them


def _missing(region: Region) -> set[Circle]:
    return {c for c in CIRCLES if c not in region.circles}


@pytest.mark.parametrize("region", REGIONS_MISSING_CIRCLES, ids=lambda r: r.label)
def test_at_least_three_distinct_nudges_per_missing_circle(region: Region) -> None:
    nudges = nudges_for(region, rotation=0, count=ALL)

    for circle in _missing(region):
        texts = {n.text for n in nudges if n.circle is circle}
        assert len(texts) >= 3, (region.label, circle)


@pytest.mark.parametrize("region", REGIONS_AND_NONE, ids=str)
@pytest.mark.parametrize("rotation", ROTATIONS)
def test_consecutive_rounds_open_with_a_different_sentence(
    region: Region | None, rotation: int
) -> None:
    this_round = nudges_for(region, rotation=rotation)
    next_round = nudges_for(region, rotation=rotation + 1)

    assert this_round[0].text != next_round[0].text


@pytest.mark.parametrize("region", REGIONS_AND_NONE, ids=str)
@pytest.mark.parametrize("rotation", ROTATIONS)
@pytest.mark.parametrize("count", [1, 2, 3, ALL])
def test_nudges_returned_are_distinct(region: Region | None, rotation: int, count: int) -> None:
    nudges = nudges_for(region, rotation=rotation, count=count)

    assert len(nudges) == len({n.text for n in nudges})
    assert len(nudges) == count if count <= 3 else len(nudges) >= 3


@pytest.mark.parametrize("region", REGIONS_MISSING_CIRCLES, ids=lambda r: r.label)
@pytest.mark.parametrize("rotation", ROTATIONS)
def test_every_nudge_targets_a_missing_circle(region: Region, rotation: int) -> None:
    nudges = nudges_for(region, rotation=rotation, count=ALL)
    targeted = [n for n in nudges if n.circle is not None]

    assert {n.circle for n in targeted} == _missing(region)
    general = [n for n in nudges if n.circle is None]
    # Only a team outside every circle also gets a general "start somewhere" nudge.
    assert len(general) == (1 if region is Region.OUTSIDE else 0)


@pytest.mark.parametrize("region", [Region.CENTER, None], ids=str)
@pytest.mark.parametrize("rotation", ROTATIONS)
def test_center_and_not_enough_answers_get_general_nudges(
    region: Region | None, rotation: int
) -> None:
    nudges = nudges_for(region, rotation=rotation, count=ALL)

    assert len(nudges) >= 3
    assert all(n.circle is None for n in nudges)


def test_center_nudges_say_keep_it() -> None:
    assert all(
        n.text.startswith("Keep it") for n in nudges_for(Region.CENTER, rotation=0, count=ALL)
    )


def test_not_enough_answers_nudges_ask_for_answers() -> None:
    texts = [n.text for n in nudges_for(None, rotation=0, count=ALL)]

    assert any("answer" in t for t in texts)
    assert all("customer" not in t for t in texts)


def test_a_team_missing_two_circles_hears_about_both_in_one_round() -> None:
    nudges = nudges_for(Region.RESEARCH_ONLY, rotation=5, count=2)

    assert {n.circle for n in nudges} == {Circle.HOW, Circle.DELIVER}


def test_outside_opens_with_one_customer_conversation() -> None:
    nudges = nudges_for(Region.OUTSIDE, rotation=0, count=2)

    assert nudges[0] == Nudge(
        "Start with one customer conversation this week: ask what they struggle with, and listen."
    )
    assert nudges[1].circle in set(CIRCLES)


def test_support_and_finance_are_customers_too() -> None:
    texts = {
        n.text
        for rotation in range(4)
        for n in nudges_for(Region.DEVOPS, rotation=rotation, count=ALL)
        if n.circle is Circle.WHAT
    }

    assert any(t.startswith("Support and finance are customers too") for t in texts)


def test_zero_or_negative_count_gives_no_nudges() -> None:
    assert nudges_for(Region.DEVOPS, rotation=1, count=0) == []
    assert nudges_for(None, rotation=1, count=-1) == []


def test_no_nudge_text_is_shared_between_circles_or_regions() -> None:
    by_text: dict[str, set[Circle | None]] = {}
    for region in REGIONS_AND_NONE:
        for n in nudges_for(region, rotation=0, count=ALL):
            by_text.setdefault(n.text, set()).add(n.circle)

    assert all(len(circles) == 1 for circles in by_text.values())
