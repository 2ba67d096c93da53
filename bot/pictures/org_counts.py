"""The org map of a large organisation: a count per region, how teams moved, names where they fit.

Past a few dozen teams a dot and a name per team no longer reads (at 120 teams the dots view
hides most names behind "+N more" labels over the circle lines). This view writes in each
region how many teams sit there, with ▲ (moved toward the center since the previous round)
and ▼ (moved away) counts under it, the region's name above it when it fits, and the teams'
names under it only when *all* of them fit inside the region: a few names are worth reading,
the first six of three hundred are not. Under the diagram: the organisation's movement in
words, and the teams without enough answers.

Pure placement, in pixels at a scale (``plan_counts``): ``bot.pictures.org_map`` draws it.
Everything written in a region is checked against the exact circles, with room for the
outline: no text or marker crosses a circle line, and none overlaps another.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.org import OrgCounts, OrgTeam, RegionCount, count_org
from bot.domain.regions import NOT_ENOUGH_ANSWERS, Region
from bot.domain.trends import Direction
from bot.pictures.canvas import INK, MUTED, Colour, scaled_font, shorten
from bot.pictures.geometry import (
    DEFAULT_SCALE,
    FRAME_BOX,
    LOGICAL_HEIGHT,
    LOGICAL_WIDTH,
    MARGIN,
    Box,
    Pixel,
    check_scale,
    logical_anchors,
    px,
)
from bot.pictures.org_fit import place

# Sizes, in logical points (multiply by ``scale`` for pixels).
COUNT_SIZES = (30, 26, 22, 19, 16)  # the count's type, largest that fits
SMALLEST_WITH_NAMES = 19  # names never shrink a count below this
SMALLEST_WITH_LABEL = 22  # nor does the region's name
LABEL_SIZE = 12
MOVE_SIZE = 13
NAME_SIZE = 12
FOOTER_SIZE = 15
NAME_MAX_WIDTH = 130.0
MAX_NAMES = 8  # a region with more teams shows its count only
LINE_GAP = 3.0
FOOTER_LINE_HEIGHT = 22.0
MARKER_GAP = 4.0  # between a marker and its number


@dataclass(frozen=True, slots=True)
class PlanText:
    """A text to draw: its ink box (pixels) and where Pillow draws it with anchor "la"."""

    text: str
    box: Box
    origin: Pixel
    size: int
    bold: bool
    colour: Colour


@dataclass(frozen=True, slots=True)
class PlanMarker:
    """A ▲ (``Direction.TOWARD``) or ▼ (``Direction.AWAY``) triangle filling ``box``."""

    direction: Direction
    box: Box


@dataclass(frozen=True, slots=True)
class RegionPlan:
    """What one region shows: its count, movement, maybe its name and its teams' names.

    Attributes:
        count: The numbers drawn (``count.teams`` is the big number).
        count_text: The big number as drawn.
        texts: Everything written in the region, ``count_text`` included.
        markers: The ▲ and ▼ before the movement numbers.
        names: The teams named in the region: all of the region's, or none.
        labelled: Whether the region's name is written above its count.
        in_region: Whether every box lies inside the region, clear of the circle lines. Only a
            fallback when nothing fits at all; it does not happen with the diagram's sizes.
    """

    count: RegionCount
    count_text: PlanText
    texts: tuple[PlanText, ...]
    markers: tuple[PlanMarker, ...]
    names: tuple[str, ...]
    labelled: bool
    in_region: bool

    @property
    def boxes(self) -> tuple[Box, ...]:
        return tuple(t.box for t in self.texts) + tuple(m.box for m in self.markers)


@dataclass(frozen=True, slots=True)
class CountsPlan:
    """The counts view of the org map, in pixels at ``scale``."""

    scale: int
    width: int
    height: int
    counts: OrgCounts
    regions: tuple[RegionPlan, ...]  # the eight regions, in ``Region`` order
    footer: tuple[PlanText, ...]
    footer_markers: tuple[PlanMarker, ...]

    def region(self, region: Region) -> RegionPlan:
        return self.regions[list(Region).index(region)]

    @property
    def boxes(self) -> tuple[Box, ...]:
        """Every box drawn: the regions' texts and markers, then the footer's."""
        inner = tuple(box for plan in self.regions for box in plan.boxes)
        return inner + tuple(t.box for t in self.footer) + tuple(m.box for m in self.footer_markers)


# --- Measuring -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _extent(text: str, size: int, bold: bool, scale: int) -> tuple[int, int, int, int]:
    """The ink box of ``text`` drawn at (0, 0) with anchor "la", at least a full line high."""
    font = scaled_font(size, scale, bold=bold)
    left, _, right, _ = font.getbbox(text, anchor="la")
    _, top, _, bottom = font.getbbox("Hg", anchor="la")
    return (math.floor(left), math.floor(top), math.ceil(right), math.ceil(bottom))


def _text(
    text: str, *, x: int, y: int, size: int, bold: bool, colour: Colour, scale: int
) -> PlanText:
    """``text`` with its ink box's top-left at (x, y)."""
    left, top, right, bottom = _extent(text, size, bold, scale)
    return PlanText(
        text, (x, y, x + right - left, y + bottom - top), (x - left, y - top), size, bold, colour
    )


def _moved(box: Box, dx: int, dy: int) -> Box:
    return (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)


# --- One region's block --------------------------------------------------------------------------

_Line = list[PlanText | PlanMarker]


def _run(parts: Sequence[tuple[Direction | None, str]], *, size: int, scale: int) -> _Line:
    """Markers and texts side by side from x = 0, top at y = 0: [(▲, "12"), (▼, "5")]."""
    items: _Line = []
    x = 0
    gap = px(MARKER_GAP, scale)
    _, line_top, _, line_bottom = _extent("Hg", size, False, scale)
    side = round((line_bottom - line_top) * 0.7)
    for direction, text in parts:
        if items:
            x += 3 * gap
        if direction is not None:
            top = (line_bottom - line_top - side) // 2
            items.append(PlanMarker(direction, (x, top, x + side, top + side)))
            x += side + gap
        label = _text(text, x=x, y=0, size=size, bold=False, colour=INK, scale=scale)
        items.append(label)
        x = label.box[2]
    return items


def _line_box(line: _Line) -> Box:
    boxes = [item.box for item in line]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _block(
    count: RegionCount, *, size: int, label: bool, names: Sequence[str], scale: int
) -> tuple[list[_Line], PlanText]:
    """The region's lines stacked and centred on (0, 0): name, count, movement, team names
    (``names`` as drawn: already shortened)."""
    lines: list[_Line] = []
    if label:
        lines.append(
            [_text(count.label, x=0, y=0, size=LABEL_SIZE, bold=False, colour=MUTED, scale=scale)]
        )
    number = _text(str(count.teams), x=0, y=0, size=size, bold=True, colour=INK, scale=scale)
    lines.append([number])
    moves = [
        (d, str(n)) for d, n in ((Direction.TOWARD, count.toward), (Direction.AWAY, count.away))
    ]
    moves = [(d, n) for d, n in moves if n != "0"]
    if moves:
        lines.append(_run(moves, size=MOVE_SIZE, scale=scale))
    for name in names:
        lines.append([_text(name, x=0, y=0, size=NAME_SIZE, bold=False, colour=INK, scale=scale)])
    gap = px(LINE_GAP, scale)
    heights = [_line_box(line)[3] - _line_box(line)[1] for line in lines]
    y = -(sum(heights) + gap * (len(lines) - 1)) // 2
    stacked: list[_Line] = []
    for line, height in zip(lines, heights, strict=True):
        left, top, right, _ = _line_box(line)
        dx, dy = -(left + right) // 2, y - top
        stacked.append([_shift(item, dx, dy) for item in line])
        y += height + gap
    count_line = stacked[1 if label else 0]
    count_text = count_line[0]
    assert isinstance(count_text, PlanText)
    return stacked, count_text


def _shift(item: PlanText | PlanMarker, dx: int, dy: int) -> PlanText | PlanMarker:
    if isinstance(item, PlanMarker):
        return PlanMarker(item.direction, _moved(item.box, dx, dy))
    x, y = item.origin
    return PlanText(
        item.text, _moved(item.box, dx, dy), (x + dx, y + dy), item.size, item.bold, item.colour
    )


def _plan_region(count: RegionCount, names: Sequence[str], scale: int) -> RegionPlan:
    """The largest block that fits: names first (if few enough), then the region's name."""
    ordered = sorted(names, key=lambda n: (n.casefold(), n))
    with_names = bool(ordered) and len(ordered) <= MAX_NAMES
    font = scaled_font(NAME_SIZE, scale)
    drawn = (
        [shorten(n, font=font, max_width=NAME_MAX_WIDTH * scale) for n in ordered]
        if with_names
        else []
    )
    # Names first (they are what a few teams are read for), then the region's name, then size.
    variants = [
        (named, label, size)
        for named in ((True, False) if with_names else (False,))
        for label in (True, False)
        for size in COUNT_SIZES
        if size >= max(SMALLEST_WITH_NAMES if named else 0, SMALLEST_WITH_LABEL if label else 0)
    ]
    region = count.region or Region.OUTSIDE
    # Whether a kind of block fits at all, tried with its smallest count first: a larger
    # count only makes every line wider and taller, so a kind that fails small is skipped.
    feasible: dict[tuple[bool, bool], bool] = {}
    for named, label, size in variants:
        shown = drawn if named else []
        kind = (named, label)
        if kind not in feasible:
            smallest = min(s for n, lab, s in variants if (n, lab) == kind)
            lines, _ = _block(count, size=smallest, label=label, names=shown, scale=scale)
            feasible[kind] = place([_line_box(line) for line in lines], region, scale) is not None
        if not feasible[kind]:
            continue
        lines, count_text = _block(count, size=size, label=label, names=shown, scale=scale)
        spot = place([_line_box(line) for line in lines], region, scale)
        if spot is not None:
            return _region_plan(
                count,
                lines,
                count_text,
                spot,
                tuple(ordered) if named else (),
                labelled=label,
                in_region=True,
            )
    # Nothing fits (not with the diagram's sizes): the smallest count at the anchor.
    lines, count_text = _block(count, size=COUNT_SIZES[-1], label=False, names=[], scale=scale)
    ax, ay = logical_anchors()[region]
    return _region_plan(
        count,
        lines,
        count_text,
        (px(ax, scale), px(ay, scale)),
        (),
        labelled=False,
        in_region=False,
    )


def _region_plan(
    count: RegionCount,
    lines: list[_Line],
    count_text: PlanText,
    spot: Pixel,
    names: tuple[str, ...],
    *,
    labelled: bool,
    in_region: bool,
) -> RegionPlan:
    cx, cy = spot
    items = [_shift(item, cx, cy) for line in lines for item in line]
    texts = tuple(i for i in items if isinstance(i, PlanText))
    markers = tuple(i for i in items if isinstance(i, PlanMarker))
    moved_count = _shift(count_text, cx, cy)
    assert isinstance(moved_count, PlanText)
    return RegionPlan(count, moved_count, texts, markers, names, labelled, in_region)


# --- The whole map -------------------------------------------------------------------------------


def plan_counts(*, teams: Sequence[OrgTeam], scale: int = DEFAULT_SCALE) -> CountsPlan:
    """The counts view of ``teams``: a block per region, the movement and the unplaced below.

    Args:
        teams: Every team, with its region now and in its previous round.
        scale: Pixels per logical point.

    Returns:
        The plan, in pixels.
    """
    check_scale(scale)
    counts = count_org((t.region, t.previous) for t in teams)
    names: dict[Region | None, list[str]] = {}
    for team in teams:
        names.setdefault(team.region, []).append(team.name)
    regions = tuple(_plan_region(counts.of(r), names.get(r, []), scale) for r in Region)
    labelled = {plan.count.region for plan in regions if plan.labelled}
    unplaced = sorted(names.get(None, []), key=lambda n: (n.casefold(), n))
    footer, markers, lines = _footer(counts, unplaced, labelled, scale)
    height = max(float(LOGICAL_HEIGHT), FRAME_BOX[3] + FOOTER_LINE_HEIGHT * (lines + 1))
    return CountsPlan(
        scale=scale,
        width=LOGICAL_WIDTH * scale,
        height=px(height, scale),
        counts=counts,
        regions=regions,
        footer=footer,
        footer_markers=markers,
    )


def _footer(
    counts: OrgCounts, unplaced: Sequence[str], labelled: set[Region | None], scale: int
) -> tuple[tuple[PlanText, ...], tuple[PlanMarker, ...], int]:
    """Lines under the frame: how teams moved (the markers' legend), the teams without enough
    answers, and the counts of the regions whose name did not fit on the map."""
    width = (LOGICAL_WIDTH - 2 * MARGIN) * scale
    font = scaled_font(FOOTER_SIZE, scale)
    missing = counts.of(None).teams
    rest = counts.teams - counts.compared - missing
    parts: list[tuple[Direction | None, str]] = [
        (None, "Since the last round:"),
        (Direction.TOWARD, f"{counts.toward} moved toward the center"),
        (Direction.AWAY, f"{counts.away} moved away"),
        (None, f"{counts.steady} held their distance"),
    ]
    if rest:
        parts.append((None, f"{rest} had no placed round before"))
    first = _run(parts, size=FOOTER_SIZE, scale=scale)
    while _line_box(first)[2] > width and len(parts) > 3:  # the first three always fit
        parts.pop()
        first = _run(parts, size=FOOTER_SIZE, scale=scale)
    text = f"{NOT_ENOUGH_ANSWERS}: {missing} team" + ("" if missing == 1 else "s")
    listed = f"{text} ({', '.join(unplaced)})"
    if unplaced and font.getlength(listed) <= width:
        text = listed
    lines: list[_Line] = [
        first,
        [_text(text, x=0, y=0, size=FOOTER_SIZE, bold=False, colour=MUTED, scale=scale)],
    ]
    key = " · ".join(
        f"{counts.of(r).label}: {counts.of(r).teams}" for r in Region if r not in labelled
    )
    if key:
        key = shorten(key, font=font, max_width=width)
        lines.append(
            [_text(key, x=0, y=0, size=FOOTER_SIZE, bold=False, colour=MUTED, scale=scale)]
        )
    placed: list[PlanText | PlanMarker] = []
    for index, line in enumerate(lines):
        _, top, _, bottom = _line_box(line)
        mid = px(FRAME_BOX[3] + FOOTER_LINE_HEIGHT * (index + 1), scale)
        dy = mid - (top + bottom) // 2
        placed.extend(_shift(item, px(MARGIN, scale), dy) for item in line)
    texts = tuple(i for i in placed if isinstance(i, PlanText))
    markers = tuple(i for i in placed if isinstance(i, PlanMarker))
    return texts, markers, len(lines)
