"""Button clicks: pulse answers, "Add a note", and "Send pulse now" and "Pulse me now" on the
App Home."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.delivery.platform import SentMessage
from bot.delivery.pulses import pulse_me
from bot.domain.model import Team
from bot.domain.views import AnswerOutcome
from bot.services.answers import NOTE_MAX_CHARS
from bot.slack.blocks.home import (
    EDIT_SCHEDULE_ACTION_ID,
    PULSE_ME_ACTION_ID,
    SEND_PULSE_ACTION_ID,
)
from bot.slack.blocks.modals import NoteContext, note_modal, schedule_modal
from bot.slack.blocks.pulse import (
    ANSWER_ACTION_IDS,
    ANSWER_ACTION_PREFIX,
    NOTE_ACTION_ID,
    AnswerClick,
)
from bot.slack.blocks.text import escape
from bot.slack.context import AppContext
from bot.slack.listeners.shared import managed_team, publish_home, pulse_team, tolerate_slack_errors

log = logging.getLogger(__name__)

ANSWER_ACTION = re.compile("^" + re.escape(ANSWER_ACTION_PREFIX) + r"(yes|partly|no|not_sure)$")

CLOSED_TEXT = ":lock: This round is closed — answers can no longer change. Thank you!"
NOTE_FORM_FAILED_TEXT = "I could not open the note form in time. Please click “Add a note” again."
STALE_BUTTON_TEXT = "That button is out of date. Open the latest pulse message and try again."
NOT_ASKED_TEXT = "This pulse was not sent to you, so I cannot record an answer for you."


# Every action id this module answers (the answer buttons share one handler).
ACTION_IDS = (
    *ANSWER_ACTION_IDS,
    NOTE_ACTION_ID,
    SEND_PULSE_ACTION_ID,
    EDIT_SCHEDULE_ACTION_ID,
    PULSE_ME_ACTION_ID,
)


def register(app: AsyncApp, ctx: AppContext) -> None:
    app.action(ANSWER_ACTION)(tolerate_slack_errors(_answer(ctx)))
    app.action(NOTE_ACTION_ID)(tolerate_slack_errors(_add_note(ctx)))
    app.action(SEND_PULSE_ACTION_ID)(tolerate_slack_errors(_send_pulse(ctx)))
    app.action(EDIT_SCHEDULE_ACTION_ID)(tolerate_slack_errors(_edit_schedule(ctx)))
    app.action(PULSE_ME_ACTION_ID)(tolerate_slack_errors(_pulse_me(ctx)))


def _message_location(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and ts of the message a button sits in."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return channel, ts


def _response_url(body: dict[str, Any]) -> str | None:
    """The click's response_url: the DM is refreshed through it rather than ``chat.update``."""
    url = body.get("response_url")
    return str(url) if url else None


def _answer(ctx: AppContext) -> Any:
    async def handle_answer(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        try:
            click = AnswerClick.decode(str(action.get("value", "")))
        except ValueError:
            await _tell(ctx, body, STALE_BUTTON_TEXT)
            return
        workspace_id = str(body["team"]["id"])
        user_id = str(body["user"]["id"])
        outcome = await ctx.services.answers.record(
            workspace_id=workspace_id,
            round_id=click.round_id,
            user_id=user_id,
            circle=click.circle,
            value=click.value,
        )
        log.debug("click on round %s: %s", click.round_id, outcome.reason or "stored")
        channel, ts = _message_location(body)
        response_url = _response_url(body)
        if outcome.stored and channel and ts:
            await ctx.platform.replace_pulse(
                workspace_id=workspace_id,
                sent=SentMessage(channel_id=channel, ts=ts),
                pulse=outcome.pulse(),
                response_url=response_url,
            )
        elif outcome.reason == "closed":
            if channel and ts:
                _, _, mine = await ctx.services.answers.mine(
                    workspace_id=workspace_id, round_id=click.round_id, user_id=user_id
                )
                closed = AnswerOutcome(
                    stored=False,
                    reason="closed",
                    round=outcome.round,
                    team=outcome.team,
                    answers=mine,
                    wording=outcome.wording,
                )
                await ctx.platform.replace_pulse(
                    workspace_id=workspace_id,
                    sent=SentMessage(channel_id=channel, ts=ts),
                    pulse=closed.pulse(closed=True),
                    response_url=response_url,
                )
            await _tell(ctx, body, CLOSED_TEXT)
        elif not outcome.stored:
            await _tell(ctx, body, NOT_ASKED_TEXT)

    return handle_answer


def _add_note(ctx: AppContext) -> Any:
    async def handle_add_note(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        try:
            round_id = int(str(action.get("value", "")))
        except ValueError:
            await _tell(ctx, body, STALE_BUTTON_TEXT)
            return
        workspace_id = str(body["team"]["id"])
        user_id = str(body["user"]["id"])
        rnd, team, answers = await ctx.services.answers.mine(
            workspace_id=workspace_id, round_id=round_id, user_id=user_id
        )
        if rnd is None or team is None:
            await _tell(ctx, body, NOT_ASKED_TEXT)
            return
        if not rnd.is_open:
            await _tell(ctx, body, CLOSED_TEXT)
            return
        channel, ts = _message_location(body)
        view = note_modal(
            note_context=NoteContext(round_id, channel, ts, _response_url(body)),
            team_name=team.name,
            answers=answers,
            max_chars=NOTE_MAX_CHARS,
        )
        try:
            await ctx.gateway.open_modal(
                trigger_id=str(body.get("trigger_id", "")), view=view, workspace_id=workspace_id
            )
        except SlackApiError as exc:
            log.warning("note form not opened: Slack said %s", exc.response.get("error"))
            await _tell(ctx, body, NOTE_FORM_FAILED_TEXT)

    return handle_add_note


def _send_pulse(ctx: AppContext) -> Any:
    async def handle_send_pulse(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        workspace_id, user_id, team = await _home_team(ctx, body, action)
        if team is None:
            notice = ":lock: Only this team's managers can send its pulse."
        elif (pulse := await pulse_team(ctx, team)) is None:
            notice = (
                f"#{escape(team.name)} has no members to ask: invite people to its channel first."
            )
        else:
            sent = pulse.sent.sent
            notice = (
                f":mailbox_with_mail: Round {pulse.round.number} of #{escape(team.name)} sent to "
                f"{sent} member{'s' if sent != 1 else ''}."
            )
        await publish_home(ctx, workspace_id=workspace_id, user_id=user_id, notice=notice)

    return handle_send_pulse


def _pulse_me(ctx: AppContext) -> Any:
    async def handle_pulse_me(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        workspace_id = str(body["team"]["id"])
        user_id = str(body["user"]["id"])
        try:
            round_id = int(str(action.get("value", "")))
        except ValueError:
            return
        outcomes = await pulse_me(
            services=ctx.services,
            platform=ctx.platform,
            workspace_id=workspace_id,
            user_id=user_id,
            round_id=round_id,
        )
        done = next((o for o in outcomes if o.result in ("sent", "pending")), None)
        if done is None:
            notice = "You were not away for that round any more: your pulse is in your DMs."
        else:
            notice = (
                f":mailbox_with_mail: Round {done.round.number} of #{escape(done.team.name)} is "
                "in your DMs now."
            )
        await publish_home(ctx, workspace_id=workspace_id, user_id=user_id, notice=notice)

    return handle_pulse_me


def _edit_schedule(ctx: AppContext) -> Any:
    async def handle_edit_schedule(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        workspace_id, user_id, team = await _home_team(ctx, body, action)
        if team is None:
            await publish_home(
                ctx,
                workspace_id=workspace_id,
                user_id=user_id,
                notice=":lock: Only this team's managers can change its schedule.",
            )
            return
        view = schedule_modal(
            team_id=team.id, team_name=team.name, tz=team.tz, schedule=team.schedule
        )
        await ctx.gateway.open_modal(
            trigger_id=str(body.get("trigger_id", "")), view=view, workspace_id=workspace_id
        )

    return handle_edit_schedule


async def _home_team(
    ctx: AppContext, body: dict[str, Any], action: dict[str, Any]
) -> tuple[str, str, Team | None]:
    """Who clicked an App Home button, and the team it names if they manage it."""
    workspace_id = str(body["team"]["id"])
    user_id = str(body["user"]["id"])
    team = await managed_team(
        ctx, workspace_id=workspace_id, user_id=user_id, team_id=str(action.get("value", ""))
    )
    return workspace_id, user_id, team


async def _tell(ctx: AppContext, body: dict[str, Any], text: str) -> None:
    """An ephemeral answer to a click (through its response_url when Slack gave one)."""
    response_url = _response_url(body)
    if response_url:
        await ctx.gateway.respond(
            response_url=response_url, message={"text": text}, replace_original=False
        )
    else:
        log.info("no response_url to tell %s: %s", body.get("user", {}).get("id"), text)
