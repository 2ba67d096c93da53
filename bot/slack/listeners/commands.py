"""`/sdo …`: parse, one service call per command, answer ephemerally.

An answer that is ready within ``ANSWER_IN_ACK_SECONDS`` travels in the HTTP acknowledgement
itself (what Slack recommends: the person sees it at once, and no second request is needed).
A slower one (a cold cache, Slack being slow, a large fan-out) is acknowledged empty when that
time is up — well inside Slack's 3-second deadline — and answered on the response_url when done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.delivery.digests import post_digest
from bot.delivery.platform import PlatformError
from bot.domain.model import WEEKDAY_NAMES, Team
from bot.domain.views import Role
from bot.slack import grammar
from bot.slack.blocks.help import help_message
from bot.slack.blocks.status import org_status_message, status_message
from bot.slack.blocks.text import escape, section
from bot.slack.context import AppContext
from bot.slack.gateway import SlackGateway
from bot.slack.listeners.shared import send_round

log = logging.getLogger(__name__)

COMMAND = "/sdo"
PROGRESS_NOTE_MEMBERS = 25
ANSWER_IN_ACK_SECONDS = 1.0


def text_message(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [section(text)]}


def refusal(what: str) -> dict[str, Any]:
    return text_message(
        f":lock: Sorry — only this team's managers (or workspace admins) can {what}."
    )


NOT_A_TEAM = text_message(
    "This channel is not a team yet. Run `/sdo setup` here to register it (you become its manager)."
)


def register(
    app: AsyncApp, ctx: AppContext, *, answer_in_ack_seconds: float = ANSWER_IN_ACK_SECONDS
) -> None:
    app.command(COMMAND)(_handler(ctx, answer_in_ack_seconds))


def _handler(ctx: AppContext, answer_in_ack_seconds: float) -> Any:
    async def handle_sdo(ack: AsyncAck, command: dict[str, Any]) -> None:
        answer = _Answer(ack=ack, gateway=ctx.gateway, response_url=str(command["response_url"]))
        # Time is up: acknowledge empty, answer on the response_url later.
        timer = asyncio.get_running_loop().call_later(
            answer_in_ack_seconds, lambda: answer.keep(asyncio.ensure_future(answer.ack_empty()))
        )
        try:
            parsed = grammar.parse_command(command.get("text"))
            request = CommandRequest(
                workspace_id=str(command["team_id"]),
                user_id=str(command["user_id"]),
                channel_id=str(command["channel_id"]),
                channel_name=str(command.get("channel_name") or command["channel_id"]),
                progress=answer.progress,
            )
            try:
                reply = await run_command(ctx, parsed, request)
            except (SlackApiError, PlatformError) as exc:
                reason = exc.reason if isinstance(exc, PlatformError) else exc.response.get("error")
                log.warning("/sdo %s: Slack said %s", type(parsed).__name__, reason)
                reply = text_message(
                    ":warning: Slack refused a request I needed "
                    f"(`{escape(str(reason))}`). If I am not in this channel, "
                    "invite me with `/invite @SDO Pulse` and try again."
                )
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


async def run_command(
    ctx: AppContext, cmd: grammar.Command, req: CommandRequest
) -> dict[str, Any] | None:
    """Carry out one parsed command and return the ephemeral answer."""
    match cmd:
        case grammar.Help(unknown=unknown):
            return help_message(unknown)
        case grammar.Invalid(message=message):
            return text_message(message)
        case grammar.Setup():
            return await _setup(ctx, req)
        case grammar.Status(all_teams=True):
            return await _status_all(ctx, req)
        case grammar.Status(channel_id=channel_id):
            return await _status(ctx, req, channel_id or req.channel_id)
    team = await ctx.services.teams.for_channel(
        workspace_id=req.workspace_id, channel_id=req.channel_id
    )
    if team is None:
        return NOT_A_TEAM
    return await _team_command(ctx, cmd, req, team, await _role(ctx, req, team))


# What a refusal says each manager-only command would have done.
_MANAGERS_ONLY = {
    grammar.Pulse: "send a pulse",
    grammar.Digest: "post the digest",
    grammar.Schedule: "change the schedule",
    grammar.Managers: "change managers",
}


async def _team_command(
    ctx: AppContext, cmd: grammar.Command, req: CommandRequest, team: Team, role: Role
) -> dict[str, Any]:
    """A command about the channel's team, for a caller whose ``role`` there is known."""
    if isinstance(cmd, grammar.Managers) and cmd.action == "list":
        if not role.can_view:
            return refusal("see its managers")
        managers = await ctx.services.teams.managers(team=team)
        return text_message(
            f"Managers of #{escape(team.name)}: " + ", ".join(f"<@{m}>" for m in managers)
        )
    if not role.can_manage:
        return refusal(_MANAGERS_ONLY.get(type(cmd), "do that"))
    match cmd:
        case grammar.Pulse():
            return await _pulse(ctx, team, req)
        case grammar.Digest():
            return await _digest(ctx, team)
        case grammar.Schedule():
            return await _schedule(ctx, team, cmd)
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
    verb = "is now a team" if created else "was already a team; members refreshed"
    return text_message(
        f":white_check_mark: #{escape(team.name)} {verb}: {size} member{'s' if size != 1 else ''}, "
        f"you are a manager. Schedule: {team.schedule.describe()} ({escape(team.tz)}). "
        "Send the first one now with `/sdo pulse`."
    )


async def _status(ctx: AppContext, req: CommandRequest, channel_id: str) -> dict[str, Any]:
    person = await ctx.gateway.person(workspace_id=req.workspace_id, user_id=req.user_id)
    team, role, status = await ctx.services.status.channel(
        workspace_id=req.workspace_id,
        channel_id=channel_id,
        user_id=req.user_id,
        platform_admin=person.is_admin,
    )
    if team is None:
        return (
            NOT_A_TEAM
            if channel_id == req.channel_id
            else text_message(f"<#{channel_id}> is not a team yet: run `/sdo setup` there.")
        )
    if status is None:
        return text_message(
            f":lock: Only members and managers of #{escape(team.name)} can see its status."
        )
    picture = await ctx.pictures.team(status)
    return status_message(status, show_failures=role.can_manage, picture=picture)


async def _status_all(ctx: AppContext, req: CommandRequest) -> dict[str, Any]:
    person = await ctx.gateway.person(workspace_id=req.workspace_id, user_id=req.user_id)
    allowed = person.is_admin or await ctx.services.teams.can_view_all(
        workspace_id=req.workspace_id, user_id=req.user_id
    )
    if not allowed:
        return text_message(
            ":lock: Sorry — `/sdo status all` is for team managers and workspace admins."
        )
    statuses = await ctx.services.status.org(workspace_id=req.workspace_id)
    picture = await ctx.pictures.org(workspace=req.workspace_id, statuses=statuses)
    return org_status_message(statuses, picture=picture)


async def _pulse(ctx: AppContext, team: Team, req: CommandRequest) -> dict[str, Any]:
    members = await ctx.services.teams.member_count(team=team)
    if not members:
        return text_message(
            f"#{escape(team.name)} has no members to ask: invite people to the "
            "channel, then run `/sdo setup` again."
        )
    rnd, created = await ctx.services.rounds.open(team=team)
    if members > PROGRESS_NOTE_MEMBERS:
        # A large team takes a while to reach: say so now, report when done.
        await req.progress(
            text_message(
                f":hourglass_flowing_sand: Round {rnd.number} is open: sending it to "
                f"{members} members…"
            )
        )
    result = await send_round(ctx, team=team, rnd=rnd)
    opened = f"Round {rnd.number} is open" if created else f"Round {rnd.number} was already open"
    parts = [
        f":mailbox_with_mail: {opened}: sent to {result.sent} member"
        f"{'s' if result.sent != 1 else ''}."
    ]
    if result.failed:
        parts.append(f"{result.failed} could not be reached (see `/sdo status`).")
    if result.pending:
        parts.append(f"{result.pending} will be retried.")
    return text_message(" ".join(parts))


async def _digest(ctx: AppContext, team: Team) -> dict[str, Any]:
    view = await ctx.services.digests.view(team=team)
    if view is None:
        return text_message("No round yet — send one with `/sdo pulse` first.")
    # A closed round's digest is posted once by the schedule: posting it by hand first takes
    # that turn, so the channel does not get it twice. (Asked again, it is posted again.)
    await post_digest(
        services=ctx.services, platform=ctx.platform, team=team, view=view, again=True
    )
    return text_message(
        f":newspaper: Digest of round {view.round.round.number} posted to #{escape(team.name)}."
    )


async def _schedule(ctx: AppContext, team: Team, cmd: grammar.Schedule) -> dict[str, Any]:
    if cmd.weekday is None or cmd.at is None:
        return text_message(
            f":calendar: #{escape(team.name)}: {team.schedule.describe()} "
            f"({escape(team.tz)}).\n{grammar.SCHEDULE_USAGE}"
        )
    schedule = replace(
        team.schedule,
        pulse_weekday=cmd.weekday,
        pulse_time=cmd.at,
        every_weeks=cmd.every_weeks or team.schedule.every_weeks,
    )
    updated = await ctx.services.rounds.set_schedule(team=team, schedule=schedule)
    runs = await ctx.services.rounds.next_runs(team=updated)
    upcoming = ""
    if runs is not None and runs.pulse_at is not None:
        local = runs.pulse_at.astimezone(ZoneInfo(updated.tz))
        upcoming = f" Next pulse: {local:%A %d %B %H:%M}."
    return text_message(
        f":calendar: Done: #{escape(team.name)} gets its pulse every "
        f"{WEEKDAY_NAMES[cmd.weekday]} at {cmd.at:%H:%M} ({escape(team.tz)}) — "
        f"{updated.schedule.describe()}.{upcoming}"
    )


async def _managers(ctx: AppContext, team: Team, action: str, user_id: str) -> dict[str, Any]:
    if action == "add":
        added = await ctx.services.teams.add_manager(team=team, user_id=user_id)
        return text_message(
            f"<@{user_id}> is {'now' if added else 'already'} a manager of #{escape(team.name)}."
        )
    removed = await ctx.services.teams.remove_manager(team=team, user_id=user_id)
    if removed:
        return text_message(f"<@{user_id}> is no longer a manager of #{escape(team.name)}.")
    return text_message(
        f"<@{user_id}> stays: they are not a manager of #{escape(team.name)}, "
        "or they are its last one (add another manager first)."
    )
