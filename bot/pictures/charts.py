"""The Venn pictures: a team's region, its trend and the organisation map, as PNG bytes.

Input is plain domain data, output is PNG bytes: no Slack, network, storage or display.

Every picture is laid out on a logical canvas of ``LOGICAL_WIDTH`` × ``LOGICAL_HEIGHT`` points
(800 × 540) and drawn at ``scale`` pixels per point; the default ``DEFAULT_SCALE`` = 2 gives
1600 × 1080 pixels (the org map grows taller to list teams without a region), crisp when
opened, with captions big enough to read at Slack's ~360 px
thumbnail. Regions are pixel masks: a pixel belongs to a region iff it is inside exactly that
region's circles (Outside: inside the frame but in no circle). Masks, the pale base diagram and
fonts are built once per scale and cached, so a warm render is a copy, one masked paste, a few
lines of text and the PNG encoding.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot.domain.circles import CIRCLES, Circle
from bot.domain.regions import (
    NOT_ENOUGH_ANSWERS,
    Region,
    region_for,
    region_label,
    region_meaning,
)
from bot.domain.trends import Direction, trend_of

Point = tuple[float, float]
Pixel = tuple[int, int]
Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels (right/bottom exclusive)
LogicalBox = tuple[float, float, float, float]
Colour = tuple[int, int, int]


def _mix(start: Colour, end: Colour, share: float) -> Colour:
    """The colour ``share`` of the way from ``start`` to ``end``."""
    r = tuple(round(a + (b - a) * share) for a, b in zip(start, end, strict=True))
    return (r[0], r[1], r[2])


# --- Sizes, in logical points (multiply by ``scale`` for pixels) -----------------------------

LOGICAL_WIDTH = 800
LOGICAL_HEIGHT = 540
DEFAULT_SCALE = 2
MAX_SCALE = 4
# Measured on a team picture (palette PNG, 1600 × 1080): level 3 encodes in ~7 ms to ~32 KB;
# level 6 saves ~9 KB for ~10 ms more, level 9 costs ~55 ms.
PNG_COMPRESS_LEVEL = 3
# Slack rejects image alt text longer than this.
ALT_TEXT_LIMIT = 2000

MARGIN = 16.0
HEADER_MIDLINE = 36.0
FRAME_BOX: LogicalBox = (MARGIN, 68.0, LOGICAL_WIDTH - MARGIN, 452.0)
CAPTION_TITLE_MIDLINE = 475.0
CAPTION_DETAIL_MIDLINE = 514.0
FOOTER_LINE_HEIGHT = 22.0
DETAIL_LINE_HEIGHT = 19.0  # the caption's detail wraps to two lines when it must

CIRCLE_RADIUS = 112.0
CIRCLE_SPACING = 112.0  # between two circle centres; equal to the radius, the classic Venn
CIRCLE_OUTLINE = 3.0

TITLE_FONT_SIZE = 24
SUBTITLE_FONT_SIZE = 17
CAPTION_FONT_SIZE = 30
DETAIL_FONT_SIZE = 15
CIRCLE_LABEL_HEAD_SIZE = 16
CIRCLE_LABEL_TAIL_SIZE = 15
TAG_FONT_SIZE = 14
TEAM_FONT_SIZE = 13
SWATCH_SIZE = 22.0

TREND_DOT_RADIUS = 10.0
TREND_NEWEST_DOT_RADIUS = 14.0
TREND_LINE_WIDTH = 3.0

ORG_DOT_RADIUS = 5.0
ORG_GRID_STEP = 6.0
ORG_LABEL_GAP = 4.0
ORG_PADDING = 2.0  # free space kept around every dot and label
ORG_NAME_MAX_WIDTH = 150.0

# --- Colours ---------------------------------------------------------------------------------

BACKGROUND: Colour = (255, 255, 255)
OUTSIDE_FILL: Colour = (244, 246, 249)
# Pale fills deepen toward the center so the goal reads at a glance even with nothing highlighted.
PALE_FILLS: Mapping[int, Colour] = MappingProxyType(
    {1: (224, 233, 243), 2: (207, 220, 236), 3: (190, 207, 229)}
)
HIGHLIGHT: Colour = (232, 89, 12)
CIRCLE_COLOURS: Mapping[Circle, Colour] = MappingProxyType(
    {Circle.WHAT: (25, 113, 194), Circle.HOW: (43, 138, 62), Circle.DELIVER: (132, 50, 165)}
)
FRAME_OUTLINE: Colour = (206, 212, 218)
INK: Colour = (33, 37, 41)
MUTED: Colour = (90, 98, 110)
PATH_LINE: Colour = (73, 80, 87)
TREND_OLDEST: Colour = (246, 200, 176)  # the highlight, mostly washed out
TREND_RAMP: tuple[Colour, ...] = tuple(_mix(TREND_OLDEST, HIGHLIGHT, k / 7) for k in range(8))
TEXT_RAMP_STEPS = 12  # shades between a text colour and its ground, for anti-aliasing
ORG_DOT: Colour = (52, 58, 64)
LABEL_PAPER: Colour = (255, 255, 255)

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


# --- Fonts -------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans when the system has it, else Pillow's bundled scalable font (Pillow ≥ 10.1)."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except OSError:
        fallback = ImageFont.load_default(size=size)
        if not isinstance(fallback, ImageFont.FreeTypeFont):
            raise RuntimeError("Pillow was built without FreeType: cannot draw text") from None
        return fallback


def _scaled_font(size: int, scale: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return _font(size * scale, bold=bold)


def _text_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


def _shorten(text: str, *, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    """``text``, cut and ended with "…" if it is wider than ``max_width`` pixels."""
    if _text_width(font, text) <= max_width:
        return text
    cut = text
    while cut and _text_width(font, cut + "…") > max_width:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def _wrap(text: str, *, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Greedy word wrap to ``max_width`` pixels; a single word too wide is shortened."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and _text_width(font, candidate) > max_width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return [_shorten(each, font=font, max_width=max_width) for each in lines]


# --- Geometry: regions as masks ------------------------------------------------------------------


def _inside_box(point: Point, box: LogicalBox) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _distance_to_box(point: Point, box: LogicalBox) -> float:
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def _circles_at(point: Point) -> frozenset[Circle]:
    """The circles whose (exact, not rasterised) disc contains ``point``, in logical points."""
    return frozenset(
        circle
        for circle, centre in CIRCLE_CENTRES.items()
        if math.dist(point, centre) <= CIRCLE_RADIUS
    )


def _clearance(point: Point) -> float:
    """Distance from ``point`` to the nearest circle edge, frame edge or circle-label box."""
    left, top, right, bottom = FRAME_BOX
    nearest = min(point[0] - left, right - point[0], point[1] - top, bottom - point[1])
    for centre in CIRCLE_CENTRES.values():
        nearest = min(nearest, abs(math.dist(point, centre) - CIRCLE_RADIUS))
    for spot in CIRCLE_LABEL_SPOTS.values():
        nearest = min(nearest, _distance_to_box(point, spot.box))
    return nearest


@lru_cache(maxsize=1)
def _logical_anchors() -> Mapping[Region, Point]:
    """For each region, the point farthest from its edges (coarse grid, then a fine search)."""
    left, top, right, bottom = FRAME_BOX
    coarse = 6.0
    best: dict[Region, tuple[float, Point]] = {}
    y = top
    while y <= bottom:
        x = left
        while x <= right:
            point = (x, y)
            if not any(_inside_box(point, s.box) for s in CIRCLE_LABEL_SPOTS.values()):
                region = region_for(_circles_at(point))
                room = _clearance(point)
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
                if region_for(_circles_at(point)) is region and _clearance(point) > room:
                    room, anchor = _clearance(point), point
        anchors[region] = anchor
    return MappingProxyType(anchors)


def _check_scale(scale: int) -> None:
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}, not {scale}")


def _px(value: float, scale: int) -> int:
    return round(value * scale)


def _px_box(box: LogicalBox, scale: int) -> Box:
    return (_px(box[0], scale), _px(box[1], scale), _px(box[2], scale), _px(box[3], scale))


def _circle_box(circle: Circle, scale: int) -> Box:
    cx, cy = CIRCLE_CENTRES[circle]
    return _px_box(
        (cx - CIRCLE_RADIUS, cy - CIRCLE_RADIUS, cx + CIRCLE_RADIUS, cy + CIRCLE_RADIUS), scale
    )


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
class _Raster:
    """Everything about the diagram that depends on the scale only, built once per scale.

    Nothing here is modified after it is built: renders copy ``base`` and paste through the
    highlight masks. Masks are cut to the boxes they cover, because pasting or combining a
    small mask is many times faster than the whole canvas.
    """

    frame: Box  # the frame, right and bottom exclusive
    circles_box: Box  # the bounding box of the three circles
    circle_masks: Mapping[Circle, Image.Image]  # 255 inside the disc, over ``circles_box``
    # Per region: where it can be painted (its mask minus circle outlines and label papers),
    # and the box that mask covers.
    highlight_masks: Mapping[Region, tuple[Box, Image.Image]]
    base: Image.Image  # the pale diagram on a team-picture canvas

    def circles_at(self, x: int, y: int) -> frozenset[Circle]:
        left, top, right, bottom = self.circles_box
        if not (left <= x < right and top <= y < bottom):
            return frozenset()
        return frozenset(c for c in CIRCLES if self.circle_masks[c].getpixel((x - left, y - top)))


@lru_cache(maxsize=MAX_SCALE)
def _raster(scale: int) -> _Raster:
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

    base = Image.new("RGB", size, BACKGROUND)
    ImageDraw.Draw(base).rectangle(_frame_pixels(scale), fill=OUTSIDE_FILL)
    everywhere = Image.new("L", local_size, 255)
    for region in Region:
        if region is not Region.OUTSIDE:
            mask = _region_mask(region, within=everywhere, circle_masks=circle_masks)
            box, crop = _cropped(mask, offset=offset)
            base.paste(PALE_FILLS[region.depth], box, mask=crop)
    _draw_diagram_lines(ImageDraw.Draw(base), scale=scale, mask_only=False)
    _draw_circle_labels(ImageDraw.Draw(base), scale=scale)

    ink = Image.new("L", size, 0)
    _draw_diagram_lines(ImageDraw.Draw(ink), scale=scale, mask_only=True)
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
    ImageDraw.Draw(outside).rectangle(_frame_pixels(scale), fill=255)
    outside.paste(0, circles_box, mask=in_any_circle)
    highlight_masks[Region.OUTSIDE] = _cropped(ImageChops.subtract(outside, ink), offset=(0, 0))
    return _Raster(
        frame=_px_box(FRAME_BOX, scale),
        circles_box=circles_box,
        circle_masks=MappingProxyType(circle_masks),
        highlight_masks=MappingProxyType(highlight_masks),
        base=base,
    )


def _draw_diagram_lines(draw: ImageDraw.ImageDraw, *, scale: int, mask_only: bool) -> None:
    """The frame, the circle outlines and the label papers; in 255 only when ``mask_only``."""
    draw.rectangle(_frame_pixels(scale), outline=255 if mask_only else FRAME_OUTLINE, width=scale)
    for circle in CIRCLES:
        draw.ellipse(
            _circle_box(circle, scale),
            outline=255 if mask_only else CIRCLE_COLOURS[circle],
            width=_px(CIRCLE_OUTLINE, scale),
        )
    for spot in CIRCLE_LABEL_SPOTS.values():
        draw.rounded_rectangle(
            _px_box(spot.box, scale),
            radius=_px(6, scale),
            fill=255 if mask_only else LABEL_PAPER,
        )


def _frame_pixels(scale: int) -> Box:
    left, top, right, bottom = _px_box(FRAME_BOX, scale)
    return (left, top, right - 1, bottom - 1)  # ImageDraw boxes include their last pixel


def circle_label_lines(circle: Circle) -> tuple[str, ...]:
    """The lines of a circle's label on the diagram: ``Circle.info.label``, split after the dash.

    Joined with spaces they give the label back exactly.
    """
    head, dash, tail = circle.info.label.partition(" — ")
    return (f"{head}{dash.rstrip()}", tail) if dash else (head,)


def _fitting_font(
    text: str, *, size: int, scale: int, bold: bool, max_width: float
) -> ImageFont.FreeTypeFont:
    """The font of ``size``, or a smaller one if ``text`` would not fit: labels are never cut."""
    font = _scaled_font(size, scale, bold=bold)
    while size > 8 and _text_width(font, text) > max_width:
        size -= 1
        font = _scaled_font(size, scale, bold=bold)
    return font


def _draw_circle_labels(draw: ImageDraw.ImageDraw, *, scale: int) -> None:
    """Each circle's label in its paper box: a bold first line, then the customer's part."""
    for circle, spot in CIRCLE_LABEL_SPOTS.items():
        left, top, right, _ = spot.box
        pad = 8.0
        width = (right - left - 2 * pad) * scale
        x = (left + pad) if spot.align == "left" else (right - pad)
        anchor = "lm" if spot.align == "left" else "rm"
        for index, text in enumerate(circle_label_lines(circle)):
            font = _fitting_font(
                text,
                size=CIRCLE_LABEL_HEAD_SIZE if index == 0 else CIRCLE_LABEL_TAIL_SIZE,
                scale=scale,
                bold=index == 0,
                max_width=width,
            )
            y = top + 12.0 + 21.0 * index
            draw.text(
                (_px(x, scale), _px(y, scale)),
                text,
                font=font,
                fill=CIRCLE_COLOURS[circle],
                anchor=anchor,
            )


@dataclass(frozen=True, slots=True)
class VennGeometry:
    """The diagram's geometry in the pixels of pictures rendered at ``scale``.

    Attributes:
        scale: Pixels per logical point.
    """

    scale: int = DEFAULT_SCALE

    def __post_init__(self) -> None:
        _check_scale(self.scale)

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
        return _px_box(FRAME_BOX, self.scale)

    @property
    def caption_box(self) -> Box:
        """The band under the frame where the caption is written."""
        return (0, self.frame[3], self.width, self.height)

    def circle_centre(self, circle: Circle) -> Pixel:
        cx, cy = CIRCLE_CENTRES[circle]
        return (_px(cx, self.scale), _px(cy, self.scale))

    def region_at(self, x: int, y: int) -> Region | None:
        """The region of pixel ``(x, y)``, or ``None`` outside the frame."""
        raster = _raster(self.scale)
        left, top, right, bottom = raster.frame
        if not (left <= x < right and top <= y < bottom):
            return None
        return region_for(raster.circles_at(x, y))

    def anchor(self, region: Region) -> Pixel:
        """A point well inside ``region``: the one farthest from its edges and the labels."""
        x, y = _logical_anchors()[region]
        return (_px(x, self.scale), _px(y, self.scale))


# --- Shared drawing ---------------------------------------------------------------------------


def _new_canvas(scale: int, *, height: int | None = None) -> Image.Image:
    """A copy of the pale diagram, optionally on a taller canvas (for the org map's footer)."""
    base = _raster(scale).base
    if height is None or height <= base.height:
        return base.copy()
    canvas = Image.new("RGB", (base.width, height), BACKGROUND)
    canvas.paste(base, (0, 0))
    return canvas


def _draw_header(draw: ImageDraw.ImageDraw, *, scale: int, title: str, subtitle: str) -> None:
    """Title on the left, subtitle on the right, on one line above the frame."""
    title_font = _scaled_font(TITLE_FONT_SIZE, scale, bold=True)
    subtitle_font = _scaled_font(SUBTITLE_FONT_SIZE, scale)
    right = LOGICAL_WIDTH - MARGIN
    subtitle_text = _shorten(subtitle, font=subtitle_font, max_width=(LOGICAL_WIDTH / 2) * scale)
    room = (right - MARGIN - 24) * scale - _text_width(subtitle_font, subtitle_text)
    y = _px(HEADER_MIDLINE, scale)
    draw.text(
        (_px(MARGIN, scale), y),
        _shorten(title, font=title_font, max_width=room),
        font=title_font,
        fill=INK,
        anchor="lm",
    )
    draw.text((_px(right, scale), y), subtitle_text, font=subtitle_font, fill=MUTED, anchor="rm")


def _draw_caption(
    draw: ImageDraw.ImageDraw,
    *,
    scale: int,
    title: str,
    details: Sequence[str],
    swatch: bool,
) -> None:
    """The big caption under the frame, then ``details`` in small type.

    ``swatch`` puts a highlight square before the title.
    """
    title_font = _scaled_font(CAPTION_FONT_SIZE, scale, bold=True)
    detail_font = _scaled_font(DETAIL_FONT_SIZE, scale)
    usable = (LOGICAL_WIDTH - 2 * MARGIN) * scale
    swatch_room = (SWATCH_SIZE + 12) * scale if swatch else 0
    title = _shorten(title, font=title_font, max_width=usable - swatch_room)
    title_width = _text_width(title_font, title)
    start = (LOGICAL_WIDTH * scale - title_width - swatch_room) / 2
    y = _px(CAPTION_TITLE_MIDLINE, scale)
    if swatch:
        half = SWATCH_SIZE * scale / 2
        draw.rectangle(
            (round(start), round(y - half), round(start + 2 * half), round(y + half)),
            fill=HIGHLIGHT,
        )
    draw.text((round(start + swatch_room), y), title, font=title_font, fill=INK, anchor="lm")
    # One line if the parts fit together, else a line each (two at most).
    joined = " · ".join(details)
    lines = [joined] if _text_width(detail_font, joined) <= usable else list(details[:2])
    first = CAPTION_DETAIL_MIDLINE - (len(lines) - 1) * DETAIL_LINE_HEIGHT / 2
    for index, line in enumerate(lines):
        draw.text(
            (_px(LOGICAL_WIDTH / 2, scale), _px(first + index * DETAIL_LINE_HEIGHT, scale)),
            _shorten(line, font=detail_font, max_width=usable),
            font=detail_font,
            fill=MUTED,
            anchor="mm",
        )


def _ramp(start: Colour, end: Colour, steps: int) -> list[Colour]:
    return [_mix(start, end, step / (steps - 1)) for step in range(steps)]


@lru_cache(maxsize=1)
def _palette() -> Image.Image:
    """A fixed palette holding every colour drawn, and the anti-aliasing ramps of the text.

    Mapping a render onto it makes the PNG one byte per pixel: mapping and encoding together
    take about half the time of encoding RGB (measured ~18 ms against ~34 ms on a loaded
    machine), and the file is less than half the size.
    """
    grounds = (BACKGROUND, OUTSIDE_FILL, *PALE_FILLS.values())
    colours = [
        *grounds,
        HIGHLIGHT,
        FRAME_OUTLINE,
        PATH_LINE,
        ORG_DOT,
        *TREND_RAMP,
        *CIRCLE_COLOURS.values(),
    ]
    for ink in (INK, MUTED):
        for ground in grounds:
            colours += _ramp(ground, ink, TEXT_RAMP_STEPS)
    for colour in CIRCLE_COLOURS.values():
        colours += _ramp(LABEL_PAPER, colour, TEXT_RAMP_STEPS)
    unique = list(dict.fromkeys(colours))
    if len(unique) > 256:
        raise RuntimeError(f"the chart palette has {len(unique)} colours, more than 256")
    palette = Image.new("P", (1, 1))
    palette.putpalette([channel for colour in unique for channel in colour])
    return palette


def _png(image: Image.Image) -> bytes:
    indexed = image.quantize(palette=_palette(), dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    indexed.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def _limit(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# --- Team picture -------------------------------------------------------------------------------


def render_team(
    *, region: Region | None, team_name: str, round_label: str, scale: int = DEFAULT_SCALE
) -> bytes:
    """The team's region filled in ``HIGHLIGHT`` on the pale diagram, as a PNG.

    Args:
        region: Where the team sits, or ``None`` for "Not enough answers" (nothing highlighted).
        team_name: Shown top left.
        round_label: The round, e.g. "Round of 10 March 2026", shown top right.
        scale: Pixels per logical point; the picture is ``VennGeometry(scale=scale).width`` ×
            ``.height`` pixels.

    Returns:
        PNG bytes.
    """
    _check_scale(scale)
    raster = _raster(scale)
    image = _new_canvas(scale)
    if region is not None:
        box, mask = raster.highlight_masks[region]
        image.paste(HIGHLIGHT, box, mask=mask)
    draw = ImageDraw.Draw(image)
    _draw_header(draw, scale=scale, title=team_name, subtitle=round_label)
    _draw_caption(
        draw,
        scale=scale,
        title=region_label(region),
        details=(region_meaning(region),),
        swatch=region is not None,
    )
    return _png(image)


def _circle_phrase(region: Region) -> str:
    inside = [c.info.short for c in CIRCLES if c in region.circles]
    outside = [c.info.short for c in CIRCLES if c not in region.circles]
    if not outside:
        return "inside all three circles"
    if not inside:
        return "outside all three circles"
    return f"inside {' and '.join(inside)}, outside {' and '.join(outside)}"


def alt_text_team(*, region: Region | None, team_name: str, round_label: str) -> str:
    """Words for screen readers saying what the team picture shows."""
    if region is None:
        return _limit(
            f"Venn diagram for {team_name}, {round_label}: {NOT_ENOUGH_ANSWERS}. "
            f"{region_meaning(None)}"
        )
    return _limit(
        f"Venn diagram for {team_name}, {round_label}: the team is in the region "
        f"{region.label} ({_circle_phrase(region)}). {region.meaning}"
    )


# --- Trend picture ------------------------------------------------------------------------------


def _trend_title(regions: Sequence[Region | None]) -> str:
    if not any(r is not None for r in regions):
        return NOT_ENOUGH_ANSWERS
    direction = trend_of(regions, window=len(regions)).direction
    text = direction.label
    return text[0].upper() + text[1:]


def _trend_details(regions: Sequence[Region | None]) -> tuple[str, ...]:
    placed = [region_label(r) for r in regions if r is not None]
    skipped = len(regions) - len(placed)
    parts = [" → ".join(placed)] if placed else []
    if skipped:
        parts.append(f"{_plural(skipped, 'round')} had too few answers")
    return tuple(parts) if parts else ("No rounds yet",)


def _rounds_subtitle(count: int) -> str:
    if count == 0:
        return "No rounds yet"
    return "Last round" if count == 1 else f"Last {count} rounds, oldest first"


def render_trend(
    *, regions: Sequence[Region | None], team_name: str, scale: int = DEFAULT_SCALE
) -> bytes:
    """The team's last rounds as a path of dots through the regions, as a PNG.

    Each placed round is a dot at its region's anchor, from pale (oldest) to ``HIGHLIGHT``
    (newest, drawn larger), joined by a line; a tag by each dot gives the round numbers (1 =
    oldest). Rounds without a region are skipped in the path and counted in the caption.

    Args:
        regions: The rounds' regions, oldest first; ``None`` for "Not enough answers".
        team_name: Shown top left.
        scale: Pixels per logical point.

    Returns:
        PNG bytes.
    """
    _check_scale(scale)
    geometry = VennGeometry(scale=scale)
    image = _new_canvas(scale)
    draw = ImageDraw.Draw(image)
    placed = [(number, r) for number, r in enumerate(regions, start=1) if r is not None]
    points = [geometry.anchor(r) for _, r in placed]
    if len(points) > 1:
        draw.line(points, fill=PATH_LINE, width=_px(TREND_LINE_WIDTH, scale), joint="curve")
    for index, point in enumerate(points):
        newest = index == len(points) - 1
        share = 1.0 if len(points) == 1 else index / (len(points) - 1)
        radius = (TREND_NEWEST_DOT_RADIUS if newest else TREND_DOT_RADIUS) * scale
        x, y = point
        draw.ellipse(
            (x - radius, y - radius, x + radius, y + radius),
            fill=TREND_RAMP[round(share * (len(TREND_RAMP) - 1))],
            outline=INK if newest else LABEL_PAPER,
            width=_px(2, scale),
        )
    _draw_round_tags(draw, placed=placed, geometry=geometry)
    _draw_header(draw, scale=scale, title=team_name, subtitle=_rounds_subtitle(len(regions)))
    _draw_caption(
        draw,
        scale=scale,
        title=_trend_title(regions),
        details=_trend_details(regions),
        swatch=False,
    )
    return _png(image)


def _draw_round_tags(
    draw: ImageDraw.ImageDraw,
    *,
    placed: Sequence[tuple[int, Region]],
    geometry: VennGeometry,
) -> None:
    """A paper tag up-right of each visited region's dot: its round numbers, "now" on the last."""
    scale = geometry.scale
    font = _scaled_font(TAG_FONT_SIZE, scale, bold=True)
    numbers: dict[Region, list[str]] = {}
    for number, region in placed:
        numbers.setdefault(region, []).append(str(number))
    newest = placed[-1][1] if placed else None
    for region, labels in numbers.items():
        text = ", ".join(labels) + (" now" if region is newest else "")
        x, y = geometry.anchor(region)
        offset = (TREND_NEWEST_DOT_RADIUS + 4) * scale
        left, top, right, bottom = draw.textbbox(
            (x + offset, y - offset), text, font=font, anchor="lb"
        )
        pad = 3 * scale
        draw.rounded_rectangle(
            (left - pad, top - pad, right + pad, bottom + pad),
            radius=pad,
            fill=LABEL_PAPER,
            outline=FRAME_OUTLINE,
        )
        draw.text((x + offset, y - offset), text, font=font, fill=INK, anchor="lb")


def alt_text_trend(*, regions: Sequence[Region | None], team_name: str) -> str:
    """Words for screen readers saying what the trend picture shows."""
    if not regions:
        return _limit(f"Trend of {team_name}: no rounds yet.")
    trend = trend_of(regions, window=len(regions))
    skipped = sum(1 for r in regions if r is None)
    text = (
        f"Trend of {team_name} over the last {_plural(len(regions), 'round')}, oldest first: "
        f"{trend.path}."
    )
    if trend.direction is not Direction.UNKNOWN:
        text += f" The team is {trend.direction.label}."
    if skipped:
        text += f" {_plural(skipped, 'round')} had too few answers."
    return _limit(text)


# --- Organisation map -----------------------------------------------------------------------------


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
    if not all(_inside_box(corner, FRAME_BOX) for corner in _corners(logical)):
        return False
    for circle, centre in CIRCLE_CENTRES.items():
        if circle in region.circles:
            # A disc is convex: the box is inside it iff all four corners are.
            if any(math.dist(c, centre) > CIRCLE_RADIUS for c in _corners(logical)):
                return False
        elif _distance_to_box(centre, logical) < CIRCLE_RADIUS:
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
            if _clearance((x, y)) >= room:
                spots[region_for(_circles_at((x, y)))].append((x, y))
            x += ORG_GRID_STEP
        y += ORG_GRID_STEP
    anchors = _logical_anchors()
    return MappingProxyType(
        {
            region: tuple(
                (_px(x, scale), _px(y, scale))
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
        self.font = _scaled_font(TEAM_FONT_SIZE, scale)
        self.more_font = _scaled_font(TEAM_FONT_SIZE, scale, bold=True)
        self.frame = _px_box(FRAME_BOX, scale)
        self.pad = _px(ORG_PADDING, scale)
        self.dot_radius = _px(ORG_DOT_RADIUS, scale)
        self.taken: list[Box] = [_px_box(spot.box, scale) for spot in CIRCLE_LABEL_SPOTS.values()]

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
        gap = self.dot_radius + _px(ORG_LABEL_GAP, self.scale) if with_dot else 0
        # Measured once: measuring text is the slow part of placing it.
        extents = {anchor: self.label_extent(text, anchor, font) for anchor in ("lm", "rm")}
        for strict in (True, False):
            for x, y in candidates:
                dot = (
                    x - self.dot_radius,
                    y - self.dot_radius,
                    x + self.dot_radius + 1,
                    y + self.dot_radius + 1,
                )
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

    def take(self, spot: _Spot) -> None:
        self.taken.append(spot.box)
        if spot.centre is not None:
            x, y = spot.centre
            r = self.dot_radius
            self.taken.append((x - r, y - r, x + r + 1, y + r + 1))

    def release(self, spot: _Spot) -> None:
        self.taken.remove(spot.box)
        if spot.centre is not None:
            x, y = spot.centre
            r = self.dot_radius
            self.taken.remove((x - r, y - r, x + r + 1, y + r + 1))


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
    _check_scale(scale)
    placer = _OrgPlacer(scale=scale)
    spots = _dot_spots(scale)
    by_region: dict[Region, list[str]] = {region: [] for region in Region}
    missing: list[str] = []
    for name, region in teams:
        (missing if region is None else by_region[region]).append(name)
    name_width = ORG_NAME_MAX_WIDTH * scale
    placed_teams: list[PlacedTeam] = []
    overflows: list[OverflowLabel] = []
    for region in _PLACEMENT_ORDER:
        names = sorted(by_region[region], key=lambda n: (n.casefold(), n))
        placed: list[tuple[str, str, _Spot]] = []
        for name in names:
            label = _shorten(name, font=placer.font, max_width=name_width)
            spot = placer.find(
                text=label,
                region=region,
                candidates=spots[region],
                with_dot=True,
                font=placer.font,
            )
            if spot is None:
                break
            placer.take(spot)
            placed.append((name, label, spot))
        rest = names[len(placed) :]
        while rest:
            text = f"+{len(rest)} more"
            spot = placer.find(
                text=text,
                region=region,
                candidates=spots[region] or (_anchor_pixel(region, scale),),
                with_dot=False,
                font=placer.more_font,
            )
            if spot is not None:
                placer.take(spot)
                overflows.append(OverflowLabel(region, tuple(rest), text, spot.box))
                break
            if not placed:
                break  # cannot happen with the diagram's sizes; the alt text still lists them
            name, _, freed = placed.pop()
            placer.release(freed)
            rest.insert(0, name)
        placed_teams.extend(
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
        )
    footer_font = _scaled_font(DETAIL_FONT_SIZE, scale)
    footer = (
        _wrap(
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
        height=_px(logical_height, scale),
        teams=tuple(placed_teams),
        overflows=tuple(overflows),
        not_enough_answers=tuple(missing),
        footer_lines=tuple(footer),
    )


def _anchor_pixel(region: Region, scale: int) -> Pixel:
    return VennGeometry(scale=scale).anchor(region)


def render_org_map_with_layout(
    *, teams: Sequence[tuple[str, Region | None]], title: str, scale: int = DEFAULT_SCALE
) -> tuple[bytes, OrgLayout]:
    """The organisation map as a PNG, with the layout it was drawn from.

    Args:
        teams: (team name, region or ``None``) pairs.
        title: Shown top left, e.g. the workspace's name.
        scale: Pixels per logical point.

    Returns:
        PNG bytes and the layout (dot centres, label boxes, "+N more" labels, footer lines).
    """
    layout = layout_org_map(teams=teams, scale=scale)
    image = _new_canvas(scale, height=layout.height)
    draw = ImageDraw.Draw(image)
    font = _scaled_font(TEAM_FONT_SIZE, scale)
    more_font = _scaled_font(TEAM_FONT_SIZE, scale, bold=True)
    for team in layout.teams:
        x, y = team.centre
        r = team.dot_radius
        draw.ellipse((x - r, y - r, x + r, y + r), fill=ORG_DOT)
        if not team.label_in_region:
            # Paper under a label that crosses an outline, so the line does not cut the text.
            left, top, right, bottom = team.label_box
            pad = scale
            draw.rectangle((left - pad, top - pad, right + pad, bottom + pad), fill=LABEL_PAPER)
        draw.text(team.label_origin, team.label, font=font, fill=INK, anchor=team.label_anchor)
    for overflow in layout.overflows:
        _draw_in_box(draw, overflow.text, overflow.box, more_font)
    _draw_header(
        draw,
        scale=scale,
        title=title,
        subtitle=_plural(len(teams), "team"),
    )
    footer_font = _scaled_font(DETAIL_FONT_SIZE, scale)
    for index, line in enumerate(layout.footer_lines):
        line_y = FRAME_BOX[3] + FOOTER_LINE_HEIGHT * (index + 1)
        origin = (_px(MARGIN, scale), _px(line_y, scale))
        draw.text(origin, line, font=footer_font, fill=MUTED, anchor="lm")
    return _png(image), layout


def _draw_in_box(
    draw: ImageDraw.ImageDraw, text: str, box: Box, font: ImageFont.FreeTypeFont
) -> None:
    """Draw ``text`` so that its ink box is ``box`` (as measured by ``_OrgPlacer.label_box``)."""
    left, top, _, _ = font.getbbox(text, anchor="la")
    draw.text((box[0] - left, box[1] - top), text, font=font, fill=MUTED, anchor="la")


def render_org_map(
    *, teams: Sequence[tuple[str, Region | None]], title: str, scale: int = DEFAULT_SCALE
) -> bytes:
    """The organisation map: every team as a labelled dot in its region, as a PNG."""
    png, _ = render_org_map_with_layout(teams=teams, title=title, scale=scale)
    return png


def alt_text_org(*, teams: Iterable[tuple[str, Region | None]], title: str) -> str:
    """Words for screen readers: every region with its teams, then those without a region."""
    by_region: dict[Region, list[str]] = {}
    missing: list[str] = []
    count = 0
    for name, region in teams:
        count += 1
        if region is None:
            missing.append(name)
        else:
            by_region.setdefault(region, []).append(name)
    parts = [f"{title}: map of {_plural(count, 'team')} on the Venn diagram."]
    for region in Region:
        if region in by_region:
            names = sorted(by_region[region], key=lambda n: (n.casefold(), n))
            parts.append(f"{region.label}: {', '.join(names)}.")
    if missing:
        parts.append(f"{NOT_ENOUGH_ANSWERS}: {', '.join(missing)}.")
    return _limit(" ".join(parts))
