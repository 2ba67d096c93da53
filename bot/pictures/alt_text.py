"""Words for screen readers: what each picture shows, within Slack's alt text limit.

Plain strings from domain data: no Pillow here, so the words can be had without drawing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.domain.circles import CIRCLES
from bot.domain.regions import NOT_ENOUGH_ANSWERS, Region, region_meaning
from bot.domain.trends import Direction, trend_of

# Slack rejects image alt text longer than this.
ALT_TEXT_LIMIT = 2000


def plural(count: int, word: str) -> str:
    """``count`` and ``word``, with an "s" unless the count is one: "1 team", "3 teams"."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _limit(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


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


def alt_text_trend(*, regions: Sequence[Region | None], team_name: str) -> str:
    """Words for screen readers saying what the trend picture shows."""
    if not regions:
        return _limit(f"Trend of {team_name}: no rounds yet.")
    trend = trend_of(regions, window=len(regions))
    skipped = sum(1 for r in regions if r is None)
    text = (
        f"Trend of {team_name} over the last {plural(len(regions), 'round')}, oldest first: "
        f"{trend.path}."
    )
    if trend.direction is not Direction.UNKNOWN:
        text += f" The team is {trend.direction.label}."
    if skipped:
        text += f" {plural(skipped, 'round')} had too few answers."
    return _limit(text)


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
    parts = [f"{title}: map of {plural(count, 'team')} on the Venn diagram."]
    for region in Region:
        if region in by_region:
            names = sorted(by_region[region], key=lambda n: (n.casefold(), n))
            parts.append(f"{region.label}: {', '.join(names)}.")
    if missing:
        parts.append(f"{NOT_ENOUGH_ANSWERS}: {', '.join(missing)}.")
    return _limit(" ".join(parts))
