"""The counts view of the org map at 1,000 teams: the right numbers, nothing over a line."""

from __future__ import annotations

import math
from itertools import combinations

import pytest

from bot.domain.org import org_teams
from bot.domain.regions import Region
from bot.domain.trends import Direction
from bot.pictures.canvas import CIRCLE_COLOURS, INK
from bot.pictures.geometry import (
    CIRCLE_CENTRES,
    CIRCLE_LABEL_SPOTS,
    CIRCLE_OUTLINE,
    CIRCLE_RADIUS,
    FRAME_BOX,
    distance_to_box,
    px_box,
)
from bot.pictures.org_counts import MOVE_SIZE, CountsPlan, plan_counts
from bot.pictures.org_map import render_counts_map
from tests.bot.pictures.helpers import (
    GEOMETRY,
    THOUSAND_COUNTS,
    count_pixels,
    decode,
    expected_moves,
    thousand_teams,
)


@pytest.fixture(scope="module")
def plan() -> CountsPlan:
    return plan_counts(teams=org_teams(thousand_teams()))


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_every_region_shows_its_count_and_how_its_teams_moved(plan: CountsPlan) -> None:
    moves = expected_moves(thousand_teams())
    for region in Region:
        drawn = plan.region(region)
        assert drawn.count_text.text == str(THOUSAND_COUNTS[region]), region
        assert drawn.count_text in drawn.texts
        toward, away = moves.get(region, (0, 0))
        wanted = [(d, str(n)) for d, n in ((Direction.TOWARD, toward), (Direction.AWAY, away)) if n]
        numbers = [t.text for t in drawn.texts if t.size == MOVE_SIZE]
        assert [(m.direction, n) for m, n in zip(drawn.markers, numbers, strict=True)] == wanted
    assert sum(int(plan.region(r).count_text.text) for r in Region) == 960
    footer = [t.text for t in plan.footer]
    toward = sum(t for t, _ in moves.values())
    away = sum(a for _, a in moves.values())
    assert f"{toward} moved toward the center" in footer
    assert f"{away} moved away" in footer
    assert "Not enough answers: 40 teams" in footer


def test_names_are_written_only_where_all_of_a_region_fit(plan: CountsPlan) -> None:
    research = plan.region(Region.RESEARCH_ONLY)
    assert research.names == ("team 0307", "team 0308", "team 0309", "team 0310")
    assert [t.text for t in research.texts if t.text.startswith("team")] == list(research.names)
    for region in Region:
        if region is not Region.RESEARCH_ONLY:
            assert plan.region(region).names == (), region
    assert not any(t.text.startswith("team") for t in plan.footer)  # 40 names do not fit a line


def test_no_box_overlaps_another_or_crosses_a_circle_line(plan: CountsPlan) -> None:
    for a, b in combinations(plan.boxes, 2):
        assert not overlaps(a, b), (a, b)
    scale = plan.scale
    for drawn in plan.regions:
        assert drawn.in_region
        region = drawn.count.region
        assert region is not None
        for box in drawn.boxes:
            logical = (box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale)
            corners = [(x, y) for x in (logical[0], logical[2]) for y in (logical[1], logical[3])]
            for centre in CIRCLE_CENTRES.values():
                # The outline covers radii R - width .. R: the box is wholly inside or outside.
                near = distance_to_box(centre, logical)
                far = max(math.dist(c, centre) for c in corners)
                assert far < CIRCLE_RADIUS - CIRCLE_OUTLINE or near > CIRCLE_RADIUS, box
            middle = ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)
            assert GEOMETRY.region_at(*middle) is region, (region, box)
            assert FRAME_BOX[0] < logical[0] < logical[2] < FRAME_BOX[2]
            assert FRAME_BOX[1] < logical[1] < logical[3] < FRAME_BOX[3]
            for spot in CIRCLE_LABEL_SPOTS.values():
                assert not overlaps(box, px_box(spot.box, scale)), (box, spot)


def test_the_map_is_drawn_from_its_plan_and_no_outline_shows_through(plan: CountsPlan) -> None:
    image = decode(render_counts_map(plan=plan, title="Acme"))
    assert image.size == (plan.width, plan.height) == (GEOMETRY.width, GEOMETRY.height)
    outline = set(CIRCLE_COLOURS.values())
    for drawn in plan.regions:
        number = image.crop(drawn.count_text.box)
        assert count_pixels(number, lambda colour: colour == INK) > 50, drawn.count.region
        for box in drawn.boxes:
            assert count_pixels(image.crop(box), lambda colour: colour in outline) == 0, box


def test_a_region_without_teams_says_zero_and_unplaced_teams_are_named_when_they_fit() -> None:
    teams = org_teams(
        [(f"team {i}", Region.OUTSIDE) for i in range(40)] + [("ghosts", None), ("late", None)]
    )
    plan = plan_counts(teams=teams)
    assert plan.region(Region.CENTER).count_text.text == "0"
    assert plan.region(Region.CENTER).markers == ()
    assert plan.region(Region.OUTSIDE).count_text.text == "40"
    assert "Not enough answers: 2 teams (ghosts, late)" in [t.text for t in plan.footer]
    # Nothing to compare: every team moved nowhere.
    assert "0 moved toward the center" in [t.text for t in plan.footer]
