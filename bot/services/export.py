"""A team's history for export (`/sdo export`, `sdo export`): one row per round, aggregates
only, read by the same aggregate reader as status (``storage.aggregates.team_figures``, so a
round whose answers retention deleted reads from its summary, as it closed) and scored the same
way (``bot.services.status.score``). Rendering is ``bot.domain.export``'s."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.export import ExportRow, export_row
from bot.domain.model import Team
from bot.services.status import score
from bot.services.store import UseCases
from storage import aggregates
from storage import teams as teams_sql
from storage.db import Session

# Rounds per team in one export: every round of a weekly team for two centuries, and a bound
# on what a team opening a round a minute could make one file hold.
MAX_ROUNDS = 10_000


class Export(UseCases):
    """Use cases that read a team's rounds for export."""

    async def team(self, *, team: Team) -> list[ExportRow]:
        """The team's rounds, oldest first (the open one last, without a close time)."""
        async with self.store.read() as s:
            return await _rows_of(s, [team])

    async def workspace(
        self, *, workspace_id: str, channel_id: str | None = None
    ) -> list[ExportRow] | None:
        """Every team's rounds (by team name, then oldest first), or the rounds of the team of
        ``channel_id``; ``None`` when that channel is no team."""
        async with self.store.read() as s:
            if channel_id is None:
                teams = await teams_sql.list_teams(s, workspace_id=workspace_id)
            else:
                team = await teams_sql.get_team_by_channel(
                    s, workspace_id=workspace_id, channel_id=channel_id
                )
                if team is None:
                    return None
                teams = [team]
            return await _rows_of(s, teams)


async def _rows_of(s: Session, teams: Sequence[Team]) -> list[ExportRow]:
    """The rows of teams of one workspace, in the given order of teams (one statement)."""
    if not teams:
        return []
    figures = await aggregates.team_figures(
        s, workspace_id=teams[0].workspace_id, limit=MAX_ROUNDS, team_ids=[t.id for t in teams]
    )
    rows: list[ExportRow] = []
    for team in teams:
        found = figures.get(team.id)
        for f in found.rounds if found is not None else []:
            # Members away for the round (delivery status away; a summarised round's from its
            # round_summary): not in asked.
            rows.append(export_row(team, f.round, score(f.aggregate, team), away=f.aggregate.away))
    return rows
