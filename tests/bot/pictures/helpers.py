"""What the picture tests share: decoding PNGs, reading pixels, and the teams of the org map."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from PIL import Image

from bot.domain.regions import Region
from bot.pictures.geometry import VennGeometry

GEOMETRY = VennGeometry()
OTHER_SCALE = 1

# Thirty-two teams with names of every length, four per region, and two without a region.
ORG_TEAMS: tuple[tuple[str, Region | None], ...] = (
    *(
        (name, region)
        for index, region in enumerate(Region)
        for name in (
            f"payments-{index}",
            f"Search & Discovery {index}",
            f"ops{index}",
            f"mobile guild {index}",
        )
    ),
    ("ghosts", None),
    ("late crew", None),
)

TREND = (Region.OUTSIDE, None, Region.DELIVERY_ONLY, Region.DEVOPS, Region.CENTER)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return (value[0], value[1], value[2])


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    found = image.getcolors(maxcolors=1 << 16)
    assert found is not None
    return {colour for _, colour in found}  # type: ignore[misc]


def count_pixels(image: Image.Image, wanted: Callable[[tuple[int, int, int]], bool]) -> int:
    found = image.getcolors(maxcolors=1 << 16)
    assert found is not None
    return sum(count for count, colour in found if wanted(colour))  # type: ignore[arg-type,misc]


def frame_grid(geometry: VennGeometry, step: int) -> Iterator[tuple[int, int]]:
    left, top, right, bottom = geometry.frame
    for y in range(top, bottom, step):
        for x in range(left, right, step):
            yield x, y


def saturation(colour: tuple[int, int, int]) -> int:
    return max(colour) - min(colour)


# A thousand teams spread over the regions (four in Research only, so that their names fit), each
# with a previous region from a fixed cycle: what the counts view is drawn from.
THOUSAND_COUNTS: dict[Region | None, int] = {
    Region.CENTER: 60,
    Region.DEVOPS: 92,
    Region.FEASIBILITY: 75,
    Region.MARKETING: 80,
    Region.RESEARCH_ONLY: 4,
    Region.ENGINEERING_ONLY: 190,
    Region.DELIVERY_ONLY: 160,
    Region.OUTSIDE: 299,
    None: 40,
}
_PREVIOUS_CYCLE: tuple[Region | None, ...] = (*Region, None)


def thousand_teams() -> list[tuple[str, Region | None, Region | None]]:
    teams: list[tuple[str, Region | None, Region | None]] = []
    for region, count in THOUSAND_COUNTS.items():
        for _ in range(count):
            index = len(teams)
            before = _PREVIOUS_CYCLE[(index * 5) % len(_PREVIOUS_CYCLE)]
            teams.append((f"team {index:04d}", region, before))
    assert len(teams) == 1000
    return teams


def expected_moves(
    teams: list[tuple[str, Region | None, Region | None]],
) -> dict[Region | None, tuple[int, int]]:
    """(toward, away) per region now, counted here by depth, apart from the code under test."""
    moves: dict[Region | None, tuple[int, int]] = {}
    for _, now, before in teams:
        toward, away = moves.get(now, (0, 0))
        if now is not None and before is not None:
            toward += now.depth > before.depth
            away += now.depth < before.depth
        moves[now] = (toward, away)
    return moves
