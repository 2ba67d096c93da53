"""The team picture: the team's region highlighted on the pale diagram."""

from __future__ import annotations

from PIL import ImageDraw

from bot.domain.regions import Region, region_label, region_meaning
from bot.pictures.canvas import HIGHLIGHT, draw_caption, draw_header, encode_png, new_canvas
from bot.pictures.geometry import DEFAULT_SCALE, check_scale, region_masks


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
    check_scale(scale)
    image = new_canvas(scale)
    if region is not None:
        box, mask = region_masks(scale).highlight_masks[region]
        image.paste(HIGHLIGHT, box, mask=mask)
    draw = ImageDraw.Draw(image)
    draw_header(draw, scale=scale, title=team_name, subtitle=round_label)
    draw_caption(
        draw,
        scale=scale,
        title=region_label(region),
        details=(region_meaning(region),),
        swatch=region is not None,
    )
    return encode_png(image)
