"""`/sdo away …` (managers) and `/sdo pulse me` (a member back from being away): one service
call each, answered with a reply of ``bot.slack.blocks.replies``."""

from __future__ import annotations

from typing import Any

from bot.delivery.pulses import pulse_me
from bot.domain import grammar
from bot.domain.model import Team
from bot.slack.blocks import replies
from bot.slack.context import AppContext


async def away_command(
    ctx: AppContext, team: Team, caller: str, cmd: grammar.Away
) -> dict[str, Any]:
    """Mark, unmark or list (the caller manages ``team``)."""
    if cmd.action == "until" and cmd.user_id and cmd.until is not None:
        if not await ctx.services.away.mark(
            team=team, user_id=cmd.user_id, until=cmd.until, by=caller
        ):
            return replies.away_date_passed(team, cmd.until)
        return replies.away_marked(team, cmd.user_id, cmd.until)
    if cmd.action == "off" and cmd.user_id:
        cleared = await ctx.services.away.unmark(team=team, user_id=cmd.user_id)
        return replies.away_cleared(team, cmd.user_id, cleared=cleared)
    marks = await ctx.services.away.marks(team=team)
    return replies.away_list(team, [(m.user_id, m.until) for m in marks])


async def pulse_me_command(
    ctx: AppContext, *, workspace_id: str, user_id: str, channel_id: str
) -> dict[str, Any]:
    """The caller's pulse of each open round they were away for: of this channel's team when it
    is one, else of any of their teams (e.g. typed in the bot's DM)."""
    team = await ctx.services.teams.for_channel(workspace_id=workspace_id, channel_id=channel_id)
    outcomes = await pulse_me(
        services=ctx.services,
        platform=ctx.platform,
        workspace_id=workspace_id,
        user_id=user_id,
        team=team,
    )
    done = [o for o in outcomes if o.result in ("sent", "pending")]
    if not done:
        refused = next((o for o in outcomes if o.result == "failed"), None)
        if refused is not None:
            return replies.slack_refused(refused.reason or "refused")
        return replies.not_away()
    first = done[0]
    return replies.pulse_me_sent(first.team, first.round.number, sent=first.result == "sent")
