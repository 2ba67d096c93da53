"""`status all` of a large organisation in Teams: counts per region and who moved, first."""

from __future__ import annotations

from bot.delivery.platform import ImageRef
from bot.teams.cards.status import org_status_card
from tests.bot.slack.blocks.test_status_org import organisation
from tests.bot.teams.cards.reading import card_errors, read


def test_a_thousand_teams_are_counted_by_region_before_they_are_listed() -> None:
    card = org_status_card(organisation(1000), picture=ImageRef("https://f.example/m", "map"))
    assert card_errors(card) == []
    lines = read(card).splitlines()
    assert lines[:12] == [
        "All teams (1000)",
        "🎯 Center: **100**  ↗ 100",
        "🚀 DevOps: **0**",
        "🧪 Feasibility practice: **0**",
        "📢 Marketing: **0**",
        "📚 Research only: **0**",
        "⚙️ Engineering only: **0**",
        "🚚 Delivery only: **700**",
        "🚪 Outside: **100**  ↘ 100",
        "⏳ Not enough answers: **100**",
        "Since the previous round: ↗ 100 moved toward the center · ↘ 100 moved away · "
        "700 held their distance",
        "(image: map)",
    ]
    # The title and the counts are one block: the list after the picture is as before.
    assert card["body"][0]["id"] == "org-counts"
    assert read(card).endswith("more teams")


def test_a_small_organisation_gets_its_list_only() -> None:
    assert "Teams by region" not in read(org_status_card(organisation(30)))
    assert "🎯 Center: **" not in read(org_status_card(organisation(30)))
    assert "🎯 Center: **4**  ↗ 4" in read(org_status_card(organisation(31)))
