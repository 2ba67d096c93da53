"""Away members: managers' marks (``away_mark``) and the ``away`` rows of the delivery ledger.

A mark says "away until this date" (inclusive, in the team's time zone, which the caller turns
into ``today``). The fan-out sets the delivery rows it leased aside as ``away`` instead of
sending them (``set_aside``): never sent, never reminded (reminders take ``sent`` rows), never
claimed again (claims take ``pending`` rows), not counted as asked (``storage.aggregates``).
``take_back`` turns one away row into a leased pending one, for a member who asks for their
pulse after all ("Pulse me now", ``/sdo pulse me``).

Session first, keyword-only arguments after it, scoped by workspace, domain records out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.away import DEFAULT_AWAY_RULES, AwayMark, AwayRules
from bot.domain.model import DeliveryStatus, Round
from storage.sql import dialect_insert, rowcount
from storage.tables import AwayMarkRow, DeliveryRow, RoundRow, TeamAwayRulesRow

_MARK = AwayMarkRow.__table__  # type: ignore[attr-defined]
_RULES = TeamAwayRulesRow.__table__  # type: ignore[attr-defined]
_DELIVERY = DeliveryRow.__table__  # type: ignore[attr-defined]
_ROUND = RoundRow.__table__  # type: ignore[attr-defined]
_PENDING, _AWAY = DeliveryStatus.PENDING.value, DeliveryStatus.AWAY.value


# ---------------------------------------------------------------------------------------------
# a team's list of the statuses that mean away


async def get_rules(session: AsyncSession, *, workspace_id: str, team_id: int) -> AwayRules:
    """The team's list (the defaults when it never changed it)."""
    r = _RULES.c
    row = (
        await session.execute(
            select(r.emoji, r.words).where(r.workspace_id == workspace_id, r.team_id == team_id)
        )
    ).first()
    if row is None:
        return DEFAULT_AWAY_RULES
    return AwayRules(emoji=_lines(row.emoji), words=_lines(row.words))


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line for line in text.split("\n") if line)


async def set_rules(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    rules: AwayRules | None,
    by: str | None,
    now: datetime,
) -> None:
    """Store the team's whole list (None: back to the defaults, no row)."""
    r = _RULES.c
    if rules is None:
        await session.execute(
            delete(_RULES).where(r.workspace_id == workspace_id, r.team_id == team_id)
        )
        return
    values = {
        "emoji": "\n".join(rules.emoji),
        "words": "\n".join(rules.words),
        "updated_by": by,
        "updated_at": now,
    }
    stmt = dialect_insert(session, TeamAwayRulesRow).values(
        workspace_id=workspace_id, team_id=team_id, **values
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["workspace_id", "team_id"], set_=values)
    )


# ---------------------------------------------------------------------------------------------
# managers' marks


async def set_mark(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    user_id: str,
    until: date,
    marked_by: str | None,
    now: datetime,
) -> None:
    """Mark a member of a team away until ``until`` (a mark there already is replaced)."""
    values = {"until": until, "marked_by": marked_by, "marked_at": now}
    stmt = dialect_insert(session, AwayMarkRow).values(
        workspace_id=workspace_id, team_id=team_id, user_id=user_id, **values
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["workspace_id", "team_id", "user_id"], set_=values
        )
    )


async def clear_mark(
    session: AsyncSession, *, workspace_id: str, team_id: int, user_id: str
) -> bool:
    """Take a member's mark off; False when there was none."""
    m = _MARK.c
    result = await session.execute(
        delete(_MARK).where(
            m.workspace_id == workspace_id, m.team_id == team_id, m.user_id == user_id
        )
    )
    return rowcount(result) > 0


async def marks(
    session: AsyncSession, *, workspace_id: str, team_id: int, today: date
) -> list[AwayMark]:
    """The team's marks that hold on ``today`` or later, by date then user id."""
    m = _MARK.c
    rows = await session.execute(
        select(m.user_id, m.until, m.marked_by)
        .where(m.workspace_id == workspace_id, m.team_id == team_id, m.until >= today)
        .order_by(m.until, m.user_id)
    )
    return [AwayMark(user_id=u, until=until, marked_by=by) for u, until, by in rows]


async def marked_among(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    user_ids: Sequence[str],
    today: date,
) -> set[str]:
    """Those of ``user_ids`` a mark holds away on ``today``."""
    if not user_ids:
        return set()
    m = _MARK.c
    rows = await session.execute(
        select(m.user_id).where(
            m.workspace_id == workspace_id,
            m.team_id == team_id,
            m.user_id.in_(list(user_ids)),
            m.until >= today,
        )
    )
    return {user_id for (user_id,) in rows}


async def delete_person_marks(session: AsyncSession, *, workspace_id: str, user_id: str) -> int:
    """Delete the person's marks in every team of the workspace (``sdo forget``)."""
    m = _MARK.c
    result = await session.execute(
        delete(_MARK).where(m.workspace_id == workspace_id, m.user_id == user_id)
    )
    return rowcount(result)


# ---------------------------------------------------------------------------------------------
# the ledger's away rows


def _where_round_users(
    workspace_id: str, round_id: int, user_ids: Sequence[str]
) -> ColumnElement[bool]:
    d = _DELIVERY.c
    return and_(
        d.workspace_id == workspace_id, d.round_id == round_id, d.user_id.in_(list(user_ids))
    )


async def set_aside(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_ids: Sequence[str],
    owner: str,
    now: datetime,
) -> set[str]:
    """Record as away the deliveries of ``user_ids`` that ``owner`` holds (pending, leased to
    it); the user ids recorded."""
    if not user_ids:
        return set()
    d = _DELIVERY.c
    rows = await session.execute(
        update(_DELIVERY)
        .where(
            _where_round_users(workspace_id, round_id, user_ids),
            d.lease_owner == owner,
            d.status == _PENDING,
        )
        .values(status=_AWAY, lease_owner=None, lease_until=None, updated_at=now)
        .returning(d.user_id)
    )
    return {user_id for (user_id,) in rows}


async def take_back(
    session: AsyncSession,
    *,
    workspace_id: str,
    round_id: int,
    user_id: str,
    owner: str,
    until: datetime,
    now: datetime,
) -> bool:
    """Lease a member's away delivery to ``owner`` as pending (they asked for their pulse):
    from now on it is a delivery like any other. False when it is not away."""
    d = _DELIVERY.c
    result = await session.execute(
        update(_DELIVERY)
        .where(
            _where_round_users(workspace_id, round_id, [user_id]),
            d.status == _AWAY,
        )
        .values(
            status=_PENDING,
            lease_owner=owner,
            lease_until=until,
            attempts=d.attempts + 1,
            error=None,
            updated_at=now,
        )
    )
    return rowcount(result) == 1


async def open_rounds_away(
    session: AsyncSession, *, workspace_id: str, user_id: str
) -> dict[int, Round]:
    """The open rounds the member was away for, by team id."""
    d, r = _DELIVERY.c, _ROUND.c
    rows = await session.execute(
        select(r.id, r.team_id, r.period, r.number, r.opened_at)
        .select_from(_DELIVERY.join(_ROUND, r.id == d.round_id))
        .where(
            d.workspace_id == workspace_id,
            d.user_id == user_id,
            d.status == _AWAY,
            r.closed_at.is_(None),
        )
    )
    return {
        team_id: Round(
            id=round_id,
            workspace_id=workspace_id,
            team_id=team_id,
            period=period,
            number=number,
            opened_at=opened_at,
        )
        for round_id, team_id, period, number, opened_at in rows
    }
