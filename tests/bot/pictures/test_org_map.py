"""The org map picture, drawn from its layout: labels in their boxes, taller for a long footer."""

from __future__ import annotations

from bot.domain.regions import Region
from bot.pictures.org_map import render_org_map_with_layout
from tests.bot.pictures.helpers import GEOMETRY, ORG_TEAMS, count_pixels, decode


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
