"""The eight regions of the Venn diagram, named after the essay."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.circles import Circle


@dataclass(frozen=True, slots=True)
class RegionInfo:
    label: str
    meaning: str
    circles: frozenset[Circle]


class Region(StrEnum):
    """Where a team sits: the set of circles it is in."""

    CENTER = "center"
    DEVOPS = "devops"
    FEASIBILITY = "feasibility"
    MARKETING = "marketing"
    RESEARCH_ONLY = "research_only"
    ENGINEERING_ONLY = "engineering_only"
    DELIVERY_ONLY = "delivery_only"
    OUTSIDE = "outside"

    @property
    def info(self) -> RegionInfo:
        return REGION_INFO[self]

    @property
    def label(self) -> str:
        """The name users read, exactly as in the specification (e.g. "Feasibility practice")."""
        return REGION_INFO[self].label

    @property
    def meaning(self) -> str:
        return REGION_INFO[self].meaning

    @property
    def circles(self) -> frozenset[Circle]:
        return REGION_INFO[self].circles

    @property
    def depth(self) -> int:
        """How close to the center: the number of circles (0 = Outside, 3 = Center)."""
        return len(REGION_INFO[self].circles)


W, H, D = Circle.WHAT, Circle.HOW, Circle.DELIVER

REGION_INFO: dict[Region, RegionInfo] = {
    Region.CENTER: RegionInfo(
        "Center",
        "Understands, builds and delivers the right value with the customer in the middle: "
        "excellence, innovation, world-class results.",
        frozenset({W, H, D}),
    ),
    Region.DEVOPS: RegionInfo(
        "DevOps",
        "Builds and delivers really fast, but does not know what to build.",
        frozenset({H, D}),
    ),
    Region.FEASIBILITY: RegionInfo(
        "Feasibility practice",
        "Shows what is feasible, but it never sees the light of day.",
        frozenset({W, H}),
    ),
    Region.MARKETING: RegionInfo(
        "Marketing",
        "Knows what to build and how to deliver it, but cannot turn that into value.",
        frozenset({W, D}),
    ),
    Region.RESEARCH_ONLY: RegionInfo(
        "Research only",
        "Has ideas that are neither built nor delivered.",
        frozenset({W}),
    ),
    Region.ENGINEERING_ONLY: RegionInfo(
        "Engineering only",
        "Builds, with no customer on either side.",
        frozenset({H}),
    ),
    Region.DELIVERY_ONLY: RegionInfo(
        "Delivery only",
        "Ships, with no customer input.",
        frozenset({D}),
    ),
    Region.OUTSIDE: RegionInfo(
        "Outside",
        "No customer involvement at all.",
        frozenset(),
    ),
}

_BY_CIRCLES: dict[frozenset[Circle], Region] = {info.circles: r for r, info in REGION_INFO.items()}

NOT_ENOUGH_ANSWERS = "Not enough answers"
NOT_ENOUGH_ANSWERS_MEANING = (
    "Too few members answered this round to place the team: no region is guessed."
)


def region_for(circles: Iterable[Circle]) -> Region:
    """Return the region of a team that is in exactly ``circles``."""
    return _BY_CIRCLES[frozenset(circles)]


def region_label(region: Region | None) -> str:
    """The name to show, with ``None`` read as "Not enough answers"."""
    return NOT_ENOUGH_ANSWERS if region is None else region.label


def region_meaning(region: Region | None) -> str:
    return NOT_ENOUGH_ANSWERS_MEANING if region is None else region.meaning
