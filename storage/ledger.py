"""The ledger of side effects: pulse deliveries, reminders, digests and processed events.

Each thing the bot does once (a DM to a member, a reminder, a round's digest, a Slack event)
has a row here, and every claim on it is a conditional UPDATE (or an INSERT that may conflict)
whose row count says whether this caller won: two replicas on one PostgreSQL database, or a
restarted process, never both send the same DM or post the same digest. The delivery
statements are Core on the ``delivery`` table, never ORM objects: a fan-out touches thousands.

Session first, keyword-only arguments after it, scoped by workspace, domain records out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.model import Delivery, DeliveryStatus, ReminderTarget, SentDM
from storage.rounds import claim_round_reminder, members_who_answered_all
from storage.sql import cut_error, dialect_insert, lease_rows, rowcount, to_delivery
from storage.tables import DeliveryRow, DigestRow, ProcessedEventRow, TeamMemberRow, metadata
from storage.teams import of_active_members

DIGEST_CLAIMED, DIGEST_POSTED, DIGEST_FAILED = "claimed", "posted", "failed"

_DELIVERY = metadata.tables["delivery"]
_ROUND = metadata.tables["round"]
_PENDING, _SENT = DeliveryStatus.PENDING.value, DeliveryStatus.SENT.value


# ---------------------------------------------------------------------------------------------
# deliveries


def delivery_claimable(now: datetime) -> ColumnElement[bool]:
    """A delivery is claimable while pending and not leased, or leased with the lease run out.

    ``'pending'`` is written into the statement, not bound: so that PostgreSQL's generic plans
    (asyncpg prepares statements) still see it is in ``ix_delivery_pending``.
    """
    c = _DELIVERY.c
    pending = c.status == literal(_PENDING, literal_execute=True)
    return and_(pending, or_(c.lease_until.is_(None), c.lease_until <= now))


def _where_round_deliveries(workspace_id: str, round_id: int) -> ColumnElement[bool]:
    return and_(_DELIVERY.c.workspace_id == workspace_id, _DELIVERY.c.round_id == round_id)


def _where_delivery(
    workspace_id: str, round_id: int, user_id: str | BindParameter[str]
) -> ColumnElement[bool]:
    return and_(_where_round_deliveries(workspace_id, round_id), _DELIVERY.c.user_id == user_id)


async def create_team_deliveries(
    session: AsyncSession, *, workspace_id: str, team_id: int, round_id: int, now: datetime
) -> int:
    """Record a pending delivery for each of the team's active members (``list_team_members``).

    One ``INSERT … SELECT``: the members never travel to Python, so a 10,000-member team costs
    one statement of constant size (existing rows are left alone).

    Returns:
        How many rows were created.
    """
    members = of_active_members(
        select(
            literal(workspace_id),
            literal(round_id),
            col(TeamMemberRow.user_id),
            literal(_PENDING),
            literal(now, type_=_DELIVERY.c.updated_at.type),
        ),
        workspace_id=workspace_id,
        team_id=team_id,
    )
    stmt = dialect_insert(session, DeliveryRow).from_select(
        ["workspace_id", "round_id", "user_id", "status", "updated_at"], members
    )
    result = await session.execute(
        stmt.on_conflict_do_nothing(index_elements=["round_id", "user_id"])
    )
    return rowcount(result)


async def get_delivery(
    session: AsyncSession, *, workspace_id: str, round_id: int, user_id: str
) -> Delivery | None:
    """The member's delivery of the round, or None when there is none."""
    query = select(_DELIVERY).where(_where_delivery(workspace_id, round_id, user_id))
    row = (await session.execute(query)).one_or_none()
    return to_delivery(row) if row is not None else None


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

    Returns:
        The deliveries this owner now holds, by user id.
    """
    c = _DELIVERY.c
    rows = await lease_rows(
        session,
        _DELIVERY,
        where=_where_round_deliveries(workspace_id, round_id),
        claimable=delivery_claimable(now),
        owner=owner,
        now=now,
        until=until,
        limit=limit,
        returning=(
            c.round_id,
            c.user_id,
            c.status,
            c.channel_id,
            c.message_ts,
            c.error,
            c.attempts,
        ),
    )
    return sorted((to_delivery(row) for row in rows), key=lambda d: d.user_id)


async def renew_leases(session: AsyncSession, *, owner: str, until: datetime) -> int:
    """Extend every pending delivery ``owner`` still holds (a sender's heartbeat)."""
    c = _DELIVERY.c
    result = await session.execute(
        update(_DELIVERY)
        .where(c.lease_owner == owner, c.status == _PENDING)
        .values(lease_until=until)
    )
    return rowcount(result)


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
    """Give a held delivery back: pending, claimable again from ``retry_at``.

    Returns:
        False when ``owner`` does not hold it (its lease ran out and another took it).
    """
    c = _DELIVERY.c
    result = await session.execute(
        update(_DELIVERY)
        .where(
            _where_delivery(workspace_id, round_id, user_id),
            c.lease_owner == owner,
            c.status == _PENDING,
        )
        .values(lease_owner=None, lease_until=retry_at, error=cut_error(error), updated_at=now)
    )
    return rowcount(result) == 1


async def mark_sent_many(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    sent: Sequence[SentDM],
    now: datetime,
) -> None:
    """Record DMs Slack accepted, in one statement (the fan-out commits them in groups).

    Whoever held the lease: the message exists either way, so this also overrides a failure.
    ``lease_owner`` stays, naming the sender (process and fan-out) for the record.
    """
    if not sent:
        return
    stmt = (
        update(_DELIVERY)
        .where(_where_delivery(workspace_id, round_id, bindparam("b_user_id")))
        .values(
            status=_SENT,
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
        update(_DELIVERY)
        .where(_where_delivery(workspace_id, round_id, user_id), _DELIVERY.c.status != _SENT)
        .values(
            status=DeliveryStatus.FAILED.value,
            error=cut_error(error),
            lease_owner=None,
            lease_until=None,
            updated_at=now,
        )
    )


async def count_pending_deliveries(session: AsyncSession) -> int:
    """Pulse DMs of open rounds not sent yet, every workspace together (the metrics' gauge).

    Driven by ``ix_delivery_pending`` (only the pending rows), each joined to its round.
    """
    pending = _DELIVERY.c.status == literal(_PENDING, literal_execute=True)
    query = (
        select(func.count())
        .select_from(_DELIVERY.join(_ROUND, _ROUND.c.id == _DELIVERY.c.round_id))
        .where(pending, _ROUND.c.closed_at.is_(None))
    )
    return int((await session.execute(query)).scalar_one())


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
        The members this caller must remind, by user id; empty when the round was already
        reminded.
    """
    if not await claim_round_reminder(
        session, workspace_id=workspace_id, round_id=round_id, now=now
    ):
        return []
    d = _DELIVERY.c
    answered_all = members_who_answered_all(workspace_id=workspace_id, round_id=round_id)
    rows = await session.execute(
        update(_DELIVERY)
        .where(
            _where_round_deliveries(workspace_id, round_id),
            d.status == _SENT,
            d.reminded_at.is_(None),
            d.user_id.not_in(answered_all),
        )
        .values(reminded_at=now)
        .returning(d.user_id, d.channel_id, d.message_ts)
    )
    targets = [
        ReminderTarget(user_id=user_id, channel_id=channel_id, message_ts=ts)
        for user_id, channel_id, ts in rows
        if channel_id is not None
    ]
    return sorted(targets, key=lambda t: t.user_id)


# ---------------------------------------------------------------------------------------------
# digests


def _where_digest(workspace_id: str, round_id: int) -> ColumnElement[bool]:
    return and_(col(DigestRow.workspace_id) == workspace_id, col(DigestRow.round_id) == round_id)


async def claim_digest(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    channel_id: str,
    now: datetime,
    stale_before: datetime,
) -> bool:
    """Claim the right to post a round's digest: the first claim, or one taking over a stale one.

    Returns:
        True for the one caller that may post now.
    """
    inserted = await session.execute(
        dialect_insert(session, DigestRow)
        .values(
            workspace_id=workspace_id,
            round_id=round_id,
            channel_id=channel_id,
            status=DIGEST_CLAIMED,
            claimed_at=now,
        )
        .on_conflict_do_nothing(index_elements=["round_id"])
    )
    if rowcount(inserted) == 1:
        return True
    taken_over = await session.execute(
        update(DigestRow)
        .where(
            _where_digest(workspace_id, round_id),
            col(DigestRow.status) == DIGEST_CLAIMED,
            col(DigestRow.claimed_at) <= stale_before,
        )
        .values(claimed_at=now)
    )
    return rowcount(taken_over) == 1


async def _settle_digest(
    session: AsyncSession, *, workspace_id: str, round_id: int, at: datetime | None = None
) -> None:
    # The round's digest is done with (posted or refused): the tick's scans pass it over.
    # A refusal has no time of its own: its claim's is the nearest.
    claimed_at = select(col(DigestRow.claimed_at)).where(_where_digest(workspace_id, round_id))
    await session.execute(
        update(_ROUND)
        .where(_ROUND.c.workspace_id == workspace_id, _ROUND.c.id == round_id)
        .values(digest_settled_at=claimed_at.scalar_subquery() if at is None else at)
    )


async def mark_digest_posted(
    session: AsyncSession, *, workspace_id: str, round_id: int, message_ts: str, now: datetime
) -> None:
    """Record the posted digest: it is never claimed (so never posted) again."""
    await session.execute(
        update(DigestRow)
        .where(_where_digest(workspace_id, round_id))
        .values(status=DIGEST_POSTED, message_ts=message_ts, posted_at=now)
    )
    await _settle_digest(session, workspace_id=workspace_id, round_id=round_id, at=now)


async def mark_digest_failed(
    session: AsyncSession, *, workspace_id: str, round_id: int, error: str
) -> None:
    """Slack refused the digest for good (e.g. the bot left the channel): stop trying."""
    await session.execute(
        update(DigestRow)
        .where(_where_digest(workspace_id, round_id))
        .values(status=DIGEST_FAILED, error=cut_error(error))
    )
    await _settle_digest(session, workspace_id=workspace_id, round_id=round_id)


async def release_digest(session: AsyncSession, *, workspace_id: str, round_id: int) -> None:
    """Give up a claim whose post failed for now, so a later tick posts it."""
    await session.execute(
        delete(DigestRow).where(
            _where_digest(workspace_id, round_id), col(DigestRow.status) == DIGEST_CLAIMED
        )
    )


# ---------------------------------------------------------------------------------------------
# processed events


async def record_event(
    session: AsyncSession, *, workspace_id: str, event_id: str, now: datetime
) -> bool:
    """Remember a Slack event id. Returns False when it was seen before (a redelivery)."""
    stmt = dialect_insert(session, ProcessedEventRow).values(
        workspace_id=workspace_id, event_id=event_id, received_at=now
    )
    return rowcount(await session.execute(stmt.on_conflict_do_nothing())) == 1


async def dm_channels(session: AsyncSession, *, workspace_id: str) -> dict[str, str]:
    """Each member's DM channel: the channel of their latest delivered pulse DM, by user id."""
    latest = (
        select(func.max(col(DeliveryRow.id)).label("id"))
        .where(
            col(DeliveryRow.workspace_id) == workspace_id,
            col(DeliveryRow.channel_id).is_not(None),
        )
        .group_by(col(DeliveryRow.user_id))
        .subquery()
    )
    rows = await session.execute(
        select(col(DeliveryRow.user_id), col(DeliveryRow.channel_id)).join(
            latest, col(DeliveryRow.id) == latest.c.id
        )
    )
    return {user_id: channel_id for user_id, channel_id in rows if channel_id}
