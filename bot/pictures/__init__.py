"""The Venn pictures (Pillow): pure functions from regions to PNG bytes and their alt text.

Input is plain domain data, output is PNG bytes: no Slack, network, storage or display. The
modules import one way, each only from those before it: ``geometry`` (the logical canvas,
circles, region masks, anchors), ``canvas`` (fonts, colours, the pale diagram, header, caption,
PNG), ``alt_text`` (words for screen readers; no Pillow), then the pictures: ``team``,
``trend``, ``org_layout`` (the org map's dots view: where it puts every team of a small
organisation), ``org_fit`` and ``org_counts`` (its counts view for a large one: a count per
region, how teams moved, names where they fit) and ``org_map`` (which view, and drawing it).
"""

from bot.pictures.alt_text import alt_text_org, alt_text_team, alt_text_trend
from bot.pictures.org_map import render_org_map
from bot.pictures.team import render_team
from bot.pictures.trend import render_trend

__all__ = [
    "alt_text_org",
    "alt_text_team",
    "alt_text_trend",
    "render_org_map",
    "render_team",
    "render_trend",
]
