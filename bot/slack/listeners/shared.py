"""What more than one listener does: tolerate Slack's refusals, publish the App Home, send a
round, find the team a button names."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.delivery.platform import PlatformError
from bot.delivery.pulses import PulseOutcome, pulse_now
from bot.domain.model import Round, Team
from bot.slack.blocks.home import home_view
from bot.slack.context import AppContext

log = logging.getLogger(__name__)


def tolerate_slack_errors(
    listener: Callable[..., Awaitable[None]],
) -> Callable[..., Awaitable[None]]:
    """Turn a Slack API refusal inside a listener into one warning line.

    An expired trigger id, a deleted message or a revoked token is Slack's answer, not a bug:
    whatever was stored stays stored, and the error name (never a token) is logged.
    """

    @functools.wraps(listener)
    async def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            await listener(*args, **kwargs)
        except SlackApiError as exc:
            log.warning("%s: Slack said %s", listener.__name__, exc.response.get("error"))
        except PlatformError as exc:
            log.warning("%s: Slack said %s", listener.__name__, exc.reason)

    return guarded


async def publish_home(
    ctx: AppContext, *, workspace_id: str, user_id: str, notice: str | None = None
) -> None:
    """Publish the user's Home tab: their teams, trend pictures, and settings they manage."""
    person = await ctx.gateway.person(workspace_id=workspace_id, user_id=user_id)
    teams = await ctx.services.home.teams(
        workspace_id=workspace_id, user_id=user_id, platform_admin=person.is_admin
    )
    pictures = {}
    for item in teams:
        status = item.status
        head = status.headline
        regions = (
            *status.trend.regions,
            *([head.region] if head is status.current and head else []),
        )
        if head is not None and any(r is not None for r in regions):
            ref = await ctx.pictures.trend(
                workspace=workspace_id,
                team_id=item.team.id,
                team=item.team.name,
                regions=regions,
                last_round_id=head.round.id,
            )
            if ref is not None:
                pictures[item.team.id] = ref
    await ctx.gateway.publish_home(
        user_id=user_id,
        view=home_view(teams, notice=notice, pictures=pictures),
        workspace_id=workspace_id,
    )


async def pulse_team(
    ctx: AppContext,
    team: Team,
    *,
    large_team: Callable[[Round, int], Awaitable[None]] | None = None,
) -> PulseOutcome | None:
    """Open a round now and send it, with the app's concurrency and send lease."""
    return await pulse_now(
        services=ctx.services,
        platform=ctx.platform,
        team=team,
        concurrency=ctx.settings.send_concurrency,
        lease=timedelta(seconds=ctx.settings.send_lease_seconds),
        large_team=large_team,
    )


async def named_team(ctx: AppContext, *, workspace_id: str, team_id: str) -> Team | None:
    """The team a button's value or a form's metadata names (``None``: no such team)."""
    if not team_id.isdigit():
        return None
    return await ctx.services.teams.get(workspace_id=workspace_id, team_id=int(team_id))


async def may_manage(ctx: AppContext, *, workspace_id: str, user_id: str, team: Team) -> bool:
    """Whether ``user_id`` manages ``team`` (or, as a workspace admin, every team)."""
    person = await ctx.gateway.person(workspace_id=workspace_id, user_id=user_id)
    role = await ctx.services.teams.role(
        workspace_id=workspace_id, team=team, user_id=user_id, platform_admin=person.is_admin
    )
    return role.can_manage


async def managed_team(
    ctx: AppContext, *, workspace_id: str, user_id: str, team_id: str
) -> Team | None:
    """The team a button or form names, if ``user_id`` may manage it (else ``None``)."""
    team = await named_team(ctx, workspace_id=workspace_id, team_id=team_id)
    if team is None or not await may_manage(
        ctx, workspace_id=workspace_id, user_id=user_id, team=team
    ):
        return None
    return team
