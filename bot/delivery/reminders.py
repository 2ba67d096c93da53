"""A round's reminder DMs: one to each member the scheduler claimed it for (``claim_reminders``).

Claimed before sending: a member whose reminder the platform refuses goes without one rather
than get two (the failure is logged).
"""

from __future__ import annotations

import asyncio
import logging

from bot.delivery.platform import ChatPlatform, PlatformError
from bot.domain.model import ReminderTarget, TeamRound, valid_tz
from bot.domain.views import ReminderView
from bot.services.schedule import round_times

log = logging.getLogger(__name__)


async def remind_round(
    *, platform: ChatPlatform, item: TeamRound, targets: list[ReminderTarget], concurrency: int
) -> int:
    """Send the round's reminder to each target, ``concurrency`` at a time; how many went."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def remind(target: ReminderTarget) -> int:
        async with gate:
            return await _remind_one(platform, item, target)

    return sum(await asyncio.gather(*(remind(t) for t in targets)))


async def _remind_one(platform: ChatPlatform, item: TeamRound, target: ReminderTarget) -> int:
    team = item.team
    _, close_at = round_times(team.schedule, valid_tz(team.tz), pulse_at=item.round.opened_at)
    reminder = ReminderView(team_name=team.name, round_number=item.round.number, close_at=close_at)
    try:
        await platform.remind(
            workspace_id=team.workspace_id, channel_id=target.channel_id, reminder=reminder
        )
    except PlatformError as exc:
        log.warning(
            "reminder to %s (round %s) not sent: %s", target.user_id, item.round.id, exc.reason
        )
        return 0
    return 1
