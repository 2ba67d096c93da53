"""Posting a round's digest to its team's channel: claim → post → mark, the one way it is done.

The digest row of a round is its ledger entry (``storage``): claimed before the post, marked
posted (with the message's ts) after it, so the channel gets a closed round's digest once
whoever posts it — the scheduler after the close, or a manager's ``/sdo digest`` first.

* The platform refuses for good (the bot left the channel…): the refusal is recorded and never
  retried by the schedule.
* A passing failure (rate limit, outage) or any other error: the claim is released, so a later
  tick posts it.

A claim older than the lease is abandoned (its poster died) and may be taken over.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum

from bot.delivery.platform import ChatPlatform, PlatformError
from bot.domain.model import Team
from bot.domain.views import DigestView
from bot.services import Services
from bot.services.digests import DEFAULT_CLAIM_LEASE

log = logging.getLogger(__name__)


class DigestOutcome(StrEnum):
    POSTED = "posted"
    SKIPPED = "skipped"  # someone else holds (or held) this round's turn


async def post_digest(
    *,
    services: Services,
    platform: ChatPlatform,
    team: Team,
    view: DigestView,
    lease: timedelta = DEFAULT_CLAIM_LEASE,
    again: bool = False,
) -> DigestOutcome:
    """Post ``view`` to the team's channel, once per closed round.

    An open round's digest is posted without a claim (it is not the schedule's to post).

    Args:
        services: the ledger.
        platform: where the channel is.
        team: the team.
        view: the digest of one of its rounds.
        lease: how long a claim holds before another poster may take it over.
        again: post even when the round's digest was already posted (a manager asked for it);
            the ledger keeps the first post.

    Raises:
        PlatformError: the post failed (after the claim was released or the refusal recorded).
    """
    rnd = view.round.round
    claimed = not rnd.is_open and await services.digests.claim(
        team=team, round_id=rnd.id, lease=lease
    )
    if not claimed and not (again or rnd.is_open):
        return DigestOutcome.SKIPPED
    try:
        posted = await platform.post_digest(team=team, digest=view)
    except PlatformError as exc:
        log.warning("digest of round %s not posted: %s", rnd.id, exc.reason)
        if claimed and exc.passing:
            await services.digests.release(team=team, round_id=rnd.id)
        elif claimed:
            await services.digests.refused(team=team, round_id=rnd.id, error=exc.reason)
        raise
    except Exception:
        if claimed:
            await services.digests.release(team=team, round_id=rnd.id)
        raise
    if claimed:
        await services.digests.posted(team=team, round_id=rnd.id, message_ts=posted.ts)
    return DigestOutcome.POSTED
