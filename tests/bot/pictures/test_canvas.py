"""The shared canvas: the circle labels of the pale diagram."""

from __future__ import annotations

import pytest

from bot.domain.circles import Circle
from bot.pictures.canvas import circle_label_lines


@pytest.mark.parametrize("circle", list(Circle))
def test_circle_labels_are_the_circle_labels_exactly(circle: Circle) -> None:
    assert " ".join(circle_label_lines(circle)) == circle.info.label
    assert circle_label_lines(Circle.WHAT) == ("What to build —", "customers validate ideas")
