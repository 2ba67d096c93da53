"""Statements for tests: set up and read back rows the product has no function for.

The product closes a round by opening the next one or at its scheduled close, and counts
deliveries only inside its aggregates; a test that needs a closed round, or the ledger's
counts, right now uses these (tests may write and read rows directly; product code may not).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import DeliveryStatus
from storage.tables import metadata

# Every table of ours that holds a workspace's data (each has a workspace_id column).
WORKSPACE_DATA_TABLES = (
    "team",
    "manager",
    "member",
    "team_member",
    "round",
    "delivery",
    "answer",
    "digest",
    "round_summary",
    "processed_event",
    "picture",
    "teams_tenant",
    "teams_channel",
    "teams_chat",
    "away_mark",
    "team_away_rules",
    "team_question",
    "release_hook",
    "release",
    "release_delivery",
)

_ROUND = metadata.tables["round"]
_DELIVERY = metadata.tables["delivery"]


async def close_round(
    session: AsyncSession, *, workspace_id: str, round_id: int, now: datetime
) -> bool:
    """Close an open round; False when it was closed already (or is not there)."""
    result = await session.execute(
        update(_ROUND)
        .where(
            _ROUND.c.workspace_id == workspace_id,
            _ROUND.c.id == round_id,
            _ROUND.c.closed_at.is_(None),
        )
        .values(closed_at=now)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def delivery_counts(
    session: AsyncSession, *, workspace_id: str, round_id: int
) -> dict[DeliveryStatus, int]:
    """How many of the round's deliveries are pending, sent and failed."""
    rows = await session.execute(
        select(_DELIVERY.c.status, func.count())
        .where(_DELIVERY.c.workspace_id == workspace_id, _DELIVERY.c.round_id == round_id)
        .group_by(_DELIVERY.c.status)
    )
    counts = dict.fromkeys(DeliveryStatus, 0)
    for status, n in rows:
        counts[DeliveryStatus(status)] = n
    return counts
