"""The alt text of every picture: what screen readers say."""

from __future__ import annotations

from bot.domain.regions import Region
from bot.pictures.alt_text import ALT_TEXT_LIMIT, alt_text_org, alt_text_team, alt_text_trend
from tests.bot.pictures.helpers import TREND


def test_team_alt_text_names_the_region_in_words() -> None:
    assert alt_text_team(
        region=Region.FEASIBILITY, team_name="payments", round_label="round of 5 March"
    ) == (
        "Venn diagram for payments, round of 5 March: the team is in the region Feasibility "
        "practice (inside What to build and How to build, outside How to deliver). Shows what "
        "is feasible, but it never sees the light of day."
    )
    assert "inside all three circles" in alt_text_team(
        region=Region.CENTER, team_name="t", round_label="r"
    )
    assert alt_text_team(region=None, team_name="t", round_label="r") == (
        "Venn diagram for t, r: Not enough answers. Too few members answered this round to "
        "place the team: no region is guessed."
    )


def test_trend_alt_text_gives_the_path_direction_and_skipped_rounds() -> None:
    assert alt_text_trend(regions=TREND, team_name="payments") == (
        "Trend of payments over the last 5 rounds, oldest first: Outside → Not enough answers "
        "→ Delivery only → DevOps → Center. The team is moving toward the center. 1 round had "
        "too few answers."
    )
    assert alt_text_trend(regions=(Region.DEVOPS,), team_name="x") == (
        "Trend of x over the last 1 round, oldest first: DevOps."
    )
    assert alt_text_trend(regions=(), team_name="x") == "Trend of x: no rounds yet."


def test_org_alt_text_lists_every_team_by_region() -> None:
    teams = [("b", Region.CENTER), ("a", Region.CENTER), ("z", Region.OUTSIDE), ("q", None)]
    assert alt_text_org(teams=teams, title="Acme") == (
        "Acme: map of 4 teams on the Venn diagram. Center: a, b. Outside: z. Not enough answers: q."
    )
    assert len(alt_text_org(teams=[(f"team {i}", None) for i in range(500)], title="x")) == (
        ALT_TEXT_LIMIT
    )
