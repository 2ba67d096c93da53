"""The team picture, checked pixel by pixel on the decoded PNGs."""

from __future__ import annotations

import pytest
from PIL import Image

from bot.domain.regions import Region
from bot.pictures.canvas import HIGHLIGHT
from bot.pictures.geometry import (
    CIRCLE_LABEL_SPOTS,
    LOGICAL_HEIGHT,
    LOGICAL_WIDTH,
    MAX_SCALE,
    VennGeometry,
)
from bot.pictures.team import render_team
from tests.bot.pictures.helpers import (
    GEOMETRY,
    OTHER_SCALE,
    colours,
    count_pixels,
    decode,
    frame_grid,
    pixel,
)


@pytest.mark.parametrize("scale", [0, MAX_SCALE + 1])
def test_a_scale_out_of_range_is_refused(scale: int) -> None:
    with pytest.raises(ValueError, match="scale must be between 1 and"):
        render_team(region=Region.CENTER, team_name="t", round_label="r", scale=scale)


def test_team_picture_is_a_png_of_the_geometry_size(
    team_pictures: dict[Region | None, Image.Image],
) -> None:
    for image in team_pictures.values():
        assert image.size == (GEOMETRY.width, GEOMETRY.height)
    small = decode(
        render_team(region=Region.DEVOPS, team_name="t", round_label="r", scale=OTHER_SCALE)
    )
    assert small.size == (LOGICAL_WIDTH, LOGICAL_HEIGHT)
    assert pixel(small, VennGeometry(scale=OTHER_SCALE).anchor(Region.DEVOPS)) == HIGHLIGHT


@pytest.mark.parametrize("region", list(Region))
def test_team_picture_highlights_its_region_and_no_other(
    region: Region, team_pictures: dict[Region | None, Image.Image]
) -> None:
    image = team_pictures[region]
    assert pixel(image, GEOMETRY.anchor(region)) == HIGHLIGHT
    for other in Region:
        if other is not region:
            assert pixel(image, GEOMETRY.anchor(other)) != HIGHLIGHT, other


@pytest.mark.parametrize("region", list(Region))
def test_the_highlight_fills_the_region_mask_and_stays_inside_it(
    region: Region, team_pictures: dict[Region | None, Image.Image]
) -> None:
    image = team_pictures[region]
    papers = [
        tuple(round(v * GEOMETRY.scale) for v in spot.box) for spot in CIRCLE_LABEL_SPOTS.values()
    ]
    in_region = highlighted = 0
    for x, y in frame_grid(GEOMETRY, step=7):
        if any(p[0] <= x <= p[2] and p[1] <= y <= p[3] for p in papers):
            continue  # under a circle label (its paper has round corners)
        is_highlight = pixel(image, (x, y)) == HIGHLIGHT
        if GEOMETRY.region_at(x, y) is region:
            in_region += 1
            highlighted += is_highlight
        else:
            assert not is_highlight, (x, y, GEOMETRY.region_at(x, y))
    # All of it but the circle outlines, which take a tenth of the narrow regions.
    assert highlighted >= 0.85 * in_region


def test_not_enough_answers_highlights_nothing_and_says_so_in_the_caption(
    team_pictures: dict[Region | None, Image.Image],
) -> None:
    empty = team_pictures[None]
    assert HIGHLIGHT not in colours(empty)
    assert HIGHLIGHT in colours(team_pictures[Region.CENTER])
    caption = empty.crop(GEOMETRY.caption_box)
    # The big "Not enough answers" title is dark ink.
    assert count_pixels(caption, lambda colour: sum(colour) < 200) > 2000
    # The caption is not another region's: it differs from the DevOps picture's caption.
    devops_caption = team_pictures[Region.DEVOPS].crop(GEOMETRY.caption_box)
    assert caption.tobytes() != devops_caption.tobytes()
    # Everything above the caption is the same pale diagram as any picture minus its highlight.
    diagram_box = (0, 0, GEOMETRY.width, GEOMETRY.caption_box[1])
    plain = team_pictures[Region.CENTER].crop(diagram_box)
    assert colours(plain) - {HIGHLIGHT} <= colours(empty.crop(diagram_box))
