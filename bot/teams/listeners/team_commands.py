"""Carry out one parsed command for a Teams caller: the same use cases ``/sdo`` calls.

A reply is a line of text or an Adaptive Card (``bot.teams.cards``), answered where it was
asked. The caller's role comes from the stored team (Teams has no workspace admins we can
see): the person who ran setup and the managers they added.
"""

from __future__ import annotations

from typing import Any

from bot.delivery.digests import post_digest
from bot.delivery.platform import PlatformError
from bot.delivery.pulses import pulse_now
from bot.domain import grammar
from bot.domain.model import Team
from bot.domain.releases import hook_url
from bot.teams.activity import TEAMS_SYNTAX, Origin
from bot.teams.cards import replies
from bot.teams.cards.export import export_message
from bot.teams.cards.help import help_card
from bot.teams.cards.status import org_status_card, status_card
from bot.teams.context import TeamsContext
from bot.teams.listeners.away import away_reply, pulse_me_reply
from bot.teams.listeners.questions import questions_reply

# A line of text, an Adaptive Card, or several cards in one message.
Reply = str | dict[str, Any] | list[dict[str, Any]]
# Cards in one message: Teams' message size bounds it.
MAX_CARDS = 10

# Commands about one team need its channel: in the personal chat there is none.
_NEEDS_CHANNEL = {
    grammar.Setup: "setup",
    grammar.Pulse: "pulse",
    grammar.Digest: "digest",
    grammar.Schedule: "schedule",
    grammar.Managers: "managers",
    grammar.Export: "export",
    grammar.Away: "away",
    grammar.AwayStatuses: "away statuses",
    grammar.Questions: "questions",
    grammar.ReleaseHook: "release-hook",
}
_MANAGERS_ONLY = {
    grammar.Pulse: "send a pulse",
    grammar.Digest: "post the digest",
    grammar.Schedule: "change the schedule",
    grammar.Managers: "change managers",
    grammar.Export: "export the team's history",
    grammar.Away: "mark members away or see who is",
    grammar.AwayStatuses: "change which statuses mean away",
    grammar.Questions: "reword its questions",
    grammar.ReleaseHook: "see or rotate the release webhook",
}


async def run_team_command(ctx: TeamsContext, cmd: grammar.Command, origin: Origin) -> Reply:
    """The answer to one command, in the conversation it came from."""
    match cmd:
        case grammar.Help(unknown=unknown):
            return help_card(unknown)
        case grammar.Invalid(message=message):
            return message
        case grammar.Status(all_teams=True):
            return await _status_all(ctx, origin)
        case grammar.PulseMe():
            return await pulse_me_reply(ctx, origin)
    if origin.channel_id is None:
        return await _personal(ctx, cmd, origin)
    if isinstance(cmd, grammar.Setup):
        return await _setup(ctx, origin)
    team = await ctx.services.teams.for_channel(
        workspace_id=origin.workspace_id, channel_id=origin.channel_id
    )
    if team is None:
        return replies.not_a_team()
    if isinstance(cmd, grammar.Status):
        return await _status(ctx, origin, team)  # its use case knows the caller's role
    role = await ctx.services.teams.role(
        workspace_id=origin.workspace_id, team=team, user_id=origin.caller.user_id
    )
    if isinstance(cmd, grammar.Managers) and cmd.action == "list":
        if not role.can_view:
            return replies.refusal("see its managers")
        managers = await ctx.services.teams.managers(team=team)
        return replies.managers_of(team, [await _name(ctx, team, m) for m in managers])
    if not role.can_manage:
        return replies.refusal(_MANAGERS_ONLY.get(type(cmd), "do that"))
    return await _managed(ctx, cmd, team, origin)


async def _managed(ctx: TeamsContext, cmd: grammar.Command, team: Team, origin: Origin) -> Reply:
    """A managers-only command, asked by one of them."""
    if isinstance(cmd, grammar.Export):
        return await _export(ctx, team, origin)
    if isinstance(cmd, grammar.Away | grammar.AwayStatuses):
        return await away_reply(ctx, team, origin.caller.user_id, cmd)
    if isinstance(cmd, grammar.Questions):
        return await questions_reply(ctx, team, origin.caller.user_id, cmd)
    if isinstance(cmd, grammar.ReleaseHook):
        return await _release_hook(ctx, team, origin, rotate=cmd.rotate)
    return await _manage(ctx, cmd, team)


async def _release_hook(ctx: TeamsContext, team: Team, origin: Origin, *, rotate: bool) -> Reply:
    """`release-hook`: the URL and secret go to the caller's personal chat (a channel reply
    is seen by everyone there); the channel reads only that they were sent."""
    hook = await ctx.services.releases.hook(team=team, rotate=rotate)
    await ctx.platform.send_text(
        workspace_id=team.workspace_id,
        user_id=origin.caller.user_id,
        text=replies.release_hook(
            team, hook_url(ctx.settings.public_url, hook.key), hook.secret, rotated=rotate
        ),
    )
    return replies.release_hook_sent(team)


async def _personal(ctx: TeamsContext, cmd: grammar.Command, origin: Origin) -> Reply:
    """A command in the personal chat: ``status`` is the caller's own teams; team commands
    need the team's channel."""
    if isinstance(cmd, grammar.Status):
        return await _my_teams(ctx, origin)
    words = _NEEDS_CHANNEL.get(type(cmd))
    return replies.in_the_teams_channel(words) if words else help_card()


async def _manage(ctx: TeamsContext, cmd: grammar.Command, team: Team) -> Reply:
    match cmd:
        case grammar.Pulse():
            pulse = await pulse_now(
                services=ctx.services,
                platform=ctx.platform,
                team=team,
                concurrency=ctx.settings.send_concurrency,
            )
            if pulse is None:
                return replies.no_members(team)
            return replies.pulse_sent(
                pulse.round.number,
                created=pulse.created,
                sent=pulse.sent.sent,
                failed=pulse.sent.failed,
                pending=pulse.sent.pending,
                away=pulse.sent.away,
            )
        case grammar.Digest():
            view = await ctx.services.digests.view(team=team)
            if view is None:
                return replies.no_round_yet()
            await post_digest(
                services=ctx.services, platform=ctx.platform, team=team, view=view, again=True
            )
            return replies.digest_posted(team, view.round.round.number)
        case grammar.Schedule(weekday=weekday, at=at, every_weeks=every) if weekday is not None:
            assert at is not None
            updated, next_pulse = await ctx.services.rounds.move_pulse(
                team=team, weekday=weekday, at=at, every_weeks=every, tz=cmd.tz
            )
            return replies.schedule_saved(updated, weekday=weekday, at=at, next_pulse=next_pulse)
        case grammar.Schedule():
            return replies.schedule_shown(team, grammar.schedule_usage(TEAMS_SYNTAX))
        case grammar.Managers(action="add", user_id=user_id) if user_id:
            return await _add_manager(ctx, team, user_id)
        case grammar.Managers(action="remove", user_id=user_id) if user_id:
            removed = await ctx.services.teams.remove_manager(team=team, user_id=user_id)
            return replies.manager_removed(team, await _name(ctx, team, user_id), removed=removed)
    return help_card()


async def _add_manager(ctx: TeamsContext, team: Team, user_id: str) -> Reply:
    """`managers add`: only a human in the tenant's roster (Teams: no bot, no stranger)."""
    try:
        person = await ctx.platform.person(workspace_id=team.workspace_id, user_id=user_id)
    except PlatformError as exc:
        if exc.reason != "user_not_found":
            raise
        person = None
    outcome = await ctx.services.teams.add_manager(team=team, user_id=user_id, person=person)
    name = outcome.name or "that person"
    if outcome.refused is not None:
        return replies.manager_refused(team, name, why=outcome.refused)
    return replies.manager_added(team, name, added=outcome.added)


async def _export(ctx: TeamsContext, team: Team, origin: Origin) -> Reply:
    """`export`: the team's rounds (aggregates only) in the caller's personal chat; the
    channel reads only that it was sent."""
    rows = await ctx.services.export.team(team=team)
    if not rows:
        return replies.no_round_yet()
    await ctx.platform.send_text(
        workspace_id=team.workspace_id,
        user_id=origin.caller.user_id,
        text=export_message(team, rows),
    )
    return replies.export_sent(team, len(rows))


async def _name(ctx: TeamsContext, team: Team, user_id: str) -> str:
    """A person's display name in the team's roster (a mention's id means nothing to people)."""
    try:
        person = await ctx.platform.person(workspace_id=team.workspace_id, user_id=user_id)
    except PlatformError:
        return "that person"
    return person.name


async def _setup(ctx: TeamsContext, origin: Origin) -> Reply:
    assert origin.channel_id is not None
    people = await ctx.platform.channel_humans(
        workspace_id=origin.workspace_id, channel_id=origin.channel_id
    )
    known = await ctx.addresses.channel(
        workspace_id=origin.workspace_id, channel_id=origin.channel_id
    )
    team, created, size = await ctx.services.teams.setup(
        workspace_id=origin.workspace_id,
        channel_id=origin.channel_id,
        channel_name=origin.channel_name or (known.name if known else "") or "General",
        caller=origin.caller,
        people=people,
    )
    return replies.team_set_up(team, created=created, members=size)


async def _status(ctx: TeamsContext, origin: Origin, team: Team) -> Reply:
    _, _, status = await ctx.services.status.channel(
        workspace_id=origin.workspace_id,
        channel_id=team.channel_id,
        user_id=origin.caller.user_id,
    )
    if status is None:
        return replies.status_hidden(team)
    picture = await ctx.platform.pictures.team(status)
    # In a channel everyone reads the answer: delivery failures only in the personal chat.
    return status_card(status, show_failures=False, picture=picture)


async def _my_teams(ctx: TeamsContext, origin: Origin) -> Reply:
    """``status`` in the personal chat: the teams the caller is in, with failures for those
    they manage (only they read it)."""
    mine = await ctx.services.home.teams(
        workspace_id=origin.workspace_id, user_id=origin.caller.user_id
    )
    if not mine:
        return replies.not_a_team()
    cards = []
    for item in mine[:MAX_CARDS]:
        picture = await ctx.platform.pictures.team(item.status)
        cards.append(status_card(item.status, show_failures=item.manages, picture=picture))
    return cards


async def _status_all(ctx: TeamsContext, origin: Origin) -> Reply:
    if origin.channel_id is not None:
        return replies.status_all_refused()
    allowed = await ctx.services.teams.can_view_all(
        workspace_id=origin.workspace_id, user_id=origin.caller.user_id
    )
    if not allowed:
        return replies.status_all_refused()
    statuses = await ctx.services.status.org(workspace_id=origin.workspace_id)
    picture = await ctx.platform.pictures.org(workspace=origin.workspace_id, statuses=statuses)
    return org_status_card(statuses, picture=picture)
