"""The App Home tab: the user's teams, and settings of the teams they manage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.delivery.platform import ImageRef
from bot.domain.views import HomeTeam
from bot.slack.blocks.status import region_line
from bot.slack.blocks.text import (
    MAX_VIEW_BLOCKS,
    Block,
    button,
    context,
    divider,
    escape,
    header,
    image,
    section,
)

SEND_PULSE_ACTION_ID = "home_send_pulse"
EDIT_SCHEDULE_ACTION_ID = "home_edit_schedule"
PULSE_ME_ACTION_ID = "home_pulse_me"


def pulse_me_blocks(item: HomeTeam) -> list[Block]:
    """For a member who was away when the team's open round reached them: answer it anyway."""
    return [
        context(
            ":palm_tree: You were away when this round opened, so it was not sent to you. "
            "Back already? Answer it now."
        ),
        {
            "type": "actions",
            "block_id": f"away_{item.team.id}",
            "elements": [
                button(
                    "Pulse me now",
                    action_id=PULSE_ME_ACTION_ID,
                    value=str(item.away_round_id),
                    style="primary",
                )
            ],
        },
    ]


def home_view(
    teams: Sequence[HomeTeam],
    *,
    notice: str | None = None,
    pictures: Mapping[int, ImageRef] | None = None,
) -> dict[str, Any]:
    """The Home tab.

    Args:
        teams: the user's teams with their status.
        notice: a one-line result of the user's last action, shown on top.
        pictures: each team's trend picture, by team id (missing ones are left out).
    """
    pictures = pictures or {}
    blocks: list[Block] = [header("SDO Pulse")]
    if notice:
        blocks.append(context(notice))
    blocks.append(
        section(
            "Is the customer in the middle? Each pulse asks whether a customer "
            "*validated an idea*, "
            "*critiqued the implementation* and *accepted a delivery*."
        )
    )
    if not teams:
        blocks.append(
            section("You are not in a team yet. Run `/sdo setup` in your team's channel to start.")
        )
    for item in teams:
        status = item.status
        trend = status.trend
        blocks += [
            divider(),
            section(
                f"*#{escape(item.team.name)}* — {region_line(status.headline)}\n"
                f"Trend: {trend.direction.arrow} {trend.direction.label}"
                + (f" ({trend.path})" if trend.regions else "")
            ),
        ]
        if item.team.id in pictures:
            blocks.append(image(pictures[item.team.id]))
        if item.away_round_id is not None:
            blocks += pulse_me_blocks(item)
        if item.manages:
            blocks.append(
                section(f":calendar: {item.team.schedule.describe()} ({escape(item.team.tz)})")
            )
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"manage_{item.team.id}",
                    "elements": [
                        button(
                            "Send pulse now",
                            action_id=SEND_PULSE_ACTION_ID,
                            value=str(item.team.id),
                            style="primary",
                        ),
                        button(
                            "Edit schedule",
                            action_id=EDIT_SCHEDULE_ACTION_ID,
                            value=str(item.team.id),
                        ),
                    ],
                }
            )
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = [*blocks[: MAX_VIEW_BLOCKS - 1], context("…more teams not shown")]
    return {"type": "home", "blocks": blocks}
