"""What every storage module shares: a dialect-aware INSERT, row counts, rows to domain records.

The aggregate modules (``teams``, ``rounds``, ``ledger``, ``due``) build their statements with
these helpers and hand out domain records (``bot.domain.model``), never ORM rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result, Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Answer, Delivery, DeliveryStatus, Member, Round, Schedule, Team
from bot.domain.scoring import ScoringRules
from storage.tables import AnswerRow, MemberRow, RoundRow, TeamRow

# The width of the ledger's ``error`` columns: a longer error is cut, never refused.
ERROR_CHARS = 500


def is_postgresql(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL (else SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def skip_locked(session: AsyncSession, key: Any, *where: Any) -> ColumnElement[bool]:
    """What a claiming UPDATE matches: the rows ``where`` matches, on PostgreSQL only those
    no other transaction holds (``key IN (SELECT key … FOR NO KEY UPDATE SKIP LOCKED)``).

    A row held by another claimer is that claimer's: passing over it means concurrent claimers
    never wait for one another's transactions. SQLite serialises writers anyway. The lock is
    the one an UPDATE takes, so inserting rows that reference this one does not hold it.
    """
    matched = and_(*where)
    if not is_postgresql(session):
        return matched
    unlocked = select(key).where(matched).with_for_update(key_share=True, skip_locked=True)
    return and_(matched, key.in_(unlocked))


async def lease_rows(
    session: AsyncSession,
    table: Table,
    *,
    where: ColumnElement[bool],
    claimable: ColumnElement[bool],
    owner: str,
    now: datetime,
    until: datetime,
    limit: int,
    returning: Sequence[Any],
) -> Sequence[Row[Any]]:
    """Lease up to ``limit`` rows of a ledger ``table`` (``id``, ``lease_owner``, ``lease_until``,
    ``attempts``, ``updated_at``) that ``where`` picks and are ``claimable``, to ``owner`` until
    ``until``; their ``returning`` columns, in id order.

    The UPDATE re-checks ``claimable``, so of two concurrent claimers each row goes to one; on
    PostgreSQL, ``SKIP LOCKED`` lets them take different rows without waiting for each other.
    """
    c = table.c
    candidates = select(c.id).where(where, claimable).order_by(c.id).limit(limit)
    if is_postgresql(session):
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    rows = await session.execute(
        update(table)
        .where(c.id.in_(ids), claimable)
        .values(lease_owner=owner, lease_until=until, attempts=c.attempts + 1, updated_at=now)
        .returning(*returning)
    )
    return rows.all()


def dialect_insert(
    session: AsyncSession, table: type[SQLModel]
) -> postgresql.Insert | sqlite.Insert:
    """A dialect-specific INSERT for ``table``, so that it supports ``ON CONFLICT``."""
    return postgresql.insert(table) if is_postgresql(session) else sqlite.insert(table)


def rowcount(result: Result[Any]) -> int:
    """Rows touched by an INSERT, UPDATE or DELETE.

    ``AsyncSession.execute`` is typed to return a plain ``Result``; for DML statements it is a
    ``CursorResult``, which carries the row count.

    Raises:
        TypeError: ``result`` is not the result of a DML statement.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"no row count on {type(result).__name__}")
    return int(result.rowcount)


def cut_error(error: str) -> str:
    """An error message that fits the ledger's ``error`` columns."""
    return error[:ERROR_CHARS]


async def one_or_none[RecordT](
    session: AsyncSession, query: Select[Any], convert: Callable[[Any], RecordT]
) -> RecordT | None:
    """The record of the one row ``query`` finds, or None when it finds none."""
    row = (await session.execute(query)).scalar_one_or_none()
    return convert(row) if row is not None else None


async def all_of[RecordT](
    session: AsyncSession, query: Select[Any], convert: Callable[[Any], RecordT]
) -> list[RecordT]:
    """The records of every row ``query`` finds, in its order."""
    return [convert(row) for row in (await session.execute(query)).scalars()]


def _stored_id(row_id: int | None) -> int:
    # Only rows not yet flushed lack an id; every row read back has one.
    if row_id is None:
        raise ValueError("a stored row has no id")
    return row_id


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def to_team(row: TeamRow) -> Team:
    """The team of a ``team`` row, with its schedule and scoring rules."""
    return Team(
        id=_stored_id(row.id),
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


def to_member(row: MemberRow) -> Member:
    """The person of a ``member`` row."""
    return Member(
        workspace_id=row.workspace_id,
        user_id=row.user_id,
        name=row.name,
        tz=row.tz,
        active=row.active,
    )


def to_round(row: RoundRow) -> Round:
    """The round of a ``round`` row."""
    return Round(
        id=_stored_id(row.id),
        workspace_id=row.workspace_id,
        team_id=row.team_id,
        period=row.period,
        number=row.number,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
    )


def to_delivery(row: Row[Any]) -> Delivery:
    """The delivery of a ``delivery`` row, read with Core (as the ledger reads them all)."""
    return Delivery(
        round_id=row.round_id,
        user_id=row.user_id,
        status=DeliveryStatus(row.status),
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        error=row.error,
        attempts=row.attempts,
    )


def to_answer(row: AnswerRow) -> Answer:
    """The answer (and note) of an ``answer`` row; ``value`` is None for a note alone."""
    return Answer(
        round_id=row.round_id,
        user_id=row.user_id,
        circle=Circle(row.question),
        value=AnswerValue(row.value) if row.value is not None else None,
        note=row.note,
        internal_customer=row.internal_customer,
        answered_at=row.answered_at,
    )


async def upsert_rows(
    session: AsyncSession,
    table: type[SQLModel],
    rows: list[dict[str, Any]],
    *,
    keys: list[str],
    replaced: Iterable[str] = (),
    constants: dict[str, Any] | None = None,
) -> None:
    """INSERT ``rows`` as one statement executed for many (the driver batches them); on a
    conflict over ``keys``, set the ``replaced`` columns to the new row's values and
    ``constants`` to theirs."""
    if not rows:
        return
    stmt = dialect_insert(session, table)
    values = {**{c: stmt.excluded[c] for c in replaced}, **(constants or {})}
    await session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=values), rows)
