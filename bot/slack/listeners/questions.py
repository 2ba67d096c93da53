"""`/sdo questions`: the team's wording of the three questions (managers of the channel's team).

``/sdo questions`` opens the form (``bot.slack.blocks.questions``); its submission is checked
again (the form could be posted by anyone with its metadata) and stored through
``Services.questions``. ``/sdo questions W|H|D <text>`` and ``/sdo questions reset [W|H|D]``
do the same from the command line.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain import grammar
from bot.domain.circles import CIRCLES
from bot.domain.model import Team
from bot.slack.blocks.questions import (
    QUESTIONS_CALLBACK_ID,
    parse_questions_submission,
    question_block_id,
    questions_errors,
    questions_modal,
    questions_refused,
    questions_saved,
    questions_shown,
)
from bot.slack.context import AppContext
from bot.slack.listeners.shared import may_manage, named_team, tolerate_slack_errors

log = logging.getLogger(__name__)

MALFORMED_ERROR = "Something in this form was missing. Please close it and try again."
REFUSED_ERROR = "Only this team's managers can reword its questions."


def register(app: AsyncApp, ctx: AppContext) -> None:
    app.view(QUESTIONS_CALLBACK_ID)(tolerate_slack_errors(_submitted(ctx)))


async def questions_command(
    ctx: AppContext, team: Team, *, user_id: str, trigger_id: str, cmd: grammar.Questions
) -> dict[str, Any] | None:
    """A manager's `/sdo questions …` (the caller's role is checked already)."""
    if cmd.action == "show":
        wording = await ctx.services.questions.wording(team=team)
        if not trigger_id:
            return questions_shown(team, wording)
        await ctx.gateway.open_modal(
            trigger_id=trigger_id,
            view=questions_modal(team_id=team.id, team_name=team.name, wording=wording),
            workspace_id=team.workspace_id,
        )
        return None
    circles = (cmd.circle,) if cmd.circle is not None else CIRCLES
    texts = {c: (cmd.text if cmd.action == "set" else None) for c in circles}
    wording, problems = await ctx.services.questions.reword(team=team, texts=texts, by=user_id)
    if problems:
        return questions_refused(next(iter(problems.values())))
    return questions_saved(team, wording)


def _submitted(ctx: AppContext) -> Any:
    async def handle_questions(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id = str(body["team"]["id"])
        user_id = str(body["user"]["id"])
        first = question_block_id(CIRCLES[0])
        try:
            texts = parse_questions_submission(view["state"]["values"])
        except (KeyError, TypeError, ValueError):
            log.warning("questions submission of an unexpected shape")
            await ack(response_action="errors", errors={first: MALFORMED_ERROR})
            return
        team = await named_team(
            ctx, workspace_id=workspace_id, team_id=str(view.get("private_metadata", ""))
        )
        if team is None:
            await ack(response_action="errors", errors={first: MALFORMED_ERROR})
            return
        if not await may_manage(ctx, workspace_id=workspace_id, user_id=user_id, team=team):
            await ack(response_action="errors", errors={first: REFUSED_ERROR})
            return
        _, problems = await ctx.services.questions.reword(team=team, texts=texts, by=user_id)
        if problems:
            await ack(**questions_errors(problems))
            return
        await ack()

    return handle_questions
