"""A team's own wording of the pulse questions: read it, reword or reset it (managers).

Who may is the caller's business (the listeners ask ``Teams.role``, as for every manager
command). A wording is normalised and checked here (``bot.domain.questions``): a text that
breaks a limit stores nothing, for any circle.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.circles import Circle
from bot.domain.model import Team
from bot.domain.questions import Wording, normalise, wording_problem
from bot.services.store import UseCases
from storage import questions as questions_sql


class Questions(UseCases):
    """Use cases over a team's wording of its three questions."""

    async def wording(self, *, team: Team) -> Wording:
        """The questions the team's members read now."""
        async with self.store.read() as s:
            return await questions_sql.get_wording(
                s, workspace_id=team.workspace_id, team_id=team.id
            )

    async def reword(
        self, *, team: Team, texts: Mapping[Circle, str | None], by: str | None
    ) -> tuple[Wording, dict[Circle, str]]:
        """Store the team's wording of the circles in ``texts``: a sentence, or None (or an
        empty or blank one, or the default sentence itself) for the default. Circles not in
        ``texts`` keep theirs.

        Returns:
            The wording as it now stands, and the problems by circle (when there is any,
            nothing was stored).
        """
        cleaned: dict[Circle, str | None] = {}
        problems: dict[Circle, str] = {}
        for circle, typed in texts.items():
            text = normalise(typed or "")
            if not text or text == circle.info.question:
                cleaned[circle] = None
            elif problem := wording_problem(text):
                problems[circle] = problem
            else:
                cleaned[circle] = text
        if problems:
            return await self.wording(team=team), problems
        async with self.store.write() as s:
            await questions_sql.set_wording(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                texts=cleaned,
                by=by,
                now=self.store.now(),
            )
            wording = await questions_sql.get_wording(
                s, workspace_id=team.workspace_id, team_id=team.id
            )
        return wording, {}
