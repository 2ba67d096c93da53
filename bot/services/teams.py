"""Teams and the people in them: setup, membership, managers, roles, a workspace's end."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.model import Team, valid_tz
from bot.domain.views import ManagerAdded, ManagerRefusal, PersonInfo, Role
from bot.services.schedule import next_pulse_at
from bot.services.store import UseCases
from storage import due as due_sql
from storage import ledger as ledger_sql
from storage import people as people_sql
from storage import teams as teams_sql
from storage.db import Session


class Teams(UseCases):
    """Use cases about teams and their people."""

    async def setup(
        self,
        *,
        workspace_id: str,
        channel_id: str,
        channel_name: str,
        caller: PersonInfo,
        people: Sequence[PersonInfo],
    ) -> tuple[Team, bool, int]:
        """Register a channel as a team with its human members; the caller becomes a manager.

        Returns:
            The team, whether it is new, and how many members it has.
        """
        now = self.store.now()
        humans = [p for p in people if p.is_human]
        async with self.store.write() as s:
            team, created = await teams_sql.upsert_team(
                s,
                workspace_id=workspace_id,
                channel_id=channel_id,
                name=channel_name,
                tz=valid_tz(caller.tz),
                now=now,
            )
            await people_sql.upsert_members(
                s,
                workspace_id=workspace_id,
                people=[_row_of(p) for p in [caller, *humans]],
                now=now,
            )
            await teams_sql.set_team_members(
                s,
                workspace_id=workspace_id,
                team_id=team.id,
                user_ids=[p.user_id for p in humans],
                now=now,
            )
            await teams_sql.add_manager(
                s, workspace_id=workspace_id, team_id=team.id, user_id=caller.user_id
            )
            if team.schedule.enabled:
                # Stored now, so a tick after this moment can never miss the first pulse.
                await due_sql.set_next_pulse(
                    s,
                    workspace_id=workspace_id,
                    team_id=team.id,
                    pulse_at=next_pulse_at(team.schedule, valid_tz(team.tz), after=now),
                    only_if_unset=True,
                )
        return team, created, len(humans)

    async def for_channel(self, *, workspace_id: str, channel_id: str) -> Team | None:
        """The team a channel is, if it is one."""
        async with self.store.read() as s:
            return await teams_sql.get_team_by_channel(
                s, workspace_id=workspace_id, channel_id=channel_id
            )

    async def get(self, *, workspace_id: str, team_id: int) -> Team | None:
        async with self.store.read() as s:
            return await teams_sql.get_team(s, workspace_id=workspace_id, team_id=team_id)

    async def role(
        self, *, workspace_id: str, team: Team | None, user_id: str, platform_admin: bool = False
    ) -> Role:
        """The user's rights on ``team``.

        Args:
            workspace_id: the workspace the user is in.
            team: the team (None: no team, no rights).
            user_id: the user.
            platform_admin: the chat platform says the user is a workspace admin or owner;
                they manage every team.
        """
        if platform_admin:
            return Role.ADMIN
        if team is None:
            return Role.NONE
        async with self.store.read() as s:
            return await role_in(s, team=team, user_id=user_id)

    async def can_view_all(self, *, workspace_id: str, user_id: str) -> bool:
        """Whether the user may see every team's status: a workspace admin, or a manager."""
        async with self.store.read() as s:
            return await people_sql.is_workspace_admin(
                s, workspace_id=workspace_id, user_id=user_id
            ) or await teams_sql.manages_any_team(s, workspace_id=workspace_id, user_id=user_id)

    async def member_joined(
        self, *, workspace_id: str, channel_id: str, person: PersonInfo
    ) -> bool:
        """Add a human who joined a team channel. Returns False when the channel is no team."""
        now = self.store.now()
        async with self.store.write() as s:
            team = await teams_sql.get_team_by_channel(
                s, workspace_id=workspace_id, channel_id=channel_id
            )
            if team is None or not person.is_human:
                return False
            await _remember(s, workspace_id=workspace_id, person=person, now=now)
            await teams_sql.add_team_member(
                s, workspace_id=workspace_id, team_id=team.id, user_id=person.user_id, now=now
            )
        return True

    async def member_left(self, *, workspace_id: str, channel_id: str, user_id: str) -> bool:
        """Take a person who left a team channel off the team. False when nothing changed."""
        async with self.store.write() as s:
            team = await teams_sql.get_team_by_channel(
                s, workspace_id=workspace_id, channel_id=channel_id
            )
            if team is None:
                return False
            return await teams_sql.remove_team_member(
                s, workspace_id=workspace_id, team_id=team.id, user_id=user_id
            )

    async def member_count(self, *, team: Team) -> int:
        """How many active members the team has (counted in SQL: a team may be 10,000)."""
        async with self.store.read() as s:
            return await teams_sql.count_team_members(
                s, workspace_id=team.workspace_id, team_id=team.id
            )

    async def managers(self, *, team: Team) -> list[str]:
        async with self.store.read() as s:
            return await teams_sql.list_managers(s, workspace_id=team.workspace_id, team_id=team.id)

    async def add_manager(
        self, *, team: Team, user_id: str, person: PersonInfo | None
    ) -> ManagerAdded:
        """Make a person a manager: only an active human the platform knows.

        Args:
            team: the team.
            user_id: who the caller named.
            person: what the platform says about them (None: it knows no such person).

        Returns:
            Made a manager now, already one, or refused with the reason (nothing stored).
        """
        name = person.name if person is not None else None
        refused = manager_refusal(person)
        if refused is not None:
            return ManagerAdded(added=False, name=name, refused=refused)
        async with self.store.write() as s:
            added = await teams_sql.add_manager(
                s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
            )
        return ManagerAdded(added=added, name=name)

    async def remove_manager(self, *, team: Team, user_id: str) -> bool:
        """Remove a manager, but never the last one (a team always keeps someone in charge)."""
        async with self.store.write() as s:
            current = await teams_sql.list_managers(
                s, workspace_id=team.workspace_id, team_id=team.id
            )
            if user_id not in current or len(current) <= 1:
                return False
            return await teams_sql.remove_manager(
                s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
            )

    async def forget_workspace(self, *, workspace_id: str) -> None:
        """Delete everything stored for a workspace (the app was uninstalled there)."""
        async with self.store.write() as s:
            await teams_sql.delete_workspace(s, workspace_id=workspace_id)

    async def forget_channels(self, *, workspace_id: str, channel_ids: list[str]) -> int:
        """Delete the teams of these channels with all their data (the bot left them, but not
        the workspace); the number of teams deleted."""
        if not channel_ids:
            return 0
        async with self.store.write() as s:
            return await teams_sql.delete_teams_in_channels(
                s, workspace_id=workspace_id, channel_ids=channel_ids
            )

    async def first_event(self, *, workspace_id: str, event_id: str) -> bool:
        """Record a platform event id; False when it was already processed (a redelivery)."""
        async with self.store.write(affects_status=False) as s:
            return await ledger_sql.record_event(
                s, workspace_id=workspace_id, event_id=event_id, now=self.store.now()
            )


def manager_refusal(person: PersonInfo | None) -> ManagerRefusal | None:
    """Why ``person`` cannot manage a team (None: they can). Only people manage: not a bot or
    app (the platform's own assistant and this bot among them), not a deactivated account,
    not an id the platform does not know."""
    if person is None:
        return ManagerRefusal.UNKNOWN
    if person.deleted:
        return ManagerRefusal.DEACTIVATED
    if not person.is_human:
        return ManagerRefusal.BOT
    return None


def _row_of(person: PersonInfo) -> people_sql.PersonRow:
    return people_sql.PersonRow(
        user_id=person.user_id, name=person.name, tz=person.tz, is_admin=person.is_admin
    )


async def _remember(s: Session, *, workspace_id: str, person: PersonInfo, now: datetime) -> None:
    """Store what the platform says about a person (name, time zone, admin)."""
    await people_sql.upsert_members(s, workspace_id=workspace_id, people=[_row_of(person)], now=now)


async def role_in(s: Session, *, team: Team, user_id: str) -> Role:
    """The user's role on ``team`` as stored (manager, member or none), in a transaction."""
    if await teams_sql.is_manager(
        s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
    ):
        return Role.MANAGER
    if await teams_sql.is_team_member(
        s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
    ):
        return Role.MEMBER
    return Role.NONE
