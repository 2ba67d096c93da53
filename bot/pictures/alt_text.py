"""Words for screen readers: what each picture shows, within Slack's alt text limit.

Plain strings from domain data: no Pillow here, so the words can be had without drawing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.domain.circles import CIRCLES
from bot.domain.org import LARGE_ORG_TEAMS, OrgEntry, OrgTeam, count_org, org_teams
from bot.domain.regions import NOT_ENOUGH_ANSWERS, Region, region_meaning
from bot.domain.trends import Direction, trend_of

# Slack rejects image alt text longer than this.
ALT_TEXT_LIMIT = 2000
# A large organisation's alt text names the teams of a region only when it holds this few.
NAMES_PER_REGION = 8


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


def alt_text_org(*, teams: Iterable[OrgEntry], title: str) -> str:
    """Words for screen readers saying what the org map shows.

    Up to ``LARGE_ORG_TEAMS`` teams: every region with its teams' names, then those without a
    region. Beyond: every region's count (and the names of a region with few teams), how
    many of its teams moved toward or away from the center, and the organisation's movement.

    Args:
        teams: (name, region) or (name, region, previous region) of every team.
        title: The picture's title.
    """
    entries = org_teams(teams)
    if len(entries) > LARGE_ORG_TEAMS:
        return _limit(_org_counts_text(entries, title))
    by_region: dict[Region, list[str]] = {}
    missing: list[str] = []
    for name, region, _ in entries:
        if region is None:
            missing.append(name)
        else:
            by_region.setdefault(region, []).append(name)
    parts = [f"{title}: map of {plural(len(entries), 'team')} on the Venn diagram."]
    for region in Region:
        if region in by_region:
            parts.append(f"{region.label}: {', '.join(_sorted(by_region[region]))}.")
    if missing:
        parts.append(f"{NOT_ENOUGH_ANSWERS}: {', '.join(missing)}.")
    if any(t.previous is not None for t in entries):
        parts.append(_movement(entries))
    return _limit(" ".join(parts))


def _sorted(names: Iterable[str]) -> list[str]:
    return sorted(names, key=lambda n: (n.casefold(), n))


def _movement(entries: Sequence[OrgTeam]) -> str:
    """E.g. "Since the previous round, 12 teams moved toward the center, 5 moved away and
    20 held their distance; 3 had no placed round before."."""
    counts = count_org((t.region, t.previous) for t in entries)
    rest = counts.teams - counts.compared - counts.of(None).teams
    text = (
        f"Since the previous round, {plural(counts.toward, 'team')} moved toward the center, "
        f"{counts.away} moved away and {counts.steady} held their distance"
    )
    return text + (f"; {rest} had no placed round before." if rest else ".")


def _org_counts_text(entries: Sequence[OrgTeam], title: str) -> str:
    counts = count_org((t.region, t.previous) for t in entries)
    names: dict[Region | None, list[str]] = {}
    for team in entries:
        names.setdefault(team.region, []).append(team.name)
    parts = [
        f"{title}: map of {plural(counts.teams, 'team')} on the Venn diagram, counted by region."
    ]
    for count in counts.regions:
        text = f"{count.label}: {plural(count.teams, 'team')}"
        details = []
        if count.toward:
            details.append(f"{count.toward} moved toward the center")
        if count.away:
            details.append(f"{count.away} moved away")
        if 0 < count.teams <= NAMES_PER_REGION:
            details.append(", ".join(_sorted(names[count.region])))
        parts.append(text + (f" ({'; '.join(details)})." if details else "."))
    parts.append(_movement(entries))
    return " ".join(parts)
