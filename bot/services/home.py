"""A person's home: the teams they are in or manage, each with its status."""

from __future__ import annotations

from bot.domain.views import HomeTeam
from bot.services.status import statuses_in
from bot.services.store import UseCases
from storage import away as away_sql
from storage import teams as teams_sql


class Home(UseCases):
    """The use case behind the App Home (and any platform's personal overview)."""

    async def teams(
        self, *, workspace_id: str, user_id: str, platform_admin: bool = False
    ) -> list[HomeTeam]:
        """The user's teams with their status, and whether the user manages each."""
        async with self.store.read() as s:
            teams = await teams_sql.teams_of_user(s, workspace_id=workspace_id, user_id=user_id)
            statuses = await statuses_in(s, teams)
            away = await away_sql.open_rounds_away(s, workspace_id=workspace_id, user_id=user_id)
            result = []
            for t, status in zip(teams, statuses, strict=True):
                manages = platform_admin or await teams_sql.is_manager(
                    s, workspace_id=workspace_id, team_id=t.id, user_id=user_id
                )
                rnd = away.get(t.id)
                result.append(
                    HomeTeam(
                        team=t,
                        status=status,
                        manages=manages,
                        away_round_id=rnd.id if rnd is not None else None,
                    )
                )
        return result
