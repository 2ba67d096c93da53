"""The answers to `@SDO Pulse questions …`: the team's wording, saved, or refused. Pure.

Teams has the command form (``questions``, ``questions W|H|D <text>``, ``questions reset
[W|H|D]``), not Slack's modal. A team's wording is someone's text: markdown-escaped.
"""

from __future__ import annotations

from bot.domain.circles import CIRCLES
from bot.domain.grammar import questions_usage
from bot.domain.model import Team
from bot.domain.questions import Wording
from bot.teams.activity import TEAMS_SYNTAX
from bot.teams.cards.common import CIRCLE_EMOJI, escape_markdown


def _lines(wording: Wording) -> list[str]:
    lines = []
    for circle in CIRCLES:
        own = "" if wording.is_default(circle) else " _(the team's wording)_"
        lines.append(
            f"{CIRCLE_EMOJI[circle]} **{circle.value} — {circle.info.short}**{own}: "
            f"{escape_markdown(wording.question(circle))}"
        )
    return lines


def questions_shown(team: Team, wording: Wording) -> str:
    """`questions`: how the team's members read the three questions, and how to reword them."""
    return "\n\n".join(
        (
            f"💬 The questions members of **{escape_markdown(team.name)}** read:",
            *_lines(wording),
            questions_usage(TEAMS_SYNTAX).replace("`", ""),
        )
    )


def questions_saved(team: Team, wording: Wording) -> str:
    """`questions W <text>` or `questions reset`: saved, and how the next pulse reads."""
    return "\n\n".join(
        (
            f"✅ Saved. The next pulse of **{escape_markdown(team.name)}** asks:",
            *_lines(wording),
        )
    )


def questions_refused(problem: str) -> str:
    """A wording that breaks a limit: nothing was stored."""
    return f"⚠️ Not saved: {problem}"
