"""An organisation at a glance: how many teams sit in each region, and how many moved.

What a director reads first when there are too many teams to name: a count per region (the
eight regions and "Not enough answers"), and how many teams moved toward or away from the
center since their previous round. Pictures, alt text, Slack blocks and Teams cards count
with the same function, so every surface says the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from bot.domain.regions import Region, region_label
from bot.domain.trends import Direction

if TYPE_CHECKING:
    from bot.domain.views import TeamStatus

# Above this many teams an organisation is shown by its counts first: a list or a map of every
# name stops being read at a glance (the org map switches earlier if the names do not fit).
LARGE_ORG_TEAMS = 30


class OrgTeam(NamedTuple):
    """A team as the org map and its alt text take it: a name, where it is, where it was.

    Attributes:
        name: The team's name.
        region: The region of the round it is judged by (``None``: not enough answers).
        previous: The region of the round before (``None``: none, or not enough answers).
    """

    name: str
    region: Region | None
    previous: Region | None = None


# (name, region) still works: a team with nothing to compare to.
OrgEntry = tuple[str, Region | None] | tuple[str, Region | None, Region | None]


def org_teams(teams: Iterable[OrgEntry]) -> list[OrgTeam]:
    """``teams`` as ``OrgTeam`` values, (name, region) pairs read as having no previous round."""
    return [OrgTeam(*team) for team in teams]


def movement(*, before: Region | None, now: Region | None) -> Direction:
    """Where a team went since its previous round: toward the center (more circles), away, or
    steady (as many circles, the same region or another); unknown if either round is unplaced.

    Args:
        before: The region of the previous round (``None``: no round, or not enough answers).
        now: The region of the round the team is judged by.
    """
    if before is None or now is None:
        return Direction.UNKNOWN
    if now.depth > before.depth:
        return Direction.TOWARD
    if now.depth < before.depth:
        return Direction.AWAY
    return Direction.STEADY


@dataclass(frozen=True, slots=True)
class RegionCount:
    """How many teams sit in one region now, and how those teams got there.

    Attributes:
        region: The region, ``None`` for "Not enough answers".
        teams: Teams in it now.
        toward: Of those, teams that moved toward the center since their previous round.
        away: Of those, teams that moved away from it.
        steady: Of those, teams as far from the center as in their previous round.
    """

    region: Region | None
    teams: int = 0
    toward: int = 0
    away: int = 0
    steady: int = 0

    @property
    def label(self) -> str:
        """The region's name as users read it ("Not enough answers" for ``None``)."""
        return region_label(self.region)


ORDER: tuple[Region | None, ...] = (*Region, None)


@dataclass(frozen=True, slots=True)
class OrgCounts:
    """Every region's count, Center first and "Not enough answers" last (zeros included)."""

    regions: tuple[RegionCount, ...]

    def of(self, region: Region | None) -> RegionCount:
        """The count of ``region`` (``None``: not enough answers)."""
        return self.regions[ORDER.index(region)]

    @property
    def teams(self) -> int:
        return sum(r.teams for r in self.regions)

    @property
    def toward(self) -> int:
        """Teams that moved toward the center since their previous round."""
        return sum(r.toward for r in self.regions)

    @property
    def away(self) -> int:
        """Teams that moved away from the center since their previous round."""
        return sum(r.away for r in self.regions)

    @property
    def steady(self) -> int:
        """Teams as far from the center as in their previous round."""
        return sum(r.steady for r in self.regions)

    @property
    def compared(self) -> int:
        """Teams placed in this round and their previous one: the only ones that can move."""
        return self.toward + self.away + self.steady


def count_org(teams: Iterable[tuple[Region | None, Region | None]]) -> OrgCounts:
    """Count teams by region and by how they moved.

    Args:
        teams: (region now, region of the previous round) pairs, ``None`` where a round is
            unplaced or missing.

    Returns:
        The counts of every region, zeros included.
    """
    tallies = {region: [0, 0, 0, 0] for region in ORDER}
    for now, before in teams:
        tally = tallies[now]
        tally[0] += 1
        direction = movement(before=before, now=now)
        if direction is Direction.TOWARD:
            tally[1] += 1
        elif direction is Direction.AWAY:
            tally[2] += 1
        elif direction is Direction.STEADY:
            tally[3] += 1
    return OrgCounts(tuple(RegionCount(region, *tallies[region]) for region in ORDER))


def previous_region(status: TeamStatus) -> Region | None:
    """The region of the round before the one the team is judged by (``status.headline``).

    ``status.trend`` holds the regions of the team's last closed rounds, oldest first (as
    ``bot.services.status`` builds it): an open round judged so far comes after the last of
    them, a closed headline is the last of them.

    Returns:
        That region, or ``None`` if there is no such round or it had not enough answers.
    """
    head = status.headline
    closed = status.trend.regions
    if head is None:
        return None
    if head is status.current:  # open, so after every closed round
        return closed[-1] if closed else None
    return closed[-2] if len(closed) >= 2 else None


def count_statuses(statuses: Iterable[TeamStatus]) -> OrgCounts:
    """``count_org`` of teams' statuses: each by its headline and the round before it."""
    return count_org(
        (s.headline.region if s.headline else None, previous_region(s)) for s in statuses
    )


def movement_sentence(counts: OrgCounts) -> str:
    """E.g. "Since the previous round: 143 teams moved toward the center, 97 moved away,
    700 held their distance (60 cannot be compared: a first round or not enough answers)."."""
    text = (
        f"Since the previous round: {_teams(counts.toward)} moved toward the center, "
        f"{counts.away} moved away, {counts.steady} held their distance"
    )
    rest = counts.teams - counts.compared
    if rest:
        text += f" ({rest} cannot be compared: a first round or not enough answers)"
    return text + "."


def _teams(count: int) -> str:
    return f"{count} team" if count == 1 else f"{count} teams"
