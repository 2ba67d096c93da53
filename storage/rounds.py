"""The round and its answers: opening and closing rounds, the look-ups around them, answers.

Every function takes the session first and keyword-only arguments after it, is scoped by the
Slack workspace id, and returns domain records (``bot.domain.model``), never ORM rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.circles import CIRCLES, AnswerValue, Circle
from bot.domain.model import Answer, Round
from storage.sql import all_of, dialect_insert, one_or_none, rowcount, to_answer, to_round
from storage.tables import AnswerRow, RoundRow, metadata

_ANSWER = metadata.tables["answer"]

# ---------------------------------------------------------------------------------------------
# rounds


def _where_team_rounds(workspace_id: str, team_id: int) -> ColumnElement[bool]:
    return and_(col(RoundRow.workspace_id) == workspace_id, col(RoundRow.team_id) == team_id)


def _where_open_round(workspace_id: str, team_id: int) -> ColumnElement[bool]:
    return and_(_where_team_rounds(workspace_id, team_id), col(RoundRow.closed_at).is_(None))


def _where_round(workspace_id: str, round_id: int) -> ColumnElement[bool]:
    return and_(col(RoundRow.workspace_id) == workspace_id, col(RoundRow.id) == round_id)


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
    of_period = select(RoundRow).where(
        _where_team_rounds(workspace_id, team_id), col(RoundRow.period) == period
    )
    existing = await one_or_none(session, of_period, to_round)
    if existing is not None:
        return existing, False
    # Never close a round of this very period: on PostgreSQL a concurrent opener may have
    # committed it since the lookup above, and this UPDATE (a fresh snapshot) would see it.
    await session.execute(
        update(RoundRow)
        .where(_where_open_round(workspace_id, team_id), col(RoundRow.period) != period)
        .values(closed_at=now)
    )
    count = (
        select(func.count()).select_from(RoundRow).where(_where_team_rounds(workspace_id, team_id))
    )
    number = (await session.execute(count)).scalar_one() + 1
    stmt = dialect_insert(session, RoundRow).values(
        workspace_id=workspace_id, team_id=team_id, period=period, number=number, opened_at=now
    )
    created = rowcount(await session.execute(stmt.on_conflict_do_nothing())) == 1
    found = await one_or_none(session, of_period, to_round)
    if found is None:  # another period's round is open (a concurrent opener won)
        found = await get_open_round(session, workspace_id=workspace_id, team_id=team_id)
    if found is None:  # the unique index on open rounds makes one of the two exist
        raise LookupError(f"no round for {period!r} and no open round")
    return found, created


async def _stamp_once(
    session: AsyncSession, column: Any, *, workspace_id: str, round_id: int, now: datetime
) -> bool:
    # Set the round's ``column`` to ``now`` only while it is NULL: of concurrent callers, one
    # changes the row and learns it from the row count.
    result = await session.execute(
        update(RoundRow)
        .where(_where_round(workspace_id, round_id), column.is_(None))
        .values({column.key: now})
    )
    return rowcount(result) == 1


async def close_rounds_opened_before(
    session: AsyncSession, *, workspace_id: str, team_id: int, before: datetime, now: datetime
) -> list[Round]:
    """Close the team's open round if it opened before ``before`` (a later one stays open)."""
    rows = await session.execute(
        update(RoundRow)
        .where(_where_open_round(workspace_id, team_id), col(RoundRow.opened_at) < before)
        .values(closed_at=now)
        .returning(RoundRow)
    )
    return [to_round(r) for r in rows.scalars()]


async def get_round(session: AsyncSession, *, workspace_id: str, round_id: int) -> Round | None:
    """The round, or None when the workspace has no such round."""
    return await one_or_none(
        session, select(RoundRow).where(_where_round(workspace_id, round_id)), to_round
    )


async def get_open_round(session: AsyncSession, *, workspace_id: str, team_id: int) -> Round | None:
    """The team's open round, if it has one."""
    return await one_or_none(
        session, select(RoundRow).where(_where_open_round(workspace_id, team_id)), to_round
    )


async def open_round_before(
    session: AsyncSession, *, workspace_id: str, team_id: int, before: datetime
) -> Round | None:
    """The team's open round, if it opened before ``before``."""
    query = select(RoundRow).where(
        _where_open_round(workspace_id, team_id), col(RoundRow.opened_at) < before
    )
    return await one_or_none(session, query, to_round)


async def recent_rounds(
    session: AsyncSession, *, workspace_id: str, team_id: int, limit: int
) -> list[Round]:
    """The team's last ``limit`` rounds, oldest first."""
    return await _last_rounds(session, _where_team_rounds(workspace_id, team_id), limit=limit)


async def rounds_up_to(
    session: AsyncSession, *, workspace_id: str, team_id: int, round_id: int, limit: int
) -> list[Round]:
    """The team's last ``limit`` rounds up to and including ``round_id``, oldest first."""
    anchor = (
        select(col(RoundRow.opened_at))
        .where(_where_round(workspace_id, round_id))
        .scalar_subquery()
    )
    up_to = or_(
        col(RoundRow.opened_at) < anchor,
        and_(col(RoundRow.opened_at) == anchor, col(RoundRow.id) <= round_id),
    )
    return await _last_rounds(
        session, _where_team_rounds(workspace_id, team_id), up_to, limit=limit
    )


async def _last_rounds(session: AsyncSession, *where: Any, limit: int) -> list[Round]:
    # Newest first to take the last ``limit`` (off ``ix_round_team_opened``), then reversed.
    query = (
        select(RoundRow)
        .where(*where)
        .order_by(col(RoundRow.opened_at).desc(), col(RoundRow.id).desc())
        .limit(limit)
    )
    return list(reversed(await all_of(session, query, to_round)))


async def claim_round_reminder(
    session: AsyncSession, *, workspace_id: str, round_id: int, now: datetime
) -> bool:
    """Claim the round's one reminder (``reminded_at``); True for the one caller that did."""
    reminded_at = col(RoundRow.reminded_at)
    return await _stamp_once(
        session, reminded_at, workspace_id=workspace_id, round_id=round_id, now=now
    )


async def round_reminded_at(
    session: AsyncSession, *, workspace_id: str, round_id: int
) -> datetime | None:
    """When the round's reminder was claimed (None when it was not, or there is no round)."""
    query = select(col(RoundRow.reminded_at)).where(_where_round(workspace_id, round_id))
    return (await session.execute(query)).scalar_one_or_none()


async def last_opened_at(
    session: AsyncSession, *, workspace_id: str, team_id: int
) -> datetime | None:
    """When the team's latest round opened (None before its first round)."""
    query = select(func.max(col(RoundRow.opened_at))).where(
        _where_team_rounds(workspace_id, team_id)
    )
    return (await session.execute(query)).scalar_one_or_none()


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
    key = {"workspace_id": workspace_id, "round_id": round_id, "user_id": user_id}
    new = {"value": value.value}
    await _store(
        session, key=key, circle=circle, now=now, new=new, changed={**new, "answered_at": now}
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
    key = {"workspace_id": workspace_id, "round_id": round_id, "user_id": user_id}
    evidence = {"note": note, "internal_customer": internal_customer}
    new = {"value": None, **evidence}
    await _store(session, key=key, circle=circle, now=now, new=new, changed=evidence)


async def _store(
    session: AsyncSession,
    *,
    key: dict[str, Any],
    circle: Circle,
    now: datetime,
    new: dict[str, Any],
    changed: dict[str, Any],
) -> None:
    # One row per member and question: the first write inserts ``new``, later ones set
    # ``changed`` only, so an answer keeps its note and a note its answer.
    stmt = dialect_insert(session, AnswerRow).values(
        **key, question=circle.value, answered_at=now, **new
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["round_id", "user_id", "question"], set_=changed)
    )


def members_who_answered_all(*, workspace_id: str, round_id: int) -> Select[Any]:
    """The user ids of the round's members who answered every question (a note is no answer)."""
    # Core columns: the reminder claim runs this inside a Core UPDATE of ``delivery``.
    a = _ANSWER.c
    return (
        select(a.user_id)
        .where(a.workspace_id == workspace_id, a.round_id == round_id, a.value.is_not(None))
        .group_by(a.user_id)
        .having(func.count(func.distinct(a.question)) >= len(CIRCLES))
    )


async def member_answers(
    session: AsyncSession, *, workspace_id: str, round_id: int, user_id: str
) -> dict[Circle, Answer]:
    """One member's own answers to one round."""
    query = select(AnswerRow).where(
        col(AnswerRow.workspace_id) == workspace_id,
        col(AnswerRow.round_id) == round_id,
        col(AnswerRow.user_id) == user_id,
    )
    return {a.circle: a for a in await all_of(session, query, to_answer)}
