"""A pulse sent now (``/sdo pulse``, the App Home's "Send pulse now"): open the round, send it;
and one member's pulse sent now ("Pulse me now", ``/sdo pulse me``) after they were away."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.delivery.fanout import (
    DEFAULT_LEASE,
    FanoutResult,
    deliver_round,
    new_owner,
    round_pulse,
)
from bot.delivery.platform import ChatPlatform, PlatformError
from bot.domain.model import Round, SentDM, Team
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


@dataclass(frozen=True, slots=True)
class PulseMeOutcome:
    """What "Pulse me now" did for one of the member's teams.

    Attributes:
        team: the team.
        round: its open round the member was away for.
        result: ``"sent"`` (their DM is there now), ``"pending"`` (the platform could not take
            it just now: the next tick sends it), ``"taken"`` (someone else sent it first) or
            ``"failed"`` (the platform refused it; ``reason`` says why).
    """

    team: Team
    round: Round
    result: str
    reason: str | None = None


async def pulse_me(
    *,
    services: Services,
    platform: ChatPlatform,
    workspace_id: str,
    user_id: str,
    team: Team | None = None,
    round_id: int | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> list[PulseMeOutcome]:
    """Send a member who was away the pulse of each open round they were away for (of
    ``team``, or that round, when given), through their own ledger row: away → pending (leased
    to this call) → sent. From then on they count as asked, and get the reminder.

    Returns:
        One outcome per round; empty when they were away for none.
    """
    found = await services.away.open_rounds(workspace_id=workspace_id, user_id=user_id, team=team)
    outcomes = []
    for of, rnd in found:
        if round_id is not None and rnd.id != round_id:
            continue
        outcomes.append(
            await _pulse_one(
                services=services, platform=platform, team=of, rnd=rnd, user_id=user_id, lease=lease
            )
        )
    return outcomes


def outcome_to_tell(outcomes: Sequence[PulseMeOutcome]) -> PulseMeOutcome | None:
    """The outcome a member is told of: the first pulse sent (or on its way), else the first
    the platform refused; None when they were away for no open round (or it was sent already)."""
    done = next((o for o in outcomes if o.result in ("sent", "pending")), None)
    return done or next((o for o in outcomes if o.result == "failed"), None)


async def _pulse_one(
    *,
    services: Services,
    platform: ChatPlatform,
    team: Team,
    rnd: Round,
    user_id: str,
    lease: timedelta,
) -> PulseMeOutcome:
    owner = new_owner()
    if not await services.away.take_back(
        team=team, round_id=rnd.id, user_id=user_id, owner=owner, lease=lease
    ):
        return PulseMeOutcome(team=team, round=rnd, result="taken")
    pulse = await round_pulse(services=services, team=team, rnd=rnd)
    try:
        sent = await platform.send_pulse(
            workspace_id=team.workspace_id, user_id=user_id, pulse=pulse
        )
    except PlatformError as exc:
        if not exc.passing:
            await services.ledger.mark_failed(
                team=team, round_id=rnd.id, user_id=user_id, error=exc.reason
            )
            return PulseMeOutcome(team=team, round=rnd, result="failed", reason=exc.reason)
        await services.ledger.release(
            team=team,
            round_id=rnd.id,
            user_id=user_id,
            owner=owner,
            error=exc.reason,
            retry_in=timedelta(0),
        )
        return PulseMeOutcome(team=team, round=rnd, result="pending", reason=exc.reason)
    await services.ledger.mark_sent(
        team=team,
        round_id=rnd.id,
        sent=[SentDM(user_id=user_id, channel_id=sent.channel_id, message_ts=sent.ts)],
    )
    return PulseMeOutcome(team=team, round=rnd, result="sent")
