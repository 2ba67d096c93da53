"""The org map's layout: every team in its region, no label over another, "+N more" when full."""

from __future__ import annotations

import math
from itertools import combinations

from bot.domain.regions import Region
from bot.pictures.canvas import ORG_DOT
from bot.pictures.org_layout import layout_org_map
from bot.pictures.org_map import render_org_map_with_layout
from tests.bot.pictures.helpers import GEOMETRY, ORG_TEAMS, decode, pixel


def assert_no_overlaps(boxes: tuple[tuple[int, int, int, int], ...]) -> None:
    for a, b in combinations(boxes, 2):
        overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
        assert not overlap, (a, b)


def test_org_map_puts_every_team_in_its_region_with_labels_that_do_not_overlap() -> None:
    png, layout = render_org_map_with_layout(teams=ORG_TEAMS, title="Acme")
    image = decode(png)
    assert image.size == (layout.width, layout.height)
    placed = {team.name: team for team in layout.teams}
    assert len(placed) == 32  # all of them fit: nobody is hidden behind "+N more"
    assert layout.overflows == ()
    for name, region in ORG_TEAMS:
        if region is None:
            continue
        team = placed[name]
        assert GEOMETRY.region_at(*team.centre) is region, name
        # The whole dot, not only its centre, lies in the region's mask.
        x, y = team.centre
        reach = team.dot_radius + 1
        for angle in range(0, 360, 30):
            rim = (
                round(x + reach * math.cos(math.radians(angle))),
                round(y + reach * math.sin(math.radians(angle))),
            )
            assert GEOMETRY.region_at(*rim) is region, (name, angle)
        assert pixel(image, team.centre) == ORG_DOT, name
        assert team.label == name
    assert_no_overlaps(layout.label_boxes)
    dot_boxes = tuple(
        (x - t.dot_radius, y - t.dot_radius, x + t.dot_radius + 1, y + t.dot_radius + 1)
        for t in layout.teams
        for x, y in [t.centre]
    )
    assert_no_overlaps(layout.label_boxes + dot_boxes)
    left, top, right, bottom = GEOMETRY.frame
    for box in layout.label_boxes:
        assert left <= box[0], box
        assert box[2] <= right, box
        assert top <= box[1], box
        assert box[3] <= bottom, box
    assert layout.not_enough_answers == ("ghosts", "late crew")
    assert layout.footer_lines == ("Not enough answers: ghosts, late crew",)


def test_a_full_region_ends_with_plus_n_more() -> None:
    teams = [(f"center team {i:02d}", Region.CENTER) for i in range(40)]
    teams.append(("devops team", Region.DEVOPS))
    layout = layout_org_map(teams=teams)
    centre = [t for t in layout.teams if t.region is Region.CENTER]
    (overflow,) = layout.overflows
    assert overflow.region is Region.CENTER
    assert len(centre) + len(overflow.names) == 40
    assert overflow.text == f"+{len(overflow.names)} more"
    # Teams are taken alphabetically: those left over are the last names.
    assert sorted(t.name for t in centre) == [f"center team {i:02d}" for i in range(len(centre))]
    assert overflow.names == tuple(f"center team {i:02d}" for i in range(len(centre), 40))
    assert [t.name for t in layout.teams if t.region is Region.DEVOPS] == ["devops team"]
    assert_no_overlaps(layout.label_boxes)
    for team in layout.teams:
        assert GEOMETRY.region_at(*team.centre) is team.region
