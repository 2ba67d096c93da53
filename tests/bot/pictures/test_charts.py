"""The Venn pictures, checked pixel by pixel on the decoded PNGs."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from itertools import combinations

import pytest
from PIL import Image

from bot.domain.circles import CIRCLES, Circle
from bot.domain.regions import Region
from bot.pictures import charts
from bot.pictures.charts import (
    HIGHLIGHT,
    ORG_DOT,
    VennGeometry,
    alt_text_org,
    alt_text_team,
    alt_text_trend,
    circle_label_lines,
    layout_org_map,
    render_org_map_with_layout,
    render_team,
    render_trend,
)

GEOMETRY = VennGeometry()
OTHER_SCALE = 1

# Thirty-two teams with names of every length, four per region, and two without a region.
ORG_TEAMS: tuple[tuple[str, Region | None], ...] = (
    *(
        (name, region)
        for index, region in enumerate(Region)
        for name in (
            f"payments-{index}",
            f"Search & Discovery {index}",
            f"ops{index}",
            f"mobile guild {index}",
        )
    ),
    ("ghosts", None),
    ("late crew", None),
)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return (value[0], value[1], value[2])


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    found = image.getcolors(maxcolors=1 << 16)
    assert found is not None
    return {colour for _, colour in found}  # type: ignore[misc]


def count_pixels(image: Image.Image, wanted: Callable[[tuple[int, int, int]], bool]) -> int:
    found = image.getcolors(maxcolors=1 << 16)
    assert found is not None
    return sum(count for count, colour in found if wanted(colour))  # type: ignore[arg-type,misc]


def frame_grid(geometry: VennGeometry, step: int) -> Iterator[tuple[int, int]]:
    left, top, right, bottom = geometry.frame
    for y in range(top, bottom, step):
        for x in range(left, right, step):
            yield x, y


def saturation(colour: tuple[int, int, int]) -> int:
    return max(colour) - min(colour)


@pytest.fixture(scope="module")
def team_pictures() -> dict[Region | None, Image.Image]:
    return {
        region: decode(
            render_team(region=region, team_name="payments", round_label="Round of 5 March")
        )
        for region in (*Region, None)
    }


# --- Geometry --------------------------------------------------------------------------------


def test_picture_sizes_are_the_documented_constants_times_the_scale() -> None:
    assert (GEOMETRY.width, GEOMETRY.height) == (1600, 1080)
    small = VennGeometry(scale=OTHER_SCALE)
    assert (small.width, small.height) == (charts.LOGICAL_WIDTH, charts.LOGICAL_HEIGHT)


@pytest.mark.parametrize("scale", [0, charts.MAX_SCALE + 1])
def test_a_scale_out_of_range_is_refused(scale: int) -> None:
    with pytest.raises(ValueError, match="scale must be between 1 and"):
        render_team(region=Region.CENTER, team_name="t", round_label="r", scale=scale)


def test_region_masks_agree_with_the_circles_away_from_their_edges() -> None:
    # A pixel belongs to a region iff it is inside exactly that region's circles.
    checked = 0
    for x, y in frame_grid(GEOMETRY, step=13):
        distances = {
            circle: math.dist((x + 0.5, y + 0.5), GEOMETRY.circle_centre(circle))
            for circle in CIRCLES
        }
        radius = charts.CIRCLE_RADIUS * GEOMETRY.scale
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


@pytest.mark.parametrize("scale", [OTHER_SCALE, charts.DEFAULT_SCALE])
@pytest.mark.parametrize("region", list(Region))
def test_each_anchor_is_well_inside_its_region(region: Region, scale: int) -> None:
    geometry = VennGeometry(scale=scale)
    ax, ay = geometry.anchor(region)
    reach = 12 * scale
    for dx in range(-reach, reach + 1, scale):
        for dy in range(-reach, reach + 1, scale):
            if dx * dx + dy * dy <= reach * reach:
                assert geometry.region_at(ax + dx, ay + dy) is region, (dx, dy)


@pytest.mark.parametrize("circle", list(Circle))
def test_circle_labels_are_the_circle_labels_exactly(circle: Circle) -> None:
    assert " ".join(circle_label_lines(circle)) == circle.info.label
    assert circle_label_lines(Circle.WHAT) == ("What to build —", "customers validate ideas")


# --- Team picture ------------------------------------------------------------------------------


def test_team_picture_is_a_png_of_the_geometry_size(
    team_pictures: dict[Region | None, Image.Image],
) -> None:
    for image in team_pictures.values():
        assert image.size == (GEOMETRY.width, GEOMETRY.height)
    small = decode(
        render_team(region=Region.DEVOPS, team_name="t", round_label="r", scale=OTHER_SCALE)
    )
    assert small.size == (charts.LOGICAL_WIDTH, charts.LOGICAL_HEIGHT)
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
        tuple(round(v * GEOMETRY.scale) for v in spot.box)
        for spot in charts.CIRCLE_LABEL_SPOTS.values()
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


# --- Trend picture ----------------------------------------------------------------------------

TREND = (Region.OUTSIDE, None, Region.DELIVERY_ONLY, Region.DEVOPS, Region.CENTER)


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
    assert not any(colour in colours(image) for colour in charts.TREND_RAMP)


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


# --- Organisation map ---------------------------------------------------------------------------


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


def test_org_map_labels_are_drawn_in_their_boxes() -> None:
    png, layout = render_org_map_with_layout(teams=ORG_TEAMS[:8], title="Acme")
    image = decode(png)
    for team in layout.teams:
        label = image.crop(team.label_box)
        assert count_pixels(label, lambda colour: sum(colour) < 250) > 20, team.name


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


def test_org_alt_text_lists_every_team_by_region() -> None:
    teams = [("b", Region.CENTER), ("a", Region.CENTER), ("z", Region.OUTSIDE), ("q", None)]
    assert alt_text_org(teams=teams, title="Acme") == (
        "Acme: map of 4 teams on the Venn diagram. Center: a, b. Outside: z. Not enough answers: q."
    )
    assert len(alt_text_org(teams=[(f"team {i}", None) for i in range(500)], title="x")) == (
        charts.ALT_TEXT_LIMIT
    )


# --- Purity -------------------------------------------------------------------------------------


def test_the_charts_module_imports_no_slack_http_or_storage() -> None:
    code = (
        "import sys, bot.pictures.charts; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'slack_sdk', 'slack_bolt', 'aiohttp', 'storage', 'sqlalchemy', 'sqlmodel'}]; "
        "print(','.join(sorted(bad)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
