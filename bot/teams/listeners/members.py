"""``conversationUpdate``: the bot installed or removed, people joining or leaving a team.

Every activity refreshes where its tenant and channel are reached. Membership follows the
Teams team: a person added to it joins every SDO team in its channels, one removed leaves them.
The bot removed from a Teams team deletes the SDO teams of its channels with all their data;
removed from the tenant's last Teams team, it deletes the tenant's data, as a Slack uninstall
does.
"""

from __future__ import annotations

import logging

from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.domain.views import PersonInfo
from bot.teams.activity import Origin, origin_of, wire
from bot.teams.cards import replies
from bot.teams.context import TeamsContext

log = logging.getLogger(__name__)


async def remember(ctx: TeamsContext, origin: Origin) -> None:
    """Keep the tenant's (and the channel's) address fresh: Teams may move its service URL."""
    channel = None
    if origin.channel_id and origin.teams_team_id:
        channel = (origin.channel_id, origin.teams_team_id, origin.channel_name)
    await ctx.addresses.remember(
        workspace_id=origin.workspace_id,
        tenant_id=origin.tenant_id,
        service_url=origin.service_url,
        bot_id=origin.bot_id,
        channel=channel,
    )


def register(app: AgentApplication[TurnState], ctx: TeamsContext) -> None:
    @app.conversation_update("membersAdded")
    async def on_members_added(context: TurnContext, state: TurnState) -> None:
        data = wire(context.activity)
        origin = origin_of(data)
        if origin is None:
            return
        await remember(ctx, origin)
        added = data.get("membersAdded") or []
        if any(m.get("id") == origin.bot_id for m in added):
            await context.send_activity(replies.installed())
        people = [
            PersonInfo(user_id=str(m["id"]), name=str(m.get("name") or m["id"]))
            for m in added
            if m.get("id") and m.get("id") != origin.bot_id and not str(m["id"]).startswith("28:")
        ]
        for channel_id in await _team_channels(ctx, origin):
            for person in people:
                await ctx.services.teams.member_joined(
                    workspace_id=origin.workspace_id, channel_id=channel_id, person=person
                )

    @app.conversation_update("membersRemoved")
    async def on_members_removed(context: TurnContext, state: TurnState) -> None:
        data = wire(context.activity)
        origin = origin_of(data)
        if origin is None:
            return
        removed = [str(m.get("id")) for m in data.get("membersRemoved") or []]
        if origin.bot_id in removed:
            await _bot_removed(ctx, origin)
            return
        for channel_id in await _team_channels(ctx, origin):
            for user_id in removed:
                await ctx.services.teams.member_left(
                    workspace_id=origin.workspace_id, channel_id=channel_id, user_id=user_id
                )


async def _team_channels(ctx: TeamsContext, origin: Origin) -> list[str]:
    if origin.teams_team_id is None:
        return []
    return await ctx.addresses.channels_of(
        workspace_id=origin.workspace_id, teams_team_id=origin.teams_team_id
    )


async def _bot_removed(ctx: TeamsContext, origin: Origin) -> None:
    left = 0
    if origin.teams_team_id is not None:
        channels = await _team_channels(ctx, origin)
        await ctx.services.teams.forget_channels(
            workspace_id=origin.workspace_id, channel_ids=channels
        )
        left = await ctx.addresses.forget_teams_team(
            workspace_id=origin.workspace_id, teams_team_id=origin.teams_team_id
        )
    if left == 0:
        log.info("removed from the tenant's last team: deleting its data")
        await ctx.services.teams.forget_workspace(workspace_id=origin.workspace_id)
