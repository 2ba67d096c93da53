"""`@SDO Pulse questions …` (managers): the same use case as Slack's `/sdo questions`, as
commands (``questions`` shows the wording; ``questions W|H|D <text>`` rewords one;
``questions reset [W|H|D]`` brings back the default)."""

from __future__ import annotations

from bot.domain import grammar
from bot.domain.circles import CIRCLES
from bot.domain.model import Team
from bot.teams.cards.questions import questions_refused, questions_saved, questions_shown
from bot.teams.context import TeamsContext


async def questions_reply(
    ctx: TeamsContext, team: Team, caller: str, cmd: grammar.Questions
) -> str:
    """Show, reword or reset (the caller manages ``team``)."""
    if cmd.action == "show":
        return questions_shown(team, await ctx.services.questions.wording(team=team))
    circles = (cmd.circle,) if cmd.circle is not None else CIRCLES
    texts = {c: (cmd.text if cmd.action == "set" else None) for c in circles}
    wording, problems = await ctx.services.questions.reword(team=team, texts=texts, by=caller)
    if problems:
        return questions_refused(next(iter(problems.values())))
    return questions_saved(team, wording)
