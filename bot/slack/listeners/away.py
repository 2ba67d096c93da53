"""`/sdo away …` and `/sdo away statuses …` (managers) and `/sdo pulse me` (a member back from
being away): one service call each, answered with a reply of ``bot.slack.blocks.away``."""

from __future__ import annotations

from typing import Any

from bot.delivery.pulses import outcome_to_tell, pulse_me
from bot.domain import grammar
from bot.domain.away import DEFAULT_AWAY_RULES, MarkOutcome
from bot.domain.model import Team
from bot.slack.blocks import away as replies
from bot.slack.blocks.replies import slack_refused
from bot.slack.context import AppContext


async def away_command(
    ctx: AppContext, team: Team, caller: str, cmd: grammar.Away | grammar.AwayStatuses
) -> dict[str, Any]:
    """Mark, unmark or list; or the statuses that mean away (the caller manages ``team``)."""
    if isinstance(cmd, grammar.AwayStatuses):
        return await _statuses(ctx, team, caller, cmd)
    if cmd.action == "until" and cmd.user_id and cmd.until is not None:
        outcome = await ctx.services.away.mark(
            team=team, user_id=cmd.user_id, until=cmd.until, by=caller
        )
        if outcome is MarkOutcome.DATE_PASSED:
            return replies.away_date_passed(team, cmd.until)
        if outcome is MarkOutcome.NOT_A_MEMBER:
            return replies.away_not_member(team, cmd.user_id)
        return replies.away_marked(team, cmd.user_id, cmd.until)
    if cmd.action == "off" and cmd.user_id:
        cleared = await ctx.services.away.unmark(team=team, user_id=cmd.user_id)
        return replies.away_cleared(team, cmd.user_id, cleared=cleared)
    marks = await ctx.services.away.marks(team=team)
    return replies.away_list(team, [(m.user_id, m.until) for m in marks])


async def _statuses(
    ctx: AppContext, team: Team, caller: str, cmd: grammar.AwayStatuses
) -> dict[str, Any]:
    """Show, change or reset the statuses that mean away (the caller manages ``team``)."""
    if cmd.action == "show":
        rules, refused = await ctx.services.away.rules(team=team), None
    else:
        rules, refused = await ctx.services.away.change_rules(
            team=team, action=cmd.action, items=cmd.items, by=caller
        )
    if refused is not None:
        return replies.away_statuses_refused(team, refused)
    return replies.away_statuses(
        team,
        rules.emoji,
        rules.words,
        custom=rules != DEFAULT_AWAY_RULES,
        changed=cmd.action != "show",
    )


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
    told = outcome_to_tell(outcomes)
    if told is None:
        return replies.not_away()
    if told.result == "failed":
        return slack_refused(told.reason or "refused")
    return replies.pulse_me_sent(told.team, told.round.number, sent=told.result == "sent")
