"""Retention and deletion: answers and notes deleted in batches, each closed round's aggregate
kept first (``round_summary``), and everything stored about one person deleted on request.

The one rule that keeps trends intact: **no answer of a closed round is deleted before the
round has its summary**. ``summarise_rounds`` writes it (once: a second writer finds it there)
from the same aggregate the readers compute (``storage.aggregates.round_aggregates``), and the
deleting statements match only answers of summarised rounds.

The retention job goes round batch by round batch: ``rounds_to_purge`` (closed before the
cutoff, not done yet), ``summarise_rounds``, ``delete_answers_of_rounds`` until a batch comes
back short, ``mark_answers_deleted`` (``round.answers_deleted_at``: done, never read again).

Every function is safe to run in several processes at once: summaries are written with ``ON
CONFLICT DO NOTHING``, a batch of answers is claimed with ``SKIP LOCKED`` on PostgreSQL (SQLite
serialises writers), so two replicas deleting at once share the work and count each row once,
and a round is marked done only when no answer of it is left.

Session first, keyword-only arguments after it. Nothing here reads a note's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.circles import ANSWER_VALUES, CIRCLES, Circle
from storage.aggregates import SUMMARY_COLUMNS, RoundAggregate, round_aggregates
from storage.sql import dialect_insert, is_postgresql, rowcount
from storage.tables import (
    AnswerRow,
    AwayMarkRow,
    DeliveryRow,
    ManagerRow,
    MemberRow,
    ReleaseDeliveryRow,
    RoundRow,
    RoundSummaryRow,
    TeamAwayRulesRow,
    TeamMemberRow,
    TeamQuestionRow,
    TeamsChatRow,
)

_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_DELIVERY = DeliveryRow.__table__  # type: ignore[attr-defined]
_ROUND = RoundRow.__table__  # type: ignore[attr-defined]
_SUMMARY = RoundSummaryRow.__table__  # type: ignore[attr-defined]
# The tally columns of a summary row as (circle, ``Tally`` field), in ``SUMMARY_COLUMNS``' order
# (``storage.aggregates`` checks that the answers follow ``Tally``'s fields).
_TALLY_FIELDS: tuple[tuple[Circle, str], ...] = tuple(
    (c, v.value) for c in CIRCLES for v in ANSWER_VALUES
)


@dataclass(frozen=True, slots=True)
class DeletedAnswers:
    """What one batch deleted: answer rows, those holding an answer, those holding a note.

    A row is one member's answer to one question and its note: one row may count in both.
    """

    rows: int = 0
    answers: int = 0
    notes: int = 0


@dataclass(frozen=True, slots=True)
class DeletedPerson:
    """The rows about one person, other than answers, that ``delete_person`` deleted."""

    deliveries: int = 0
    memberships: int = 0
    manager_roles: int = 0
    profiles: int = 0
    teams_chats: int = 0
    away_marks: int = 0
    # Their release pulse DMs and answers (``storage.releases``).
    release_deliveries: int = 0
    # Rows that named them as who changed them (an away mark they made, a team's questions or
    # away list they reworded): kept for the team, without their id.
    authorship: int = 0


# ---------------------------------------------------------------------------------------------
# summaries


async def rounds_to_purge(
    session: AsyncSession, *, closed_before: datetime, limit: int
) -> list[tuple[str, int]]:
    """Rounds closed before ``closed_before`` whose answers are not deleted yet (the retention
    job is not done with them), as (workspace id, round id), the earliest closed first (at most
    ``limit``; off ``ix_round_unpurged``, which holds those rounds alone)."""
    round_ = _ROUND.c
    rows = await session.execute(
        select(round_.workspace_id, round_.id)
        .where(
            # ``ix_round_unpurged``'s predicate, as it is written there.
            round_.closed_at.is_not(None),
            round_.answers_deleted_at.is_(None),
            round_.closed_at < closed_before,
        )
        .order_by(round_.closed_at, round_.id)
        .limit(limit)
    )
    return [(workspace_id, round_id) for workspace_id, round_id in rows]


async def summarise_rounds(
    session: AsyncSession, *, workspace_id: str, round_ids: Sequence[int], now: datetime
) -> int:
    """Write the summaries of the workspace's closed rounds among ``round_ids`` that have none,
    from their answers and deliveries as they stand; the number written.

    Open rounds are left alone (their answers may still change): they get no summary.
    """
    if not round_ids:
        return 0
    round_ = _ROUND.c
    closed = await session.execute(
        select(round_.id).where(
            round_.workspace_id == workspace_id,
            round_.id.in_(list(round_ids)),
            round_.closed_at.is_not(None),
            ~_has_summary(round_.id),
        )
    )
    ids = [round_id for (round_id,) in closed]
    if not ids:
        return 0
    found = await round_aggregates(session, workspace_id=workspace_id, round_ids=ids)
    rows = [_summary_row(workspace_id, found[r], now=now) for r in ids]
    # Another process may have written some since the look-up: those stay as they are.
    stmt = (
        dialect_insert(session, RoundSummaryRow)
        .on_conflict_do_nothing(index_elements=["round_id"])
        .returning(_SUMMARY.c.round_id)
    )
    return len((await session.execute(stmt, rows)).all())


def _summary_row(workspace_id: str, agg: RoundAggregate, *, now: datetime) -> dict[str, Any]:
    tallies = [getattr(agg.tallies[c], v) for c, v in _TALLY_FIELDS]
    counts = [
        *tallies,
        agg.respondents,
        agg.notes,
        agg.internal_customer_notes,
        agg.asked,
        agg.away,
    ]
    return {
        "round_id": agg.round_id,
        "workspace_id": workspace_id,
        **dict(zip(SUMMARY_COLUMNS, counts, strict=True)),
        "summarised_at": now,
    }


def _has_summary(round_id: Any) -> Any:
    return exists().where(_SUMMARY.c.round_id == round_id)


# ---------------------------------------------------------------------------------------------
# answers past retention


async def delete_answers_of_rounds(
    session: AsyncSession, *, round_ids: Sequence[int], limit: int
) -> DeletedAnswers:
    """Delete at most ``limit`` answer rows (answers and notes) of those of ``round_ids`` that
    are closed and summarised. Fewer than ``limit`` deleted: none is left (bar rows another
    transaction holds right now)."""
    if not round_ids:
        return DeletedAnswers()
    round_ = _ROUND.c
    summarised = select(round_.id).where(
        round_.id.in_(list(round_ids)), round_.closed_at.is_not(None), _has_summary(round_.id)
    )
    return await _delete_answers(session, _ANSWER.c.round_id.in_(summarised), limit=limit)


async def mark_answers_deleted(
    session: AsyncSession, *, round_ids: Sequence[int], now: datetime
) -> int:
    """Record that the retention job is done with those of ``round_ids`` that are summarised
    and hold no answer any more (a row another transaction still holds keeps its round for
    the next run); the number marked."""
    if not round_ids:
        return 0
    round_, answer = _ROUND.c, _ANSWER.c
    result = await session.execute(
        update(_ROUND)
        .where(
            round_.id.in_(list(round_ids)),
            round_.closed_at.is_not(None),
            round_.answers_deleted_at.is_(None),
            _has_summary(round_.id),
            ~exists().where(answer.round_id == round_.id),
        )
        .values(answers_deleted_at=now)
    )
    return rowcount(result)


async def _delete_answers(session: AsyncSession, *where: Any, limit: int) -> DeletedAnswers:
    # The batch is picked first, then deleted by id: RETURNING cannot count it (SQLite 3.40
    # evaluates ``value IS NOT NULL`` in a DELETE's RETURNING as true for every row). The pick
    # is exact: SQLite's write transactions hold the lock from their start, and PostgreSQL's
    # rows are locked here (another process skips them).
    answer = _ANSWER.c
    batch = (
        select(answer.id, answer.value.is_not(None), answer.note.is_not(None))
        .where(*where)
        .limit(limit)
    )
    if is_postgresql(session):
        batch = batch.with_for_update(skip_locked=True)
    picked = (await session.execute(batch)).all()
    if picked:
        ids = [row_id for row_id, _, _ in picked]
        await session.execute(delete(_ANSWER).where(answer.id.in_(ids)))
    return DeletedAnswers(
        rows=len(picked),
        answers=sum(bool(answered) for _, answered, _ in picked),
        notes=sum(bool(noted) for _, _, noted in picked),
    )


# ---------------------------------------------------------------------------------------------
# one person (a data subject request)


async def person_rounds_to_summarise(
    session: AsyncSession, *, workspace_id: str, user_id: str
) -> list[int]:
    """The workspace's closed rounds without a summary that the person was asked or answered."""
    round_, answer, delivery = _ROUND.c, _ANSWER.c, _DELIVERY.c
    theirs = union(
        select(delivery.round_id).where(
            delivery.workspace_id == workspace_id, delivery.user_id == user_id
        ),
        select(answer.round_id).where(
            answer.round_id.in_(_workspace_rounds(workspace_id)), answer.user_id == user_id
        ),
    ).subquery("theirs")
    rows = await session.execute(
        select(round_.id)
        .where(
            round_.workspace_id == workspace_id,
            round_.id.in_(select(theirs.c.round_id)),
            round_.closed_at.is_not(None),
            ~_has_summary(round_.id),
        )
        .order_by(round_.id)
    )
    return [round_id for (round_id,) in rows]


async def delete_person_answers(
    session: AsyncSession, *, workspace_id: str, user_id: str, limit: int
) -> DeletedAnswers:
    """Delete at most ``limit`` of the person's answer rows (answers and notes), any round of
    the workspace. Summarise their closed rounds first (``person_rounds_to_summarise``)."""
    answer = _ANSWER.c
    return await _delete_answers(
        session,
        answer.round_id.in_(_workspace_rounds(workspace_id)),
        answer.user_id == user_id,
        answer.workspace_id == workspace_id,
        limit=limit,
    )


async def delete_person(session: AsyncSession, *, workspace_id: str, user_id: str) -> DeletedPerson:
    """Delete what is stored about the person in the workspace, answers apart: their delivery
    ledger rows (with their DM channel ids), team memberships, manager roles, profile (name,
    time zone), Teams chat reference, managers' away marks of them and their release pulse
    rows; and their id where it says who changed a team's row (``authorship``)."""

    async def gone(table: type[Any]) -> int:
        columns = table.__table__.c
        return rowcount(
            await session.execute(
                delete(table).where(
                    columns.workspace_id == workspace_id, columns.user_id == user_id
                )
            )
        )

    async def unnamed(table: type[Any], by: str) -> int:
        columns = table.__table__.c
        return rowcount(
            await session.execute(
                update(table)
                .where(columns.workspace_id == workspace_id, columns[by] == user_id)
                .values({by: None})
            )
        )

    return DeletedPerson(
        deliveries=await gone(DeliveryRow),
        memberships=await gone(TeamMemberRow),
        manager_roles=await gone(ManagerRow),
        profiles=await gone(MemberRow),
        teams_chats=await gone(TeamsChatRow),
        away_marks=await gone(AwayMarkRow),
        release_deliveries=await gone(ReleaseDeliveryRow),
        authorship=sum(
            [
                await unnamed(AwayMarkRow, "marked_by"),
                await unnamed(TeamQuestionRow, "updated_by"),
                await unnamed(TeamAwayRulesRow, "updated_by"),
            ]
        ),
    )


def _workspace_rounds(workspace_id: str) -> Any:
    return select(_ROUND.c.id).where(_ROUND.c.workspace_id == workspace_id)
