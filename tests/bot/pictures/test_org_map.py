"""The org map picture: dots for a few teams (labels in their boxes, taller for a long footer),
counts for many."""

from __future__ import annotations

from bot.domain.regions import Region
from bot.pictures.org_counts import CountsPlan
from bot.pictures.org_layout import OrgLayout
from bot.pictures.org_map import (
    plan_org_map,
    render_counts_map,
    render_org_map,
    render_org_map_with_layout,
)
from tests.bot.pictures.helpers import GEOMETRY, ORG_TEAMS, count_pixels, decode, thousand_teams


def test_org_map_labels_are_drawn_in_their_boxes() -> None:
    png, layout = render_org_map_with_layout(teams=ORG_TEAMS[:8], title="Acme")
    image = decode(png)
    for team in layout.teams:
        label = image.crop(team.label_box)
        assert count_pixels(label, lambda colour: sum(colour) < 250) > 20, team.name


def test_long_names_are_shortened_and_many_missing_teams_grow_the_picture() -> None:
    long_name = "the platform reliability and developer experience tribe"
    teams = [(long_name, Region.MARKETING)] + [(f"quiet team {i}", None) for i in range(40)]
    png, layout = render_org_map_with_layout(teams=teams, title="Acme")
    (team,) = layout.teams
    assert team.label.endswith("…")
    assert long_name.startswith(team.label[:-1])
    assert len(layout.footer_lines) > 3
    assert layout.height > GEOMETRY.height
    assert decode(png).size == (GEOMETRY.width, layout.height)
    joined = " ".join(layout.footer_lines)
    assert joined.startswith("Not enough answers: quiet team 0, quiet team 1,")
    assert joined.endswith("quiet team 39")


def test_a_few_teams_keep_their_dots_and_names_and_many_get_counts() -> None:
    few = plan_org_map(teams=ORG_TEAMS[:30])
    assert isinstance(few, OrgLayout)
    assert sorted(t.name for t in few.teams) == sorted(n for n, r in ORG_TEAMS[:30] if r)
    assert few.overflows == ()
    # One team more than LARGE_ORG_TEAMS: counts, whatever the room.
    many = plan_org_map(teams=[*ORG_TEAMS[:30], ("one more", Region.CENTER)])
    assert isinstance(many, CountsPlan)
    assert many.region(Region.CENTER).count_text.text == "5"
    # Few teams, but one region too crowded for all its names: counts, not "+N more".
    crowded = plan_org_map(teams=[(f"center team {i:02d}", Region.CENTER) for i in range(30)])
    assert isinstance(crowded, CountsPlan)
    assert crowded.region(Region.CENTER).count_text.text == "30"


def test_render_org_map_draws_the_view_it_plans() -> None:
    png, _ = render_org_map_with_layout(teams=ORG_TEAMS[:8], title="Acme")
    assert render_org_map(teams=ORG_TEAMS[:8], title="Acme") == png  # the dots view, as before
    teams = thousand_teams()
    plan = plan_org_map(teams=teams)
    assert isinstance(plan, CountsPlan)
    assert render_org_map(teams=teams, title="Acme") == render_counts_map(plan=plan, title="Acme")
