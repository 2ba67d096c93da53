"""`/sdo …`: parse, one service call per command, answer ephemerally.

An answer that is ready within ``ANSWER_IN_ACK_SECONDS`` travels in the HTTP acknowledgement
itself (what Slack recommends: the person sees it at once, and no second request is needed).
A slower one (a cold cache, Slack being slow, a large fan-out) is acknowledged empty when that
time is up — well inside Slack's 3-second deadline — and answered on the response_url when done.

Slack's rate limits are waited out, never shown as an error: when a 429's wait would make the
command take more than ``PACING_NOTE_AFTER_SECONDS``, the caller is told once that the answer
is on its way.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.delivery.digests import post_digest
from bot.delivery.platform import PlatformError
from bot.domain import grammar
from bot.domain.export import to_csv
from bot.domain.model import Round, Team
from bot.domain.releases import hook_url
from bot.domain.views import Role
from bot.slack.blocks import replies
from bot.slack.blocks.help import help_message
from bot.slack.blocks.status import org_status_message, status_message
from bot.slack.context import AppContext
from bot.slack.gateway import SlackGateway, UploadError
from bot.slack.listeners.away import away_command, pulse_me_command
from bot.slack.listeners.questions import questions_command
from bot.slack.listeners.shared import pulse_team
from bot.slack.retries import waiting_on_slack
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)

COMMAND = "/sdo"
ANSWER_IN_ACK_SECONDS = 1.0
PACING_NOTE_AFTER_SECONDS = 3.0


def register(
    app: AsyncApp, ctx: AppContext, *, answer_in_ack_seconds: float = ANSWER_IN_ACK_SECONDS
) -> None:
    app.command(COMMAND)(_handler(ctx, answer_in_ack_seconds))


def _handler(ctx: AppContext, answer_in_ack_seconds: float) -> Any:
    async def handle_sdo(ack: AsyncAck, command: dict[str, Any]) -> None:
        answer = _Answer(ack=ack, gateway=ctx.gateway, response_url=str(command["response_url"]))
        loop = asyncio.get_running_loop()
        # Time is up: acknowledge empty, answer on the response_url later.
        timer = loop.call_later(
            answer_in_ack_seconds, lambda: answer.keep(asyncio.ensure_future(answer.ack_empty()))
        )
        started = loop.time()

        def on_rate_limit(seconds: float) -> None:
            if not answer.noted and loop.time() - started + seconds >= PACING_NOTE_AFTER_SECONDS:
                answer.noted = True
                answer.keep(asyncio.ensure_future(answer.progress(replies.slack_pacing(seconds))))

        try:
            parsed = grammar.parse_command(command.get("text"))
            request = CommandRequest(
                workspace_id=str(command["team_id"]),
                user_id=str(command["user_id"]),
                channel_id=str(command["channel_id"]),
                channel_name=str(command.get("channel_name") or command["channel_id"]),
                progress=answer.progress,
                trigger_id=str(command.get("trigger_id") or ""),
            )
            try:
                with waiting_on_slack(on_rate_limit):
                    reply = await run_command(ctx, parsed, request)
            except (SlackApiError, PlatformError) as exc:
                reason = exc.reason if isinstance(exc, PlatformError) else exc.response.get("error")
                log.warning("/sdo %s: Slack said %s", type(parsed).__name__, reason)
                reply = replies.slack_refused(str(reason))
            except DatabaseUnavailable:
                log.warning("/sdo %s: the database is unavailable", type(parsed).__name__)
                reply = replies.database_unavailable()
            if reply is not None:
                await answer.final(reply)
        finally:
            timer.cancel()
            await answer.ack_empty()  # nothing to say, or it failed: Slack still gets its ack

    return handle_sdo


class _Answer:
    """Where a command's answers go: into the acknowledgement while it has not been sent,
    else to the response_url. Always ephemeral."""

    def __init__(self, *, ack: AsyncAck, gateway: SlackGateway, response_url: str) -> None:
        self._ack = ack
        self._gateway = gateway
        self._response_url = response_url
        self._acked = False
        self._tasks: set[asyncio.Future[None]] = set()
        self.noted = False  # told that Slack's rate limit holds the answer up

    def keep(self, task: asyncio.Future[None]) -> None:
        """Hold a reference to a fire-and-forget task until it is done."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def ack_empty(self) -> None:
        if not self._acked:
            self._acked = True
            await self._ack()

    async def final(self, message: dict[str, Any]) -> None:
        """The command's answer: in the acknowledgement if there is still time."""
        if not self._acked:
            self._acked = True
            await self._ack({**message, "response_type": "ephemeral"})
            return
        await asyncio.gather(*self._tasks)  # a note on its way goes first
        await self._gateway.respond(response_url=self._response_url, message=message)

    async def progress(self, message: dict[str, Any]) -> None:
        """A note while the work goes on: acknowledge first, so the answer follows the note."""
        await self.ack_empty()
        await self._gateway.respond(response_url=self._response_url, message=message)


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """Who asked, where, and how to tell them something before the answer."""

    workspace_id: str
    user_id: str
    channel_id: str
    channel_name: str
    # Say something before the answer (``/sdo pulse`` to a large team says it is sending).
    progress: Callable[[dict[str, Any]], Awaitable[None]]
    # What opens a modal in answer (``/sdo questions``); empty: none came with the command.
    trigger_id: str = ""


async def run_command(
    ctx: AppContext, cmd: grammar.Command, req: CommandRequest
) -> dict[str, Any] | None:
    """Carry out one parsed command and return the ephemeral answer."""
    match cmd:
        case grammar.Help(unknown=unknown):
            return help_message(unknown)
        case grammar.Invalid(message=message):
            return replies.text_message(message)
        case grammar.Setup():
            return await _setup(ctx, req)
        case grammar.Status(all_teams=True):
            return await _status_all(ctx, req)
        case grammar.Status(channel_id=channel_id):
            return await _status(ctx, req, channel_id or req.channel_id)
        case grammar.PulseMe():
            return await pulse_me_command(
                ctx, workspace_id=req.workspace_id, user_id=req.user_id, channel_id=req.channel_id
            )
    team = await ctx.services.teams.for_channel(
        workspace_id=req.workspace_id, channel_id=req.channel_id
    )
    if team is None:
        return replies.not_a_team()
    return await _team_command(ctx, cmd, req, team, await _role(ctx, req, team))


# What a refusal says each manager-only command would have done.
_MANAGERS_ONLY = {
    grammar.Pulse: "send a pulse",
    grammar.Digest: "post the digest",
    grammar.Schedule: "change the schedule",
    grammar.Managers: "change managers",
    grammar.Away: "mark members away or see who is",
    grammar.AwayStatuses: "change which statuses mean away",
    grammar.Export: "export the team's history",
    grammar.Questions: "reword its questions",
    grammar.ReleaseHook: "see or rotate the release webhook",
}


async def _team_command(
    ctx: AppContext, cmd: grammar.Command, req: CommandRequest, team: Team, role: Role
) -> dict[str, Any] | None:
    """A command about the channel's team, for a caller whose ``role`` there is known."""
    if isinstance(cmd, grammar.Managers) and cmd.action == "list":
        if not role.can_view:
            return replies.refusal("see its managers")
        return replies.managers_of(team, await ctx.services.teams.managers(team=team))
    if not role.can_manage:
        return replies.refusal(_MANAGERS_ONLY.get(type(cmd), "do that"))
    match cmd:
        case grammar.Pulse():
            return await _pulse(ctx, team, req)
        case grammar.Digest():
            return await _digest(ctx, team)
        case grammar.Schedule():
            return await _schedule(ctx, team, cmd)
        case grammar.Away() | grammar.AwayStatuses():
            return await away_command(ctx, team, req.user_id, cmd)
        case grammar.Export():
            return await _export(ctx, team, req)
        case grammar.Questions():
            return await questions_command(
                ctx, team, user_id=req.user_id, trigger_id=req.trigger_id, cmd=cmd
            )
        case grammar.ReleaseHook(rotate=rotate):
            hook = await ctx.services.releases.hook(team=team, rotate=rotate)
            url = hook_url(ctx.settings.public_url, hook.key)
            return replies.release_hook(team, url, hook.secret, rotated=rotate)
        case grammar.Managers(action=action, user_id=user_id) if user_id:
            return await _managers(ctx, team, action, user_id)
    return help_message()


async def _role(ctx: AppContext, req: CommandRequest, team: Team | None) -> Role:
    person = await ctx.gateway.person(workspace_id=req.workspace_id, user_id=req.user_id)
    return await ctx.services.teams.role(
        workspace_id=req.workspace_id,
        team=team,
        user_id=req.user_id,
        platform_admin=person.is_admin,
    )


async def _setup(ctx: AppContext, req: CommandRequest) -> dict[str, Any]:
    caller = await ctx.gateway.person(workspace_id=req.workspace_id, user_id=req.user_id)
    people = await ctx.gateway.channel_humans(
        workspace_id=req.workspace_id, channel_id=req.channel_id
    )
    team, created, size = await ctx.services.teams.setup(
        workspace_id=req.workspace_id,
        channel_id=req.channel_id,
        channel_name=req.channel_name,
        caller=caller,
        people=people,
    )
    return replies.team_set_up(team, created=created, members=size)


async def _status(ctx: AppContext, req: CommandRequest, channel_id: str) -> dict[str, Any]:
    person = await ctx.gateway.person(workspace_id=req.workspace_id, user_id=req.user_id)
    team, role, status = await ctx.services.status.channel(
        workspace_id=req.workspace_id,
        channel_id=channel_id,
        user_id=req.user_id,
        platform_admin=person.is_admin,
    )
    if team is None:
        return replies.not_a_team(None if channel_id == req.channel_id else channel_id)
    if status is None:
        return replies.status_hidden(team)
    picture = await ctx.pictures.team(status)
    return status_message(status, show_failures=role.can_manage, picture=picture)


async def _status_all(ctx: AppContext, req: CommandRequest) -> dict[str, Any]:
    person = await ctx.gateway.person(workspace_id=req.workspace_id, user_id=req.user_id)
    allowed = person.is_admin or await ctx.services.teams.can_view_all(
        workspace_id=req.workspace_id, user_id=req.user_id
    )
    if not allowed:
        return replies.status_all_refused()
    statuses = await ctx.services.status.org(workspace_id=req.workspace_id)
    picture = await ctx.pictures.org(workspace=req.workspace_id, statuses=statuses)
    return org_status_message(statuses, picture=picture)


async def _pulse(ctx: AppContext, team: Team, req: CommandRequest) -> dict[str, Any]:
    async def large_team(rnd: Round, members: int) -> None:
        # A large team takes a while to reach: say so now, report when done.
        await req.progress(replies.sending(rnd.number, members))

    pulse = await pulse_team(ctx, team, large_team=large_team)
    if pulse is None:
        return replies.no_members(team)
    sent = pulse.sent
    return replies.pulse_sent(
        pulse.round.number,
        created=pulse.created,
        sent=sent.sent,
        failed=sent.failed,
        pending=sent.pending,
        away=sent.away,
    )


async def _digest(ctx: AppContext, team: Team) -> dict[str, Any]:
    view = await ctx.services.digests.view(team=team)
    if view is None:
        return replies.no_round_yet()
    # A closed round's digest is posted once by the schedule: posting it by hand first takes
    # that turn, so the channel does not get it twice. (Asked again, it is posted again.)
    await post_digest(
        services=ctx.services, platform=ctx.platform, team=team, view=view, again=True
    )
    return replies.digest_posted(team, view.round.round.number)


async def _export(ctx: AppContext, team: Team, req: CommandRequest) -> dict[str, Any]:
    """The team's rounds (aggregates only) as a CSV file in the caller's DM with the bot."""
    rows = await ctx.services.export.team(team=team)
    if not rows:
        return replies.no_round_yet()
    day = ctx.services.store.now().strftime("%Y-%m-%d")
    try:
        await ctx.gateway.send_file_dm(
            workspace_id=req.workspace_id,
            user_id=req.user_id,
            content=to_csv(rows).encode(),
            filename=f"sdo-pulse-{re.sub(r'[^A-Za-z0-9_.-]+', '-', team.name)}-{day}.csv",
            title=f"SDO Pulse: #{team.name}, {day}",
            comment=replies.export_comment(team, len(rows))["text"],
        )
    except UploadError as exc:
        return replies.slack_refused(str(exc))
    return replies.export_sent(team, len(rows))


async def _schedule(ctx: AppContext, team: Team, cmd: grammar.Schedule) -> dict[str, Any]:
    if cmd.weekday is None or cmd.at is None:
        return replies.schedule_shown(team, grammar.SCHEDULE_USAGE)
    updated, next_pulse = await ctx.services.rounds.move_pulse(
        team=team, weekday=cmd.weekday, at=cmd.at, every_weeks=cmd.every_weeks, tz=cmd.tz
    )
    return replies.schedule_saved(updated, weekday=cmd.weekday, at=cmd.at, next_pulse=next_pulse)


async def _managers(ctx: AppContext, team: Team, action: str, user_id: str) -> dict[str, Any]:
    if action == "add":
        person = await ctx.gateway.known_person(workspace_id=team.workspace_id, user_id=user_id)
        outcome = await ctx.services.teams.add_manager(team=team, user_id=user_id, person=person)
        if outcome.refused is not None:
            return replies.manager_refused(team, user_id, why=outcome.refused)
        return replies.manager_added(team, user_id, added=outcome.added)
    removed = await ctx.services.teams.remove_manager(team=team, user_id=user_id)
    return replies.manager_removed(team, user_id, removed=removed)
