"""The Venn pictures (Pillow): pure functions from regions to PNG bytes and their alt text."""

from bot.pictures.charts import (
    alt_text_org,
    alt_text_team,
    alt_text_trend,
    render_org_map,
    render_team,
    render_trend,
)

__all__ = [
    "alt_text_org",
    "alt_text_team",
    "alt_text_trend",
    "render_org_map",
    "render_team",
    "render_trend",
]
