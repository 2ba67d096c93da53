"""The scheduler's SQL: due teams, compare-and-set claims, delivery leases, reminders, digests.

Every claim is a conditional UPDATE (or an INSERT that may conflict) whose row count says
whether this caller won: two replicas on one PostgreSQL database, or a restarted process,
never both act on the same due time, delivery or digest. The due-team scans span every
workspace (the tick serves them all); everything else is scoped by workspace.

Like ``storage.repository``: session first, keyword-only arguments, domain records out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.circles import CIRCLES
from bot.domain.model import Delivery, DeliveryStatus, Round, Team
from storage.repository import _insert, _round, _rowcount, _team
from storage.tables import AnswerRow, DeliveryRow, DigestRow, RoundRow, TeamRow, metadata

DIGEST_CLAIMED, DIGEST_POSTED, DIGEST_FAILED = "claimed", "posted", "failed"


@dataclass(frozen=True, slots=True)
class DueTeam:
    """A team whose next pulse, reminder or close time has come; ``due_at`` is that time."""

    team: Team
    due_at: datetime


@dataclass(frozen=True, slots=True)
class TeamRound:
    team: Team
    round: Round


@dataclass(frozen=True, slots=True)
class ReminderTarget:
    """A member to remind: the DM their pulse went to."""

    user_id: str
    channel_id: str
    message_ts: str | None


@dataclass(frozen=True, slots=True)
class NextRuns:
    """A team's stored next due times (UTC), as the tick will see them."""

    pulse_at: datetime | None
    reminder_at: datetime | None
    close_at: datetime | None


@dataclass(frozen=True, slots=True)
class PendingWork:
    """Which scheduler steps have anything to do right now."""

    arm: bool
    close: bool
    pulse: bool
    remind: bool
    send: bool
    digest: bool

    def __bool__(self) -> bool:
        return any((self.arm, self.close, self.pulse, self.remind, self.send, self.digest))


def _team_is(workspace_id: str, team_id: int) -> Any:
    return and_(col(TeamRow.workspace_id) == workspace_id, col(TeamRow.id) == team_id)


# ---------------------------------------------------------------------------------------------
# next due times


async def next_runs(session: AsyncSession, *, workspace_id: str, team_id: int) -> NextRuns | None:
    row = (
        await session.execute(
            select(
                col(TeamRow.next_pulse_at),
                col(TeamRow.next_reminder_at),
                col(TeamRow.next_close_at),
            ).where(_team_is(workspace_id, team_id))
        )
    ).one_or_none()
    return NextRuns(*row) if row is not None else None


async def set_next_pulse(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    pulse_at: datetime | None,
    only_if_unset: bool = False,
) -> bool:
    """Store the team's next pulse time. Returns whether the row changed.

    Args:
        only_if_unset: change it only while it is NULL (arming a team that has none yet).
    """
    stmt = update(TeamRow).where(_team_is(workspace_id, team_id))
    if only_if_unset:
        stmt = stmt.where(col(TeamRow.next_pulse_at).is_(None))
    return _rowcount(await session.execute(stmt.values(next_pulse_at=pulse_at))) == 1


async def set_round_times(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    reminder_at: datetime | None,
    close_at: datetime | None,
) -> None:
    """Store when the team's open round gets its reminder and closes."""
    await session.execute(
        update(TeamRow)
        .where(_team_is(workspace_id, team_id))
        .values(next_reminder_at=reminder_at, next_close_at=close_at)
    )


async def teams_without_next_pulse(session: AsyncSession, *, limit: int) -> list[Team]:
    """Teams with their schedule on but no next pulse time (e.g. created before scheduling)."""
    rows = (
        await session.execute(
            select(TeamRow)
            .where(col(TeamRow.schedule_enabled).is_(True), col(TeamRow.next_pulse_at).is_(None))
            .order_by(col(TeamRow.id))
            .limit(limit)
        )
    ).scalars()
    return [_team(r) for r in rows]


async def _due(
    session: AsyncSession, column: Any, *, now: datetime, limit: int, scheduled_only: bool = False
) -> list[DueTeam]:
    query = select(TeamRow, column).where(column <= now)
    if scheduled_only:
        query = query.where(col(TeamRow.schedule_enabled).is_(True))
    rows = await session.execute(query.order_by(column, col(TeamRow.id)).limit(limit))
    return [DueTeam(team=_team(row), due_at=due) for row, due in rows]


async def teams_due_to_pulse(session: AsyncSession, *, now: datetime, limit: int) -> list[DueTeam]:
    """Teams whose scheduled pulse is due (schedule on, ``next_pulse_at <= now``)."""
    return await _due(
        session, col(TeamRow.next_pulse_at), now=now, limit=limit, scheduled_only=True
    )


async def teams_due_to_remind(session: AsyncSession, *, now: datetime, limit: int) -> list[DueTeam]:
    return await _due(session, col(TeamRow.next_reminder_at), now=now, limit=limit)


async def teams_due_to_close(session: AsyncSession, *, now: datetime, limit: int) -> list[DueTeam]:
    return await _due(session, col(TeamRow.next_close_at), now=now, limit=limit)


async def _compare_and_set(
    session: AsyncSession,
    column: Any,
    *,
    workspace_id: str,
    team_id: int,
    seen: datetime,
    new: datetime | None,
) -> bool:
    result = await session.execute(
        update(TeamRow)
        .where(_team_is(workspace_id, team_id), column == seen)
        .values({column.key: new})
    )
    return _rowcount(result) == 1


async def claim_pulse(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    seen: datetime,
    next_pulse_at: datetime,
) -> bool:
    """Move the team's next pulse from ``seen`` to ``next_pulse_at``; True for the one winner."""
    return await _compare_and_set(
        session,
        col(TeamRow.next_pulse_at),
        workspace_id=workspace_id,
        team_id=team_id,
        seen=seen,
        new=next_pulse_at,
    )


async def claim_reminder(
    session: AsyncSession, *, workspace_id: str, team_id: int, seen: datetime
) -> bool:
    """Clear the team's due reminder time; True for the one caller that cleared it."""
    return await _compare_and_set(
        session,
        col(TeamRow.next_reminder_at),
        workspace_id=workspace_id,
        team_id=team_id,
        seen=seen,
        new=None,
    )


async def claim_close(
    session: AsyncSession, *, workspace_id: str, team_id: int, seen: datetime
) -> bool:
    """Clear the team's due close time; True for the one caller that cleared it."""
    return await _compare_and_set(
        session,
        col(TeamRow.next_close_at),
        workspace_id=workspace_id,
        team_id=team_id,
        seen=seen,
        new=None,
    )


async def pending_work(
    session: AsyncSession, *, now: datetime, closed_since: datetime, stale_before: datetime
) -> PendingWork:
    """One cheap query that tells an idle tick it can stop (the usual case)."""
    scheduled = col(TeamRow.schedule_enabled).is_(True)
    row = (
        await session.execute(
            select(
                exists().where(scheduled, col(TeamRow.next_pulse_at).is_(None)),
                exists().where(col(TeamRow.next_close_at) <= now),
                exists().where(scheduled, col(TeamRow.next_pulse_at) <= now),
                exists().where(col(TeamRow.next_reminder_at) <= now),
                exists().where(
                    col(DeliveryRow.round_id) == col(RoundRow.id),
                    col(RoundRow.closed_at).is_(None),
                    _claimable(now),
                ),
                exists().where(
                    col(RoundRow.closed_at) >= closed_since,
                    ~_digest_taken(stale_before),
                ),
            )
        )
    ).one()
    return PendingWork(*(bool(flag) for flag in row))


# ---------------------------------------------------------------------------------------------
# rounds


async def close_rounds_opened_before(
    session: AsyncSession, *, workspace_id: str, team_id: int, before: datetime, now: datetime
) -> list[Round]:
    """Close the team's open round if it opened before ``before`` (a later one stays open)."""
    rows = (
        await session.execute(
            update(RoundRow)
            .where(
                col(RoundRow.workspace_id) == workspace_id,
                col(RoundRow.team_id) == team_id,
                col(RoundRow.closed_at).is_(None),
                col(RoundRow.opened_at) < before,
            )
            .values(closed_at=now)
            .returning(RoundRow)
        )
    ).scalars()
    return [_round(r) for r in rows]


async def open_round_before(
    session: AsyncSession, *, workspace_id: str, team_id: int, before: datetime
) -> Round | None:
    """The team's open round, if it opened before ``before``."""
    row = (
        await session.execute(
            select(RoundRow).where(
                col(RoundRow.workspace_id) == workspace_id,
                col(RoundRow.team_id) == team_id,
                col(RoundRow.closed_at).is_(None),
                col(RoundRow.opened_at) < before,
            )
        )
    ).scalar_one_or_none()
    return _round(row) if row is not None else None


async def round_reminded_at(
    session: AsyncSession, *, workspace_id: str, round_id: int
) -> datetime | None:
    return (
        await session.execute(
            select(col(RoundRow.reminded_at)).where(
                col(RoundRow.workspace_id) == workspace_id, col(RoundRow.id) == round_id
            )
        )
    ).scalar_one_or_none()


async def last_opened_at(
    session: AsyncSession, *, workspace_id: str, team_id: int
) -> datetime | None:
    """When the team's latest round opened (None before its first round)."""
    return (
        await session.execute(
            select(func.max(col(RoundRow.opened_at))).where(
                col(RoundRow.workspace_id) == workspace_id, col(RoundRow.team_id) == team_id
            )
        )
    ).scalar_one_or_none()


# ---------------------------------------------------------------------------------------------
# reminders


async def claim_reminders(
    session: AsyncSession, *, workspace_id: str, round_id: int, now: datetime
) -> list[ReminderTarget]:
    """Claim the round's one reminder, and each reminder to a member who still owes answers.

    The members are those whose pulse was sent, who have not answered all three questions and
    were never reminded for this round. Claiming (``reminded_at``) comes before sending: a
    crash can lose a reminder, never send it twice.

    Returns:
        The members this caller must remind; empty when the round was already reminded.
    """
    round_claimed = await session.execute(
        update(RoundRow)
        .where(
            col(RoundRow.workspace_id) == workspace_id,
            col(RoundRow.id) == round_id,
            col(RoundRow.reminded_at).is_(None),
        )
        .values(reminded_at=now)
    )
    if _rowcount(round_claimed) != 1:
        return []
    answered_all = (
        select(col(AnswerRow.user_id))
        .where(
            col(AnswerRow.workspace_id) == workspace_id,
            col(AnswerRow.round_id) == round_id,
            col(AnswerRow.value).is_not(None),
        )
        .group_by(col(AnswerRow.user_id))
        .having(func.count(func.distinct(col(AnswerRow.question))) >= len(CIRCLES))
    )
    rows = await session.execute(
        update(DeliveryRow)
        .where(
            col(DeliveryRow.workspace_id) == workspace_id,
            col(DeliveryRow.round_id) == round_id,
            col(DeliveryRow.status) == DeliveryStatus.SENT.value,
            col(DeliveryRow.reminded_at).is_(None),
            col(DeliveryRow.user_id).not_in(answered_all),
        )
        .values(reminded_at=now)
        .returning(
            col(DeliveryRow.user_id), col(DeliveryRow.channel_id), col(DeliveryRow.message_ts)
        )
    )
    targets = [
        ReminderTarget(user_id=user_id, channel_id=channel_id, message_ts=ts)
        for user_id, channel_id, ts in rows
        if channel_id is not None
    ]
    return sorted(targets, key=lambda t: t.user_id)


# ---------------------------------------------------------------------------------------------
# the delivery ledger: leases


def _claimable(now: datetime) -> Any:
    return and_(
        col(DeliveryRow.status) == DeliveryStatus.PENDING.value,
        or_(col(DeliveryRow.lease_until).is_(None), col(DeliveryRow.lease_until) <= now),
    )


async def rounds_to_send(session: AsyncSession, *, now: datetime, limit: int) -> list[TeamRound]:
    """Open rounds with deliveries that are pending and not leased (or whose lease ran out)."""
    waiting = exists().where(col(DeliveryRow.round_id) == col(RoundRow.id), _claimable(now))
    rows = await session.execute(
        select(TeamRow, RoundRow)
        .join(RoundRow, col(RoundRow.team_id) == col(TeamRow.id))
        .where(col(RoundRow.closed_at).is_(None), waiting)
        .order_by(col(RoundRow.opened_at), col(RoundRow.id))
        .limit(limit)
    )
    return [TeamRound(team=_team(t), round=_round(r)) for t, r in rows]


async def claim_deliveries(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    owner: str,
    now: datetime,
    until: datetime,
    limit: int,
) -> list[Delivery]:
    """Lease up to ``limit`` claimable deliveries of a round to ``owner`` until ``until``.

    A row is claimable while pending and not leased, or leased with the lease run out (its
    sender died). The UPDATE re-checks that condition, so of two concurrent claimers each row
    goes to one; on PostgreSQL, ``SKIP LOCKED`` lets them take different rows without waiting.
    (Core statements, no ORM objects: a fan-out claims thousands of rows.)

    Returns:
        The deliveries this owner now holds, by user id.
    """
    table = metadata.tables["delivery"]
    c = table.c
    claimable = and_(
        c.status == DeliveryStatus.PENDING.value,
        or_(c.lease_until.is_(None), c.lease_until <= now),
    )
    candidates = (
        select(c.id)
        .where(c.workspace_id == workspace_id, c.round_id == round_id, claimable)
        .order_by(c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    rows = await session.execute(
        update(table)
        .where(c.id.in_(ids), claimable)
        .values(lease_owner=owner, lease_until=until, attempts=c.attempts + 1, updated_at=now)
        .returning(c.user_id, c.status, c.channel_id, c.message_ts, c.error, c.attempts)
    )
    return sorted(
        (
            Delivery(
                round_id=round_id,
                user_id=user_id,
                status=DeliveryStatus(status),
                channel_id=channel_id,
                message_ts=message_ts,
                error=error,
                attempts=attempts,
            )
            for user_id, status, channel_id, message_ts, error, attempts in rows
        ),
        key=lambda d: d.user_id,
    )


async def renew_leases(session: AsyncSession, *, owner: str, until: datetime) -> int:
    """Extend every pending delivery ``owner`` still holds (a sender's heartbeat)."""
    result = await session.execute(
        update(DeliveryRow)
        .where(
            col(DeliveryRow.lease_owner) == owner,
            col(DeliveryRow.status) == DeliveryStatus.PENDING.value,
        )
        .values(lease_until=until)
    )
    return _rowcount(result)


async def release_delivery(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_id: str,
    owner: str,
    error: str,
    retry_at: datetime,
    now: datetime,
) -> bool:
    """Give a held delivery back: pending, claimable again from ``retry_at``."""
    result = await session.execute(
        update(DeliveryRow)
        .where(
            col(DeliveryRow.workspace_id) == workspace_id,
            col(DeliveryRow.round_id) == round_id,
            col(DeliveryRow.user_id) == user_id,
            col(DeliveryRow.lease_owner) == owner,
            col(DeliveryRow.status) == DeliveryStatus.PENDING.value,
        )
        .values(lease_owner=None, lease_until=retry_at, error=error[:500], updated_at=now)
    )
    return _rowcount(result) == 1


async def mark_sent(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_id: str,
    channel_id: str,
    message_ts: str,
    now: datetime,
) -> None:
    """Record a DM Slack accepted (whoever held the lease: the message exists either way).

    ``lease_owner`` stays, naming the sender (process and fan-out) for the record.
    """
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
            lease_until=None,
            updated_at=now,
        )
    )


@dataclass(frozen=True, slots=True)
class SentDM:
    """A pulse DM Slack accepted: whose, and where it is."""

    user_id: str
    channel_id: str
    message_ts: str


async def mark_sent_many(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    sent: Sequence[SentDM],
    now: datetime,
) -> None:
    """``mark_sent`` for several members in one statement (the fan-out's group commit)."""
    if not sent:
        return
    table = metadata.tables["delivery"]
    stmt = (
        update(table)
        .where(
            table.c.workspace_id == workspace_id,
            table.c.round_id == round_id,
            table.c.user_id == bindparam("b_user_id"),
        )
        .values(
            status=DeliveryStatus.SENT.value,
            channel_id=bindparam("b_channel_id"),
            message_ts=bindparam("b_message_ts"),
            error=None,
            lease_until=None,
            updated_at=now,
        )
    )
    await session.execute(
        stmt,
        [
            {"b_user_id": s.user_id, "b_channel_id": s.channel_id, "b_message_ts": s.message_ts}
            for s in sent
        ],
    )


async def mark_failed(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_id: str,
    error: str,
    now: datetime,
) -> None:
    """Record that Slack refused the DM for good (never overrides a sent row)."""
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
            lease_owner=None,
            lease_until=None,
            updated_at=now,
        )
    )


async def delivery_counts(
    session: AsyncSession, *, workspace_id: str, round_id: int
) -> dict[DeliveryStatus, int]:
    """How many of the round's deliveries are pending, sent and failed."""
    rows = await session.execute(
        select(col(DeliveryRow.status), func.count())
        .where(col(DeliveryRow.workspace_id) == workspace_id, col(DeliveryRow.round_id) == round_id)
        .group_by(col(DeliveryRow.status))
    )
    counts = dict.fromkeys(DeliveryStatus, 0)
    for status, n in rows:
        counts[DeliveryStatus(status)] = n
    return counts


# ---------------------------------------------------------------------------------------------
# digests


def _digest_taken(stale_before: datetime) -> Any:
    """The round's digest is posted, refused, or claimed recently enough to be in progress."""
    return exists().where(
        col(DigestRow.round_id) == col(RoundRow.id),
        or_(
            col(DigestRow.status) != DIGEST_CLAIMED,
            col(DigestRow.claimed_at) > stale_before,
        ),
    )


async def rounds_awaiting_digest(
    session: AsyncSession, *, closed_since: datetime, stale_before: datetime, limit: int
) -> list[TeamRound]:
    """Rounds closed since ``closed_since`` whose digest is not posted, failed or being posted.

    A claim older than ``stale_before`` counts as abandoned (its poster died).
    """
    rows = await session.execute(
        select(TeamRow, RoundRow)
        .join(RoundRow, col(RoundRow.team_id) == col(TeamRow.id))
        .where(col(RoundRow.closed_at) >= closed_since, ~_digest_taken(stale_before))
        .order_by(col(RoundRow.closed_at), col(RoundRow.id))
        .limit(limit)
    )
    return [TeamRound(team=_team(t), round=_round(r)) for t, r in rows]


async def claim_digest(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    channel_id: str,
    now: datetime,
    stale_before: datetime,
) -> bool:
    """Claim the right to post a round's digest: the first claim, or one taking over a stale one."""
    inserted = await session.execute(
        _insert(session, DigestRow)
        .values(
            workspace_id=workspace_id,
            round_id=round_id,
            channel_id=channel_id,
            status=DIGEST_CLAIMED,
            claimed_at=now,
        )
        .on_conflict_do_nothing(index_elements=["round_id"])
    )
    if _rowcount(inserted) == 1:
        return True
    taken_over = await session.execute(
        update(DigestRow)
        .where(
            col(DigestRow.workspace_id) == workspace_id,
            col(DigestRow.round_id) == round_id,
            col(DigestRow.status) == DIGEST_CLAIMED,
            col(DigestRow.claimed_at) <= stale_before,
        )
        .values(claimed_at=now)
    )
    return _rowcount(taken_over) == 1


async def mark_digest_failed(
    session: AsyncSession, *, workspace_id: str, round_id: int, error: str
) -> None:
    """Slack refused the digest for good (e.g. the bot left the channel): stop trying."""
    await session.execute(
        update(DigestRow)
        .where(col(DigestRow.workspace_id) == workspace_id, col(DigestRow.round_id) == round_id)
        .values(status=DIGEST_FAILED, error=error[:500])
    )


async def release_digest(session: AsyncSession, *, workspace_id: str, round_id: int) -> None:
    """Give up a claim whose post failed for now, so a later tick posts it."""
    await session.execute(
        delete(DigestRow).where(
            col(DigestRow.workspace_id) == workspace_id,
            col(DigestRow.round_id) == round_id,
            col(DigestRow.status) == DIGEST_CLAIMED,
        )
    )


async def rounds_up_to(
    session: AsyncSession, *, workspace_id: str, team_id: int, round_id: int, limit: int
) -> list[Round]:
    """The team's last ``limit`` rounds up to and including ``round_id``, oldest first."""
    anchor = (
        select(col(RoundRow.opened_at))
        .where(col(RoundRow.workspace_id) == workspace_id, col(RoundRow.id) == round_id)
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(RoundRow)
            .where(
                col(RoundRow.workspace_id) == workspace_id,
                col(RoundRow.team_id) == team_id,
                or_(
                    col(RoundRow.opened_at) < anchor,
                    and_(col(RoundRow.opened_at) == anchor, col(RoundRow.id) <= round_id),
                ),
            )
            .order_by(col(RoundRow.opened_at).desc(), col(RoundRow.id).desc())
            .limit(limit)
        )
    ).scalars()
    return [_round(r) for r in reversed(list(rows))]
