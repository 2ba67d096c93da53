"""Trend over the last rounds: toward the center, away from it, or steady."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.regions import Region, region_label

DEFAULT_WINDOW = 4


class Direction(StrEnum):
    TOWARD = "toward"
    AWAY = "away"
    STEADY = "steady"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return _DIRECTION_LABELS[self]

    @property
    def arrow(self) -> str:
        return _DIRECTION_ARROWS[self]


_DIRECTION_LABELS = {
    Direction.TOWARD: "moving toward the center",
    Direction.AWAY: "moving away from the center",
    Direction.STEADY: "steady",
    Direction.UNKNOWN: "not enough rounds yet",
}
_DIRECTION_ARROWS = {
    Direction.TOWARD: "↗",
    Direction.AWAY: "↘",
    Direction.STEADY: "→",
    Direction.UNKNOWN: "·",
}


@dataclass(frozen=True, slots=True)
class Trend:
    """The regions of the last rounds (oldest first) and where they are heading."""

    regions: tuple[Region | None, ...]
    direction: Direction

    @property
    def path(self) -> str:
        """E.g. "DevOps → DevOps → Center"."""
        return " → ".join(region_label(r) for r in self.regions)


def trend_of(history: Sequence[Region | None], *, window: int = DEFAULT_WINDOW) -> Trend:
    """Compute the trend of the last ``window`` rounds of ``history`` (oldest first).

    Rounds without enough answers are shown in the path but do not decide the direction: the
    newest placed round's depth (its number of circles) is compared with the mean depth of the
    placed rounds before it in the window, so one old dip does not read as a trend forever.
    """
    recent = tuple(history[-window:]) if window > 0 else ()
    placed = [r.depth for r in recent if r is not None]
    if len(placed) < 2:
        direction = Direction.UNKNOWN
    else:
        newest, earlier = placed[-1], placed[:-1]
        # Compare newest * n with sum(earlier) to stay in exact integers.
        diff = newest * len(earlier) - sum(earlier)
        direction = (
            Direction.TOWARD if diff > 0 else Direction.AWAY if diff < 0 else Direction.STEADY
        )
    return Trend(regions=recent, direction=direction)
