"""An organisation at a glance: teams counted by region and by how they moved."""

from __future__ import annotations

from bot.domain.org import (
    OrgTeam,
    count_org,
    count_statuses,
    movement,
    movement_sentence,
    org_teams,
    previous_region,
)
from bot.domain.regions import Region
from bot.domain.trends import Direction
from tests.support.views import placed, team, team_status, unplaced

CENTER, DEVOPS, MARKETING = Region.CENTER, Region.DEVOPS, Region.MARKETING
RESEARCH, OUTSIDE = Region.RESEARCH_ONLY, Region.OUTSIDE

# (region now, region before) and how the team moved.
CONSTRUCTED = (
    ((CENTER, DEVOPS), Direction.TOWARD),
    ((CENTER, OUTSIDE), Direction.TOWARD),
    ((DEVOPS, RESEARCH), Direction.TOWARD),
    ((OUTSIDE, RESEARCH), Direction.AWAY),
    ((MARKETING, DEVOPS), Direction.STEADY),  # another region, as far from the center
    ((CENTER, CENTER), Direction.STEADY),
    ((CENTER, None), Direction.UNKNOWN),  # no placed round before
    ((None, CENTER), Direction.UNKNOWN),  # not enough answers now
)


def test_movement_compares_the_number_of_circles() -> None:
    for (now, before), direction in CONSTRUCTED:
        assert movement(before=before, now=now) is direction, (now, before)


def test_counts_by_region_and_movement_for_a_constructed_organisation() -> None:
    counts = count_org(pair for pair, _ in CONSTRUCTED)
    assert counts.teams == 8
    assert (counts.toward, counts.away, counts.steady, counts.compared) == (3, 1, 2, 6)
    center = counts.of(CENTER)
    assert (center.teams, center.toward, center.away, center.steady) == (4, 2, 0, 1)
    assert (counts.of(DEVOPS).teams, counts.of(DEVOPS).toward) == (1, 1)
    assert (counts.of(OUTSIDE).teams, counts.of(OUTSIDE).away) == (1, 1)
    assert counts.of(None).teams == 1
    assert counts.of(None).label == "Not enough answers"
    # Every region is there, zeros included, Center first and "Not enough answers" last.
    assert [r.region for r in counts.regions] == [*Region, None]
    assert counts.of(Region.DELIVERY_ONLY).teams == 0
    assert movement_sentence(counts) == (
        "Since the previous round: 3 teams moved toward the center, 1 moved away, "
        "2 held their distance (2 cannot be compared: a first round or not enough answers)."
    )


def test_pairs_and_triples_both_make_org_teams() -> None:
    assert org_teams([("a", CENTER), ("b", None, DEVOPS)]) == [
        OrgTeam("a", CENTER, None),
        OrgTeam("b", None, DEVOPS),
    ]


def test_the_previous_region_is_the_round_before_the_headline() -> None:
    # Judged by its last closed round: the closed round before that one.
    closed = team_status(last_closed=placed(CENTER, number=3), history=[OUTSIDE, DEVOPS, CENTER])
    assert previous_region(closed) is DEVOPS
    # Judged by its open round, placed so far: the last closed round.
    open_now = team_status(
        current=placed(DEVOPS, number=4, closed=False),
        last_closed=placed(MARKETING, number=3),
        history=[OUTSIDE, MARKETING],
    )
    assert previous_region(open_now) is MARKETING
    # An open round without enough answers yet: judged by the last closed round, as status is.
    open_unplaced = team_status(
        current=unplaced(number=4, closed=False),
        last_closed=placed(DEVOPS, number=3),
        history=[RESEARCH, DEVOPS],
    )
    assert previous_region(open_unplaced) is RESEARCH
    first = team_status(last_closed=placed(CENTER), history=[CENTER])
    assert previous_region(first) is None
    assert previous_region(team_status()) is None
    counts = count_statuses([closed, open_now, open_unplaced, first, team_status(team("new"))])
    assert (counts.toward, counts.away, counts.steady) == (2, 0, 1)
    assert counts.of(None).teams == 1  # the team without any round
