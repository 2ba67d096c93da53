"""The team and its people: workspaces, teams, their managers and members.

Every function takes the session first and keyword-only arguments after it, is scoped by the
Slack workspace id, and returns domain records (``bot.domain.model``), never ORM rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from bot.domain.model import Member, Schedule, Team
from storage.sql import (
    all_of,
    dialect_insert,
    one_or_none,
    rowcount,
    to_member,
    to_team,
    upsert_rows,
)
from storage.tables import (
    AnswerRow,
    AwayMarkRow,
    DeliveryRow,
    DigestRow,
    ManagerRow,
    MemberRow,
    PictureRow,
    ProcessedEventRow,
    ReleaseDeliveryRow,
    ReleaseHookRow,
    ReleaseRow,
    RoundRow,
    RoundSummaryRow,
    TeamAwayRulesRow,
    TeamMemberRow,
    TeamQuestionRow,
    TeamRow,
    TeamsChannelRow,
    TeamsChatRow,
    TeamsTenantRow,
    WorkspaceRow,
)

# ---------------------------------------------------------------------------------------------
# workspaces


async def ensure_workspace(
    session: AsyncSession, *, workspace_id: str, now: datetime, name: str = ""
) -> None:
    """Create the workspace row if it does not exist yet."""
    stmt = dialect_insert(session, WorkspaceRow).values(
        id=workspace_id, name=name, installed_at=now
    )
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))


async def delete_workspace(session: AsyncSession, *, workspace_id: str) -> None:
    """Delete everything stored for one workspace, and nothing else."""
    # Children before parents, so foreign keys never point at a deleted row.
    scoped: tuple[tuple[type[SQLModel], Any], ...] = (
        (ProcessedEventRow, col(ProcessedEventRow.workspace_id)),
        (PictureRow, col(PictureRow.workspace_id)),
        (TeamsChatRow, col(TeamsChatRow.workspace_id)),
        (TeamsChannelRow, col(TeamsChannelRow.workspace_id)),
        (TeamsTenantRow, col(TeamsTenantRow.workspace_id)),
        (DigestRow, col(DigestRow.workspace_id)),
        (RoundSummaryRow, col(RoundSummaryRow.workspace_id)),
        (AnswerRow, col(AnswerRow.workspace_id)),
        (DeliveryRow, col(DeliveryRow.workspace_id)),
        (RoundRow, col(RoundRow.workspace_id)),
        (TeamMemberRow, col(TeamMemberRow.workspace_id)),
        (ManagerRow, col(ManagerRow.workspace_id)),
        (AwayMarkRow, col(AwayMarkRow.workspace_id)),
        (TeamAwayRulesRow, col(TeamAwayRulesRow.workspace_id)),
        (TeamQuestionRow, col(TeamQuestionRow.workspace_id)),
        (ReleaseDeliveryRow, col(ReleaseDeliveryRow.workspace_id)),
        (ReleaseRow, col(ReleaseRow.workspace_id)),
        (ReleaseHookRow, col(ReleaseHookRow.workspace_id)),
        (MemberRow, col(MemberRow.workspace_id)),
        (TeamRow, col(TeamRow.workspace_id)),
        (WorkspaceRow, col(WorkspaceRow.id)),
    )
    for table, workspace_column in scoped:
        await session.execute(delete(table).where(workspace_column == workspace_id))


async def delete_teams_in_channels(
    session: AsyncSession, *, workspace_id: str, channel_ids: Iterable[str]
) -> int:
    """Delete the teams of these channels and everything of theirs (rounds, their summaries,
    answers, notes, deliveries, digests, managers, memberships); the number of teams deleted."""
    team_ids = select(col(TeamRow.id)).where(
        col(TeamRow.workspace_id) == workspace_id, col(TeamRow.channel_id).in_(list(channel_ids))
    )
    round_ids = select(col(RoundRow.id)).where(
        col(RoundRow.workspace_id) == workspace_id, col(RoundRow.team_id).in_(team_ids)
    )
    for child in (DigestRow, RoundSummaryRow, AnswerRow, DeliveryRow):
        await session.execute(delete(child).where(col(child.round_id).in_(round_ids)))
    await session.execute(delete(RoundRow).where(col(RoundRow.team_id).in_(team_ids)))
    release_ids = select(col(ReleaseRow.id)).where(col(ReleaseRow.team_id).in_(team_ids))
    await session.execute(
        delete(ReleaseDeliveryRow).where(col(ReleaseDeliveryRow.release_id).in_(release_ids))
    )
    for release_table in (ReleaseRow, ReleaseHookRow):
        await session.execute(delete(release_table).where(col(release_table.team_id).in_(team_ids)))
    for member_table in (
        TeamMemberRow,
        ManagerRow,
        AwayMarkRow,
        TeamAwayRulesRow,
        TeamQuestionRow,
    ):
        await session.execute(delete(member_table).where(col(member_table.team_id).in_(team_ids)))
    return rowcount(await session.execute(delete(TeamRow).where(col(TeamRow.id).in_(team_ids))))


# ---------------------------------------------------------------------------------------------
# teams


def where_team(workspace_id: str, team_id: int) -> ColumnElement[bool]:
    """The condition on ``team`` that picks one team of one workspace."""
    return and_(col(TeamRow.workspace_id) == workspace_id, col(TeamRow.id) == team_id)


async def upsert_team(
    session: AsyncSession,
    *,
    workspace_id: str,
    channel_id: str,
    name: str,
    tz: str,
    now: datetime,
) -> tuple[Team, bool]:
    """Register a channel as a team (or rename an existing one).

    Returns:
        The team, and whether it was created by this call.
    """
    await ensure_workspace(session, workspace_id=workspace_id, now=now)
    stmt = (
        dialect_insert(session, TeamRow)
        .values(workspace_id=workspace_id, channel_id=channel_id, name=name, tz=tz, created_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id", "channel_id"])
    )
    created = rowcount(await session.execute(stmt)) == 1
    if not created:
        await session.execute(
            update(TeamRow).where(_where_channel(workspace_id, channel_id)).values(name=name)
        )
    team = await get_team_by_channel(session, workspace_id=workspace_id, channel_id=channel_id)
    if team is None:  # the row was inserted, or found, a statement ago in this transaction
        raise LookupError(f"team of channel {channel_id} vanished")
    return team, created


def _where_channel(workspace_id: str, channel_id: str) -> ColumnElement[bool]:
    return and_(col(TeamRow.workspace_id) == workspace_id, col(TeamRow.channel_id) == channel_id)


async def get_team(session: AsyncSession, *, workspace_id: str, team_id: int) -> Team | None:
    """The team, or None when the workspace has no such team."""
    return await one_or_none(
        session, select(TeamRow).where(where_team(workspace_id, team_id)), to_team
    )


async def get_team_by_channel(
    session: AsyncSession, *, workspace_id: str, channel_id: str
) -> Team | None:
    """The team of a channel, or None when the channel is no team."""
    return await one_or_none(
        session, select(TeamRow).where(_where_channel(workspace_id, channel_id)), to_team
    )


async def list_teams(session: AsyncSession, *, workspace_id: str) -> list[Team]:
    """The workspace's teams, by name."""
    query = select(TeamRow).where(col(TeamRow.workspace_id) == workspace_id)
    return await all_of(session, query.order_by(col(TeamRow.name)), to_team)


async def teams_of_user(session: AsyncSession, *, workspace_id: str, user_id: str) -> list[Team]:
    """Teams where the user is an active member or a manager, by name."""
    member_of = select(col(TeamMemberRow.team_id)).where(
        col(TeamMemberRow.workspace_id) == workspace_id,
        col(TeamMemberRow.user_id) == user_id,
        col(TeamMemberRow.active).is_(True),
    )
    manager_of = select(col(ManagerRow.team_id)).where(
        col(ManagerRow.workspace_id) == workspace_id, col(ManagerRow.user_id) == user_id
    )
    query = select(TeamRow).where(
        col(TeamRow.workspace_id) == workspace_id,
        or_(col(TeamRow.id).in_(member_of), col(TeamRow.id).in_(manager_of)),
    )
    return await all_of(session, query.order_by(col(TeamRow.name)), to_team)


async def update_schedule(
    session: AsyncSession, *, workspace_id: str, team_id: int, schedule: Schedule
) -> None:
    """Store the team's schedule (its next due times are the scheduler's: ``storage.due``)."""
    await session.execute(
        update(TeamRow)
        .where(where_team(workspace_id, team_id))
        .values(
            schedule_enabled=schedule.enabled,
            pulse_weekday=schedule.pulse_weekday,
            pulse_time=f"{schedule.pulse_time:%H:%M}",
            reminder_enabled=schedule.reminder_enabled,
            reminder_weekday=schedule.reminder_weekday,
            reminder_time=f"{schedule.reminder_time:%H:%M}",
            close_weekday=schedule.close_weekday,
            close_time=f"{schedule.close_time:%H:%M}",
            every_weeks=schedule.every_weeks,
        )
    )


async def update_tz(session: AsyncSession, *, workspace_id: str, team_id: int, tz: str) -> None:
    """Store the team's time zone (a tz database name: its schedule's times are in it)."""
    await session.execute(update(TeamRow).where(where_team(workspace_id, team_id)).values(tz=tz))


# ---------------------------------------------------------------------------------------------
# managers


def _where_manager(workspace_id: str, team_id: int, user_id: str) -> ColumnElement[bool]:
    return and_(
        col(ManagerRow.workspace_id) == workspace_id,
        col(ManagerRow.team_id) == team_id,
        col(ManagerRow.user_id) == user_id,
    )


async def add_manager(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    """Make ``user_id`` a manager of the team. Returns False when already one."""
    stmt = dialect_insert(session, ManagerRow).values(
        workspace_id=workspace_id, team_id=team_id, user_id=user_id
    )
    return rowcount(await session.execute(stmt.on_conflict_do_nothing())) == 1


async def remove_manager(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    """Take ``user_id``'s management of the team away. Returns False when not a manager."""
    result = await session.execute(
        delete(ManagerRow).where(_where_manager(workspace_id, team_id, user_id))
    )
    return rowcount(result) == 1


async def list_managers(session: AsyncSession, *, workspace_id: str, team_id: int) -> list[str]:
    """The user ids of the team's managers, sorted."""
    rows = await session.execute(
        select(col(ManagerRow.user_id))
        .where(col(ManagerRow.workspace_id) == workspace_id, col(ManagerRow.team_id) == team_id)
        .order_by(col(ManagerRow.user_id))
    )
    return list(rows.scalars())


async def is_manager(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    """Whether ``user_id`` manages the team."""
    query = select(col(ManagerRow.user_id)).where(_where_manager(workspace_id, team_id, user_id))
    return (await session.execute(query)).first() is not None


async def manages_any_team(session: AsyncSession, *, workspace_id: str, user_id: str) -> bool:
    """Whether ``user_id`` manages at least one team of the workspace."""
    row = await session.execute(
        select(col(ManagerRow.team_id))
        .where(col(ManagerRow.workspace_id) == workspace_id, col(ManagerRow.user_id) == user_id)
        .limit(1)
    )
    return row.first() is not None


# ---------------------------------------------------------------------------------------------
# members


def _where_members(workspace_id: str, team_id: int) -> ColumnElement[bool]:
    return and_(
        col(TeamMemberRow.workspace_id) == workspace_id, col(TeamMemberRow.team_id) == team_id
    )


async def add_team_members(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    user_ids: Iterable[str],
    now: datetime,
) -> None:
    """Make each of ``user_ids`` an active member of the team (again, if they had left)."""
    rows = [
        {
            "workspace_id": workspace_id,
            "team_id": team_id,
            "user_id": user_id,
            "active": True,
            "joined_at": now,
        }
        for user_id in dict.fromkeys(user_ids)
    ]
    await upsert_rows(
        session,
        TeamMemberRow,
        rows,
        keys=["workspace_id", "team_id", "user_id"],
        constants={"active": True},
    )


async def add_team_member(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str, now: datetime
) -> None:
    """Make ``user_id`` an active member of the team (again, if they had left)."""
    await add_team_members(
        session, workspace_id=workspace_id, team_id=team_id, user_ids=[user_id], now=now
    )


async def remove_team_member(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    """Mark ``user_id`` as gone from the team. Returns False when not an active member."""
    result = await session.execute(
        update(TeamMemberRow)
        .where(
            _where_members(workspace_id, team_id),
            col(TeamMemberRow.user_id) == user_id,
            col(TeamMemberRow.active).is_(True),
        )
        .values(active=False)
    )
    return rowcount(result) == 1


async def set_team_members(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    user_ids: Iterable[str],
    now: datetime,
) -> None:
    """Make exactly ``user_ids`` the team's active members."""
    wanted = list(dict.fromkeys(user_ids))
    await add_team_members(
        session, workspace_id=workspace_id, team_id=team_id, user_ids=wanted, now=now
    )
    await session.execute(
        update(TeamMemberRow)
        .where(_where_members(workspace_id, team_id), col(TeamMemberRow.user_id).not_in(wanted))
        .values(active=False)
    )


def of_active_members[SelectT: Select[Any]](
    query: SelectT, *, workspace_id: str, team_id: int
) -> SelectT:
    """``query`` over the team's active members who are active in the workspace.

    The one definition behind listing, counting and creating deliveries for them.
    """
    return (
        query.select_from(TeamMemberRow)
        .join(
            MemberRow,
            and_(
                col(TeamMemberRow.workspace_id) == col(MemberRow.workspace_id),
                col(TeamMemberRow.user_id) == col(MemberRow.user_id),
            ),
        )
        .where(
            _where_members(workspace_id, team_id),
            col(TeamMemberRow.active).is_(True),
            col(MemberRow.active).is_(True),
        )
    )


async def list_team_members(
    session: AsyncSession, *, workspace_id: str, team_id: int
) -> list[Member]:
    """The team's active members who are active in the workspace, by user id."""
    query = of_active_members(select(MemberRow), workspace_id=workspace_id, team_id=team_id)
    return await all_of(session, query.order_by(col(MemberRow.user_id)), to_member)


async def count_team_members(session: AsyncSession, *, workspace_id: str, team_id: int) -> int:
    """How many active members the team has (the same people ``list_team_members`` lists)."""
    count = await session.execute(
        of_active_members(select(func.count()), workspace_id=workspace_id, team_id=team_id)
    )
    return int(count.scalar_one())


async def is_team_member(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    """Whether ``user_id`` is an active member of the team (whatever the workspace says)."""
    row = await session.execute(
        select(col(TeamMemberRow.user_id)).where(
            _where_members(workspace_id, team_id),
            col(TeamMemberRow.user_id) == user_id,
            col(TeamMemberRow.active).is_(True),
        )
    )
    return row.first() is not None
