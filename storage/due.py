"""The scheduler's due work: next due times, the scans for what is due, their claims.

A team row carries its next pulse, reminder and close time (UTC). The tick scans for the ones
whose time has come, and for rounds with deliveries to send or a digest to post, across every
workspace (it serves them all). It claims a due time with a compare-and-set: an UPDATE that
only matches while the time is still the one it saw, so of two replicas (or a restarted
process) exactly one acts on it; deliveries and digests are claimed in ``storage.ledger``.
Everything but the scans is scoped by workspace; session first, keyword-only arguments after
it, domain records out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, cast, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.model import DueTeam, NextRuns, PendingWork, Team, TeamRound
from storage.ledger import DIGEST_CLAIMED, delivery_claimable
from storage.sql import all_of, rowcount, skip_locked, to_round, to_team
from storage.tables import DeliveryRow, DigestRow, RoundRow, TeamRow
from storage.teams import where_team

# ---------------------------------------------------------------------------------------------
# next due times, and arming the teams that have none


async def next_runs(session: AsyncSession, *, workspace_id: str, team_id: int) -> NextRuns | None:
    """The team's next due times, or None when the workspace has no such team."""
    row = (
        await session.execute(
            select(
                col(TeamRow.next_pulse_at),
                col(TeamRow.next_reminder_at),
                col(TeamRow.next_close_at),
            ).where(where_team(workspace_id, team_id))
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
    team = where_team(workspace_id, team_id)
    if only_if_unset:  # a claim: on PostgreSQL a team another replica is arming is passed over
        unset = col(TeamRow.next_pulse_at).is_(None)
        team = skip_locked(session, col(TeamRow.id), team, unset)
    stmt = update(TeamRow).where(team).values(next_pulse_at=pulse_at)
    return rowcount(await session.execute(stmt)) == 1


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
        .where(where_team(workspace_id, team_id))
        .values(next_reminder_at=reminder_at, next_close_at=close_at)
    )


async def teams_without_next_pulse(session: AsyncSession, *, limit: int) -> list[Team]:
    """Teams with their schedule on but no next pulse time (e.g. created before scheduling)."""
    query = select(TeamRow).where(_unarmed()).order_by(col(TeamRow.id)).limit(limit)
    return await all_of(session, query, to_team)


def _unarmed() -> ColumnElement[bool]:
    # As ``ix_team_unarmed`` says it: the scan reads that index alone.
    return and_(col(TeamRow.schedule_enabled).is_(True), col(TeamRow.next_pulse_at).is_(None))


# ---------------------------------------------------------------------------------------------
# due-team scans (every workspace)


async def _due(
    session: AsyncSession, column: Any, *, now: datetime, limit: int, scheduled_only: bool = False
) -> list[DueTeam]:
    query = select(TeamRow, column).where(column <= now)
    if scheduled_only:
        query = query.where(col(TeamRow.schedule_enabled).is_(True))
    rows = await session.execute(query.order_by(column, col(TeamRow.id)).limit(limit))
    return [DueTeam(team=to_team(row), due_at=due) for row, due in rows]


async def teams_due_to_pulse(session: AsyncSession, *, now: datetime, limit: int) -> list[DueTeam]:
    """Teams whose scheduled pulse is due (schedule on, ``next_pulse_at <= now``), oldest first."""
    return await _due(
        session, col(TeamRow.next_pulse_at), now=now, limit=limit, scheduled_only=True
    )


async def teams_due_to_remind(session: AsyncSession, *, now: datetime, limit: int) -> list[DueTeam]:
    """Teams whose open round's reminder is due, oldest first."""
    return await _due(session, col(TeamRow.next_reminder_at), now=now, limit=limit)


async def teams_due_to_close(session: AsyncSession, *, now: datetime, limit: int) -> list[DueTeam]:
    """Teams whose open round is due to close, oldest first."""
    return await _due(session, col(TeamRow.next_close_at), now=now, limit=limit)


# ---------------------------------------------------------------------------------------------
# rounds with work in the ledger (every workspace)

# A seed's order of the due rounds: ``(id * _MIX + offset) mod _PRIME`` walks the round ids in
# one scrambled cycle and each seed starts it elsewhere (``_offset``: seeds 0, 1, 2… start far
# apart), so replicas with different seeds start on different rounds and go the same way round.
# Round ids are below 2**31: no product leaves 64 bits.
_PRIME = 2_147_483_647
_MIX = 1_103_515_245
_SPREAD = 1_327_217_885  # about 0.618 * _PRIME


def _offset(seed: int) -> int:
    return (seed * _SPREAD) % _PRIME


def _round_order(oldest_first: Any, seed: int | None) -> tuple[Any, ...]:
    if seed is None:
        return (col(oldest_first), col(RoundRow.id))
    cycle = (cast(col(RoundRow.id), BigInteger) * _MIX + _offset(seed)) % _PRIME
    return (cycle, col(RoundRow.id))


def _with_claimable_deliveries(now: datetime) -> ColumnElement[bool]:
    # Driven by the pending deliveries (``ix_delivery_pending``: few), not by the open rounds.
    return col(RoundRow.id).in_(select(col(DeliveryRow.round_id)).where(delivery_claimable(now)))


def _awaiting_digest(closed_since: datetime, stale_before: datetime) -> ColumnElement[bool]:
    # A round closed since ``closed_since`` whose digest is not posted, refused, or claimed
    # after ``stale_before`` (then it is in progress; an older claim ``claim_digest`` takes over).
    # Posted and refused ones are settled: ``ix_round_awaiting_digest`` leaves them out.
    taken = exists().where(
        col(DigestRow.round_id) == col(RoundRow.id),
        or_(col(DigestRow.status) != DIGEST_CLAIMED, col(DigestRow.claimed_at) > stale_before),
    )
    unsettled = col(RoundRow.digest_settled_at).is_(None)
    return and_(col(RoundRow.closed_at) >= closed_since, unsettled, ~taken)


async def rounds_to_send(
    session: AsyncSession, *, now: datetime, limit: int, seed: int | None = None
) -> list[TeamRound]:
    """Open rounds with deliveries that are pending and not leased (or whose lease ran out).

    Args:
        seed: the order: None for the oldest round first; else this seed's own order, so
            claimers with different seeds start on different rounds (the scheduler's replicas).
    """
    open_ = col(RoundRow.closed_at).is_(None)
    order = _round_order(RoundRow.opened_at, seed)
    return await _team_rounds(
        session, open_, _with_claimable_deliveries(now), order=order, limit=limit
    )


async def rounds_awaiting_digest(
    session: AsyncSession,
    *,
    closed_since: datetime,
    stale_before: datetime,
    limit: int,
    seed: int | None = None,
) -> list[TeamRound]:
    """Rounds closed since ``closed_since`` whose digest is not posted, failed or being posted.

    A claim older than ``stale_before`` counts as abandoned (its poster died).

    Args:
        seed: the order: None for the earliest closed first; else as ``rounds_to_send``.
    """
    awaiting = _awaiting_digest(closed_since, stale_before)
    order = _round_order(RoundRow.closed_at, seed)
    return await _team_rounds(session, awaiting, order=order, limit=limit)


async def _team_rounds(
    session: AsyncSession, *where: Any, order: tuple[Any, ...], limit: int
) -> list[TeamRound]:
    rows = await session.execute(
        select(TeamRow, RoundRow)
        .join(RoundRow, col(RoundRow.team_id) == col(TeamRow.id))
        .where(*where)
        .order_by(*order)
        .limit(limit)
    )
    return [TeamRound(team=to_team(t), round=to_round(r)) for t, r in rows]


# ---------------------------------------------------------------------------------------------
# compare-and-set claims


async def _compare_and_set(
    session: AsyncSession, column: Any, where: Any, *, seen: datetime, new: datetime | None
) -> bool:
    # The one UPDATE behind every claim: it matches only while ``column`` still holds ``seen``.
    # On PostgreSQL a team row another transaction holds is passed over, not waited for: that
    # one is claiming it (or changing the team: then the next tick claims it).
    claimable = skip_locked(session, col(TeamRow.id), where, column == seen)
    result = await session.execute(update(TeamRow).where(claimable).values({column.key: new}))
    return rowcount(result) == 1


async def claim_pulse(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    seen: datetime,
    next_pulse_at: datetime,
) -> bool:
    """Move the team's next pulse from ``seen`` to ``next_pulse_at``; True for the one winner."""
    team = where_team(workspace_id, team_id)
    return await _compare_and_set(
        session, col(TeamRow.next_pulse_at), team, seen=seen, new=next_pulse_at
    )


async def claim_reminder(
    session: AsyncSession, *, workspace_id: str, team_id: int, seen: datetime
) -> bool:
    """Clear the team's due reminder time; True for the one caller that cleared it."""
    team = where_team(workspace_id, team_id)
    return await _compare_and_set(session, col(TeamRow.next_reminder_at), team, seen=seen, new=None)


async def claim_close(
    session: AsyncSession, *, workspace_id: str, team_id: int, seen: datetime
) -> bool:
    """Clear the team's due close time; True for the one caller that cleared it."""
    team = where_team(workspace_id, team_id)
    return await _compare_and_set(session, col(TeamRow.next_close_at), team, seen=seen, new=None)


# ---------------------------------------------------------------------------------------------
# the idle check


async def pending_work(
    session: AsyncSession, *, now: datetime, closed_since: datetime, stale_before: datetime
) -> PendingWork:
    """One cheap query that tells an idle tick it can stop (the usual case).

    Each of its parts reads an index of what may come due (migration 0007), so it costs the
    same with 100 teams or 100,000.
    """
    scheduled = col(TeamRow.schedule_enabled).is_(True)
    close_at, pulse_at = col(TeamRow.next_close_at), col(TeamRow.next_pulse_at)
    remind_at, closed_at = col(TeamRow.next_reminder_at), col(RoundRow.closed_at)
    round_closed_at = select(closed_at).where(col(RoundRow.id) == col(DeliveryRow.round_id))
    row = (
        await session.execute(
            select(
                _any(select(col(TeamRow.id)).where(_unarmed()).order_by(col(TeamRow.id))),
                _any(select(close_at).where(close_at <= now).order_by(close_at)),
                _any(select(pulse_at).where(scheduled, pulse_at <= now).order_by(pulse_at)),
                _any(select(remind_at).where(remind_at <= now).order_by(remind_at)),
                _any(
                    select(col(DeliveryRow.round_id))
                    .where(delivery_claimable(now), round_closed_at.scalar_subquery().is_(None))
                    .order_by(col(DeliveryRow.round_id))
                ),
                _any(
                    select(closed_at)
                    .where(_awaiting_digest(closed_since, stale_before))
                    .order_by(closed_at)
                ),
            )
        )
    ).one()
    return PendingWork(*(bool(flag) for flag in row))


def _any(ordered: Select[Any]) -> ColumnElement[bool]:
    # Whether the query finds a row, as its first row in the order its index gives (not
    # EXISTS): the index is then the one cheap plan, where PostgreSQL would otherwise take a
    # table scan it expects to end early (it misjudges how rare due work is) and read it all.
    # A round's open-ness is a scalar subquery, not a join, for the same reason.
    return ordered.limit(1).scalar_subquery().is_not(None)
