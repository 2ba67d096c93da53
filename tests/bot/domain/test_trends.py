"""Trends over the last rounds: toward, away, steady or unknown (SPEC §2)."""

from __future__ import annotations

import pytest

from bot.domain.regions import Region
from bot.domain.trends import Direction, trend_of

CENTER, DEVOPS, MARKETING = Region.CENTER, Region.DEVOPS, Region.MARKETING
RESEARCH, OUTSIDE = Region.RESEARCH_ONLY, Region.OUTSIDE


@pytest.mark.parametrize(
    ("history", "direction"),
    [
        ([OUTSIDE, DEVOPS, CENTER], Direction.TOWARD),
        ([RESEARCH, MARKETING], Direction.TOWARD),
        ([CENTER, MARKETING], Direction.AWAY),
        ([DEVOPS, DEVOPS, OUTSIDE], Direction.AWAY),
        ([DEVOPS, MARKETING], Direction.STEADY),
        ([CENTER, CENTER, CENTER, CENTER], Direction.STEADY),
        # The newest round is compared with the mean of the earlier ones: 2 > (3 + 0 + 0) / 3.
        ([CENTER, OUTSIDE, OUTSIDE, DEVOPS], Direction.TOWARD),
        # 2 < (3 + 3 + 1) / 3, although the step from the previous round is upward.
        ([CENTER, CENTER, RESEARCH, DEVOPS], Direction.AWAY),
        ([CENTER, CENTER, OUTSIDE, DEVOPS], Direction.STEADY),
        ([], Direction.UNKNOWN),
        ([CENTER], Direction.UNKNOWN),
        ([None, None], Direction.UNKNOWN),
        ([None, CENTER, None], Direction.UNKNOWN),
    ],
)
def test_direction(history: list[Region | None], direction: Direction) -> None:
    assert trend_of(history).direction is direction


def test_rounds_without_a_region_are_shown_but_do_not_decide() -> None:
    trend = trend_of([OUTSIDE, None, CENTER, None])

    assert trend.direction is Direction.TOWARD
    assert trend.regions == (OUTSIDE, None, CENTER, None)
    assert trend.path == "Outside → Not enough answers → Center → Not enough answers"


def test_only_the_window_counts() -> None:
    # The old Outside rounds fall out of a window of three, leaving Center → Center → Center.
    trend = trend_of([OUTSIDE, OUTSIDE, CENTER, CENTER, CENTER], window=3)

    assert trend.regions == (CENTER, CENTER, CENTER)
    assert trend.direction is Direction.STEADY
    assert trend.path == "Center → Center → Center"


def test_default_window_is_four_rounds() -> None:
    trend = trend_of([CENTER, OUTSIDE, RESEARCH, DEVOPS, MARKETING])

    assert trend.path == "Outside → Research only → DevOps → Marketing"


def test_an_empty_window_is_unknown() -> None:
    trend = trend_of([OUTSIDE, CENTER], window=0)

    assert trend.regions == ()
    assert trend.direction is Direction.UNKNOWN
    assert trend.path == ""


def test_direction_labels() -> None:
    assert [d.label for d in Direction] == [
        "moving toward the center",
        "moving away from the center",
        "steady",
        "not enough rounds yet",
    ]
    assert len({d.arrow for d in Direction}) == 4
