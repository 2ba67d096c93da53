"""The alt text of every picture: what screen readers say."""

from __future__ import annotations

from bot.domain.regions import Region
from bot.pictures.alt_text import (
    ALT_TEXT_LIMIT,
    NAMES_PER_REGION,
    alt_text_org,
    alt_text_team,
    alt_text_trend,
)
from tests.bot.pictures.helpers import THOUSAND_COUNTS, TREND, expected_moves, thousand_teams


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
    # Thirty teams (still named one by one) with long names overrun Slack's limit: cut there.
    long_names = [(f"team {i} " + "x" * 90, None) for i in range(30)]
    assert len(alt_text_org(teams=long_names, title="x")) == ALT_TEXT_LIMIT


def test_a_large_org_alt_text_gives_every_count_and_how_teams_moved() -> None:
    teams = thousand_teams()
    text = alt_text_org(teams=teams, title="All teams (1000)")
    assert len(text) <= ALT_TEXT_LIMIT
    assert text.startswith("All teams (1000): map of 1000 teams on the Venn diagram, counted by")
    moves = expected_moves(teams)
    for region, count in THOUSAND_COUNTS.items():
        label = region.label if region else "Not enough answers"
        toward, away = moves[region]
        said = [f"{toward} moved toward the center"] if toward else []
        said += [f"{away} moved away"] if away else []
        if count <= NAMES_PER_REGION:
            said.append(", ".join(n for n, r, _ in teams if r is region))
        assert f"{label}: {count} teams" + (f" ({'; '.join(said)})." if said else ".") in text
    compared = sum(1 for _, now, before in teams if now is not None and before is not None)
    toward = sum(t for t, _ in moves.values())
    away = sum(a for _, a in moves.values())
    assert (
        f"Since the previous round, {toward} teams moved toward the center, {away} moved away "
        f"and {compared - toward - away} held their distance"
    ) in text
    assert "team 0500" not in text  # a crowded region is counted, not listed


def test_a_small_org_alt_text_adds_how_teams_moved_when_it_is_known() -> None:
    teams = [("a", Region.CENTER, Region.DEVOPS), ("b", Region.OUTSIDE, Region.CENTER)]
    assert alt_text_org(teams=teams, title="Acme") == (
        "Acme: map of 2 teams on the Venn diagram. Center: a. Outside: b. Since the previous "
        "round, 1 team moved toward the center, 1 moved away and 0 held their distance."
    )
