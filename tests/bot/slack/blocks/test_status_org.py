"""`/sdo status all` of a large organisation: counts per region and who moved, before the list."""

from __future__ import annotations

from bot.domain.regions import Region
from bot.domain.views import TeamStatus
from bot.slack.blocks.status import org_status_message
from tests.support.views import placed, team, team_status, unplaced


def organisation(count: int) -> list[TeamStatus]:
    """A tenth came to the Center from DevOps, a tenth fell Outside from Marketing, a tenth
    have not enough answers, the rest sit steady in Delivery only."""
    statuses = []
    for i in range(count):
        kind = i % 10
        if kind == 0:
            round_ = placed(Region.CENTER, team_id=i + 1)
            history = [Region.DEVOPS, Region.CENTER]
        elif kind == 1:
            round_ = placed(Region.OUTSIDE, team_id=i + 1)
            history = [Region.MARKETING, Region.OUTSIDE]
        elif kind == 2:
            round_, history = unplaced(), [Region.CENTER, None]
        else:
            round_ = placed(Region.DELIVERY_ONLY, team_id=i + 1)
            history = [Region.DELIVERY_ONLY] * 2
        statuses.append(
            team_status(team(f"team-{i:04d}", team_id=i + 1), last_closed=round_, history=history)
        )
    return statuses


def test_a_thousand_teams_are_counted_by_region_before_they_are_listed() -> None:
    message = org_status_message(organisation(1000))
    blocks = message["blocks"]
    assert blocks[0]["text"]["text"] == "All teams (1000)"
    counts = blocks[1]["text"]["text"]
    assert counts.splitlines() == [
        "*Teams by region*",
        ":dart: Center: *100*  ↗ 100",
        ":rocket: DevOps: *0*",
        ":test_tube: Feasibility practice: *0*",
        ":loudspeaker: Marketing: *0*",
        ":books: Research only: *0*",
        ":gear: Engineering only: *0*",
        ":truck: Delivery only: *700*",
        ":door: Outside: *100*  ↘ 100",
        ":hourglass_flowing_sand: Not enough answers: *100*",
        "Since the previous round: ↗ 100 moved toward the center · ↘ 100 moved away · "
        "700 held their distance",
    ]
    assert "#team-" not in counts  # counts, not names
    assert len(blocks) <= 50  # the list still follows, cut to Slack's limits and counted
    assert "#team-0000" in blocks[2]["text"]["text"]


def test_a_small_organisation_gets_its_list_only() -> None:
    message = org_status_message(organisation(30))
    assert "Teams by region" not in str(message)
    assert "Teams by region" in str(org_status_message(organisation(31)))
