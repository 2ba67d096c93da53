"""Where a block of text fits in a region of the diagram, clear of every line.

Tested on the exact circles (not the rasterised masks), with room for the outline's width:
what ``fits`` accepts crosses no circle line, frame edge or circle-label paper.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

from bot.domain.regions import Region, region_for
from bot.pictures.geometry import (
    CIRCLE_CENTRES,
    CIRCLE_LABEL_SPOTS,
    CIRCLE_OUTLINE,
    CIRCLE_RADIUS,
    FRAME_BOX,
    Box,
    LogicalBox,
    Pixel,
    circles_at,
    distance_to_box,
    logical_anchors,
    px,
)

# In logical points.
ROOM = 3.0  # free space kept between anything written and a circle line or frame edge
SEARCH_RADIUS = 42.0  # how far from the region's anchor a block may move to fit
SEARCH_STEP = 6.0


def fits(box: LogicalBox, region: Region) -> bool:
    """Whether ``box`` (logical) lies in ``region`` with ``ROOM`` to spare from every line."""
    left, top, right, bottom = box
    frame = FRAME_BOX
    if left < frame[0] + ROOM or top < frame[1] + ROOM:
        return False
    if right > frame[2] - ROOM or bottom > frame[3] - ROOM:
        return False
    corners = ((left, top), (right, top), (left, bottom), (right, bottom))
    for circle, centre in CIRCLE_CENTRES.items():
        if circle in region.circles:
            # The outline is drawn inside the radius: keep clear of all of its width.
            if any(math.dist(c, centre) > CIRCLE_RADIUS - CIRCLE_OUTLINE - ROOM for c in corners):
                return False
        elif distance_to_box(centre, box) < CIRCLE_RADIUS + ROOM:
            return False
    return not any(_touches(box, spot.box) for spot in CIRCLE_LABEL_SPOTS.values())


def _touches(a: LogicalBox, b: LogicalBox) -> bool:
    return a[0] < b[2] + ROOM and b[0] < a[2] + ROOM and a[1] < b[3] + ROOM and b[1] < a[3] + ROOM


@lru_cache(maxsize=16)
def _candidates(region: Region, scale: int) -> tuple[Pixel, ...]:
    """Points (pixels) of ``region`` near its anchor, nearest first: where a block may centre."""
    ax, ay = logical_anchors()[region]
    steps = int(SEARCH_RADIUS / SEARCH_STEP)
    points = [
        (ax + i * SEARCH_STEP, ay + j * SEARCH_STEP)
        for i in range(-steps, steps + 1)
        for j in range(-steps, steps + 1)
        if math.hypot(i, j) * SEARCH_STEP <= SEARCH_RADIUS
    ]
    inside = [p for p in points if region_for(circles_at(p)) is region]
    inside.sort(key=lambda p: math.dist(p, (ax, ay)))
    return tuple((px(x, scale), px(y, scale)) for x, y in inside)


def place(boxes: Sequence[Box], region: Region, scale: int) -> Pixel | None:
    """Where to centre a block so that all of its ``boxes`` fit in ``region``.

    Args:
        boxes: The block's boxes (pixels), relative to its centre.
        region: Where it must fit.
        scale: Pixels per logical point.

    Returns:
        The first candidate centre (pixels) near the region's anchor, nearest first, or
        ``None`` if the block fits nowhere near it.
    """
    # The boxes reaching farthest from the centre first: they are the ones that fail.
    ordered = sorted(
        boxes,
        key=lambda b: -max(abs(b[0]), abs(b[2])) - max(abs(b[1]), abs(b[3])),
    )
    for cx, cy in _candidates(region, scale):
        if all(
            fits(
                (
                    (b[0] + cx) / scale,
                    (b[1] + cy) / scale,
                    (b[2] + cx) / scale,
                    (b[3] + cy) / scale,
                ),
                region,
            )
            for b in ordered
        ):
            return (cx, cy)
    return None
