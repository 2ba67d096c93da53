"""The diagram's geometry: sizes, region masks and anchors, checked against the exact circles."""

from __future__ import annotations

import math

import pytest

from bot.domain.circles import CIRCLES
from bot.domain.regions import Region
from bot.pictures.geometry import (
    CIRCLE_RADIUS,
    DEFAULT_SCALE,
    LOGICAL_HEIGHT,
    LOGICAL_WIDTH,
    VennGeometry,
)
from tests.bot.pictures.helpers import GEOMETRY, OTHER_SCALE, frame_grid


def test_picture_sizes_are_the_documented_constants_times_the_scale() -> None:
    assert (GEOMETRY.width, GEOMETRY.height) == (1600, 1080)
    small = VennGeometry(scale=OTHER_SCALE)
    assert (small.width, small.height) == (LOGICAL_WIDTH, LOGICAL_HEIGHT)


def test_region_masks_agree_with_the_circles_away_from_their_edges() -> None:
    # A pixel belongs to a region iff it is inside exactly that region's circles.
    checked = 0
    for x, y in frame_grid(GEOMETRY, step=13):
        distances = {
            circle: math.dist((x + 0.5, y + 0.5), GEOMETRY.circle_centre(circle))
            for circle in CIRCLES
        }
        radius = CIRCLE_RADIUS * GEOMETRY.scale
        if any(abs(d - radius) < 3 for d in distances.values()):
            continue  # on an edge, where rasterising may round either way
        inside = {circle for circle, d in distances.items() if d < radius}
        region = GEOMETRY.region_at(x, y)
        assert region is not None
        assert region.circles == inside, (x, y)
        checked += 1
    assert checked > 5000


def test_outside_the_frame_is_no_region() -> None:
    left, top, _, bottom = GEOMETRY.frame
    assert GEOMETRY.region_at(left - 1, top + 5) is None
    assert GEOMETRY.region_at(left + 5, bottom) is None
    assert GEOMETRY.region_at(5, 5) is None
    assert GEOMETRY.region_at(left + 5, bottom - 5) is Region.OUTSIDE


@pytest.mark.parametrize("scale", [OTHER_SCALE, DEFAULT_SCALE])
@pytest.mark.parametrize("region", list(Region))
def test_each_anchor_is_well_inside_its_region(region: Region, scale: int) -> None:
    geometry = VennGeometry(scale=scale)
    ax, ay = geometry.anchor(region)
    reach = 12 * scale
    for dx in range(-reach, reach + 1, scale):
        for dy in range(-reach, reach + 1, scale):
            if dx * dx + dy * dy <= reach * reach:
                assert geometry.region_at(ax + dx, ay + dy) is region, (dx, dy)
