"""Draw the Teams app icons: ``color.png`` (192 × 192) and ``outline.png`` (32 × 32).

Three overlapping circles, the Software Delivery Operations Venn diagram the pictures draw
(what to build top left, how to build it top right, how to deliver it below) with the center
in the highlight colour. Deterministic: run ``python teams/icons.py`` after changing it and
commit both PNGs.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

HERE = Path(__file__).resolve().parent
SUPERSAMPLE = 8  # draw large, then shrink: smooth edges without an anti-aliasing pass

Colour = tuple[int, int, int]
# The colours of bot/pictures/canvas.py and the Slack app's background (manifest.yml).
BACKGROUND: Colour = (29, 53, 87)
CIRCLES: tuple[Colour, Colour, Colour] = ((25, 113, 194), (43, 138, 62), (132, 50, 165))
CENTER: Colour = (232, 89, 12)
WHITE: Colour = (255, 255, 255)


def _mix(colours: list[Colour]) -> Colour:
    """The mean of ``colours``, lifted toward white: overlaps read lighter, like the pictures."""
    mean = [sum(c[i] for c in colours) / len(colours) for i in range(3)]
    lifted = [round(v + (255 - v) * 0.25) for v in mean]
    return (lifted[0], lifted[1], lifted[2])


def _centres(size: float, radius: float) -> list[tuple[float, float]]:
    """The three centres, one radius apart, the diagram's bounding box centred in ``size``."""
    spacing = radius
    # Centred on the bounding box, not the centroid: the diagram is taller below its centroid.
    cx = size / 2
    cy = size / 2 - (spacing / math.sqrt(3) - spacing / (2 * math.sqrt(3))) / 2
    up = spacing / (2 * math.sqrt(3))
    return [
        (cx - spacing / 2, cy - up),
        (cx + spacing / 2, cy - up),
        (cx, cy + spacing / math.sqrt(3)),
    ]


def _disc(size: int, centre: tuple[float, float], radius: float, width: float = 0) -> Image.Image:
    """A one-bit mask of a filled disc, or of a ring ``width`` wide when ``width`` is set."""
    mask = Image.new("1", (size, size), 0)
    x, y = centre
    box = (x - radius, y - radius, x + radius, y + radius)
    if width:
        ImageDraw.Draw(mask).ellipse(box, outline=1, width=round(width))
    else:
        ImageDraw.Draw(mask).ellipse(box, fill=1)
    return mask


def color_icon(size: int = 192) -> Image.Image:
    """The full-colour icon: the diagram on the app's dark blue, every region its own colour."""
    big = size * SUPERSAMPLE
    radius = 0.21 * big
    discs = [_disc(big, c, radius) for c in _centres(big, radius)]
    image = Image.new("RGB", (big, big), BACKGROUND)
    for members in range(1, 8):  # every non-empty set of circles, as a bit mask
        inside = [i for i in range(3) if members >> i & 1]
        region = Image.new("1", (big, big), 1)
        for i in range(3):
            disc = discs[i] if i in inside else ImageChops.invert(discs[i])
            region = ImageChops.logical_and(region, disc)
        colour = CENTER if len(inside) == 3 else _mix([CIRCLES[i] for i in inside])
        image.paste(colour, mask=region)
    for centre in _centres(big, radius):
        ring = _disc(big, centre, radius, width=0.012 * big)
        image.paste(WHITE, mask=ring)
    return image.resize((size, size), Image.Resampling.LANCZOS).quantize(colors=64)


def outline_icon(size: int = 32) -> Image.Image:
    """The outline icon: three white rings on a transparent ground (what Teams asks for)."""
    big = size * SUPERSAMPLE
    radius = 0.29 * big
    rings = Image.new("1", (big, big), 0)
    for centre in _centres(big, radius):
        rings = ImageChops.logical_or(rings, _disc(big, centre, radius, width=0.06 * big))
    alpha = rings.convert("L").resize((size, size), Image.Resampling.LANCZOS)
    image = Image.new("RGBA", (size, size), (*WHITE, 0))
    image.putalpha(alpha)
    return image


def main() -> None:
    color_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)


if __name__ == "__main__":
    main()
