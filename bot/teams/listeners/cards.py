"""Invokes from the pulse card: an answer clicked (``Action.Execute``), "Add a note" opened
(``task/fetch``) and saved (``task/submit``).

A click is answered with the member's card as it now stands: Teams shows it in place of the
clicked one (only the member is in that chat). A note is saved or refused in the dialog itself.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse, InvokeResponse
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.delivery.platform import SentMessage
from bot.domain.circles import CIRCLES
from bot.domain.views import AnswerOutcome
from bot.services.answers import NOTE_MAX_CHARS
from bot.teams.activity import origin_of, wire
from bot.teams.cards import note as note_cards
from bot.teams.cards import replies
from bot.teams.cards.pulse import ANSWER_VERB, parse_answer, parse_note_request, pulse_card
from bot.teams.cards.release import RELEASE_VERB, parse_release_answer, release_card
from bot.teams.context import TeamsContext
from bot.teams.listeners.questions import (
    is_questions_request,
    questions_dialog_opened,
    questions_dialog_saved,
)
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)

CARD = "application/vnd.microsoft.card.adaptive"
NOT_ASKED_TEXT = "I could not find that pulse. It may belong to a team you are no longer in."


def register(app: AgentApplication[TurnState], ctx: TeamsContext) -> None:
    @app.adaptive_card.action_execute(ANSWER_VERB)
    async def answered(
        context: TurnContext, state: TurnState, data: Any
    ) -> AdaptiveCardInvokeResponse:
        return await on_answer(ctx, context, data)

    @app.adaptive_card.action_execute(RELEASE_VERB)
    async def release_answered(
        context: TurnContext, state: TurnState, data: Any
    ) -> AdaptiveCardInvokeResponse:
        return await on_release_answer(ctx, context, data)

    @app.invoke("task/fetch")
    async def note_opened(context: TurnContext, state: TurnState) -> None:
        await on_note_opened(ctx, context)

    @app.invoke("task/submit")
    async def note_saved(context: TurnContext, state: TurnState) -> None:
        await on_note_saved(ctx, context)


async def on_answer(
    ctx: TeamsContext, context: TurnContext, data: Any
) -> AdaptiveCardInvokeResponse:
    origin = origin_of(wire(context.activity))
    click = parse_answer(data)
    if origin is None or click is None:
        return _message("That button sent something I do not understand.")
    round_id, circle, value = click
    try:
        outcome = await ctx.services.answers.record(
            workspace_id=origin.workspace_id,
            round_id=round_id,
            user_id=origin.caller.user_id,
            circle=circle,
            value=value,
        )
    except DatabaseUnavailable:
        log.warning("an answer found the database unavailable: asked to try again")
        return _message(replies.database_unavailable())
    if outcome.round is None or outcome.team is None:
        return _message(NOT_ASKED_TEXT)
    if not outcome.stored:
        # Closed: show the member what they had answered, without buttons.
        _, _, mine = await ctx.services.answers.mine(
            workspace_id=origin.workspace_id, round_id=round_id, user_id=origin.caller.user_id
        )
        outcome = AnswerOutcome(
            stored=False,
            reason="closed",
            round=outcome.round,
            team=outcome.team,
            answers=mine,
            wording=outcome.wording,
        )
        return _card(pulse_card(outcome.pulse(closed=True)))
    return _card(pulse_card(outcome.pulse()))


async def on_release_answer(
    ctx: TeamsContext, context: TurnContext, data: Any
) -> AdaptiveCardInvokeResponse:
    """A member's answer to a release pulse: stored, and the card shown with it."""
    origin = origin_of(wire(context.activity))
    click = parse_release_answer(data)
    if origin is None or click is None:
        return _message("That button sent something I do not understand.")
    release_id, value = click
    try:
        view = await ctx.services.releases.answer(
            workspace_id=origin.workspace_id,
            release_id=release_id,
            user_id=origin.caller.user_id,
            value=value,
        )
    except DatabaseUnavailable:
        return _message(replies.database_unavailable())
    if view is None:
        return _message(NOT_ASKED_TEXT)
    return _card(release_card(view))


async def on_note_opened(ctx: TeamsContext, context: TurnContext) -> None:
    activity = wire(context.activity)
    if is_questions_request(_task_data(activity)):  # "Reword the questions" (managers)
        await _reply(context, await questions_dialog_opened(ctx, activity, _task_data(activity)))
        return
    origin = origin_of(activity)
    round_id = parse_note_request(_task_data(activity))
    if origin is None or round_id is None:
        await _reply(context, note_cards.dialog_message(note_cards.NOTE_MALFORMED_TEXT))
        return
    try:
        rnd, team, mine = await ctx.services.answers.mine(
            workspace_id=origin.workspace_id, round_id=round_id, user_id=origin.caller.user_id
        )
    except DatabaseUnavailable:
        log.warning("a note dialog found the database unavailable: asked to try again")
        await _reply(context, note_cards.dialog_message(replies.database_unavailable()))
        return
    if rnd is None or team is None:
        await _reply(context, note_cards.dialog_message(NOT_ASKED_TEXT))
        return
    if not rnd.is_open:
        await _reply(context, note_cards.dialog_message(note_cards.NOTE_CLOSED_TEXT))
        return
    noted = next((mine[c] for c in CIRCLES if c in mine and mine[c].note), None)
    await _reply(
        context,
        note_cards.note_dialog(
            round_id=round_id,
            note=noted.note if noted else None,
            internal=bool(noted and noted.internal_customer),
            circle=noted.circle if noted else None,
        ),
    )


async def on_note_saved(ctx: TeamsContext, context: TurnContext) -> None:
    activity = wire(context.activity)
    origin = origin_of(activity)
    data = _task_data(activity)
    if is_questions_request(data):  # the questions dialog's Save
        await _reply(context, await questions_dialog_saved(ctx, activity, data))
        return
    submitted = note_cards.parse_note_submit(data)
    circle = note_cards.parse_note_circle(data)
    if origin is None or submitted is None or circle is None:
        await _reply(context, note_cards.dialog_message(note_cards.NOTE_MALFORMED_TEXT))
        return
    round_id, text, internal = submitted
    if len(text) > NOTE_MAX_CHARS:
        await _reply(context, note_cards.dialog_message(note_cards.note_too_long_text(len(text))))
        return
    try:
        outcome = await ctx.services.answers.save_note(
            workspace_id=origin.workspace_id,
            round_id=round_id,
            user_id=origin.caller.user_id,
            circle=circle,
            note=text,
            internal_customer=internal,
        )
    except DatabaseUnavailable:
        # The dialog stays open with the note in it, and says why.
        log.warning("a note found the database unavailable: asked to try again")
        dialog = note_cards.note_dialog(
            round_id=round_id,
            note=text,
            internal=internal,
            circle=circle,
            notice=replies.database_unavailable(),
        )
        await _reply(context, dialog)
        return
    saved = outcome.stored
    await _reply(
        context,
        note_cards.dialog_message(
            note_cards.NOTE_SAVED_TEXT if saved else note_cards.NOTE_CLOSED_TEXT
        ),
    )
    card_at = _card_location(activity)
    if saved and card_at is not None:
        # The pulse card shows the note too, as Slack's message does.
        await ctx.platform.update_pulse(
            workspace_id=origin.workspace_id, sent=card_at, pulse=outcome.pulse()
        )


def _card_location(data: dict[str, Any]) -> SentMessage | None:
    """Where the card the dialog was opened from is (a personal chat's conversation and the
    card's activity id), when Teams said."""
    conversation_id = (data.get("conversation") or {}).get("id")
    card_id = data.get("replyToId")
    if not conversation_id or not card_id:
        return None
    return SentMessage(channel_id=str(conversation_id), ts=str(card_id))


def _task_data(activity: dict[str, Any]) -> Any:
    value = activity.get("value") or {}
    return value.get("data") if isinstance(value, dict) else None


def _card(card: dict[str, Any]) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse.model_validate(
        {"statusCode": 200, "type": CARD, "value": card}
    )


def _message(text: str) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse.model_validate(
        {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
    )


async def _reply(context: TurnContext, body: dict[str, Any]) -> None:
    await context.send_activity(
        Activity(
            type="invokeResponse",
            value=InvokeResponse(status=int(HTTPStatus.OK), body=body),
        )
    )
