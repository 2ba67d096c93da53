"""Sending a round's pulse DMs from the delivery ledger.

Every member of the round has a delivery row before anything is sent; a send marks its row
``sent`` (with the DM's channel and ts) or ``failed`` (with Slack's reason). Running this again
sends only to rows still pending, so a crash or a restart resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.blocks.pulse import pulse_message
from bot.domain.model import Round, Team
from bot.services import Services
from bot.slack_gateway import SlackGateway

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FanoutResult:
    sent: int
    failed: int
    pending: int

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.pending


async def deliver_round(
    *,
    services: Services,
    gateway: SlackGateway,
    team: Team,
    rnd: Round,
    concurrency: int,
) -> FanoutResult:
    """Send the round's DM to every member whose delivery is still pending.

    A Slack API error (e.g. ``user_not_found``) marks that member failed and the rest go on; a
    network error leaves the row pending for the next attempt. Rate limits and server errors
    are retried inside the Web API client.
    """
    pending = await services.pending_deliveries(team=team, round_id=rnd.id)
    members = len(await services.members(team=team))
    required = team.rules.required_respondents(members)
    gate = asyncio.Semaphore(max(1, concurrency))
    message = pulse_message(
        team_name=team.name,
        round_id=rnd.id,
        round_number=rnd.number,
        answers={},
        min_respondents=required,
    )

    async def send(user_id: str) -> str:
        async with gate:
            try:
                sent = await gateway.send_dm(user_id=user_id, message=message)
            except SlackApiError as exc:
                reason = str(exc.response.get("error") or "slack_error")
                log.warning("pulse DM to %s for round %s failed: %s", user_id, rnd.id, reason)
                await services.delivery_failed(
                    team=team, round_id=rnd.id, user_id=user_id, error=reason
                )
                return "failed"
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning(
                    "pulse DM to %s for round %s left pending: %s",
                    user_id,
                    rnd.id,
                    type(exc).__name__,
                )
                return "pending"
            await services.delivery_sent(
                team=team,
                round_id=rnd.id,
                user_id=user_id,
                channel_id=sent.channel_id,
                message_ts=sent.ts,
            )
            return "sent"

    outcomes = await asyncio.gather(*(send(d.user_id) for d in pending))
    return FanoutResult(
        sent=outcomes.count("sent"),
        failed=outcomes.count("failed"),
        pending=outcomes.count("pending"),
    )
