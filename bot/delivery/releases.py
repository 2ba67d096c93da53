"""Sending a release's pulse DMs from its ledger (``release_delivery``), the fan-out's
protocol in small: lease a batch of pending rows, set the away ones aside (a manager's mark or
the chat status, checked once, on a row's first claim), send the rest with bounded
concurrency, mark each sent (with where the DM is) or failed; a passing failure gives the row
back for a later tick. A crash leaves leases that run out, and the next tick resumes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta

from bot.delivery.platform import ChatPlatform, PlatformError
from bot.domain.model import DeliveryStatus
from bot.domain.releases import ReleasePulseView
from bot.services import Services
from bot.services.releases import ReleaseToSend

log = logging.getLogger(__name__)

CLAIM_BATCH = 32
RETRY_DELAY = timedelta(seconds=30)


@dataclass
class ReleaseResult:
    sent: int = 0
    failed: int = 0
    away: int = 0


def _owner() -> str:
    return f"{socket.gethostname()[:24]}:{os.getpid()}:release:{secrets.token_hex(4)}"


async def deliver_release(
    *,
    services: Services,
    platform: ChatPlatform,
    item: ReleaseToSend,
    concurrency: int,
    lease: timedelta,
) -> ReleaseResult:
    """Send what is pending of one release; what this call did."""
    team, release = item.team, item.release
    owner = _owner()
    result = ReleaseResult()
    gate = asyncio.Semaphore(max(1, concurrency))
    view = ReleasePulseView(team_name=team.name, release_id=release.id, release_name=release.name)

    async def send(user_id: str) -> None:
        async with gate:
            try:
                sent = await platform.send_release_pulse(
                    workspace_id=team.workspace_id, user_id=user_id, pulse=view
                )
            except PlatformError as exc:
                if exc.passing:
                    await services.releases.settle(
                        release_id=release.id,
                        user_id=user_id,
                        owner=owner,
                        status=DeliveryStatus.PENDING,
                        retry_in=RETRY_DELAY,
                    )
                else:
                    log.warning("release pulse to %s not sent: %s", user_id, exc.reason)
                    await services.releases.settle(
                        release_id=release.id,
                        user_id=user_id,
                        owner=owner,
                        status=DeliveryStatus.FAILED,
                    )
                    result.failed += 1
                return
            await services.releases.settle(
                release_id=release.id,
                user_id=user_id,
                owner=owner,
                status=DeliveryStatus.SENT,
                channel_id=sent.channel_id,
                message_ts=sent.ts,
            )
            result.sent += 1

    while claimed := await services.releases.claim(
        release_id=release.id, owner=owner, lease=lease, limit=CLAIM_BATCH
    ):
        first = [u for u, attempts in claimed if attempts == 1]
        away: set[str] = set()
        if first:
            try:
                statuses = await platform.statuses(workspace_id=team.workspace_id, user_ids=first)
            except PlatformError as exc:
                log.warning("statuses for release %s unread: %s", release.id, exc.reason)
                statuses = {}
            away = await services.releases.away_among(
                team=team, user_ids=first, statuses=dict(statuses)
            )
        for user_id in sorted(away):
            await services.releases.settle(
                release_id=release.id, user_id=user_id, owner=owner, status=DeliveryStatus.AWAY
            )
        result.away += len(away)
        await asyncio.gather(*(send(u) for u, _ in claimed if u not in away))
    return result
