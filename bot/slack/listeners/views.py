"""Modal submissions: the "Add a note" evidence modal and the App Home's schedule settings."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.delivery.platform import SentMessage
from bot.services.answers import NOTE_MAX_CHARS
from bot.slack.blocks.modals import (
    NOTE_CALLBACK_ID,
    SCHEDULE_CALLBACK_ID,
    NoteContext,
    UnknownZoneError,
    note_not_saved_text,
    note_too_long_error,
    parse_note_submission,
    parse_schedule_submission,
    parse_schedule_tz,
    unknown_tz_error,
)
from bot.slack.blocks.questions import QUESTIONS_CALLBACK_ID
from bot.slack.blocks.text import escape
from bot.slack.context import AppContext
from bot.slack.listeners import questions
from bot.slack.listeners.shared import (
    may_manage,
    named_team,
    publish_home,
    tolerate_slack_errors,
)
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)

ACK_BUDGET_SECONDS = 2.0
CLOSED_ERROR = "This round is closed: the note was not saved."
MALFORMED_ERROR = "Something in this form was missing. Please close it and try again."


CALLBACK_IDS = (NOTE_CALLBACK_ID, SCHEDULE_CALLBACK_ID, QUESTIONS_CALLBACK_ID)


def register(app: AsyncApp, ctx: AppContext) -> None:
    app.view(NOTE_CALLBACK_ID)(tolerate_slack_errors(_note_submitted(ctx)))
    app.view(SCHEDULE_CALLBACK_ID)(tolerate_slack_errors(_schedule_submitted(ctx)))
    questions.register(app, ctx)  # the team's wording (`/sdo questions`)


def _schedule_submitted(ctx: AppContext) -> Any:
    async def handle_schedule(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id = str(body["team"]["id"])
        user_id = str(body["user"]["id"])
        team = await named_team(
            ctx, workspace_id=workspace_id, team_id=str(view.get("private_metadata", ""))
        )
        try:
            if team is None:
                raise ValueError("unknown team")
            schedule = parse_schedule_submission(view["state"]["values"], current=team.schedule)
            tz = parse_schedule_tz(view["state"]["values"], current=team.tz)
        except UnknownZoneError as exc:
            await ack(**unknown_tz_error(exc.typed))
            return
        except (KeyError, TypeError, ValueError):
            log.warning("schedule submission of an unexpected shape")
            await ack(response_action="errors", errors={"pulse_day": MALFORMED_ERROR})
            return
        await ack()
        if not await may_manage(ctx, workspace_id=workspace_id, user_id=user_id, team=team):
            notice = ":lock: Only this team's managers can change its schedule."
        else:
            updated = await ctx.services.rounds.set_schedule(team=team, schedule=schedule, tz=tz)
            notice = (
                f":calendar: #{escape(updated.name)}: {updated.schedule.describe()} "
                f"({escape(updated.tz)}) — saved."
            )
        await publish_home(ctx, workspace_id=workspace_id, user_id=user_id, notice=notice)

    return handle_schedule


def _note_submitted(ctx: AppContext) -> Any:
    async def handle_note(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            note_context = NoteContext.decode(str(view.get("private_metadata", "")))
            submission = parse_note_submission(view["state"]["values"])
        except (KeyError, TypeError, ValueError):
            log.warning("note submission of an unexpected shape")
            await ack(response_action="errors", errors={"note_text": MALFORMED_ERROR})
            return
        text = submission.text.strip()
        if len(text) > NOTE_MAX_CHARS:
            await ack(**note_too_long_error(NOTE_MAX_CHARS, len(text)))
            return
        user_id = str(body["user"]["id"])
        workspace_id = str(body["team"]["id"])
        saving = asyncio.ensure_future(
            ctx.services.answers.save_note(
                workspace_id=workspace_id,
                round_id=note_context.round_id,
                user_id=user_id,
                circle=submission.circle,
                note=text,
                internal_customer=submission.internal_customer,
            )
        )
        try:
            # Slack waits 3 s for the answer: a field error needs the outcome, but a slow
            # database must not make the modal fail. The save goes on after the ack.
            outcome = await asyncio.wait_for(asyncio.shield(saving), ACK_BUDGET_SECONDS)
        except TimeoutError:
            await ack()
            try:
                outcome = await saving
            except DatabaseUnavailable:
                # The form is gone: the DM keeps what was typed, to paste in again.
                await ctx.gateway.send_dm(
                    user_id=user_id,
                    message={"text": note_not_saved_text(text)},
                    workspace_id=workspace_id,
                )
                return
            if not outcome.stored:
                await ctx.gateway.send_dm(
                    user_id=user_id, message={"text": CLOSED_ERROR}, workspace_id=workspace_id
                )
                return
        else:
            if not outcome.stored:
                await ack(response_action="errors", errors={"note_text": CLOSED_ERROR})
                return
            await ack()
        if note_context.channel_id and note_context.message_ts:
            await ctx.platform.replace_pulse(
                workspace_id=workspace_id,
                sent=SentMessage(channel_id=note_context.channel_id, ts=note_context.message_ts),
                pulse=outcome.pulse(),
                response_url=note_context.response_url,
            )

    return handle_note
