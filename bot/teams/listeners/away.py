"""`@SDO Pulse away …` (managers) and `@SDO Pulse pulse me` (a member back from being away):
the same use cases as Slack's `/sdo away` and `/sdo pulse me`.

Teams' presence and status are not readable without Microsoft Graph permissions SDO Pulse does
not ask for: in Teams only a manager's mark makes a member away.
"""

from __future__ import annotations

from bot.delivery.platform import PlatformError
from bot.delivery.pulses import outcome_to_tell, pulse_me
from bot.domain import grammar
from bot.domain.away import MarkOutcome
from bot.domain.model import Team
from bot.teams.activity import Origin
from bot.teams.cards import away as replies
from bot.teams.cards.replies import platform_refused
from bot.teams.context import TeamsContext


async def _name(ctx: TeamsContext, team: Team, user_id: str) -> str:
    try:
        person = await ctx.platform.person(workspace_id=team.workspace_id, user_id=user_id)
    except PlatformError:
        return "that person"
    return person.name


async def away_reply(
    ctx: TeamsContext, team: Team, caller: str, cmd: grammar.Away | grammar.AwayStatuses
) -> str:
    """Mark, unmark or list (the caller manages ``team``); statuses are not read in Teams."""
    if isinstance(cmd, grammar.AwayStatuses):
        return replies.away_statuses_not_read(team)
    if cmd.action == "until" and cmd.user_id and cmd.until is not None:
        outcome = await ctx.services.away.mark(
            team=team, user_id=cmd.user_id, until=cmd.until, by=caller
        )
        if outcome is MarkOutcome.DATE_PASSED:
            return replies.away_date_passed(team, cmd.until)
        if outcome is MarkOutcome.NOT_A_MEMBER:
            return replies.away_not_member(team, await _name(ctx, team, cmd.user_id))
        return replies.away_marked(team, await _name(ctx, team, cmd.user_id), cmd.until)
    if cmd.action == "off" and cmd.user_id:
        cleared = await ctx.services.away.unmark(team=team, user_id=cmd.user_id)
        return replies.away_cleared(team, await _name(ctx, team, cmd.user_id), cleared=cleared)
    marks = await ctx.services.away.marks(team=team)
    return replies.away_list(team, [(await _name(ctx, team, m.user_id), m.until) for m in marks])


async def pulse_me_reply(ctx: TeamsContext, origin: Origin) -> str:
    """The caller's pulse of each open round they were away for: of this channel's team, or
    (in the personal chat) of any of their teams."""
    team = None
    if origin.channel_id is not None:
        team = await ctx.services.teams.for_channel(
            workspace_id=origin.workspace_id, channel_id=origin.channel_id
        )
    outcomes = await pulse_me(
        services=ctx.services,
        platform=ctx.platform,
        workspace_id=origin.workspace_id,
        user_id=origin.caller.user_id,
        team=team,
    )
    told = outcome_to_tell(outcomes)
    if told is None:
        return replies.not_away()
    if told.result == "failed":
        return platform_refused(told.reason or "refused")
    return replies.pulse_me_sent(told.team, told.round.number, sent=told.result == "sent")
