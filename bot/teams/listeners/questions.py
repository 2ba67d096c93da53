"""`@SDO Pulse questions …` (managers): the same use case as Slack's `/sdo questions`.

``questions`` answers with the team's wording and a button to the dialog
(``bot.teams.cards.questions``); the dialog's request (``task/fetch``) and Save
(``task/submit``) come through ``bot.teams.listeners.cards``, and the caller's role is checked
on each (the button's data names the team, and is no secret). ``questions W|H|D <text>`` and
``questions reset [W|H|D]`` reword or reset from the command line.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.domain import grammar
from bot.domain.circles import CIRCLES
from bot.domain.model import Team
from bot.domain.questions import DEFAULT_WORDING
from bot.teams.activity import origin_of
from bot.teams.cards import replies
from bot.teams.cards.note import dialog_message
from bot.teams.cards.questions import (
    QUESTIONS_MALFORMED_TEXT,
    QUESTIONS_REFUSED_TEXT,
    QUESTIONS_SAVED_TEXT,
    parse_questions_request,
    parse_questions_submit,
    questions_card,
    questions_dialog,
    questions_refused,
    questions_saved,
)
from bot.teams.context import TeamsContext
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)


async def questions_reply(
    ctx: TeamsContext, team: Team, caller: str, cmd: grammar.Questions
) -> str | dict[str, Any]:
    """Show (with the dialog's button), reword or reset (the caller manages ``team``)."""
    if cmd.action == "show":
        return questions_card(team, await ctx.services.questions.wording(team=team))
    circles = (cmd.circle,) if cmd.circle is not None else CIRCLES
    texts = {c: (cmd.text if cmd.action == "set" else None) for c in circles}
    wording, problems = await ctx.services.questions.reword(team=team, texts=texts, by=caller)
    if problems:
        return questions_refused(next(iter(problems.values())))
    return questions_saved(team, wording)


def is_questions_request(data: object) -> bool:
    """Whether a dialog's request or Save is ours (not "Add a note")."""
    return parse_questions_request(data) is not None


async def _managed_team(ctx: TeamsContext, activity: dict[str, Any], team_id: int) -> Team | None:
    origin = origin_of(activity)
    if origin is None:
        return None
    team = await ctx.services.teams.get(workspace_id=origin.workspace_id, team_id=team_id)
    if team is None:
        return None
    role = await ctx.services.teams.role(
        workspace_id=origin.workspace_id, team=team, user_id=origin.caller.user_id
    )
    return team if role.can_manage else None


async def questions_dialog_opened(
    ctx: TeamsContext, activity: dict[str, Any], data: object
) -> dict[str, Any]:
    """The dialog for "Reword the questions", or why not (a task message)."""
    team_id = parse_questions_request(data)
    if team_id is None:
        return dialog_message(QUESTIONS_MALFORMED_TEXT)
    try:
        team = await _managed_team(ctx, activity, team_id)
        if team is None:
            return dialog_message(QUESTIONS_REFUSED_TEXT)
        wording = await ctx.services.questions.wording(team=team)
    except DatabaseUnavailable:
        log.warning("the questions dialog found the database unavailable: asked to try again")
        return dialog_message(replies.database_unavailable())
    return questions_dialog(team_id=team.id, wording=wording)


async def questions_dialog_saved(
    ctx: TeamsContext, activity: dict[str, Any], data: object
) -> dict[str, Any]:
    """Save the dialog's wording; the dialog again with the problems when a limit is broken."""
    submitted = parse_questions_submit(data)
    if submitted is None:
        return dialog_message(QUESTIONS_MALFORMED_TEXT)
    team_id, texts = submitted
    try:
        team = await _managed_team(ctx, activity, team_id)
        if team is None:
            return dialog_message(QUESTIONS_REFUSED_TEXT)
        origin = origin_of(activity)
        by = origin.caller.user_id if origin is not None else None
        wording, problems = await ctx.services.questions.reword(team=team, texts=texts, by=by)
    except DatabaseUnavailable:
        # The dialog stays open with what was typed, and says why.
        log.warning("the questions dialog found the database unavailable: asked to try again")
        return questions_dialog(
            team_id=team_id,
            wording=DEFAULT_WORDING,
            typed=texts,
            notice=replies.database_unavailable(),
        )
    if problems:
        return questions_dialog(team_id=team.id, wording=wording, typed=texts, problems=problems)
    return dialog_message(QUESTIONS_SAVED_TEXT)
