"""The organisation map's layout: every team a dot in its region, no label over another.

Pure placement, in pixels at a scale: the picture is drawn from it by ``bot.pictures.org_map``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from PIL import ImageFont

from bot.domain.regions import NOT_ENOUGH_ANSWERS, Region, region_for
from bot.pictures.canvas import DETAIL_FONT_SIZE, scaled_font, shorten, wrap
from bot.pictures.geometry import (
    CIRCLE_CENTRES,
    CIRCLE_LABEL_SPOTS,
    CIRCLE_OUTLINE,
    CIRCLE_RADIUS,
    DEFAULT_SCALE,
    FRAME_BOX,
    LOGICAL_HEIGHT,
    LOGICAL_WIDTH,
    MARGIN,
    MAX_SCALE,
    Box,
    LogicalBox,
    Pixel,
    Point,
    VennGeometry,
    check_scale,
    circles_at,
    clearance,
    distance_to_box,
    inside_box,
    logical_anchors,
    px,
    px_box,
)

# Sizes, in logical points (multiply by ``scale`` for pixels).
ORG_DOT_RADIUS = 5.0
ORG_GRID_STEP = 6.0
ORG_LABEL_GAP = 4.0
ORG_PADDING = 2.0  # free space kept around every dot and label
ORG_NAME_MAX_WIDTH = 150.0
TEAM_FONT_SIZE = 13
FOOTER_LINE_HEIGHT = 22.0


@dataclass(frozen=True, slots=True)
class PlacedTeam:
    """A team drawn on the map: a dot in its region and a label beside it (pixels)."""

    name: str
    region: Region
    centre: Pixel
    dot_radius: int
    label: str  # the text drawn, ``name`` shortened if too long
    label_box: Box
    label_origin: Pixel  # where the text is drawn, with Pillow text anchor ``label_anchor``
    label_anchor: str
    label_in_region: bool  # False when the region had no room and the label spills over its edge


@dataclass(frozen=True, slots=True)
class OverflowLabel:
    """The "+N more" label of a region that has no room left for ``names``."""

    region: Region
    names: tuple[str, ...]
    text: str
    box: Box


@dataclass(frozen=True, slots=True)
class OrgLayout:
    """Where everything on the organisation map goes, in pixels at ``scale``."""

    scale: int
    width: int
    height: int
    teams: tuple[PlacedTeam, ...]
    overflows: tuple[OverflowLabel, ...]
    not_enough_answers: tuple[str, ...]
    footer_lines: tuple[str, ...]

    @property
    def label_boxes(self) -> tuple[Box, ...]:
        """Every label's box: teams' and "+N more"."""
        return tuple(t.label_box for t in self.teams) + tuple(o.box for o in self.overflows)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _box_in_region(box: Box, region: Region, scale: int) -> bool:
    """Whether the whole of ``box`` (pixels) lies in ``region``, tested on the exact circles."""
    logical = (box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale)
    if not all(inside_box(corner, FRAME_BOX) for corner in _corners(logical)):
        return False
    for circle, centre in CIRCLE_CENTRES.items():
        if circle in region.circles:
            # A disc is convex: the box is inside it iff all four corners are.
            if any(math.dist(c, centre) > CIRCLE_RADIUS for c in _corners(logical)):
                return False
        elif distance_to_box(centre, logical) < CIRCLE_RADIUS:
            return False
    return True


def _corners(box: LogicalBox) -> tuple[Point, Point, Point, Point]:
    return ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3]))


@lru_cache(maxsize=MAX_SCALE)
def _dot_spots(scale: int) -> Mapping[Region, tuple[Pixel, ...]]:
    """Grid points (pixels) where a dot fits in each region, nearest the region's anchor first."""
    room = ORG_DOT_RADIUS + ORG_PADDING + CIRCLE_OUTLINE
    left, top, right, bottom = FRAME_BOX
    spots: dict[Region, list[Point]] = {region: [] for region in Region}
    y = top + room
    while y <= bottom - room:
        x = left + room
        while x <= right - room:
            if clearance((x, y)) >= room:
                spots[region_for(circles_at((x, y)))].append((x, y))
            x += ORG_GRID_STEP
        y += ORG_GRID_STEP
    anchors = logical_anchors()
    return MappingProxyType(
        {
            region: tuple(
                (px(x, scale), px(y, scale))
                for x, y in sorted(points, key=lambda p: math.dist(p, anchors[region]))
            )
            for region, points in spots.items()
        }
    )


@dataclass(frozen=True, slots=True)
class _Spot:
    centre: Pixel | None
    text_origin: Pixel
    anchor: str
    box: Box
    in_region: bool


class _OrgPlacer:
    """Places dots and labels one at a time, refusing any that would overlap what is placed."""

    def __init__(self, *, scale: int) -> None:
        self.scale = scale
        self.font = scaled_font(TEAM_FONT_SIZE, scale)
        self.more_font = scaled_font(TEAM_FONT_SIZE, scale, bold=True)
        self.frame = px_box(FRAME_BOX, scale)
        self.pad = px(ORG_PADDING, scale)
        self.dot_radius = px(ORG_DOT_RADIUS, scale)
        self.taken: list[Box] = [px_box(spot.box, scale) for spot in CIRCLE_LABEL_SPOTS.values()]

    def is_free(self, box: Box) -> bool:
        # Wider gaps sideways than between rows, so a label never sits against another's dot.
        grown = (box[0] - 3 * self.pad, box[1] - self.pad, box[2] + 3 * self.pad, box[3] + self.pad)
        inside = (
            grown[0] >= self.frame[0]
            and grown[1] >= self.frame[1]
            and grown[2] <= self.frame[2]
            and grown[3] <= self.frame[3]
        )
        return inside and not any(_overlaps(grown, taken) for taken in self.taken)

    @staticmethod
    def label_extent(text: str, anchor: str, font: ImageFont.FreeTypeFont) -> Box:
        """The box of ``text`` drawn at (0, 0): its ink, at least a full line high."""
        left, top, right, bottom = font.getbbox(text, anchor=anchor)
        _, line_top, _, line_bottom = font.getbbox("Hg", anchor=anchor)
        return (
            math.floor(left),
            math.floor(min(top, line_top)),
            math.ceil(right),
            math.ceil(max(bottom, line_bottom)),
        )

    def dot_box(self, centre: Pixel) -> Box:
        """The box a dot at ``centre`` covers."""
        x, y = centre
        r = self.dot_radius
        return (x - r, y - r, x + r + 1, y + r + 1)

    def find(
        self,
        *,
        text: str,
        region: Region,
        candidates: Sequence[Pixel],
        with_dot: bool,
        font: ImageFont.FreeTypeFont,
    ) -> _Spot | None:
        """The first candidate where the dot (if any) and label fit: in the region, else anywhere.

        Returns:
            The spot, or ``None`` if no candidate has room.
        """
        gap = self.dot_radius + px(ORG_LABEL_GAP, self.scale) if with_dot else 0
        # Measured once: measuring text is the slow part of placing it.
        extents = {anchor: self.label_extent(text, anchor, font) for anchor in ("lm", "rm")}
        for strict in (True, False):
            for x, y in candidates:
                dot = self.dot_box((x, y))
                if with_dot and not self.is_free(dot):
                    continue
                # Only beside the dot: a label above or below reads as another dot's.
                for origin, anchor in (((x + gap, y), "lm"), ((x - gap, y), "rm")):
                    left, top, right, bottom = extents[anchor]
                    ox, oy = origin
                    box = (ox + left, oy + top, ox + right, oy + bottom)
                    if strict and not _box_in_region(box, region, self.scale):
                        continue
                    if self.is_free(box) and not (with_dot and _overlaps(box, dot)):
                        centre = (x, y) if with_dot else None
                        return _Spot(centre, origin, anchor, box, in_region=strict)
        return None

    def _boxes(self, spot: _Spot) -> list[Box]:
        """What ``spot`` covers: its label, and its dot if it has one."""
        return [spot.box] if spot.centre is None else [spot.box, self.dot_box(spot.centre)]

    def take(self, spot: _Spot) -> None:
        self.taken.extend(self._boxes(spot))

    def release(self, spot: _Spot) -> None:
        for box in self._boxes(spot):
            self.taken.remove(box)


# Regions placed first get first pick of shared space: the smallest ones.
_PLACEMENT_ORDER = tuple(sorted(Region, key=lambda r: -r.depth))


def layout_org_map(
    *, teams: Sequence[tuple[str, Region | None]], scale: int = DEFAULT_SCALE
) -> OrgLayout:
    """Place every team as a dot in its region with a label that overlaps no other label.

    Dots go on grid points inside their region's mask, nearest the region's anchor first; a label
    goes right of its dot, else left, inside the region if it can, else anywhere free in the
    frame. When a region has no room left, its remaining teams become one "+N more" label. Teams
    without a region are listed under the diagram.

    Args:
        teams: (team name, region or ``None``) pairs, in any order.
        scale: Pixels per logical point.

    Returns:
        The layout, in pixels.
    """
    check_scale(scale)
    placer = _OrgPlacer(scale=scale)
    spots = _dot_spots(scale)
    by_region: dict[Region, list[str]] = {region: [] for region in Region}
    missing: list[str] = []
    for name, region in teams:
        (missing if region is None else by_region[region]).append(name)
    placed_teams: list[PlacedTeam] = []
    overflows: list[OverflowLabel] = []
    for region in _PLACEMENT_ORDER:
        placed, overflow = _place_region(
            placer,
            region=region,
            names=sorted(by_region[region], key=lambda n: (n.casefold(), n)),
            candidates=spots[region],
        )
        placed_teams.extend(placed)
        if overflow is not None:
            overflows.append(overflow)
    footer_font = scaled_font(DETAIL_FONT_SIZE, scale)
    footer = (
        wrap(
            f"{NOT_ENOUGH_ANSWERS}: {', '.join(missing)}",
            font=footer_font,
            max_width=(LOGICAL_WIDTH - 2 * MARGIN) * scale,
        )
        if missing
        else []
    )
    logical_height = max(
        float(LOGICAL_HEIGHT),
        FRAME_BOX[3] + FOOTER_LINE_HEIGHT * (len(footer) + 1),
    )
    return OrgLayout(
        scale=scale,
        width=LOGICAL_WIDTH * scale,
        height=px(logical_height, scale),
        teams=tuple(placed_teams),
        overflows=tuple(overflows),
        not_enough_answers=tuple(missing),
        footer_lines=tuple(footer),
    )


def _place_region(
    placer: _OrgPlacer, *, region: Region, names: Sequence[str], candidates: Sequence[Pixel]
) -> tuple[list[PlacedTeam], OverflowLabel | None]:
    """Place a region's teams in the order given, until one does not fit.

    Those left over share one "+N more" label; if even that finds no room, the last placed team
    gives its place up to it, and so on.

    Returns:
        The teams placed, and the "+N more" label if there is one.
    """
    name_width = ORG_NAME_MAX_WIDTH * placer.scale
    placed: list[tuple[str, str, _Spot]] = []
    for name in names:
        label = shorten(name, font=placer.font, max_width=name_width)
        spot = placer.find(
            text=label, region=region, candidates=candidates, with_dot=True, font=placer.font
        )
        if spot is None:
            break
        placer.take(spot)
        placed.append((name, label, spot))
    rest = list(names[len(placed) :])
    overflow: OverflowLabel | None = None
    while rest:
        text = f"+{len(rest)} more"
        spot = placer.find(
            text=text,
            region=region,
            candidates=candidates or (_anchor_pixel(region, placer.scale),),
            with_dot=False,
            font=placer.more_font,
        )
        if spot is not None:
            placer.take(spot)
            overflow = OverflowLabel(region, tuple(rest), text, spot.box)
            break
        if not placed:
            break  # cannot happen with the diagram's sizes; the alt text still lists them
        name, _, freed = placed.pop()
        placer.release(freed)
        rest.insert(0, name)
    teams = [
        PlacedTeam(
            name=name,
            region=region,
            centre=spot.centre or spot.text_origin,
            dot_radius=placer.dot_radius,
            label=label,
            label_box=spot.box,
            label_origin=spot.text_origin,
            label_anchor=spot.anchor,
            label_in_region=spot.in_region,
        )
        for name, label, spot in placed
    ]
    return teams, overflow


def _anchor_pixel(region: Region, scale: int) -> Pixel:
    return VennGeometry(scale=scale).anchor(region)
