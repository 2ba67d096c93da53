"""Release pulses: a team's webhook (key and secret), the releases it reported, and each
member's release DM with its answer (``release_hook``, ``release``, ``release_delivery``;
migration 0011).

A release is one row per team and delivery id (a replayed delivery inserts nothing). Its
deliveries follow the delivery ledger's protocol: created pending, leased to one sender
(``lease_owner``/``lease_until``, re-checked in the UPDATE), marked sent or failed, or set
aside as away. Session first, keyword-only arguments after it, scoped by workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.circles import Circle
from bot.domain.model import DeliveryStatus
from storage.sql import dialect_insert, is_postgresql, lease_rows, rowcount
from storage.tables import AnswerRow, ReleaseDeliveryRow, ReleaseHookRow, ReleaseRow, TeamRow

_HOOK = ReleaseHookRow.__table__  # type: ignore[attr-defined]
_RELEASE = ReleaseRow.__table__  # type: ignore[attr-defined]
_DELIVERY = ReleaseDeliveryRow.__table__  # type: ignore[attr-defined]
_PENDING, _SENT, _FAILED, _AWAY = (
    DeliveryStatus.PENDING.value,
    DeliveryStatus.SENT.value,
    DeliveryStatus.FAILED.value,
    DeliveryStatus.AWAY.value,
)


@dataclass(frozen=True, slots=True)
class StoredHook:
    workspace_id: str
    team_id: int
    key: str
    secret: str  # as stored (encrypted when a cipher is in use)


@dataclass(frozen=True, slots=True)
class StoredRelease:
    id: int
    workspace_id: str
    team_id: int
    name: str


@dataclass(frozen=True, slots=True)
class ReleaseTally:
    """A release's answers: how many said Yes, how many answered, how many were asked."""

    name: str
    accepted: int
    answered: int
    asked: int


# -- hooks -----------------------------------------------------------------------------------


async def team_hook(session: AsyncSession, *, workspace_id: str, team_id: int) -> StoredHook | None:
    h = _HOOK.c
    row = (
        await session.execute(
            select(h.workspace_id, h.team_id, h.key, h.secret).where(
                h.workspace_id == workspace_id, h.team_id == team_id
            )
        )
    ).first()
    return StoredHook(*row) if row else None


async def hook_by_key(session: AsyncSession, *, key: str) -> StoredHook | None:
    h = _HOOK.c
    row = (
        await session.execute(
            select(h.workspace_id, h.team_id, h.key, h.secret).where(h.key == key)
        )
    ).first()
    return StoredHook(*row) if row else None


async def set_hook(
    session: AsyncSession, *, workspace_id: str, team_id: int, key: str, secret: str, now: datetime
) -> None:
    """Store the team's key and secret, replacing any earlier (the old secret stops working)."""
    stmt = dialect_insert(session, ReleaseHookRow).values(
        workspace_id=workspace_id, team_id=team_id, key=key, secret=secret, created_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["team_id"], set_={"key": key, "secret": secret, "created_at": now}
        )
    )


# -- releases --------------------------------------------------------------------------------


async def record_release(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    delivery_id: str,
    name: str,
    source: str,
    now: datetime,
    ask_at: datetime | None,
) -> int | None:
    """Insert a release; its id, or None when this delivery id was recorded already."""
    stmt = (
        dialect_insert(session, ReleaseRow)
        .values(
            workspace_id=workspace_id,
            team_id=team_id,
            delivery_id=delivery_id,
            name=name,
            source=source,
            received_at=now,
            ask_at=ask_at,
        )
        .on_conflict_do_nothing(index_elements=["team_id", "delivery_id"])
        .returning(_RELEASE.c.id)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return int(found) if found is not None else None


async def asked_near(
    session: AsyncSession, *, workspace_id: str, team_id: int, at: datetime, within: timedelta
) -> bool:
    """Whether another release of the team asks (or asked) within ``within`` of ``at``.

    On PostgreSQL the team's row is locked first, until the transaction ends: releases of one
    team reported at once are recorded one after another, so only the first one asks (READ
    COMMITTED would let each see none of the others). SQLite serialises writers anyway."""
    if is_postgresql(session):
        t = TeamRow.__table__.c  # type: ignore[attr-defined]
        await session.execute(
            select(t.id)
            .where(t.workspace_id == workspace_id, t.id == team_id)
            .with_for_update(key_share=True)
        )
    r = _RELEASE.c
    found = await session.execute(
        select(r.id)
        .where(
            r.workspace_id == workspace_id,
            r.team_id == team_id,
            r.ask_at.is_not(None),
            r.ask_at > at - within,
            r.ask_at < at + within,
        )
        .limit(1)
    )
    return found.first() is not None


async def any_due(session: AsyncSession, *, now: datetime) -> bool:
    """Whether a release's asking time has come and it has no deliveries yet (a read: the
    tick writes only when there is something to claim)."""
    r = _RELEASE.c
    found = await session.execute(
        select(r.id).where(r.ask_at.is_not(None), r.ask_at <= now, r.asked_at.is_(None)).limit(1)
    )
    return found.first() is not None


async def claim_due_releases(
    session: AsyncSession, *, now: datetime, limit: int = 50
) -> list[StoredRelease]:
    """The releases whose asking time has come and which have no deliveries yet, claimed
    (``asked_at`` set with a compare-and-set: one caller gets each)."""
    r = _RELEASE.c
    due = (
        select(r.id, r.workspace_id, r.team_id, r.name)
        .where(r.ask_at.is_not(None), r.ask_at <= now, r.asked_at.is_(None))
        .order_by(r.ask_at)
        .limit(limit)
    )
    claimed = []
    for row in (await session.execute(due)).all():
        result = await session.execute(
            update(_RELEASE).where(r.id == row.id, r.asked_at.is_(None)).values(asked_at=now)
        )
        if rowcount(result) == 1:
            claimed.append(StoredRelease(row.id, row.workspace_id, row.team_id, row.name))
    return claimed


async def create_deliveries(
    session: AsyncSession,
    *,
    workspace_id: str,
    release_id: int,
    user_ids: Sequence[str],
    now: datetime,
) -> None:
    if not user_ids:
        return
    stmt = dialect_insert(session, ReleaseDeliveryRow).values(
        [
            {
                "workspace_id": workspace_id,
                "release_id": release_id,
                "user_id": u,
                "status": _PENDING,
                "attempts": 0,
                "updated_at": now,
            }
            for u in user_ids
        ]
    )
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["release_id", "user_id"]))


def _claimable(now: datetime) -> ColumnElement[bool]:
    d = _DELIVERY.c
    return and_(d.status == _PENDING, or_(d.lease_until.is_(None), d.lease_until <= now))


async def releases_to_send(session: AsyncSession, *, now: datetime) -> list[StoredRelease]:
    """Releases with a claimable pending delivery (new, interrupted, or to retry)."""
    r, d = _RELEASE.c, _DELIVERY.c
    rows = await session.execute(
        select(r.id, r.workspace_id, r.team_id, r.name)
        .where(r.id.in_(select(d.release_id).where(_claimable(now))))
        .order_by(r.id)
    )
    return [StoredRelease(*row) for row in rows]


async def claim_deliveries(
    session: AsyncSession,
    *,
    release_id: int,
    owner: str,
    now: datetime,
    until: datetime,
    limit: int,
) -> list[tuple[str, int]]:
    """Lease up to ``limit`` claimable deliveries of a release; (user id, attempts) each."""
    d = _DELIVERY.c
    rows = await lease_rows(
        session,
        _DELIVERY,
        where=d.release_id == release_id,
        claimable=_claimable(now),
        owner=owner,
        now=now,
        until=until,
        limit=limit,
        returning=(d.user_id, d.attempts),
    )
    return sorted((str(row.user_id), int(row.attempts)) for row in rows)


async def settle(
    session: AsyncSession,
    *,
    release_id: int,
    user_id: str,
    owner: str,
    status: str,
    now: datetime,
    channel_id: str | None = None,
    message_ts: str | None = None,
    retry_at: datetime | None = None,
) -> bool:
    """Mark a held delivery ``sent`` (where), ``failed``, ``away``, or give it back pending
    (``retry_at``). False when ``owner`` no longer holds it."""
    d = _DELIVERY.c
    values: dict[str, object] = {"status": status, "updated_at": now, "lease_owner": None}
    if status == _PENDING:
        values["lease_until"] = retry_at
    if channel_id is not None:
        values["channel_id"] = channel_id
        values["message_ts"] = message_ts
    result = await session.execute(
        update(_DELIVERY)
        .where(
            d.release_id == release_id,
            d.user_id == user_id,
            d.lease_owner == owner,
            d.status == _PENDING,
        )
        .values(**values)
    )
    return rowcount(result) == 1


async def record_answer(
    session: AsyncSession,
    *,
    workspace_id: str,
    release_id: int,
    user_id: str,
    value: str,
    now: datetime,
) -> StoredRelease | None:
    """Store a member's answer to a release pulse that was sent to them; the release, or None
    (not sent to them, or no such release in this workspace)."""
    d, r = _DELIVERY.c, _RELEASE.c
    result = await session.execute(
        update(_DELIVERY)
        .where(
            d.workspace_id == workspace_id,
            d.release_id == release_id,
            d.user_id == user_id,
            d.status == _SENT,
        )
        .values(answer=value, answered_at=now, updated_at=now)
    )
    if rowcount(result) != 1:
        return None
    row = (
        await session.execute(
            select(r.id, r.workspace_id, r.team_id, r.name).where(r.id == release_id)
        )
    ).first()
    return StoredRelease(*row) if row else None


async def latest_tally(
    session: AsyncSession, *, workspace_id: str, team_id: int, since: datetime | None = None
) -> ReleaseTally | None:
    """The team's latest release that asked anyone (since ``since``, when given): its
    answers counted (Yes, any answer, asked: sent deliveries)."""
    r, d = _RELEASE.c, _DELIVERY.c
    query = select(r.id, r.name).where(
        r.workspace_id == workspace_id, r.team_id == team_id, r.asked_at.is_not(None)
    )
    if since is not None:
        query = query.where(r.asked_at >= since)
    latest = (
        await session.execute(query.order_by(r.asked_at.desc(), r.id.desc()).limit(1))
    ).first()
    if latest is None:
        return None
    counts = (
        await session.execute(
            select(
                func.count().filter(d.answer == "yes"),
                func.count(d.answer),
                func.count(),
            ).where(d.release_id == latest.id, d.status == _SENT)
        )
    ).one()
    return ReleaseTally(name=latest.name, accepted=counts[0], answered=counts[1], asked=counts[2])


def _answered_before(cutoff: datetime) -> object:
    d, r = _DELIVERY.c, _RELEASE.c
    return and_(
        d.answer.is_not(None),
        d.release_id.in_(select(r.id).where(r.received_at < cutoff)),
    )


async def any_answered_before(session: AsyncSession, *, cutoff: datetime) -> bool:
    """Whether a release received before ``cutoff`` still holds an answer."""
    d = _DELIVERY.c
    found = await session.execute(
        select(d.id).where(_answered_before(cutoff)).limit(1)  # type: ignore[arg-type]
    )
    return found.first() is not None


async def forget_answers_before(session: AsyncSession, *, cutoff: datetime) -> int:
    """Blank the answers of releases received before ``cutoff`` (``SDO_RETENTION_DAYS``);
    how many."""
    result = await session.execute(
        update(_DELIVERY)
        .where(_answered_before(cutoff))  # type: ignore[arg-type]
        .values(answer=None, answered_at=None)
    )
    return rowcount(result)


async def previous_answer_at(
    session: AsyncSession, *, workspace_id: str, release_id: int, user_id: str
) -> datetime | None:
    d = _DELIVERY.c
    found = await session.execute(
        select(d.answered_at).where(
            d.workspace_id == workspace_id, d.release_id == release_id, d.user_id == user_id
        )
    )
    return found.scalar_one_or_none()


async def fill_d_answer(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_id: str,
    value: str,
    now: datetime,
    previous: datetime | None,
) -> bool:
    """Let a release answer stand for the member's D answer of an open round: stored when they
    have none there (no row, or a note without an answer), or when the D answer there is the
    one this release wrote before (same ``answered_at``: the member's own pulse click since
    would have changed it). True when stored."""
    a = AnswerRow.__table__.c  # type: ignore[attr-defined]
    replaceable = a.value.is_(None)
    if previous is not None:
        replaceable = or_(replaceable, a.answered_at == previous)
    stmt = dialect_insert(session, AnswerRow).values(
        workspace_id=workspace_id,
        round_id=round_id,
        user_id=user_id,
        question=Circle.DELIVER.value,
        value=value,
        answered_at=now,
        internal_customer=False,
    )
    result = await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["round_id", "user_id", "question"],
            set_={"value": value, "answered_at": now},
            where=replaceable,
        )
    )
    return rowcount(result) == 1
