"""A pulse sent now (``/sdo pulse``, the App Home's "Send pulse now"): open the round, send it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.delivery.fanout import DEFAULT_LEASE, FanoutResult, deliver_round
from bot.delivery.platform import ChatPlatform
from bot.domain.model import Round, Team
from bot.services import Services

# Before reaching more members than this, the caller is told the pulse is on its way.
LARGE_TEAM_MEMBERS = 25


@dataclass(frozen=True, slots=True)
class PulseOutcome:
    """What a pulse sent now did: the round (new, or the one open this minute) and its DMs."""

    round: Round
    created: bool
    sent: FanoutResult


async def pulse_now(
    *,
    services: Services,
    platform: ChatPlatform,
    team: Team,
    concurrency: int,
    lease: timedelta = DEFAULT_LEASE,
    large_team: Callable[[Round, int], Awaitable[None]] | None = None,
) -> PulseOutcome | None:
    """Open a round for the team now and send it to every member.

    Args:
        services: the use cases.
        platform: where the DMs go.
        team: the team.
        concurrency: most DMs in flight at once.
        lease: how long a claimed DM stays reserved for this sender.
        large_team: told (the round, the member count) before a large team is reached.

    Returns:
        What was sent; ``None`` when the team has no member to ask (no round is opened).
    """
    members = await services.teams.member_count(team=team)
    if not members:
        return None
    rnd, created = await services.rounds.open(team=team)
    if large_team is not None and members > LARGE_TEAM_MEMBERS:
        await large_team(rnd, members)
    sent = await deliver_round(
        services=services,
        platform=platform,
        team=team,
        rnd=rnd,
        concurrency=concurrency,
        lease=lease,
    )
    return PulseOutcome(round=rnd, created=created, sent=sent)
