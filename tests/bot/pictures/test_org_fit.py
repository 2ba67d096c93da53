"""Where a block fits: inside its region, clear of every circle line and label paper."""

from __future__ import annotations

from bot.domain.regions import Region
from bot.pictures.geometry import CIRCLE_CENTRES, CIRCLE_LABEL_SPOTS, CIRCLE_RADIUS
from bot.pictures.org_fit import fits, place
from tests.bot.pictures.helpers import GEOMETRY


def test_a_box_fits_only_clear_of_the_lines_of_its_own_region() -> None:
    x, y = GEOMETRY.anchor(Region.CENTER)
    centre = (x / 2 - 10, y / 2 - 5, x / 2 + 10, y / 2 + 5)  # logical points
    assert fits(centre, Region.CENTER)
    assert not fits(centre, Region.DEVOPS)
    # A box on a circle's outline (its leftmost point) fits neither side of it.
    cx, cy = next(iter(CIRCLE_CENTRES.values()))
    on_line = (cx - CIRCLE_RADIUS - 5, cy - 5, cx - CIRCLE_RADIUS + 5, cy + 5)
    assert not fits(on_line, Region.OUTSIDE)
    assert not fits(on_line, Region.RESEARCH_ONLY)
    # Nor over a circle's label paper, which lies in Outside.
    paper = next(iter(CIRCLE_LABEL_SPOTS.values())).box
    assert not fits((paper[0] + 5, paper[1] + 5, paper[0] + 25, paper[1] + 15), Region.OUTSIDE)


def test_a_block_is_placed_near_the_anchor_or_nowhere() -> None:
    small = [(-20, -10, 20, 10)]
    assert place(small, Region.CENTER, 2) == GEOMETRY.anchor(Region.CENTER)
    assert place([(-200, -20, 200, 20)], Region.CENTER, 2) is None
