"""Repository functions: the only place that builds queries.

Every function takes the session first and keyword-only arguments after it, is scoped by the
Slack workspace id, and returns plain domain records (``bot.domain.model``), never ORM rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any, TypeVar

from sqlalchemy import Select, and_, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Answer, Delivery, DeliveryStatus, Member, Round, Schedule, Team
from bot.domain.scoring import ScoringRules
from storage.aggregates import RoundAggregate as RoundAggregate
from storage.aggregates import round_aggregates as round_aggregates
from storage.tables import (
    AnswerRow,
    DeliveryRow,
    DigestRow,
    ManagerRow,
    MemberRow,
    ProcessedEventRow,
    RoundRow,
    TeamMemberRow,
    TeamRow,
    WorkspaceRow,
)

# ---------------------------------------------------------------------------------------------
# helpers


_SelectT = TypeVar("_SelectT", bound=Select)  # type: ignore[type-arg]


def _insert(session: AsyncSession, table: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
    """A dialect-specific INSERT that supports ``ON CONFLICT``."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _rowcount(result: Result[Any]) -> int:
    """Rows touched by an INSERT, UPDATE or DELETE.

    ``AsyncSession.execute`` is typed to return a plain ``Result``; for DML statements it is a
    ``CursorResult``, which carries the row count.
    """
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _team(row: TeamRow) -> Team:
    assert row.id is not None
    return Team(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        name=row.name,
        tz=row.tz,
        schedule=Schedule(
            pulse_weekday=row.pulse_weekday,
            pulse_time=_hhmm(row.pulse_time),
            reminder_enabled=row.reminder_enabled,
            reminder_weekday=row.reminder_weekday,
            reminder_time=_hhmm(row.reminder_time),
            close_weekday=row.close_weekday,
            close_time=_hhmm(row.close_time),
            every_weeks=row.every_weeks,
            enabled=row.schedule_enabled,
        ),
        rules=ScoringRules(threshold=row.threshold, min_respondents=row.min_respondents),
    )


def _member(row: MemberRow) -> Member:
    return Member(
        workspace_id=row.workspace_id,
        user_id=row.user_id,
        name=row.name,
        tz=row.tz,
        active=row.active,
    )


def _round(row: RoundRow) -> Round:
    assert row.id is not None
    return Round(
        id=row.id,
        workspace_id=row.workspace_id,
        team_id=row.team_id,
        period=row.period,
        number=row.number,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
    )


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        round_id=row.round_id,
        user_id=row.user_id,
        status=DeliveryStatus(row.status),
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        error=row.error,
        attempts=row.attempts,
    )


def _answer(row: AnswerRow) -> Answer:
    return Answer(
        round_id=row.round_id,
        user_id=row.user_id,
        circle=Circle(row.question),
        value=AnswerValue(row.value) if row.value is not None else None,
        note=row.note,
        internal_customer=row.internal_customer,
        answered_at=row.answered_at,
    )


# ---------------------------------------------------------------------------------------------
# workspaces


async def ensure_workspace(
    session: AsyncSession, *, workspace_id: str, now: datetime, name: str = ""
) -> None:
    """Create the workspace row if it does not exist yet."""
    stmt = _insert(session, WorkspaceRow).values(id=workspace_id, name=name, installed_at=now)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))


async def delete_workspace(session: AsyncSession, *, workspace_id: str) -> None:
    """Delete everything stored for one workspace, and nothing else."""
    # Children before parents, so foreign keys never point at a deleted row.
    scoped: tuple[tuple[type[SQLModel], Any], ...] = (
        (ProcessedEventRow, col(ProcessedEventRow.workspace_id)),
        (DigestRow, col(DigestRow.workspace_id)),
        (AnswerRow, col(AnswerRow.workspace_id)),
        (DeliveryRow, col(DeliveryRow.workspace_id)),
        (RoundRow, col(RoundRow.workspace_id)),
        (TeamMemberRow, col(TeamMemberRow.workspace_id)),
        (ManagerRow, col(ManagerRow.workspace_id)),
        (MemberRow, col(MemberRow.workspace_id)),
    )
    for table, workspace_column in scoped:
        await session.execute(delete(table).where(workspace_column == workspace_id))
    await session.execute(delete(TeamRow).where(col(TeamRow.workspace_id) == workspace_id))
    await session.execute(delete(WorkspaceRow).where(col(WorkspaceRow.id) == workspace_id))


# ---------------------------------------------------------------------------------------------
# teams


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
        _insert(session, TeamRow)
        .values(workspace_id=workspace_id, channel_id=channel_id, name=name, tz=tz, created_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id", "channel_id"])
    )
    created = _rowcount(await session.execute(stmt)) == 1
    if not created:
        await session.execute(
            update(TeamRow)
            .where(col(TeamRow.workspace_id) == workspace_id, col(TeamRow.channel_id) == channel_id)
            .values(name=name)
        )
    team = await get_team_by_channel(session, workspace_id=workspace_id, channel_id=channel_id)
    assert team is not None
    return team, created


async def get_team(session: AsyncSession, *, workspace_id: str, team_id: int) -> Team | None:
    row = (
        await session.execute(
            select(TeamRow).where(
                col(TeamRow.workspace_id) == workspace_id, col(TeamRow.id) == team_id
            )
        )
    ).scalar_one_or_none()
    return _team(row) if row else None


async def get_team_by_channel(
    session: AsyncSession, *, workspace_id: str, channel_id: str
) -> Team | None:
    row = (
        await session.execute(
            select(TeamRow).where(
                col(TeamRow.workspace_id) == workspace_id, col(TeamRow.channel_id) == channel_id
            )
        )
    ).scalar_one_or_none()
    return _team(row) if row else None


async def list_teams(session: AsyncSession, *, workspace_id: str) -> list[Team]:
    rows = (
        await session.execute(
            select(TeamRow)
            .where(col(TeamRow.workspace_id) == workspace_id)
            .order_by(col(TeamRow.name))
        )
    ).scalars()
    return [_team(r) for r in rows]


async def teams_of_user(session: AsyncSession, *, workspace_id: str, user_id: str) -> list[Team]:
    """Teams where the user is an active member or a manager."""
    member_of = select(col(TeamMemberRow.team_id)).where(
        col(TeamMemberRow.workspace_id) == workspace_id,
        col(TeamMemberRow.user_id) == user_id,
        col(TeamMemberRow.active).is_(True),
    )
    manager_of = select(col(ManagerRow.team_id)).where(
        col(ManagerRow.workspace_id) == workspace_id, col(ManagerRow.user_id) == user_id
    )
    rows = (
        await session.execute(
            select(TeamRow)
            .where(
                col(TeamRow.workspace_id) == workspace_id,
                or_(col(TeamRow.id).in_(member_of), col(TeamRow.id).in_(manager_of)),
            )
            .order_by(col(TeamRow.name))
        )
    ).scalars()
    return [_team(r) for r in rows]


async def update_schedule(
    session: AsyncSession, *, workspace_id: str, team_id: int, schedule: Schedule
) -> None:
    await session.execute(
        update(TeamRow)
        .where(col(TeamRow.workspace_id) == workspace_id, col(TeamRow.id) == team_id)
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


async def update_rules(
    session: AsyncSession, *, workspace_id: str, team_id: int, rules: ScoringRules
) -> None:
    await session.execute(
        update(TeamRow)
        .where(col(TeamRow.workspace_id) == workspace_id, col(TeamRow.id) == team_id)
        .values(threshold=rules.threshold, min_respondents=rules.min_respondents)
    )


# ---------------------------------------------------------------------------------------------
# managers


async def add_manager(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    """Make ``user_id`` a manager of the team. Returns False when already one."""
    stmt = _insert(session, ManagerRow).values(
        workspace_id=workspace_id, team_id=team_id, user_id=user_id
    )
    result = await session.execute(stmt.on_conflict_do_nothing())
    return _rowcount(result) == 1


async def remove_manager(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    result = await session.execute(
        delete(ManagerRow).where(
            col(ManagerRow.workspace_id) == workspace_id,
            col(ManagerRow.team_id) == team_id,
            col(ManagerRow.user_id) == user_id,
        )
    )
    return _rowcount(result) == 1


async def list_managers(session: AsyncSession, *, workspace_id: str, team_id: int) -> list[str]:
    rows = await session.execute(
        select(col(ManagerRow.user_id))
        .where(col(ManagerRow.workspace_id) == workspace_id, col(ManagerRow.team_id) == team_id)
        .order_by(col(ManagerRow.user_id))
    )
    return list(rows.scalars())


async def is_manager(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    row = await session.execute(
        select(col(ManagerRow.user_id)).where(
            col(ManagerRow.workspace_id) == workspace_id,
            col(ManagerRow.team_id) == team_id,
            col(ManagerRow.user_id) == user_id,
        )
    )
    return row.first() is not None


async def manages_any_team(session: AsyncSession, *, workspace_id: str, user_id: str) -> bool:
    row = await session.execute(
        select(col(ManagerRow.team_id))
        .where(col(ManagerRow.workspace_id) == workspace_id, col(ManagerRow.user_id) == user_id)
        .limit(1)
    )
    return row.first() is not None


# ---------------------------------------------------------------------------------------------
# members


async def upsert_member(
    session: AsyncSession,
    *,
    workspace_id: str,
    user_id: str,
    name: str,
    tz: str | None,
    now: datetime,
    active: bool = True,
    is_admin: bool = False,
) -> None:
    values = {"name": name, "tz": tz, "active": active, "is_admin": is_admin, "updated_at": now}
    stmt = _insert(session, MemberRow).values(workspace_id=workspace_id, user_id=user_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["workspace_id", "user_id"], set_=values)
    )


async def is_workspace_admin(session: AsyncSession, *, workspace_id: str, user_id: str) -> bool:
    row = await session.execute(
        select(col(MemberRow.is_admin)).where(
            col(MemberRow.workspace_id) == workspace_id, col(MemberRow.user_id) == user_id
        )
    )
    return bool(row.scalar_one_or_none())


async def add_team_member(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str, now: datetime
) -> None:
    stmt = _insert(session, TeamMemberRow).values(
        workspace_id=workspace_id, team_id=team_id, user_id=user_id, active=True, joined_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["workspace_id", "team_id", "user_id"], set_={"active": True}
        )
    )


async def remove_team_member(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    result = await session.execute(
        update(TeamMemberRow)
        .where(
            col(TeamMemberRow.workspace_id) == workspace_id,
            col(TeamMemberRow.team_id) == team_id,
            col(TeamMemberRow.user_id) == user_id,
            col(TeamMemberRow.active).is_(True),
        )
        .values(active=False)
    )
    return _rowcount(result) == 1


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
    for user_id in wanted:
        await add_team_member(
            session, workspace_id=workspace_id, team_id=team_id, user_id=user_id, now=now
        )
    await session.execute(
        update(TeamMemberRow)
        .where(
            col(TeamMemberRow.workspace_id) == workspace_id,
            col(TeamMemberRow.team_id) == team_id,
            col(TeamMemberRow.user_id).not_in(wanted),
        )
        .values(active=False)
    )


async def list_team_members(
    session: AsyncSession, *, workspace_id: str, team_id: int
) -> list[Member]:
    """The team's active members who are active in the workspace."""
    query = _of_active_members(select(MemberRow), workspace_id=workspace_id, team_id=team_id)
    rows = (await session.execute(query.order_by(col(MemberRow.user_id)))).scalars()
    return [_member(r) for r in rows]


def _of_active_members(query: _SelectT, *, workspace_id: str, team_id: int) -> _SelectT:
    """``query`` over the team's active members who are active in the workspace: the one
    definition behind listing, counting and sending to them."""
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
            col(TeamMemberRow.workspace_id) == workspace_id,
            col(TeamMemberRow.team_id) == team_id,
            col(TeamMemberRow.active).is_(True),
            col(MemberRow.active).is_(True),
        )
    )


async def count_team_members(session: AsyncSession, *, workspace_id: str, team_id: int) -> int:
    """How many active members the team has (the same people ``list_team_members`` lists)."""
    count = await session.execute(
        _of_active_members(select(func.count()), workspace_id=workspace_id, team_id=team_id)
    )
    return int(count.scalar_one())


async def is_team_member(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    row = await session.execute(
        select(col(TeamMemberRow.user_id)).where(
            col(TeamMemberRow.workspace_id) == workspace_id,
            col(TeamMemberRow.team_id) == team_id,
            col(TeamMemberRow.user_id) == user_id,
            col(TeamMemberRow.active).is_(True),
        )
    )
    return row.first() is not None


# ---------------------------------------------------------------------------------------------
# rounds


async def open_round(
    session: AsyncSession, *, workspace_id: str, team_id: int, period: str, now: datetime
) -> tuple[Round, bool]:
    """Open the team's round for ``period``, closing any other open round first.

    Safe to run concurrently: two callers with the same period get the same round, and the
    database keeps at most one open round per team.

    Returns:
        The round for ``period`` (or, if another period's round won a race, that open round),
        and whether this call created it.
    """
    existing = await _round_by_period(
        session, workspace_id=workspace_id, team_id=team_id, period=period
    )
    if existing is not None:
        return existing, False
    # Never close a round of this very period: on PostgreSQL a concurrent opener may have
    # committed it since the lookup above, and this UPDATE (a fresh snapshot) would see it.
    await session.execute(
        update(RoundRow)
        .where(
            col(RoundRow.workspace_id) == workspace_id,
            col(RoundRow.team_id) == team_id,
            col(RoundRow.closed_at).is_(None),
            col(RoundRow.period) != period,
        )
        .values(closed_at=now)
    )
    number = (
        await session.execute(
            select(func.count())
            .select_from(RoundRow)
            .where(col(RoundRow.workspace_id) == workspace_id, col(RoundRow.team_id) == team_id)
        )
    ).scalar_one() + 1
    stmt = _insert(session, RoundRow).values(
        workspace_id=workspace_id, team_id=team_id, period=period, number=number, opened_at=now
    )
    created = _rowcount(await session.execute(stmt.on_conflict_do_nothing())) == 1
    found = await _round_by_period(
        session, workspace_id=workspace_id, team_id=team_id, period=period
    )
    if found is None:  # another period's round is open (a concurrent opener won)
        found = await get_open_round(session, workspace_id=workspace_id, team_id=team_id)
    assert found is not None
    return found, created


async def _round_by_period(
    session: AsyncSession, *, workspace_id: str, team_id: int, period: str
) -> Round | None:
    row = (
        await session.execute(
            select(RoundRow).where(
                col(RoundRow.workspace_id) == workspace_id,
                col(RoundRow.team_id) == team_id,
                col(RoundRow.period) == period,
            )
        )
    ).scalar_one_or_none()
    return _round(row) if row else None


async def close_round(
    session: AsyncSession, *, workspace_id: str, round_id: int, now: datetime
) -> bool:
    """Close an open round. Returns False when it was already closed (or does not exist)."""
    result = await session.execute(
        update(RoundRow)
        .where(
            col(RoundRow.workspace_id) == workspace_id,
            col(RoundRow.id) == round_id,
            col(RoundRow.closed_at).is_(None),
        )
        .values(closed_at=now)
    )
    return _rowcount(result) == 1


async def get_round(session: AsyncSession, *, workspace_id: str, round_id: int) -> Round | None:
    row = (
        await session.execute(
            select(RoundRow).where(
                col(RoundRow.workspace_id) == workspace_id, col(RoundRow.id) == round_id
            )
        )
    ).scalar_one_or_none()
    return _round(row) if row else None


async def get_open_round(session: AsyncSession, *, workspace_id: str, team_id: int) -> Round | None:
    row = (
        await session.execute(
            select(RoundRow).where(
                col(RoundRow.workspace_id) == workspace_id,
                col(RoundRow.team_id) == team_id,
                col(RoundRow.closed_at).is_(None),
            )
        )
    ).scalar_one_or_none()
    return _round(row) if row else None


async def recent_rounds(
    session: AsyncSession, *, workspace_id: str, team_id: int, limit: int
) -> list[Round]:
    """The team's last ``limit`` rounds, oldest first."""
    rows = (
        await session.execute(
            select(RoundRow)
            .where(col(RoundRow.workspace_id) == workspace_id, col(RoundRow.team_id) == team_id)
            .order_by(col(RoundRow.opened_at).desc(), col(RoundRow.id).desc())
            .limit(limit)
        )
    ).scalars()
    return [_round(r) for r in reversed(list(rows))]


# ---------------------------------------------------------------------------------------------
# deliveries (the fan-out ledger)


async def create_deliveries(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_ids: Sequence[str],
    now: datetime,
) -> int:
    """Record a pending delivery per member (existing rows are left alone).

    Returns:
        How many rows were created.
    """
    if not user_ids:
        return 0
    stmt = _insert(session, DeliveryRow).values(
        [
            {
                "workspace_id": workspace_id,
                "round_id": round_id,
                "user_id": u,
                "status": DeliveryStatus.PENDING.value,
                "updated_at": now,
            }
            for u in dict.fromkeys(user_ids)
        ]
    )
    result = await session.execute(
        stmt.on_conflict_do_nothing(index_elements=["round_id", "user_id"])
    )
    return _rowcount(result)


async def create_team_deliveries(
    session: AsyncSession, *, workspace_id: str, team_id: int, round_id: int, now: datetime
) -> int:
    """Record a pending delivery for each of the team's active members (``list_team_members``).

    One ``INSERT … SELECT``: the members never travel to Python, so a 10,000-member team costs
    one statement of constant size (existing rows are left alone).

    Returns:
        How many rows were created.
    """
    members = _of_active_members(
        select(
            literal(workspace_id),
            literal(round_id),
            col(TeamMemberRow.user_id),
            literal(DeliveryStatus.PENDING.value),
            literal(now, type_=DeliveryRow.__table__.c.updated_at.type),  # type: ignore[attr-defined]
        ),
        workspace_id=workspace_id,
        team_id=team_id,
    )
    stmt = _insert(session, DeliveryRow).from_select(
        ["workspace_id", "round_id", "user_id", "status", "updated_at"], members
    )
    result = await session.execute(
        stmt.on_conflict_do_nothing(index_elements=["round_id", "user_id"])
    )
    return _rowcount(result)


async def list_deliveries(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    status: DeliveryStatus | None = None,
) -> list[Delivery]:
    query = select(DeliveryRow).where(
        col(DeliveryRow.workspace_id) == workspace_id, col(DeliveryRow.round_id) == round_id
    )
    if status is not None:
        query = query.where(col(DeliveryRow.status) == status.value)
    rows = (await session.execute(query.order_by(col(DeliveryRow.user_id)))).scalars()
    return [_delivery(r) for r in rows]


async def get_delivery(
    session: AsyncSession, *, workspace_id: str, round_id: int, user_id: str
) -> Delivery | None:
    row = (
        await session.execute(
            select(DeliveryRow).where(
                col(DeliveryRow.workspace_id) == workspace_id,
                col(DeliveryRow.round_id) == round_id,
                col(DeliveryRow.user_id) == user_id,
            )
        )
    ).scalar_one_or_none()
    return _delivery(row) if row else None


async def mark_delivery_sent(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_id: str,
    channel_id: str,
    message_ts: str,
    now: datetime,
) -> None:
    await session.execute(
        update(DeliveryRow)
        .where(
            col(DeliveryRow.workspace_id) == workspace_id,
            col(DeliveryRow.round_id) == round_id,
            col(DeliveryRow.user_id) == user_id,
        )
        .values(
            status=DeliveryStatus.SENT.value,
            channel_id=channel_id,
            message_ts=message_ts,
            error=None,
            attempts=col(DeliveryRow.attempts) + 1,
            updated_at=now,
        )
    )


async def mark_delivery_failed(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_id: str,
    error: str,
    now: datetime,
) -> None:
    await session.execute(
        update(DeliveryRow)
        .where(
            col(DeliveryRow.workspace_id) == workspace_id,
            col(DeliveryRow.round_id) == round_id,
            col(DeliveryRow.user_id) == user_id,
            col(DeliveryRow.status) != DeliveryStatus.SENT.value,
        )
        .values(
            status=DeliveryStatus.FAILED.value,
            error=error[:500],
            attempts=col(DeliveryRow.attempts) + 1,
            updated_at=now,
        )
    )


# ---------------------------------------------------------------------------------------------
# answers


async def upsert_answer(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_id: str,
    circle: Circle,
    value: AnswerValue,
    now: datetime,
) -> None:
    """Store a member's answer; a second answer to the same question replaces the first."""
    stmt = _insert(session, AnswerRow).values(
        workspace_id=workspace_id,
        round_id=round_id,
        user_id=user_id,
        question=circle.value,
        value=value.value,
        answered_at=now,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["round_id", "user_id", "question"],
            set_={"value": value.value, "answered_at": now},
        )
    )


async def upsert_note(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_id: str,
    circle: Circle,
    note: str | None,
    internal_customer: bool,
    now: datetime,
) -> None:
    """Attach evidence to a member's answer (the answer itself may come later)."""
    stmt = _insert(session, AnswerRow).values(
        workspace_id=workspace_id,
        round_id=round_id,
        user_id=user_id,
        question=circle.value,
        value=None,
        note=note,
        internal_customer=internal_customer,
        answered_at=now,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["round_id", "user_id", "question"],
            set_={"note": note, "internal_customer": internal_customer},
        )
    )


async def member_answers(
    session: AsyncSession, *, workspace_id: str, round_id: int, user_id: str
) -> dict[Circle, Answer]:
    """One member's own answers to one round."""
    rows = (
        await session.execute(
            select(AnswerRow).where(
                col(AnswerRow.workspace_id) == workspace_id,
                col(AnswerRow.round_id) == round_id,
                col(AnswerRow.user_id) == user_id,
            )
        )
    ).scalars()
    return {Circle(r.question): _answer(r) for r in rows}


# ---------------------------------------------------------------------------------------------
# digests and processed events


async def claim_digest(
    session: AsyncSession, *, workspace_id: str, round_id: int, channel_id: str, now: datetime
) -> bool:
    """Claim the right to post a round's digest. Only the first claim ever succeeds."""
    stmt = _insert(session, DigestRow).values(
        workspace_id=workspace_id,
        round_id=round_id,
        channel_id=channel_id,
        status="claimed",
        claimed_at=now,
    )
    result = await session.execute(stmt.on_conflict_do_nothing(index_elements=["round_id"]))
    return _rowcount(result) == 1


async def mark_digest_posted(
    session: AsyncSession, *, workspace_id: str, round_id: int, message_ts: str, now: datetime
) -> None:
    await session.execute(
        update(DigestRow)
        .where(col(DigestRow.workspace_id) == workspace_id, col(DigestRow.round_id) == round_id)
        .values(status="posted", message_ts=message_ts, posted_at=now)
    )


async def release_digest(session: AsyncSession, *, workspace_id: str, round_id: int) -> None:
    """Give up a claim whose post failed, so a later attempt can post."""
    await session.execute(
        delete(DigestRow).where(
            col(DigestRow.workspace_id) == workspace_id,
            col(DigestRow.round_id) == round_id,
            col(DigestRow.status) == "claimed",
        )
    )


async def record_event(
    session: AsyncSession, *, workspace_id: str, event_id: str, now: datetime
) -> bool:
    """Remember a Slack event id. Returns False when it was seen before (a redelivery)."""
    stmt = _insert(session, ProcessedEventRow).values(
        workspace_id=workspace_id, event_id=event_id, received_at=now
    )
    result = await session.execute(stmt.on_conflict_do_nothing())
    return _rowcount(result) == 1
