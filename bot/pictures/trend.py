"""The trend picture: a team's last rounds as a path of dots through the regions."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import ImageDraw

from bot.domain.regions import NOT_ENOUGH_ANSWERS, Region, region_label
from bot.domain.trends import trend_of
from bot.pictures.alt_text import plural
from bot.pictures.canvas import (
    FRAME_OUTLINE,
    INK,
    LABEL_PAPER,
    PATH_LINE,
    TREND_RAMP,
    draw_caption,
    draw_header,
    encode_png,
    new_canvas,
    scaled_font,
)
from bot.pictures.geometry import DEFAULT_SCALE, VennGeometry, check_scale, px

# Sizes, in logical points (multiply by ``scale`` for pixels).
TREND_DOT_RADIUS = 10.0
TREND_NEWEST_DOT_RADIUS = 14.0
TREND_LINE_WIDTH = 3.0
TAG_FONT_SIZE = 14


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
        parts.append(f"{plural(skipped, 'round')} had too few answers")
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
    check_scale(scale)
    geometry = VennGeometry(scale=scale)
    image = new_canvas(scale)
    draw = ImageDraw.Draw(image)
    placed = [(number, r) for number, r in enumerate(regions, start=1) if r is not None]
    points = [geometry.anchor(r) for _, r in placed]
    if len(points) > 1:
        draw.line(points, fill=PATH_LINE, width=px(TREND_LINE_WIDTH, scale), joint="curve")
    for index, point in enumerate(points):
        newest = index == len(points) - 1
        share = 1.0 if len(points) == 1 else index / (len(points) - 1)
        radius = (TREND_NEWEST_DOT_RADIUS if newest else TREND_DOT_RADIUS) * scale
        x, y = point
        draw.ellipse(
            (x - radius, y - radius, x + radius, y + radius),
            fill=TREND_RAMP[round(share * (len(TREND_RAMP) - 1))],
            outline=INK if newest else LABEL_PAPER,
            width=px(2, scale),
        )
    _draw_round_tags(draw, placed=placed, geometry=geometry)
    draw_header(draw, scale=scale, title=team_name, subtitle=_rounds_subtitle(len(regions)))
    draw_caption(
        draw,
        scale=scale,
        title=_trend_title(regions),
        details=_trend_details(regions),
        swatch=False,
    )
    return encode_png(image)


def _draw_round_tags(
    draw: ImageDraw.ImageDraw,
    *,
    placed: Sequence[tuple[int, Region]],
    geometry: VennGeometry,
) -> None:
    """A paper tag up-right of each visited region's dot: its round numbers, "now" on the last."""
    scale = geometry.scale
    font = scaled_font(TAG_FONT_SIZE, scale, bold=True)
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
