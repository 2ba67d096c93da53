"""Fixtures of the picture tests: a team picture of every region, rendered once per module."""

from __future__ import annotations

import pytest
from PIL import Image

from bot.domain.regions import Region
from bot.pictures.team import render_team
from tests.bot.pictures.helpers import decode


@pytest.fixture(scope="module")
def team_pictures() -> dict[Region | None, Image.Image]:
    return {
        region: decode(
            render_team(region=region, team_name="payments", round_label="Round of 5 March")
        )
        for region in (*Region, None)
    }
