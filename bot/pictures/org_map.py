"""The organisation map picture: every team as a labelled dot in its region, as a PNG."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import ImageDraw, ImageFont

from bot.domain.regions import Region
from bot.pictures.alt_text import plural
from bot.pictures.canvas import (
    DETAIL_FONT_SIZE,
    INK,
    LABEL_PAPER,
    MUTED,
    ORG_DOT,
    draw_header,
    encode_png,
    new_canvas,
    scaled_font,
)
from bot.pictures.geometry import DEFAULT_SCALE, FRAME_BOX, MARGIN, Box, px
from bot.pictures.org_layout import FOOTER_LINE_HEIGHT, TEAM_FONT_SIZE, OrgLayout, layout_org_map


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
    image = new_canvas(scale, height=layout.height)
    draw = ImageDraw.Draw(image)
    font = scaled_font(TEAM_FONT_SIZE, scale)
    more_font = scaled_font(TEAM_FONT_SIZE, scale, bold=True)
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
    draw_header(
        draw,
        scale=scale,
        title=title,
        subtitle=plural(len(teams), "team"),
    )
    footer_font = scaled_font(DETAIL_FONT_SIZE, scale)
    for index, line in enumerate(layout.footer_lines):
        line_y = FRAME_BOX[3] + FOOTER_LINE_HEIGHT * (index + 1)
        origin = (px(MARGIN, scale), px(line_y, scale))
        draw.text(origin, line, font=footer_font, fill=MUTED, anchor="lm")
    return encode_png(image), layout


def _draw_in_box(
    draw: ImageDraw.ImageDraw, text: str, box: Box, font: ImageFont.FreeTypeFont
) -> None:
    """Draw ``text`` so that its ink box is ``box`` (as ``org_layout`` measures a label)."""
    left, top, _, _ = font.getbbox(text, anchor="la")
    draw.text((box[0] - left, box[1] - top), text, font=font, fill=MUTED, anchor="la")


def render_org_map(
    *, teams: Sequence[tuple[str, Region | None]], title: str, scale: int = DEFAULT_SCALE
) -> bytes:
    """The organisation map: every team as a labelled dot in its region, as a PNG."""
    png, _ = render_org_map_with_layout(teams=teams, title=title, scale=scale)
    return png
