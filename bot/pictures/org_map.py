"""The organisation map picture, as a PNG: a dots view for few teams, a counts view for many.

Up to ``LARGE_ORG_TEAMS`` (30) teams, and only if every one of them gets its dot and name
(no "+N more"), each team is a labelled dot in its region (``org_layout``): at that size the
names are what a reader wants. Beyond, or when a crowded region would hide names, each region
shows how many teams sit there and how many moved toward or away from the center, with names
only where all of a region's fit (``org_counts``): it reads the same at 31 or 10,000 teams and
draws in constant time.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import ImageDraw, ImageFont

from bot.domain.org import LARGE_ORG_TEAMS, OrgEntry, org_teams
from bot.domain.regions import Region
from bot.domain.trends import Direction
from bot.pictures.alt_text import plural
from bot.pictures.canvas import (
    DETAIL_FONT_SIZE,
    INK,
    LABEL_PAPER,
    MUTED,
    ORG_AWAY,
    ORG_DOT,
    ORG_TOWARD,
    draw_header,
    encode_png,
    new_canvas,
    scaled_font,
)
from bot.pictures.geometry import DEFAULT_SCALE, FRAME_BOX, MARGIN, Box, px
from bot.pictures.org_counts import CountsPlan, PlanMarker, PlanText, plan_counts
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
    return _draw_dots(layout, title=title, teams=len(teams)), layout


def _draw_dots(layout: OrgLayout, *, title: str, teams: int) -> bytes:
    """The dots view as a PNG, drawn from its layout."""
    scale = layout.scale
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
        subtitle=plural(teams, "team"),
    )
    footer_font = scaled_font(DETAIL_FONT_SIZE, scale)
    for index, line in enumerate(layout.footer_lines):
        line_y = FRAME_BOX[3] + FOOTER_LINE_HEIGHT * (index + 1)
        origin = (px(MARGIN, scale), px(line_y, scale))
        draw.text(origin, line, font=footer_font, fill=MUTED, anchor="lm")
    return encode_png(image)


def _draw_in_box(
    draw: ImageDraw.ImageDraw, text: str, box: Box, font: ImageFont.FreeTypeFont
) -> None:
    """Draw ``text`` so that its ink box is ``box`` (as ``org_layout`` measures a label)."""
    left, top, _, _ = font.getbbox(text, anchor="la")
    draw.text((box[0] - left, box[1] - top), text, font=font, fill=MUTED, anchor="la")


def plan_org_map(
    *, teams: Sequence[OrgEntry], scale: int = DEFAULT_SCALE
) -> OrgLayout | CountsPlan:
    """Which view the org map of ``teams`` gets, and where everything in it goes.

    Args:
        teams: (name, region) or (name, region, previous region) of every team.
        scale: Pixels per logical point.

    Returns:
        The dots layout when there are at most ``LARGE_ORG_TEAMS`` teams and every one of them
        gets its dot and name, else the counts plan.
    """
    entries = org_teams(teams)
    if len(entries) <= LARGE_ORG_TEAMS:
        layout = layout_org_map(teams=[(t.name, t.region) for t in entries], scale=scale)
        if not layout.overflows:
            return layout
    return plan_counts(teams=entries, scale=scale)


def render_counts_map(*, plan: CountsPlan, title: str) -> bytes:
    """The counts view as a PNG, drawn from its plan.

    Args:
        plan: From ``plan_counts``.
        title: Shown top left, e.g. the workspace's name.
    """
    scale = plan.scale
    image = new_canvas(scale, height=plan.height)
    draw = ImageDraw.Draw(image)
    for region in plan.regions:
        for text in region.texts:
            _draw_text(draw, text, scale)
        for marker in region.markers:
            _draw_marker(draw, marker)
    for text in plan.footer:
        _draw_text(draw, text, scale)
    for marker in plan.footer_markers:
        _draw_marker(draw, marker)
    draw_header(draw, scale=scale, title=title, subtitle=plural(plan.counts.teams, "team"))
    return encode_png(image)


def _draw_text(draw: ImageDraw.ImageDraw, text: PlanText, scale: int) -> None:
    font = scaled_font(text.size, scale, bold=text.bold)
    draw.text(text.origin, text.text, font=font, fill=text.colour, anchor="la")


def _draw_marker(draw: ImageDraw.ImageDraw, marker: PlanMarker) -> None:
    """▲ for toward the center, ▼ for away: a triangle filling the marker's box."""
    left, top, right, bottom = marker.box
    middle = (left + right) / 2
    if marker.direction is Direction.TOWARD:
        points = [(left, bottom), (right, bottom), (middle, top)]
        colour = ORG_TOWARD
    else:
        points = [(left, top), (right, top), (middle, bottom)]
        colour = ORG_AWAY
    draw.polygon(points, fill=colour)


def render_org_map(*, teams: Sequence[OrgEntry], title: str, scale: int = DEFAULT_SCALE) -> bytes:
    """The organisation map as a PNG: labelled dots for a few teams, counts for many.

    Args:
        teams: (name, region) or (name, region, previous region) of every team; the region
            is ``None`` for "Not enough answers", the previous region for none or unplaced.
        title: Shown top left, e.g. the workspace's name.
        scale: Pixels per logical point.

    Returns:
        PNG bytes.
    """
    plan = plan_org_map(teams=teams, scale=scale)
    if isinstance(plan, CountsPlan):
        return render_counts_map(plan=plan, title=title)
    return _draw_dots(plan, title=title, teams=len(teams))
