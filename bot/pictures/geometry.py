"""The Venn diagram's geometry: the logical canvas, the circles, region masks and anchors.

Every picture is laid out on a logical canvas of ``LOGICAL_WIDTH`` × ``LOGICAL_HEIGHT`` points
(800 × 540) and drawn at ``scale`` pixels per point; the default ``DEFAULT_SCALE`` = 2 gives
1600 × 1080 pixels (the org map grows taller to list teams without a region), crisp when
opened, with captions big enough to read at Slack's ~360 px thumbnail. Regions are pixel masks:
a pixel belongs to a region iff it is inside exactly that region's circles (Outside: inside the
frame but in no circle). The masks are built once per scale and cached.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from PIL import Image, ImageChops, ImageDraw

from bot.domain.circles import CIRCLES, Circle
from bot.domain.regions import Region, region_for

Point = tuple[float, float]
Pixel = tuple[int, int]
Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels (right/bottom exclusive)
LogicalBox = tuple[float, float, float, float]
Ink = int | tuple[int, int, int]  # 0-255 on a mask, RGB on a picture

# --- Sizes, in logical points (multiply by ``scale`` for pixels) -----------------------------

LOGICAL_WIDTH = 800
LOGICAL_HEIGHT = 540
DEFAULT_SCALE = 2
MAX_SCALE = 4

MARGIN = 16.0
FRAME_BOX: LogicalBox = (MARGIN, 68.0, LOGICAL_WIDTH - MARGIN, 452.0)

CIRCLE_RADIUS = 112.0
CIRCLE_SPACING = 112.0  # between two circle centres; equal to the radius, the classic Venn
CIRCLE_OUTLINE = 3.0

# --- Diagram geometry, in logical points -------------------------------------------------------

_FRAME_MIDLINE = (FRAME_BOX[1] + FRAME_BOX[3]) / 2
# The centroid of the three centres sits a little above the frame's middle so the circles'
# bounding box (taller below the centroid) is centred in the frame.
_CENTROID: Point = (LOGICAL_WIDTH / 2, _FRAME_MIDLINE - CIRCLE_SPACING / (4 * math.sqrt(3)))
CIRCLE_CENTRES: Mapping[Circle, Point] = MappingProxyType(
    {
        Circle.WHAT: (
            _CENTROID[0] - CIRCLE_SPACING / 2,
            _CENTROID[1] - CIRCLE_SPACING / (2 * math.sqrt(3)),
        ),
        Circle.HOW: (
            _CENTROID[0] + CIRCLE_SPACING / 2,
            _CENTROID[1] - CIRCLE_SPACING / (2 * math.sqrt(3)),
        ),
        Circle.DELIVER: (_CENTROID[0], _CENTROID[1] + CIRCLE_SPACING / math.sqrt(3)),
    }
)


@dataclass(frozen=True, slots=True)
class CircleLabelSpot:
    """Where a circle's label goes: a paper box in a corner of the frame, text aligned to a side."""

    box: LogicalBox
    align: str  # "left" or "right": the side nearer its circle


CIRCLE_LABEL_SPOTS: Mapping[Circle, CircleLabelSpot] = MappingProxyType(
    {
        Circle.WHAT: CircleLabelSpot((26.0, 78.0, 246.0, 124.0), "right"),
        Circle.HOW: CircleLabelSpot((554.0, 78.0, 774.0, 124.0), "left"),
        Circle.DELIVER: CircleLabelSpot((70.0, 400.0, 290.0, 446.0), "right"),
    }
)


def inside_box(point: Point, box: LogicalBox) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def distance_to_box(point: Point, box: LogicalBox) -> float:
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def circles_at(point: Point) -> frozenset[Circle]:
    """The circles whose (exact, not rasterised) disc contains ``point``, in logical points."""
    return frozenset(
        circle
        for circle, centre in CIRCLE_CENTRES.items()
        if math.dist(point, centre) <= CIRCLE_RADIUS
    )


def clearance(point: Point) -> float:
    """Distance from ``point`` to the nearest circle edge, frame edge or circle-label box."""
    left, top, right, bottom = FRAME_BOX
    nearest = min(point[0] - left, right - point[0], point[1] - top, bottom - point[1])
    for centre in CIRCLE_CENTRES.values():
        nearest = min(nearest, abs(math.dist(point, centre) - CIRCLE_RADIUS))
    for spot in CIRCLE_LABEL_SPOTS.values():
        nearest = min(nearest, distance_to_box(point, spot.box))
    return nearest


@lru_cache(maxsize=1)
def logical_anchors() -> Mapping[Region, Point]:
    """For each region, the point farthest from its edges (coarse grid, then a fine search)."""
    left, top, right, bottom = FRAME_BOX
    coarse = 6.0
    best: dict[Region, tuple[float, Point]] = {}
    y = top
    while y <= bottom:
        x = left
        while x <= right:
            point = (x, y)
            if not any(inside_box(point, s.box) for s in CIRCLE_LABEL_SPOTS.values()):
                region = region_for(circles_at(point))
                room = clearance(point)
                if room > best.get(region, (-1.0, point))[0]:
                    best[region] = (room, point)
            x += coarse
        y += coarse
    anchors: dict[Region, Point] = {}
    for region, (room, (cx, cy)) in best.items():
        anchor = (cx, cy)
        for dy in range(-6, 7):
            for dx in range(-6, 7):
                point = (cx + dx, cy + dy)
                if region_for(circles_at(point)) is region and clearance(point) > room:
                    room, anchor = clearance(point), point
        anchors[region] = anchor
    return MappingProxyType(anchors)


# --- Pixels at a scale ---------------------------------------------------------------------------


def check_scale(scale: int) -> None:
    """Raise ``ValueError`` unless ``scale`` is between 1 and ``MAX_SCALE``."""
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}, not {scale}")


def px(value: float, scale: int) -> int:
    """Logical points to whole pixels."""
    return round(value * scale)


def px_box(box: LogicalBox, scale: int) -> Box:
    return (px(box[0], scale), px(box[1], scale), px(box[2], scale), px(box[3], scale))


def frame_pixels(scale: int) -> Box:
    """The frame as ImageDraw wants it: right and bottom inclusive."""
    left, top, right, bottom = px_box(FRAME_BOX, scale)
    return (left, top, right - 1, bottom - 1)  # ImageDraw boxes include their last pixel


def _circle_box(circle: Circle, scale: int) -> Box:
    cx, cy = CIRCLE_CENTRES[circle]
    return px_box(
        (cx - CIRCLE_RADIUS, cy - CIRCLE_RADIUS, cx + CIRCLE_RADIUS, cy + CIRCLE_RADIUS), scale
    )


def draw_diagram_lines(
    draw: ImageDraw.ImageDraw,
    *,
    scale: int,
    frame: Ink,
    circles: Mapping[Circle, Ink],
    paper: Ink,
) -> None:
    """The frame and circle outlines, and the circle-label papers, in the inks given.

    The same shapes make the picture's lines and the mask of what a highlight must not cover.
    """
    draw.rectangle(frame_pixels(scale), outline=frame, width=scale)
    for circle in CIRCLES:
        draw.ellipse(
            _circle_box(circle, scale), outline=circles[circle], width=px(CIRCLE_OUTLINE, scale)
        )
    for spot in CIRCLE_LABEL_SPOTS.values():
        draw.rounded_rectangle(px_box(spot.box, scale), radius=px(6, scale), fill=paper)


# --- Regions as masks ----------------------------------------------------------------------------


def _region_mask(
    region: Region, *, within: Image.Image, circle_masks: Mapping[Circle, Image.Image]
) -> Image.Image:
    """255 where a pixel of ``within`` is inside exactly the circles of ``region``."""
    mask = within
    for circle in CIRCLES:
        if circle in region.circles:
            mask = ImageChops.darker(mask, circle_masks[circle])  # and
        else:
            mask = ImageChops.subtract(mask, circle_masks[circle])  # and not
    return mask


def _cropped(mask: Image.Image, *, offset: Pixel) -> tuple[Box, Image.Image]:
    """``mask`` cut to its bounding box, with that box on the canvas (``mask`` is at ``offset``)."""
    box = mask.getbbox() or (0, 0, 1, 1)
    left, top, right, bottom = box
    dx, dy = offset
    return (left + dx, top + dy, right + dx, bottom + dy), mask.crop(box)


@dataclass(frozen=True, slots=True)
class RegionMasks:
    """The diagram's masks at one scale, built once per scale by ``region_masks``.

    Nothing here is modified after it is built: renders paste through the highlight masks.
    Masks are cut to the boxes they cover, because pasting or combining a small mask is many
    times faster than the whole canvas.
    """

    frame: Box  # the frame, right and bottom exclusive
    circles_box: Box  # the bounding box of the three circles
    circle_masks: Mapping[Circle, Image.Image]  # 255 inside the disc, over ``circles_box``
    # Per region: where it can be painted (its mask minus circle outlines and label papers),
    # and the box that mask covers.
    highlight_masks: Mapping[Region, tuple[Box, Image.Image]]

    def circles_at(self, x: int, y: int) -> frozenset[Circle]:
        """The circles whose rasterised disc holds pixel ``(x, y)``."""
        left, top, right, bottom = self.circles_box
        if not (left <= x < right and top <= y < bottom):
            return frozenset()
        return frozenset(c for c in CIRCLES if self.circle_masks[c].getpixel((x - left, y - top)))

    def area(self, region: Region) -> tuple[Box, Image.Image]:
        """All of a region inside the circles, outlines included, and the box it covers.

        Not for Outside, which is the rest of the frame.
        """
        left, top, right, bottom = self.circles_box
        everywhere = Image.new("L", (right - left, bottom - top), 255)
        mask = _region_mask(region, within=everywhere, circle_masks=self.circle_masks)
        return _cropped(mask, offset=(left, top))


@lru_cache(maxsize=MAX_SCALE)
def region_masks(scale: int) -> RegionMasks:
    """The circles and regions as pixel masks at ``scale`` (cached)."""
    size = (LOGICAL_WIDTH * scale, LOGICAL_HEIGHT * scale)
    boxes = [_circle_box(circle, scale) for circle in CIRCLES]
    circles_box = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes) + 1,
        max(b[3] for b in boxes) + 1,
    )
    offset = (circles_box[0], circles_box[1])
    local_size = (circles_box[2] - circles_box[0], circles_box[3] - circles_box[1])
    circle_masks: dict[Circle, Image.Image] = {}
    for circle, (left, top, right, bottom) in zip(CIRCLES, boxes, strict=True):
        mask = Image.new("L", local_size, 0)
        local = (left - offset[0], top - offset[1], right - offset[0], bottom - offset[1])
        ImageDraw.Draw(mask).ellipse(local, fill=255)
        circle_masks[circle] = mask

    ink = Image.new("L", size, 0)
    draw_diagram_lines(
        ImageDraw.Draw(ink), scale=scale, frame=255, circles=dict.fromkeys(CIRCLES, 255), paper=255
    )
    highlight_masks: dict[Region, tuple[Box, Image.Image]] = {}
    local_paintable = ImageChops.invert(ink.crop(circles_box))
    for region in Region:
        if region is not Region.OUTSIDE:
            mask = _region_mask(region, within=local_paintable, circle_masks=circle_masks)
            highlight_masks[region] = _cropped(mask, offset=offset)
    in_any_circle = ImageChops.lighter(
        ImageChops.lighter(circle_masks[Circle.WHAT], circle_masks[Circle.HOW]),
        circle_masks[Circle.DELIVER],
    )
    outside = Image.new("L", size, 0)
    ImageDraw.Draw(outside).rectangle(frame_pixels(scale), fill=255)
    outside.paste(0, circles_box, mask=in_any_circle)
    highlight_masks[Region.OUTSIDE] = _cropped(ImageChops.subtract(outside, ink), offset=(0, 0))
    return RegionMasks(
        frame=px_box(FRAME_BOX, scale),
        circles_box=circles_box,
        circle_masks=MappingProxyType(circle_masks),
        highlight_masks=MappingProxyType(highlight_masks),
    )


@dataclass(frozen=True, slots=True)
class VennGeometry:
    """The diagram's geometry in the pixels of pictures rendered at ``scale``.

    Attributes:
        scale: Pixels per logical point.
    """

    scale: int = DEFAULT_SCALE

    def __post_init__(self) -> None:
        check_scale(self.scale)

    @property
    def width(self) -> int:
        """Width in pixels of every picture (and height of the team and trend pictures)."""
        return LOGICAL_WIDTH * self.scale

    @property
    def height(self) -> int:
        return LOGICAL_HEIGHT * self.scale

    @property
    def frame(self) -> Box:
        """The diagram's frame (left, top, right, bottom), the bounds of the Outside region."""
        return px_box(FRAME_BOX, self.scale)

    @property
    def caption_box(self) -> Box:
        """The band under the frame where the caption is written."""
        return (0, self.frame[3], self.width, self.height)

    def circle_centre(self, circle: Circle) -> Pixel:
        cx, cy = CIRCLE_CENTRES[circle]
        return (px(cx, self.scale), px(cy, self.scale))

    def region_at(self, x: int, y: int) -> Region | None:
        """The region of pixel ``(x, y)``, or ``None`` outside the frame."""
        masks = region_masks(self.scale)
        left, top, right, bottom = masks.frame
        if not (left <= x < right and top <= y < bottom):
            return None
        return region_for(masks.circles_at(x, y))

    def anchor(self, region: Region) -> Pixel:
        """A point well inside ``region``: the one farthest from its edges and the labels."""
        x, y = logical_anchors()[region]
        return (px(x, self.scale), px(y, self.scale))
