"""The trend picture, checked pixel by pixel on the decoded PNG."""

from __future__ import annotations

from PIL import Image

from bot.domain.regions import Region
from bot.pictures.canvas import HIGHLIGHT, TREND_RAMP
from bot.pictures.trend import render_trend
from tests.bot.pictures.helpers import GEOMETRY, TREND, colours, decode, pixel, saturation


def test_trend_draws_a_dot_at_each_placed_rounds_anchor_from_pale_to_strong(
    team_pictures: dict[Region | None, Image.Image],
) -> None:
    image = decode(render_trend(regions=TREND, team_name="payments"))
    plain = team_pictures[None]
    assert image.size == (GEOMETRY.width, GEOMETRY.height)
    dots = [pixel(image, GEOMETRY.anchor(r)) for r in TREND if r is not None]
    for region, dot in zip([r for r in TREND if r is not None], dots, strict=True):
        assert dot != pixel(plain, GEOMETRY.anchor(region)), region
    assert dots[-1] == HIGHLIGHT  # the newest is full strength
    strengths = [saturation(dot) for dot in dots]
    assert strengths == sorted(strengths)
    assert strengths[0] < strengths[-1]
    # Regions the team never visited have no dot.
    for region in (Region.FEASIBILITY, Region.MARKETING, Region.RESEARCH_ONLY):
        assert pixel(image, GEOMETRY.anchor(region)) == pixel(plain, GEOMETRY.anchor(region))


def test_a_trend_without_any_region_draws_no_dot(
    team_pictures: dict[Region | None, Image.Image],
) -> None:
    image = decode(render_trend(regions=(None, None), team_name="payments"))
    plain = team_pictures[None]
    for region in Region:
        assert pixel(image, GEOMETRY.anchor(region)) == pixel(plain, GEOMETRY.anchor(region))
    assert not any(colour in colours(image) for colour in TREND_RAMP)
